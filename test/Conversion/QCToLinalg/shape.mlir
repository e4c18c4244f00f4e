// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xi8>) -> tensor<4x6xi8>
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]] : tensor<2x3x4xi8> into tensor<24xi8>
// CHECK: %[[R:.*]] = tensor.expand_shape %[[F]] {{\[}}[0, 1]] output_shape [4, 6] : tensor<24xi8> into tensor<4x6xi8>
// CHECK: return %[[R]]
func.func @reshape(%x: tensor<2x3x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x6x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.reshape %x : tensor<2x3x4x!quant.uniform<i8:f32, 0.1>> -> tensor<4x6x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x6x!quant.uniform<i8:f32, 0.1>>
}

// -----

// Rank 0 on either side: an empty reassociation (a view on both backends).
// CHECK-LABEL: func.func @reshape_to_scalar
// CHECK: %[[C:.*]] = tensor.collapse_shape %{{.*}} [] : tensor<1x1xi8> into tensor<i8>
// CHECK: return %[[C]]
func.func @reshape_to_scalar(%x: tensor<1x1x!quant.uniform<i8:f32, 0.1>>) -> tensor<!quant.uniform<i8:f32, 0.1>> {
  %y = qc.reshape %x : tensor<1x1x!quant.uniform<i8:f32, 0.1>> -> tensor<!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<!quant.uniform<i8:f32, 0.1>>
}

// -----

// CHECK-LABEL: func.func @reshape_from_scalar
// CHECK: %[[E:.*]] = tensor.expand_shape %{{.*}} [] output_shape [1, 1, 1] : tensor<i8> into tensor<1x1x1xi8>
// CHECK: return %[[E]]
func.func @reshape_from_scalar(%x: tensor<!quant.uniform<i8:f32, 0.1>>) -> tensor<1x1x1x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.reshape %x : tensor<!quant.uniform<i8:f32, 0.1>> -> tensor<1x1x1x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<1x1x1x!quant.uniform<i8:f32, 0.1>>
}

// -----

// A per-axis axis moves with its dimension; on storage it is a transpose.
// CHECK-LABEL: func.func @transpose
// CHECK: %[[E:.*]] = tensor.empty() : tensor<5x2x3xi8>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x5xi8>) outs(%[[E]] : tensor<5x2x3xi8>) permutation = [2, 0, 1]
func.func @transpose(%x: tensor<2x3x5x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>)
    -> tensor<5x2x3x!quant.uniform<i8:f32:2, {0.1, 0.2, 0.3}>> {
  %y = qc.transpose %x [2, 0, 1] : tensor<2x3x5x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>
                                -> tensor<5x2x3x!quant.uniform<i8:f32:2, {0.1, 0.2, 0.3}>>
  return %y : tensor<5x2x3x!quant.uniform<i8:f32:2, {0.1, 0.2, 0.3}>>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xi8>, %[[B:.*]]: tensor<2x5xi8>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x8xi8>
// CHECK: %[[I:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 3] [1, 1]
// CHECK: tensor.insert_slice %[[B]] into %[[I]][0, 3] [2, 5] [1, 1]
func.func @concat(%a: tensor<2x3x!quant.uniform<i8:f32, 0.1>>, %b: tensor<2x5x!quant.uniform<i8:f32, 0.1>>)
    -> tensor<2x8x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.concat %a, %b axis 1 : (tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<2x5x!quant.uniform<i8:f32, 0.1>>)
                               -> tensor<2x8x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x8x!quant.uniform<i8:f32, 0.1>>
}

// -----

// A dynamic batch: the sizes of the result come from the input.
// CHECK-LABEL: func.func @transpose_dynamic_batch
// CHECK-SAME:    %[[X:.*]]: tensor<?x1x8x8xi8>
// CHECK:         %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x1x8x8xi8>
// CHECK:         %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x8x8x1xi8>
// CHECK:         linalg.transpose ins(%[[X]] : tensor<?x1x8x8xi8>) outs(%[[E]] : tensor<?x8x8x1xi8>) permutation = [0, 2, 3, 1]
func.func @transpose_dynamic_batch(%x: tensor<?x1x8x8x!quant.uniform<i8:f32, 0.1>>) -> tensor<?x8x8x1x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.transpose %x [0, 2, 3, 1] : tensor<?x1x8x8x!quant.uniform<i8:f32, 0.1>> -> tensor<?x8x8x1x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<?x8x8x1x!quant.uniform<i8:f32, 0.1>>
}

// -----

// CHECK-LABEL: func.func @concat_dynamic_batch
// CHECK-SAME:    %[[A:[^:]*]]: tensor<?x2xi8>, %[[B:[^:]*]]: tensor<?x3xi8>
// CHECK:         %[[N:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x2xi8>
// CHECK:         %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x5xi8>
// CHECK:         %[[NA:.*]] = tensor.dim %[[A]]
// CHECK:         %[[S:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [%[[NA]], 2] [1, 1]
// CHECK:         %[[NB:.*]] = tensor.dim %[[B]]
// CHECK:         tensor.insert_slice %[[B]] into %[[S]][0, 2] [%[[NB]], 3] [1, 1]
func.func @concat_dynamic_batch(%a: tensor<?x2x!quant.uniform<i8:f32, 0.1>>, %b: tensor<?x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<?x5x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.concat %a, %b axis 1 : (tensor<?x2x!quant.uniform<i8:f32, 0.1>>, tensor<?x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<?x5x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<?x5x!quant.uniform<i8:f32, 0.1>>
}
