//===- ForwardOutParams.cpp - kernels write into the caller's out-parameter ===//
//
// With outlined kernels, `buffer-results-to-out-params` gives the entry a
// `memref.alloc` for each kernel call's result and copies the last one into
// the entry's own out-parameter: an extra pass over the output on the calling
// thread (4 MiB and about 8 % of a 1024^3 int8 GEMM). When that
// out-parameter is used by the copy alone and the allocation by nothing
// after the copy, the call writes into the out-parameter instead.
//
//===----------------------------------------------------------------------===//
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUFORWARDOUTPARAMS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// Whether `alloc` can become `target`: same type, and every use of the
/// allocation but `copy` runs before it in its block (nothing reads the
/// allocation after the copy, and the out-parameter, used by the copy
/// alone, holds nothing before it).
bool canForward(memref::AllocOp alloc, memref::CopyOp copy, BlockArgument target) {
  Block *block = copy->getBlock();
  if (alloc.getType() != target.getType() || alloc->getBlock() != block ||
      !target.hasOneUse() || target.getOwner() != block)
    return false;
  return llvm::all_of(alloc->getUses(), [&](OpOperand &use) {
    if (use.getOwner() == copy)
      return use.getOperandNumber() == 0;
    Operation *user = block->findAncestorOpInBlock(*use.getOwner());
    return user && user->isBeforeInBlock(copy);
  });
}

struct ForwardOutParamsPass final
    : qc::impl::QCCPUForwardOutParamsBase<ForwardOutParamsPass> {
  using QCCPUForwardOutParamsBase::QCCPUForwardOutParamsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return markAllAnalysesPreserved();
    SmallVector<memref::CopyOp> copies;
    for (Operation &op : func.getBody().front())
      if (auto copy = dyn_cast<memref::CopyOp>(op))
        copies.push_back(copy);
    uint64_t forwarded = 0;
    for (memref::CopyOp copy : copies) {
      auto target = dyn_cast<BlockArgument>(copy.getTarget());
      auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
      if (!target || !alloc || !canForward(alloc, copy, target))
        continue;
      copy.erase();
      alloc.getResult().replaceAllUsesWith(target);
      alloc.erase();
      ++forwarded;
    }
    qc::addStatistic(*this, numForwarded, "forwarded-out-params", forwarded);
    if (forwarded == 0)
      markAllAnalysesPreserved();
  }
};

} // namespace
