// RUN: not qc-opt %s --qc-sparsify="min-sparsity=1.5" 2>&1 | FileCheck %s --check-prefix=MIN
// RUN: not qc-opt %s --qc-sparsify="target=fpga" 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not qc-opt %s --qc-sparsify="ell-cost=0" 2>&1 | FileCheck %s --check-prefix=COST
// Bad pass options: an error at the module, a non-zero exit.

// MIN: error: qc-sparsify: min-sparsity must be in [0, 1), got 1.500000e+00
// TARGET: error: qc-sparsify: target must be 'cpu' or 'gpu', got 'fpga'
// COST: error: qc-sparsify: kernel costs must be positive
module {
}
