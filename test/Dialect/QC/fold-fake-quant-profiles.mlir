// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant=report=true -verify-diagnostics | FileCheck %s --check-prefix=DOUBLE
// RUN: qc-opt %s -split-input-file "--qc-fold-fake-quant=profile=single_round report=true" -verify-diagnostics | FileCheck %s --check-prefix=SINGLE
// RUN: qc-opt %s -split-input-file "--qc-fold-fake-quant=profile=single_round report=true" 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// The requantization parameters of every created op, as numerics::
// quantizeMultiplier computes them (TFLite QuantizeMultiplier:
// M = m * 2^(shift - 31), m in [2^30, 2^31)). Cross-checked with
// python/qc/reference.py quantize_multiplier. The profile option only
// changes the `profile` attribute; the (m, shift) pairs are the same.

// Scales above one: M = 1.0 * 1.0 / 0.25 = 4 and M = 2.0 * 1.0 / 0.001 = 2000.

// DOUBLE-LABEL: func.func @multiplier_above_one
// DOUBLE:         qc.matmul %{{.*}}, %{{.*}} : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 2.500000e-01>>
// DOUBLE-NOT:     profile
// SINGLE-LABEL: func.func @multiplier_above_one
// SINGLE:         qc.matmul %{{.*}}, %{{.*}} profile <single_round> :
// SINGLE:         qc.matmul %{{.*}}, %{{.*}} profile <single_round> :
// expected-remark@+1 {{qc-fold-fake-quant: 2 integer op(s), 0 op(s) stayed float}}
func.func @multiplier_above_one(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 1.0> : tensor<2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 1.0> : tensor<2x2xf32>
  %zero = arith.constant dense<0.0> : tensor<2x2xf32>
  // REMARK: remark: requantization (single_round): real [4] (s_in * s_w / s_out) -> multiplier [1073741824] shift [3]
  // REMARK: remark: requantization (single_round): real [2000]
  // REMARK: remark: qc-fold-fake-quant: 2 integer op(s), 0 op(s) stayed float
  // expected-remark@+1 {{real [4] (s_in * s_w / s_out) -> multiplier [1073741824] shift [3]}}
  %m = linalg.matmul ins(%xq, %wq : tensor<2x2xf32>, tensor<2x2xf32>) outs(%zero : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.25> : tensor<2x2xf32>
  %x2 = qc.fake_quant %x to !quant.uniform<i8:f32, 2.0> : tensor<2x2xf32>
  // expected-remark@+1 {{real [2000] (s_in * s_w / s_out) -> multiplier [2097152000] shift [11]}}
  %m2 = linalg.matmul ins(%x2, %wq : tensor<2x2xf32>, tensor<2x2xf32>) outs(%zero : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y2 = qc.fake_quant %m2 to !quant.uniform<i8:f32, 0.001> : tensor<2x2xf32>
  return %y, %y2 : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// Tiny multipliers: 1e-15 is below 2^-32 and flushes to (0, 0); 3e-10 is
// just above and keeps shift -31. Huge: 5e9 >= 2^31 saturates to
// (2^31 - 1, 30).

// DOUBLE-LABEL: func.func @multiplier_tiny_and_huge
// SINGLE-LABEL: func.func @multiplier_tiny_and_huge
// expected-remark@+1 {{3 integer op(s)}}
func.func @multiplier_tiny_and_huge(%x: tensor<1x1xf32>, %w: tensor<1x1xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>) {
  %zero = arith.constant dense<0.0> : tensor<1x1xf32>
  %x1 = qc.fake_quant %x to !quant.uniform<i8:f32, 1.0e-10> : tensor<1x1xf32>
  %w1 = qc.fake_quant %w to !quant.uniform<i8:f32, 1.0e-5> : tensor<1x1xf32>
  // expected-remark@+1 {{real [1e-15] (s_in * s_w / s_out) -> multiplier [0] shift [0]}}
  %m1 = linalg.matmul ins(%x1, %w1 : tensor<1x1xf32>, tensor<1x1xf32>) outs(%zero : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y1 = qc.fake_quant %m1 to !quant.uniform<i8:f32, 1.0> : tensor<1x1xf32>
  %x2 = qc.fake_quant %x to !quant.uniform<i8:f32, 3.0e-5> : tensor<1x1xf32>
  // expected-remark@+1 {{real [3e-10] (s_in * s_w / s_out) -> multiplier [1383505806] shift [-31]}}
  %m2 = linalg.matmul ins(%x2, %w1 : tensor<1x1xf32>, tensor<1x1xf32>) outs(%zero : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y2 = qc.fake_quant %m2 to !quant.uniform<i8:f32, 1.0> : tensor<1x1xf32>
  %x3 = qc.fake_quant %x to !quant.uniform<i8:f32, 1.0e5> : tensor<1x1xf32>
  %w3 = qc.fake_quant %w to !quant.uniform<i8:f32, 1.0e5> : tensor<1x1xf32>
  // expected-remark@+1 {{real [5e+09] (s_in * s_w / s_out) -> multiplier [2147483647] shift [30]}}
  %m3 = linalg.matmul ins(%x3, %w3 : tensor<1x1xf32>, tensor<1x1xf32>) outs(%zero : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y3 = qc.fake_quant %m3 to !quant.uniform<i8:f32, 2.0> : tensor<1x1xf32>
  return %y1, %y2, %y3 : tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>
}

// -----

// Per-channel arrays: one (m, shift) per output channel.

// DOUBLE-LABEL: func.func @multiplier_per_channel
// SINGLE-LABEL: func.func @multiplier_per_channel
// SINGLE:         qc.conv2d {{.*}} profile <single_round>
// expected-remark@+1 {{1 integer op(s)}}
func.func @multiplier_per_channel(%x: tensor<1x1x1x4xf32>) -> tensor<1x1x1x3xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.02> : tensor<1x1x1x4xf32>
  %w = arith.constant dense<1.0> : tensor<1x1x4x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:3, {0.1, 0.2, 0.3}> : tensor<1x1x4x3xf32>
  %zero = arith.constant dense<0.0> : tensor<1x1x1x3xf32>
  // expected-remark@+1 {{real [0.004, 0.008, 0.012] (s_in * s_w / s_out) -> multiplier [1099511628, 1099511628, 1649267442] shift [-7, -6, -6]}}
  %c = linalg.conv_2d_nhwc_hwcf ins(%xq, %wq : tensor<1x1x1x4xf32>, tensor<1x1x4x3xf32>) outs(%zero : tensor<1x1x1x3xf32>) -> tensor<1x1x1x3xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.5> : tensor<1x1x1x3xf32>
  return %y : tensor<1x1x1x3xf32>
}

// -----

// Elementwise ops and requantize: TFLite's add rescales both sides to
// 2 max(s_a, s_b) with L = 20 (8-bit) or 15 (16-bit) bits of headroom.

// DOUBLE-LABEL: func.func @multiplier_elementwise
// SINGLE-LABEL: func.func @multiplier_elementwise
// SINGLE:         qc.add {{.*}} profile <single_round>
// SINGLE:         qc.mul {{.*}} profile <single_round>
// SINGLE:         qc.requantize {{.*}} profile <single_round>
// SINGLE:         qc.add {{.*}} profile <single_round>
// expected-remark@+1 {{4 integer op(s)}}
func.func @multiplier_elementwise(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.2> : tensor<4xf32>
  // expected-remark@+1 {{real [0.25, 0.5, 1.27156576e-06] (s_a / 2max, s_b / 2max, 2max / (2^L s_out)) -> multiplier [1073741824, 1073741824, 1431655765] shift [-1, 0, -19]}}
  %s = arith.addf %qa, %qb : tensor<4xf32>
  %ys = qc.fake_quant %s to !quant.uniform<i8:f32, 0.3> : tensor<4xf32>
  // expected-remark@+1 {{real [0.4] (s_a * s_b / s_out) -> multiplier [1717986918] shift [-1]}}
  %m = arith.mulf %qa, %qb : tensor<4xf32>
  %ym = qc.fake_quant %m to !quant.uniform<i8:f32, 0.05> : tensor<4xf32>
  // expected-remark@+1 {{real [0.333333333] (s_in / s_out) -> multiplier [1431655765] shift [-1]}}
  %r = qc.fake_quant %qa to !quant.uniform<i8:f32, 0.3> : tensor<4xf32>
  %c = qc.fake_quant %a to !quant.uniform<i16:f32, 0.001> : tensor<4xf32>
  %d = qc.fake_quant %b to !quant.uniform<i16:f32, 0.0005> : tensor<4xf32>
  // expected-remark@+1 {{real [0.5, 0.25, 3.05175781e-05] (s_a / 2max, s_b / 2max, 2max / (2^L s_out)) -> multiplier [1073741824, 1073741824, 1073741824] shift [0, -1, -14]}}
  %s16 = arith.addf %c, %d : tensor<4xf32>
  %y16 = qc.fake_quant %s16 to !quant.uniform<i16:f32, 0.002> : tensor<4xf32>
  return %ys, %ym, %r, %y16 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
