// RUN: qc-opt %s -split-input-file --qc-remove-zero-channels -verify-diagnostics | FileCheck %s
// The pass's statistics (docs/Embedding.md) count the channels of the
// remarks below: 2 + 1 removed.
// RUN: qc-opt %s -split-input-file --qc-remove-zero-channels --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... qc pass statistics ...
// STATS:      {{^}}qc-remove-zero-channels{{$}}
// STATS-NEXT:   (S) 3 removed-channels
// Exactness of each rewrite is checked by execution in
// test/python/sparsify_channels.py.

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
  // expected-remark@+1 {{qc-remove-zero-channels: removed 2 of 4 zero output channels, constant outputs folded into the consumers' biases}}
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
  // expected-remark@+1 {{qc-remove-zero-channels: removed 1 of 2 zero output channels}}
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
  // expected-remark@+1 {{qc-remove-zero-channels: 1 of 2 output channels are zero but kept: its result is used by 'func.return'}}
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
  // expected-remark@+1 {{qc-remove-zero-channels: 1 of 2 output channels are zero but kept: its consumer convolution pads and the removed outputs are not the zero point}}
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
func.func @not_constant(%a: tensor<2x2x!quant.uniform<i8:f32, 0.1>>, %w: tensor<2x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>> {
  %y = qc.matmul %a, %w : tensor<2x2x!quant.uniform<i8:f32, 0.1>>, tensor<2x2x!quant.uniform<i8:f32, 0.1>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<2x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// NOTE: the raw contraction after --qc-lower-to-linalg is --qc-sparsify's:
// a sparse linalg.matmul weight (zero column included) stays as it is.
// CHECK-LABEL: func.func @raw_left_alone
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[1, 0], [0, 0], [2, 0], [0, 0]]> : tensor<4x2xi8>
// CHECK: linalg.matmul ins(%arg0, %[[W]] : tensor<2x4xi8>, tensor<4x2xi8>)
func.func @raw_left_alone(%a: tensor<2x4xi8>, %init: tensor<2x2xi32>) -> tensor<2x2xi32> {
  %w = arith.constant dense<[[1, 0], [0, 0], [2, 0], [0, 0]]> : tensor<4x2xi8>
  %r = linalg.matmul ins(%a, %w : tensor<2x4xi8>, tensor<4x2xi8>) outs(%init : tensor<2x2xi32>) -> tensor<2x2xi32>
  return %r : tensor<2x2xi32>
}
