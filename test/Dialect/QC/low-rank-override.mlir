// Per-op `qc.low_rank` overrides. Without a pass-wide rule only ops with the
// attribute are factorized.
// RUN: qc-opt %s --qc-low-rank -split-input-file -verify-diagnostics | FileCheck %s

// Weight with singular values 8, 4, 2, 1, 1/2, 1/4, 1/8, 1/16 (diagonal).
// CHECK-LABEL: func.func @energy
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x2xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x2xf32>, tensor<2x8xf32>)
func.func @energy(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.125, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0625]]> : tensor<8x8xf32>
  // expected-remark@+1 {{qc-low-rank: rank 2 of 8, relative error 2.499714e-01}}
  %y = linalg.matmul {qc.low_rank = {energy = 0.9 : f64}} ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @max_rel_error_and_factor
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x4xf32>)
func.func @max_rel_error_and_factor(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.125, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0625]]> : tensor<8x8xf32>
  // expected-remark@+1 {{qc-low-rank: rank 4 of 8, relative error 6.237829e-02}}
  %y = linalg.matmul {qc.low_rank = {max_rel_error = 0.1 : f64, min_flop_reduction = 0.0 : f64}} ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// NOTE: no attribute and no pass-wide rule: unchanged, no remark.
// CHECK-LABEL: func.func @no_rule
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<64x48xf32>)
func.func @no_rule(%x: tensor<4x64xf32>, %init: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %w = arith.constant dense<0.5> : tensor<64x48xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}
