// Constant weights become a memref.global, uploaded once as a constant buffer.
// RUN: %python %S/Inputs/vulkan_check.py matmul_constant_weights_13x6x5 %t/d -- qc-vulkan-run %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_constant_weights_13x6x5 %t/p -- qc-vulkan-run %s --options=portable | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_constant_weights_13x6x5 %t/qv -- qc-run --target=vulkan %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_constant_weights_13x6x5 %t/qc -- qc-run --target=cpu %s | FileCheck %s
// CHECK: PASS matmul_constant_weights_13x6x5

func.func @main(%a: tensor<13x6xi8>) -> tensor<13x5xi32> {
  %w = arith.constant dense<[[-8, -5, -2, 1, 4], [-1, 2, 5, 8, -6], [6, -8, -5, -2, 1], [-4, -1, 2, 5, 8], [3, 6, -8, -5, -2], [-7, -4, -1, 2, 5]]> : tensor<6x5xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<13x5xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<13x5xi32>) -> tensor<13x5xi32>
  %r = linalg.matmul ins(%a, %w : tensor<13x6xi8>, tensor<6x5xi8>)
                     outs(%f : tensor<13x5xi32>) -> tensor<13x5xi32>
  return %r : tensor<13x5xi32>
}
