//===- VerifyCPUContract.cpp - check the end of the CPU lowering ----------===//
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCVERIFYCPUCONTRACT
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
/// True when `type` is or contains (vector, LLVM struct/array) a float.
bool containsFloat(Type type) {
  if (isa<FloatType>(type))
    return true;
  if (auto shaped = dyn_cast<ShapedType>(type))
    return containsFloat(shaped.getElementType());
  if (auto structType = dyn_cast<LLVM::LLVMStructType>(type))
    return llvm::any_of(structType.getBody(), containsFloat);
  if (auto array = dyn_cast<LLVM::LLVMArrayType>(type))
    return containsFloat(array.getElementType());
  return false;
}

struct VerifyCPUContractPass final
    : qc::impl::QCVerifyCPUContractBase<VerifyCPUContractPass> {
  using QCVerifyCPUContractBase::QCVerifyCPUContractBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    WalkResult result = module.walk([&](Operation *op) -> WalkResult {
      if (op == module.getOperation())
        return WalkResult::advance();
      // OpenMP ops of threaded code translate to LLVM IR with the rest.
      if (!isa<LLVM::LLVMDialect, omp::OpenMPDialect>(op->getDialect())) {
        op->emitError() << "'" << op->getName()
                        << "' is not in the LLVM dialect after the CPU "
                           "lowering; the pipeline does not handle it";
        return WalkResult::interrupt();
      }
      if (!integerOnly)
        return WalkResult::advance();
      auto isFloat = [](Value value) { return containsFloat(value.getType()); };
      bool floatFunction = false;
      if (auto func = dyn_cast<LLVM::LLVMFuncOp>(op))
        floatFunction =
            llvm::any_of(func.getFunctionType().getParams(), containsFloat) ||
            containsFloat(func.getFunctionType().getReturnType());
      if (floatFunction || llvm::any_of(op->getOperands(), isFloat) ||
          llvm::any_of(op->getResults(), isFloat)) {
        op->emitError() << "floating-point value in '" << op->getName()
                        << "' in code required to be integer-only";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    // A check: the pass manager need not verify the module again.
    markAllAnalysesPreserved();
  }
};
} // namespace
