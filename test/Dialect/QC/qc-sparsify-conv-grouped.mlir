// RUN: qc-opt %s --qc-lower-to-linalg --qc-sparsify="nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" -verify-diagnostics | FileCheck %s
// Convolutions that --qc-lower-to-linalg does not emit as
// linalg.conv_2d_nhwc_hwcf keep their dense filters in --qc-sparsify, with a
// remark, however sparse the filter (each has one non-zero here).

// CHECK-LABEL: func.func @grouped
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x4x2x2xi8>, tensor<2x2x2x2x2xi8>)
func.func @grouped(%x: tensor<1x4x4x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x3x3x4x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[[[0, 0, 0, 0], [0, 0, 0, 0]], [[0, 0, 0, 0], [0, 0, 0, 0]]], [[[0, 0, 0, 0], [0, 0, 0, 0]], [[0, 0, 0, 0], [0, 0, 9, 0]]]]> : tensor<2x2x2x4xi8>
  %w = quant.scast %c : tensor<2x2x2x4xi8> to tensor<2x2x2x4x!quant.uniform<i8:f32, 0.05>>
  // expected-remark@+1 {{qc-sparsify: grouped convolution kept dense: each filter reduces over only C/groups channels of its group, and the gather kernels cover groups = 1}}
  %y = qc.conv2d %x, %w {groups = 2 : i64} : tensor<1x4x4x4x!quant.uniform<i8:f32, 0.1>>, tensor<2x2x2x4x!quant.uniform<i8:f32, 0.05>> -> tensor<1x3x3x4x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<1x3x3x4x!quant.uniform<i8:f32, 0.5>>
}

// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nhwc_hwcm
func.func @depthwise(%x: tensor<1x4x4x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x3x3x4x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[[[0, 0, 0, 0]], [[0, 0, 0, 0]]], [[[0, 0, 0, 0]], [[0, 7, 0, 0]]]]> : tensor<2x2x1x4xi8>
  %w = quant.scast %c : tensor<2x2x1x4xi8> to tensor<2x2x1x4x!quant.uniform<i8:f32, 0.05>>
  // expected-remark@+1 {{qc-sparsify: depthwise convolution kept dense: each output channel reduces over only KH*KW taps of one channel, too few for N:M groups along C or for a stored index per entry to pay}}
  %y = qc.conv2d %x, %w {groups = 4 : i64} : tensor<1x4x4x4x!quant.uniform<i8:f32, 0.1>>, tensor<2x2x1x4x!quant.uniform<i8:f32, 0.05>> -> tensor<1x3x3x4x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<1x3x3x4x!quant.uniform<i8:f32, 0.5>>
}

// CHECK-LABEL: func.func @unsigned
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x4x1x2xi8>, tensor<2x2x2x1x2xi8>)
func.func @unsigned(%x: tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<1x3x3x2x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[[[0, 0], [0, 0]], [[0, 0], [0, 0]]], [[[0, 0], [0, 0]], [[0, 0], [0, 5]]]]> : tensor<2x2x2x2xi8>
  %w = quant.scast %c : tensor<2x2x2x2xi8> to tensor<2x2x2x2x!quant.uniform<i8:f32, 0.05>>
  // expected-remark@+1 {{qc-sparsify: convolution on unsigned codes kept dense: it is lowered to a generic, and the gather kernels cover linalg.conv_2d_nhwc_hwcf only}}
  %y = qc.conv2d %x, %w : tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1:128>>, tensor<2x2x2x2x!quant.uniform<i8:f32, 0.05>> -> tensor<1x3x3x2x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<1x3x3x2x!quant.uniform<i8:f32, 0.5>>
}
