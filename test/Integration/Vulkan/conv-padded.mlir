// Convolutions over zero-point padded inputs (tensor.pad with a non-zero
// pad value, asymmetric padding, stride 2, odd sizes; a depthwise conv with 3
// channels read by elements): the contraction kernels read the unpadded
// input and give the pad value outside it (no padded copy is dispatched),
// bit-exact against python/qc/reference.py in default, portable and
// dot-product modes; with workgroup-memory stages (qc-vulkan-bundle's
// default) the padded copy stays and gives the same result.
// RUN: %python %S/Inputs/vulkan_check.py conv_padded %t/d -- qc-vulkan-run %s --options=shared-memory-tiles=false | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded %t/p -- qc-vulkan-run %s "--options=portable shared-memory-tiles=false" --validation | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded %t/dot -- qc-vulkan-run %s "--options=int-dot-product=true shared-memory-tiles=false" --validation | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded %t/s -- qc-vulkan-run %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded %t/qv -- qc-run --target=vulkan %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded %t/qc -- qc-run --target=cpu %s | FileCheck %s
// CHECK: PASS conv_padded (2 output(s), 190 elements)

// Both pads are fused: two kernels, no fill or copy dispatches.
// RUN: qc-vulkan-bundle %s -o %t/bundle --options=shared-memory-tiles=false --print-manifest | FileCheck %s --check-prefix=MANIFEST
// MANIFEST-COUNT-2: "op": "dispatch"
// MANIFEST-NOT: "op": "dispatch"

func.func @main(%x: tensor<1x7x9x8xi8>, %w: tensor<3x3x8x5xi8>, %y: tensor<1x6x5x3xi8>, %d: tensor<3x3x3xi8>)
    -> (tensor<1x4x5x5xi32>, tensor<1x6x5x3xi32>) {
  %c0 = arith.constant 0 : i32
  %m3 = arith.constant -3 : i8
  %c77 = arith.constant 77 : i8
  %xp = tensor.pad %x low[0, 1, 2, 0] high[0, 2, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %m3 : i8
  } : tensor<1x7x9x8xi8> to tensor<1x10x12x8xi8>
  %e = tensor.empty() : tensor<1x4x5x5xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x5x5xi32>) -> tensor<1x4x5x5xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%xp, %w : tensor<1x10x12x8xi8>, tensor<3x3x8x5xi8>) outs(%f : tensor<1x4x5x5xi32>) -> tensor<1x4x5x5xi32>
  %yp = tensor.pad %y low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %c77 : i8
  } : tensor<1x6x5x3xi8> to tensor<1x8x7x3xi8>
  %e2 = tensor.empty() : tensor<1x6x5x3xi32>
  %f2 = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<1x6x5x3xi32>) -> tensor<1x6x5x3xi32>
  %dw = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%yp, %d : tensor<1x8x7x3xi8>, tensor<3x3x3xi8>) outs(%f2 : tensor<1x6x5x3xi32>) -> tensor<1x6x5x3xi32>
  return %r, %dw : tensor<1x4x5x5xi32>, tensor<1x6x5x3xi32>
}
