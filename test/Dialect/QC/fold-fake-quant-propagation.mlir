// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// Parameters flow through reshape and transpose: the dequantize moves below
// them, and the fake_quant after them (same parameters) disappears, so the
// whole chain stays integer.

// CHECK-LABEL: func.func @reshape_transpose_chain
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} : tensor<2x3x4xf32> -> tensor<2x3x4x!quant.uniform<i8:f32, 1.000000e-01:2>>
// CHECK:         %[[C:.*]] = qc.reshape %[[Q]] : {{.*}} -> tensor<6x4x!quant.uniform<i8:f32, 1.000000e-01:2>>
// CHECK:         %[[T:.*]] = qc.transpose %[[C]] [1, 0] : {{.*}} -> tensor<4x6x!quant.uniform<i8:f32, 1.000000e-01:2>>
// CHECK:         %[[E:.*]] = qc.reshape %[[T]] : {{.*}} -> tensor<4x2x3x!quant.uniform<i8:f32, 1.000000e-01:2>>
// CHECK:         %[[R:.*]] = qc.reshape %[[E]] : {{.*}} -> tensor<24x!quant.uniform<i8:f32, 1.000000e-01:2>>
// CHECK:         %[[D:.*]] = qc.dequantize %[[R]]
// CHECK-NEXT:    return %[[D]]
func.func @reshape_transpose_chain(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:2> : tensor<2x3x4xf32>
  %c = tensor.collapse_shape %q [[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %t = linalg.transpose ins(%c : tensor<6x4xf32>) outs(%e : tensor<4x6xf32>) permutation = [1, 0]
  %x2 = tensor.expand_shape %t [[0], [1, 2]] output_shape [4, 2, 3] : tensor<4x6xf32> into tensor<4x2x3xf32>
  %shape = arith.constant dense<24> : tensor<1xi64>
  %r = tensor.reshape %x2(%shape) : (tensor<4x2x3xf32>, tensor<1xi64>) -> tensor<24xf32>
  %y = qc.fake_quant %r to !quant.uniform<i8:f32, 0.1:2> : tensor<24xf32>
  return %y : tensor<24xf32>
}

// -----

// Concat of producers that agree: one qc.concat. Producers that disagree:
// each is requantized to the parameters of the quantize that follows.

// CHECK-LABEL: func.func @concat_agree
// CHECK:         %[[A:.*]] = qc.quantize %{{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[B:.*]] = qc.quantize %{{.*}} -> tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[C:.*]] = qc.concat %[[A]], %[[B]] axis 1 : {{.*}} -> tensor<2x5x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         qc.dequantize %[[C]]
func.func @concat_agree(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>) -> tensor<2x5xf32> {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.1> : tensor<2x3xf32>
  %c = tensor.concat dim(1) %qa, %qb : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  return %c : tensor<2x5xf32>
}

// CHECK-LABEL: func.func @concat_disagree
// CHECK:         %[[A:.*]] = qc.quantize %{{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[B:.*]] = qc.quantize %{{.*}} -> tensor<2x3x!quant.uniform<i8:f32, 2.000000e-01:4>>
// CHECK:         %[[RA:.*]] = qc.requantize %[[A]] : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 2.000000e-01:4>>
// CHECK:         %[[C:.*]] = qc.concat %[[RA]], %[[B]] axis 1 : {{.*}} -> tensor<2x5x!quant.uniform<i8:f32, 2.000000e-01:4>>
// CHECK:         qc.dequantize %[[C]]
func.func @concat_disagree(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>) -> tensor<2x5xf32> {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.2:4> : tensor<2x3xf32>
  %c = tensor.concat dim(1) %qa, %qb : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.2:4> : tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// Redundant boundaries: fake_quant twice with the same parameters is one
// quantize; a chain of different parameters is one requantize per change,
// and consecutive requantizes merge into one.

// CHECK-LABEL: func.func @boundaries
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK-NEXT:    %[[R:.*]] = qc.requantize %[[Q]] : tensor<4x!quant.uniform<i8:f32, 1.000000e-01>> -> tensor<4x!quant.uniform<i8:f32, 3.000000e-01:1>>
// CHECK-NEXT:    %[[D:.*]] = qc.dequantize %[[R]]
// CHECK-NEXT:    return %[[D]]
func.func @boundaries(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %b = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %c = qc.fake_quant %b to !quant.uniform<i16:f32, 0.2> : tensor<4xf32>
  %d = qc.fake_quant %c to !quant.uniform<i8:f32, 0.3:1> : tensor<4xf32>
  return %d : tensor<4xf32>
}

// The i4 intermediate saturates ([-0.8, 0.7] with scale 0.1), so the two
// requantizes are kept.

// CHECK-LABEL: func.func @saturating_intermediate
// CHECK:         %[[R1:.*]] = qc.requantize %{{.*}} -> tensor<4x!quant.uniform<i4:f32, 1.000000e-01>>
// CHECK-NEXT:    qc.requantize %[[R1]] : {{.*}} -> tensor<4x!quant.uniform<i8:f32, 3.000000e-01:1>>
func.func @saturating_intermediate(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %c = qc.fake_quant %a to !quant.uniform<i4:f32, 0.1> : tensor<4xf32>
  %d = qc.fake_quant %c to !quant.uniform<i8:f32, 0.3:1> : tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// A matmul feeding a reshape and then a fake_quant: the reshape stays
// integer between the matmul and the output.

// CHECK-LABEL: func.func @matmul_then_reshape
// CHECK:         %[[M:.*]] = qc.matmul {{.*}} -> tensor<2x4x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK:         %[[R:.*]] = qc.reshape %[[M]] : {{.*}} -> tensor<8x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK:         qc.dequantize %[[R]]
func.func @matmul_then_reshape(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<8xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<2x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<3x4xf32>
  %zero = arith.constant dense<0.0> : tensor<2x4xf32>
  %m = linalg.matmul ins(%xq, %wq : tensor<2x3xf32>, tensor<3x4xf32>) outs(%zero : tensor<2x4xf32>) -> tensor<2x4xf32>
  %mq = qc.fake_quant %m to !quant.uniform<i8:f32, 0.2> : tensor<2x4xf32>
  %r = tensor.collapse_shape %mq [[0, 1]] : tensor<2x4xf32> into tensor<8xf32>
  %y = qc.fake_quant %r to !quant.uniform<i8:f32, 0.2> : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// A transpose and a reshape of a quantized constant are done at compile
// time (expected values from numpy.transpose(a, (2, 0, 1))).

// CHECK-LABEL: func.func @constant_transpose_reshape
// CHECK-DAG:     %[[C:.*]] = arith.constant dense<{{\[}}{{\[}}[-12, -8, -4], [0, 4, 8]], {{\[}}[-11, -7, -3], [1, 5, 9]], {{\[}}[-10, -6, -2], [2, 6, 10]], {{\[}}[-9, -5, -1], [3, 7, 11]]]> : tensor<4x2x3xi8>
// CHECK-DAG:     %[[R:.*]] = arith.constant dense<{{\[}}[-12, -8, -4, 0, 4, 8], {{.*}}]> : tensor<4x6xi8>
// CHECK-NOT:     qc.transpose
// CHECK-NOT:     qc.reshape
func.func @constant_transpose_reshape() -> (tensor<4x2x3xf32>, tensor<4x6xf32>) {
  %c = arith.constant dense<[[[-12.0, -11.0, -10.0, -9.0], [-8.0, -7.0, -6.0, -5.0], [-4.0, -3.0, -2.0, -1.0]],
                             [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]]> : tensor<2x3x4xf32>
  %q = qc.fake_quant %c to !quant.uniform<i8:f32, 1.0> : tensor<2x3x4xf32>
  %e = tensor.empty() : tensor<4x2x3xf32>
  %t = linalg.transpose ins(%q : tensor<2x3x4xf32>) outs(%e : tensor<4x2x3xf32>) permutation = [2, 0, 1]
  %r = tensor.collapse_shape %t [[0], [1, 2]] : tensor<4x2x3xf32> into tensor<4x6xf32>
  return %t, %r : tensor<4x2x3xf32>, tensor<4x6xf32>
}
