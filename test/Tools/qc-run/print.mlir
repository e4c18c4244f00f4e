// --print shows each result with its numpy dtype; unsigned and float
// arguments keep their kind at the boundary.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npytool.py save %t/u.npy uint8 "[[0, 200, 255], [1, 2, 3]]"
// RUN: %python %S/Inputs/npytool.py save %t/f.npy float32 "[1.5, -2.25]"
// RUN: %python %S/Inputs/npytool.py save %t/s.npy int32 "7"
// RUN: qc-run %s --entry identity --input %t/u.npy --input %t/f.npy --input %t/s.npy --print --output %t/u2.npy --output %t/f2.npy --output %t/s2.npy | FileCheck %s
// RUN: %python -c "import numpy as np; a=np.load('%t/u2.npy'); assert a.dtype==np.uint8 and (a==np.load('%t/u.npy')).all(); print(np.load('%t/f2.npy').dtype, np.load('%t/s2.npy').shape)" | FileCheck %s --check-prefix=NUMPY

// CHECK:      result #0: uint8[2x3]
// CHECK-NEXT: {{\[\[}}0, 200, 255],
// CHECK-NEXT:  [1, 2, 3]]
// CHECK-NEXT: result #1: float32[2]
// CHECK-NEXT: [1.5, -2.25]
// CHECK-NEXT: result #2: int32[]
// CHECK-NEXT: 14
// NUMPY: float32 ()

func.func @identity(%u: tensor<2x3xui8>, %f: tensor<2xf32>, %s: tensor<i32>)
    -> (tensor<2x3xui8>, tensor<2xf32>, tensor<i32>) {
  %e = tensor.empty() : tensor<i32>
  %d = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>],
                       iterator_types = []}
      ins(%s : tensor<i32>) outs(%e : tensor<i32>) {
  ^bb0(%x: i32, %o: i32):
    %y = arith.addi %x, %x : i32
    linalg.yield %y : i32
  } -> tensor<i32>
  return %u, %f, %d : tensor<2x3xui8>, tensor<2xf32>, tensor<i32>
}

func.func @other() {
  return
}
