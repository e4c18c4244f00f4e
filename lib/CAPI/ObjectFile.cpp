//===- ObjectFile.cpp - C API: ahead-of-time object files -----------------===//
#include "qc-c/Execution.h"

#include "Errors.h"

#include "qc/Runtime/CPUExecutor.h"
#include "qc/Target/LLVMIR/ObjectEmission.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace ::qc::capi;

MlirLogicalResult qcModuleEmitObjectFile(MlirModule module, MlirStringRef path,
                                         MlirStringRef pipelineOptions,
                                         QcError *error) {
  OwningOpRef<ModuleOp> lowered = unwrap(module).clone();
  if (!::qc::runtime::isLLVMDialectModule(*lowered)) {
    std::string options =
        ::qc::runtime::hostCPUPipelineOptions(unwrap(pipelineOptions));
    std::string pipeline =
        "qc-cpu-pipeline" + (options.empty() ? "" : "{" + options + "}");
    if (std::optional<ErrorImpl> failure = runPipeline(*lowered, pipeline)) {
      report(std::move(*failure), error);
      return mlirLogicalResultFailure();
    }
  }
  DiagnosticCapture diagnostics(lowered->getContext());
  llvm::StringRef destination = unwrap(path);
  // writeToOutput writes a temporary next to `path` and renames it at the
  // end, so a failure leaves no partial file.
  llvm::Error written = llvm::writeToOutput(
      destination, [&](llvm::raw_ostream &os) -> llvm::Error {
        if (failed(mlir::qc::emitObjectFile(*lowered, mlir::qc::ObjectTarget(),
                                             os)))
          return llvm::createStringError("object emission failed");
        return llvm::Error::success();
      });
  if (written) {
    report(makeError("writing " + destination + ": " +
                         llvm::toString(std::move(written)),
                     diagnostics.text()),
           error);
    return mlirLogicalResultFailure();
  }
  clear(error);
  return mlirLogicalResultSuccess();
}
