// RUN: qc-opt %s -split-input-file --qc-sparsify="nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" -verify-diagnostics | FileCheck %s
// RUN: qc-opt %s -split-input-file --qc-sparsify="target=gpu nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" 2>/dev/null | FileCheck %s --check-prefix=GPU
// RUN: qc-opt %s -split-input-file --qc-sparsify="target=gpu nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" 2>&1 >/dev/null | FileCheck %s --check-prefix=GPU-REMARK
// The pass's statistics (docs/Embedding.md) count the decisions of the
// remarks below: one N:M, two ELL and two dense weights.
// RUN: qc-opt %s -split-input-file --qc-sparsify="nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... qc pass statistics ...
// STATS:      {{^}}qc-sparsify{{$}}
// STATS-NEXT:   (S) 2 dense-weights
// STATS-NEXT:   (S) 2 ell-weights
// STATS-NEXT:   (S) 1 nm-weights
// STATS-NOT:    removed-channels
// Unit kernel costs make the decisions depend on the sparsity structure
// only (0.5 for the scalar kernel, whose cost the model multiplies by the 2
// or 3 rows of these matmuls); qc-sparsify-cost.mlir checks the measured
// default costs.
// Exactness of each rewrite is checked by execution in
// test/Integration/CPU/sparse-matmul.py.

// NOTE: a weight that is a function argument is not touched.
// CHECK-LABEL: func.func @raw_not_constant
// CHECK: linalg.matmul ins(%arg0, %arg1
func.func @raw_not_constant(%a: tensor<2x8xi8>, %w: tensor<8x2xi8>, %init: tensor<2x2xi32>) -> tensor<2x2xi32> {
  %r = linalg.matmul ins(%a, %w : tensor<2x8xi8>, tensor<8x2xi8>) outs(%init : tensor<2x2xi32>) -> tensor<2x2xi32>
  return %r : tensor<2x2xi32>
}

// -----

// NOTE: qc ops are --qc-remove-zero-channels' (before the lowering): a zero
// output channel of a qc.matmul stays, without a remark.
// CHECK-LABEL: func.func @qc_left_alone
// CHECK: qc.matmul {{.*}} -> tensor<2x2x
// CHECK: qc.matmul {{.*}} -> tensor<2x2x
func.func @qc_left_alone(%a: tensor<2x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[[1, 0], [2, 0]]> : tensor<2x2xi8>
  %w = quant.scast %c : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32, 0.1>>
  %y = qc.matmul %a, %w : tensor<2x2x!quant.uniform<i8:f32, 0.1>>, tensor<2x2x!quant.uniform<i8:f32, 0.1>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  %z = qc.matmul %y, %w : tensor<2x2x!quant.uniform<i8:f32, 0.5>>, tensor<2x2x!quant.uniform<i8:f32, 0.1>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  return %z : tensor<2x2x!quant.uniform<i8:f32, 0.5>>
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
