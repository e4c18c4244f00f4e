// RUN: qc-opt %s --qc-cpu-pipeline="register-tile=8,32,32 x86-vnni=true" | FileCheck %s --implicit-check-not=llvm.alloca
// RUN: qc-opt %s --qc-cpu-pipeline="register-tile=8,32,16" | FileCheck %s --implicit-check-not=llvm.alloca
//
// Vector transfers that stay n-D until vector-to-scf must not be staged in a
// memref.alloca: it lands inside the tile loops, LLVM cannot always promote
// it (a 32-deep register tile), and the stack then grows on every iteration.
// With register-tile=8,32,32 a 256x1024x1024 matmul overflowed the 8 MiB
// stack (a crash in the JIT-compiled code); the run below executes that
// shape and checks it against numpy.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(7); np.save('%t/a.npy', r.integers(-128, 128, (256, 1024), dtype=np.int8)); np.save('%t/b.npy', r.integers(-128, 128, (1024, 1024), dtype=np.int8))"
// RUN: qc-run %s --input %t/a.npy --input %t/b.npy --output %t/y.npy --pipeline-options="register-tile=8,32,32"
// RUN: %python -c "import numpy as np; a = np.load('%t/a.npy').astype(np.int64); b = np.load('%t/b.npy').astype(np.int64); y = np.load('%t/y.npy'); assert y.dtype == np.int32 and np.array_equal(a @ b, y)"

// CHECK-LABEL: llvm.func @matmul
func.func @matmul(%a: tensor<256x1024xi8>, %b: tensor<1024x1024xi8>) -> tensor<256x1024xi32> {
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<256x1024xi32>
  %acc = linalg.fill ins(%zero : i32) outs(%empty : tensor<256x1024xi32>) -> tensor<256x1024xi32>
  %y = linalg.matmul ins(%a, %b : tensor<256x1024xi8>, tensor<1024x1024xi8>)
                     outs(%acc : tensor<256x1024xi32>) -> tensor<256x1024xi32>
  return %y : tensor<256x1024xi32>
}
