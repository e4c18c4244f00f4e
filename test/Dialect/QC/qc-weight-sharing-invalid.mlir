// Bad options are errors at the module, bad per-op attributes errors at the
// op; either way the pass fails and prints nothing else.
// RUN: not qc-opt %s --qc-weight-sharing=clusters=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not qc-opt %s --qc-weight-sharing=clusters=1000 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not qc-opt %s --qc-weight-sharing=granularity=row 2>&1 | FileCheck %s --check-prefix=GRAN
// RUN: not qc-opt %s --qc-weight-sharing=restarts=0 2>&1 | FileCheck %s --check-prefix=RESTARTS
// RUN: qc-opt %s --split-input-file --verify-diagnostics --qc-weight-sharing --mlir-disable-threading
// ZERO: error: qc-weight-sharing: option 'clusters': clusters=0 is below 2 (one cluster would make every weight equal)
// ZERO-NOT: func.func
// HUGE: error: qc-weight-sharing: option 'clusters': clusters=1000 exceeds 256, the most that u8 indices address
// GRAN: error: qc-weight-sharing: granularity must be 'tensor' or 'channel', got 'row'
// RESTARTS: error: qc-weight-sharing: option 'restarts' must be >= 1, got 0

func.func @attr_clusters(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // expected-error@+1 {{qc-weight-sharing: option 'clusters' of 'qc.weight_sharing': clusters=300 exceeds 256, the most that u8 indices address}}
  %r = linalg.matmul {qc.weight_sharing = {clusters = 300}} ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%a : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

func.func @attr_not_dict(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // expected-error@+1 {{qc-weight-sharing: 'qc.weight_sharing' must be a dictionary such as {clusters = 8}}}
  %r = linalg.matmul {qc.weight_sharing = 8} ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%a : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

func.func @attr_key(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // expected-error@+1 {{qc-weight-sharing: unknown key 'bits' in 'qc.weight_sharing' (expected clusters, granularity or disable)}}
  %r = linalg.matmul {qc.weight_sharing = {bits = 4}} ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%a : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

func.func @attr_granularity(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // expected-error@+1 {{qc-weight-sharing: granularity must be 'tensor' or 'channel', got 'rows'}}
  %r = linalg.matmul {qc.weight_sharing = {granularity = "rows"}} ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%a : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// An error on one op leaves every other weight untouched too.
func.func @untouched(%a: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %r0 = linalg.matmul {qc.weight_sharing = {clusters = 2}} ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%a : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-error@+1 {{qc-weight-sharing: option 'clusters' of 'qc.weight_sharing': clusters=1 is below 2}}
  %r1 = linalg.matmul {qc.weight_sharing = {clusters = 1}} ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%a : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r0, %r1 : tensor<2x2xf32>, tensor<2x2xf32>
}
