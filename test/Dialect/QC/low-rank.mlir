// RUN: qc-opt %s --qc-low-rank="rank=16" -split-input-file -verify-diagnostics | FileCheck %s
// The pass's statistics (docs/Embedding.md): 15 contractions considered,
// 14 factorized (one is left unchanged by min-flop-reduction), twelve at
// rank 16 and two at rank 4 (per-op overrides): 12 * 16 + 2 * 4 = 200.
// RUN: qc-opt %s --qc-low-rank="rank=16" -split-input-file --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... qc pass statistics ...
// STATS:      {{^}}qc-low-rank{{$}}
// STATS-NEXT:   (S) 15 considered-ops
// STATS-NEXT:   (S) 14 factorized-ops
// STATS-NEXT:   (S) 200 rank-sum

// A 64x48 weight becomes [64, 16] x [16, 48]; the intermediate accumulates
// from zero, the second product into the original init.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME:    %[[X:[^:]*]]: tensor<4x64xf32>
// CHECK:         %[[INIT:.*]] = linalg.fill
// CHECK-DAG:     %[[A:.*]] = arith.constant dense<{{.*}}> : tensor<64x16xf32>
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<{{.*}}> : tensor<16x48xf32>
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK:         %[[T0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<4x16xf32>)
// CHECK:         %[[T:.*]] = linalg.matmul ins(%[[X]], %[[A]] : tensor<4x64xf32>, tensor<64x16xf32>) outs(%[[T0]] : tensor<4x16xf32>)
// CHECK:         %[[Y:.*]] = linalg.matmul ins(%[[T]], %[[B]] : tensor<4x16xf32>, tensor<16x48xf32>) outs(%[[INIT]] : tensor<4x48xf32>)
// CHECK:         return %[[Y]]
// CHECK-NOT:     tensor<64x48xf32>
func.func @matmul(%x: tensor<4x64xf32>) -> tensor<4x48xf32> {
  %w = arith.constant dense<0.5> : tensor<64x48xf32>
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x48xf32>
  %i = linalg.fill ins(%c0 : f32) outs(%e : tensor<4x48xf32>) -> tensor<4x48xf32>
  // expected-remark@+1 {{qc-low-rank: rank 16 of 48, relative error}}
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%i : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}

// -----

// A dynamic batch: the intermediate takes its size from the original init.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-SAME:    %[[X:[^:]*]]: tensor<?x64xf32>, %[[INIT:[^:]*]]: tensor<?x64xf32>
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[D:.*]] = tensor.dim %[[INIT]], %[[C0]]
// CHECK:         %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x16xf32>
// CHECK:         linalg.matmul ins(%[[X]], %{{.*}} : tensor<?x64xf32>, tensor<64x16xf32>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<16x64xf32>) outs(%[[INIT]] : tensor<?x64xf32>)
func.func @dynamic_rows(%x: tensor<?x64xf32>, %init: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %w = arith.constant dense<1.0> : tensor<64x64xf32>
  // expected-remark@+1 {{FLOPs per output row 8192 -> 4096 (2.00x fewer), weight 4096 -> 2048 elements}}
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x64xf32>) outs(%init : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Fake-quantized weight and activation: each factor gets per-channel
// symmetric fake quantization of the weight's width, the intermediate a
// 16-bit per-tensor one (worst-case scale), so --qc-fold-fake-quant folds the
// result like any other layer.
// CHECK-LABEL: func.func @fake_quant
// CHECK:         %[[XF:.*]] = qc.fake_quant %{{.*}} to !quant.uniform<i8:f32, 5.000000e-02:3>
// CHECK-DAG:     %[[AF:.*]] = qc.fake_quant %{{.*}} to !quant.uniform<i8<-127:127>:f32:1, {{{.*}}}> : tensor<64x16xf32>
// CHECK-DAG:     %[[BF:.*]] = qc.fake_quant %{{.*}} to !quant.uniform<i8<-127:127>:f32:1, {{{.*}}}> : tensor<16x48xf32>
// CHECK:         %[[T:.*]] = linalg.matmul ins(%[[XF]], %[[AF]] : tensor<4x64xf32>, tensor<64x16xf32>)
// CHECK:         %[[TF:.*]] = qc.fake_quant %[[T]] to !quant.uniform<i16<-32767:32767>:f32, {{.*}}> : tensor<4x16xf32>
// CHECK:         linalg.matmul ins(%[[TF]], %[[BF]] : tensor<4x16xf32>, tensor<16x48xf32>)
func.func @fake_quant(%x: tensor<4x64xf32>, %init: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %xf = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:3> : tensor<4x64xf32>
  %w = arith.constant dense<0.25> : tensor<64x48xf32>
  %wf = qc.fake_quant %w {min = array<f64: -1.0>, max = array<f64: 1.0>, num_bits = 8 : i64, narrow_range} : tensor<64x48xf32>
  // expected-remark@+1 {{with quantized factors}}
  %y = linalg.matmul ins(%xf, %wf : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}

// -----

// Fake-quantized weight with a float activation: the model keeps activations
// in float, so the intermediate is not fake-quantized either.
// CHECK-LABEL: func.func @fake_quant_weight_only
// CHECK:         %[[T:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<64x16xf32>)
// CHECK-NOT:     qc.fake_quant %[[T]]
// CHECK:         linalg.matmul ins(%[[T]], %{{.*}} : tensor<4x16xf32>, tensor<16x48xf32>)
func.func @fake_quant_weight_only(%x: tensor<4x64xf32>, %init: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %w = arith.constant dense<0.25> : tensor<64x48xf32>
  %wf = qc.fake_quant %w to !quant.uniform<i4:f32, 0.1> : tensor<64x48xf32>
  // expected-remark@+1 {{qc-low-rank: rank 16 of 48}}
  %y = linalg.matmul ins(%x, %wf : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}

// -----

// K x K convolution: the [KH*KW*C, F] = [288, 64] matrix is factorized; the
// first factor is a 3x3 filter with 16 outputs (stride and dilation kept),
// the second a 1x1 convolution.
// CHECK-LABEL: func.func @conv3x3
// CHECK:         %[[T:.*]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x13x13x32xf32>, tensor<3x3x32x16xf32>) outs(%{{.*}} : tensor<1x5x5x16xf32>)
// CHECK:         linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[T]], %{{.*}} : tensor<1x5x5x16xf32>, tensor<1x1x16x64xf32>) outs(%{{.*}} : tensor<1x5x5x64xf32>)
func.func @conv3x3(%x: tensor<1x13x13x32xf32>, %init: tensor<1x5x5x64xf32>) -> tensor<1x5x5x64xf32> {
  %w = arith.constant dense<0.1> : tensor<3x3x32x64xf32>
  // expected-remark@+1 {{qc-low-rank: rank 16 of 64}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x13x13x32xf32>, tensor<3x3x32x64xf32>) outs(%init : tensor<1x5x5x64xf32>) -> tensor<1x5x5x64xf32>
  return %y : tensor<1x5x5x64xf32>
}

// -----

// 1x1 convolution: two 1x1 convolutions.
// CHECK-LABEL: func.func @conv1x1
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x8x64xf32>, tensor<1x1x64x16xf32>) outs(%{{.*}} : tensor<1x8x8x16xf32>)
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x8x16xf32>, tensor<1x1x16x64xf32>) outs(%{{.*}} : tensor<1x8x8x64xf32>)
func.func @conv1x1(%x: tensor<1x8x8x64xf32>, %init: tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32> {
  %w = arith.constant dense<0.1> : tensor<1x1x64x64xf32>
  // expected-remark@+1 {{FLOPs 524288 -> 262144 (2.00x fewer)}}
  %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x8x8x64xf32>, tensor<1x1x64x64xf32>) outs(%init : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  return %y : tensor<1x8x8x64xf32>
}

// -----

// Quantized matmul: i8 factors per output channel, an i16 intermediate, the
// bias (rescaled) and the clamp on the second product.
!x = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>
!b = !quant.uniform<i32:f32, 5.0e-4>
!y = !quant.uniform<i8:f32, 0.3:-2>
// CHECK-LABEL: func.func @qmatmul
// CHECK-SAME:    %[[X:[^:]*]]: tensor<4x64x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK-DAG:     %[[BIAS:.*]] = quant.scast %{{.*}} : tensor<48xi32> to tensor<48x!quant.uniform<i32:f32:0, {{{.*}}}>>
// CHECK-DAG:     %[[A:.*]] = quant.scast %{{.*}} : tensor<64x16xi8> to tensor<64x16x!quant.uniform<i8<-127:127>:f32:1, {{{.*}}}>>
// CHECK-DAG:     %[[B:.*]] = quant.scast %{{.*}} : tensor<16x48xi8> to tensor<16x48x!quant.uniform<i8<-127:127>:f32:1, {{{.*}}}>>
// CHECK:         %[[T:.*]] = qc.matmul %[[X]], %[[A]] : {{.*}} -> tensor<4x16x!quant.uniform<i16<-32767:32767>:f32, {{.*}}>>
// CHECK:         qc.matmul %[[T]], %[[B]] bias %[[BIAS]] clamp [-2, 127] : {{.*}} -> tensor<4x48x!quant.uniform<i8:f32, 3.000000e-01:-2>>
func.func @qmatmul(%x: tensor<4x64x!x>) -> tensor<4x48x!y> {
  %wc = arith.constant dense<3> : tensor<64x48xi8>
  %w = quant.scast %wc : tensor<64x48xi8> to tensor<64x48x!w>
  %bc = arith.constant dense<7> : tensor<48xi32>
  %b = quant.scast %bc : tensor<48xi32> to tensor<48x!b>
  // expected-remark@+1 {{qc-low-rank: rank 16 of 48}}
  %y = qc.matmul %x, %w bias %b clamp [-2, 127] : tensor<4x64x!x>, tensor<64x48x!w>, tensor<48x!b> -> tensor<4x48x!y>
  return %y : tensor<4x48x!y>
}

// -----

// Quantized convolution: padding, stride and dilation stay on the K x K part.
!x = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>
!y = !quant.uniform<i8:f32, 0.3:-2>
// CHECK-LABEL: func.func @qconv
// CHECK:         %[[T:.*]] = qc.conv2d %{{.*}}, %{{.*}} {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : {{.*}}, tensor<3x3x32x16x!quant.uniform<i8<-127:127>:f32:3, {{{.*}}}>> -> tensor<1x4x4x16x!quant.uniform<i16<-32767:32767>:f32, {{.*}}>>
// CHECK:         qc.conv2d %[[T]], %{{.*}} : {{.*}}, tensor<1x1x16x64x!quant.uniform<i8<-127:127>:f32:3, {{{.*}}}>> -> tensor<1x4x4x64x!quant.uniform<i8:f32, 3.000000e-01:-2>>
func.func @qconv(%x: tensor<1x8x8x32x!x>) -> tensor<1x4x4x64x!y> {
  %wc = arith.constant dense<5> : tensor<3x3x32x64xi8>
  %w = quant.scast %wc : tensor<3x3x32x64xi8> to tensor<3x3x32x64x!w>
  // expected-remark@+1 {{qc-low-rank: rank 16 of 64}}
  %y = qc.conv2d %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x8x32x!x>, tensor<3x3x32x64x!w> -> tensor<1x4x4x64x!y>
  return %y : tensor<1x4x4x64x!y>
}

// -----

// The per-op override wins over the pass option.
// CHECK-LABEL: func.func @override
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<64x4xf32>)
// CHECK-NOT:     qc.low_rank
func.func @override(%x: tensor<4x64xf32>, %init: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %w = arith.constant dense<0.5> : tensor<64x48xf32>
  // expected-remark@+1 {{qc-low-rank: rank 4 of 48}}
  %y = linalg.matmul {qc.low_rank = {rank = 4 : i64}} ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}

// -----

// NOTE: `disable` keeps this op as it is, without a remark.
// CHECK-LABEL: func.func @disabled
// CHECK:         linalg.matmul {qc.low_rank = {disable}} ins(%{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<64x48xf32>)
func.func @disabled(%x: tensor<4x64xf32>, %init: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %w = arith.constant dense<0.5> : tensor<64x48xf32>
  %y = linalg.matmul {qc.low_rank = {disable}} ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}

// -----

// NOTE: rank 16 of a 32x32 weight needs as many FLOPs as the original (1x <
// min-flop-reduction = 1.5): unchanged, with a remark saying so.
// CHECK-LABEL: func.func @no_saving
// CHECK:         %[[W:.*]] = arith.constant dense<5.000000e-01> : tensor<32x32xf32>
// CHECK:         linalg.matmul ins(%{{.*}}, %[[W]] : tensor<4x32xf32>, tensor<32x32xf32>)
func.func @no_saving(%x: tensor<4x32xf32>, %init: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<0.5> : tensor<32x32xf32>
  // expected-remark@+1 {{qc-low-rank: unchanged: rank 16 of 32 (relative error 0.000000e+00) would cut FLOPs and weight size only 1.00x, below min-flop-reduction = 1.5}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x32xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// NOTE: the weight is a function argument, not a constant: untouched.
// CHECK-LABEL: func.func @non_constant
// CHECK-SAME:    %{{.*}}: tensor<4x64xf32>, %[[W:[^:]*]]: tensor<64x48xf32>
// CHECK:         linalg.matmul ins(%{{.*}}, %[[W]] : tensor<4x64xf32>, tensor<64x48xf32>)
// CHECK-NOT:     linalg.matmul
func.func @non_constant(%x: tensor<4x64xf32>, %w: tensor<64x48xf32>, %init: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}

// -----

// W * x with a constant left operand: the matrix factorized is W^T (the
// reduction first), the factors are stored transposed, A^T first.
// CHECK-LABEL: func.func @constant_lhs
// CHECK-SAME:    %[[X:[^:]*]]: tensor<48x4xf32>, %[[INIT:[^:]*]]: tensor<64x4xf32>
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<16x4xf32>
// CHECK:         %[[T:.*]] = linalg.matmul ins(%{{.*}}, %[[X]] : tensor<16x48xf32>, tensor<48x4xf32>) outs(%{{.*}} : tensor<16x4xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %[[T]] : tensor<64x16xf32>, tensor<16x4xf32>) outs(%[[INIT]] : tensor<64x4xf32>)
func.func @constant_lhs(%x: tensor<48x4xf32>, %init: tensor<64x4xf32>) -> tensor<64x4xf32> {
  %w = arith.constant dense<0.5> : tensor<64x48xf32>
  // expected-remark@+1 {{qc-low-rank: rank 16 of 48, relative error 3.258155e-08 (optimal 0.000000e+00), FLOPs 24576 -> 14336 (1.71x fewer)}}
  %y = linalg.matmul ins(%w, %x : tensor<64x48xf32>, tensor<48x4xf32>) outs(%init : tensor<64x4xf32>) -> tensor<64x4xf32>
  return %y : tensor<64x4xf32>
}

// -----

// CHECK-LABEL: func.func @matvec
// CHECK:         %[[T:.*]] = linalg.matvec ins(%{{.*}}, %{{.*}} : tensor<16x48xf32>, tensor<48xf32>) outs(%{{.*}} : tensor<16xf32>)
// CHECK:         linalg.matvec ins(%{{.*}}, %[[T]] : tensor<64x16xf32>, tensor<16xf32>) outs(%{{.*}} : tensor<64xf32>)
func.func @matvec(%x: tensor<48xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %w = arith.constant dense<0.5> : tensor<64x48xf32>
  // expected-remark@+1 {{FLOPs 6144 -> 3584 (1.71x fewer)}}
  %y = linalg.matvec ins(%w, %x : tensor<64x48xf32>, tensor<48xf32>) outs(%init : tensor<64xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}

// -----

// CHECK-LABEL: func.func @vecmat
// CHECK:         %[[T:.*]] = linalg.vecmat ins(%{{.*}}, %{{.*}} : tensor<64xf32>, tensor<64x16xf32>) outs(%{{.*}} : tensor<16xf32>)
// CHECK:         linalg.vecmat ins(%[[T]], %{{.*}} : tensor<16xf32>, tensor<16x48xf32>) outs(%{{.*}} : tensor<48xf32>)
func.func @vecmat(%x: tensor<64xf32>, %init: tensor<48xf32>) -> tensor<48xf32> {
  %w = arith.constant dense<0.5> : tensor<64x48xf32>
  // expected-remark@+1 {{qc-low-rank: rank 16 of 48}}
  %y = linalg.vecmat ins(%x, %w : tensor<64xf32>, tensor<64x48xf32>) outs(%init : tensor<48xf32>) -> tensor<48xf32>
  return %y : tensor<48xf32>
}

// -----

// NOTE: a matmul with user-defined (here transposed) indexing maps is not
// the plain [M, K] x [K, N] product the factor shapes assume: untouched.
// CHECK-LABEL: func.func @transposed_maps
// CHECK:         linalg.matmul indexing_maps = {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<48x64xf32>)
// CHECK-NOT:     linalg.matmul
func.func @transposed_maps(%x: tensor<4x64xf32>, %init: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %w = arith.constant dense<0.5> : tensor<48x64xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<4x64xf32>, tensor<48x64xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}

// -----

// NOTE: a grouped convolution's filter is block diagonal as a matrix; a
// factorization of the whole would mix the groups: untouched.
!x = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>
!y = !quant.uniform<i8:f32, 0.3:-2>
// CHECK-LABEL: func.func @grouped
// CHECK:         qc.conv2d %{{.*}}, %{{.*}} {groups = 2 : i64}
// CHECK-NOT:     qc.conv2d
func.func @grouped(%x: tensor<1x8x8x64x!x>) -> tensor<1x8x8x64x!y> {
  %wc = arith.constant dense<5> : tensor<1x1x32x64xi8>
  %w = quant.scast %wc : tensor<1x1x32x64xi8> to tensor<1x1x32x64x!w>
  %y = qc.conv2d %x, %w {groups = 2 : i64} : tensor<1x8x8x64x!x>, tensor<1x1x32x64x!w> -> tensor<1x8x8x64x!y>
  return %y : tensor<1x8x8x64x!y>
}

// -----

// NOTE: the quantized bias is a function argument and cannot be rescaled to
// the second contraction: unchanged, with a remark.
!x = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>
!b = !quant.uniform<i32:f32, 5.0e-4>
!y = !quant.uniform<i8:f32, 0.3:-2>
// CHECK-LABEL: func.func @non_constant_bias
// CHECK:         qc.matmul %{{.*}}, %{{.*}} bias %{{.*}} : tensor<4x64x{{.*}}>, tensor<64x48x{{.*}}>
func.func @non_constant_bias(%x: tensor<4x64x!x>, %b: tensor<48x!b>) -> tensor<4x48x!y> {
  %wc = arith.constant dense<3> : tensor<64x48xi8>
  %w = quant.scast %wc : tensor<64x48xi8> to tensor<64x48x!w>
  // expected-remark@+1 {{qc-low-rank: unchanged: the bias is not a constant}}
  %y = qc.matmul %x, %w bias %b : tensor<4x64x!x>, tensor<64x48x!w>, tensor<48x!b> -> tensor<4x48x!y>
  return %y : tensor<4x48x!y>
}

// -----

// Two layers share one constant (its SVD is computed once) and get
// different ranks; the shared constant goes once both are rewritten.
// CHECK-LABEL: func.func @shared_weight
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<64x4xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x4xf32>, tensor<4x48xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<64x16xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x16xf32>, tensor<16x48xf32>)
// CHECK-NOT:     tensor<64x48xf32>
func.func @shared_weight(%x: tensor<4x64xf32>, %init: tensor<4x48xf32>) -> (tensor<4x48xf32>, tensor<4x48xf32>) {
  %w = arith.constant dense<0.5> : tensor<64x48xf32>
  // expected-remark@+1 {{qc-low-rank: rank 4 of 48}}
  %y0 = linalg.matmul {qc.low_rank = {rank = 4 : i64}} ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  // expected-remark@+1 {{qc-low-rank: rank 16 of 48}}
  %y1 = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%init : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %y0, %y1 : tensor<4x48xf32>, tensor<4x48xf32>
}
