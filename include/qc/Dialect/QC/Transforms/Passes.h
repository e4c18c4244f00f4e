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
/// Applies them greedily to `op` without folding (QDQ pairs survive); sets
/// `changed` (if given) to whether the IR changed.
LogicalResult applyNormalizeFloatPatterns(Operation *op,
                                          bool *changed = nullptr);

//===----------------------------------------------------------------------===//
// The compression passes as functions, for compilers that embed qc: each
// does what its pass does (same options, remarks and errors) on the op it
// is given and returns what the pass counts in its statistics. They fail
// after emitting an error for invalid options or IR.
//===----------------------------------------------------------------------===//

/// What --qc-prune did.
struct PruneSummary {
  int64_t weights = 0;  ///< constant weights pruned
  int64_t elements = 0; ///< their elements
  int64_t zeros = 0;    ///< of which zero afterwards
};
/// --qc-prune{pattern, sparsity, scope}; `sparsity` unset means the pass's
/// default (the one N:M implies, else 0.5).
FailureOr<PruneSummary> pruneWeights(ModuleOp module, StringRef pattern,
                                     std::optional<double> sparsity,
                                     StringRef scope = "layer");

/// --qc-remove-zero-channels: returns the number of output channels removed.
int64_t removeZeroChannels(ModuleOp module);

/// What --qc-sparsify did.
struct SparsifySummary {
  int64_t nmWeights = 0;    ///< weights encoded N:M
  int64_t ellWeights = 0;   ///< weights encoded ELL
  int64_t denseWeights = 0; ///< weights the cost model kept dense
};
/// --qc-sparsify with `options` (defaults: the pass's, see Passes.td).
FailureOr<SparsifySummary> sparsifyWeights(ModuleOp module,
                                           const QCSparsifyOptions &options);

/// What --qc-low-rank did.
struct LowRankSummary {
  int64_t considered = 0; ///< contractions a rank rule applied to
  int64_t factorized = 0; ///< of which rewritten through a rank-r intermediate
  int64_t rankSum = 0;    ///< sum of the chosen ranks
};
/// --qc-low-rank on one function. `rank`, `energy` and `maxRelError` count as
/// given when non-zero (at most one may be).
FailureOr<LowRankSummary> factorizeLowRank(func::FuncOp func,
                                           const QCLowRankOptions &options);

#define GEN_PASS_REGISTRATION
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc
} // namespace mlir

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_H
