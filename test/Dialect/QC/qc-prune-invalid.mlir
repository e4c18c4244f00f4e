// RUN: not qc-opt %s --qc-prune="sparsity=1.5" 2>&1 | FileCheck %s --check-prefix=HIGH
// RUN: not qc-opt %s --qc-prune="sparsity=-0.1" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not qc-opt %s --qc-prune="pattern=3:2" 2>&1 | FileCheck %s --check-prefix=NM
// RUN: not qc-opt %s --qc-prune="pattern=0x4" 2>&1 | FileCheck %s --check-prefix=BLK
// RUN: not qc-opt %s --qc-prune="pattern=diagonal" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not qc-opt %s --qc-prune="pattern=2:4 sparsity=0.9" 2>&1 | FileCheck %s --check-prefix=CONTRA
// RUN: not qc-opt %s --qc-prune="scope=everywhere" 2>&1 | FileCheck %s --check-prefix=SCOPE
// Bad pass options: an error located at the module, a non-zero exit, no output.

// HIGH: qc-prune-invalid.mlir:[[@LINE+8]]:1: error: qc-prune: sparsity must be in [0, 1), got 1.500000e+00
// NEG: error: qc-prune: sparsity must be in [0, 1), got -1.000000e-01
// NM: error: qc-prune: pattern '3:2' is not N:M with 1 <= N < M
// BLK: error: qc-prune: block pattern '0x4' is not RxC with R, C >= 1
// UNKNOWN: error: qc-prune: unknown pattern 'diagonal' (expected unstructured, N:M, RxC, channel or none)
// CONTRA: error: qc-prune: sparsity 9.000000e-01 contradicts pattern 2:4, which fixes it to 5.000000e-01
// SCOPE: error: qc-prune: scope must be 'layer' or 'global', got 'everywhere'
// CHECK-NOT: func.func
module {
  func.func @f(%x: tensor<4x8xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
    %w = arith.constant dense<1.0> : tensor<8x2xf32>
    %r = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
    return %r : tensor<4x2xf32>
  }
}
