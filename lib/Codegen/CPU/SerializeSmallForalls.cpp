//===- SerializeSmallForalls.cpp - no thread team for little work ---------===//
//
// A threaded pipeline turns every scf.forall into an OpenMP parallel region,
// and each region forks and joins the thread team. The register-tile loops
// of a batch-1 model's last layers are a few microseconds of work, of the
// order of that cost: they run on the calling thread instead.
//
//===----------------------------------------------------------------------===//
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUSERIALIZESMALLFORALLS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// Saturating: the estimate only has to compare with a threshold.
int64_t saturatingMul(int64_t a, int64_t b) {
  int64_t r;
  return llvm::MulOverflow(a, b, r) ? std::numeric_limits<int64_t>::max() : r;
}

int64_t saturatingAdd(int64_t a, int64_t b) {
  int64_t r;
  return llvm::AddOverflow(a, b, r) ? std::numeric_limits<int64_t>::max() : r;
}

/// The operations one execution of `block` runs: nested scf.for loops of
/// constant bounds count their body times their trip count; other regions
/// (branches, unknown bounds) count once.
int64_t estimateWork(Block &block) {
  int64_t work = 0;
  for (Operation &op : block) {
    int64_t inner = 0;
    for (Region &region : op.getRegions())
      for (Block &nested : region)
        inner = saturatingAdd(inner, estimateWork(nested));
    if (auto loop = dyn_cast<scf::ForOp>(op))
      if (std::optional<APInt> trips = loop.getStaticTripCount())
        inner = saturatingMul(inner, trips->getSExtValue());
    work = saturatingAdd(work, saturatingAdd(1, inner));
  }
  return work;
}

} // namespace

LogicalResult qc::serializeSmallForalls(Operation *op, int64_t minWork) {
  SmallVector<scf::ForallOp> small;
  op->walk([&](scf::ForallOp forall) {
    if (!forall.getOutputs().empty())
      return;
    ArrayRef<int64_t> lbs = forall.getStaticLowerBound(),
                      ubs = forall.getStaticUpperBound(), steps = forall.getStaticStep();
    if (llvm::any_of(llvm::concat<const int64_t>(lbs, ubs, steps), ShapedType::isDynamic))
      return;
    int64_t iterations = 1;
    for (auto [lb, ub, step] : llvm::zip_equal(lbs, ubs, steps))
      iterations =
          saturatingMul(iterations, llvm::divideCeil(std::max<int64_t>(ub - lb, 0), step));
    if (iterations <= 1 ||
        saturatingMul(iterations, estimateWork(*forall.getBody())) < minWork)
      small.push_back(forall);
  });
  IRRewriter rewriter(op->getContext());
  for (scf::ForallOp forall : small)
    if (failed(scf::forallToForLoop(rewriter, forall)))
      return failure();
  return success();
}

namespace {
struct SerializeSmallForallsPass final
    : qc::impl::QCCPUSerializeSmallForallsBase<SerializeSmallForallsPass> {
  using QCCPUSerializeSmallForallsBase::QCCPUSerializeSmallForallsBase;

  void runOnOperation() override {
    if (failed(qc::serializeSmallForalls(getOperation(), minWork)))
      signalPassFailure();
  }
};

} // namespace
