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

/// The number of iterations of dimension `i` of `op`, if constant.
static std::optional<int64_t> tripCount(scf::ParallelOp op, unsigned i) {
  std::optional<int64_t> lb = getConstantIntValue(op.getLowerBound()[i]);
  std::optional<int64_t> ub = getConstantIntValue(op.getUpperBound()[i]);
  std::optional<int64_t> step = getConstantIntValue(op.getStep()[i]);
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return *ub > *lb ? llvm::divideCeil(*ub - *lb, *step) : 0;
}

/// The dimension groups of `op` for collapseParallelLoops, or none if `op`
/// maps to the grid as it is (at most three dimensions, none of them unit,
/// the first two at least as long as `tileSizes`). Each group is a non-unit
/// dimension with the unit dimensions before it (the last group also takes
/// those after the last non-unit dimension); a first or second group shorter
/// than its tile size takes the next group in, and the groups from the third
/// on are merged, so that the tiled x and y are as long as their tile.
static std::optional<SmallVector<std::vector<unsigned>>>
foldedGroups(scf::ParallelOp op, ArrayRef<int64_t> tileSizes) {
  unsigned n = op.getNumLoops();
  SmallVector<std::vector<unsigned>> groups;
  SmallVector<std::optional<int64_t>> counts;
  std::vector<unsigned> pending;
  for (unsigned i = 0; i < n; ++i) {
    pending.push_back(i);
    if (isUnitDim(op, i))
      continue;
    groups.push_back(pending);
    counts.push_back(tripCount(op, i));
    pending.clear();
  }
  if (groups.empty()) {
    groups.push_back({});
    counts.push_back(1);
  }
  groups.back().insert(groups.back().end(), pending.begin(), pending.end());
  // Merge group g + 1 into g while g is shorter than its tile.
  for (unsigned g = 0; g < 2 && g < tileSizes.size(); ++g) {
    while (g + 1 < groups.size() && counts[g] && counts[g + 1] &&
           *counts[g] < tileSizes[g]) {
      groups[g].insert(groups[g].end(), groups[g + 1].begin(),
                       groups[g + 1].end());
      counts[g] = *counts[g] * *counts[g + 1];
      groups.erase(groups.begin() + g + 1);
      counts.erase(counts.begin() + g + 1);
    }
  }
  while (groups.size() > 3) {
    groups[2].insert(groups[2].end(), groups[3].begin(), groups[3].end());
    groups.erase(groups.begin() + 3);
  }
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
    SmallVector<int64_t> sizes(tileSizes.begin(), tileSizes.end());
    IRRewriter rewriter(&getContext());
    bool changed = false;
    for (scf::ParallelOp op : loops)
      if (auto groups = foldedGroups(op, sizes)) {
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
