// RUN: qc-opt %s --qc-weight-sharing=clusters=3 -split-input-file -verify-diagnostics | FileCheck %s
// The pass's statistics add up the remarks below: four weights clustered
// (3 + 3 + 3 + 2x2 centroids; 16 + 1.5 + 2 + 0 bytes saved once packed), one
// already at most 8 values.
// RUN: qc-opt %s --qc-weight-sharing=clusters=3 -split-input-file --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... qc pass statistics ...
// STATS:      {{^}}qc-weight-sharing{{$}}
// STATS-NEXT:   (S) 19 bytes-saved
// STATS-NEXT:   (S) 4 clustered-weights
// STATS-NEXT:   (S) 13 codebook-entries
// STATS-NEXT:   (S) 1 unchanged-weights

// Three obvious clusters {0, 0.05, 0.1}, {5, 5.2}, {9.9, 10, 10.1}.
// CHECK-LABEL: func @float_matmul
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[5.000000e-02, 5.000000e-02, 5.100000e+00, 5.100000e+00], [5.000000e-02, 1.000000e+01, 1.000000e+01, 1.000000e+01]]> : tensor<2x4xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] :
func.func @float_matmul(%a: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %w = arith.constant dense<[[0.0, 0.1, 5.0, 5.2], [0.05, 10.0, 10.1, 9.9]]> : tensor<2x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  // expected-remark@+1 {{qc-weight-sharing: 3 clusters per tensor (u4 indices, float codebook): 8 weights, 32.0 -> 16.0 bytes, inertia}}
  %r = linalg.matmul ins(%a, %w : tensor<3x2xf32>, tensor<2x4xf32>) outs(%i : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

// Quantized codes, clustered in the quantized domain: the centroids are
// rounded to codes ({-100, -98} -> -99, {3, 4, 6} -> 4 after rounding
// 4.33, {120, 121} -> 120 (120.5 rounds to even)).
// CHECK-LABEL: func @quantized_matmul
// CHECK: %[[C:.*]] = arith.constant dense<{{\[}}[-99, -99, 4], [4, 4, 120], [120, 4, -99]]> : tensor<3x3xi8>
// CHECK: %[[S:.*]] = quant.scast %[[C]]
// CHECK: qc.matmul %{{.*}}, %[[S]]
func.func @quantized_matmul(%a: tensor<2x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x3x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[-100, -98, 3], [4, 6, 120], [121, 4, -99]]> : tensor<3x3xi8>
  %w = quant.scast %c : tensor<3x3xi8> to tensor<3x3x!quant.uniform<i8:f32, 0.02>>
  // expected-remark@+1 {{qc-weight-sharing: 3 clusters per tensor (u4 indices, codebook of codes): 9 weights, 9.0 -> 7.5 bytes}}
  %y = qc.matmul %a, %w : tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<3x3x!quant.uniform<i8:f32, 0.02>> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<2x3x!quant.uniform<i8:f32, 0.5>>
}

// -----

// Through qc.fake_quant (before --qc-fold-fake-quant): the float values are
// clustered and the fake quantization kept.
// CHECK-LABEL: func @fake_quant_conv
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<1x1x2x2xf32>
// CHECK: %[[F:.*]] = qc.fake_quant %[[W]]
// CHECK: linalg.conv_2d_nhwc_hwcf{{.*}} ins(%{{.*}}, %[[F]] :
func.func @fake_quant_conv(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w0 = arith.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %w = qc.fake_quant %w0 to !quant.uniform<i8:f32, 0.05> : tensor<1x1x2x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  // expected-remark@+1 {{qc-weight-sharing: 3 clusters per tensor}}
  %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>) outs(%i : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  return %r : tensor<1x4x4x2xf32>
}

// -----

// Per-op overrides: `disable`, and more clusters than distinct values
// (reported, unchanged). A weight that is not a constant is not a candidate.
// CHECK-LABEL: func @overrides
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]>
// CHECK: linalg.matmul {qc.weight_sharing = {disable}} ins(%{{.*}}, %[[W]]
// CHECK: linalg.matmul {qc.weight_sharing = {clusters = 8 : i64}} ins(%{{.*}}, %[[W]]
func.func @overrides(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %r0 = linalg.matmul {qc.weight_sharing = {disable}} ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark@+1 {{qc-weight-sharing: 8 clusters per tensor (u4 indices, float codebook): 4 weights, 16.0 -> 18.0 bytes, inertia 0.000000e+00 (relative 0.000000e+00), largest codebook 4; already at most 8 distinct values, unchanged}}
  %r1 = linalg.matmul {qc.weight_sharing = {clusters = 8}} ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  %r2 = linalg.matmul ins(%a, %b : tensor<2x2xf32>, tensor<2x2xf32>) outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r0, %r1, %r2 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// One codebook per output channel (last dimension), per-axis scales: each
// column of 4 codes gets 2 centroids of its own.
// CHECK-LABEL: func @per_channel
// CHECK: arith.constant dense<{{\[}}[-51, 10], [-51, 10], [100, 31], [100, 31]]> : tensor<4x2xi8>
func.func @per_channel(%a: tensor<2x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[-50, 10], [-52, 11], [100, 30], [99, 32]]> : tensor<4x2xi8>
  %w = quant.scast %c : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8:f32:1, {0.02, 0.03}>>
  // expected-remark@+1 {{qc-weight-sharing: 2 clusters per channel (u4 indices, codebook of codes): 8 weights, 8.0 -> 8.0 bytes}}
  %y = qc.matmul %a, %w {qc.weight_sharing = {clusters = 2, granularity = "channel"}} : tensor<2x4x!quant.uniform<i8:f32, 0.1>>, tensor<4x2x!quant.uniform<i8:f32:1, {0.02, 0.03}>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<2x2x!quant.uniform<i8:f32, 0.5>>
}
