// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s
// qc.table, qc.softmax, qc.layer_norm and qc.batch_matmul lowered to
// integer linalg (the bit-exact checks are test/python/nonlinear-numerics.py).

// A table is a gather from a constant of the result's storage type at
// (code - storage_min).
// CHECK-LABEL: func.func @table
// CHECK-DAG:     %[[T:.*]] = arith.constant dense<[3, 2, 1, 0]> : tensor<4xi8>
// CHECK:         linalg.generic
// CHECK:           %[[E:.*]] = arith.extsi %{{.*}} : i2 to i32
// CHECK:           %[[I:.*]] = arith.subi %[[E]], %{{.*}} : i32
// CHECK:           %[[X:.*]] = arith.index_cast %[[I]] : i32 to index
// CHECK:           tensor.extract %[[T]][%[[X]]] : tensor<4xi8>
func.func @table(%x: tensor<5x!quant.uniform<i2:f32, 0.5>>) -> tensor<5x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.table %x table dense<[3, 2, 1, 0]> : tensor<4xi32> : tensor<5x!quant.uniform<i2:f32, 0.5>> -> tensor<5x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<5x!quant.uniform<i8:f32, 0.1>>
}

// -----

// Softmax: row maxima, the exponential table at (max - code), an i64 sum,
// the reciprocal floor(2^61 / S) of each row's sum (one unsigned i64
// division per row), then the Q15 quotient by Division.cpp's short
// quotient (no division per element: the top 32 bits of the dividend (n >>
// 14 for rows of 16) times the reciprocal, >> 47, and one correction by the
// remainder; both factors zero-extended from i32, so that LLVM selects a 32 x
// 32 -> 64-bit multiply) and the output stage.
// CHECK-LABEL: func.func @softmax
// CHECK-DAG:     %[[E:.*]] = arith.constant dense<"0x00000040{{.*}}"> : tensor<256xi32>
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maxsi
// CHECK:         %[[EXP:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[MAX]] : tensor<2x16xi8>, tensor<2xi32>)
// CHECK:           tensor.extract %[[E]]
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]] : tensor<2x16xi32>) outs(%{{.*}} : tensor<2xi64>)
// CHECK:         %[[RECIP:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2xi64>) outs(%{{.*}} : tensor<2xi64>)
// CHECK:           %[[TOP:.*]] = arith.constant 2305843009213693952 : i64
// CHECK:           %[[M:.*]] = arith.divui %[[TOP]], %{{.*}} : i64
// CHECK:           arith.andi %[[M]], %{{.*}} : i64
// CHECK:         linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]], %[[RECIP]] : tensor<2x16xi32>, tensor<2xi64>, tensor<2xi64>)
// CHECK-NEXT:      ^bb0(%{{.*}}: i32, %[[S:.*]]: i64, %[[R:.*]]: i64, %{{.*}}: i8):
// CHECK-NOT:       arith.div
// CHECK:           %[[N:.*]] = arith.addi
// CHECK:           %[[HI:.*]] = arith.shrui %[[N]], %c14_i64 : i64
// CHECK:           %[[HI32:.*]] = arith.trunci %[[HI]] : i64 to i32
// CHECK:           %[[HIW:.*]] = arith.extui %[[HI32]] : i32 to i64
// CHECK:           %[[R32:.*]] = arith.trunci %[[R]] : i64 to i32
// CHECK:           %[[RW:.*]] = arith.extui %[[R32]] : i32 to i64
// CHECK:           %[[P:.*]] = arith.muli %[[HIW]], %[[RW]] : i64
// CHECK:           %[[Q0:.*]] = arith.shrui %[[P]], %c47_i64 : i64
// CHECK:           %[[Q0S:.*]] = arith.muli %[[Q0]], %[[S]] : i64
// CHECK:           %[[REM:.*]] = arith.subi %[[N]], %[[Q0S]] : i64
// CHECK:           %[[LOW:.*]] = arith.cmpi uge, %[[REM]], %[[S]] : i64
// CHECK:           %[[ONE:.*]] = arith.extui %[[LOW]] : i1 to i64
// CHECK:           arith.addi %[[Q0]], %[[ONE]] : i64
// CHECK-NOT:       arith.div
// CHECK:           arith.trunci %{{.*}} : i64 to i32
// CHECK:           arith.trunci %{{.*}} : i32 to i8
func.func @softmax(%x: tensor<2x16x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x16x!quant.uniform<i8:f32, 0.00390625:-128>> {
  %y = qc.softmax %x axis 1 : tensor<2x16x!quant.uniform<i8:f32, 0.1:3>> -> tensor<2x16x!quant.uniform<i8:f32, 0.00390625:-128>>
  return %y : tensor<2x16x!quant.uniform<i8:f32, 0.00390625:-128>>
}

// -----

// Layer norm: one pass for the row sums S and sums of squares Q (both i32
// for 8-bit codes), per row W = D Q - S^2 in i64, times D (V, the
// statistic of inputs up to 8 bits), the normalization and integer square
// root (and the reciprocal floor(2^61 / r) and the divisor r < 2^31 of the
// division by the root), then the per-channel affine output, whose division
// by the root is Division.cpp's short quotient (n >> 25 times the
// reciprocal, >> 36, one correction).
// CHECK-LABEL: func.func @layer_norm
// CHECK:         %[[S:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<3x4xi8>) outs(%{{.*}}, %{{.*}} : tensor<3xi32>, tensor<3xi32>)
// CHECK:           %[[X:.*]] = arith.subi %{{.*}}, %{{.*}} : i32
// CHECK:           arith.addi %[[X]], %{{.*}} : i32
// CHECK:           %[[XX:.*]] = arith.muli %[[X]], %[[X]] : i32
// CHECK:           arith.addi %[[XX]], %{{.*}} : i32
// CHECK-NOT:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:         %[[R:.*]]:4 = linalg.generic {{.*}} ins(%[[S]]#0, %[[S]]#1 : tensor<3xi32>, tensor<3xi32>) outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>)
// CHECK:           %[[S64:.*]] = arith.extsi %{{.*}} : i32 to i64
// CHECK:           %[[Q:.*]] = arith.extsi %{{.*}} : i32 to i64
// CHECK:           %[[DQ:.*]] = arith.muli %[[Q]], %[[D:.*]] : i64
// CHECK:           %[[SS:.*]] = arith.muli %[[S64]], %[[S64]] : i64
// CHECK:           %[[W:.*]] = arith.subi %[[DQ]], %[[SS]] : i64
// CHECK:           arith.muli %[[W]], %{{.*}} : i64
// CHECK-COUNT-8:   arith.minsi %{{.*}} : i64
// CHECK:           %[[ROOT:.*]] = arith.maxsi %{{.*}}, %{{.*}} : i64
// CHECK:           arith.divui %{{.*}}, %[[ROOT]] : i64
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[S]]#0, %[[R]]#0, %[[R]]#1, %[[R]]#2, %[[R]]#3, %{{.*}}, %{{.*}} : tensor<3x4xi8>, tensor<3xi32>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<4xi64>, tensor<4xi64>)
// CHECK-NOT:       arith.div
// CHECK:           arith.shrui %{{.*}}, %c25_i64 : i64
// CHECK:           arith.shrui %{{.*}}, %c36_i64 : i64
// CHECK:           arith.cmpi uge
// CHECK-NOT:       arith.div
// CHECK:           arith.shrsi %{{.*}} : i64
// CHECK:           arith.trunci %{{.*}} : i64 to i8
func.func @layer_norm(%x: tensor<3x4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<3x4x!quant.uniform<i8:f32, 0.05:-1>> {
  %y = qc.layer_norm %x gamma [1.0, 0.5, 2.0, 1.0] beta [0.0, 0.25, -0.5, 0.0] epsilon 1.0e-05
      : tensor<3x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<3x4x!quant.uniform<i8:f32, 0.05:-1>>
  return %y : tensor<3x4x!quant.uniform<i8:f32, 0.05:-1>>
}

// -----

// 16-bit codes: the squares in i64 (one 16-bit square passes i32), the
// result in i16.
// CHECK-LABEL: func.func @layer_norm_i16
// CHECK:         %[[S:.*]]:2 = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x3xi16>) outs(%{{.*}}, %{{.*}} : tensor<2xi32>, tensor<2xi64>)
// CHECK:           %[[X:.*]] = arith.subi %{{.*}}, %{{.*}} : i32
// CHECK:           %[[W:.*]] = arith.extsi %[[X]] : i32 to i64
// CHECK:           arith.muli %[[W]], %[[W]] : i64
// CHECK:         linalg.generic {{.*}} ins(%[[S]]#0, %[[S]]#1 : tensor<2xi32>, tensor<2xi64>)
// CHECK:         linalg.generic
// CHECK:           arith.trunci %{{.*}} : i64 to i16
func.func @layer_norm_i16(%x: tensor<2x3x!quant.uniform<i16:f32, 0.001:-300>>) -> tensor<2x3x!quant.uniform<i16:f32, 0.0005:7>> {
  %y = qc.layer_norm %x gamma [1.0, 0.5, 2.0] beta [0.0, 0.25, -0.5] epsilon 1.0e-05
      : tensor<2x3x!quant.uniform<i16:f32, 0.001:-300>> -> tensor<2x3x!quant.uniform<i16:f32, 0.0005:7>>
  return %y : tensor<2x3x!quant.uniform<i16:f32, 0.0005:7>>
}

// -----

// Batched matmul of two activations: the contraction on the raw codes (mixed
// signedness: a generic, unsigned rhs widened with extui), row sums of lhs
// and column sums of rhs, then -zb*rows - za*cols + K*za*zb (8*3*128) and
// the output stage in one generic.
// CHECK-LABEL: func.func @batch_matmul
// CHECK:         %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%{{.*}}, %{{.*}} : tensor<2x4x8xi8>, tensor<2x8x5xi8>) outs(%{{.*}} : tensor<2x4x5xi32>)
// CHECK-NEXT:      ^bb0
// CHECK-NEXT:      arith.extsi
// CHECK-NEXT:      arith.extui
// CHECK-NEXT:      arith.muli
// CHECK-NEXT:      arith.addi
// CHECK:         %[[ROWS:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x4x8xi8>) outs(%{{.*}} : tensor<2x4xi32>)
// CHECK:           arith.extsi
// CHECK:         %[[COLS:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x8x5xi8>) outs(%{{.*}} : tensor<2x5xi32>)
// CHECK:           arith.extui
// CHECK:         linalg.generic {{.*}} ins(%[[ACC]], %[[ROWS]], %[[COLS]] : tensor<2x4x5xi32>, tensor<2x4xi32>, tensor<2x5xi32>)
// CHECK:           %[[ZB:.*]] = arith.constant 128 : i32
// CHECK:           arith.muli %{{.*}}, %[[ZB]]
// CHECK:           %[[ZA:.*]] = arith.constant 3 : i32
// CHECK:           arith.muli %{{.*}}, %[[ZA]]
// CHECK:           arith.constant 3072 : i32
func.func @batch_matmul(%a: tensor<2x4x8x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<2x8x5x!quant.uniform<u8:f32, 0.2:128>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>> {
  %y = qc.batch_matmul %a, %b : tensor<2x4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x8x5x!quant.uniform<u8:f32, 0.2:128>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>>
}

// -----

// Same signedness (the BERT attention products, u8 x u8): a named
// linalg.batch_matmul with the matching cast; K*za*zb = 8*62*62.
// CHECK-LABEL: func.func @batch_matmul_u8
// CHECK:         %[[ACC:.*]] = linalg.batch_matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%{{.*}}, %{{.*}} : tensor<2x4x8xi8>, tensor<2x8x5xi8>) outs(%{{.*}} : tensor<2x4x5xi32>)
// CHECK:         linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %{{.*}} : tensor<2x4x5xi32>, tensor<2x4xi32>, tensor<2x5xi32>)
// CHECK:           arith.constant 30752 : i32
func.func @batch_matmul_u8(%a: tensor<2x4x8x!quant.uniform<u8:f32, 0.1:62>>, %b: tensor<2x8x5x!quant.uniform<u8:f32, 0.2:62>>) -> tensor<2x4x5x!quant.uniform<u8:f32, 0.5:2>> {
  %y = qc.batch_matmul %a, %b : tensor<2x4x8x!quant.uniform<u8:f32, 0.1:62>>, tensor<2x8x5x!quant.uniform<u8:f32, 0.2:62>> -> tensor<2x4x5x!quant.uniform<u8:f32, 0.5:2>>
  return %y : tensor<2x4x5x!quant.uniform<u8:f32, 0.5:2>>
}

// -----

// qc.mul broadcasts a [1, 1, 1, C] scale (squeeze-excite) by reading its
// size-1 dimensions at index 0.
// CHECK-LABEL: func.func @mul_broadcast
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[BC:.*]], #{{.*}}]
// CHECK-SAME:        ins(%{{.*}}, %{{.*}} : tensor<1x4x4x3xi8>, tensor<1x1x1x3xi8>)
func.func @mul_broadcast(%a: tensor<1x4x4x3x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<1x1x1x3x!quant.uniform<i8:f32, 0.01:-128>>) -> tensor<1x4x4x3x!quant.uniform<i8:f32, 0.05:2>> {
  %y = qc.mul %a, %b : tensor<1x4x4x3x!quant.uniform<i8:f32, 0.1:3>>, tensor<1x1x1x3x!quant.uniform<i8:f32, 0.01:-128>> -> tensor<1x4x4x3x!quant.uniform<i8:f32, 0.05:2>>
  return %y : tensor<1x4x4x3x!quant.uniform<i8:f32, 0.05:2>>
}

// -----

// A float island's body runs in place.
// CHECK-LABEL: func.func @float_island
// CHECK-NOT:     qc.float_island
// CHECK:         %[[L:.*]] = math.log %{{.*}} : tensor<4xf32>
// CHECK-NOT:     qc.yield
// CHECK:         return %[[L]]
func.func @float_island(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = qc.float_island "f.float0" -> tensor<4xf32> {
    %l = math.log %x : tensor<4xf32>
    qc.yield %l : tensor<4xf32>
  }
  return %y : tensor<4xf32>
}
