//===- SplitStridedCopies.cpp - strided memref.copy as contiguous runs ----===//
//
// A memref.copy into the interior of a padded buffer has a strided target;
// upstream lowers it to the runtime's memrefCopy, which walks the elements
// one by one through their indices. Here it becomes loops over the leading
// dimensions around one copy of the trailing block that is contiguous on
// both sides, which LLVM lowers to a memcpy of constant size.
//
//===----------------------------------------------------------------------===//
#include "PatternConfig.h"
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/ChangeTracking.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUSPLITSTRIDEDCOPIES
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// The first dimension of the longest trailing block of `type` that is
/// contiguous in memory (0: all of it); the rank when the innermost
/// dimension itself is strided or the strides are not static. Only the
/// first dimension may be dynamic.
int64_t contiguousFrom(MemRefType type) {
  int64_t rank = type.getRank();
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return rank;
  int64_t d = rank - 1, expected = type.getDimSize(d);
  // Canonical strides only, the rule of upstream's memcpy lowering
  // (memref::isStaticShapeAndContiguousRowMajor).
  // The first dimension's size (possibly dynamic) never enters a product.
  for (; d > 0 && strides[d - 1] == expected; --d)
    if (d > 1)
      expected *= type.getDimSize(d - 1);
  return d;
}

struct SplitStridedCopy final : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::CopyOp op, PatternRewriter &rewriter) const override {
    auto source = dyn_cast<MemRefType>(op.getSource().getType());
    auto target = dyn_cast<MemRefType>(op.getTarget().getType());
    // A dynamic batch (the first dimension) becomes a loop bound; the block
    // copied at once must be static for a memcpy of constant size.
    auto staticBeyondFirst = [](MemRefType type) {
      return llvm::none_of(type.getShape().drop_front(), ShapedType::isDynamic);
    };
    if (!source || !target || source.getRank() == 0 || !staticBeyondFirst(source) ||
        !staticBeyondFirst(target))
      return failure();
    int64_t rank = source.getRank();
    int64_t split = std::max(contiguousFrom(source), contiguousFrom(target));
    if (split == 0 || split >= rank)
      return rewriter.notifyMatchFailure(op, "contiguous, or strided innermost");

    Location loc = op.getLoc();
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t d = 0; d < split; ++d) {
      lbs.push_back(arith::ConstantIndexOp::create(rewriter, loc, 0));
      if (source.isDynamicDim(d))
        ubs.push_back(memref::DimOp::create(rewriter, loc, op.getSource(), d));
      else
        ubs.push_back(arith::ConstantIndexOp::create(rewriter, loc, source.getDimSize(d)));
      steps.push_back(arith::ConstantIndexOp::create(rewriter, loc, 1));
    }
    ArrayRef<int64_t> block = source.getShape().drop_front(split);
    Value from = op.getSource(), to = op.getTarget();
    scf::buildLoopNest(rewriter, loc, lbs, ubs, steps,
                       [&](OpBuilder &b, Location loc, ValueRange ivs) {
                         SmallVector<OpFoldResult> offsets(ivs.begin(), ivs.end());
                         SmallVector<OpFoldResult> sizes(split, b.getIndexAttr(1));
                         for (int64_t size : block) {
                           offsets.push_back(b.getIndexAttr(0));
                           sizes.push_back(b.getIndexAttr(size));
                         }
                         SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
                         auto slice = [&](Value memref, MemRefType type) -> Value {
                           MemRefType sliceType = memref::SubViewOp::inferRankReducedResultType(
                               block, type, offsets, sizes, strides);
                           return memref::SubViewOp::create(b, loc, sliceType, memref, offsets,
                                                            sizes, strides);
                         };
                         memref::CopyOp::create(b, loc, slice(from, source), slice(to, target));
                       });
    rewriter.eraseOp(op);
    return success();
  }
};

struct SplitStridedCopiesPass final
    : qc::impl::QCCPUSplitStridedCopiesBase<SplitStridedCopiesPass> {
  using QCCPUSplitStridedCopiesBase::QCCPUSplitStridedCopiesBase;

  void runOnOperation() override {
    // Most functions have no copy: skip the rewrite driver's walks over them.
    if (!getOperation()
             ->walk([](memref::CopyOp) { return WalkResult::interrupt(); })
             .wasInterrupted())
      return markAllAnalysesPreserved();
    RewritePatternSet patterns(&getContext());
    qc::populateSplitStridedCopiesPatterns(patterns);
    bool changed = false;
    if (failed(qc::applyPatternsTrackingChanges(
            getOperation(), std::move(patterns), qc::cpuPatternConfig(),
            changed)))
      return signalPassFailure();
    if (!changed)
      markAllAnalysesPreserved();
  }
};

} // namespace

void mlir::qc::populateSplitStridedCopiesPatterns(RewritePatternSet &patterns) {
  patterns.add<SplitStridedCopy>(patterns.getContext());
}
