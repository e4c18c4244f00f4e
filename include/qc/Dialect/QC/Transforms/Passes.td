//===- Passes.td - qc dialect transformation passes --------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_TD
#define QC_DIALECT_QC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_TD
