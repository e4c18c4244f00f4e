// Runs under VK_LAYER_KHRONOS_validation with a debug-utils messenger that
// turns any validation warning or error into a failed run: the real kernels
// run clean; a bundle whose manifest hides the shader's Int8/8-bit storage
// capabilities, on a device without those features, passes qc's own checks
// and is rejected with the layer's message.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/vulkan_check.py matmul_requant_37x53x29 %t/run -- qc-vulkan-run %S/matmul-requant.mlir --validation | FileCheck %s --check-prefix=CLEAN
// RUN: %python %S/Inputs/vulkan_check.py conv_1x9x11x3_3x3x3x5 %t/conv -- qc-vulkan-run %S/conv.mlir --validation --options=portable | FileCheck %s --check-prefix=CONV
// RUN: env QC_VULKAN_VALIDATION=1 %python %S/Inputs/vulkan_check.py matmul_5x7x3 %t/env -- qc-vulkan-run %s | FileCheck %s --check-prefix=SMALL
// RUN: qc-vulkan-bundle %s -o %t/bad
// RUN: %python %S/Inputs/make_bad_bundle.py %t/bad drop-capabilities
// RUN: env QC_VULKAN_MASK_FEATURES=shaderInt8,storageBuffer8BitAccess not %python %S/Inputs/vulkan_check.py matmul_5x7x3 %t/badrun -- qc-vulkan-run --bundle %t/bad --validation 2>&1 | FileCheck %s --check-prefix=BAD
// CLEAN: PASS matmul_requant_37x53x29
// CONV: PASS conv_1x9x11x3_3x3x3x5
// SMALL: PASS matmul_5x7x3
// BAD: error: Vulkan: the validation layer reported {{[1-9][0-9]*}} error(s)
// BAD-SAME: VUID-VkShaderModuleCreateInfo-pCode-01091
// BAD: FAIL matmul_5x7x3: runner exited with 1

func.func @main(%a: tensor<5x7xi8>, %b: tensor<7x3xi8>) -> tensor<5x3xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x3xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x3xi32>) -> tensor<5x3xi32>
  %r = linalg.matmul ins(%a, %b : tensor<5x7xi8>, tensor<7x3xi8>)
                     outs(%f : tensor<5x3xi32>) -> tensor<5x3xi32>
  return %r : tensor<5x3xi32>
}
