// A malformed pass option is an error that says what is wrong, whichever
// way the pipeline is written (upstream's driver printed the reason on
// stderr and then an empty `<unknown>:0: error:`).
// RUN: not qc-opt %s --qc-fold-fake-quant="profile=bogus" 2>&1 | FileCheck %s --check-prefix=FLAG
// FLAG: error: invalid pass options: for the --profile option: 'bogus' is not a valid value (expected one of: double_round, single_round)
// FLAG-NOT: error:
// RUN: not qc-opt %s --pass-pipeline='builtin.module(func.func(qc-fold-fake-quant{profile=bogus}))' 2>&1 | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: error: invalid pass options: for the --profile option: 'bogus' is not a valid value (expected one of: double_round, single_round)
// PIPELINE-NEXT: failed to add `qc-fold-fake-quant` with options `profile=bogus`
// RUN: not qc-opt %s --qc-cpu-pipeline="vectorize=maybe" 2>&1 | FileCheck %s --check-prefix=BOOL
// BOOL: error: invalid pass options: for the --vectorize option: 'maybe' is invalid value for boolean argument! Try 0 or 1
// RUN: not qc-opt %s --qc-sparsify="no-such-option=1" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: invalid pass options
// UNKNOWN-NEXT: no such option no-such-option
// Every other qc option with a fixed set of values is a string checked by its
// pass, whose error lists the accepted values too.
// RUN: not qc-opt %s --qc-prune="scope=bogus" 2>&1 | FileCheck %s --check-prefix=SCOPE
// SCOPE: error: qc-prune: scope must be 'layer' or 'global', got 'bogus'
// RUN: not qc-opt %s --qc-sparsify="target=bogus" 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: error: qc-sparsify: target must be 'cpu' or 'gpu', got 'bogus'
// RUN: not qc-opt %s --qc-weight-sharing="granularity=bogus" 2>&1 | FileCheck %s --check-prefix=GRANULARITY
// GRANULARITY: error: qc-weight-sharing: granularity must be 'tensor' or 'channel', got 'bogus'
// Well-formed options still work and print nothing else.
// RUN: qc-opt %s --qc-fold-fake-quant="profile=single_round" 2>&1 | FileCheck %s --check-prefix=OK
// OK: func.func @f
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
