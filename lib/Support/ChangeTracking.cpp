//===- ChangeTracking.cpp - whether a pass changed the IR -----------------===//
#include "qc/Support/ChangeTracking.h"

using namespace mlir;

void qc::ChangeListener::notifyOperationInserted(Operation *op,
                                                 OpBuilder::InsertPoint previous) {
  anyChange = true;
  ForwardingListener::notifyOperationInserted(op, previous);
}

void qc::ChangeListener::notifyBlockInserted(Block *block, Region *previous,
                                             Region::iterator previousIt) {
  anyChange = true;
  ForwardingListener::notifyBlockInserted(block, previous, previousIt);
}

void qc::ChangeListener::notifyBlockErased(Block *block) {
  anyChange = true;
  ForwardingListener::notifyBlockErased(block);
}

void qc::ChangeListener::notifyOperationModified(Operation *op) {
  anyChange = true;
  ForwardingListener::notifyOperationModified(op);
}

void qc::ChangeListener::notifyOperationReplaced(Operation *op,
                                                 Operation *newOp) {
  anyChange = true;
  ForwardingListener::notifyOperationReplaced(op, newOp);
}

void qc::ChangeListener::notifyOperationReplaced(Operation *op,
                                                 ValueRange replacement) {
  anyChange = true;
  ForwardingListener::notifyOperationReplaced(op, replacement);
}

void qc::ChangeListener::notifyOperationErased(Operation *op) {
  anyChange = true;
  ForwardingListener::notifyOperationErased(op);
}

LogicalResult qc::applyPatternsTrackingChanges(Operation *op,
                                        const FrozenRewritePatternSet &patterns,
                                        GreedyRewriteConfig config,
                                        bool &changed) {
  ChangeListener listener(config.getListener());
  config.setListener(&listener);
  bool driverChanged = false;
  LogicalResult result =
      mlir::applyPatternsGreedily(op, patterns, config, &driverChanged);
  changed = driverChanged || listener.changed();
  return result;
}
