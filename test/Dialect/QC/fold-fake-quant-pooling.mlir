// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// Max pooling commutes with dequantization: the dequantize moves below it
// and the output fake_quant with the same parameters disappears. The -inf
// init and the -inf pad never win the max, so the pad becomes `padding`.

// CHECK-LABEL: func.func @max_pool_pad
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} : tensor<1x4x4x2xf32> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 1.000000e-01:-5>>
// CHECK:         %[[P:.*]] = qc.max_pool2d %[[Q]] {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-SAME:      -> tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01:-5>>
// CHECK:         %[[R:.*]] = qc.dequantize %[[P]]
// CHECK:         return %[[R]]
// CHECK-NOT:     linalg
func.func @max_pool_pad(%x: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:-5> : tensor<1x4x4x2xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %p = tensor.pad %xq low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %ninf : f32
  } : tensor<1x4x4x2xf32> to tensor<1x6x6x2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %win = tensor.empty() : tensor<3x3xf32>
  %m = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%p, %win : tensor<1x6x6x2xf32>, tensor<3x3xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.1:-5> : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// With other output parameters the max pool stays on the input's
// parameters and a requantize follows.

// CHECK-LABEL: func.func @max_pool_requantize
// CHECK:         %[[P:.*]] = qc.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : {{.*}} -> tensor<1x1x1x1x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         qc.requantize %[[P]] : tensor<1x1x1x1x!quant.uniform<i8:f32, 1.000000e-01>> -> tensor<1x1x1x1x!quant.uniform<i8:f32, 2.000000e-01:3>>
func.func @max_pool_requantize(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x2x2x1xf32>
  %lowest = arith.constant -20.0 : f32
  %e = tensor.empty() : tensor<1x1x1x1xf32>
  %init = linalg.fill ins(%lowest : f32) outs(%e : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %m = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x2x2x1xf32>, tensor<2x2xf32>) outs(%init : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.2:3> : tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}

// -----

// torch-mlir's avg_pool2d: a sum pool divided by the window size (here in a
// linalg.generic, then as a multiplication by 1/4 on whole tensors).

// CHECK-LABEL: func.func @avg_pool
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} -> tensor<1x4x4x3x!quant.uniform<i8:f32, 5.000000e-02:2>>
// CHECK:         %[[A:.*]] = qc.avg_pool2d %[[Q]] {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : {{.*}} -> tensor<1x2x2x3x!quant.uniform<i8:f32, 5.000000e-02:2>>
// CHECK:         qc.dequantize %[[A]]
// CHECK:         %[[B:.*]] = qc.avg_pool2d %[[Q]] {kernel = array<i64: 2, 2>} : {{.*}} -> tensor<1x3x3x3x!quant.uniform<i8:f32, 5.000000e-02:2>>
// CHECK:         qc.requantize %[[B]] : {{.*}} -> tensor<1x3x3x3x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK-NOT:     linalg
func.func @avg_pool(%x: tensor<1x4x4x3xf32>) -> (tensor<1x2x2x3xf32>, tensor<1x3x3x3xf32>) {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:2> : tensor<1x4x4x3xf32>
  %zero = arith.constant 0.0 : f32
  %four = arith.constant 4.0 : f32
  %win = tensor.empty() : tensor<2x2xf32>
  %e = tensor.empty() : tensor<1x2x2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x4x4x3xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %avg = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x2x2x3xf32>) outs(%e : tensor<1x2x2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.divf %in, %four : f32
    linalg.yield %d : f32
  } -> tensor<1x2x2x3xf32>
  %y = qc.fake_quant %avg to !quant.uniform<i8:f32, 0.05:2> : tensor<1x2x2x3xf32>
  %e2 = tensor.empty() : tensor<1x3x3x3xf32>
  %init2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %s2 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x4x4x3xf32>, tensor<2x2xf32>) outs(%init2 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %quarter = arith.constant dense<0.25> : tensor<1x3x3x3xf32>
  %avg2 = arith.mulf %quarter, %s2 : tensor<1x3x3x3xf32>
  %y2 = qc.fake_quant %avg2 to !quant.uniform<i8:f32, 0.1> : tensor<1x3x3x3xf32>
  return %y, %y2 : tensor<1x2x2x3xf32>, tensor<1x3x3x3xf32>
}

// -----

// NCHW pooling (torch-mlir's default) runs as NHWC between qc.transposes.

// CHECK-LABEL: func.func @nchw_pools
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} -> tensor<1x2x4x4x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[T:.*]] = qc.transpose %[[Q]] [0, 2, 3, 1] : {{.*}} -> tensor<1x4x4x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[M:.*]] = qc.max_pool2d %[[T]] {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : {{.*}} -> tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         qc.transpose %[[M]] [0, 3, 1, 2] : {{.*}} -> tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[A:.*]] = qc.avg_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x2x{{.*}}> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         qc.transpose %[[A]] [0, 3, 1, 2]
// CHECK-NOT:     linalg
func.func @nchw_pools(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x2x4x4xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %m = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %init0 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %s = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%init0 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %quarter = arith.constant dense<0.25> : tensor<1x2x2x2xf32>
  %a = arith.mulf %s, %quarter : tensor<1x2x2x2xf32>
  %y = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<1x2x2x2xf32>
  return %m, %y : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// The divisor's `qc.rounding` (the ONNX importer's half_even, ONNX
// Runtime's ties) becomes the integer average's rounding: on the canonical
// divisor generic (graph.py's form, with a quantize after it and without),
// and on a spelling the normalization rewrites (the attribute travels).

// CHECK-LABEL: func.func @avg_pool_rounding
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} -> tensor<1x4x4x3x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK:         %[[A:.*]] = qc.avg_pool2d %[[Q]] rounding <half_even> {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK:         qc.dequantize %[[A]]
// CHECK:         %[[B:.*]] = qc.avg_pool2d %[[Q]] rounding <half_even> {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK:         qc.dequantize %[[B]]
// CHECK:         %[[C:.*]] = qc.avg_pool2d %[[Q]] {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
// CHECK:         qc.dequantize %[[C]]
// CHECK-NOT:     linalg
func.func @avg_pool_rounding(%x: tensor<1x4x4x3xf32>) -> (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:3> : tensor<1x4x4x3xf32>
  %zero = arith.constant 0.0 : f32
  %four = arith.constant 4.0 : f32
  %counts = arith.constant dense<4.0> : tensor<2x2xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e = tensor.empty() : tensor<1x2x2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x4x4x3xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %avg = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"], qc.rounding = #qc.rounding<half_even>}
      ins(%s, %counts : tensor<1x2x2x3xf32>, tensor<2x2xf32>) outs(%e : tensor<1x2x2x3xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %d = arith.divf %in, %c : f32
    linalg.yield %d : f32
  } -> tensor<1x2x2x3xf32>
  %y = qc.fake_quant %avg to !quant.uniform<i8:f32, 0.05:3> : tensor<1x2x2x3xf32>
  %s2 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x4x4x3xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %avg2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"], qc.rounding = #qc.rounding<half_even>}
      ins(%s2 : tensor<1x2x2x3xf32>) outs(%e : tensor<1x2x2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.divf %in, %four : f32
    linalg.yield %d : f32
  } -> tensor<1x2x2x3xf32>
  %s3 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x4x4x3xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %avg3 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s3, %counts : tensor<1x2x2x3xf32>, tensor<2x2xf32>) outs(%e : tensor<1x2x2x3xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %d = arith.divf %in, %c : f32
    linalg.yield %d : f32
  } -> tensor<1x2x2x3xf32>
  return %y, %avg2, %avg3 : tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>
}

// -----

// A global average pool read by a 1x1 convolution with no quantize between
// (squeeze-excite): one qc.conv2d over the pool's input with the filter
// repeated over the 4x4 window, weight scales / 16, the bias on the grid
// s_x * s_w / 16 (0.1 / (0.05 * 0.02 / 16) = 1600, -0.2 / (0.05 * 0.03 / 16)
// = -2133.3): the mean is never rounded.

// CHECK-LABEL: func.func @global_pool_conv
// CHECK-DAG:     %[[W:.*]] = quant.scast %{{.*}} : tensor<4x4x3x2xi8> to tensor<4x4x3x2x!quant.uniform<i8:f32:3, {1.250000e-03,1.875000e-03}>>
// CHECK-DAG:     %[[B:.*]] = quant.scast %{{.*}} : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {6.250000e-05,9.375000e-05}>>
// CHECK-DAG:     arith.constant dense<[1600, -2133]> : tensor<2xi32>
// CHECK-DAG:     %[[Q:.*]] = qc.quantize %{{.*}} -> tensor<1x4x4x3x!quant.uniform<u8:f32, 5.000000e-02:3>>
// CHECK:         qc.conv2d %[[Q]], %[[W]] bias %[[B]]
// CHECK-SAME:        -> tensor<1x1x1x2x!quant.uniform<u8:f32, 4.000000e-02>>
// CHECK-NOT:     qc.avg_pool2d
// CHECK-NOT:     linalg
func.func @global_pool_conv(%x: tensor<1x4x4x3xf32>) -> tensor<1x1x1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %xq = qc.fake_quant %x to !quant.uniform<u8:f32, 0.05:3> : tensor<1x4x4x3xf32>
  %win = tensor.empty() : tensor<4x4xf32>
  %e = tensor.empty() : tensor<1x1x1x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x3xf32>) -> tensor<1x1x1x3xf32>
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x4x4x3xf32>, tensor<4x4xf32>) outs(%init : tensor<1x1x1x3xf32>) -> tensor<1x1x1x3xf32>
  %n = arith.constant dense<16.0> : tensor<1x1xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"], qc.rounding = #qc.rounding<half_even>}
      ins(%s, %n : tensor<1x1x1x3xf32>, tensor<1x1xf32>) outs(%e : tensor<1x1x1x3xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %d = arith.divf %in, %c : f32
    linalg.yield %d : f32
  } -> tensor<1x1x1x3xf32>
  %w = arith.constant dense<[[[[0.9, 1.95], [-1.6, -1.8], [-0.2, 3.72]]]]> : tensor<1x1x3x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:3, {0.02:0, 0.03:0}> : tensor<1x1x3x2xf32>
  %e2 = tensor.empty() : tensor<1x1x1x2xf32>
  %init2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%mean, %wq : tensor<1x1x1x3xf32>, tensor<1x1x3x2xf32>) outs(%init2 : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %b = arith.constant dense<[0.1, -0.2]> : tensor<2xf32>
  %biased = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%conv, %b : tensor<1x1x1x2xf32>, tensor<2xf32>) outs(%e2 : tensor<1x1x1x2xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %a = arith.addf %in, %c : f32
    linalg.yield %a : f32
  } -> tensor<1x1x1x2xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%biased : tensor<1x1x1x2xf32>) outs(%e2 : tensor<1x1x1x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x1x1x2xf32>
  %y = qc.fake_quant %relu to !quant.uniform<u8:f32, 0.04> : tensor<1x1x1x2xf32>
  return %y : tensor<1x1x1x2xf32>
}

// -----

// Past the accumulator bound (64 * 64 * 17 products of up to 255 * 128 >
// 2^31 - 1) the mean is rounded first, as before: qc.avg_pool2d, then the
// 1x1 qc.conv2d.

// CHECK-LABEL: func.func @global_pool_conv_past_bound
// CHECK:         %[[A:.*]] = qc.avg_pool2d %{{.*}} rounding <half_even> {kernel = array<i64: 64, 64>} : {{.*}} -> tensor<1x1x1x17x!quant.uniform<u8:f32, 5.000000e-02>>
// CHECK:         qc.conv2d %[[A]], %{{.*}} : tensor<1x1x1x17x{{.*}}>, tensor<1x1x17x1x
// CHECK-NOT:     linalg
func.func @global_pool_conv_past_bound(%x: tensor<1x64x64x17xf32>) -> tensor<1x1x1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %xq = qc.fake_quant %x to !quant.uniform<u8:f32, 0.05> : tensor<1x64x64x17xf32>
  %win = tensor.empty() : tensor<64x64xf32>
  %e = tensor.empty() : tensor<1x1x1x17xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x17xf32>) -> tensor<1x1x1x17xf32>
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x64x64x17xf32>, tensor<64x64xf32>) outs(%init : tensor<1x1x1x17xf32>) -> tensor<1x1x1x17xf32>
  %n = arith.constant dense<4096.0> : tensor<1x1xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"], qc.rounding = #qc.rounding<half_even>}
      ins(%s, %n : tensor<1x1x1x17xf32>, tensor<1x1xf32>) outs(%e : tensor<1x1x1x17xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %d = arith.divf %in, %c : f32
    linalg.yield %d : f32
  } -> tensor<1x1x1x17xf32>
  %w = arith.constant dense<0.5> : tensor<1x1x17x1xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.01> : tensor<1x1x17x1xf32>
  %e2 = tensor.empty() : tensor<1x1x1x1xf32>
  %init2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%mean, %wq : tensor<1x1x1x17xf32>, tensor<1x1x17x1xf32>) outs(%init2 : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %y = qc.fake_quant %conv to !quant.uniform<u8:f32, 0.04:7> : tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}
