// A bundle written by qc-vulkan-bundle (manifest + .spv + constant .bin) runs
// from disk with the same results as the in-process compilation.
// RUN: rm -rf %t && mkdir -p %t
// RUN: qc-vulkan-bundle %S/matmul-constant-weights.mlir -o %t/b --print-manifest | FileCheck %s --check-prefix=MANIFEST
// RUN: %python %S/Inputs/vulkan_check.py matmul_constant_weights_13x6x5 %t/run -- qc-vulkan-run --bundle %t/b | FileCheck %s
// CHECK: PASS matmul_constant_weights_13x6x5
// MANIFEST: "buffers": [
// MANIFEST:     "role": "input"
// MANIFEST:     "role": "output"
// MANIFEST:     "file": "constant_2.bin",
// K = 6 is padded to 8: the weights as a padded constant, A by a copy into
// an intermediate buffer (its own kernel); the fill is fused into the tiled
// contraction kernel.
// MANIFEST:     "origin": "global @__constant_6x5xi8_pad",
// MANIFEST:     "role": "constant",
// MANIFEST:     "role": "intermediate",
// MANIFEST: "kernels": [
// MANIFEST:     "name": "main_kernel",
// MANIFEST:     "config": "tile 8x4, workgroup 2x2, k-step 4, subgroup 32",
// MANIFEST:     "entry_point": "main_contraction_0",
// MANIFEST:     "name": "main_contraction_0",
// MANIFEST:     "spirv": "main_contraction_0.spv",
// MANIFEST:     "workgroup_size": [
// MANIFEST: "steps": [
// MANIFEST:     "op": "dispatch"
// MANIFEST:     "op": "dispatch"
// MANIFEST-NOT:     "op": "dispatch"
// MANIFEST: "target_env": {
