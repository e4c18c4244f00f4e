// Which branch of the row broadcast's run-time check a kernel takes, made
// visible: the testing option test-mark-broadcast makes the broadcast loops
// add 1 to every accumulator, so each output says which branch its kernel
// took (vulkan_check.py --plus: the reference plus 1 where the broadcast
// ran). The kernels are those of conv-padded-broadcast.mlir, compiled for
// subgroups of 8: main_contraction_0 has 8-wide workgroup rows (8x8),
// main_contraction_1 16-wide ones (16x2), both 8x4 tiles. On llvmpipe's
// 8-lane subgroups each subgroup is one workgroup row with a lane per tile
// row: both kernels broadcast. Without the broadcast the marker changes
// nothing, and expecting no marker with the broadcast fails.
// (llvmpipe with LP_NATIVE_VECTOR_WIDTH=128, 4-lane subgroups, was expected
// to take the plain loads, its lanes 4-7 missing, but the marker shows the
// broadcast branch there too, with otherwise exact results; see
// docs/SPIRV.md, Known gaps. The fallback is not reached on llvmpipe.)
// RUN: %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/w8 --plus=1,1 -- qc-vulkan-run %s --options="subgroup-broadcast=true subgroup-size=8 test-mark-broadcast=true" --validation | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/off --plus=0,0 -- qc-vulkan-run %s --options="subgroup-broadcast=false test-mark-broadcast=true" | FileCheck %s
// RUN: not %python %S/Inputs/vulkan_check.py conv_padded_broadcast %t/x8 --plus=0,0 -- qc-vulkan-run %s --options="subgroup-broadcast=true subgroup-size=8 test-mark-broadcast=true" 2>&1 | FileCheck %s --check-prefix=WRONG
// CHECK: PASS conv_padded_broadcast (2 output(s), 4416 elements)
// WRONG: FAIL conv_padded_broadcast: output 0 differs at 3840 element(s)

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
