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
