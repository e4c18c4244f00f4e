// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s
// RUN: not qc-opt %s -split-input-file --qc-fold-fake-quant=allow-float=false 2>&1 | FileCheck %s --check-prefix=STRICT

// A rotated activation calibrated with a 16-bit quantization before the
// online transform and an 8-bit one after it.
// The pair becomes the integer qc.hadamard from the 16-bit to the 8-bit type.

// CHECK-LABEL: func.func @rotated
// CHECK-SAME:    (%[[X:.*]]: tensor<2x8xf32>)
// CHECK:         %[[Q:.*]] = qc.quantize %[[X]] : tensor<2x8xf32> -> tensor<2x8x!quant.uniform<i16:f32, 1.000000e-03>>
// CHECK:         %[[H:.*]] = qc.hadamard %[[Q]] block 8 negate [true, false, false, false, false, false, false, true]
// CHECK-SAME:      : tensor<2x8x!quant.uniform<i16:f32, 1.000000e-03>> -> tensor<2x8x!quant.uniform<i8:f32, 5.000000e-02:1>>
// CHECK:         %[[D:.*]] = qc.dequantize %[[H]]
// CHECK:         return %[[D]]
func.func @rotated(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i16:f32, 0.001> : tensor<2x8xf32>
  %h = qc.hadamard %a block 8 negate [true, false, false, false, false, false, false, true] : tensor<2x8xf32> -> tensor<2x8xf32>
  %b = qc.fake_quant %h to !quant.uniform<i8:f32, 0.05:1> : tensor<2x8xf32>
  return %b : tensor<2x8xf32>
}

// -----

// Per-channel parameters along the rotated dimension have no single
// multiplier: the transform stays in float, which the integer-only flow
// (allow-float=false) rejects with the reason.
// STRICT: error: 'qc.hadamard' has no integer form here (allow-float=false): {{.*}}operand must be quantized per tensor
// CHECK-LABEL: func.func @per_channel
// CHECK:         qc.hadamard %{{.*}} block 2 : tensor<2x2xf32> -> tensor<2x2xf32>
func.func @per_channel(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i8:f32:1, {0.1, 0.2}> : tensor<2x2xf32>
  %h = qc.hadamard %a block 2 : tensor<2x2xf32> -> tensor<2x2xf32>
  %b = qc.fake_quant %h to !quant.uniform<i8:f32, 0.05:1> : tensor<2x2xf32>
  return %b : tensor<2x2xf32>
}
