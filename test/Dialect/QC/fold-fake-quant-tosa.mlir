// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// TOSA input: tosa.conv2d carries its bias and zero points (0 in float); its
// constant [F, KH, KW, C] filter becomes an HWCF constant (the per-channel
// axis moves from 0 to 3), and tosa.clamp fuses as ReLU6.

// CHECK-LABEL: func.func @tosa_conv_bias_clamp
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[10, -20]> : tensor<2xi32>
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[10, 5], [10, 5], [10, 5]]]]> : tensor<1x1x3x2xi8>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<1x1x3x2xi8> to tensor<1x1x3x2x!quant.uniform<i8:f32:3, {1.000000e-01,2.000000e-01}>>
// CHECK:         %[[BQ:.*]] = quant.scast %[[B]] : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {{.*}}>>
// CHECK:         qc.conv2d %{{.*}}, %[[WQ]] bias %[[BQ]] clamp [0, 60] {padding = array<i64: 1, 1, 1, 1>}
// CHECK-SAME:      -> tensor<1x6x6x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK-NOT:     tosa.conv2d
// CHECK-NOT:     tosa.clamp
func.func @tosa_conv_bias_clamp(%x: tensor<1x4x4x3xf32>) -> tensor<1x6x6x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.5> : tensor<1x4x4x3xf32>
  %w = "tosa.const"() <{values = dense<1.0> : tensor<2x1x1x3xf32>}> : () -> tensor<2x1x1x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:0, {0.1, 0.2}> : tensor<2x1x1x3xf32>
  %b = "tosa.const"() <{values = dense<[0.5, -2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %xq, %wq, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
     : (tensor<1x4x4x3xf32>, tensor<2x1x1x3xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x6x2xf32>
  %r = tosa.clamp %c {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32>
  %y = qc.fake_quant %r to !quant.uniform<i8:f32, 0.1> : tensor<1x6x6x2xf32>
  return %y : tensor<1x6x6x2xf32>
}

// -----

// tosa.matmul (batch 1, zero points 0) plus a broadcast tosa.add of a
// [1, 1, N] bias constant.

// CHECK-LABEL: func.func @tosa_matmul_bias
// CHECK-DAG:     arith.constant dense<[5, 10]> : tensor<2xi32>
// CHECK:         %[[L:.*]] = qc.reshape %{{.*}} : tensor<1x2x3x!quant.uniform<i8:f32, 1.000000e-01>> -> tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[R:.*]] = qc.reshape %{{.*}} : tensor<1x3x2x!quant.uniform<i8:f32, 1.000000e-01>> -> tensor<3x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[M:.*]] = qc.matmul %[[L]], %[[R]] bias %{{.*}} : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK:         qc.reshape %[[M]] : {{.*}} -> tensor<1x2x2x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK-NOT:     tosa.matmul
func.func @tosa_matmul_bias(%a: tensor<1x2x3xf32>, %b: tensor<1x3x2xf32>) -> tensor<1x2x2xf32> {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<1x2x3xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.1> : tensor<1x3x2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %qa, %qb, %zp, %zp : (tensor<1x2x3xf32>, tensor<1x3x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2xf32>
  %bias = "tosa.const"() <{values = dense<[[[0.05, 0.1]]]> : tensor<1x1x2xf32>}> : () -> tensor<1x1x2xf32>
  %s = tosa.add %m, %bias : (tensor<1x2x2xf32>, tensor<1x1x2xf32>) -> tensor<1x2x2xf32>
  %y = qc.fake_quant %s to !quant.uniform<i8:f32, 0.2> : tensor<1x2x2xf32>
  return %y : tensor<1x2x2xf32>
}

// -----

// Elementwise tosa.add / tosa.mul (shift 0) and the parameter-keeping
// tosa.reshape, tosa.transpose and tosa.max_pool2d.

// CHECK-LABEL: func.func @tosa_elementwise_and_shapes
// CHECK:         %[[A:.*]] = qc.add %{{.*}}, %{{.*}} : {{.*}} -> tensor<1x4x4x2x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK:         %[[M:.*]] = qc.mul %[[A]], %{{.*}} : {{.*}} -> tensor<1x4x4x2x!quant.uniform<i8:f32, 4.000000e-01>>
// CHECK:         %[[P:.*]] = qc.max_pool2d %[[M]] {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : {{.*}} -> tensor<1x2x2x2x!quant.uniform<i8:f32, 4.000000e-01>>
// CHECK:         %[[R:.*]] = qc.reshape %[[P]] : {{.*}} -> tensor<4x2x!quant.uniform<i8:f32, 4.000000e-01>>
// CHECK:         %[[T:.*]] = qc.transpose %[[R]] [1, 0] : {{.*}} -> tensor<2x4x!quant.uniform<i8:f32, 4.000000e-01>>
// CHECK:         qc.dequantize %[[T]]
// CHECK-NOT:     tosa.
func.func @tosa_elementwise_and_shapes(%a: tensor<1x4x4x2xf32>, %b: tensor<1x4x4x2xf32>) -> tensor<2x4xf32> {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<1x4x4x2xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.1> : tensor<1x4x4x2xf32>
  %s = tosa.add %qa, %qb : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %sq = qc.fake_quant %s to !quant.uniform<i8:f32, 0.2> : tensor<1x4x4x2xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %sq, %qb, %shift : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>, tensor<1xi8>) -> tensor<1x4x4x2xf32>
  %mq = qc.fake_quant %m to !quant.uniform<i8:f32, 0.4> : tensor<1x4x4x2xf32>
  %p = tosa.max_pool2d %mq {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32>
  %shape = tosa.const_shape {values = dense<[4, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %p, %shape : (tensor<1x2x2x2xf32>, !tosa.shape<2>) -> tensor<4x2xf32>
  %t = tosa.transpose %r {perms = array<i32: 1, 0>} : (tensor<4x2xf32>) -> tensor<2x4xf32>
  %y = qc.fake_quant %t to !quant.uniform<i8:f32, 0.4> : tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// tosa.avg_pool2d (with padding: TOSA and qc.avg_pool2d both divide by the
// number of valid elements) and tosa.depthwise_conv2d with multiplier 1.

// CHECK-LABEL: func.func @tosa_avg_pool_depthwise
// CHECK:         %[[AP:.*]] = qc.avg_pool2d %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : {{.*}} -> tensor<1x4x4x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[W:.*]] = qc.reshape %{{.*}} : tensor<1x1x2x1x!quant.uniform<i8:f32, 5.000000e-01>> -> tensor<1x1x1x2x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK:         qc.conv2d %[[AP]], %[[W]] {groups = 2 : i64} : {{.*}} -> tensor<1x4x4x2x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK-NOT:     tosa.
func.func @tosa_avg_pool_depthwise(%x: tensor<1x4x4x2xf32>, %w: tensor<1x1x2x1xf32>) -> tensor<1x4x4x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x4x4x2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %a = tosa.avg_pool2d %xq, %zp, %zp {acc_type = f32, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
     : (tensor<1x4x4x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %aq = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<1x4x4x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.5> : tensor<1x1x2x1xf32>
  %bias = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %c = tosa.depthwise_conv2d %aq, %wq, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
     : (tensor<1x4x4x2xf32>, tensor<1x1x2x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.2> : tensor<1x4x4x2xf32>
  return %y : tensor<1x4x4x2xf32>
}

// -----

// tosa.concat: producers that agree become one qc.concat; producers that
// disagree are requantized to the following quantize's parameters.

// CHECK-LABEL: func.func @tosa_concat
// CHECK:         %[[A:.*]] = qc.quantize %{{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[B:.*]] = qc.quantize %{{.*}} -> tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[C:.*]] = qc.quantize %{{.*}} -> tensor<2x3x!quant.uniform<i8:f32, 3.000000e-01>>
// CHECK:         qc.concat %[[A]], %[[B]] axis 1 : {{.*}} -> tensor<2x5x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[RA:.*]] = qc.requantize %[[A]] : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 3.000000e-01>>
// CHECK:         qc.concat %[[RA]], %[[C]] axis 1 : {{.*}} -> tensor<2x5x!quant.uniform<i8:f32, 3.000000e-01>>
// CHECK-NOT:     tosa.concat
func.func @tosa_concat(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>, %c: tensor<2x3xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.1> : tensor<2x3xf32>
  %qc = qc.fake_quant %c to !quant.uniform<i8:f32, 0.3> : tensor<2x3xf32>
  %x = tosa.concat %qa, %qb {axis = 1 : i32} : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  %y = tosa.concat %qa, %qc {axis = 1 : i32} : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  %yq = qc.fake_quant %y to !quant.uniform<i8:f32, 0.3> : tensor<2x5xf32>
  return %x, %yq : tensor<2x5xf32>, tensor<2x5xf32>
}
