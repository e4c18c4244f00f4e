// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant -verify-diagnostics
// RUN: not qc-opt %s -split-input-file --qc-fold-fake-quant 2>&1 | FileCheck %s

// Inconsistent quantization parameters give a diagnostic at the op and a
// non-zero exit (second RUN line), never a crash. Most are caught when the
// input is parsed and verified, before the pass runs; the requantization
// multiplier is checked by the pass.

// CHECK: error: 'qc.fake_quant' op quantized type zero point 200 is outside the storage range [-128, 127]
func.func @zero_point_outside_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'qc.fake_quant' op quantized type zero point 200 is outside the storage range [-128, 127]}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:200> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @negative_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{scale -1.000000e-01 out of expressed type range}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, -0.1> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @zero_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{scale 0.000000e+00 out of expressed type range}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.0> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @nan_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'qc.fake_quant' op quantized type scale must be finite and > 0}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0x7FF8000000000000> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @nan_min_max(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'qc.fake_quant' op min/max must be finite}}
  %0 = qc.fake_quant %x {min = array<f64: 0x7FF8000000000000>, max = array<f64: 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @per_axis_size_mismatch(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error@+1 {{'qc.fake_quant' op quantized type has 3 per-axis parameters but dimension 1 has size 2}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}> : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @per_axis_min_max_mismatch(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{'qc.fake_quant' op has 2 min/max pairs but dimension 1 has size 3}}
  %0 = qc.fake_quant %x {min = array<f64: -1.0, -2.0>, max = array<f64: 1.0, 2.0>, axis = 1 : i64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @integer_tensor(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error@+1 {{'qc.fake_quant' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @qcast_per_axis_mismatch(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error@+1 {{quantized dimension size does not match number of scales}}
  %q = quant.qcast %x : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>
  %d = quant.dcast %q : tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>> to tensor<2x2xf32>
  return %d : tensor<2x2xf32>
}

// -----

// f64 scales can make s_in * s_w / s_out overflow to infinity: there is no
// fixed-point multiplier for it, so the pass fails at the op.
// CHECK: error: 'qc.matmul' op requantization multiplier INF (s_in * s_w / s_out) is not finite
func.func @multiplier_overflow(%x: tensor<1x1xf64>, %w: tensor<1x1xf64>) -> tensor<1x1xf64> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f64, 1.0e300> : tensor<1x1xf64>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f64, 1.0e300> : tensor<1x1xf64>
  %zero = arith.constant dense<0.0> : tensor<1x1xf64>
  // expected-error@+1 {{'qc.matmul' op requantization multiplier INF (s_in * s_w / s_out) is not finite: the scales are inconsistent}}
  %m = linalg.matmul ins(%xq, %wq : tensor<1x1xf64>, tensor<1x1xf64>) outs(%zero : tensor<1x1xf64>) -> tensor<1x1xf64>
  %y = qc.fake_quant %m to !quant.uniform<i8:f64, 1.0> : tensor<1x1xf64>
  return %y : tensor<1x1xf64>
}

