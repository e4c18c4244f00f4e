// RUN: qc-opt %s --qc-prune="pattern=2:4" -verify-diagnostics | FileCheck %s
// A pass-wide pattern that does not fit a weight skips it with a remark, so
// that one option can be applied to a whole model; the others are pruned.

// CHECK-LABEL: func.func @model
// CHECK: arith.constant dense<1.000000e+00> : tensor<3x3x8xf32>
// CHECK: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [3.000000e+00, 3.000000e+00], [4.000000e+00, 4.000000e+00]]> : tensor<4x2xf32>
func.func @model(%x: tensor<1x6x6x8xf32>, %o: tensor<1x4x4x8xf32>, %a: tensor<2x4xf32>, %o2: tensor<2x2xf32>) -> (tensor<1x4x4x8xf32>, tensor<2x2xf32>) {
  %dw = arith.constant dense<1.0> : tensor<3x3x8xf32>
  // expected-remark@+1 {{qc-prune: pattern 2:4 needs the innermost reduction dimension (size 3) to be a multiple of 4; not pruned}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc ins(%x, %dw : tensor<1x6x6x8xf32>, tensor<3x3x8xf32>) outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %w = arith.constant dense<[[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]]> : tensor<4x2xf32>
  // expected-remark@+1 {{qc-prune: 2:4, sparsity 0.500 (4 of 8 weights zero)}}
  %z = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%o2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y, %z : tensor<1x4x4x8xf32>, tensor<2x2xf32>
}
