// RUN: qc-opt %s --qc-lower-to-linalg --qc-verify-integer-contract | FileCheck %s
// Canonicalization hoists the float constants out of the boundary bodies;
// they still feed only marked ops.
// RUN: qc-opt %s --qc-lower-to-linalg --canonicalize --qc-verify-integer-contract | FileCheck %s

// Every qc op lowers to integer code except the marked boundaries.
// CHECK-LABEL: func.func @lowered_network
// CHECK: attrs = {qc.float_boundary}
// CHECK: linalg.matmul
// CHECK: attrs = {qc.float_boundary}
func.func @lowered_network(%x: tensor<2x4xf32>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<2x3xf32> {
  %q = qc.quantize %x : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<i8:f32, 0.1:3>>
  %y = qc.matmul %q, %w : tensor<2x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<4x3x!quant.uniform<i8:f32, 0.02>>
                       -> tensor<2x3x!quant.uniform<i8:f32, 0.05:-1>>
  %d = qc.dequantize %y : tensor<2x3x!quant.uniform<i8:f32, 0.05:-1>> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}
