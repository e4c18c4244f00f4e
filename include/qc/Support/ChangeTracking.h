//===- ChangeTracking.h - whether a pass changed the IR ---------*- C++ -*-===//
//
// MLIR's pass manager verifies the IR after every pass (qc-opt, the tests,
// QC_VERIFY_EACH=1) unless the pass marked all analyses preserved, which a
// pass may do only when it changed nothing. qc's passes find out whether
// they did with the rewrite drivers' listener (below), their own counters,
// or an OperationFingerPrint around an upstream utility that does not say;
// then `if (!changed) markAllAnalysesPreserved();` (docs/CPUBackend.md,
// "Compile time").
//
//===----------------------------------------------------------------------===//
#ifndef QC_SUPPORT_CHANGETRACKING_H
#define QC_SUPPORT_CHANGETRACKING_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {

/// Records whether any op or block was inserted, moved, modified, replaced
/// or erased, and forwards every notification to `next` (may be null).
class ChangeListener : public RewriterBase::ForwardingListener {
public:
  explicit ChangeListener(OpBuilder::Listener *next = nullptr)
      : ForwardingListener(next) {}

  bool changed() const { return anyChange; }

  void notifyOperationInserted(Operation *op,
                               OpBuilder::InsertPoint previous) override;
  void notifyBlockInserted(Block *block, Region *previous,
                           Region::iterator previousIt) override;
  void notifyBlockErased(Block *block) override;
  void notifyOperationModified(Operation *op) override;
  void notifyOperationReplaced(Operation *op, Operation *newOp) override;
  void notifyOperationReplaced(Operation *op, ValueRange replacement) override;
  void notifyOperationErased(Operation *op) override;

private:
  bool anyChange = false;
};

/// applyPatternsGreedily on `op`'s regions that also sets `changed` when the
/// IR changed in any way. The driver's own `changed` flag reports pattern
/// rewrites and folds but not the constants its folder moves to the front
/// of a block or deduplicates while it fills the worklist: a listener sees
/// those too.
LogicalResult applyPatternsTrackingChanges(Operation *op,
                                    const FrozenRewritePatternSet &patterns,
                                    GreedyRewriteConfig config, bool &changed);

} // namespace mlir::qc

#endif // QC_SUPPORT_CHANGETRACKING_H
