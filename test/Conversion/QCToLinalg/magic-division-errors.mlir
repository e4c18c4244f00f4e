// RUN: qc-opt %s --qc-test-magic-division -split-input-file -verify-diagnostics
// A marked division that Division.cpp cannot build is reported.

func.func @i32(%n: i32, %d: i32) -> i32 {
  // expected-error @below {{'qc.test_max_divisor_bits' needs an i64 division and an integer attribute in [1, 62]}}
  %q = arith.divui %n, %d {qc.test_max_divisor_bits = 30 : i64} : i32
  return %q : i32
}

// -----

func.func @too_wide(%n: i64, %d: i64) -> i64 {
  // expected-error @below {{'qc.test_max_divisor_bits' needs an i64 division and an integer attribute in [1, 62]}}
  %q = arith.divui %n, %d {qc.test_max_divisor_bits = 63 : i64} : i64
  return %q : i64
}

// -----

// N = 2^62 with d_min = 2^30: N / 2^61 >= 1, the estimate may be off by
// more than one.
func.func @short_out_of_range(%n: i64, %d: i64) -> i64 {
  // expected-error @below {{'qc.test_short_bounds' needs an i64 division and bounds [N, d_min] or [N, d_min, d_max] that admit the short quotient}}
  %q = arith.divui %n, %d {qc.test_short_bounds = array<i64: 4611686018427387904, 1073741824>} : i64
  return %q : i64
}
