// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// Depthwise conv becomes qc.conv2d with groups = C. A constant per-channel
// filter [KH, KW, C] is re-emitted as [KH, KW, 1, C] with the quantized axis
// moved from 2 to 3; the zero pad folds into `padding`.

// CHECK-LABEL: func.func @depthwise_per_channel_pad
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[10, 20, 10, 10]], {{.*}}]]> : tensor<3x3x1x4xi8>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<3x3x1x4xi8> to tensor<3x3x1x4x!quant.uniform<i8:f32:3, {1.000000e-02,2.000000e-02,5.000000e-03,1.000000e-01}>>
// CHECK:         qc.conv2d %{{.*}}, %[[WQ]] {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>}
// CHECK-SAME:      -> tensor<1x6x6x4x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK-NOT:     linalg
func.func @depthwise_per_channel_pad(%x: tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x6x6x4xf32>
  %w = arith.constant dense<[[[0.1, 0.4, 0.05, 1.0], [0.1, 0.4, 0.05, 1.0], [0.1, 0.4, 0.05, 1.0]],
                             [[0.1, 0.4, 0.05, 1.0], [0.1, 0.4, 0.05, 1.0], [0.1, 0.4, 0.05, 1.0]],
                             [[0.1, 0.4, 0.05, 1.0], [0.1, 0.4, 0.05, 1.0], [0.1, 0.4, 0.05, 1.0]]]> : tensor<3x3x4xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:2, {0.01, 0.02, 0.005, 0.1}> : tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %xq low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x6x6x4xf32> to tensor<1x8x8x4xf32>
  %e = tensor.empty() : tensor<1x6x6x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %c = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%p, %wq : tensor<1x8x8x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.2> : tensor<1x6x6x4xf32>
  return %y : tensor<1x6x6x4xf32>
}

// -----

// A per-tensor filter that is not a constant is reshaped with qc.reshape;
// the per-channel bias init and the stride carry over.

// CHECK-LABEL: func.func @depthwise_runtime_filter_bias
// CHECK-DAG:     arith.constant dense<[40, -80]> : tensor<2xi32>
// CHECK:         %[[F:.*]] = qc.quantize %{{.*}} : tensor<2x2x2xf32> -> tensor<2x2x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         %[[R:.*]] = qc.reshape %[[F]] : tensor<2x2x2x!quant.uniform<i8:f32, 5.000000e-02>> -> tensor<2x2x1x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         qc.conv2d %{{.*}}, %[[R]] bias %{{.*}} {groups = 2 : i64, strides = array<i64: 2, 2>}
func.func @depthwise_runtime_filter_bias(%x: tensor<1x4x4x2xf32>, %w: tensor<2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.5> : tensor<1x4x4x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.05> : tensor<2x2x2xf32>
  %b = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [0, 1, 2]
  %c = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %wq : tensor<1x4x4x2xf32>, tensor<2x2x2xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.25:3> : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// torch-mlir's NCHW depthwise conv: the input goes through qc.transpose, the
// constant per-channel [C, KH, KW] filter is re-emitted as [KH, KW, 1, C]
// (axis 0 -> 3; values as numpy.transpose(w, (1, 2, 0))), the bias init
// broadcasts along dimension 1 and the result is transposed back.

// CHECK-LABEL: func.func @depthwise_nchw
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[10, -20]> : tensor<2xi32>
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{\[}}{{\[}}{{\[}}[1, 5]], {{\[}}[2, 6]]], {{\[}}{{\[}}[3, 7]], {{\[}}[4, 8]]]]> : tensor<2x2x1x2xi8>
// CHECK:         %[[X:.*]] = qc.transpose %{{.*}} [0, 2, 3, 1] : {{.*}} -> tensor<1x4x4x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<2x2x1x2xi8> to tensor<2x2x1x2x!quant.uniform<i8:f32:3, {1.000000e-01,5.000000e-02}>>
// CHECK:         %[[C:.*]] = qc.conv2d %[[X]], %[[WQ]] bias %{{.*}} {groups = 2 : i64} : {{.*}} -> tensor<1x3x3x2x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK:         qc.transpose %[[C]] [0, 3, 1, 2] : {{.*}} -> tensor<1x2x3x3x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK-NOT:     linalg
func.func @depthwise_nchw(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x3x3xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x2x4x4xf32>
  %w = arith.constant dense<[[[0.1, 0.2], [0.3, 0.4]], [[0.25, 0.3], [0.35, 0.4]]]> : tensor<2x2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:0, {0.1, 0.05}> : tensor<2x2x2xf32>
  %bias = arith.constant dense<[0.1, -0.1]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.broadcast ins(%bias : tensor<2xf32>) outs(%e : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
  %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%xq, %wq : tensor<1x2x4x4xf32>, tensor<2x2x2xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.2> : tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
