// A requantized matmul with constant weights whose reduction (52) is a
// multiple of 4 and whose other dims are odd (37 x 29): the shape the tiled
// contraction kernels read by 32-bit words, stage through workgroup memory
// and compute with packed dot products (weights re-laid out [N, K] at compile
// time), each option checked bit for bit against python/qc/reference.py
// (requantization with zero point 3 and saturation to [-128, 127]).
// RUN: %python %S/Inputs/vulkan_check.py matmul_tiled_37x52x29 %t/d -- qc-vulkan-run %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_tiled_37x52x29 %t/s -- qc-vulkan-run %s --options=shared-memory-tiles=true | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_tiled_37x52x29 %t/i -- qc-vulkan-run %s --options=int-dot-product=true | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_tiled_37x52x29 %t/si -- qc-vulkan-run %s --options="shared-memory-tiles=true int-dot-product=true" --validation | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_tiled_37x52x29 %t/psi -- qc-vulkan-run %s --options="portable shared-memory-tiles=true int-dot-product=true" --validation | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_tiled_37x52x29 %t/qc -- qc-run --target=cpu %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_tiled_37x52x29 %t/sb -- qc-vulkan-run %s --options="shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true" --validation | FileCheck %s
// RUN: qc-vulkan-bundle %s -o %t/bb --options="shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true" --print-manifest | FileCheck %s --check-prefix=BCAST
// BCAST: "config": "tile 8x4, workgroup 8x8, k-step 4, rows broadcast, subgroup 8"
// CHECK: PASS matmul_tiled_37x52x29
// RUN: qc-vulkan-bundle %s -o %t/b --options="shared-memory-tiles=true int-dot-product=true" --print-manifest | FileCheck %s --check-prefix=MANIFEST
// K = 13 words: one 8-word stage and a 5-word last stage.
// MANIFEST: "config": "tile 8x4, workgroup 8x8, k-step 4, shared 3072 B (32 k per stage, last 20), dot, subgroup 32"
// A device without shaderIntegerDotProduct (masked on this one) refuses the
// dot-product bundle before anything runs, naming the option to drop.
// RUN: %python -c "import numpy as np; np.save('%t/a.npy', np.ones((37, 52), np.int8))"
// RUN: env QC_VULKAN_MASK_FEATURES=shaderIntegerDotProduct not qc-vulkan-run %s --options=int-dot-product=true --input %t/a.npy 2>&1 | FileCheck %s --check-prefix=NODOT
// NODOT: error: Vulkan: kernel 'main_contraction_0' needs SPIR-V capability DotProduct but device '{{.*}}' lacks feature shaderIntegerDotProduct (compile with the qc-spirv-pipeline option 'int-dot-product=false' for such devices)

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%a: tensor<37x52xi8>) -> tensor<37x29xi8> {
  %w = arith.constant dense<[[-8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8], [-1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2], [6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5], [-4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5], [3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2], [-7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8], [0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1], [7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6], [-3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4], [4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3], [-6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7], [1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0], [8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7], [-2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3], [5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4], [-5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6], [2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1], [-8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8], [-1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2], [6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5], [-4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5], [3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2], [-7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8], [0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1], [7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6], [-3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4], [4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3], [-6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7], [1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0], [8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7], [-2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3], [5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4], [-5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6], [2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1], [-8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8], [-1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2], [6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5], [-4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5], [3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2], [-7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8], [0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1], [7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6], [-3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4], [4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3], [-6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7], [1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0], [8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7], [-2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3], [5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4], [-5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6], [2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1], [-8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8, -6, -3, 0, 3, 6, -8, -5, -2, 1, 4, 7, -7, -4, -1, 2, 5, 8]]> : tensor<52x29xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<37x29xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<37x29xi32>) -> tensor<37x29xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<37x52xi8>, tensor<52x29xi8>)
                       outs(%f : tensor<37x29xi32>) -> tensor<37x29xi32>
  %o = tensor.empty() : tensor<37x29xi8>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
       ins(%acc : tensor<37x29xi32>) outs(%o : tensor<37x29xi8>) {
  ^bb0(%x: i32, %out: i8):
    %m = arith.constant 1689016515 : i64
    %round = arith.constant 68719476736 : i64
    %shift = arith.constant 37 : i64
    %zp = arith.constant 3 : i64
    %lo = arith.constant -128 : i64
    %hi = arith.constant 127 : i64
    %x64 = arith.extsi %x : i32 to i64
    %p = arith.muli %x64, %m : i64
    %s = arith.addi %p, %round : i64
    %q = arith.shrsi %s, %shift : i64
    %z = arith.addi %q, %zp : i64
    %c1 = arith.maxsi %z, %lo : i64
    %c2 = arith.minsi %c1, %hi : i64
    %t = arith.trunci %c2 : i64 to i8
    linalg.yield %t : i8
  } -> tensor<37x29xi8>
  return %r : tensor<37x29xi8>
}
