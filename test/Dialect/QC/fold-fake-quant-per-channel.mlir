// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// Per-output-channel weights (axis 1 of [K, N]): each column is quantized
// with its own scale and the bias becomes per-axis i32 with scale
// s_in * s_w[n] (the exact double products). 30.0 / 0.2 = 150 saturates to 127.

// CHECK-LABEL: func.func @matmul_per_channel
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[100, 25]> : tensor<2xi32>
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{\[}}[10, 5], [-10, 127]]> : tensor<2x2xi8>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01}>>
// CHECK:         %[[BQ:.*]] = quant.scast %[[B]] : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {0.010000000000000002,0.020000000000000004}>>
// CHECK:         qc.matmul %{{.*}}, %[[WQ]] bias %[[BQ]] :
func.func @matmul_per_channel(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<3x2xf32>
  %w = arith.constant dense<[[1.0, 1.0], [-1.0, 30.0]]> : tensor<2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:1, {0.1, 0.2}> : tensor<2x2xf32>
  %b = arith.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %mm = linalg.matmul ins(%xq, %wq : tensor<3x2xf32>, tensor<2x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = qc.fake_quant %mm to !quant.uniform<i8:f32, 0.5> : tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// PyTorch's per-channel linear weight [N, K] is quantized on axis 0; after
// the (compile-time) transpose the quantized axis is 1 (N), as qc.matmul
// wants.

// CHECK-LABEL: func.func @linear_per_channel_transposed
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[}}[10, -20], [20, -40], [30, -60]]> : tensor<3x2xi8>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8:f32:1, {1.000000e-01,5.000000e-02}>>
// CHECK:         qc.matmul %{{.*}}, %[[WQ]] :
func.func @linear_per_channel_transposed(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.02> : tensor<4x3xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]]> : tensor<2x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:0, {0.1, 0.05}> : tensor<2x3xf32>
  %e0 = tensor.empty() : tensor<3x2xf32>
  %wt = linalg.transpose ins(%wq : tensor<2x3xf32>) outs(%e0 : tensor<3x2xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul ins(%xq, %wt : tensor<4x3xf32>, tensor<3x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = qc.fake_quant %mm to !quant.uniform<i8:f32, 0.05> : tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Per-channel conv filter (axis 3 of HWCF) from the min/max form of
// fake_quant (TensorFlow nudging, narrow range: symmetric ranges give zero
// point 0 and scale max / 127), with a per-axis bias.

// CHECK-LABEL: func.func @conv_per_channel_min_max
// CHECK-DAG:     arith.constant dense<[127, -64]> : tensor<2xi32>
// CHECK-DAG:     arith.constant dense<{{\[}}[{{\[}}[127, -127]]]]> : tensor<1x1x1x2xi8>
// CHECK:         quant.scast %{{.*}} : tensor<1x1x1x2xi8> to tensor<1x1x1x2x!quant.uniform<i8<-127:127>:f32:3, {0.0078740157480314959,0.015748031496062992}>>
// CHECK:         quant.scast %{{.*}} : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {0.0078740157480314959,0.015748031496062992}>>
// CHECK:         qc.conv2d
func.func @conv_per_channel_min_max(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 1.0> : tensor<1x2x2x1xf32>
  %w = arith.constant dense<[[[[1.0, -2.0]]]]> : tensor<1x1x1x2xf32>
  %wq = qc.fake_quant %w {min = array<f64: -1.0, -2.0>, max = array<f64: 1.0, 2.0>, axis = 3 : i64, narrow_range} : tensor<1x1x1x2xf32>
  %b = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [0, 1, 2]
  %c = linalg.conv_2d_nhwc_hwcf ins(%xq, %wq : tensor<1x2x2x1xf32>, tensor<1x1x1x2xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.1> : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
