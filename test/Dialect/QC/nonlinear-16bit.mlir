// RUN: qc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// qc.layer_norm and qc.softmax take 16-bit codes (i16 and u16 storage, any
// result storage); wider codes and longer rows are refused
// (nonlinear-invalid.mlir). Rows of 16-bit codes up to 16384 long are
// lowered and run bit-exact in test/python/nonlinear-16bit.py.

// CHECK-LABEL: func.func @layer_norm_i16
// CHECK:         qc.layer_norm %{{.*}} epsilon 1.000000e-05 : tensor<4x2x!quant.uniform<i16:f32, 1.000000e-03:-7>> -> tensor<4x2x!quant.uniform<i16:f32, 5.000000e-04:3>>
func.func @layer_norm_i16(%x: tensor<4x2x!quant.uniform<i16:f32, 0.001:-7>>) -> tensor<4x2x!quant.uniform<i16:f32, 0.0005:3>> {
  %y = qc.layer_norm %x gamma [1.0, 0.5] beta [0.0, 0.1] epsilon 1.0e-05
      : tensor<4x2x!quant.uniform<i16:f32, 0.001:-7>> -> tensor<4x2x!quant.uniform<i16:f32, 0.0005:3>>
  return %y : tensor<4x2x!quant.uniform<i16:f32, 0.0005:3>>
}

// -----

// CHECK-LABEL: func.func @layer_norm_u16_to_u8
// CHECK:         qc.layer_norm %{{.*}} epsilon 1.000000e-05 : tensor<3x4x!quant.uniform<u16:f32, 1.000000e-03:65535>> -> tensor<3x4x!quant.uniform<u8:f32, 5.000000e-02:128>>
func.func @layer_norm_u16_to_u8(%x: tensor<3x4x!quant.uniform<u16:f32, 0.001:65535>>) -> tensor<3x4x!quant.uniform<u8:f32, 0.05:128>> {
  %y = qc.layer_norm %x gamma [1.0, 2.0, -1.0, 0.5] beta [0.0, 0.1, 0.2, 0.3] epsilon 1.0e-05
      : tensor<3x4x!quant.uniform<u16:f32, 0.001:65535>> -> tensor<3x4x!quant.uniform<u8:f32, 0.05:128>>
  return %y : tensor<3x4x!quant.uniform<u8:f32, 0.05:128>>
}

// -----

// CHECK-LABEL: func.func @softmax_i16
// CHECK:         qc.softmax %{{.*}} axis 1 : tensor<2x16x!quant.uniform<i16:f32, 1.000000e-03:3>> -> tensor<2x16x!quant.uniform<u16:f32, 1.52587890625E-5>>
func.func @softmax_i16(%x: tensor<2x16x!quant.uniform<i16:f32, 0.001:3>>) -> tensor<2x16x!quant.uniform<u16:f32, 0.0000152587890625>> {
  %y = qc.softmax %x axis 1 : tensor<2x16x!quant.uniform<i16:f32, 0.001:3>> -> tensor<2x16x!quant.uniform<u16:f32, 0.0000152587890625>>
  return %y : tensor<2x16x!quant.uniform<u16:f32, 0.0000152587890625>>
}
