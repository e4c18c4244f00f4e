//===- Registration.cpp - C API: dialects, passes, contexts ---------------===//
#include "qc-c/Registration.h"
#include "qc-c/Dialects.h"

#include "qc/Dialect/QC/IR/QCDialect.h"
#include "qc/InitAllDialects.h"
#include "qc/InitAllPasses.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include <mutex>

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(QC, qc, mlir::qc::QCDialect)

void qcRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::DialectRegistry &unwrapped = *unwrap(registry);
  mlir::qc::registerAllDialects(unwrapped);
  mlir::registerAllToLLVMIRTranslations(unwrapped);
}

void qcRegisterAllPasses(void) {
  // The global registry rejects a second registration of a pass name.
  static std::once_flag registered;
  std::call_once(registered, [] { mlir::qc::registerAllPasses(); });
}

MlirContext qcContextCreate(void) {
  qcRegisterAllPasses();
  mlir::DialectRegistry registry;
  mlir::qc::registerAllDialects(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  auto *context = new mlir::MLIRContext(registry);
  context->loadAllAvailableDialects();
  return wrap(context);
}
