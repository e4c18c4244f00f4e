//===- Passes.h - qc dialect transformation passes --------------*- C++ -*-===//
#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_H
#define QC_DIALECT_QC_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "qc/Dialect/QC/IR/QCOps.h"

namespace mlir::qc {
#define GEN_PASS_DECL
#include "qc/Dialect/QC/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_H
