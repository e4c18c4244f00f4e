//===- CopyRepeatedResults.cpp - one buffer per returned value ------------===//
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCOPYREPEATEDRESULTS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
struct CopyRepeatedResultsPass final
    : qc::impl::QCCopyRepeatedResultsBase<CopyRepeatedResultsPass> {
  using QCCopyRepeatedResultsBase::QCCopyRepeatedResultsBase;

  void runOnOperation() override {
    uint64_t copied = 0;
    getOperation().walk([&](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 4> seen;
      OpBuilder builder(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value value = operand.get();
        auto type = dyn_cast<MemRefType>(value.getType());
        if (!type || seen.insert(value).second)
          continue;
        // A repetition: its own allocation of the same (identity) type,
        // with the dynamic sizes of the value.
        Location loc = ret.getLoc();
        SmallVector<Value> dynamicSizes;
        for (int64_t d = 0, e = type.getRank(); d < e; ++d)
          if (type.isDynamicDim(d))
            dynamicSizes.push_back(memref::DimOp::create(builder, loc, value, d));
        auto copy = memref::AllocOp::create(builder, loc, type, dynamicSizes);
        memref::CopyOp::create(builder, loc, value, copy);
        operand.set(copy);
        ++copied;
      }
    });
    mlir::qc::addStatistic(*this, numCopied, "copied-results", copied);
    if (copied == 0)
      markAllAnalysesPreserved();
  }
};
} // namespace
