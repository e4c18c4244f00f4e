// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// torch-mlir's conv: a zero tensor.pad of the input (folded into `padding`),
// the bias broadcast by a linalg.generic as the init, strides 2, and a ReLU6
// on whole tensors (arith.maximumf / minimumf with splat constants).

// CHECK-LABEL: func.func @conv_pad_bias_relu6
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[1000, -500]> : tensor<2xi32>
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<3x3x3x2xi8>
// CHECK:         %[[XQ:.*]] = qc.quantize %{{.*}} : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!quant.uniform<i8:f32, 1.000000e-01:1>>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]]
// CHECK:         %[[BQ:.*]] = quant.scast %[[B]] : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32, 0.00500{{0*}}1>>
// CHECK:         %[[Y:.*]] = qc.conv2d %[[XQ]], %[[WQ]] bias %[[BQ]] clamp [-10, 110]
// CHECK-SAME:      {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-SAME:      -> tensor<1x4x4x2x!quant.uniform<i8:f32, 5.000000e-02:-10>>
// CHECK:         qc.dequantize %[[Y]]
// CHECK-NOT:     tensor.pad
// CHECK-NOT:     linalg
func.func @conv_pad_bias_relu6(%x: tensor<1x8x8x3xf32>) -> tensor<1x4x4x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:1> : tensor<1x8x8x3xf32>
  %w = arith.constant dense<0.5> : tensor<3x3x3x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.05> : tensor<3x3x3x2xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %xq low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x8x8x3xf32> to tensor<1x10x10x3xf32>
  %bias = arith.constant dense<[5.0, -2.5]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x4x4x2xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<2xf32>) outs(%e : tensor<1x4x4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x4x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%p, %wq : tensor<1x10x10x3xf32>, tensor<3x3x3x2xf32>) outs(%init : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %six = arith.constant dense<6.0> : tensor<1x4x4x2xf32>
  %zeros = arith.constant dense<0.0> : tensor<1x4x4x2xf32>
  %r0 = arith.maximumf %c, %zeros : tensor<1x4x4x2xf32>
  %r = arith.minimumf %r0, %six : tensor<1x4x4x2xf32>
  %y = qc.fake_quant %r to !quant.uniform<i8:f32, 0.05:-10> : tensor<1x4x4x2xf32>
  return %y : tensor<1x4x4x2xf32>
}

// -----

// Default strides and dilations, a dilated variant, and a bias added after
// the conv by linalg.add of a broadcast constant.

// CHECK-LABEL: func.func @conv_defaults
// CHECK:         qc.conv2d %{{.*}}, %{{.*}} : tensor<1x5x5x1x!quant.uniform<i8:f32, 2.500000e-01>>, tensor<2x2x1x1x!quant.uniform<i8:f32, 2.500000e-01>> -> tensor<1x4x4x1x!quant.uniform<i8:f32, 5.000000e-01>>
func.func @conv_defaults(%x: tensor<1x5x5x1xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x4x4x1xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.25> : tensor<1x5x5x1xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.25> : tensor<2x2x1x1xf32>
  %zero = arith.constant dense<0.0> : tensor<1x4x4x1xf32>
  %c = linalg.conv_2d_nhwc_hwcf ins(%xq, %wq : tensor<1x5x5x1xf32>, tensor<2x2x1x1xf32>) outs(%zero : tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.5> : tensor<1x4x4x1xf32>
  return %y : tensor<1x4x4x1xf32>
}

// CHECK-LABEL: func.func @conv_dilated_bias_add
// CHECK-DAG:     arith.constant dense<[4, 8]> : tensor<2xi32>
// CHECK:         qc.conv2d %{{.*}}, %{{.*}} bias %{{.*}} {dilations = array<i64: 2, 2>}
// CHECK-SAME:      -> tensor<1x3x3x2x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK-NOT:     linalg
func.func @conv_dilated_bias_add(%x: tensor<1x7x7x1xf32>, %w: tensor<3x3x1x2xf32>) -> tensor<1x3x3x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.5> : tensor<1x7x7x1xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.25> : tensor<3x3x1x2xf32>
  %zero = arith.constant dense<0.0> : tensor<1x3x3x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%xq, %wq : tensor<1x7x7x1xf32>, tensor<3x3x1x2xf32>) outs(%zero : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %b = arith.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x3x3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x3x3x2xf32>) dimensions = [0, 1, 2]
  %s = linalg.add ins(%c, %bb : tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>) outs(%e : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %y = qc.fake_quant %s to !quant.uniform<i8:f32, 0.5> : tensor<1x3x3x2xf32>
  return %y : tensor<1x3x3x2xf32>
}

// -----

// linalg.conv_2d_nhwc_fhwc: the [F, KH, KW, C] filter becomes HWCF through
// qc.transpose.

// CHECK-LABEL: func.func @conv_fhwc
// CHECK:         %[[W:.*]] = qc.transpose %{{.*}} [1, 2, 3, 0] : tensor<2x3x3x1x!quant.uniform<i8:f32, 2.500000e-01>> -> tensor<3x3x1x2x!quant.uniform<i8:f32, 2.500000e-01>>
// CHECK:         qc.conv2d %{{.*}}, %[[W]] : {{.*}} -> tensor<1x3x3x2x!quant.uniform<i8:f32, 5.000000e-01>>
func.func @conv_fhwc(%x: tensor<1x5x5x1xf32>, %w: tensor<2x3x3x1xf32>) -> tensor<1x3x3x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.25> : tensor<1x5x5x1xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.25> : tensor<2x3x3x1xf32>
  %zero = arith.constant dense<0.0> : tensor<1x3x3x2xf32>
  %c = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%xq, %wq : tensor<1x5x5x1xf32>, tensor<2x3x3x1xf32>) outs(%zero : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.5> : tensor<1x3x3x2xf32>
  return %y : tensor<1x3x3x2xf32>
}

// -----

// torch-mlir's default NCHW layout: conv_2d_nchw_fchw runs as qc.conv2d between
// qc.transposes (input to NHWC, result back to NCHW; the constant
// [F, C, KH, KW] filter is re-emitted as HWCF); the bias init broadcasts
// along dimension 1. Between two NCHW convs the transposes cancel.

// CHECK-LABEL: func.func @nchw
// CHECK-DAG:     arith.constant dense<[1000, -500]> : tensor<2xi32>
// CHECK:         %[[X:.*]] = qc.transpose %{{.*}} [0, 2, 3, 1] : tensor<1x3x8x8x{{.*}}> -> tensor<1x8x8x3x{{.*}}>
// CHECK:         %[[W:.*]] = quant.scast %{{.*}} : tensor<3x3x3x2xi8> to tensor<3x3x3x2x!quant.uniform<i8:f32:3, {1.000000e-02,2.000000e-02}>>
// CHECK:         %[[C:.*]] = qc.conv2d %[[X]], %[[W]] bias %{{.*}} clamp [-10, 127] {padding = array<i64: 1, 1, 1, 1>}
// CHECK-SAME:      -> tensor<1x8x8x2x!quant.uniform<i8:f32, 5.000000e-02:-10>>
// CHECK:         %[[C2:.*]] = qc.conv2d %[[C]], %{{.*}} : {{.*}} -> tensor<1x8x8x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         %[[T:.*]] = qc.transpose %[[C2]] [0, 3, 1, 2] : {{.*}} -> tensor<1x2x8x8x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         qc.dequantize %[[T]]
// CHECK-NOT:     linalg
func.func @nchw(%x: tensor<1x3x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x3x8x8xf32>
  %w = arith.constant dense<0.5> : tensor<2x3x3x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:0, {0.01, 0.02}> : tensor<2x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %xq low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
  %bias = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<2xf32>) outs(%e : tensor<1x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x8x8xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%p, %wq : tensor<1x3x10x10xf32>, tensor<2x3x3x3xf32>) outs(%init : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %zeros = arith.constant dense<0.0> : tensor<1x2x8x8xf32>
  %r = arith.maximumf %c, %zeros : tensor<1x2x8x8xf32>
  %y = qc.fake_quant %r to !quant.uniform<i8:f32, 0.05:-10> : tensor<1x2x8x8xf32>
  %w2 = arith.constant dense<0.25> : tensor<2x2x1x1xf32>
  %w2q = qc.fake_quant %w2 to !quant.uniform<i8:f32, 0.01> : tensor<2x2x1x1xf32>
  %zeros2 = arith.constant dense<0.0> : tensor<1x2x8x8xf32>
  %c2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%y, %w2q : tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>) outs(%zeros2 : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %y2 = qc.fake_quant %c2 to !quant.uniform<i8:f32, 0.05> : tensor<1x2x8x8xf32>
  return %y2 : tensor<1x2x8x8xf32>
}
