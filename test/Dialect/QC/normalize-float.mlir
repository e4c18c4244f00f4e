// RUN: qc-opt %s -split-input-file --qc-normalize-float | FileCheck %s
// The canonical float forms --qc-fold-fake-quant matches (docs/Design.md).

// A sum pool divided by the window size in a one-input generic becomes the
// canonical divisor: sum / counts[h, w].
// CHECK-LABEL: func.func @avg_pool_scalar_divisor
// CHECK-DAG:     %[[C:.*]] = arith.constant dense<4.000000e+00> : tensor<2x2xf32>
// CHECK:         %[[S:.*]] = linalg.pooling_nhwc_sum
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[COUNTS:.*]], #{{.*}}]
// CHECK-SAME:        ins(%[[S]], %[[C]] : tensor<1x2x2x3xf32>, tensor<2x2xf32>)
// CHECK:           arith.divf
func.func @avg_pool_scalar_divisor(%x: tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:2> : tensor<1x4x4x3xf32>
  %zero = arith.constant 0.0 : f32
  %four = arith.constant 4.0 : f32
  %e = tensor.empty() : tensor<1x2x2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %sum = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%xq, %win : tensor<1x4x4x3xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %avg = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sum : tensor<1x2x2x3xf32>) outs(%e : tensor<1x2x2x3xf32>) {
  ^bb0(%s: f32, %o: f32):
    %d = arith.divf %s, %four : f32
    linalg.yield %d : f32
  } -> tensor<1x2x2x3xf32>
  return %avg : tensor<1x2x2x3xf32>
}

// -----

// A product with the reciprocal on whole tensors (NCHW pool): counts are
// indexed by dims 2 and 3.
// CHECK-LABEL: func.func @avg_pool_nchw_reciprocal
// CHECK-DAG:     %[[C:.*]] = arith.constant dense<4.000000e+00> : tensor<2x2xf32>
// CHECK:         %[[S:.*]] = linalg.pooling_nchw_sum
// CHECK:         linalg.generic {{.*}} ins(%[[S]], %[[C]] : tensor<1x3x2x2xf32>, tensor<2x2xf32>)
// CHECK-NOT:     arith.mulf
func.func @avg_pool_nchw_reciprocal(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:2> : tensor<1x3x4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x2x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %sum = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%xq, %win : tensor<1x3x4x4xf32>, tensor<2x2xf32>) outs(%init : tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  %quarter = arith.constant dense<0.25> : tensor<1x3x2x2xf32>
  %avg = arith.mulf %sum, %quarter : tensor<1x3x2x2xf32>
  return %avg : tensor<1x3x2x2xf32>
}

// -----

// GELU written op by op over three generics of one fake-quantized value
// fuses into one generic (then one qc.table in the fold).
// CHECK-LABEL: func.func @gelu_chain
// CHECK:         %[[XQ:.*]] = qc.fake_quant
// CHECK:         linalg.generic {{.*}} ins(%[[XQ]] : tensor<8xf32>)
// CHECK:           math.erf
// CHECK:           arith.mulf
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @gelu_chain(%x: tensor<8xf32>) -> tensor<8xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:2> : tensor<8xf32>
  %c = arith.constant 0.70710677 : f32
  %one = arith.constant 1.0 : f32
  %half = arith.constant 0.5 : f32
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%xq : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.mulf %v, %c : f32
    %r = math.erf %s : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %one : f32
    %t = arith.mulf %s, %half : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%xq, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %w: f32, %o: f32):
    %s = arith.mulf %v, %w : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %yq = qc.fake_quant %y to !quant.uniform<i8:f32, 0.05:2> : tensor<8xf32>
  return %yq : tensor<8xf32>
}

// -----

// NOTE: a bias add and a ReLU after a matmul, and a sum of two quantized
// values, keep their shapes: the contraction and add matchers read them.
// CHECK-LABEL: func.func @not_fused
// CHECK:         linalg.matmul
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
// CHECK:         linalg.generic
// CHECK:           arith.addf
func.func @not_fused(%x: tensor<2x4xf32>, %wt: tensor<4x3xf32>, %z: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:2> : tensor<2x4xf32>
  %zq = qc.fake_quant %z to !quant.uniform<i8:f32, 0.05:2> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %bias = arith.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %mm = linalg.matmul ins(%xq, %wt : tensor<2x4xf32>, tensor<4x3xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<2x3xf32>, tensor<3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.maximumf %v, %zero : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%r, %zq : tensor<2x3xf32>, tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%v: f32, %w: f32, %o: f32):
    %s = arith.addf %v, %w : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  return %a : tensor<2x3xf32>
}

// -----

// The bias add after an N-D matmul (graph.py: collapse, matmul, expand)
// runs on the collapsed shape; the expand_shape moves after it.
// CHECK-LABEL: func.func @bias_after_expand
// CHECK:         %[[MM:.*]] = linalg.matmul
// CHECK:         %[[B:.*]] = linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<6x3xf32>, tensor<3xf32>)
// CHECK:         tensor.expand_shape %[[B]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 3]
func.func @bias_after_expand(%x: tensor<2x3x4xf32>, %w: tensor<4x3xf32>) -> tensor<2x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %bias = arith.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %c = tensor.collapse_shape %x [[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
  %e = tensor.empty() : tensor<6x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<6x3xf32>) -> tensor<6x3xf32>
  %mm = linalg.matmul ins(%c, %w : tensor<6x4xf32>, tensor<4x3xf32>) outs(%init : tensor<6x3xf32>) -> tensor<6x3xf32>
  %ex = tensor.expand_shape %mm [[0, 1], [2]] output_shape [2, 3, 3] : tensor<6x3xf32> into tensor<2x3x3xf32>
  %e3 = tensor.empty() : tensor<2x3x3xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (k)>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %bias : tensor<2x3x3xf32>, tensor<3xf32>) outs(%e3 : tensor<2x3x3xf32>) {
  ^bb0(%v: f32, %cb: f32, %o: f32):
    %s = arith.addf %v, %cb : f32
    linalg.yield %s : f32
  } -> tensor<2x3x3xf32>
  return %b : tensor<2x3x3xf32>
}
