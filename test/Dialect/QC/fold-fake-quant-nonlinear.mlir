// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s
// --qc-fold-fake-quant on graph.py's canonical forms of the nonlinear ops
// (python/qc/graph_ops.py) and of the average pool.

// Sigmoid between a dequantize and a quantize: one table of 256 codes.
// CHECK-LABEL: func.func @sigmoid
// CHECK:         %[[Q:.*]] = qc.quantize %arg0
// CHECK:         %[[T:.*]] = qc.table %[[Q]] table dense<"0x80FFFFFF{{.*}}7F000000"> : tensor<256xi32> : tensor<2x4x!quant.uniform<i8:f32, 5.000000e-02:3>> -> tensor<2x4x!quant.uniform<i8:f32, 3.906250e-03:-128>>
// CHECK:         qc.dequantize %[[T]]
// CHECK-NOT:     linalg.generic
func.func @sigmoid(%arg0: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c4 = arith.constant 1.0 : f32
  %fq1 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %g3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%fq1 : tensor<2x4xf32>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%b0: f32, %out: f32):
    %s0 = arith.negf %b0 : f32
    %s1 = math.exp %s0 : f32
    %s2 = arith.addf %s1, %c4 : f32
    %s3 = arith.divf %c4, %s2 : f32
    linalg.yield %s3 : f32
  } -> tensor<2x4xf32>
  %fq5 = qc.fake_quant %g3 to !quant.uniform<i8:f32, 0.00390625:-128> : tensor<2x4xf32>
  return %fq5 : tensor<2x4xf32>
}

// -----

// Unsigned codes index the table from 0.
// CHECK-LABEL: func.func @hardswish_u8
// CHECK:         qc.table %{{.*}} table dense<{{.*}}> : tensor<256xi32> : tensor<2x4x!quant.uniform<u8:f32, 1.000000e-01:128>> -> tensor<2x4x!quant.uniform<u8:f32, 5.000000e-02:10>>
// CHECK-NOT:     linalg.generic
func.func @hardswish_u8(%arg0: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c4 = arith.constant 3.0 : f32
  %c5 = arith.constant 0.0 : f32
  %c6 = arith.constant 6.0 : f32
  %fq1 = qc.fake_quant %arg0 to !quant.uniform<u8:f32, 0.1:128> : tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %g3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%fq1 : tensor<2x4xf32>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%b0: f32, %out: f32):
    %s0 = arith.addf %b0, %c4 : f32
    %s1 = arith.maximumf %s0, %c5 : f32
    %s2 = arith.minimumf %s1, %c6 : f32
    %s3 = arith.mulf %b0, %s2 : f32
    %s4 = arith.divf %s3, %c6 : f32
    linalg.yield %s4 : f32
  } -> tensor<2x4xf32>
  %fq7 = qc.fake_quant %g3 to !quant.uniform<u8:f32, 0.05:10> : tensor<2x4xf32>
  return %fq7 : tensor<2x4xf32>
}

// -----

// A 16-bit input takes the full table of 65536 entries.
// CHECK-LABEL: func.func @tanh_i16
// CHECK:         qc.table %{{.*}} table dense<"0x{{.*}}"> : tensor<65536xi32> : tensor<8x!quant.uniform<i16:f32, 1.000000e-03>> -> tensor<8x!quant.uniform<i8:f32, 3.906250e-03:-128>>
func.func @tanh_i16(%arg0: tensor<8xf32>) -> tensor<8xf32> {
  %fq1 = qc.fake_quant %arg0 to !quant.uniform<i16:f32, 0.001:0> : tensor<8xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %g3 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%fq1 : tensor<8xf32>) outs(%e2 : tensor<8xf32>) {
  ^bb0(%b0: f32, %out: f32):
    %s0 = math.tanh %b0 : f32
    linalg.yield %s0 : f32
  } -> tensor<8xf32>
  %fq4 = qc.fake_quant %g3 to !quant.uniform<i8:f32, 0.00390625:-128> : tensor<8xf32>
  return %fq4 : tensor<8xf32>
}

// -----

// NOTE: sqrt of the negative codes is NaN: no table, the op stays float.
// CHECK-LABEL: func.func @sqrt_nan
// CHECK:         linalg.generic
// CHECK:           math.sqrt
// CHECK-NOT:     qc.table
func.func @sqrt_nan(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %fq1 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<4xf32>
  %e2 = tensor.empty() : tensor<4xf32>
  %g3 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%fq1 : tensor<4xf32>) outs(%e2 : tensor<4xf32>) {
  ^bb0(%b0: f32, %out: f32):
    %s0 = math.sqrt %b0 : f32
    linalg.yield %s0 : f32
  } -> tensor<4xf32>
  %fq4 = qc.fake_quant %g3 to !quant.uniform<i8:f32, 0.00390625:-128> : tensor<4xf32>
  return %fq4 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK:         %[[Q:.*]] = qc.quantize %arg0
// CHECK:         qc.softmax %[[Q]] axis 1 : tensor<2x8x!quant.uniform<i8:f32, 5.000000e-02:3>> -> tensor<2x8x!quant.uniform<i8:f32, 3.906250e-03:-128>>
// CHECK-NOT:     linalg.softmax
func.func @softmax(%arg0: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %fq1 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<2x8xf32>
  %e2 = tensor.empty() : tensor<2x8xf32>
  %sm3 = linalg.softmax dimension(1) ins(%fq1 : tensor<2x8xf32>) outs(%e2 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %fq4 = qc.fake_quant %sm3 to !quant.uniform<i8:f32, 0.00390625:-128> : tensor<2x8xf32>
  return %fq4 : tensor<2x8xf32>
}

// -----

// graph.py's layer norm sequence (reductions and four generics) is one op.
// CHECK-LABEL: func.func @layer_norm
// CHECK:         %[[Q:.*]] = qc.quantize %arg0
// CHECK:         qc.layer_norm %[[Q]] gamma [1.000000e+00, 5.000000e-01, 2.000000e+00, 1.000000e+00] beta [0.000000e+00, 2.500000e-01, -5.000000e-01, 0.000000e+00] epsilon {{.*}} : tensor<2x4x!quant.uniform<i8:f32, 5.000000e-02:3>> -> tensor<2x4x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NOT:     linalg
func.func @layer_norm(%arg0: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c6 = arith.constant 0.0 : f32
  %c8 = arith.constant 4.0 : f32
  %c20 = arith.constant 9.999999747378752e-06 : f32
  %cst1 = arith.constant dense<[1.0, 0.5, 2.0, 1.0]> : tensor<4xf32>
  %cst2 = arith.constant dense<[0.0, 0.25, -0.5, 0.0]> : tensor<4xf32>
  %fq3 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<2x4xf32>
  %e4 = tensor.empty() : tensor<2xf32>
  %init5 = linalg.fill ins(%c6 : f32) outs(%e4 : tensor<2xf32>) -> tensor<2xf32>
  %red7 = linalg.reduce ins(%fq3 : tensor<2x4xf32>) outs(%init5 : tensor<2xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %sum = arith.addf %in, %acc : f32
      linalg.yield %sum : f32
    }
  %e9 = tensor.empty() : tensor<2xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%red7 : tensor<2xf32>) outs(%e9 : tensor<2xf32>) {
  ^bb0(%b0: f32, %out: f32):
    %s0 = arith.divf %b0, %c8 : f32
    linalg.yield %s0 : f32
  } -> tensor<2xf32>
  %e11 = tensor.empty() : tensor<2x4xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%fq3, %g10 : tensor<2x4xf32>, tensor<2xf32>) outs(%e11 : tensor<2x4xf32>) {
  ^bb0(%b0: f32, %b1: f32, %out: f32):
    %s0 = arith.subf %b0, %b1 : f32
    linalg.yield %s0 : f32
  } -> tensor<2x4xf32>
  %e13 = tensor.empty() : tensor<2x4xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%g12 : tensor<2x4xf32>) outs(%e13 : tensor<2x4xf32>) {
  ^bb0(%b0: f32, %out: f32):
    %s0 = arith.mulf %b0, %b0 : f32
    linalg.yield %s0 : f32
  } -> tensor<2x4xf32>
  %e15 = tensor.empty() : tensor<2xf32>
  %init16 = linalg.fill ins(%c6 : f32) outs(%e15 : tensor<2xf32>) -> tensor<2xf32>
  %red17 = linalg.reduce ins(%g14 : tensor<2x4xf32>) outs(%init16 : tensor<2xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %sum = arith.addf %in, %acc : f32
      linalg.yield %sum : f32
    }
  %e18 = tensor.empty() : tensor<2xf32>
  %g19 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%red17 : tensor<2xf32>) outs(%e18 : tensor<2xf32>) {
  ^bb0(%b0: f32, %out: f32):
    %s0 = arith.divf %b0, %c8 : f32
    linalg.yield %s0 : f32
  } -> tensor<2xf32>
  %e21 = tensor.empty() : tensor<2x4xf32>
  %g22 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%g12, %g19, %cst1, %cst2 : tensor<2x4xf32>, tensor<2xf32>, tensor<4xf32>, tensor<4xf32>) outs(%e21 : tensor<2x4xf32>) {
  ^bb0(%b0: f32, %b1: f32, %b2: f32, %b3: f32, %out: f32):
    %s0 = arith.addf %b1, %c20 : f32
    %s1 = math.sqrt %s0 : f32
    %s2 = arith.divf %b0, %s1 : f32
    %s3 = arith.mulf %s2, %b2 : f32
    %s4 = arith.addf %s3, %b3 : f32
    linalg.yield %s4 : f32
  } -> tensor<2x4xf32>
  %fq23 = qc.fake_quant %g22 to !quant.uniform<i8:f32, 0.05:0> : tensor<2x4xf32>
  return %fq23 : tensor<2x4xf32>
}

// -----

// A 4-D batched matmul of two activations (collapsed to 3-D by graph.py):
// the quantize moves above the expand_shape and meets the batch_matmul.
// CHECK-LABEL: func.func @attention_scores
// CHECK-DAG:     %[[A:.*]] = qc.reshape %{{.*}} : tensor<2x3x4x8x!quant.uniform<i8:f32, 5.000000e-02:3>> -> tensor<6x4x8x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK-DAG:     %[[B:.*]] = qc.reshape %{{.*}} : tensor<2x3x8x4x!quant.uniform<i8:f32, 1.000000e-01:-2>> -> tensor<6x8x4x!quant.uniform<i8:f32, 1.000000e-01:-2>>
// CHECK:         %[[C:.*]] = qc.batch_matmul %[[A]], %[[B]] : {{.*}} -> tensor<6x4x4x!quant.uniform<i8:f32, 5.000000e-01:1>>
// CHECK:         qc.reshape %[[C]] : tensor<6x4x4x!quant.uniform<i8:f32, 5.000000e-01:1>> -> tensor<2x3x4x4x!quant.uniform<i8:f32, 5.000000e-01:1>>
// CHECK-NOT:     linalg
func.func @attention_scores(%arg0: tensor<2x3x4x8xf32>, %arg1: tensor<2x3x8x4xf32>) -> tensor<2x3x4x4xf32> {
  %c7 = arith.constant 0.0 : f32
  %fq1 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<2x3x4x8xf32>
  %fq2 = qc.fake_quant %arg1 to !quant.uniform<i8:f32, 0.1:-2> : tensor<2x3x8x4xf32>
  %cl3 = tensor.collapse_shape %fq1 [[0, 1], [2], [3]] : tensor<2x3x4x8xf32> into tensor<6x4x8xf32>
  %cl4 = tensor.collapse_shape %fq2 [[0, 1], [2], [3]] : tensor<2x3x8x4xf32> into tensor<6x8x4xf32>
  %e5 = tensor.empty() : tensor<6x4x4xf32>
  %init6 = linalg.fill ins(%c7 : f32) outs(%e5 : tensor<6x4x4xf32>) -> tensor<6x4x4xf32>
  %bmm8 = linalg.batch_matmul ins(%cl3, %cl4 : tensor<6x4x8xf32>, tensor<6x8x4xf32>) outs(%init6 : tensor<6x4x4xf32>) -> tensor<6x4x4xf32>
  %ex9 = tensor.expand_shape %bmm8 [[0, 1], [2], [3]] output_shape [2, 3, 4, 4] : tensor<6x4x4xf32> into tensor<2x3x4x4xf32>
  %fq10 = qc.fake_quant %ex9 to !quant.uniform<i8:f32, 0.5:1> : tensor<2x3x4x4xf32>
  return %fq10 : tensor<2x3x4x4xf32>
}

// -----

// A linear layer on [B, S, K]: matmul on the collapsed rows, its bias add
// moved before the expand_shape, one qc.matmul with bias.
// CHECK-LABEL: func.func @linear_3d
// CHECK:         %[[M:.*]] = qc.matmul %{{.*}}, %{{.*}} bias %{{.*}} : tensor<6x4x{{.*}} -> tensor<6x6x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK:         qc.reshape %[[M]] : {{.*}} -> tensor<2x3x6x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK-NOT:     linalg
func.func @linear_3d(%arg0: tensor<2x3x4xf32>) -> tensor<2x3x6xf32> {
  %c8 = arith.constant 0.0 : f32
  %cst1 = arith.constant dense<[[-0.75, -0.6875, -0.625, -0.5625, -0.5, -0.4375], [-0.375, -0.3125, -0.25, -0.1875, -0.125, -0.0625], [0.0, 0.0625, 0.125, 0.1875, 0.25, 0.3125], [0.375, 0.4375, 0.5, 0.5625, 0.625, 0.6875]]> : tensor<4x6xf32>
  %cst2 = arith.constant dense<[0.5, -0.5, 0.25, 0.0, 1.0, -1.0]> : tensor<6xf32>
  %fq3 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<2x3x4xf32>
  %fq4 = qc.fake_quant %cst1 to !quant.uniform<i8<-127:127>:f32, 0.0625:0> : tensor<4x6xf32>
  %cl5 = tensor.collapse_shape %fq3 [[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
  %e6 = tensor.empty() : tensor<6x6xf32>
  %init7 = linalg.fill ins(%c8 : f32) outs(%e6 : tensor<6x6xf32>) -> tensor<6x6xf32>
  %mm9 = linalg.matmul ins(%cl5, %fq4 : tensor<6x4xf32>, tensor<4x6xf32>) outs(%init7 : tensor<6x6xf32>) -> tensor<6x6xf32>
  %ex10 = tensor.expand_shape %mm9 [[0, 1], [2]] output_shape [2, 3, 6] : tensor<6x6xf32> into tensor<2x3x6xf32>
  %e11 = tensor.empty() : tensor<2x3x6xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex10, %cst2 : tensor<2x3x6xf32>, tensor<6xf32>) outs(%e11 : tensor<2x3x6xf32>) {
  ^bb0(%b0: f32, %b1: f32, %out: f32):
    %s0 = arith.addf %b0, %b1 : f32
    linalg.yield %s0 : f32
  } -> tensor<2x3x6xf32>
  %fq13 = qc.fake_quant %g12 to !quant.uniform<i8:f32, 0.2:0> : tensor<2x3x6xf32>
  return %fq13 : tensor<2x3x6xf32>
}

// -----

// A global average pool with no quantize after it keeps its input's
// parameters, and the classifier after it folds.
// CHECK-LABEL: func.func @global_pool_classifier
// CHECK:         %[[P:.*]] = qc.avg_pool2d %{{.*}} {kernel = array<i64: 4, 4>} : tensor<1x4x4x4x!quant.uniform<i8:f32, 5.000000e-02:3>> -> tensor<1x1x1x4x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK:         %[[R:.*]] = qc.reshape %[[P]]
// CHECK:         qc.matmul %[[R]], %{{.*}} -> tensor<1x6x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK-NOT:     linalg
func.func @global_pool_classifier(%arg0: tensor<1x4x4x4xf32>) -> tensor<1x6xf32> {
  %c5 = arith.constant 0.0 : f32
  %cst1 = arith.constant dense<[[-0.75, -0.6875, -0.625, -0.5625, -0.5, -0.4375], [-0.375, -0.3125, -0.25, -0.1875, -0.125, -0.0625], [0.0, 0.0625, 0.125, 0.1875, 0.25, 0.3125], [0.375, 0.4375, 0.5, 0.5625, 0.625, 0.6875]]> : tensor<4x6xf32>
  %fq2 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<1x4x4x4xf32>
  %e3 = tensor.empty() : tensor<1x1x1x4xf32>
  %init4 = linalg.fill ins(%c5 : f32) outs(%e3 : tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
  %e6 = tensor.empty() : tensor<4x4xf32>
  %pool7 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>}
      ins(%fq2, %e6 : tensor<1x4x4x4xf32>, tensor<4x4xf32>) outs(%init4 : tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
  %cnt8 = arith.constant dense<16.0> : tensor<1x1xf32>
  %e9 = tensor.empty() : tensor<1x1x1x4xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%pool7, %cnt8 : tensor<1x1x1x4xf32>, tensor<1x1xf32>) outs(%e9 : tensor<1x1x1x4xf32>) {
  ^bb0(%b0: f32, %b1: f32, %out: f32):
    %s0 = arith.divf %b0, %b1 : f32
    linalg.yield %s0 : f32
  } -> tensor<1x1x1x4xf32>
  %rs11 = tensor.collapse_shape %g10 [[0], [1, 2, 3]] : tensor<1x1x1x4xf32> into tensor<1x4xf32>
  %fq12 = qc.fake_quant %cst1 to !quant.uniform<i8<-127:127>:f32, 0.0625:0> : tensor<4x6xf32>
  %e13 = tensor.empty() : tensor<1x6xf32>
  %init14 = linalg.fill ins(%c5 : f32) outs(%e13 : tensor<1x6xf32>) -> tensor<1x6xf32>
  %mm15 = linalg.matmul ins(%rs11, %fq12 : tensor<1x4xf32>, tensor<4x6xf32>) outs(%init14 : tensor<1x6xf32>) -> tensor<1x6xf32>
  %fq16 = qc.fake_quant %mm15 to !quant.uniform<i8:f32, 0.2:0> : tensor<1x6xf32>
  return %fq16 : tensor<1x6xf32>
}

// -----

// Padding and counts of the valid elements (ONNX's default).
// CHECK-LABEL: func.func @avg_pool_pad_valid
// CHECK:         qc.avg_pool2d %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 5.000000e-02:3>> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK-NOT:     qc.requantize
func.func @avg_pool_pad_valid(%arg0: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %c3 = arith.constant 0.0 : f32
  %fq1 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<1x4x4x2xf32>
  %pad2 = tensor.pad %fq1 low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %c3 : f32
  } : tensor<1x4x4x2xf32> to tensor<1x6x6x2xf32>
  %e4 = tensor.empty() : tensor<1x4x4x2xf32>
  %init5 = linalg.fill ins(%c3 : f32) outs(%e4 : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %e6 = tensor.empty() : tensor<3x3xf32>
  %pool7 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>}
      ins(%pad2, %e6 : tensor<1x6x6x2xf32>, tensor<3x3xf32>) outs(%init5 : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %cnt8 = arith.constant dense<[[4.0, 6.0, 6.0, 4.0], [6.0, 9.0, 9.0, 6.0], [6.0, 9.0, 9.0, 6.0], [4.0, 6.0, 6.0, 4.0]]> : tensor<4x4xf32>
  %e9 = tensor.empty() : tensor<1x4x4x2xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%pool7, %cnt8 : tensor<1x4x4x2xf32>, tensor<4x4xf32>) outs(%e9 : tensor<1x4x4x2xf32>) {
  ^bb0(%b0: f32, %b1: f32, %out: f32):
    %s0 = arith.divf %b0, %b1 : f32
    linalg.yield %s0 : f32
  } -> tensor<1x4x4x2xf32>
  %fq11 = qc.fake_quant %g10 to !quant.uniform<i8:f32, 0.05:3> : tensor<1x4x4x2xf32>
  return %fq11 : tensor<1x4x4x2xf32>
}

// -----

// count_include_pad: every window counts 9; then a requantize.
// CHECK-LABEL: func.func @avg_pool_pad_include
// CHECK:         %[[P:.*]] = qc.avg_pool2d %{{.*}} {count_include_pad, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK:         qc.requantize %[[P]] : tensor<1x2x2x2x!quant.uniform<i8:f32, 5.000000e-02:3>> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01>>
func.func @avg_pool_pad_include(%arg0: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> {
  %c3 = arith.constant 0.0 : f32
  %fq1 = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.05:3> : tensor<1x4x4x2xf32>
  %pad2 = tensor.pad %fq1 low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %c3 : f32
  } : tensor<1x4x4x2xf32> to tensor<1x6x6x2xf32>
  %e4 = tensor.empty() : tensor<1x2x2x2xf32>
  %init5 = linalg.fill ins(%c3 : f32) outs(%e4 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %e6 = tensor.empty() : tensor<3x3xf32>
  %pool7 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 2]> : tensor<2xi64>}
      ins(%pad2, %e6 : tensor<1x6x6x2xf32>, tensor<3x3xf32>) outs(%init5 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %cnt8 = arith.constant dense<9.0> : tensor<2x2xf32>
  %e9 = tensor.empty() : tensor<1x2x2x2xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%pool7, %cnt8 : tensor<1x2x2x2xf32>, tensor<2x2xf32>) outs(%e9 : tensor<1x2x2x2xf32>) {
  ^bb0(%b0: f32, %b1: f32, %out: f32):
    %s0 = arith.divf %b0, %b1 : f32
    linalg.yield %s0 : f32
  } -> tensor<1x2x2x2xf32>
  %fq11 = qc.fake_quant %g10 to !quant.uniform<i8:f32, 0.1:0> : tensor<1x2x2x2xf32>
  return %fq11 : tensor<1x2x2x2xf32>
}
