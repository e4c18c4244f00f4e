// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s
// RUN: qc-opt %s --qc-lower-to-linalg --qc-widen-narrow-integers --qc-cpu-vectorize --qc-cpu-bufferize -split-input-file | FileCheck %s --check-prefix=BUF
// RUN: qc-opt %s --qc-lower-to-linalg --qc-widen-narrow-integers --qc-spirv-bufferize -split-input-file | FileCheck %s --check-prefix=BUF

// The integer form of a zero-padded rotation (docs/Hadamard.md, "Padding
// without a copy"): codes padded with the zero point on the last dimension,
// then qc.hadamard. The lowering reads the unpadded codes: the first stage
// (centre, signs, widen) writes the source's columns [1, 6) of the padded
// i32 tensor from the i16 codes (signs 1..5 of the 8), and the padded
// columns 0 and [6, 8) are 0 (the zero point centred, whatever its sign):
// fills. The tensor.pad is dead and erased, so no padded copy of the codes
// exists; bufferized (CPU and SPIR-V), no i16 buffer and no copy of the
// input or into the stages' buffer (SPIR-V: the insert_slices' copies of a
// view onto itself are erased by qc-strided-copies-to-linalg).
// CHECK-LABEL: func.func @padded_integer
// CHECK-SAME: (%[[X:.*]]: tensor<?x5xi16>) -> tensor<?x8xi8>
// CHECK-NOT: tensor.pad
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5xi16>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x8xi32>
// CHECK: %[[L:.*]] = tensor.extract_slice %[[E]][0, 0] [%[[D]], 1] [1, 1] : tensor<?x8xi32> to tensor<?x1xi32>
// CHECK: %[[LF:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%[[L]] : tensor<?x1xi32>)
// CHECK: %[[T1:.*]] = tensor.insert_slice %[[LF]] into %[[E]][0, 0] [%[[D]], 1] [1, 1]
// CHECK: %[[S:.*]] = tensor.extract_slice %[[T1]][0, 1] [%[[D]], 5] [1, 1] : tensor<?x8xi32> to tensor<?x5xi32>
// CHECK: %[[SIGNS:.*]] = arith.constant dense<[1, 1, -1, 1, -1]> : tensor<5xi32>
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[SIGNS]] : tensor<?x5xi16>, tensor<5xi32>) outs(%[[S]] : tensor<?x5xi32>)
// CHECK: arith.extsi %{{.*}} : i16 to i32
// CHECK: arith.subi
// CHECK: arith.muli
// CHECK: %[[T2:.*]] = tensor.insert_slice %[[C]] into %[[T1]][0, 1] [%[[D]], 5] [1, 1]
// CHECK: %[[H:.*]] = tensor.extract_slice %[[T2]][0, 6] [%[[D]], 2] [1, 1] : tensor<?x8xi32> to tensor<?x2xi32>
// CHECK: %[[HF:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%[[H]] : tensor<?x2xi32>)
// CHECK: %[[T3:.*]] = tensor.insert_slice %[[HF]] into %[[T2]][0, 6] [%[[D]], 2] [1, 1]
// CHECK: tensor.expand_shape %[[T3]] {{\[\[}}0], [1, 2, 3]]
// CHECK-NOT: tensor.pad
// BUF-LABEL: func.func @padded_integer
// BUF-NOT: memref.alloc{{.*}}xi16>
// BUF-NOT: copy ins
// BUF-NOT: copy %arg0
// BUF: return
func.func @padded_integer(%x: tensor<?x5x!quant.uniform<i16:f32, 0.001:-7>>) -> tensor<?x8x!quant.uniform<i8:f32, 0.05:1>> {
  %codes = quant.scast %x : tensor<?x5x!quant.uniform<i16:f32, 0.001:-7>> to tensor<?x5xi16>
  %zp = arith.constant -7 : i16
  %padded = tensor.pad %codes low[0, 1] high[0, 2] {
  ^bb0(%i0: index, %i1: index):
    tensor.yield %zp : i16
  } : tensor<?x5xi16> to tensor<?x8xi16>
  %pq = quant.scast %padded : tensor<?x8xi16> to tensor<?x8x!quant.uniform<i16:f32, 0.001:-7>>
  %r = qc.hadamard %pq block 8 negate [true, false, false, true, false, true, false, true] : tensor<?x8x!quant.uniform<i16:f32, 0.001:-7>> -> tensor<?x8x!quant.uniform<i8:f32, 0.05:1>>
  return %r : tensor<?x8x!quant.uniform<i8:f32, 0.05:1>>
}

// -----

// Float (what --qc-hadamard-rotate writes for K = 5): the padding's +0.0
// goes through the first stage like any element (times its sign: -0.0
// where negated), so the butterflies see the values of the padded copy bit
// for bit.
// CHECK-LABEL: func.func @padded_float
// CHECK-SAME: (%[[X:.*]]: tensor<2x5xf32>) -> tensor<2x8xf32>
// CHECK-NOT: tensor.pad
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x8xf32>
// CHECK: %[[S:.*]] = tensor.extract_slice %[[E]][0, 0] [2, 5] [1, 1]
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<2x5xf32>, tensor<5xf32>) outs(%[[S]] : tensor<2x5xf32>)
// CHECK: arith.mulf
// CHECK: %[[T1:.*]] = tensor.insert_slice %[[C]] into %[[E]][0, 0] [2, 5] [1, 1]
// CHECK: %[[H:.*]] = tensor.extract_slice %[[T1]][0, 5] [2, 3] [1, 1]
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<3xf32>) outs(%[[H]] : tensor<2x3xf32>)
// CHECK: arith.mulf
// CHECK: tensor.insert_slice %[[P]] into %[[T1]][0, 5] [2, 3] [1, 1]
// CHECK-NOT: tensor.pad
// BUF-LABEL: func.func @padded_float
// BUF-NOT: copy ins
// BUF-NOT: copy %arg0
// BUF: return
func.func @padded_float(%x: tensor<2x5xf32>) -> tensor<2x8xf32> {
  %z = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 0] high[0, 3] {
  ^bb0(%i0: index, %i1: index):
    tensor.yield %z : f32
  } : tensor<2x5xf32> to tensor<2x8xf32>
  %r = qc.hadamard %padded block 8 negate [false, true, false, false, true, false, true, false] : tensor<2x8xf32> -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// NOTE: a pad of a leading dimension is a real copy the transform reads
// (its rows are not padding of the rotated vectors): it stays.
// CHECK-LABEL: func.func @padded_rows
// CHECK: tensor.pad
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<3x8xf32>
func.func @padded_rows(%x: tensor<2x8xf32>) -> tensor<3x8xf32> {
  %z = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 0] high[1, 0] {
  ^bb0(%i0: index, %i1: index):
    tensor.yield %z : f32
  } : tensor<2x8xf32> to tensor<3x8xf32>
  %r = qc.hadamard %padded block 8 negate [false, true, false, false, true, false, true, false] : tensor<3x8xf32> -> tensor<3x8xf32>
  return %r : tensor<3x8xf32>
}
