//===- RecordEntryABI.cpp - record the tensor signature of entry points ---===//
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCRECORDENTRYABI
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
ArrayAttr typeArray(MLIRContext *context, TypeRange types) {
  SmallVector<Attribute> attrs;
  for (Type type : types)
    attrs.push_back(TypeAttr::get(type));
  return ArrayAttr::get(context, attrs);
}

struct RecordEntryABIPass final
    : qc::impl::QCRecordEntryABIBase<RecordEntryABIPass> {
  using QCRecordEntryABIBase::QCRecordEntryABIBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    bool changed = false;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      // Keep a record made earlier: it describes the signature before some
      // pass already rewrote it.
      if (!func.isPublic() || func.isExternal() ||
          func->hasAttr(qc::kABIInputsAttrName))
        continue;
      func->setAttr(qc::kABIInputsAttrName,
                    typeArray(context, func.getArgumentTypes()));
      func->setAttr(qc::kABIResultsAttrName,
                    typeArray(context, func.getResultTypes()));
      changed = true;
    }
    if (!changed)
      markAllAnalysesPreserved();
  }
};
} // namespace
