// RUN: qc-opt %s -split-input-file -allow-unregistered-dialect "--qc-fold-fake-quant=report=true" -verify-diagnostics | FileCheck %s
// RUN: qc-opt %s -split-input-file -allow-unregistered-dialect --qc-fold-fake-quant 2>&1 | FileCheck %s --check-prefix=QUIET

// What has no integer form stays correct in float between a dequantize and a
// quantize; with report=true a remark names it and the reason, and each
// function gets a summary. Without report=true the pass says nothing.
// QUIET-NOT: {{remark: }}

// NOTE: tanh has no qc op; it stays float between the boundaries.
// CHECK-LABEL: func.func @tanh_stays_float
// CHECK:         %[[Q:.*]] = qc.quantize
// CHECK:         %[[D:.*]] = qc.dequantize %[[Q]]
// CHECK:         %[[T:.*]] = math.tanh %[[D]]
// CHECK:         %[[Q2:.*]] = qc.quantize %[[T]]
// CHECK:         qc.dequantize %[[Q2]]
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: math.tanh}}
func.func @tanh_stays_float(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  // expected-remark@+1 {{'math.tanh' stays in float: no integer form for this op}}
  %t = math.tanh %q : tensor<4xf32>
  %y = qc.fake_quant %t to !quant.uniform<i8:f32, 0.01> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// NOTE: the weight is quantized per channel along K (axis 0), but qc.matmul
// only scales per output column (axis 1): the matmul stays float, with the
// verifier's reason.
// CHECK-LABEL: func.func @matmul_weight_wrong_axis
// CHECK:         linalg.matmul
// CHECK-NOT:     qc.matmul
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.matmul}}
func.func @matmul_weight_wrong_axis(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:0, {0.1, 0.2}> : tensor<2x2xf32>
  %zero = arith.constant dense<0.0> : tensor<2x2xf32>
  // expected-remark@+1 {{'linalg.matmul' stays in float: 'qc.matmul' op per-axis rhs must be quantized along axis 1 (N)}}
  %m = linalg.matmul ins(%xq, %wq : tensor<2x2xf32>, tensor<2x2xf32>) outs(%zero : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// NOTE: 16-bit operands with K = 4096 could overflow the i32 accumulator,
// so qc.matmul would be invalid: the matmul stays float.
// CHECK-LABEL: func.func @matmul_accumulator_overflow
// CHECK:         linalg.matmul
// CHECK-NOT:     qc.matmul
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.matmul}}
func.func @matmul_accumulator_overflow(%x: tensor<1x4096xf32>, %w: tensor<4096x1xf32>) -> tensor<1x1xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i16:f32, 0.1> : tensor<1x4096xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i16:f32, 0.1> : tensor<4096x1xf32>
  %zero = arith.constant dense<0.0> : tensor<1x1xf32>
  // expected-remark@+1 {{'linalg.matmul' stays in float: 'qc.matmul' op i32 accumulator may overflow}}
  %m = linalg.matmul ins(%xq, %wq : tensor<1x4096xf32>, tensor<4096x1xf32>) outs(%zero : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y = qc.fake_quant %m to !quant.uniform<i16:f32, 1.0> : tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// NOTE: a matmul whose A is broadcast over M ((d0, d1, d2) -> (d2)) is not
// the [M, K] x [K, N] form of qc.matmul (only transposes are folded).
// CHECK-LABEL: func.func @matmul_broadcast_maps
// CHECK:         linalg.matmul
// CHECK-NOT:     qc.matmul
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.matmul}}
func.func @matmul_broadcast_maps(%x: tensor<3xf32>, %w: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<3x4xf32>
  %zero = arith.constant dense<0.0> : tensor<2x4xf32>
  // expected-remark@+1 {{'linalg.matmul' stays in float: user-defined indexing maps other than transposes of A or B are not the form of qc.matmul}}
  %m = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
       ins(%xq, %wq : tensor<3xf32>, tensor<3x4xf32>) outs(%zero : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.1> : tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// NOTE: the accumulator is a run-time value, not zero or a constant bias:
// there is no i32 bias to make of it.
// CHECK-LABEL: func.func @matmul_runtime_init
// CHECK:         linalg.matmul
// CHECK-NOT:     qc.matmul
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.matmul}}
func.func @matmul_runtime_init(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>, %acc: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  // expected-remark@+1 {{'linalg.matmul' stays in float: the accumulator init is neither zero nor a per-channel constant bias}}
  %m = linalg.matmul ins(%xq, %wq : tensor<2x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// NOTE: a broadcasting add of two activations has no qc form (qc.add needs
// equal shapes).
// CHECK-LABEL: func.func @broadcast_add
// CHECK:         linalg.generic
// CHECK-NOT:     qc.add
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.generic}}
func.func @broadcast_add(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<2x3xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.1> : tensor<3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  // expected-remark@+1 {{'linalg.generic' stays in float: no integer form for this op}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%qa, %qb : tensor<2x3xf32>, tensor<3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<2x3xf32>
  %y = qc.fake_quant %s to !quant.uniform<i8:f32, 0.2> : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// NOTE: max pooling from an init of 0.0 is max(0, window): the init can win,
// so the pool is not a plain qc.max_pool2d.
// CHECK-LABEL: func.func @max_pool_zero_init
// CHECK:         linalg.pooling_nhwc_max
// CHECK-NOT:     qc.max_pool2d
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.pooling_nhwc_max}}
func.func @max_pool_zero_init(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x2x2x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x1x1xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  // expected-remark@+1 {{'linalg.pooling_nhwc_max' stays in float: the init or padding value is above the smallest representable value and could win the max}}
  %m = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x2x2x1xf32>, tensor<2x2xf32>) outs(%init : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  return %m : tensor<1x1x1x1xf32>
}

// -----

// NOTE: a sum pool divided by 3 over a 2x2 window is not an average.
// CHECK-LABEL: func.func @sum_pool_not_average
// CHECK:         linalg.pooling_nhwc_sum
// CHECK-NOT:     qc.avg_pool2d
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 2 op(s) stayed float: linalg.pooling_nhwc_sum, arith.divf}}
func.func @sum_pool_not_average(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x2x2x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x1x1xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  // expected-remark@+1 {{'linalg.pooling_nhwc_sum' stays in float: its result reaches no qc.quantize through ops the fold knows: it feeds 'arith.divf'}}
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %win : tensor<1x2x2x1xf32>, tensor<2x2xf32>) outs(%init : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %three = arith.constant dense<3.0> : tensor<1x1x1x1xf32>
  // expected-remark@+1 {{'arith.divf' stays in float: the divisor is not the window size, so this is not an average}}
  %a = arith.divf %s, %three : tensor<1x1x1x1xf32>
  %y = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}

// -----

// NOTE: qc.matmul has no batch dimension; a batch of 2 stays float.
// CHECK-LABEL: func.func @batch_matmul_batch2
// CHECK:         linalg.batch_matmul
// CHECK-NOT:     qc.matmul
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.batch_matmul}}
func.func @batch_matmul_batch2(%x: tensor<2x2x2xf32>, %w: tensor<2x2x2xf32>) -> tensor<2x2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<2x2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<2x2x2xf32>
  %zero = arith.constant dense<0.0> : tensor<2x2x2xf32>
  // expected-remark@+1 {{'linalg.batch_matmul' stays in float: qc.matmul has no batch dimension: only a static batch of 1 is folded}}
  %m = linalg.batch_matmul ins(%xq, %wq : tensor<2x2x2xf32>, tensor<2x2x2xf32>) outs(%zero : tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.1> : tensor<2x2x2xf32>
  return %y : tensor<2x2x2xf32>
}

// -----

// NOTE: a conv whose input is padded with a non-zero value is not a
// zero-padded qc.conv2d.
// CHECK-LABEL: func.func @conv_nonzero_pad
// CHECK:         tensor.pad
// CHECK:         linalg.conv_2d_nhwc_hwcf
// CHECK-NOT:     qc.conv2d
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 2 op(s) stayed float: tensor.pad, linalg.conv_2d_nhwc_hwcf}}
func.func @conv_nonzero_pad(%x: tensor<1x2x2x1xf32>, %w: tensor<1x1x1x1xf32>) -> tensor<1x4x4x1xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x2x2x1xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<1x1x1x1xf32>
  %one = arith.constant 1.0 : f32
  // expected-remark@+1 {{'tensor.pad' stays in float: no integer form for this op}}
  %p = tensor.pad %xq low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %one : f32
  } : tensor<1x2x2x1xf32> to tensor<1x4x4x1xf32>
  %zero = arith.constant dense<0.0> : tensor<1x4x4x1xf32>
  // expected-remark@+1 {{'linalg.conv_2d_nhwc_hwcf' stays in float: the input pad is not a constant zero pad of H and W}}
  %c = linalg.conv_2d_nhwc_hwcf ins(%p, %wq : tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>) outs(%zero : tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32>
  %y = qc.fake_quant %c to !quant.uniform<i8:f32, 0.1> : tensor<1x4x4x1xf32>
  return %y : tensor<1x4x4x1xf32>
}

// -----

// NOTE: the matmul result is also returned in float; folding it would
// compute it twice (in integers for the quantize, in float for the return).
// CHECK-LABEL: func.func @matmul_used_in_float
// CHECK:         %[[M:.*]] = linalg.matmul
// CHECK:         return %{{.*}}, %[[M]]
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.matmul}}
func.func @matmul_used_in_float(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %zero = arith.constant dense<0.0> : tensor<2x2xf32>
  // expected-remark@+1 {{'linalg.matmul' stays in float: its result is also used in float}}
  %m = linalg.matmul ins(%xq, %wq : tensor<2x2xf32>, tensor<2x2xf32>) outs(%zero : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  return %y, %m : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// NOTE: a ReLU on a per-channel activation has a different code range per
// channel, which neither qc.clamp nor a fused clamp can express.
// CHECK-LABEL: func.func @per_axis_relu
// CHECK:         arith.maximumf
// CHECK-NOT:     qc.clamp
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: arith.maximumf}}
func.func @per_axis_relu(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32:1, {0.1, 0.2}> : tensor<2x2xf32>
  %zero = arith.constant dense<0.0> : tensor<2x2xf32>
  // expected-remark@+1 {{'arith.maximumf' stays in float: a clamp on a per-axis quantized result has no single integer range}}
  %r = arith.maximumf %xq, %zero : tensor<2x2xf32>
  %y = qc.fake_quant %r to !quant.uniform<i8:f32:1, {0.1, 0.2}> : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// NOTE: an op the pass knows nothing about (here unregistered) is left alone
// between the boundaries and named.
// CHECK-LABEL: func.func @unknown_op
// CHECK:         "foo.bar"
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: foo.bar}}
func.func @unknown_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  // expected-remark@+1 {{'foo.bar' stays in float: no integer form for this op}}
  %t = "foo.bar"(%q) : (tensor<4xf32>) -> tensor<4xf32>
  %y = qc.fake_quant %t to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// NOTE: qc.reshape needs static shapes; a reshape to an unranked tensor
// stays float.
// CHECK-LABEL: func.func @reshape_unranked
// CHECK:         tensor.reshape
// CHECK-NOT:     qc.reshape
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: tensor.reshape}}
func.func @reshape_unranked(%x: tensor<4xf32>, %s: tensor<1xindex>) -> tensor<*xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  // expected-remark@+1 {{'tensor.reshape' stays in float: no integer form for this op}}
  %r = tensor.reshape %q(%s) : (tensor<4xf32>, tensor<1xindex>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// NOTE: qc boundaries take 2- to 16-bit storage; an i32 QDQ pair is not
// converted and the warning says that upstream folding removes it.
// CHECK-LABEL: func.func @qdq_i32
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 0 op(s) stayed float}}
func.func @qdq_i32(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-warning@+1 {{not converted to qc.quantize (qc needs ranked f16/bf16/f32/f64 tensors and 2- to 16-bit storage); a quant.dcast of it folds away}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i32:f32, 0.1>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i32:f32, 0.1>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// NOTE: a bias scale s_in * s_w below the smallest f32 makes the i32 bias
// type invalid: the matmul stays float (a remark, not an error).
// CHECK-LABEL: func.func @bias_scale_underflow
// CHECK:         linalg.matmul
// CHECK-NOT:     qc.matmul
// expected-remark@+1 {{qc-fold-fake-quant: 0 integer op(s), 1 op(s) stayed float: linalg.matmul}}
func.func @bias_scale_underflow(%x: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 1.0e-30> : tensor<1x1xf32>
  %w = arith.constant dense<1.0e-28> : tensor<1x1xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 1.0e-30> : tensor<1x1xf32>
  %b = arith.constant dense<1.0> : tensor<1x1xf32>
  // expected-remark@+1 {{'linalg.matmul' stays in float: bias type: scale out of expressed type range}}
  %m = linalg.matmul ins(%xq, %wq : tensor<1x1xf32>, tensor<1x1xf32>) outs(%b : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 1.0> : tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
