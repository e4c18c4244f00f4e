//===- Passes.h - qc dialect transformation passes --------------*- C++ -*-===//
#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_H
#define QC_DIALECT_QC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "qc/Dialect/QC/IR/QCOps.h"

namespace mlir {
class RewritePatternSet;
namespace qc {
#define GEN_PASS_DECL
#include "qc/Dialect/QC/Transforms/Passes.h.inc"

/// Step 1 of --qc-fold-fake-quant: qc.fake_quant, quant.qcast and
/// quant.dcast become qc.quantize / qc.dequantize. Apply them with
/// walkAndApplyPatterns (no folding): upstream folds dcast(qcast(x)) to x.
void populateFakeQuantBoundaryPatterns(RewritePatternSet &patterns);

/// Steps 2 and 3 of --qc-fold-fake-quant, for a greedy driver: compile-time
/// quantization of constants, `dequantize -> float op -> quantize` chains to
/// qc integer ops (created with `profile`), parameter propagation through
/// shape ops and boundary cleanup.
void populateFoldFakeQuantPatterns(RewritePatternSet &patterns,
                                   RequantProfile profile);

/// The rewrites of --qc-normalize-float (docs/Design.md): the canonical
/// average-pool divisor and the fusion of elementwise chains of one
/// quantized value.
void populateNormalizeFloatPatterns(RewritePatternSet &patterns);
/// Applies them greedily to `op` without folding (QDQ pairs survive).
LogicalResult applyNormalizeFloatPatterns(Operation *op);

#define GEN_PASS_REGISTRATION
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc
} // namespace mlir

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_H
