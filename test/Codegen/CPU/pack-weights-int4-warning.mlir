// --qc-pack-weights before the CPU pipeline takes an int4 contraction away
// from the VNNI int8 kernel (which keeps int4 weights two per byte itself)
// into a scalar linalg.generic (docs/WeightSharing.md): the pipeline warns
// at the contraction. The results are still right (checked against numpy
// below); int8 weights and int4 weights left to the pipeline get no warning.
// RUN: qc-opt %s --qc-pack-weights 2>/dev/null > %t.packed.mlir
// RUN: qc-opt %t.packed.mlir --qc-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s
// CHECK: warning: int4 weight packed by --qc-pack-weights: on the CPU this contraction runs as a scalar linalg.generic instead of the VNNI int8 kernel, which keeps int4 weights two per byte itself; leave --qc-pack-weights out for the CPU
// CHECK-NOT: warning:
// RUN: qc-opt %s --qc-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNPACKED --allow-empty
// UNPACKED-NOT: warning:

// RUN: %python -c "import numpy as np; np.save('%t.a.npy', np.arange(-12, 12, dtype=np.int8).reshape(4, 6))"
// RUN: qc-run %t.packed.mlir --entry int4 --input %t.a.npy --output %t.packed.npy 2>&1 | FileCheck %s
// RUN: qc-run %s --entry int4 --input %t.a.npy --output %t.plain.npy
// RUN: %python -c "import numpy as np; a = np.load('%t.a.npy').astype(np.int64); w = np.array([[1, -8, 7], [-2, 7, 0], [3, 0, -1], [-8, 5, 2], [7, -3, 4], [0, 1, -6]]); want = a @ w; [print(n, np.load('%t.' + n + '.npy').tolist() == want.tolist()) for n in ('packed', 'plain')]" | FileCheck %s --check-prefix=NUMPY
// NUMPY: packed True
// NUMPY-NEXT: plain True

func.func @int4(%a: tensor<4x6xi8>) -> tensor<4x3xi32> {
  %w = arith.constant dense<[[1, -8, 7], [-2, 7, 0], [3, 0, -1], [-8, 5, 2], [7, -3, 4], [0, 1, -6]]> : tensor<6x3xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x3xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<4x3xi32>) -> tensor<4x3xi32>
  %r = linalg.matmul ins(%a, %w : tensor<4x6xi8>, tensor<6x3xi4>) outs(%i : tensor<4x3xi32>) -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}

func.func @int8(%a: tensor<4x6xi8>) -> tensor<4x3xi32> {
  %w = arith.constant dense<[[1, -80, 7], [-2, 70, 0], [3, 0, -1], [-8, 5, 2], [7, -3, 4], [0, 1, -6]]> : tensor<6x3xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x3xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<4x3xi32>) -> tensor<4x3xi32>
  %r = linalg.matmul ins(%a, %w : tensor<4x6xi8>, tensor<6x3xi8>) outs(%i : tensor<4x3xi32>) -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}
