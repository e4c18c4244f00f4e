// RUN: qc-opt %s -split-input-file "--qc-fold-fake-quant=report=true allow-float=false" -verify-diagnostics | FileCheck %s

// Dead channels (all weights zero, scale float32 eps as PyTorch's observers
// give them), per-channel scales 10^7 apart and requantization multipliers
// down to 2^-31 are ordinary: every layer below becomes integer
// (allow-float=false would fail otherwise), with the multipliers and shifts
// in the report remarks.

// A fused bias + ReLU6 generic (elementwise fusion's output) is split into
// the bias add and the clamp the matchers know. Channel 1 is dead (eps),
// channel 2 has scale eps * 10^7: the multipliers are 0.02 * s_w / 0.05,
// the eps one 4.77e-8 (shift -24). The dead channel's bias 1.0 is
// 419430398 steps of 0.02 * eps.
// CHECK-LABEL: func.func @fused_bias_relu6
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[50, 419430398, 0]> : tensor<3xi32>
// CHECK:         qc.matmul %{{.*}}, %{{.*}} bias %{{.*}} clamp [-128, -8] :
// CHECK-NOT:     linalg.generic
// expected-remark@+1 {{qc-fold-fake-quant: 1 integer op(s), 0 op(s) stayed float}}
func.func @fused_bias_relu6(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %c0 = arith.constant 0.0 : f32
  %c6 = arith.constant 6.0 : f32
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.02>>
  %d = quant.dcast %q : tensor<2x4x!quant.uniform<i8:f32, 0.02>> to tensor<2x4xf32>
  %wi = arith.constant dense<[[1, 0, 3], [4, 0, -6], [-7, 0, 9], [10, 0, 12]]> : tensor<4x3xi8>
  %ws = quant.scast %wi : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 1.1920929e-07, 1.1920929}>>
  %w = quant.dcast %ws : tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 1.1920929e-07, 1.1920929}>> to tensor<4x3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%c0 : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-remark@+1 {{requantization (double_round): real [0.04, 4.7683716e-08, 0.47683716] (s_in * s_w / s_out) -> multiplier [1374389535, 1717986925, 2048000008] shift [-4, -24, -1]}}
  %mm = linalg.matmul ins(%d, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = arith.constant dense<[0.1, 1.0, 0.0]> : tensor<3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<2x3xf32>, tensor<3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %lo = arith.maximumf %s, %c0 : f32
    %hi = arith.minimumf %lo, %c6 : f32
    linalg.yield %hi : f32
  } -> tensor<2x3xf32>
  %yq = quant.qcast %r : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.05:-128>>
  %y = quant.dcast %yq : tensor<2x3x!quant.uniform<i8:f32, 0.05:-128>> to tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// ReLU as the named linalg.max with a zero tensor, after a bias add on whole
// tensors; the multiplier of the eps channel is 2^-31 * 1.2 (shift -31),
// the smallest that does not flush to zero. Its bias 0.25 is 2097151992
// steps, which fit next to the products (|sum| <= 128 * 200).
// CHECK-LABEL: func.func @linalg_max_relu
// CHECK-DAG:     arith.constant dense<[5000, 2097151992]> : tensor<2xi32>
// CHECK:         qc.matmul %{{.*}}, %{{.*}} bias %{{.*}} clamp [-5, 127] :
// CHECK-NOT:     linalg.max
// expected-remark@+1 {{qc-fold-fake-quant: 1 integer op(s), 0 op(s) stayed float}}
func.func @linalg_max_relu(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %c0 = arith.constant 0.0 : f32
  %q = quant.qcast %x : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.001>>
  %d = quant.dcast %q : tensor<2x2x!quant.uniform<i8:f32, 0.001>> to tensor<2x2xf32>
  %wi = arith.constant dense<[[1, 100], [-2, -100]]> : tensor<2x2xi8>
  %ws = quant.scast %wi : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 1.1920929e-07}>>
  %w = quant.dcast %ws : tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 1.1920929e-07}>> to tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%c0 : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark@+1 {{real [0.000333333333, 3.973643e-10] (s_in * s_w / s_out) -> multiplier [1466015504, 1832519387] shift [-11, -31]}}
  %mm = linalg.matmul ins(%d, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  %b = arith.constant dense<[[0.5, 0.25], [0.5, 0.25]]> : tensor<2x2xf32>
  %a = linalg.add ins(%mm, %b : tensor<2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = linalg.max ins(%a, %f : tensor<2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %yq = quant.qcast %r : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.3:-5>>
  %y = quant.dcast %yq : tensor<2x2x!quant.uniform<i8:f32, 0.3:-5>> to tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// ReLU as linalg.map; no bias.
// CHECK-LABEL: func.func @linalg_map_relu
// CHECK:         qc.matmul %{{.*}}, %{{.*}} clamp [3, 127] :
// CHECK-NOT:     linalg.map
// expected-remark@+1 {{qc-fold-fake-quant: 1 integer op(s), 0 op(s) stayed float}}
func.func @linalg_map_relu(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %c0 = arith.constant 0.0 : f32
  %q = quant.qcast %x : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.02>>
  %d = quant.dcast %q : tensor<2x2x!quant.uniform<i8:f32, 0.02>> to tensor<2x2xf32>
  %wi = arith.constant dense<[[1, 0], [-2, 0]]> : tensor<2x2xi8>
  %ws = quant.scast %wi : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 1.1920929e-07}>>
  %w = quant.dcast %ws : tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 1.1920929e-07}>> to tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%c0 : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark@+1 {{shift [-4, -24]}}
  %mm = linalg.matmul ins(%d, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = linalg.map ins(%mm : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>)
    (%in: f32, %out: f32) {
      %m = arith.maximumf %in, %c0 : f32
      linalg.yield %m : f32
    }
  %yq = quant.qcast %r : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.05:3>>
  %y = quant.dcast %yq : tensor<2x2x!quant.uniform<i8:f32, 0.05:3>> to tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// The bias as QDQ graphs (ONNX, PT2E) carry it: i32 codes with scale
// s_in * s_w behind quant.scast + quant.dcast. Its real values (code x scale,
// in double) requantize to the same codes, including the dead channel's
// 41943040 steps of 0.02 * eps.
// CHECK-LABEL: func.func @qdq_i32_bias
// CHECK-DAG:     arith.constant dense<[1000, 41943040]> : tensor<2xi32>
// CHECK:         qc.matmul %{{.*}}, %{{.*}} bias %{{.*}} :
// CHECK-NOT:     quant.dcast
// expected-remark@+1 {{qc-fold-fake-quant: 1 integer op(s), 0 op(s) stayed float}}
func.func @qdq_i32_bias(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %c0 = arith.constant 0.0 : f32
  %q = quant.qcast %x : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.02>>
  %d = quant.dcast %q : tensor<2x2x!quant.uniform<i8:f32, 0.02>> to tensor<2x2xf32>
  %wi = arith.constant dense<[[1, 0], [-2, 0]]> : tensor<2x2xi8>
  %ws = quant.scast %wi : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 1.1920928955078125e-07}>>
  %w = quant.dcast %ws : tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 1.1920928955078125e-07}>> to tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%c0 : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark@+1 {{shift [-4, -24]}}
  %mm = linalg.matmul ins(%d, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  %bi = arith.constant dense<[1000, 41943040]> : tensor<2xi32>
  %bs = quant.scast %bi : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {0.002, 2.384185791015625e-09}>>
  %b = quant.dcast %bs : tensor<2x!quant.uniform<i32:f32:0, {0.002, 2.384185791015625e-09}>> to tensor<2xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<2x2xf32>, tensor<2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%in: f32, %c: f32, %o: f32):
    %s = arith.addf %in, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x2xf32>
  %yq = quant.qcast %a : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.05>>
  %y = quant.dcast %yq : tensor<2x2x!quant.uniform<i8:f32, 0.05>> to tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A dead channel whose bias is more steps of s_in * eps than i32 holds
// (6.0 / (0.002 * 2^-23) = 2.5e10): its weights are all zero under any
// scale, so the scale is doubled until the bias fits (x16 here); its
// multiplier grows alike. A live channel in the same place stays float
// (fold-fake-quant-rejected.mlir).
// CHECK-LABEL: func.func @dead_channel_large_bias
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[50, 1572864000]> : tensor<2xi32>
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{\[}}[1, 0], [-2, 0]]> : tensor<2x2xi8>
// CHECK:         quant.scast %[[W]] : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32:1, {1.000000e-01,1.9073486328125E-6}>>
// CHECK:         qc.matmul
// expected-remark@+1 {{qc-fold-fake-quant: 1 integer op(s), 0 op(s) stayed float}}
func.func @dead_channel_large_bias(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %c0 = arith.constant 0.0 : f32
  %q = quant.qcast %x : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.002>>
  %d = quant.dcast %q : tensor<2x2x!quant.uniform<i8:f32, 0.002>> to tensor<2x2xf32>
  %wi = arith.constant dense<[[1, 0], [-2, 0]]> : tensor<2x2xi8>
  %ws = quant.scast %wi : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 1.1920928955078125e-07}>>
  %w = quant.dcast %ws : tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 1.1920928955078125e-07}>> to tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%c0 : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark@+1 {{real [0.004, 7.62939453e-08] (s_in * s_w / s_out) -> multiplier [1099511628, 1374389535] shift [-7, -23]}}
  %mm = linalg.matmul ins(%d, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  %b = arith.constant dense<[[0.01, 6.0], [0.01, 6.0]]> : tensor<2x2xf32>
  %a = arith.addf %mm, %b : tensor<2x2xf32>
  %yq = quant.qcast %a : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.05>>
  %y = quant.dcast %yq : tensor<2x2x!quant.uniform<i8:f32, 0.05>> to tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
