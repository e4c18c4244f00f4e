//===- ReverseParallelDims.cpp - contiguous dimension first in scf.parallel ===//
//
// GPU mapping gives x to an scf.parallel's first dimension; row-major buffers
// want it on the last one (coalesced accesses, tiles on the large inner dims).
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCREVERSEPARALLELDIMS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// Reverses the loop dimensions of `op` in place: bounds, steps and the order
/// of the induction variables.
static void reverseDims(RewriterBase &rewriter, scf::ParallelOp op) {
  auto reversed = [](OperandRange range) {
    SmallVector<Value> values(range.begin(), range.end());
    std::reverse(values.begin(), values.end());
    return values;
  };
  SmallVector<Value> lbs = reversed(op.getLowerBound());
  SmallVector<Value> ubs = reversed(op.getUpperBound());
  SmallVector<Value> steps = reversed(op.getStep());
  rewriter.modifyOpInPlace(op, [&] {
    op.getLowerBoundMutable().assign(lbs);
    op.getUpperBoundMutable().assign(ubs);
    op.getStepMutable().assign(steps);
    Block *body = op.getBody();
    unsigned n = op.getNumLoops();
    for (unsigned i = 0; i < n; ++i)
      body->addArgument(body->getArgument(i).getType(),
                        body->getArgument(i).getLoc());
    for (unsigned i = 0; i < n; ++i)
      body->getArgument(i).replaceAllUsesWith(body->getArgument(2 * n - 1 - i));
    body->eraseArguments(0, n);
  });
}

struct QCReverseParallelDimsPass final
    : qc::impl::QCReverseParallelDimsBase<QCReverseParallelDimsPass> {
  using QCReverseParallelDimsBase::QCReverseParallelDimsBase;

  void runOnOperation() override {
    // A walk, not a greedy rewrite: reversing is an involution, so it must
    // happen exactly once per loop.
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (op->getParentOfType<scf::ParallelOp>() || op.getNumLoops() < 2 ||
          op.getNumReductions() != 0)
        return;
      loops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp op : loops)
      reverseDims(rewriter, op);
  }
};

} // namespace
