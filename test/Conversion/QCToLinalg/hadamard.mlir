// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s

// Quantized: centre, flip the signs of elements 0 and 3 and widen to i32 in
// one generic, then log2(4) = 2 butterfly stages over the last dimension
// viewed as [n / 2h, 2, h], then the shared output stage with the real
// multiplier 0.01 / (sqrt(4) * 0.05) = 0.1 (1717986918 * 2^-34).
// CHECK-LABEL: func.func @quantized
// CHECK-SAME: (%[[X:.*]]: tensor<3x8xi8>) -> tensor<3x8xi8>
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<3x8xi8>, tensor<8xi32>) outs(%{{.*}} : tensor<3x8xi32>)
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.subi
// CHECK: arith.muli
// Stage h = 1: [3, 4, 2, 1].
// CHECK: %[[E1:.*]] = tensor.expand_shape %[[C]] {{\[\[}}0], [1, 2, 3]] output_shape [3, 4, 2, 1] : tensor<3x8xi32> into tensor<3x4x2x1xi32>
// CHECK-DAG: %[[P1:.*]] = tensor.extract_slice %[[E1]][0, 0, 0, 0] [3, 4, 1, 1] [1, 1, 1, 1] : tensor<3x4x2x1xi32> to tensor<3x4x1xi32>
// CHECK-DAG: %[[Q1:.*]] = tensor.extract_slice %[[E1]][0, 0, 1, 0] [3, 4, 1, 1] [1, 1, 1, 1] : tensor<3x4x2x1xi32> to tensor<3x4x1xi32>
// CHECK: %[[S1:.*]] = linalg.generic {{.*}} ins(%[[P1]], %[[Q1]] : tensor<3x4x1xi32>, tensor<3x4x1xi32>) outs(%{{.*}} : tensor<3x4x2x1xi32>)
// CHECK: linalg.index 2 : index
// CHECK: arith.addi
// CHECK: arith.subi
// CHECK: arith.select
// CHECK: %[[C1:.*]] = tensor.collapse_shape %[[S1]] {{\[\[}}0], [1, 2, 3]] : tensor<3x4x2x1xi32> into tensor<3x8xi32>
// Stage h = 2: [3, 2, 2, 2].
// CHECK: tensor.expand_shape %[[C1]] {{\[\[}}0], [1, 2, 3]] output_shape [3, 2, 2, 2] : tensor<3x8xi32> into tensor<3x2x2x2xi32>
// CHECK: %[[C2:.*]] = tensor.collapse_shape
// CHECK-NOT: tensor.expand_shape
// CHECK: linalg.generic {{.*}} ins(%[[C2]] : tensor<3x8xi32>) outs(%{{.*}} : tensor<3x8xi8>)
// CHECK-DAG: arith.constant 1717986918 : i32
// CHECK-DAG: arith.constant -3 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
func.func @quantized(%x: tensor<3x8x!quant.uniform<i8:f32, 0.01:2>>) -> tensor<3x8x!quant.uniform<i8:f32, 0.05:-1>> {
  %r = qc.hadamard %x block 4 negate [true, false, false, true, false, false, false, false]
      : tensor<3x8x!quant.uniform<i8:f32, 0.01:2>> -> tensor<3x8x!quant.uniform<i8:f32, 0.05:-1>>
  return %r : tensor<3x8x!quant.uniform<i8:f32, 0.05:-1>>
}

// -----

// Float without sign flips: the stages on the input directly, then one
// multiply by 1/sqrt(8).
// CHECK-LABEL: func.func @float
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK: tensor.expand_shape %[[X]]
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK-COUNT-2: tensor.expand_shape
// CHECK: arith.constant 0.353553385 : f32
// CHECK: arith.mulf
func.func @float(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %r = qc.hadamard %x block 8 : tensor<2x8xf32> -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// A dynamic batch: the leading sizes of every view, slice and init are read
// with tensor.dim; the last dimension (static by the verifier) is split as
// before.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xi16>) -> tensor<?x8xi8>
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x8xi16>) outs(%{{.*}} : tensor<?x8xi32>)
// CHECK: %[[N:.*]] = tensor.dim %[[C]], %{{.*}} : tensor<?x8xi32>
// CHECK: %[[E1:.*]] = tensor.expand_shape %[[C]] {{\[\[}}0], [1, 2, 3]] output_shape [%[[N]], 4, 2, 1] : tensor<?x8xi32> into tensor<?x4x2x1xi32>
// CHECK: tensor.extract_slice %[[E1]][0, 0, 0, 0] [%[[N]], 4, 1, 1] [1, 1, 1, 1] : tensor<?x4x2x1xi32> to tensor<?x4x1xi32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x4x2x1xi32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : tensor<?x4x2x1xi32> into tensor<?x8xi32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x8xi8>)
func.func @dynamic_batch(%x: tensor<?x8x!quant.uniform<i16:f32, 0.001:5>>) -> tensor<?x8x!quant.uniform<i8:f32, 0.05:-1>> {
  %r = qc.hadamard %x block 8
      : tensor<?x8x!quant.uniform<i16:f32, 0.001:5>> -> tensor<?x8x!quant.uniform<i8:f32, 0.05:-1>>
  return %r : tensor<?x8x!quant.uniform<i8:f32, 0.05:-1>>
}

// -----

// A Paley block 24 = 12 * 2: one butterfly stage (h = 1) on each chunk of 2,
// then the dense stage over the view [n / 24, 12, 2]: a reduction over the
// 12 chunks against the constant +-1 matrix H_12 (in i32, like the
// butterflies), then the output stage with 0.01 / (sqrt(24) * 0.05).
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[H:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @paley
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] output_shape [3, 24, 2, 1] : tensor<3x48xi32> into tensor<3x24x2x1xi32>
// CHECK: %[[C1:.*]] = tensor.collapse_shape
// CHECK: %[[V:.*]] = tensor.expand_shape %[[C1]] {{\[\[}}0], [1, 2, 3]] output_shape [3, 2, 12, 2] : tensor<3x48xi32> into tensor<3x2x12x2xi32>
// CHECK: %[[HM:.*]] = arith.constant dense<{{.*}}> : tensor<12x12xi32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<3x2x12x2xi32>)
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[H]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[V]], %[[HM]] : tensor<3x2x12x2xi32>, tensor<12x12xi32>) outs(%[[Z]] : tensor<3x2x12x2xi32>)
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : tensor<3x2x12x2xi32> into tensor<3x48xi32>
// CHECK: arith.constant 1402730445 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
func.func @paley(%x: tensor<3x48x!quant.uniform<i8:f32, 0.01:2>>) -> tensor<3x48x!quant.uniform<i8:f32, 0.05:-1>> {
  %r = qc.hadamard %x block 24 : tensor<3x48x!quant.uniform<i8:f32, 0.01:2>> -> tensor<3x48x!quant.uniform<i8:f32, 0.05:-1>>
  return %r : tensor<3x48x!quant.uniform<i8:f32, 0.05:-1>>
}

// -----

// Float H_12 (k = 0: no butterflies) on a dynamic batch: the dense stage in
// f32, then one multiply by 1/sqrt(12).
// CHECK-LABEL: func.func @paley_float
// CHECK: %[[D:.*]] = tensor.dim
// CHECK: %[[V:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] output_shape [%[[D]], 1, 12, 1] : tensor<?x12xf32> into tensor<?x1x12x1xf32>
// CHECK: arith.constant dense<{{.*}}> : tensor<12x12xf32>
// CHECK: linalg.generic {{.*}} ins(%[[V]], %{{.*}} : tensor<?x1x12x1xf32>, tensor<12x12xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.constant 0.288675129 : f32
func.func @paley_float(%x: tensor<?x12xf32>) -> tensor<?x12xf32> {
  %r = qc.hadamard %x block 12 : tensor<?x12xf32> -> tensor<?x12xf32>
  return %r : tensor<?x12xf32>
}
