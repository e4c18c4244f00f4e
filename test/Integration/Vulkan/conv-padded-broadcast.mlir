// Convolutions over zero-point padded inputs with the subgroup row broadcast
// (qc-vulkan-run fills subgroup-broadcast from the device: on for lavapipe,
// whose subgroups have ballot and broadcast in compute shaders): a stride-1
// conv over an asymmetrically padded input (pad value -3, 32 output channels:
// an 8-wide workgroup row, one subgroup) and a stride-2 conv with pad 77 and
// 36 channels (a 16-wide row, a partial workgroup), bit-exact against
// python/qc/reference.py; with the broadcast off; portable; and
// on llvmpipe with 4- and 16-lane subgroups (LP_NATIVE_VECTOR_WIDTH=128 and
// 512) for kernels compiled for subgroups of 8 (the kernels check at run
// time that a subgroup shares the tile rows before they broadcast).
// RUN: %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/d -- qc-vulkan-run %s --validation | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/b -- qc-vulkan-run %s --options="subgroup-broadcast=true subgroup-size=8 shared-memory-tiles=false" | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/n -- qc-vulkan-run %s --options=subgroup-broadcast=false | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/p -- qc-vulkan-run %s --options="portable subgroup-broadcast=true" --validation | FileCheck %s
// RUN: env LP_NATIVE_VECTOR_WIDTH=128 %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/w4 -- qc-vulkan-run %s --options="subgroup-broadcast=true subgroup-size=8" --validation | FileCheck %s
// RUN: env LP_NATIVE_VECTOR_WIDTH=512 %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/w16 -- qc-vulkan-run %s --options="subgroup-broadcast=true subgroup-size=8" --validation | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/qc -- qc-run --target=cpu %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/qv -- qc-run --target=vulkan %s | FileCheck %s
// A device without the subgroup ballot operations (masked on this one) gets
// the plain loads by default, and an error naming the kernel and the missing
// operations where the broadcast is asked for.
// RUN: env QC_VULKAN_MASK_FEATURES=subgroupBallot %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/m -- qc-vulkan-run %s --validation | FileCheck %s
// RUN: env QC_VULKAN_MASK_FEATURES=subgroupBallot not qc-vulkan-run %s --options=subgroup-broadcast=true --input %t/d/in0.npy --input %t/d/in1.npy --input %t/d/in2.npy --input %t/d/in3.npy 2>&1 | FileCheck %s --check-prefix=NOBALLOT
// NOBALLOT: error: Vulkan: kernel 'main_contraction_0' needs SPIR-V capability GroupNonUniformBallot but device '{{.*}}' lacks feature subgroup operations BALLOT in compute shaders (subgroupBallot) (compile with the qc-spirv-pipeline option 'subgroup-broadcast=false' for such devices)
// CHECK: PASS conv_padded_broadcast (2 output(s), 4416 elements)

// Both kernels broadcast their rows and read the unpadded inputs (two
// dispatches, no padding copies).
// RUN: qc-vulkan-bundle %s -o %t/bundle --options="shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true" --print-manifest | FileCheck %s --check-prefix=MANIFEST
// MANIFEST: "config": "tile 8x4, workgroup 8x8, k-step 4, rows broadcast, subgroup 8"
// MANIFEST: "config": "tile 8x4, workgroup 16x2, k-step 4, rows broadcast, subgroup 8"
// MANIFEST-COUNT-2: "op": "dispatch"
// MANIFEST-NOT: "op": "dispatch"

func.func @main(%x: tensor<1x9x11x8xi8>, %w: tensor<3x3x8x32xi8>, %y: tensor<1x8x8x12xi8>, %v: tensor<3x3x12x36xi8>)
    -> (tensor<1x10x12x32xi32>, tensor<1x4x4x36xi32>) {
  %c0 = arith.constant 0 : i32
  %m3 = arith.constant -3 : i8
  %c77 = arith.constant 77 : i8
  %xp = tensor.pad %x low[0, 1, 2, 0] high[0, 2, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %m3 : i8
  } : tensor<1x9x11x8xi8> to tensor<1x12x14x8xi8>
  %e = tensor.empty() : tensor<1x10x12x32xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x10x12x32xi32>) -> tensor<1x10x12x32xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%xp, %w : tensor<1x12x14x8xi8>, tensor<3x3x8x32xi8>) outs(%f : tensor<1x10x12x32xi32>) -> tensor<1x10x12x32xi32>
  %yp = tensor.pad %y low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %c77 : i8
  } : tensor<1x8x8x12xi8> to tensor<1x10x10x12xi8>
  %e2 = tensor.empty() : tensor<1x4x4x36xi32>
  %f2 = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<1x4x4x36xi32>) -> tensor<1x4x4x36xi32>
  %s = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%yp, %v : tensor<1x10x10x12xi8>, tensor<3x3x12x36xi8>) outs(%f2 : tensor<1x4x4x36xi32>) -> tensor<1x4x4x36xi32>
  return %r, %s : tensor<1x10x12x32xi32>, tensor<1x4x4x36xi32>
}
