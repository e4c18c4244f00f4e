// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s
// RUN: qc-opt %s --qc-lower-to-linalg=fold-constant-weights=false -split-input-file | FileCheck %s --check-prefix=NOFOLD
// RUN: qc-opt %s --qc-lower-to-linalg --canonicalize -split-input-file | FileCheck %s --check-prefix=CANON

// Per-tensor, both zero points != 0, run-time weights and bias: the core is a
// plain i8 x i8 -> i32 linalg.matmul, the activation row sums and the weight
// column sums are computed once, and one generic does the output stage.
// CHECK-LABEL: func.func @matmul_runtime
// CHECK-SAME: (%[[A:.*]]: tensor<4x16xi8>, %[[B:.*]]: tensor<16x8xi8>, %[[BIAS:.*]]: tensor<8xi32>) -> tensor<4x8xi8>
// CHECK: %[[MM:.*]] = linalg.matmul {cast = #linalg.type_fn<cast_signed>} ins(%[[A]], %[[B]] : tensor<4x16xi8>, tensor<16x8xi8>) outs(%{{.*}} : tensor<4x8xi32>)
// CHECK: %[[ROWS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[A]] : tensor<4x16xi8>)
// CHECK: %[[COLS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[B]] : tensor<16x8xi8>)
// K * za * zb = 16 * 3 * 2 = 96; - za * colsum; + bias.
// CHECK: %[[TERM:.*]] = linalg.generic {{.*}} ins(%[[COLS]], %[[BIAS]] : tensor<8xi32>, tensor<8xi32>)
// CHECK-DAG: arith.constant 96 : i32
// CHECK-DAG: arith.constant 3 : i32
// CHECK: linalg.generic {{.*}} ins(%[[MM]], %[[ROWS]], %[[TERM]] : tensor<4x8xi32>, tensor<4xi32>, tensor<8xi32>) outs(%{{.*}} : tensor<4x8xi8>)
// 0.1 * 0.02 / 0.25 = 0.008 = 1099511628 * 2^(-6 - 31).
// CHECK-DAG: arith.constant 1099511628 : i32
// CHECK-DAG: arith.constant -6 : i32
// Clamp [0, 127] with z_y = -5: [5, 132] before adding the zero point.
// CHECK-DAG: arith.constant 5 : i32
// CHECK-DAG: arith.constant 132 : i32
// CHECK-DAG: arith.constant -5 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
func.func @matmul_runtime(%a: tensor<4x16x!quant.uniform<i8:f32, 0.1:3>>,
                          %b: tensor<16x8x!quant.uniform<i8:f32, 0.02:2>>,
                          %bias: tensor<8x!quant.uniform<i32:f32, 0.002>>)
    -> tensor<4x8x!quant.uniform<i8:f32, 0.25:-5>> {
  %y = qc.matmul %a, %b bias %bias clamp [0, 127]
      : tensor<4x16x!quant.uniform<i8:f32, 0.1:3>>, tensor<16x8x!quant.uniform<i8:f32, 0.02:2>>,
        tensor<8x!quant.uniform<i32:f32, 0.002>> -> tensor<4x8x!quant.uniform<i8:f32, 0.25:-5>>
  return %y : tensor<4x8x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// Constant per-channel weights (arith.constant + quant.scast): the column
// sums, K*za*zb[n] and the constant bias fold into one i32 vector; zb = 0
// needs no row sums. Per-channel multipliers are constant vectors.
//   n = 0: 3 * (1 + 3) = 12 ... bias 100 + 2 * 0 - 2 * (1 + 3) = 92
//   n = 1: bias -7 - 2 * (2 + 4) = -19
// CHECK-LABEL: func.func @matmul_const_per_channel
// CHECK-NOT: quant.scast
// CHECK: linalg.matmul
// CHECK-NOT: iterator_types = ["parallel", "reduction"]
// CHECK-DAG: arith.constant dense<[92, -19]> : tensor<2xi32>
// 0.1 * 0.02 / 0.05 = 0.04 and 0.1 * 0.04 / 0.05 = 0.08: one multiplier,
// two shifts.
// CHECK-DAG: arith.constant dense<[-4, -3]> : tensor<2xi32>
// CHECK-DAG: arith.constant 1374389535 : i32
// CHECK: return
// NOFOLD-LABEL: func.func @matmul_const_per_channel
// NOFOLD: linalg.matmul
// NOFOLD: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
func.func @matmul_const_per_channel(%a: tensor<3x2x!quant.uniform<i8:f32, 0.1:2>>)
    -> tensor<3x2x!quant.uniform<i8:f32, 0.05>> {
  %wc = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %w = quant.scast %wc : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32:1, {0.02, 0.04}>>
  %bc = arith.constant dense<[100, -7]> : tensor<2xi32>
  %b = quant.scast %bc : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {0.002, 0.004}>>
  %y = qc.matmul %a, %w bias %b
      : tensor<3x2x!quant.uniform<i8:f32, 0.1:2>>, tensor<2x2x!quant.uniform<i8:f32:1, {0.02, 0.04}>>,
        tensor<2x!quant.uniform<i32:f32:0, {0.002, 0.004}>> -> tensor<3x2x!quant.uniform<i8:f32, 0.05>>
  return %y : tensor<3x2x!quant.uniform<i8:f32, 0.05>>
}

// -----

// Per-channel weight zero points: the row sums are scaled by zb[n] read from
// a constant vector. Single rounding computes in i64.
// CHECK-LABEL: func.func @matmul_per_channel_zero_points
// CHECK-DAG: arith.constant dense<[1, -1]> : tensor<2xi32>
// CHECK: linalg.generic
// CHECK: arith.muli %{{.*}} : i64
// CHECK: arith.shrsi %{{.*}} : i64
func.func @matmul_per_channel_zero_points(%a: tensor<3x2x!quant.uniform<i8:f32, 0.1>>,
                                          %w: tensor<2x2x!quant.uniform<i8:f32:1, {0.02:1, 0.04:-1}>>)
    -> tensor<3x2x!quant.uniform<i8:f32, 0.05>> {
  %y = qc.matmul %a, %w profile <single_round>
      : tensor<3x2x!quant.uniform<i8:f32, 0.1>>, tensor<2x2x!quant.uniform<i8:f32:1, {0.02:1, 0.04:-1}>>
        -> tensor<3x2x!quant.uniform<i8:f32, 0.05>>
  return %y : tensor<3x2x!quant.uniform<i8:f32, 0.05>>
}

// -----

// Mixed signedness has no named op: a matmul-shaped generic extends u8 with
// extui and i8 with extsi. Both unsigned uses linalg.matmul's cast_unsigned.
// CHECK-LABEL: func.func @matmul_mixed_signedness
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK-LABEL: func.func @matmul_unsigned
// CHECK: linalg.matmul {cast = #linalg.type_fn<cast_unsigned>}
func.func @matmul_mixed_signedness(%a: tensor<3x2x!quant.uniform<u8:f32, 0.1:128>>,
                                   %w: tensor<2x2x!quant.uniform<i8:f32, 0.02>>)
    -> tensor<3x2x!quant.uniform<i8:f32, 0.05>> {
  %y = qc.matmul %a, %w : tensor<3x2x!quant.uniform<u8:f32, 0.1:128>>,
      tensor<2x2x!quant.uniform<i8:f32, 0.02>> -> tensor<3x2x!quant.uniform<i8:f32, 0.05>>
  return %y : tensor<3x2x!quant.uniform<i8:f32, 0.05>>
}
func.func @matmul_unsigned(%a: tensor<3x2x!quant.uniform<u8:f32, 0.1:128>>,
                           %w: tensor<2x2x!quant.uniform<u8:f32, 0.02:128>>)
    -> tensor<3x2x!quant.uniform<u8:f32, 0.05:128>> {
  %y = qc.matmul %a, %w : tensor<3x2x!quant.uniform<u8:f32, 0.1:128>>,
      tensor<2x2x!quant.uniform<u8:f32, 0.02:128>> -> tensor<3x2x!quant.uniform<u8:f32, 0.05:128>>
  return %y : tensor<3x2x!quant.uniform<u8:f32, 0.05:128>>
}

// -----

// A multiplier below 2^-32 flushes to 0 (every result is the zero point); a
// real multiplier above 1 gets a positive shift.
// CANON-LABEL: func.func @matmul_flush
// CANON: %[[ZP:.*]] = arith.constant 7 : i8
// CANON: linalg.generic
// CANON-NEXT: ^bb0
// CANON-NEXT: linalg.yield %[[ZP]] : i8
// CHECK-LABEL: func.func @matmul_large_multiplier
// 0.5 * 0.5 / 0.05 = 5.0 = 1342177280 * 2^(3 - 31)
// CHECK-DAG: arith.constant 1342177280 : i32
// CHECK-DAG: arith.constant 3 : i32
func.func @matmul_flush(%a: tensor<1x1x!quant.uniform<i8:f32, 1.0e-6>>,
                        %w: tensor<1x1x!quant.uniform<i8:f32, 1.0e-6>>)
    -> tensor<1x1x!quant.uniform<i8:f32, 1.0:7>> {
  %y = qc.matmul %a, %w : tensor<1x1x!quant.uniform<i8:f32, 1.0e-6>>,
      tensor<1x1x!quant.uniform<i8:f32, 1.0e-6>> -> tensor<1x1x!quant.uniform<i8:f32, 1.0:7>>
  return %y : tensor<1x1x!quant.uniform<i8:f32, 1.0:7>>
}
func.func @matmul_large_multiplier(%a: tensor<1x1x!quant.uniform<i8:f32, 0.5>>,
                                   %w: tensor<1x1x!quant.uniform<i8:f32, 0.5>>)
    -> tensor<1x1x!quant.uniform<i8:f32, 0.05>> {
  %y = qc.matmul %a, %w : tensor<1x1x!quant.uniform<i8:f32, 0.5>>,
      tensor<1x1x!quant.uniform<i8:f32, 0.5>> -> tensor<1x1x!quant.uniform<i8:f32, 0.05>>
  return %y : tensor<1x1x!quant.uniform<i8:f32, 0.05>>
}

// -----

// Weights stored [N, K] reach the matmul through qc.transpose: the column
// sums still fold (b = [[1, 3], [2, 4]], -z_a * sum = [-6, -14]).
// CHECK-LABEL: func.func @matmul_const_transposed
// CHECK: linalg.transpose
// CHECK: linalg.matmul
// CHECK-NOT: iterator_types = ["parallel", "reduction"]
// CHECK: arith.constant dense<[-6, -14]> : tensor<2xi32>
func.func @matmul_const_transposed(%a: tensor<3x2x!quant.uniform<i8:f32, 0.1:2>>)
    -> tensor<3x2x!quant.uniform<i8:f32, 0.05>> {
  %wc = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %wt = quant.scast %wc : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8:f32, 0.02>>
  %w = qc.transpose %wt [1, 0] : tensor<2x2x!quant.uniform<i8:f32, 0.02>> -> tensor<2x2x!quant.uniform<i8:f32, 0.02>>
  %y = qc.matmul %a, %w : tensor<3x2x!quant.uniform<i8:f32, 0.1:2>>, tensor<2x2x!quant.uniform<i8:f32, 0.02>>
                       -> tensor<3x2x!quant.uniform<i8:f32, 0.05>>
  return %y : tensor<3x2x!quant.uniform<i8:f32, 0.05>>
}

// -----

// A dynamic M sizes the accumulators and row sums from the lhs.
// CHECK-LABEL: func.func @matmul_dynamic_rows
// CHECK-SAME: (%[[A:.*]]: tensor<?x16xi8>, %{{.*}}: tensor<16x8xi8>) -> tensor<?x8xi8>
// CHECK: %[[M:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x16xi8>
// CHECK: tensor.empty(%[[M]]) : tensor<?x8xi32>
// CHECK: linalg.matmul {{.*}} -> tensor<?x8xi32>
// CHECK: tensor.empty(%[[M]]) : tensor<?xi32>
// CHECK: tensor.empty(%[[M]]) : tensor<?x8xi8>
func.func @matmul_dynamic_rows(%a: tensor<?x16x!quant.uniform<i8:f32, 0.1:1>>, %b: tensor<16x8x!quant.uniform<i8:f32, 0.02:1>>)
    -> tensor<?x8x!quant.uniform<i8:f32, 0.25>> {
  %y = qc.matmul %a, %b : tensor<?x16x!quant.uniform<i8:f32, 0.1:1>>, tensor<16x8x!quant.uniform<i8:f32, 0.02:1>>
                       -> tensor<?x8x!quant.uniform<i8:f32, 0.25>>
  return %y : tensor<?x8x!quant.uniform<i8:f32, 0.25>>
}
