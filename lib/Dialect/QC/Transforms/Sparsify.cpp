//===- Sparsify.cpp - the --qc-sparsify pass ------------------------------===//
//
// Thin driver: checks the options, then the N:M / ELL encodings of the raw
// i8 contractions left by --qc-lower-to-linalg (SparsifyKernels.cpp). Whole
// zero channels of qc ops are --qc-remove-zero-channels' job, before the
// lowering (docs/Sparsity.md).
//
//===----------------------------------------------------------------------===//
#include "Sparsify.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Support/PassStatistics.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSPARSIFY
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

FailureOr<SparsifySummary>
mlir::qc::sparsifyWeights(ModuleOp module, const QCSparsifyOptions &options) {
  if (!(options.minSparsity >= 0.0 && options.minSparsity < 1.0))
    return mlir::emitError(module.getLoc())
           << "qc-sparsify: min-sparsity must be in [0, 1), got "
           << options.minSparsity;
  if (options.target != "cpu" && options.target != "gpu")
    return mlir::emitError(module.getLoc())
           << "qc-sparsify: target must be 'cpu' or 'gpu', got '"
           << options.target << "'";
  if (!(options.nmCost > 0.0) || !(options.ellCost > 0.0) ||
      !(options.nmCostGemv > 0.0) || !(options.ellCostGemv > 0.0))
    return mlir::emitError(module.getLoc())
           << "qc-sparsify: kernel costs must be positive";
  SparsifySummary summary;
  SparseEncodingCounts counts = encodeSparseMatmuls(module, options);
  summary.nmWeights = counts.nm;
  summary.ellWeights = counts.ell;
  summary.denseWeights = counts.dense;
  return summary;
}

namespace {
struct SparsifyPass final : qc::impl::QCSparsifyBase<SparsifyPass> {
  using QCSparsifyBase::QCSparsifyBase;

  void runOnOperation() override {
    QCSparsifyOptions options;
    options.minSparsity = minSparsity;
    options.target = target;
    options.nmCost = nmCost;
    options.ellCost = ellCost;
    options.nmCostGemv = nmCostGemv;
    options.ellCostGemv = ellCostGemv;
    FailureOr<SparsifySummary> summary =
        sparsifyWeights(getOperation(), options);
    if (failed(summary))
      return signalPassFailure();
    addStatistic(*this, numNMWeights, "nm-weights", summary->nmWeights);
    addStatistic(*this, numELLWeights, "ell-weights", summary->ellWeights);
    addStatistic(*this, numDenseWeights, "dense-weights",
                 summary->denseWeights);
  }
};
} // namespace
