// qc-verify-cpu-input, the first check of qc-cpu-pipeline: unranked tensors,
// on which upstream's LLVM lowering crashes (MLIR 22), are an error at the op
// or function that has them.
// RUN: qc-opt %s -split-input-file -verify-diagnostics --qc-cpu-pipeline
// The fold's own test file through the whole CPU pipeline: errors, no crash
// (`not` fails on a crash).
// RUN: not qc-opt %S/../Dialect/QC/fold-fake-quant-rejected.mlir -split-input-file -allow-unregistered-dialect --qc-fold-fake-quant --qc-cpu-pipeline 2>&1 | FileCheck %s --check-prefix=REJECTED
// REJECTED: error: result #0 has the unranked type 'tensor<*xf32>'; the CPU pipeline needs ranked tensors

// expected-error@+1 {{result #0 has the unranked type 'tensor<*xf32>'; the CPU pipeline needs ranked tensors}}
func.func @returns_unranked(%x: tensor<4xf32>, %s: tensor<1xindex>) -> tensor<*xf32> {
  // expected-error@+1 {{result #0 of 'tensor.reshape' has the unranked type 'tensor<*xf32>'}}
  %r = tensor.reshape %x(%s) : (tensor<4xf32>, tensor<1xindex>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// Unranked only inside the function.
func.func @unranked_inside(%x: tensor<4xf32>, %s: tensor<1xindex>) -> tensor<4xf32> {
  // expected-error@+1 {{result #0 of 'tensor.reshape' has the unranked type 'tensor<*xf32>'}}
  %r = tensor.reshape %x(%s) : (tensor<4xf32>, tensor<1xindex>) -> tensor<*xf32>
  %c = tensor.cast %r : tensor<*xf32> to tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

// expected-error@+2 {{result #0 has the unranked type}}
// expected-error@+1 {{argument #0 has the unranked type 'tensor<*xf32>'}}
func.func private @callee(%x: tensor<*xf32>) -> tensor<*xf32> {
  return %x : tensor<*xf32>
}
