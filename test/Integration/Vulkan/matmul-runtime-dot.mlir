// Packed dot products on run-time operands (BERT's batched Q.K^T and
// attention.V): B is read along N, so with int-dot-product a packing kernel
// first copies it [.., N, K] and both operands hold 4 k per word. Bit-exact
// against numpy with and without the option, staged, portable, and under the
// validation layer; i8 x i8 (SDotAccSat) and u8 x i8 (SUDotAccSat).
// RUN: %python %S/Inputs/vulkan_check.py batch_matmul_2x9x16x11 %t/b -- qc-vulkan-run %s --entry batch | FileCheck %s --check-prefix=BATCH
// RUN: %python %S/Inputs/vulkan_check.py batch_matmul_2x9x16x11 %t/bi -- qc-vulkan-run %s --entry batch --options=int-dot-product=true --validation | FileCheck %s --check-prefix=BATCH
// RUN: %python %S/Inputs/vulkan_check.py batch_matmul_2x9x16x11 %t/bpsi -- qc-vulkan-run %s --entry batch --options="portable shared-memory-tiles=true int-dot-product=true" --validation | FileCheck %s --check-prefix=BATCH
// RUN: %python %S/Inputs/vulkan_check.py matmul_u8_i8_13x20x7 %t/u -- qc-vulkan-run %s --entry unsigned_a | FileCheck %s --check-prefix=UNSIGNED
// RUN: %python %S/Inputs/vulkan_check.py matmul_u8_i8_13x20x7 %t/usi -- qc-vulkan-run %s --entry unsigned_a --options="shared-memory-tiles=true int-dot-product=true" --validation | FileCheck %s --check-prefix=UNSIGNED
// BATCH: PASS batch_matmul_2x9x16x11
// UNSIGNED: PASS matmul_u8_i8_13x20x7
// RUN: qc-vulkan-bundle %s -o %t/bundle --entry batch --options=int-dot-product=true --print-manifest | FileCheck %s --check-prefix=MANIFEST
// Two kernels: the packing copy of B, then the contraction.
// MANIFEST: "name": "batch_kernel",
// MANIFEST: "config": "tile 8x4, workgroup 4x4, k-step 4, dot, subgroup 32",
// MANIFEST: "name": "batch_contraction_0",

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

func.func @batch(%a: tensor<2x9x16xi8>, %b: tensor<2x16x11xi8>) -> tensor<2x9x11xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x9x11xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<2x9x11xi32>) -> tensor<2x9x11xi32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x9x16xi8>, tensor<2x16x11xi8>)
                           outs(%f : tensor<2x9x11xi32>) -> tensor<2x9x11xi32>
  return %r : tensor<2x9x11xi32>
}

// A's bytes are u8 (extui), the test's input holds them as i8.
func.func @unsigned_a(%a8: tensor<13x20xi8>, %b: tensor<20x7xi8>) -> tensor<13x7xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<13x7xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<13x7xi32>) -> tensor<13x7xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%a8, %b : tensor<13x20xi8>, tensor<20x7xi8>) outs(%f : tensor<13x7xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %x32 = arith.extui %x : i8 to i32
    %y32 = arith.extsi %y : i8 to i32
    %p = arith.muli %x32, %y32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<13x7xi32>
  return %r : tensor<13x7xi32>
}
