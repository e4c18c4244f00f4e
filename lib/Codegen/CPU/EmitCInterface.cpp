//===- EmitCInterface.cpp - request C wrappers for public functions -------===//
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCEMITCINTERFACE
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
struct EmitCInterfacePass final
    : qc::impl::QCEmitCInterfaceBase<EmitCInterfacePass> {
  using QCEmitCInterfaceBase::QCEmitCInterfaceBase;

  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    StringRef name = LLVM::LLVMDialect::getEmitCWrapperAttrName();
    bool changed = false;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal() || func->getAttr(name) == unit)
        continue;
      func->setAttr(name, unit);
      changed = true;
    }
    if (!changed)
      markAllAnalysesPreserved();
  }
};
} // namespace
