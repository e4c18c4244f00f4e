//===- VerifyCPUInput.cpp - reject what the CPU pipeline cannot lower -----===//
#include "qc/Codegen/CPU/Passes.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCVERIFYCPUINPUT
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
bool isUnranked(Type type) { return isa<UnrankedTensorType, UnrankedMemRefType>(type); }

struct VerifyCPUInputPass final : qc::impl::QCVerifyCPUInputBase<VerifyCPUInputPass> {
  using QCVerifyCPUInputBase::QCVerifyCPUInputBase;

  void runOnOperation() override {
    bool failed = false;
    getOperation().walk([&](Operation *op) {
      auto report = [&](StringRef what, Type type) {
        op->emitError() << what << " has the unranked type " << type
                        << "; the CPU pipeline needs ranked tensors";
        failed = true;
      };
      if (auto func = dyn_cast<FunctionOpInterface>(op)) {
        for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
          if (isUnranked(type))
            report("argument #" + std::to_string(i), type);
        for (auto [i, type] : llvm::enumerate(func.getResultTypes()))
          if (isUnranked(type))
            report("result #" + std::to_string(i), type);
        return;
      }
      for (Value result : op->getResults())
        if (isUnranked(result.getType()))
          return report("result #" + std::to_string(cast<OpResult>(result).getResultNumber()) +
                            " of '" + op->getName().getStringRef().str() + "'",
                        result.getType());
    });
    if (failed)
      return signalPassFailure();
    // A check: the pass manager need not verify the module again.
    markAllAnalysesPreserved();
  }
};
} // namespace
