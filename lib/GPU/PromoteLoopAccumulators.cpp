//===- PromoteLoopAccumulators.cpp - reduction accumulators into iter_args ===//
//
// A contraction lowered to loops over buffers re-reads and re-writes its
// output element in every reduction iteration; on a GPU each of those is a
// global-memory round trip. Carrying the value in an scf.for iter_arg keeps it
// in a register.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCPROMOTELOOPACCUMULATORS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// True when `op` (or anything nested in it) may write memory.
static bool mayWriteMemory(Operation *op) {
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    // Unknown ops: only those whose regions are all known (recursive effects)
    // can be trusted.
    return !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
           llvm::any_of(op->getRegions(), [](Region &region) {
             return llvm::any_of(region.getOps(), [](Operation &nested) {
               return mayWriteMemory(&nested);
             });
           });
  return effects.hasEffect<MemoryEffects::Write>() ||
         effects.hasEffect<MemoryEffects::Free>();
}

/// Does any op under `root` other than `except` use `memref`?
static bool otherUseInside(Value memref, Operation *root,
                           ArrayRef<Operation *> except) {
  for (OpOperand &use : memref.getUses()) {
    Operation *user = use.getOwner();
    if (llvm::is_contained(except, user))
      continue;
    if (root->isAncestor(user))
      return true;
  }
  return false;
}

struct PromoteAccumulator final : OpRewritePattern<scf::ForOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(scf::ForOp forOp,
                                PatternRewriter &rewriter) const override {
    Block *body = forOp.getBody();
    auto isInvariant = [&](Value v) {
      return forOp.isDefinedOutsideOfLoop(v);
    };

    // The store must be the only memory write in the loop.
    memref::StoreOp store;
    for (Operation &op : body->without_terminator()) {
      if (!mayWriteMemory(&op))
        continue;
      auto candidate = dyn_cast<memref::StoreOp>(op);
      if (!candidate || store)
        return rewriter.notifyMatchFailure(
            forOp, "loop writes memory other than through one memref.store");
      store = candidate;
    }
    if (!store)
      return rewriter.notifyMatchFailure(forOp, "no memref.store in the loop");
    Value memref = store.getMemRef();
    if (!isInvariant(memref) ||
        !llvm::all_of(store.getIndices(), isInvariant))
      return rewriter.notifyMatchFailure(
          forOp, "stored element depends on the loop");

    memref::LoadOp load;
    for (Operation &op : body->without_terminator()) {
      if (&op == store.getOperation())
        break;
      auto candidate = dyn_cast<memref::LoadOp>(op);
      if (candidate && candidate.getMemRef() == memref &&
          candidate.getIndices() == store.getIndices()) {
        load = candidate;
        break;
      }
    }
    if (!load)
      return rewriter.notifyMatchFailure(
          forOp, "no load of the stored element before the store");
    if (otherUseInside(memref, forOp, {load, store}))
      return rewriter.notifyMatchFailure(
          forOp, "the accumulator's memref has other uses in the loop");

    // Load once before the loop, carry the value, store once after it. A
    // zero-trip loop then stores back the value it loaded: same result.
    rewriter.setInsertionPoint(forOp);
    auto initial = memref::LoadOp::create(rewriter, load.getLoc(), memref,
                                          load.getIndices());
    Value stored = store.getValueToStore();
    FailureOr<LoopLikeOpInterface> newLoop =
        cast<LoopLikeOpInterface>(forOp.getOperation())
            .replaceWithAdditionalYields(
                rewriter, ValueRange{initial.getResult()},
                /*replaceInitOperandUsesInLoop=*/false,
                [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
                  return SmallVector<Value>{stored};
                });
    if (failed(newLoop))
      return rewriter.notifyMatchFailure(forOp, "cannot add an iter_arg");
    auto newFor = cast<scf::ForOp>(newLoop->getOperation());
    BlockArgument acc = newFor.getRegionIterArgs().back();
    rewriter.replaceOp(load, acc);
    Value result = newFor.getResults().back();
    Location storeLoc = store.getLoc();
    rewriter.eraseOp(store);
    rewriter.setInsertionPointAfter(newFor);
    memref::StoreOp::create(rewriter, storeLoc, result, memref,
                            initial.getIndices());
    return success();
  }
};

struct QCPromoteLoopAccumulatorsPass final
    : qc::impl::QCPromoteLoopAccumulatorsBase<QCPromoteLoopAccumulatorsPass> {
  using QCPromoteLoopAccumulatorsBase::QCPromoteLoopAccumulatorsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populatePromoteLoopAccumulatorsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void qc::populatePromoteLoopAccumulatorsPatterns(RewritePatternSet &patterns) {
  patterns.add<PromoteAccumulator>(patterns.getContext());
}
