// RUN: qc-opt %s -split-input-file --qc-sparsify="nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" -verify-diagnostics | FileCheck %s
// RUN: qc-opt %s -split-input-file --qc-sparsify="target=gpu nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" 2>/dev/null | FileCheck %s --check-prefix=GPU
// RUN: qc-opt %s -split-input-file --qc-sparsify="target=gpu nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" 2>&1 >/dev/null | FileCheck %s --check-prefix=GPU-REMARK
// The pass's statistics (docs/Embedding.md) count the decisions of the
// remarks below: 2 + 1 channels removed, one N:M, two ELL and two dense
// weights.
// RUN: qc-opt %s -split-input-file --qc-sparsify="nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... qc pass statistics ...
// STATS:      {{^}}qc-sparsify{{$}}
// STATS-NEXT:   (S) 2 dense-weights
// STATS-NEXT:   (S) 2 ell-weights
// STATS-NEXT:   (S) 1 nm-weights
// STATS-NEXT:   (S) 3 removed-channels
// Unit kernel costs make the decisions depend on the sparsity structure
// only (0.5 for the scalar kernel, whose cost the model multiplies by the 2
// or 3 rows of these matmuls); qc-sparsify-cost.mlir checks the measured
// default costs.
// Exactness of each rewrite is checked by execution in
// test/python/sparsify_channels.py (qc level) and
// test/Integration/CPU/sparse-matmul.py (linalg level).

// A zero output channel with bias 100 outputs a constant code: it is removed
// from the producer, its row from the consumer's weight, and its share
// (c - z_y) * w2[1, p] = 2 * (4, 5, 6) goes into a new consumer bias.
// CHECK-LABEL: func.func @matmul_chain
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[1, 5], [3, 6], [5, 6], [-7, 8]]> : tensor<4x2xi8>
// CHECK: %[[QW:.*]] = quant.scast %[[W]] : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8:f32:1, {2.000000e-02,3.000000e-02}>>
// CHECK: %[[B:.*]] = arith.constant dense<[10, -20]> : tensor<2xi32>
// CHECK: %[[QB:.*]] = quant.scast %[[B]] : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {2.000000e-03,3.000000e-03}>>
// CHECK: %[[Y:.*]] = qc.matmul %{{.*}}, %[[QW]] bias %[[QB]] : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 2.500000e-01:-5>>
// CHECK: %[[W2:.*]] = arith.constant dense<{{\[}}[1, 2, 3], [7, 8, 9]]> : tensor<2x3xi8>
// CHECK: %[[QW2:.*]] = quant.scast %[[W2]]
// CHECK: %[[B2:.*]] = arith.constant dense<[8, 10, 12]> : tensor<3xi32>
// CHECK: %[[QB2:.*]] = quant.scast %[[B2]] : tensor<3xi32> to tensor<3x!quant.uniform<i32:f32, 1.250000e-01>>
// CHECK: qc.matmul %[[Y]], %[[QW2]] bias %[[QB2]] : tensor<2x2x
func.func @matmul_chain(%a: tensor<2x4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x3x!quant.uniform<i8:f32, 1.0:2>> {
  %c = arith.constant dense<[[1, 0, 5, 0], [3, 0, 6, 0], [5, 0, 6, 0], [-7, 0, 8, 0]]> : tensor<4x4xi8>
  %w = quant.scast %c : tensor<4x4xi8> to tensor<4x4x!quant.uniform<i8:f32:1, {0.02, 0.04, 0.03, 0.05}>>
  %cb = arith.constant dense<[10, 100, -20, 0]> : tensor<4xi32>
  %b = quant.scast %cb : tensor<4xi32> to tensor<4x!quant.uniform<i32:f32:0, {0.002, 0.004, 0.003, 0.005}>>
  // expected-remark@+1 {{qc-sparsify: removed 2 of 4 zero output channels, constant outputs folded into the consumers' biases}}
  %y = qc.matmul %a, %w bias %b : tensor<2x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<4x4x!quant.uniform<i8:f32:1, {0.02, 0.04, 0.03, 0.05}>>, tensor<4x!quant.uniform<i32:f32:0, {0.002, 0.004, 0.003, 0.005}>> -> tensor<2x4x!quant.uniform<i8:f32, 0.25:-5>>
  %c2 = arith.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]> : tensor<4x3xi8>
  %w2 = quant.scast %c2 : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32, 0.5>>
  %z = qc.matmul %y, %w2 : tensor<2x4x!quant.uniform<i8:f32, 0.25:-5>>, tensor<4x3x!quant.uniform<i8:f32, 0.5>> -> tensor<2x3x!quant.uniform<i8:f32, 1.0:2>>
  return %z : tensor<2x3x!quant.uniform<i8:f32, 1.0:2>>
}

// -----

// Without bias the removed channels output the zero point: nothing to fold,
// and a padded convolution consumer is fine.
// CHECK-LABEL: func.func @conv_chain
// CHECK: qc.conv2d %{{.*}}, %{{.*}} : {{.*}}, tensor<1x1x2x1x!quant.uniform<i8:f32, 5.000000e-02>> -> tensor<1x4x4x1x
// CHECK: qc.conv2d %{{.*}}, %{{.*}} {padding = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x1x{{.*}}, tensor<3x3x1x2x
func.func @conv_chain(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[[[0, 1], [0, 2]]]]> : tensor<1x1x2x2xi8>
  %w = quant.scast %c : tensor<1x1x2x2xi8> to tensor<1x1x2x2x!quant.uniform<i8:f32, 0.05>>
  // expected-remark@+1 {{qc-sparsify: removed 1 of 2 zero output channels}}
  %y = qc.conv2d %x, %w : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1>>, tensor<1x1x2x2x!quant.uniform<i8:f32, 0.05>> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.2>>
  %c2 = arith.constant dense<3> : tensor<3x3x2x2xi8>
  %w2 = quant.scast %c2 : tensor<3x3x2x2xi8> to tensor<3x3x2x2x!quant.uniform<i8:f32, 0.1>>
  %z = qc.conv2d %y, %w2 {padding = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.2>>, tensor<3x3x2x2x!quant.uniform<i8:f32, 0.1>> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.5>>
  return %z : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// NOTE: the producer's result is returned: its shape is part of the function
// type, so the zero channel stays.
// CHECK-LABEL: func.func @returned
// CHECK: qc.matmul {{.*}} -> tensor<2x2x
func.func @returned(%a: tensor<2x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[1, 0], [2, 0]]> : tensor<2x2xi8>
  %w = quant.scast %c : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32, 0.1>>
  // expected-remark@+1 {{qc-sparsify: 1 of 2 output channels are zero but kept: its result is used by 'func.return'}}
  %y = qc.matmul %a, %w : tensor<2x2x!quant.uniform<i8:f32, 0.1>>, tensor<2x2x!quant.uniform<i8:f32, 0.1>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<2x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// NOTE: a padded consumer sees the zero point at the border but the constant
// 2 inside: no single bias correction is exact, so the channel stays.
// CHECK-LABEL: func.func @padded_consumer
// CHECK: qc.conv2d {{.*}} -> tensor<1x4x4x2x
func.func @padded_consumer(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[[[0, 1], [0, 2]]]]> : tensor<1x1x2x2xi8>
  %w = quant.scast %c : tensor<1x1x2x2xi8> to tensor<1x1x2x2x!quant.uniform<i8:f32, 0.05>>
  %cb = arith.constant dense<[2000, 0]> : tensor<2xi32>
  %b = quant.scast %cb : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32, 0.005>>
  // expected-remark@+1 {{qc-sparsify: 1 of 2 output channels are zero but kept: its consumer convolution pads and the removed outputs are not the zero point}}
  %y = qc.conv2d %x, %w bias %b : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1>>, tensor<1x1x2x2x!quant.uniform<i8:f32, 0.05>>, tensor<2x!quant.uniform<i32:f32, 0.005>> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.2>>
  %c2 = arith.constant dense<3> : tensor<3x3x2x2xi8>
  %w2 = quant.scast %c2 : tensor<3x3x2x2xi8> to tensor<3x3x2x2x!quant.uniform<i8:f32, 0.1>>
  %z = qc.conv2d %y, %w2 {padding = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.2>>, tensor<3x3x2x2x!quant.uniform<i8:f32, 0.1>> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.5>>
  return %z : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// NOTE: a weight that is a function argument is not touched.
// CHECK-LABEL: func.func @not_constant
// CHECK: qc.matmul %arg0, %arg1
// CHECK-LABEL: func.func @raw_not_constant
// CHECK: linalg.matmul ins(%arg0, %arg1
func.func @not_constant(%a: tensor<2x2x!quant.uniform<i8:f32, 0.1>>, %w: tensor<2x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>> {
  %y = qc.matmul %a, %w : tensor<2x2x!quant.uniform<i8:f32, 0.1>>, tensor<2x2x!quant.uniform<i8:f32, 0.1>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<2x2x!quant.uniform<i8:f32, 0.5>>
}
func.func @raw_not_constant(%a: tensor<2x8xi8>, %w: tensor<8x2xi8>, %init: tensor<2x2xi32>) -> tensor<2x2xi32> {
  %r = linalg.matmul ins(%a, %w : tensor<2x8xi8>, tensor<8x2xi8>) outs(%init : tensor<2x2xi32>) -> tensor<2x2xi32>
  return %r : tensor<2x2xi32>
}

// -----

// The raw contraction left by --qc-lower-to-linalg with a 2:4 weight: values
// and in-group offsets, column by column; a group with one non-zero is padded.
// CHECK-LABEL: func.func @two_four
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[}}[1, 3, 6, 0], [2, -4, 5, 7]]> : tensor<2x4xi8>
// CHECK-DAG: %[[O:.*]] = arith.constant dense<{{\[}}[0, 2, 2, 0], [1, 3, 0, 2]]> : tensor<2x4xi8>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[V]], %[[O]] : tensor<2x4xi8>, tensor<2x4xi8>) outs(%arg1 : tensor<2x2xi32>)
// CHECK: ^bb0(%[[VAL:.*]]: i8, %[[OFF:.*]]: i8, %[[ACC:.*]]: i32):
// CHECK: %[[G:.*]] = arith.divui %{{.*}}, %c2
// CHECK: %[[BASE:.*]] = arith.muli %[[G]], %c4
// CHECK: %[[K:.*]] = arith.addi %[[BASE]], %{{.*}}
// CHECK: tensor.extract %arg0[%{{.*}}, %[[K]]] : tensor<2x8xi8>
// CHECK-NOT: linalg.matmul
// GPU-REMARK: remark: qc-sparsify: 2:4 (sparsity 0.562), cost 4.0 vs dense 8.0: N:M kernel
// GPU-LABEL: func.func @two_four
// GPU: linalg.generic
func.func @two_four(%a: tensor<2x8xi8>, %init: tensor<2x2xi32>) -> tensor<2x2xi32> {
  %w = arith.constant dense<[[1, 0], [0, 2], [3, 0], [0, -4], [0, 5], [0, 0], [6, 7], [0, 0]]> : tensor<8x2xi8>
  // expected-remark@+1 {{qc-sparsify: 2:4 (sparsity 0.562), cost 4.0 vs dense 8.0: N:M kernel}}
  %r = linalg.matmul ins(%a, %w : tensor<2x8xi8>, tensor<8x2xi8>) outs(%init : tensor<2x2xi32>) -> tensor<2x2xi32>
  return %r : tensor<2x2xi32>
}

// -----

// Unstructured: three non-zeros in one group rule out 2:4 and make 3:8 or
// 3:16 store more than the longest column (3 entries), which sets the padded
// length; row indices are i16 since K fits. The unsigned cast is kept.
// CHECK-LABEL: func.func @unstructured
// CHECK-DAG: arith.constant dense<{{\[}}[9, 0, 0], [-3, 5, 4]]> : tensor<2x3xi8>
// CHECK-DAG: arith.constant dense<{{\[}}[20, 0, 0], [0, 1, 2]]> : tensor<2x3xi16>
// CHECK: arith.index_castui %{{.*}} : i16 to index
// CHECK: arith.extui
// CHECK-NOT: linalg.matmul
// On the GPU the ELL kernel is not used but a loose 3:16 structure holds.
// GPU-REMARK: remark: qc-sparsify: 3:16 (sparsity 0.938), cost 9.0 vs dense 32.0: N:M kernel
// GPU-LABEL: func.func @unstructured
// GPU: linalg.generic
func.func @unstructured(%a: tensor<3x32xi8>, %init: tensor<3x2xi32>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[0, -3], [0, 5], [0, 4], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [9, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]> : tensor<32x2xi8>
  // expected-remark@+1 {{qc-sparsify: unstructured (sparsity 0.938, longest column 3 of 32), cost 4.5 vs dense 32.0: ELL kernel}}
  %r = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %w : tensor<3x32xi8>, tensor<32x2xi8>) outs(%init : tensor<3x2xi32>) -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// Nine non-zeros in a row break every N:M with N <= M / 2: the CPU takes
// ELL, the GPU keeps the dense matmul.
// CHECK-LABEL: func.func @gpu_fallback
// CHECK-NOT: linalg.matmul
// GPU-REMARK: remark: qc-sparsify: unstructured sparsity 0.930 has no GPU kernel; kept dense
// GPU-LABEL: func.func @gpu_fallback
// GPU: linalg.matmul
func.func @gpu_fallback(%a: tensor<3x64xi8>, %init: tensor<3x2xi32>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [6, 0], [7, 0], [8, 0], [9, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]> : tensor<64x2xi8>
  // expected-remark@+1 {{qc-sparsify: unstructured (sparsity 0.930, longest column 9 of 64), cost 13.5 vs dense 64.0: ELL kernel}}
  %r = linalg.matmul ins(%a, %w : tensor<3x64xi8>, tensor<64x2xi8>) outs(%init : tensor<3x2xi32>) -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// NOTE: 3 zeros in 16 are below min-sparsity (0.5): the weight stays dense.
// CHECK-LABEL: func.func @too_dense
// CHECK: linalg.matmul
func.func @too_dense(%a: tensor<2x8xi8>, %init: tensor<2x2xi32>) -> tensor<2x2xi32> {
  %w = arith.constant dense<[[1, 0], [1, 2], [3, 1], [0, -4], [1, 5], [1, 1], [6, 7], [0, 1]]> : tensor<8x2xi8>
  // expected-remark@+1 {{qc-sparsify: sparsity 0.188 below min-sparsity 0.500; kept dense}}
  %r = linalg.matmul ins(%a, %w : tensor<2x8xi8>, tensor<8x2xi8>) outs(%init : tensor<2x2xi32>) -> tensor<2x2xi32>
  return %r : tensor<2x2xi32>
}

// -----

// NOTE: half the entries are zero but one column is full: the padded ELL
// would store as much as dense and no N:M structure holds, so it stays.
// CHECK-LABEL: func.func @does_not_pay
// CHECK: linalg.matmul
func.func @does_not_pay(%a: tensor<2x4xi8>, %init: tensor<2x2xi32>) -> tensor<2x2xi32> {
  %w = arith.constant dense<[[1, 0], [2, 0], [3, 0], [4, 0]]> : tensor<4x2xi8>
  // expected-remark@+1 {{qc-sparsify: sparsity 0.500 does not pay (cost 4.0 vs dense 4.0); kept dense}}
  %r = linalg.matmul ins(%a, %w : tensor<2x4xi8>, tensor<4x2xi8>) outs(%init : tensor<2x2xi32>) -> tensor<2x2xi32>
  return %r : tensor<2x2xi32>
}
