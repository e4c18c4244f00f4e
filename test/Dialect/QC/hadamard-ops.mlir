// RUN: qc-opt %s | qc-opt | FileCheck %s
// qc.hadamard round-trips through its custom syntax (docs/Hadamard.md).

// CHECK-LABEL: func @float_rotation
// CHECK: qc.hadamard %{{.*}} block 64 : tensor<4x64xf32> -> tensor<4x64xf32>
func.func @float_rotation(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %r = qc.hadamard %x block 64 : tensor<4x64xf32> -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// CHECK-LABEL: func @quantized_rotation
// CHECK: qc.hadamard %{{.*}} block 4 negate [true, false, false, true, false, false, false, true] profile <single_round> clamp [-100, 100]
// CHECK-SAME: : tensor<2x8x!quant.uniform<i16:f32, 1.000000e-03>> -> tensor<2x8x!quant.uniform<i8:f32, 5.000000e-02:1>>
func.func @quantized_rotation(%a: tensor<2x8x!quant.uniform<i16:f32, 0.001>>)
    -> tensor<2x8x!quant.uniform<i8:f32, 0.05:1>> {
  %q = qc.hadamard %a block 4 negate [true, false, false, true, false, false, false, true]
      profile <single_round> clamp [-100, 100]
      : tensor<2x8x!quant.uniform<i16:f32, 0.001>> -> tensor<2x8x!quant.uniform<i8:f32, 0.05:1>>
  return %q : tensor<2x8x!quant.uniform<i8:f32, 0.05:1>>
}

// Blocks that are not powers of two: m * 2^k with a Paley order m
// (768 = 12 * 64, the width of a transformer; 80 = 20 * 4, in two blocks of 40).
// CHECK-LABEL: func @paley_blocks
// CHECK: qc.hadamard %{{.*}} block 768 : tensor<3x768xf32> -> tensor<3x768xf32>
// CHECK: qc.hadamard %{{.*}} block 40 : tensor<3x80xf32> -> tensor<3x80xf32>
func.func @paley_blocks(%x: tensor<3x768xf32>, %y: tensor<3x80xf32>) -> (tensor<3x768xf32>, tensor<3x80xf32>) {
  %r = qc.hadamard %x block 768 : tensor<3x768xf32> -> tensor<3x768xf32>
  %s = qc.hadamard %y block 40 : tensor<3x80xf32> -> tensor<3x80xf32>
  return %r, %s : tensor<3x768xf32>, tensor<3x80xf32>
}
