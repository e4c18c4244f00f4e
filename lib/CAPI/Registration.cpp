//===- Registration.cpp - C API: dialects, passes, contexts ---------------===//
#include "qc-c/Registration.h"
#include "qc-c/Dialects.h"

#include "qc/Dialect/QC/IR/QCDialect.h"
#include "qc/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(QC, qc, mlir::qc::QCDialect)

void qcRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::DialectRegistry &unwrapped = *unwrap(registry);
  mlir::qc::registerAllDialects(unwrapped);
  mlir::registerAllToLLVMIRTranslations(unwrapped);
}

void qcRegisterAllPasses(void) { mlir::qc::registerAllPasses(); }

MlirContext qcContextCreate(void) {
  mlir::DialectRegistry registry;
  mlir::qc::registerAll(registry);
  auto *context = new mlir::MLIRContext(registry);
  context->loadAllAvailableDialects();
  return wrap(context);
}
