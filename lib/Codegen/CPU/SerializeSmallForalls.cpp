//===- SerializeSmallForalls.cpp - no thread team for little work ---------===//
//
// A threaded pipeline turns every scf.forall into an OpenMP parallel region,
// and each region forks and joins the thread team. The register-tile loops
// of a batch-1 model's last layers are a few microseconds of work, of the
// order of that cost: they run on the calling thread instead.
//
//===----------------------------------------------------------------------===//
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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

/// The iterations of a forall of static bounds.
std::optional<int64_t> staticIterations(scf::ForallOp forall) {
  ArrayRef<int64_t> lbs = forall.getStaticLowerBound(), ubs = forall.getStaticUpperBound(),
                    steps = forall.getStaticStep();
  if (llvm::any_of(llvm::concat<const int64_t>(lbs, ubs, steps), ShapedType::isDynamic))
    return std::nullopt;
  int64_t iterations = 1;
  for (auto [lb, ub, step] : llvm::zip_equal(lbs, ubs, steps))
    iterations = saturatingMul(iterations, llvm::divideCeil(std::max<int64_t>(ub - lb, 0), step));
  return iterations;
}

/// What one 64-byte cache line that a copy or fill moves counts for: such
/// ops are memory bound, so their cost is the lines they read and write,
/// not their op count (one op each). A line streamed between caches or
/// from memory takes about as long as 16 register ops of a kernel tile
/// (a few ns at ~3.7 GHz); without this weight a 1 MiB offset pass or a
/// padded-input row loop counted a few ops per row and always stayed on
/// the calling thread, however many bytes it moved.
constexpr int64_t kOpsPerCacheLine = 16;

/// The bytes of a static memref, or -1.
int64_t staticBytes(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !memref.hasStaticShape() || !memref.getElementType().isIntOrFloat())
    return -1;
  int64_t bytes = llvm::divideCeil(memref.getElementType().getIntOrFloatBitWidth(), 8);
  return saturatingMul(memref.getNumElements(), bytes);
}

/// The cache lines a memory-bound op reads and writes (`linalg` ops on
/// memrefs: fills, copies, elementwise passes; `memref.copy`), or -1.
int64_t memoryLines(Operation &op) {
  int64_t bytes = 0;
  if (auto copy = dyn_cast<memref::CopyOp>(op)) {
    bytes = staticBytes(copy.getSource().getType());
    bytes = bytes < 0 ? -1 : saturatingMul(bytes, 2);
  } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (!linalgOp.hasPureBufferSemantics())
      return -1;
    for (OpOperand &operand : op.getOpOperands()) {
      if (!isa<MemRefType>(operand.get().getType()))
        continue;
      int64_t operandBytes = staticBytes(operand.get().getType());
      if (operandBytes < 0)
        return -1;
      bytes = saturatingAdd(bytes, operandBytes);
    }
  } else {
    return -1;
  }
  return bytes < 0 ? -1 : llvm::divideCeil(bytes, 64);
}

} // namespace

/// The operations one execution of `block` runs: nested scf.for loops of
/// constant bounds count their body times their trip count, scf.forall
/// loops of constant bounds their body times their iterations; copies and
/// other linalg ops on static memrefs count the cache lines they move
/// (kOpsPerCacheLine each); other regions (branches, unknown bounds) count
/// once.
int64_t qc::estimateWork(Block &block) {
  int64_t work = 0;
  for (Operation &op : block) {
    int64_t lines = memoryLines(op);
    if (lines >= 0) {
      work = saturatingAdd(work, saturatingAdd(1, saturatingMul(lines, kOpsPerCacheLine)));
      continue;
    }
    int64_t inner = 0;
    for (Region &region : op.getRegions())
      for (Block &nested : region)
        inner = saturatingAdd(inner, estimateWork(nested));
    if (auto loop = dyn_cast<scf::ForOp>(op))
      if (std::optional<APInt> trips = loop.getStaticTripCount())
        inner = saturatingMul(inner, trips->getSExtValue());
    if (auto forall = dyn_cast<scf::ForallOp>(op))
      if (std::optional<int64_t> iterations = staticIterations(forall))
        inner = saturatingMul(inner, *iterations);
    work = saturatingAdd(work, saturatingAdd(1, inner));
  }
  return work;
}

LogicalResult qc::serializeSmallForalls(Operation *op, int64_t minWork,
                                        SerializeSmallForallsStats *stats) {
  SmallVector<scf::ForallOp> small;
  int64_t parallelWork = 0, parallelLoops = 0;
  op->walk([&](scf::ForallOp forall) {
    if (!forall.getOutputs().empty())
      return;
    std::optional<int64_t> iterations = staticIterations(forall);
    if (!iterations)
      return;
    int64_t work = saturatingMul(*iterations, estimateWork(*forall.getBody()));
    if (*iterations <= 1 || work < minWork) {
      small.push_back(forall);
    } else if (!forall->getParentOfType<scf::ForallOp>()) {
      parallelWork = saturatingAdd(parallelWork, work);
      ++parallelLoops;
    }
  });
  if (stats) {
    int64_t total = 0;
    for (Region &region : op->getRegions())
      for (Block &block : region)
        total = saturatingAdd(total, estimateWork(block));
    stats->parallelLoops = parallelLoops;
    stats->serializedLoops = small.size();
    stats->parallelWork = parallelWork;
    stats->serialWork = std::max<int64_t>(0, total - parallelWork);
  }
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
    qc::SerializeSmallForallsStats stats;
    if (failed(qc::serializeSmallForalls(getOperation(), minWork, &stats))) {
      signalPassFailure();
      return;
    }
    qc::addStatistic(*this, numParallelLoops, "parallel-loops", stats.parallelLoops);
    qc::addStatistic(*this, numSerializedLoops, "serialized-loops", stats.serializedLoops);
    qc::addStatistic(*this, parallelWork, "parallel-work", stats.parallelWork);
    qc::addStatistic(*this, serialWork, "serial-work", stats.serialWork);
    // Serialized loops are the only change.
    if (stats.serializedLoops == 0)
      markAllAnalysesPreserved();
  }
};

} // namespace
