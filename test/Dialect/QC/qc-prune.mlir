// RUN: qc-opt %s -split-input-file --qc-prune="sparsity=0.9" -verify-diagnostics | FileCheck %s --check-prefix=U90
// RUN: qc-opt %s -split-input-file --qc-prune="pattern=2:4" 2>/dev/null | FileCheck %s --check-prefix=NM
// RUN: qc-opt %s -split-input-file --qc-prune="pattern=channel sparsity=0.5" 2>/dev/null | FileCheck %s --check-prefix=CH
// RUN: qc-opt %s -split-input-file --qc-prune="pattern=2x2 sparsity=0.5" 2>/dev/null | FileCheck %s --check-prefix=BLK
// The pass's statistics (docs/Embedding.md) add up the remarks below: four
// weights of 16 + 8 + 16 + 8 elements, 14 + 7 + 14 + 6 of them zero.
// RUN: qc-opt %s -split-input-file --qc-prune="sparsity=0.9" --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... qc pass statistics ...
// STATS:      {{^}}qc-prune{{$}}
// STATS-NEXT:   (S) 4 pruned-weights
// STATS-NEXT:   (S) 48 weight-elements
// STATS-NEXT:   (S) 41 zero-elements
// The element-exact rule (every pattern, both scopes) is checked against
// numpy in test/python/prune_reference.py; this file checks the IR around it.

// Float weight straight into linalg.matmul. Magnitudes 1..16: 0.9 * 16 = 14.4
// rounds to 14 zeros, the two largest (15, 16) stay.
// U90-LABEL: func.func @float_matmul
// U90: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [-1.500000e+01, 1.600000e+01]]> : tensor<8x2xf32>
// NM-LABEL: func.func @float_matmul
// NM: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [5.000000e+00, -6.000000e+00], [7.000000e+00, 8.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [1.300000e+01, -1.400000e+01], [-1.500000e+01, 1.600000e+01]]> : tensor<8x2xf32>
// CH-LABEL: func.func @float_matmul
// CH: arith.constant dense<{{\[}}[0.000000e+00, 2.000000e+00], [0.000000e+00, -4.000000e+00]
// BLK-LABEL: func.func @float_matmul
// BLK: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [9.000000e+00
func.func @float_matmul(%x: tensor<4x8xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, -4.0], [5.0, -6.0], [7.0, 8.0], [9.0, 10.0], [11.0, -12.0], [13.0, -14.0], [-15.0, 16.0]]> : tensor<8x2xf32>
  // expected-remark@+1 {{qc-prune: unstructured, sparsity 0.875 (14 of 16 weights zero)}}
  %r = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Prune, then quantize: the float constant before qc.fake_quant is pruned and
// the fake quantization stays.
// U90-LABEL: func.func @through_fake_quant
// U90: %[[W:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, -8.000000e+00]]> : tensor<4x2xf32>
// U90: %[[F:.*]] = qc.fake_quant %[[W]]
// U90: linalg.matmul ins(%{{.*}}, %[[F]] :
func.func @through_fake_quant(%x: tensor<4x4xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, -4.0], [5.0, -6.0], [7.0, -8.0]]> : tensor<4x2xf32>
  %f = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<4x2xf32>
  // expected-remark@+1 {{qc-prune: unstructured, sparsity 0.875 (7 of 8 weights zero)}}
  %r = linalg.matmul ins(%x, %f : tensor<4x4xf32>, tensor<4x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Quantized weight with zero point 0: the i8 codes are pruned by real
// magnitude |code| * scale (so -14 * 0.02 outranks -15 * 0.01), the
// storage cast stays.
// U90-LABEL: func.func @quantized
// U90: %[[C:.*]] = arith.constant dense<{{\[}}[0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, -14], [0, 127]]> : tensor<8x2xi8>
// U90: %[[W:.*]] = quant.scast %[[C]]
// U90: qc.matmul %{{.*}}, %[[W]]
func.func @quantized(%a: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[1, 2], [3, -4], [5, -6], [7, 8], [9, 10], [11, -12], [13, -14], [-15, 127]]> : tensor<8x2xi8>
  %w = quant.scast %c : tensor<8x2xi8> to tensor<8x2x!quant.uniform<i8:f32:1, {0.01, 0.02}>>
  // expected-remark@+1 {{qc-prune: unstructured, sparsity 0.875 (14 of 16 weights zero)}}
  %y = qc.matmul %a, %w : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x2x!quant.uniform<i8:f32:1, {0.01, 0.02}>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<2x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// The per-op attribute overrides the options: 1:4 here whatever the pass says.
// U90-LABEL: func.func @override
// U90: arith.constant dense<{{\[\[\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [7.000000e+00, -8.000000e+00]]]]> : tensor<1x1x4x2xf32>
// CH-LABEL: func.func @override
// CH: arith.constant dense<{{\[\[\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [7.000000e+00, -8.000000e+00]]]]> : tensor<1x1x4x2xf32>
func.func @override(%x: tensor<1x6x6x4xf32>, %o: tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0], [3.0, -4.0], [5.0, -6.0], [7.0, -8.0]]]]> : tensor<1x1x4x2xf32>
  // expected-remark@+1 {{qc-prune: 1:4, sparsity 0.750 (6 of 8 weights zero)}}
  %r = linalg.conv_2d_nhwc_hwcf {qc.prune = {pattern = "1:4"}} ins(%x, %w : tensor<1x6x6x4xf32>, tensor<1x1x4x2xf32>) outs(%o : tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32>
  return %r : tensor<1x6x6x2xf32>
}

// -----

// NOTE: the weight is a function argument, not a constant: nothing to prune.
// U90-LABEL: func.func @not_constant
// U90: linalg.matmul ins(%{{.*}}, %arg1 :
func.func @not_constant(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// NOTE: a non-zero zero point makes code 0 a non-zero real weight: pruning
// codes would change the model, so the weight is left alone with a remark.
// U90-LABEL: func.func @zero_point
// U90: arith.constant dense<{{\[}}[1, 2], [3, -4]]> : tensor<2x2xi8>
func.func @zero_point(%a: tensor<2x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[1, 2], [3, -4]]> : tensor<2x2xi8>
  %w = quant.scast %c : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32, 0.01:1>>
  // expected-remark@+1 {{qc-prune: weight has a non-zero zero point; not pruned}}
  %y = qc.matmul %a, %w : tensor<2x2x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x2x!quant.uniform<i8:f32, 0.01:1>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<2x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// NOTE: `pattern = "none"` opts an op out.
// U90-LABEL: func.func @opt_out
// U90: arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, -4.000000e+00]]>
func.func @opt_out(%x: tensor<4x2xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, -4.0]]> : tensor<2x2xf32>
  %r = linalg.matmul {qc.prune = {pattern = "none"}} ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}


// -----

// NOTE: `{disable}` (the key every per-op override takes) opts out too.
// U90-LABEL: func.func @opt_out_disable
// U90: arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, -4.000000e+00]]>
func.func @opt_out_disable(%x: tensor<4x2xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, -4.0]]> : tensor<2x2xf32>
  %r = linalg.matmul {qc.prune = {disable}} ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}
