// Errors found in the module itself: an ambiguous entry, an argument qc-run
// cannot exchange, and a pipeline failure with its reproducer.
// RUN: not qc-run %s 2>&1 | FileCheck %s --check-prefix=AMBIGUOUS
// AMBIGUOUS: error: the module has 3 public functions; name the one to run with --entry

// RUN: not qc-run %s --entry dynamic 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: errors-module.mlir:[[@LINE+4]]:1: error: argument #0 has dynamic shape 'tensor<4x?xi8>'; qc runs dynamic sizes only in the leading (batch) dimension

// RUN: not qc-run %s --entry index 2>&1 | FileCheck %s --check-prefix=INDEX
// INDEX: error: result #0 has element type 'index'; qc-run exchanges int8
func.func @dynamic(%a: tensor<4x?xi8>) -> tensor<4x?xi8> {
  return %a : tensor<4x?xi8>
}

func.func @index(%a: tensor<4xi8>) -> tensor<4xindex> {
  %e = tensor.empty() : tensor<4xindex>
  return %e : tensor<4xindex>
}

// RUN: %python -c "import numpy as np; np.save('%t.npy', np.zeros(4, dtype=np.int8))"
// RUN: not qc-run %s --entry cast --input %t.npy 2>&1 | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: error: op was not bufferized
// PIPELINE: qc-run: error: qc-cpu-pipeline failed (diagnostics above); reproduce with:
// The host adds x86-vnni=true (where it has VNNI) and its thread count.
// PIPELINE-NEXT: qc-opt --pass-pipeline='builtin.module(qc-cpu-pipeline{{\{(x86-vnni=true )?(x86-vbmi=true )?threads=[0-9]+[}]}})' {{.*}}errors-module.mlir
// RUN: not qc-run %s --entry cast --input %t.npy --pipeline-options='vectorize=false' 2>&1 | FileCheck %s --check-prefix=PIPEOPT
// PIPEOPT: qc-opt --pass-pipeline='builtin.module(qc-cpu-pipeline{vectorize=false{{( x86-vnni=true)?( x86-vbmi=true)?}} threads={{[0-9]+}}})'
// RUN: not qc-run %s --entry cast --input %t.npy --pipeline-options='no-such-option=1' 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: qc-run: error: bad pipeline options 'no-such-option=1{{.*}}': <Pass-Options-Parser>: no such option no-such-option
func.func @cast(%a: tensor<4xi8>) -> tensor<4xui8> {
  // NOTE: a cast between tensors that no pass lowers; bufferization stops.
  %c = builtin.unrealized_conversion_cast %a : tensor<4xi8> to tensor<4xui8>
  return %c : tensor<4xui8>
}
