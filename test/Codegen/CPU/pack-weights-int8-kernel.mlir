// --qc-pack-weights' generics (int4 codes two per byte, u4 indices into a
// codebook of codes) are matched back into the VNNI int8 kernel: their
// weight is evaluated at compile time and stored in the kernel's layout
// (docs/WeightSharing.md, "Packed kernels"). No scalar generic is left, the
// codebook is looked up with one vpshufb per 64 weights, and the results
// agree with numpy.
// RUN: qc-opt %s --qc-pack-weights 2>/dev/null > %t.packed.mlir
// RUN: qc-opt %t.packed.mlir --qc-cpu-int8-kernels | FileCheck %s --check-prefix=KERNEL
// KERNEL-LABEL: func.func @int4
// KERNEL-NOT: linalg.index
// KERNEL-NOT: vector.gather
// KERNEL: scf.forall
// KERNEL-LABEL: func.func @codebook
// KERNEL-NOT: linalg.index
// KERNEL: vector.gather %{{.*}}[%{{.*}}] [%{{.*}}], %{{.*}}, %{{.*}} : tensor<16xi8>, vector<64xi32>, vector<64xi1>, vector<64xi8> into vector<64xi8>
// KERNEL-LABEL: func.func @int8
// KERNEL-NOT: linalg.index
// RUN: qc-opt %t.packed.mlir --qc-cpu-pipeline=x86-vnni=1 2>&1 | FileCheck %s --check-prefix=X86
// X86-NOT: warning:
// X86-DAG: llvm.x86.avx512.pshuf.b.512
// X86-DAG: llvm.x86.avx512.vpdpbusd.512
// Without x86: the portable gather.
// RUN: qc-opt %t.packed.mlir --qc-cpu-pipeline 2>&1 | FileCheck %s --check-prefix=PORTABLE
// PORTABLE-NOT: llvm.x86.avx512.pshuf.b.512
// PORTABLE: llvm.intr.masked.gather

// RUN: %python -c "import numpy as np; np.save('%t.a.npy', np.arange(-48, 48, dtype=np.int8).reshape(4, 24))"
// RUN: qc-run %t.packed.mlir --entry int4 --input %t.a.npy --output %t.int4.npy
// RUN: qc-run %t.packed.mlir --entry codebook --input %t.a.npy --output %t.codebook.npy
// RUN: qc-run %t.packed.mlir --entry codebook --threads=1 --input %t.a.npy --output %t.codebook1.npy
// RUN: %python -c "import numpy as np; a = np.load('%t.a.npy').astype(np.int64); w4 = (np.arange(72).reshape(24, 3) * 7 %% 16) - 8; book = np.array([-128, -90, -50, -20, -9, -3, -1, 1, 2, 5, 11, 30, 60, 90, 120, 127]); wc = book[np.arange(72).reshape(24, 3) * 5 %% 16]; [print(n, np.load('%t.' + n + '.npy').tolist() == (a @ w).tolist()) for n, w in (('int4', w4), ('codebook', wc), ('codebook1', wc))]" | FileCheck %s --check-prefix=NUMPY
// NUMPY: int4 True
// NUMPY-NEXT: codebook True
// NUMPY-NEXT: codebook1 True

func.func @int4(%a: tensor<4x24xi8>) -> tensor<4x3xi32> {
  // (i * 7 % 16) - 8 for i = 0 .. 71, row-major
  %w = arith.constant dense<[[-8, -1, 6], [-3, 4, -5], [2, -7, 0], [7, -2, 5], [-4, 3, -6], [1, -8, -1], [6, -3, 4], [-5, 2, -7], [0, 7, -2], [5, -4, 3], [-6, 1, -8], [-1, 6, -3], [4, -5, 2], [-7, 0, 7], [-2, 5, -4], [3, -6, 1], [-8, -1, 6], [-3, 4, -5], [2, -7, 0], [7, -2, 5], [-4, 3, -6], [1, -8, -1], [6, -3, 4], [-5, 2, -7]]> : tensor<24x3xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x3xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<4x3xi32>) -> tensor<4x3xi32>
  %r = linalg.matmul ins(%a, %w : tensor<4x24xi8>, tensor<24x3xi4>) outs(%i : tensor<4x3xi32>) -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}

func.func @codebook(%a: tensor<4x24xi8>) -> tensor<4x3xi32> {
  %w = arith.constant dense<[[-128,-3,11],[127,-9,5],[120,-20,2],[90,-50,1],[60,-90,-1],[30,-128,-3],[11,127,-9],[5,120,-20],[2,90,-50],[1,60,-90],[-1,30,-128],[-3,11,127],[-9,5,120],[-20,2,90],[-50,1,60],[-90,-1,30],[-128,-3,11],[127,-9,5],[120,-20,2],[90,-50,1],[60,-90,-1],[30,-128,-3],[11,127,-9],[5,120,-20]]> : tensor<24x3xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x3xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<4x3xi32>) -> tensor<4x3xi32>
  %r = linalg.matmul ins(%a, %w : tensor<4x24xi8>, tensor<24x3xi8>) outs(%i : tensor<4x3xi32>) -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}

func.func @int8(%a: tensor<4x24xi8>) -> tensor<4x3xi32> {
  %w = arith.constant dense<1> : tensor<24x3xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x3xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<4x3xi32>) -> tensor<4x3xi32>
  %r = linalg.matmul ins(%a, %w : tensor<4x24xi8>, tensor<24x3xi8>) outs(%i : tensor<4x3xi32>) -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}
