// RUN: qc-opt %s --qc-hadamard-rotate=randomize=false -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qc-opt %s --qc-hadamard-rotate -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SIGNS
// RUN: qc-opt %s --qc-hadamard-rotate=fold-producers=false -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=NOFOLD
// The pass's statistics add up the remarks below: eight layers rotated (two
// of them zero-padded), one of them (@chain's second) absorbed by its
// producer, four left alone.
// RUN: qc-opt %s --qc-hadamard-rotate -split-input-file --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... qc pass statistics ...
// STATS:      {{^}}qc-hadamard-rotate{{$}}
// STATS-NEXT:   (S) 1 folded-rotations
// STATS-NEXT:   (S) 7 online-hadamards
// STATS-NEXT:   (S) 8 rotated-layers
// STATS-NEXT:   (S) 4 skipped-layers
// RUN: qc-opt %s --qc-hadamard-rotate=fold-producers=false -split-input-file --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS-NOFOLD
// STATS-NOFOLD:      {{^}}qc-hadamard-rotate{{$}}
// STATS-NOFOLD-NEXT:   (S) 0 folded-rotations
// STATS-NOFOLD-NEXT:   (S) 8 online-hadamards

// x W = (Q x)^T (Q W) with Q = H_2 / sqrt(2): the weight rows are rotated
// and the input gets an online qc.hadamard.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[2.82842708, 4.2426405], [-1.41421354, -1.41421354]]> : tensor<2x2xf32>
// CHECK: %[[H:.*]] = qc.hadamard %[[X]] block 2 : tensor<3x2xf32> -> tensor<3x2xf32>
// CHECK: linalg.matmul ins(%[[H]], %[[W]] : tensor<3x2xf32>, tensor<2x2xf32>)
// Random signs (seed 0) put a negate array on the online transform.
// SIGNS-LABEL: func @matmul
// SIGNS: qc.hadamard %{{.*}} block 2 negate [
func.func @matmul(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 2 rotated in blocks of 2 (}}
  %r = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%i : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// Two linear layers: the second one's rotation is absorbed by the output
// channels of the first (W1 -> Q W1 Q^T with its own input rotation), so
// there is one online transform, on the model input.
// CHECK-LABEL: func @chain
// CHECK: %[[H:.*]] = qc.hadamard
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[H]],
// CHECK-NOT: qc.hadamard
// CHECK: linalg.matmul ins(%[[Y]],
// NOFOLD-LABEL: func @chain
// NOFOLD-COUNT-2: qc.hadamard
func.func @chain(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w1 = arith.constant dense<[[1.0, 0.0, 2.0, 1.0], [2.0, 1.0, 0.0, 3.0], [0.5, 0.5, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0]]> : tensor<4x4xf32>
  %w2 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x4xf32>
  %i1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 4 rotated in blocks of 4 (}}
  %y = linalg.matmul ins(%x, %w1 : tensor<1x4xf32>, tensor<4x4xf32>) outs(%i1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %e2 = tensor.empty() : tensor<1x2xf32>
  %i2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 4 rotated in blocks of 4 (}}
  %r = linalg.matmul ins(%y, %w2 : tensor<1x4xf32>, tensor<4x2xf32>) outs(%i2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

// -----

// A 1x1 convolution rotates its input channels (the last NHWC dimension);
// 12 channels form one block H_12 (Paley, not a power of two). Each filter
// column is 0.5 * ones; H_12's first row is all ones and its other rows sum
// to 0, so Q W = [0.5 * 12 / sqrt(12) = sqrt(3), 0, ..., 0] per column.
// CHECK-LABEL: func @conv1x1
// CHECK: arith.constant dense<{{\[\[\[\[}}1.73205078, 1.73205078], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]]]]> : tensor<1x1x12x2xf32>
// CHECK: %[[H:.*]] = qc.hadamard %{{.*}} block 12 : tensor<1x3x3x12xf32> -> tensor<1x3x3x12xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[H]],
func.func @conv1x1(%x: tensor<1x3x3x12xf32>) -> tensor<1x3x3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<1x1x12x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 12 rotated in blocks of 12 (}}
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x3x3x12xf32>, tensor<1x1x12x2xf32>) outs(%i : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  return %r : tensor<1x3x3x2xf32>
}

// -----

// Left alone, each with a remark: a 3x3 convolution, a weight that is not a
// constant (an odd reduction dimension is zero-padded: @odd below), a fake-quantized weight, a
// quantized qc.matmul and an op that opts out.
// CHECK-LABEL: func @skipped
// CHECK-NOT: qc.hadamard %
// CHECK: return
func.func @skipped(%x: tensor<1x4x4x2xf32>, %a: tensor<2x3xf32>, %b: tensor<3x2xf32>,
                   %q: tensor<2x4x!quant.uniform<i8:f32, 0.1>>) {
  %z = arith.constant 0.0 : f32
  %w3 = arith.constant dense<1.0> : tensor<3x3x2x2xf32>
  %ec = tensor.empty() : tensor<1x2x2x2xf32>
  %ic = linalg.fill ins(%z : f32) outs(%ec : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: not rotated: only 1x1 convolutions are linear in their channels alone}}
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w3 : tensor<1x4x4x2xf32>, tensor<3x3x2x2xf32>) outs(%ic : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: not rotated: the weight is not a constant}}
  %m1 = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x2xf32>) outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  %w2 = arith.constant dense<1.0> : tensor<2x2xf32>
  %f = qc.fake_quant %w2 to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: not rotated: already fake-quantized: rotate the float model before calibrating it}}
  %m3 = linalg.matmul ins(%m1, %f : tensor<2x2xf32>, tensor<2x2xf32>) outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  %wq_s = arith.constant dense<1> : tensor<4x2xi8>
  %wq = quant.scast %wq_s : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8:f32, 0.1>>
  // expected-remark@+1 {{qc-hadamard-rotate: not rotated: quantized activations need their scale calibrated after the rotation}}
  %m4 = qc.matmul %q, %wq : tensor<2x4x!quant.uniform<i8:f32, 0.1>>, tensor<4x2x!quant.uniform<i8:f32, 0.1>> -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  %w4 = arith.constant dense<1.0> : tensor<2x2xf32>
  %m5 = linalg.matmul {qc.hadamard_rotate = {disable}} ins(%m1, %w4 : tensor<2x2xf32>, tensor<2x2xf32>) outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  return
}

// -----

// A per-op block: 8 instead of the automatic 16.
// CHECK-LABEL: func @override
// CHECK: qc.hadamard %{{.*}} block 8 : tensor<1x16xf32>
func.func @override(%x: tensor<1x16xf32>) -> tensor<1x1xf32> {
  %w = arith.constant dense<1.0> : tensor<16x1xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 16 rotated in blocks of 8 (}}
  %r = linalg.matmul {qc.hadamard_rotate = {block = 8}} ins(%x, %w : tensor<1x16xf32>, tensor<16x1xf32>) outs(%i : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %r : tensor<1x1xf32>
}

// -----

// An odd K (5: no supported block divides it) is zero-padded to the
// smallest supported block, 8: x W = [x, 0] [W; 0], rotated as one block
// (the weight is H_8 / sqrt(8) [W; 0]); a dynamic batch keeps its `?`.
// CHECK-LABEL: func @odd
// CHECK-SAME: (%[[X:.*]]: tensor<?x5xf32>)
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[8.83883{{[0-9]*}}, 10.6066{{[0-9]*}}], [1.76776{{[0-9]*}}, 2.12132{{[0-9]*}}], {{.*}}> : tensor<8x2xf32>
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0] high[0, 3]
// CHECK: tensor.yield %{{.*}} : f32
// CHECK: } : tensor<?x5xf32> to tensor<?x8xf32>
// CHECK: %[[H:.*]] = qc.hadamard %[[P]] block 8 : tensor<?x8xf32> -> tensor<?x8xf32>
// CHECK: linalg.matmul ins(%[[H]], %[[W]] : tensor<?x8xf32>, tensor<8x2xf32>)
// A padded layer's rotation is not absorbed by its producer (which would
// need 8 outputs instead of 5): both layers keep an online transform.
// CHECK-LABEL: func @odd_chain
// CHECK: qc.hadamard %{{.*}} block 4
// CHECK: tensor.pad
// CHECK: qc.hadamard %{{.*}} block 8
func.func @odd(%x: tensor<?x5xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0]]> : tensor<5x2xf32>
  %z = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x5xf32>
  %e = tensor.empty(%m) : tensor<?x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 5 zero-padded to 8 and rotated in blocks of 8 (}}
  %r = linalg.matmul ins(%x, %w : tensor<?x5xf32>, tensor<5x2xf32>) outs(%i : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}

func.func @odd_chain(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x5xf32>
  %w2 = arith.constant dense<2.0> : tensor<5x2xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<3x5xf32>
  %i1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<3x5xf32>) -> tensor<3x5xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 4 rotated in blocks of 4 (}}
  %y = linalg.matmul ins(%x, %w1 : tensor<3x4xf32>, tensor<4x5xf32>) outs(%i1 : tensor<3x5xf32>) -> tensor<3x5xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  %i2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 5 zero-padded to 8 and rotated in blocks of 8 (}}
  %r = linalg.matmul ins(%y, %w2 : tensor<3x5xf32>, tensor<5x2xf32>) outs(%i2 : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}
