// Rank selection on a weight with known singular values 8, 4, 2, 1, 1/2,
// 1/4, 1/8, 1/16 (a diagonal matrix): kept energy after r = 1..4 is 0.7500,
// 0.9375, 0.9844, 0.9961; the relative error 0.5000, 0.2500, 0.1249, 0.0624.
// The FLOP factor of rank r on 8x8 is 64 / (16 r) = 4 / r.

// RUN: qc-opt %s --qc-low-rank="energy=0.9" 2>&1 >/dev/null | FileCheck %s --check-prefix=E90
// E90: remark: qc-low-rank: rank 2 of 8, relative error 2.499714e-01 (optimal 2.499714e-01), FLOPs 256 -> 128 (2.00x fewer), weight 64 -> 32 elements

// RUN: qc-opt %s --qc-low-rank="energy=0.75" 2>&1 >/dev/null | FileCheck %s --check-prefix=E75
// E75: remark: qc-low-rank: rank 1 of 8, relative error 4.999886e-01

// RUN: qc-opt %s --qc-low-rank="max-rel-error=0.3" 2>&1 >/dev/null | FileCheck %s --check-prefix=M30
// M30: remark: qc-low-rank: rank 2 of 8, relative error 2.499714e-01

// NOTE: energy 0.99 needs rank 4, which saves nothing (4 / 4 = 1x).
// RUN: qc-opt %s --qc-low-rank="energy=0.99" 2>&1 | FileCheck %s --check-prefix=E99
// E99: remark: qc-low-rank: unchanged: rank 4 of 8 (relative error 6.237829e-02) would cut FLOPs and weight size only 1.00x, below min-flop-reduction = 1.5
// E99: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x8xf32>)

// min-flop-reduction=0 disables the check: rank 4 is applied.
// RUN: qc-opt %s --qc-low-rank="max-rel-error=0.1 min-flop-reduction=0" 2>&1 | FileCheck %s --check-prefix=M10
// M10: remark: qc-low-rank: rank 4 of 8, relative error 6.237829e-02
// M10: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x4xf32>)
// M10: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x8xf32>)

// A stricter factor rejects rank 2 (2x).
// RUN: qc-opt %s --qc-low-rank="rank=2 min-flop-reduction=2.5" 2>&1 | FileCheck %s --check-prefix=R2
// R2: remark: qc-low-rank: unchanged: rank 2 of 8 (relative error 2.499714e-01) would cut FLOPs and weight size only 2.00x, below min-flop-reduction = 2.5

// NOTE: without a rank rule the pass changes nothing.
// RUN: qc-opt %s --qc-low-rank 2>&1 | FileCheck %s --check-prefix=NONE
// NONE-NOT: remark
// NONE: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x8xf32>)
// NONE-NOT: remark

func.func @diag(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0625],
                             [0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0],
                             [0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.125, 0.0]]> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
