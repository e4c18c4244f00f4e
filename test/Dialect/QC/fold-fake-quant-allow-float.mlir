// RUN: qc-opt %s -split-input-file "--qc-fold-fake-quant=allow-float=false" -verify-diagnostics
// RUN: not qc-opt %s -split-input-file "--qc-fold-fake-quant=allow-float=false" 2>&1 | FileCheck %s

// With allow-float=false (what qc.compile(..., integer_only=True) and the
// C API's integer-only fold use) every op that would stay in float between a
// qc.dequantize and a qc.quantize is an error naming it and the reason, and
// the pass fails. Float work before the first quantize or after the last
// dequantize (pre- and post-processing at the model's edges) is allowed.

// (tanh and every other elementwise function of one value become a
// qc.table; log is NaN below the zero point, so it has no table.)
// CHECK: error: 'linalg.generic' has no integer form here (allow-float=false): the function is NaN at input code -128
func.func @log_between(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  // expected-error@+1 {{'linalg.generic' has no integer form here (allow-float=false): the function is NaN at input code -128}}
  %t = math.log %q : tensor<4xf32>
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

// A 16-bit input (65535 codes above its zero point) over K = 512 weights of
// code 127: the products alone can reach 512 * 65535 * 127 = 4261347840,
// beyond i32 before any bias; the reason says so instead of naming a bias
// room that would be negative (calibration limits a 16-bit activation's
// codes to keep this within 2^30: docs/MixedPrecision.md).
// CHECK: error: 'linalg.matmul' has no integer form here (allow-float=false): the products of channel 0 can reach 4261347840 (max|a - z_a| * sum_k |b[k, c] - z_b[c]|), beyond 2^31 - 1 before the bias is added (narrow the input's or the weight's code range)
// CHECK: error: 'arith.addf' has no integer form here (allow-float=false): it follows 'linalg.matmul', which stays in float
func.func @wide_input_products_overflow(%x: tensor<2x512xf32>) -> tensor<2x3xf32> {
  %q = quant.qcast %x : tensor<2x512xf32> to tensor<2x512x!quant.uniform<i16:f32, 0.002:-32768>>
  %d = quant.dcast %q : tensor<2x512x!quant.uniform<i16:f32, 0.002:-32768>> to tensor<2x512xf32>
  %wi = arith.constant dense<127> : tensor<512x3xi8>
  %ws = quant.scast %wi : tensor<512x3xi8> to tensor<512x3x!quant.uniform<i8<-127:127>:f32:1, {0.1, 0.1, 0.1}>>
  %w = quant.dcast %ws : tensor<512x3x!quant.uniform<i8<-127:127>:f32:1, {0.1, 0.1, 0.1}>> to tensor<512x3xf32>
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  // expected-error@+1 {{'linalg.matmul' has no integer form here (allow-float=false): the products of channel 0 can reach 4261347840}}
  %mm = linalg.matmul ins(%d, %w : tensor<2x512xf32>, tensor<512x3xf32>) outs(%zero : tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = arith.constant dense<[[0.1, 0.0, 5.0], [0.1, 0.0, 5.0]]> : tensor<2x3xf32>
  // expected-error@+1 {{'arith.addf' has no integer form here (allow-float=false): it follows 'linalg.matmul', which stays in float}}
  %a = arith.addf %mm, %b : tensor<2x3xf32>
  %y = qc.fake_quant %a to !quant.uniform<i8:f32, 0.5> : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// An op between the boundaries that neither reads a dequantize nor feeds a
// quantize directly (the middle of a float chain) is named as well. (The
// chain starts with a column broadcast no qc op takes; functions of one
// dequantized value would fuse into one qc.table instead.)
func.func @middle_of_float_chain(%a: tensor<2x3xf32>, %b: tensor<2xf32>) -> tensor<2x3xf32> {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<2x3xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.1> : tensor<2xf32>
  %e0 = tensor.empty() : tensor<2x3xf32>
  // expected-error@+1 {{'linalg.generic' has no integer form here}}
  %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%qa, %qb : tensor<2x3xf32>, tensor<2xf32>) outs(%e0 : tensor<2x3xf32>) {
  ^bb0(%u: f32, %v: f32, %o: f32):
    %r = arith.addf %u, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x3xf32>
  // expected-error@+1 {{'linalg.generic' has no integer form here (allow-float=false): it follows 'linalg.generic', which stays in float}}
  %e = math.exp %t : tensor<2x3xf32>
  // expected-error@+1 {{'linalg.generic' has no integer form here}}
  %s = math.sqrt %e : tensor<2x3xf32>
  %y = qc.fake_quant %s to !quant.uniform<i8:f32, 0.01> : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
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
