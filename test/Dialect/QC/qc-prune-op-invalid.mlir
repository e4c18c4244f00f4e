// RUN: qc-opt %s -split-input-file --qc-prune -verify-diagnostics
// Per-op settings that cannot apply to the op's weight are errors at the op.

func.func @nm_does_not_divide(%x: tensor<4x6xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<6x2xf32>
  // expected-error@+1 {{qc-prune: pattern 2:4 needs the innermost reduction dimension (size 6) to be a multiple of 4}}
  %r = linalg.matmul {qc.prune = {pattern = "2:4"}} ins(%x, %w : tensor<4x6xf32>, tensor<6x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

func.func @nm_conv_channels(%x: tensor<1x4x4x6xf32>, %o: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  // 3x3x6 = 54 reduction positions but N:M runs along the 6 input channels.
  %w = arith.constant dense<1.0> : tensor<3x3x6x2xf32>
  // expected-error@+1 {{qc-prune: pattern 2:4 needs the innermost reduction dimension (size 6) to be a multiple of 4}}
  %r = linalg.conv_2d_nhwc_hwcf {qc.prune = {pattern = "2:4"}} ins(%x, %w : tensor<1x4x4x6xf32>, tensor<3x3x6x2xf32>) outs(%o : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %r : tensor<1x2x2x2xf32>
}

// -----

func.func @block_does_not_fit(%x: tensor<4x8xf32>, %o: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<1.0> : tensor<8x3xf32>
  // expected-error@+1 {{qc-prune: block 4x2 does not tile the 8x3 weight (reduction positions x output channels)}}
  %r = linalg.matmul {qc.prune = {pattern = "4x2", sparsity = 0.5}} ins(%x, %w : tensor<4x8xf32>, tensor<8x3xf32>) outs(%o : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// -----

func.func @bad_sparsity(%x: tensor<4x8xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  // expected-error@+1 {{qc-prune: sparsity must be in [0, 1), got 1.000000e+00}}
  %r = linalg.matmul {qc.prune = {sparsity = 1.0}} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

func.func @bad_attribute(%x: tensor<4x8xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  // expected-error@+1 {{qc-prune: 'qc.prune' entry 'sparsity' must be a number}}
  %r = linalg.matmul {qc.prune = {sparsity = "half"}} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

func.func @attribute_not_dict(%x: tensor<4x8xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  // expected-error@+1 {{qc-prune: 'qc.prune' must be a dictionary such as {pattern = "2:4"}}}
  %r = linalg.matmul {qc.prune = "2:4"} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

func.func @attribute_unknown_key(%x: tensor<4x8xf32>, %o: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  // expected-error@+1 {{qc-prune: unknown key 'patern' in 'qc.prune' (expected pattern, sparsity or disable)}}
  %r = linalg.matmul {qc.prune = {patern = "2:4"}} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}
