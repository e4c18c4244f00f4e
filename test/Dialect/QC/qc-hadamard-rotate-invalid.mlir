// Bad options are errors at the module, bad per-op attributes or a block
// that cannot rotate a layer errors at the op; either way the pass fails
// and prints no IR.
// RUN: not qc-opt %s --qc-hadamard-rotate=block=3 2>&1 | FileCheck %s --check-prefix=NOTPOW2
// RUN: not qc-opt %s --qc-hadamard-rotate=block=1 2>&1 | FileCheck %s --check-prefix=ONE
// RUN: not qc-opt %s --qc-hadamard-rotate=block=8 2>&1 | FileCheck %s --check-prefix=NODIV
// RUN: qc-opt %s --split-input-file --verify-diagnostics --qc-hadamard-rotate --mlir-disable-threading
// NOTPOW2: error: qc-hadamard-rotate: option 'block' must be 0 (automatic) or a power of two >= 2, or m * 2^k with a Paley order m in {12, 20, 24, {{.*}}}, got 3
// NOTPOW2-NOT: func.func
// ONE: error: qc-hadamard-rotate: option 'block' must be 0 (automatic) or a power of two >= 2, or m * 2^k with a Paley order m in {12, 20, 24, {{.*}}}, got 1
// NODIV: error: qc-hadamard-rotate: option 'block' = 8 cannot rotate the reduction dimension of size 12 (it must divide it)
// NODIV-NOT: func.func

// Rotated with the automatic block (12 = H_12, Paley); the block=8 RUN line fails on it.
func.func @plain(%a: tensor<2x12xf32>, %o: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<12x2xf32>
  // expected-remark@+1 {{qc-hadamard-rotate: reduction dimension 12 rotated in blocks of 12}}
  %r = linalg.matmul ins(%a, %w : tensor<2x12xf32>, tensor<12x2xf32>) outs(%o : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

func.func @block_does_not_divide(%a: tensor<2x12xf32>, %o: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<12x2xf32>
  // expected-error@+1 {{qc-hadamard-rotate: option 'block' = 16 cannot rotate the reduction dimension of size 12 (it must divide it)}}
  %r = linalg.matmul {qc.hadamard_rotate = {block = 16}} ins(%a, %w : tensor<2x12xf32>, tensor<12x2xf32>) outs(%o : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// 6 = 3 * 2: no Paley order 3 * 2^j divides it.
func.func @block_not_pow2(%a: tensor<2x12xf32>, %o: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<12x2xf32>
  // expected-error@+1 {{qc-hadamard-rotate: option 'block' of 'qc.hadamard_rotate': must be a power of two >= 2, or m * 2^k with a Paley order m in {12, 20, 24, 28, 36, 44}}
  %r = linalg.matmul {qc.hadamard_rotate = {block = 6}} ins(%a, %w : tensor<2x12xf32>, tensor<12x2xf32>) outs(%o : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

func.func @attr_not_dict(%a: tensor<2x12xf32>, %o: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<12x2xf32>
  // expected-error@+1 {{qc-hadamard-rotate: 'qc.hadamard_rotate' must be a dictionary such as {block = 8}}}
  %r = linalg.matmul {qc.hadamard_rotate = 4} ins(%a, %w : tensor<2x12xf32>, tensor<12x2xf32>) outs(%o : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

func.func @attr_unknown_key(%a: tensor<2x12xf32>, %o: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<12x2xf32>
  // expected-error@+1 {{qc-hadamard-rotate: unknown key 'blocks' in 'qc.hadamard_rotate' (expected block or disable)}}
  %r = linalg.matmul {qc.hadamard_rotate = {blocks = 4}} ins(%a, %w : tensor<2x12xf32>, tensor<12x2xf32>) outs(%o : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

func.func @attr_block_not_integer(%a: tensor<2x12xf32>, %o: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<12x2xf32>
  // expected-error@+1 {{qc-hadamard-rotate: 'qc.hadamard_rotate' entry 'block' must be an integer}}
  %r = linalg.matmul {qc.hadamard_rotate = {block = "12"}} ins(%a, %w : tensor<2x12xf32>, tensor<12x2xf32>) outs(%o : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}
