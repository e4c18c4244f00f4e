//===- FoldReshapesIntoEpilogues.cpp - elementwise consumers across reshapes =//
//
// A residual add after a projection reads the projection's result through
// a reshape: qc-lower-to-linalg writes the model's [B*S, D] -> [B, S, D]
// qc.reshape as tensor.collapse_shape + tensor.expand_shape, and the add is
// a generic over [B, S, D]. The int8 kernels fuse only consumers that read
// the contraction's chain directly (qc-cpu-int8-kernels' epilogue), so the
// add ran as its own pass over memory. Here, before the kernels are
// grouped, the reshape pair is composed into one expand_shape and an
// elementwise generic that reads the
// expand_shape of a single-use linalg result is rewritten to iterate over
// the reshape's source shape (upstream's fold-by-collapsing: the other
// operands are collapsed, the result expanded). The add then reads the
// epilogue's [B*S, D] result directly and fuses into the kernel. Only
// views change: the same ops run on the same values in the same order.
//
//===----------------------------------------------------------------------===//
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/ChangeTracking.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUFOLDRESHAPESINTOEPILOGUES
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// A linalg op's single-use result (a contraction's epilogue chain).
bool isLinalgChainValue(Value value) {
  return value.hasOneUse() && isa_and_nonnull<linalg::LinalgOp>(value.getDefiningOp());
}

/// Whether the consumer of `operand` may iterate over the source shape of
/// the expand_shape that defines it: the consumer is elementwise (all loops
/// parallel) and the reshape is the single use of a linalg op's result,
/// itself used only there (a contraction's epilogue chain).
bool isEpilogueReshape(OpOperand *operand) {
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  auto expand = operand->get().getDefiningOp<tensor::ExpandShapeOp>();
  if (!consumer || !expand || !consumer.hasPureTensorSemantics() ||
      consumer.getNumParallelLoops() != consumer.getNumLoops() ||
      !expand->hasOneUse())
    return false;
  return isLinalgChainValue(expand.getSrc());
}

/// expand_shape(collapse_shape(x)) -> expand_shape(x) when x is such a
/// result and the pair only splits x's dimensions ([B*S, D] -> [B*S*D] ->
/// [B, S, D] is [B*S, D] -> [B, S, D]). Other reshapes (those of the grouped
/// convolutions, which the kernels match as they are) are left alone.
struct ComposeEpilogueReshapes final : OpRewritePattern<tensor::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExpandShapeOp expand,
                                PatternRewriter &rewriter) const override {
    auto collapse = expand.getSrc().getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse || !collapse->hasOneUse() || !isLinalgChainValue(collapse.getSrc()))
      return failure();
    auto source = cast<RankedTensorType>(collapse.getSrc().getType());
    RankedTensorType result = expand.getResultType();
    if (!source.hasStaticShape() || !result.hasStaticShape() ||
        source.getRank() >= result.getRank())
      return failure();
    std::optional<SmallVector<ReassociationIndices>> reassociation =
        getReassociationIndicesForReshape(source, result);
    if (!reassociation)
      return failure();
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(expand, result, collapse.getSrc(),
                                                       *reassociation);
    return success();
  }
};

struct FoldReshapesIntoEpiloguesPass final
    : qc::impl::QCCPUFoldReshapesIntoEpiloguesBase<FoldReshapesIntoEpiloguesPass> {
  using QCCPUFoldReshapesIntoEpiloguesBase::QCCPUFoldReshapesIntoEpiloguesBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<ComposeEpilogueReshapes>(context);
    linalg::populateFoldReshapeOpsByCollapsingPatterns(patterns, isEpilogueReshape);
    bool changed = false;
    if (failed(qc::applyPatternsTrackingChanges(
            getOperation(), std::move(patterns), GreedyRewriteConfig(), changed)))
      return signalPassFailure();
    if (!changed)
      markAllAnalysesPreserved();
  }
};

} // namespace
