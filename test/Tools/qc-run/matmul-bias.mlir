// An int8 matmul with an int32 bias on shapes that no tile size divides,
// run vectorized and through the plain loop lowering; numpy decides.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npytool.py rand %t/a.npy int8 37x300 1
// RUN: %python %S/Inputs/npytool.py rand %t/b.npy int8 300x45 2
// RUN: %python %S/Inputs/npytool.py rand %t/bias.npy int16 45 3
// RUN: %python -c "import numpy as np; np.save('%t/bias.npy', np.load('%t/bias.npy').astype(np.int32))"
// RUN: qc-run %s --input %t/a.npy --input %t/b.npy --input %t/bias.npy --output %t/vec.npy --output %t/vec-f.npy
// RUN: %python %S/Inputs/npytool.py check-matmul-bias %t/a.npy %t/b.npy %t/bias.npy %t/vec.npy | FileCheck %s
// RUN: %python %S/Inputs/npytool.py check-scaled %t/vec.npy %t/vec-f.npy | FileCheck %s --check-prefix=SCALED
// RUN: qc-run %s --pipeline-options=vectorize=false --input %t/a.npy --input %t/b.npy --input %t/bias.npy --output %t/loops.npy --output %t/loops-f.npy
// RUN: %python %S/Inputs/npytool.py check-matmul-bias %t/a.npy %t/b.npy %t/bias.npy %t/loops.npy | FileCheck %s
// RUN: qc-run %s --repeat 3 --input %t/a.npy --input %t/b.npy --input %t/bias.npy | FileCheck %s --check-prefix=TIME
// CHECK: matmul-bias ok
// SCALED: scaled ok
// TIME: time over 3 runs: min {{[0-9.]+}} ms, median {{[0-9.]+}} ms

func.func @matmul_bias(%a: tensor<37x300xi8>, %b: tensor<300x45xi8>, %bias: tensor<45xi32>)
    -> (tensor<37x45xi32>, tensor<37x45xf32>) {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<37x45xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<37x45xi32>) -> tensor<37x45xi32>
  %m = linalg.matmul ins(%a, %b : tensor<37x300xi8>, tensor<300x45xi8>)
                     outs(%z : tensor<37x45xi32>) -> tensor<37x45xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %bias : tensor<37x45xi32>, tensor<45xi32>) outs(%e : tensor<37x45xi32>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %s = arith.addi %x, %y : i32
    linalg.yield %s : i32
  } -> tensor<37x45xi32>
  %ef = tensor.empty() : tensor<37x45xf32>
  %f = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<37x45xi32>) outs(%ef : tensor<37x45xf32>) {
  ^bb0(%x: i32, %o: f32):
    %half = arith.constant 0.5 : f32
    %xf = arith.sitofp %x : i32 to f32
    %y = arith.mulf %xf, %half : f32
    linalg.yield %y : f32
  } -> tensor<37x45xf32>
  return %r, %f : tensor<37x45xi32>, tensor<37x45xf32>
}
