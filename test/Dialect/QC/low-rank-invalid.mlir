// Bad input to --qc-low-rank: every case is a located error and a non-zero
// exit, never a crash.
// RUN: qc-opt %s --qc-low-rank="rank=4" -split-input-file -verify-diagnostics

// Pass options, checked before any op is touched.
// RUN: not qc-opt %s --qc-low-rank="rank=0" 2>&1 | FileCheck %s --check-prefix=RANK0
// RANK0: error: qc-low-rank: rank must be >= 1, got 0
// RUN: not qc-opt %s --qc-low-rank="rank=-3" 2>&1 | FileCheck %s --check-prefix=RANKNEG
// RANKNEG: error: qc-low-rank: rank must be >= 1, got -3
// RUN: not qc-opt %s --qc-low-rank="energy=0" 2>&1 | FileCheck %s --check-prefix=ENERGY0
// ENERGY0: error: qc-low-rank: energy must be in (0, 1], got 0
// RUN: not qc-opt %s --qc-low-rank="energy=1.5" 2>&1 | FileCheck %s --check-prefix=ENERGY15
// ENERGY15: error: qc-low-rank: energy must be in (0, 1], got 1.5
// RUN: not qc-opt %s --qc-low-rank="energy=nan" 2>&1 | FileCheck %s --check-prefix=ENERGYNAN
// ENERGYNAN: error: qc-low-rank: energy must be in (0, 1], got nan
// RUN: not qc-opt %s --qc-low-rank="max-rel-error=1" 2>&1 | FileCheck %s --check-prefix=MRE
// MRE: error: qc-low-rank: max-rel-error must be in [0, 1), got 1
// RUN: not qc-opt %s --qc-low-rank="rank=2 energy=0.5" 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: qc-low-rank: rank=, energy= and max-rel-error= are mutually exclusive
// RUN: not qc-opt %s --qc-low-rank="rank=2 min-flop-reduction=-1" 2>&1 | FileCheck %s --check-prefix=MFR
// MFR: error: qc-low-rank: min-flop-reduction must be a finite factor >= 0 (0 disables the check), got -1
// RUN: not qc-opt %s --qc-low-rank="rank=2 intermediate-bits=17" 2>&1 | FileCheck %s --check-prefix=BITS
// BITS: error: qc-low-rank: intermediate-bits must be in [2, 16], got 17

func.func @nan(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                             [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                             [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                             [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 0x7FC00000, 5.0, 6.0, 7.0, 8.0]]> : tensor<8x8xf32>
  // expected-error@+1 {{qc-low-rank: the weight contains NaN or Inf; cannot factorize it}}
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @inf(%x: tensor<1x4x4x2xf32>, %init: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %w = arith.constant dense<0x7F800000> : tensor<1x1x2x8xf32>
  // expected-error@+1 {{qc-low-rank: the weight contains NaN or Inf; cannot factorize it}}
  %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x4x4x2xf32>, tensor<1x1x2x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// rank=4 is larger than min(K, N) = 3.
func.func @rank_too_large(%x: tensor<2x3xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.0> : tensor<3x8xf32>
  // expected-error@+1 {{qc-low-rank: rank 4 exceeds min(rows, cols) = 3 of the 3x8 weight matrix}}
  %y = linalg.matmul ins(%x, %w : tensor<2x3xf32>, tensor<3x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>
!y = !quant.uniform<i8:f32, 0.3:-2>
func.func @quantized_rank_too_large(%x: tensor<4x2x!x>) -> tensor<4x16x!y> {
  %wc = arith.constant dense<3> : tensor<2x16xi8>
  %w = quant.scast %wc : tensor<2x16xi8> to tensor<2x16x!w>
  // expected-error@+1 {{qc-low-rank: rank 4 exceeds min(rows, cols) = 2 of the 2x16 weight matrix}}
  %y = qc.matmul %x, %w : tensor<4x2x!x>, tensor<2x16x!w> -> tensor<4x16x!y>
  return %y : tensor<4x16x!y>
}

// -----

func.func @override_not_dict(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8xf32>
  // expected-error@+1 {{qc-low-rank: 'qc.low_rank' must be a dictionary such as {rank = 8}}}
  %y = linalg.matmul {qc.low_rank = 3 : i64} ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @override_unknown_key(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8xf32>
  // expected-error@+1 {{qc-low-rank: unknown key 'ranks' in 'qc.low_rank' (expected rank, energy, max_rel_error, min_flop_reduction or disable)}}
  %y = linalg.matmul {qc.low_rank = {ranks = 3 : i64}} ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @override_bad_energy(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8xf32>
  // expected-error@+1 {{qc-low-rank: option 'energy' of 'qc.low_rank': energy must be in (0, 1], got 2}}
  %y = linalg.matmul {qc.low_rank = {energy = 2.0 : f64}} ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @override_bad_rank(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8xf32>
  // expected-error@+1 {{qc-low-rank: option 'rank' of 'qc.low_rank': rank must be an integer >= 1, got 0}}
  %y = linalg.matmul {qc.low_rank = {rank = 0 : i64}} ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @override_two_rules(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8xf32>
  // expected-error@+1 {{qc-low-rank: 'qc.low_rank' sets more than one of rank, energy and max_rel_error}}
  %y = linalg.matmul {qc.low_rank = {rank = 1 : i64, energy = 0.5 : f64}} ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
