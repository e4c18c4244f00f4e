// RUN: qc-opt %s -split-input-file "--qc-fold-fake-quant=allow-float=false" -verify-diagnostics
// RUN: not qc-opt %s -split-input-file "--qc-fold-fake-quant=allow-float=false" 2>&1 | FileCheck %s

// With allow-float=false (what qc.compile(..., integer_only=True) and the
// C API's integer-only fold use) every op that would stay in float between a
// qc.dequantize and a qc.quantize is an error naming it and the reason, and
// the pass fails. Float work before the first quantize or after the last
// dequantize (pre- and post-processing at the model's edges) is allowed.

// CHECK: error: 'math.tanh' has no integer form here (allow-float=false): no integer form for this op
func.func @tanh_between(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  // expected-error@+1 {{'math.tanh' has no integer form here (allow-float=false): no integer form for this op}}
  %t = math.tanh %q : tensor<4xf32>
  %y = qc.fake_quant %t to !quant.uniform<i8:f32, 0.01> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// A live channel (weights 3, 6, 9, 12 at scale 1e-6) whose bias 5.0 is
// 2.5e9 steps of s_in * s_w: no i32 accumulator holds it, so the layer has
// no integer form; the reason names the channel, the scale and the bound.
// The bias add after the matmul is named too.
// CHECK: error: 'linalg.matmul' has no integer form here (allow-float=false): the bias 5 of channel 2 is 2500000000 steps of s_in * s_w = 2e-09, beyond the 2147479807 that the i32 accumulator holds next to the products (2^31 - 1 - 3840)
// CHECK: error: 'arith.addf' has no integer form here (allow-float=false): it follows 'linalg.matmul', which stays in float
func.func @live_bias_overflow(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.002>>
  %d = quant.dcast %q : tensor<2x4x!quant.uniform<i8:f32, 0.002>> to tensor<2x4xf32>
  %wi = arith.constant dense<[[1, 0, 3], [4, 0, 6], [7, 0, 9], [10, 0, 12]]> : tensor<4x3xi8>
  %ws = quant.scast %wi : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 1.1920929e-07, 1.0e-6}>>
  %w = quant.dcast %ws : tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 1.1920929e-07, 1.0e-6}>> to tensor<4x3xf32>
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  // expected-error@+1 {{'linalg.matmul' has no integer form here (allow-float=false): the bias 5 of channel 2}}
  %mm = linalg.matmul ins(%d, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%zero : tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = arith.constant dense<[[0.1, 0.0, 5.0], [0.1, 0.0, 5.0]]> : tensor<2x3xf32>
  // expected-error@+1 {{'arith.addf' has no integer form here (allow-float=false): it follows 'linalg.matmul', which stays in float}}
  %a = arith.addf %mm, %b : tensor<2x3xf32>
  %yq = quant.qcast %a : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.05:-128>>
  %y = quant.dcast %yq : tensor<2x3x!quant.uniform<i8:f32, 0.05:-128>> to tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// An op between the boundaries that neither reads a dequantize nor feeds a
// quantize directly (the middle of a float chain) is named as well.
func.func @middle_of_float_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  // expected-error@+1 {{'math.tanh' has no integer form here}}
  %t = math.tanh %q : tensor<4xf32>
  // expected-error@+1 {{'math.exp' has no integer form here (allow-float=false): it follows 'math.tanh', which stays in float}}
  %e = math.exp %t : tensor<4xf32>
  // expected-error@+1 {{'math.sqrt' has no integer form here}}
  %s = math.sqrt %e : tensor<4xf32>
  %y = qc.fake_quant %s to !quant.uniform<i8:f32, 0.01> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Float pre-processing before the first quantize and post-processing after
// the last dequantize are outside the quantized region: no error.
func.func @float_edges(%x: tensor<4xf32>) -> tensor<4xf32> {
  %two = arith.constant dense<2.0> : tensor<4xf32>
  %pre = arith.mulf %x, %two : tensor<4xf32>
  %q = qc.fake_quant %pre to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %r = arith.maximumf %q, %two : tensor<4xf32>
  %y = qc.fake_quant %r to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %post = math.exp %y : tensor<4xf32>
  return %post : tensor<4xf32>
}
