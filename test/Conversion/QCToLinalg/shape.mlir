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

// CHECK-LABEL: func.func @reshape_to_scalar
// CHECK: %[[S:.*]] = arith.constant dense<> : tensor<0xi64>
// CHECK: tensor.reshape %{{.*}}(%[[S]]) : (tensor<1x1xi8>, tensor<0xi64>) -> tensor<i8>
func.func @reshape_to_scalar(%x: tensor<1x1x!quant.uniform<i8:f32, 0.1>>) -> tensor<!quant.uniform<i8:f32, 0.1>> {
  %y = qc.reshape %x : tensor<1x1x!quant.uniform<i8:f32, 0.1>> -> tensor<!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<!quant.uniform<i8:f32, 0.1>>
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
