//===- FoldParallelDims.cpp - at most three non-unit dims per scf.parallel ===//
//
// gpu-map-parallel-loops maps three dimensions of an scf.parallel to the grid
// (x, y, z) and runs every further one as a sequential loop inside each
// invocation; unit dimensions still take a grid (and workgroup) axis. A
// 4096x1x76x1 batched contraction thus ran 4096 rows in a loop per invocation,
// which lavapipe cuts short (docs/SPIRV.md, "Known gaps": llvmpipe ends a
// shader invocation's loops after 65535 iterations in all). Folding the unit
// dimensions away and collapsing the dimensions past the second non-unit one
// into a single one puts every iteration on the grid.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCFOLDPARALLELDIMS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// True if dimension `i` of `op` runs exactly once.
static bool isUnitDim(scf::ParallelOp op, unsigned i) {
  std::optional<int64_t> lb = getConstantIntValue(op.getLowerBound()[i]);
  std::optional<int64_t> ub = getConstantIntValue(op.getUpperBound()[i]);
  std::optional<int64_t> step = getConstantIntValue(op.getStep()[i]);
  return lb && ub && step && *step > 0 && *ub > *lb && *ub - *lb <= *step;
}

/// The dimension groups of `op` for collapseParallelLoops, or none if `op`
/// maps to the grid as it is (at most three dimensions, none of them unit).
/// Each group is a non-unit dimension with the unit dimensions before it (the
/// last group also takes those after the last non-unit dimension); the groups
/// from the third on are merged, so the tiled x and y keep their dimension.
static std::optional<SmallVector<std::vector<unsigned>>>
foldedGroups(scf::ParallelOp op) {
  unsigned n = op.getNumLoops();
  bool anyUnit = false;
  for (unsigned i = 0; i < n; ++i)
    anyUnit |= isUnitDim(op, i);
  if (n <= 3 && !anyUnit)
    return std::nullopt;
  SmallVector<std::vector<unsigned>> groups;
  std::vector<unsigned> pending;
  for (unsigned i = 0; i < n; ++i) {
    pending.push_back(i);
    if (isUnitDim(op, i))
      continue;
    if (groups.size() < 3)
      groups.push_back(pending);
    else
      groups.back().insert(groups.back().end(), pending.begin(), pending.end());
    pending.clear();
  }
  if (groups.empty())
    groups.push_back({});
  groups.back().insert(groups.back().end(), pending.begin(), pending.end());
  if (groups.size() == n)
    return std::nullopt;
  return groups;
}

struct QCFoldParallelDimsPass final
    : qc::impl::QCFoldParallelDimsBase<QCFoldParallelDimsPass> {
  using QCFoldParallelDimsBase::QCFoldParallelDimsBase;

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (op->getParentOfType<scf::ParallelOp>() || op.getNumReductions() != 0)
        return;
      loops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    bool changed = false;
    for (scf::ParallelOp op : loops)
      if (auto groups = foldedGroups(op)) {
        collapseParallelLoops(rewriter, op, *groups);
        changed = true;
      }
    // Fold the products of constant bounds collapseParallelLoops builds, so
    // the tiled loop and the grid keep static sizes.
    if (changed)
      (void)applyPatternsGreedily(getOperation(), FrozenRewritePatternSet());
  }
};

} // namespace
