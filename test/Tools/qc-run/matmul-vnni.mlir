// int8 matmuls through the AVX512-VNNI lowering (x86-vnni=true) and the
// portable one (x86-vnni=false) on the same inputs: full register tiles,
// remainder tiles and extreme values (-128 and 127 everywhere, where the
// +128 offset of vpdpbusd matters most); numpy decides.
// REQUIRES: avx512vnni
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npytool.py rand %t/a.npy int8 70x520 11
// RUN: %python %S/Inputs/npytool.py rand %t/b.npy int8 520x100 12
// RUN: %python %S/Inputs/npytool.py save %t/zero.npy int32 "[0] * 100"
// RUN: %python -c "import numpy as np; np.save('%t/amin.npy', np.full((70, 520), -128, np.int8)); np.save('%t/bmin.npy', np.full((520, 100), -128, np.int8)); np.save('%t/bmax.npy', np.full((520, 100), 127, np.int8))"
// RUN: qc-run %s --pipeline-options=x86-vnni=true --input %t/a.npy --input %t/b.npy --input %t/zero.npy --output %t/vnni.npy
// RUN: %python %S/Inputs/npytool.py check-matmul-bias %t/a.npy %t/b.npy %t/zero.npy %t/vnni.npy | FileCheck %s
// RUN: qc-run %s --pipeline-options=x86-vnni=false --input %t/a.npy --input %t/b.npy --input %t/zero.npy --output %t/portable.npy
// RUN: %python %S/Inputs/npytool.py check-matmul-bias %t/a.npy %t/b.npy %t/zero.npy %t/portable.npy | FileCheck %s
// RUN: qc-run %s --pipeline-options=x86-vnni=true --input %t/amin.npy --input %t/bmin.npy --input %t/zero.npy --output %t/minmin.npy
// RUN: %python %S/Inputs/npytool.py check-matmul-bias %t/amin.npy %t/bmin.npy %t/zero.npy %t/minmin.npy | FileCheck %s
// RUN: qc-run %s --pipeline-options=x86-vnni=true --input %t/amin.npy --input %t/bmax.npy --input %t/zero.npy --output %t/minmax.npy
// RUN: %python %S/Inputs/npytool.py check-matmul-bias %t/amin.npy %t/bmax.npy %t/zero.npy %t/minmax.npy | FileCheck %s
// CHECK: matmul-bias ok

func.func @matmul(%a: tensor<70x520xi8>, %b: tensor<520x100xi8>, %bias: tensor<100xi32>) -> tensor<70x100xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<70x100xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<70x100xi32>) -> tensor<70x100xi32>
  %m = linalg.matmul ins(%a, %b : tensor<70x520xi8>, tensor<520x100xi8>)
                     outs(%z : tensor<70x100xi32>) -> tensor<70x100xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %bias : tensor<70x100xi32>, tensor<100xi32>) outs(%e : tensor<70x100xi32>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %s = arith.addi %x, %y : i32
    linalg.yield %s : i32
  } -> tensor<70x100xi32>
  return %r : tensor<70x100xi32>
}
