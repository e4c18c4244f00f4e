// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s

// Max pooling pads with the smallest storage code, which never wins.
// CHECK-LABEL: func.func @max_pool
// CHECK: %[[MIN:.*]] = arith.constant -128 : i8
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 0, 0]
// CHECK: tensor.yield %[[MIN]] : i8
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : tensor<1x4x3x3xi8>)
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3xi8>
// CHECK: linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %[[WIN]] : tensor<1x9x7x3xi8>, tensor<3x3xi8>) outs(%[[INIT]] : tensor<1x4x3x3xi8>)
func.func @max_pool(%x: tensor<1x7x6x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x3x3x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 0>}
      : tensor<1x7x6x3x!quant.uniform<i8:f32, 0.1>> -> tensor<1x4x3x3x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<1x4x3x3x!quant.uniform<i8:f32, 0.1>>
}

// -----

// CHECK-LABEL: func.func @max_pool_unsigned
// CHECK: linalg.pooling_nhwc_max_unsigned
func.func @max_pool_unsigned(%x: tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1>>) -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1>> {
  %y = qc.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1>> -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1>>
  return %y : tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1>>
}

// -----

// Average pooling sums codes in i32 (padding adds 0) and divides by the
// number of valid elements, a compile-time constant per output position:
// with a 2x2 window, stride 1 and padding 1 on the top/left of a 2x2 input,
// the corners see 1, the edges 2 and the inner position 4 elements.
// CHECK-LABEL: func.func @avg_pool
// CHECK: %[[SUM:.*]] = linalg.pooling_nhwc_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x3x3x1xi8>, tensor<2x2xi8>) outs(%{{.*}} : tensor<1x2x2x1xi32>)
// CHECK: %[[COUNT:.*]] = arith.constant dense<{{\[}}[1, 2], [2, 4]]> : tensor<2x2xi32>
// The rounded quotient: floor quotient and remainder, one step up above
// half the count, and at exactly half (a tie) when the sum is >= 0 (the
// default, half_away).
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[COUNT]] : tensor<1x2x2x1xi32>, tensor<2x2xi32>)
// CHECK: ^bb0(%[[S:.*]]: i32, %[[N:.*]]: i32, %{{.*}}: i8):
// CHECK: %[[Q0:.*]] = arith.divsi %[[S]], %[[N]] : i32
// CHECK: %[[R0:.*]] = arith.remsi %[[S]], %[[N]] : i32
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[R0]], %{{.*}} : i32
// CHECK: %[[Q:.*]] = arith.select %[[NEG]]
// CHECK: %[[R:.*]] = arith.select %[[NEG]]
// CHECK: %[[R2:.*]] = arith.addi %[[R]], %[[R]] : i32
// CHECK: %[[ABOVE:.*]] = arith.cmpi sgt, %[[R2]], %[[N]] : i32
// CHECK: %[[TIE:.*]] = arith.cmpi eq, %[[R2]], %[[N]] : i32
// CHECK: %[[POS:.*]] = arith.cmpi sge, %[[S]], %{{.*}} : i32
// CHECK: %[[TIEUP:.*]] = arith.andi %[[TIE]], %[[POS]] : i1
// CHECK: %[[UP:.*]] = arith.ori %[[ABOVE]], %[[TIEUP]] : i1
// CHECK: %[[STEP:.*]] = arith.extui %[[UP]] : i1 to i32
// CHECK: %[[Y:.*]] = arith.addi %[[Q]], %[[STEP]] : i32
// CHECK: arith.trunci %[[Y]] : i32 to i8
func.func @avg_pool(%x: tensor<1x2x2x1x!quant.uniform<i8:f32, 0.1:4>>) -> tensor<1x2x2x1x!quant.uniform<i8:f32, 0.1:4>> {
  %y = qc.avg_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 1, 0, 1, 0>}
      : tensor<1x2x2x1x!quant.uniform<i8:f32, 0.1:4>> -> tensor<1x2x2x1x!quant.uniform<i8:f32, 0.1:4>>
  return %y : tensor<1x2x2x1x!quant.uniform<i8:f32, 0.1:4>>
}

// -----

// Without padding every window holds kernel elements: the count is a scalar.
// Unsigned codes are widened first (pooling_nhwc_sum sign-extends).
// CHECK-LABEL: func.func @avg_pool_unsigned
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: linalg.pooling_nhwc_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x4x2xi32>, tensor<2x2xi32>)
// CHECK-NOT: tensor<2x2xi32> = dense
// CHECK: arith.constant 4 : i32
func.func @avg_pool_unsigned(%x: tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1>>) -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1>> {
  %y = qc.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1>> -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1>>
  return %y : tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1>>
}

// -----

// CHECK-LABEL: func.func @avg_pool_dynamic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x4x2xi8>) -> tensor<?x2x2x2xi8>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4x4x2xi8>
// CHECK: tensor.empty(%[[N]]) : tensor<?x2x2x2xi32>
// CHECK: linalg.pooling_nhwc_sum
// CHECK: tensor.empty(%[[N]]) : tensor<?x2x2x2xi8>
func.func @avg_pool_dynamic_batch(%x: tensor<?x4x4x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<?x2x2x2x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x4x4x2x!quant.uniform<i8:f32, 0.1>> -> tensor<?x2x2x2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<?x2x2x2x!quant.uniform<i8:f32, 0.1>>
}

// -----

// Ties to even relative to the zero point: a tie steps up when q - z is
// odd: the low bit of q, flipped for an odd zero point (-3 here).
// CHECK-LABEL: func.func @avg_pool_half_even
// CHECK: %[[Q:.*]] = arith.select
// CHECK: %[[TIE:.*]] = arith.cmpi eq
// CHECK: %[[LOW:.*]] = arith.trunci %[[Q]] : i32 to i1
// CHECK: %[[ODD:.*]] = arith.xori %[[LOW]], %{{.*}} : i1
// CHECK: arith.andi %[[TIE]], %[[ODD]] : i1
func.func @avg_pool_half_even(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:-3>>) -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:-3>> {
  %y = qc.avg_pool2d %x rounding <half_even> {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:-3>> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:-3>>
  return %y : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:-3>>
}

// -----

// An even zero point: the low bit of q alone.
// CHECK-LABEL: func.func @avg_pool_half_even_even_zero_point
// CHECK: %[[Q:.*]] = arith.select
// CHECK: %[[TIE:.*]] = arith.cmpi eq
// CHECK: %[[ODD:.*]] = arith.trunci %[[Q]] : i32 to i1
// CHECK-NOT: arith.xori
// CHECK: arith.andi %[[TIE]], %[[ODD]] : i1
func.func @avg_pool_half_even_even_zero_point(%x: tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1:128>> {
  %y = qc.avg_pool2d %x rounding <half_even> {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1:128>> -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1:128>>
  return %y : tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1:128>>
}
