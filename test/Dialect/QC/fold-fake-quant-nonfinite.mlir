// RUN: qc-opt %s --qc-fold-fake-quant | FileCheck %s

// Constant weights quantized at compile time (numerics::quantizeValue):
// NaN becomes the zero point, +-inf and +-FLT_MAX saturate, as qc.quantize
// does at run time (docs/Numerics.md, "Rounding a real value").

// CHECK-LABEL: func.func @nonfinite_weights
// CHECK:         arith.constant dense<{{\[}}[3, 3, 127], [-128, 127, -128], [13, 3, -7]]> : tensor<3x3xi8>
// CHECK:         qc.matmul
func.func @nonfinite_weights(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:-3> : tensor<2x3xf32>
  %w = arith.constant dense<[[0x7FC00000, 0xFFC00000, 0x7F800000], [0xFF800000, 3.4028235e+38, -3.4028235e+38], [0.1, 0.0, -0.1]]> : tensor<3x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.01:3> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<2x3xf32>, tensor<3x3xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = qc.fake_quant %mm to !quant.uniform<i8:f32, 0.1:0> : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
