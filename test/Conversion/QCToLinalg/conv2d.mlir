// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s

// groups = 1: the input is padded with its zero point (-2, the real 0), the
// codes go through linalg.conv_2d_nhwc_hwcf, the window sums (z_w = 1 != 0)
// and filter sums (z_x != 0) are separate reductions, and K*z_x*z_w =
// 27 * -2 * 1 = -54 joins the bias in the channel term.
// CHECK-LABEL: func.func @conv
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x8x3xi8>, %[[W:.*]]: tensor<3x3x3x4xi8>, %[[B:.*]]: tensor<4xi32>)
// CHECK: %[[ZX:.*]] = arith.constant -2 : i8
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[ZX]] : i8
// CHECK: %[[CONV:.*]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %[[W]] : tensor<1x10x10x3xi8>, tensor<3x3x3x4xi8>)
// CHECK: %[[PSUM:.*]] = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %{{.*}} : tensor<1x10x10x3xi8>, tensor<3x3xi8>) outs(%{{.*}} : tensor<1x4x4x3xi32>)
// CHECK: %[[CSUM:.*]] = linalg.generic {{.*}} ins(%[[PSUM]] : tensor<1x4x4x3xi32>) outs(%{{.*}} : tensor<1x4x4xi32>)
// CHECK: %[[WIN:.*]] = tensor.expand_shape %[[CSUM]] {{\[}}[0], [1], [2, 3]] output_shape [1, 4, 4, 1] : tensor<1x4x4xi32> into tensor<1x4x4x1xi32>
// CHECK: %[[FSUM:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<3x3x3x4xi8>) outs(%{{.*}} : tensor<4xi32>)
// CHECK: %[[TERM:.*]] = linalg.generic {{.*}} ins(%[[FSUM]], %[[B]] : tensor<4xi32>, tensor<4xi32>)
// CHECK: arith.constant -54 : i32
// CHECK: linalg.generic {{.*}} ins(%[[CONV]], %[[WIN]], %[[TERM]] : tensor<1x4x4x4xi32>, tensor<1x4x4x1xi32>, tensor<4xi32>) outs(%{{.*}} : tensor<1x4x4x4xi8>)
// 0.1 * 0.05 / 0.2 = 0.025
// CHECK-DAG: arith.constant 1717986918 : i32
// CHECK-DAG: arith.constant -5 : i32
func.func @conv(%x: tensor<1x8x8x3x!quant.uniform<i8:f32, 0.1:-2>>,
                %w: tensor<3x3x3x4x!quant.uniform<i8:f32, 0.05:1>>,
                %b: tensor<4x!quant.uniform<i32:f32, 0.005>>)
    -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.2:1>> {
  %y = qc.conv2d %x, %w bias %b {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x8x8x3x!quant.uniform<i8:f32, 0.1:-2>>, tensor<3x3x3x4x!quant.uniform<i8:f32, 0.05:1>>,
        tensor<4x!quant.uniform<i32:f32, 0.005>> -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.2:1>>
  return %y : tensor<1x4x4x4x!quant.uniform<i8:f32, 0.2:1>>
}

// -----

// Depthwise (groups = C = 4, multiplier 2): the [3, 3, 1, 8] filter is
// reshaped to HWCM for linalg.depthwise_conv_2d_nhwc_hwcm and the result
// collapsed back to NHWF. Zero points 0: no sums at all.
// CHECK-LABEL: func.func @depthwise
// CHECK: %[[C:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<3x3x1x8xi8> into tensor<3x3x8xi8>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[C]] {{\[}}[0], [1], [2, 3]] output_shape [3, 3, 4, 2] : tensor<3x3x8xi8> into tensor<3x3x4x2xi8>
// CHECK: %[[DW:.*]] = linalg.depthwise_conv_2d_nhwc_hwcm {{.*}} ins(%{{.*}}, %[[E]] : tensor<1x8x8x4xi8>, tensor<3x3x4x2xi8>) {{.*}} -> tensor<1x6x6x4x2xi32>
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[DW]] {{\[}}[0], [1], [2], [3, 4]] : tensor<1x6x6x4x2xi32> into tensor<1x6x6x8xi32>
// CHECK-NOT: iterator_types = ["parallel", "reduction"
// CHECK: linalg.generic {{.*}} ins(%[[F]] : tensor<1x6x6x8xi32>)
func.func @depthwise(%x: tensor<1x6x6x4x!quant.uniform<i8:f32, 0.1>>)
    -> tensor<1x6x6x8x!quant.uniform<i8:f32, 0.2>> {
  %wc = arith.constant dense<1> : tensor<3x3x1x8xi8>
  %w = quant.scast %wc : tensor<3x3x1x8xi8> to tensor<3x3x1x8x!quant.uniform<i8:f32, 0.05>>
  %y = qc.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>, groups = 4 : i64}
      : tensor<1x6x6x4x!quant.uniform<i8:f32, 0.1>>, tensor<3x3x1x8x!quant.uniform<i8:f32, 0.05>>
        -> tensor<1x6x6x8x!quant.uniform<i8:f32, 0.2>>
  return %y : tensor<1x6x6x8x!quant.uniform<i8:f32, 0.2>>
}

// -----

// Depthwise with a filter zero point: the per-channel window sums of
// linalg.pooling_nhwc_sum are the group sums; channel f reads group f / 2.
// They are broadcast to the channels in [N, OH, OW, G, F/G] first: an
// indexing map `d3 floordiv 2` would be tiled wrongly by the CPU pipeline.
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[GROUPS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @depthwise_zero_point
// CHECK-NOT: floordiv
// CHECK: linalg.depthwise_conv_2d_nhwc_hwcm
// CHECK: %[[WIN:.*]] = linalg.pooling_nhwc_sum {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x6x6x4xi8>, tensor<3x3xi8>) outs(%{{.*}} : tensor<1x4x2x4xi32>)
// CHECK: %[[BCAST:.*]] = linalg.generic {indexing_maps = [#[[GROUPS]], {{.*}} ins(%[[WIN]] : tensor<1x4x2x4xi32>) outs(%{{.*}} : tensor<1x4x2x4x2xi32>)
// CHECK: %[[PERCHANNEL:.*]] = tensor.collapse_shape %[[BCAST]] {{\[}}[0], [1], [2], [3, 4]] : tensor<1x4x2x4x2xi32> into tensor<1x4x2x8xi32>
// CHECK: linalg.generic {indexing_maps = [#[[ID4]], #[[ID4]], {{.*}} ins(%{{.*}}, %[[PERCHANNEL]], %{{.*}} : tensor<1x4x2x8xi32>, tensor<1x4x2x8xi32>, tensor<8xi32>)
func.func @depthwise_zero_point(%x: tensor<1x6x6x4x!quant.uniform<i8:f32, 0.1:1>>,
                                %w: tensor<3x3x1x8x!quant.uniform<i8:f32, 0.05:-2>>)
    -> tensor<1x4x2x8x!quant.uniform<i8:f32, 0.2>> {
  %y = qc.conv2d %x, %w {dilations = array<i64: 1, 2>, groups = 4 : i64}
      : tensor<1x6x6x4x!quant.uniform<i8:f32, 0.1:1>>, tensor<3x3x1x8x!quant.uniform<i8:f32, 0.05:-2>>
        -> tensor<1x4x2x8x!quant.uniform<i8:f32, 0.2>>
  return %y : tensor<1x4x2x8x!quant.uniform<i8:f32, 0.2>>
}

// -----

// groups = 2 (neither 1 nor C): a generic over (n, oh, ow, g, f, kh, kw, c)
// on the input viewed as [N, H, W, G, C/G] and the filter as
// [KH, KW, C/G, G, F/G]; output channel f reads the window sum of group
// f floordiv 3, broadcast to the channels first. Constant filter: its sums
// fold (z_x = 3, z_w = -1): K*z_x*z_w - z_x*sum = 2*3*(-1) - 3*(1+1) = -12
// per channel.
// CHECK-LABEL: func.func @grouped
// CHECK-NOT: floordiv
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]{{.*}} outs(%{{.*}} : tensor<1x5x5x2x3xi32>)
// CHECK: %[[PROD:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2], [3, 4]] : tensor<1x5x5x2x3xi32> into tensor<1x5x5x6xi32>
// CHECK: %[[WIN:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x5x5x2xi32>)
// CHECK: %[[BCAST:.*]] = linalg.generic {{.*}} ins(%[[WIN]] : tensor<1x5x5x2xi32>) outs(%{{.*}} : tensor<1x5x5x2x3xi32>)
// CHECK: %[[PERCHANNEL:.*]] = tensor.collapse_shape %[[BCAST]] {{\[}}[0], [1], [2], [3, 4]] : tensor<1x5x5x2x3xi32> into tensor<1x5x5x6xi32>
// CHECK: linalg.generic {{.*}} ins(%[[PROD]], %[[PERCHANNEL]] : tensor<1x5x5x6xi32>, tensor<1x5x5x6xi32>)
// CHECK-DAG: arith.constant -12 : i32
func.func @grouped(%x: tensor<1x5x5x4x!quant.uniform<i8:f32, 0.1:3>>)
    -> tensor<1x5x5x6x!quant.uniform<i8:f32, 0.2>> {
  %wc = arith.constant dense<1> : tensor<1x1x2x6xi8>
  %w = quant.scast %wc : tensor<1x1x2x6xi8> to tensor<1x1x2x6x!quant.uniform<i8:f32, 0.05:-1>>
  %y = qc.conv2d %x, %w {groups = 2 : i64}
      : tensor<1x5x5x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<1x1x2x6x!quant.uniform<i8:f32, 0.05:-1>>
        -> tensor<1x5x5x6x!quant.uniform<i8:f32, 0.2>>
  return %y : tensor<1x5x5x6x!quant.uniform<i8:f32, 0.2>>
}

// -----

// Unsigned input: the named convolutions only sign-extend, so the generic
// form with extui is used even for groups = 1. Per-channel filter scales
// give a multiplier vector.
// CHECK-LABEL: func.func @conv_unsigned_per_channel
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
// 0.1 * {0.02, 0.04} / 0.05 = {0.04, 0.08}: equal multipliers, shifts -4, -3.
// CHECK: arith.constant dense<[-4, -3]> : tensor<2xi32>
func.func @conv_unsigned_per_channel(%x: tensor<1x3x3x2x!quant.uniform<u8:f32, 0.1:128>>,
                                     %w: tensor<2x2x2x2x!quant.uniform<i8:f32:3, {0.02, 0.04}>>)
    -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.05:128>> {
  %y = qc.conv2d %x, %w
      : tensor<1x3x3x2x!quant.uniform<u8:f32, 0.1:128>>, tensor<2x2x2x2x!quant.uniform<i8:f32:3, {0.02, 0.04}>>
        -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.05:128>>
  return %y : tensor<1x2x2x2x!quant.uniform<u8:f32, 0.05:128>>
}

// -----

// A dynamic batch sizes every intermediate from the input.
// CHECK-LABEL: func.func @conv_dynamic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x5x5x4xi8>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5x5x4xi8>
// CHECK: tensor.empty(%[[N]]) : tensor<?x3x3x6xi32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<?x3x3x6xi32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x3x3x6xi8>
func.func @conv_dynamic_batch(%x: tensor<?x5x5x4x!quant.uniform<i8:f32, 0.1:3>>,
                              %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.05>>)
    -> tensor<?x3x3x6x!quant.uniform<i8:f32, 0.2>> {
  %y = qc.conv2d %x, %w : tensor<?x5x5x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.05>>
                       -> tensor<?x3x3x6x!quant.uniform<i8:f32, 0.2>>
  return %y : tensor<?x3x3x6x!quant.uniform<i8:f32, 0.2>>
}
