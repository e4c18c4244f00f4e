// conv_2d_nhwc_hwcf i8 x i8 -> i32 on the Vulkan device (odd spatial sizes,
// three nested reduction loops whose accumulator stays in a register).
// RUN: %python %S/Inputs/vulkan_check.py conv_1x9x11x3_3x3x3x5 %t/d -- qc-vulkan-run %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_1x9x11x3_3x3x3x5 %t/p -- qc-vulkan-run %s --options=portable | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_1x9x11x3_3x3x3x5 %t/qv -- qc-run --target=vulkan %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_1x9x11x3_3x3x3x5 %t/qc -- qc-run --target=cpu %s | FileCheck %s
// CHECK: PASS conv_1x9x11x3_3x3x3x5

func.func @main(%x: tensor<1x9x11x3xi8>, %w: tensor<3x3x3x5xi8>) -> tensor<1x7x9x5xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x7x9x5xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x7x9x5xi32>) -> tensor<1x7x9x5xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x9x11x3xi8>, tensor<3x3x3x5xi8>) outs(%f : tensor<1x7x9x5xi32>) -> tensor<1x7x9x5xi32>
  return %r : tensor<1x7x9x5xi32>
}
