//===- ObjectFile.cpp - C API: ahead-of-time object files -----------------===//
#include "qc-c/Execution.h"

#include "Errors.h"

#include "qc/Runtime/CPUExecutor.h"
#include "qc/Target/Artifact.h"
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

MlirLogicalResult qcModuleCompileToFile(MlirModule module, MlirStringRef target,
                                        MlirStringRef path, MlirStringRef entry,
                                        MlirStringRef name,
                                        MlirStringRef headerPath,
                                        MlirStringRef pipelineOptions,
                                        QcError *error) {
  return qcModuleCompileToFileWithFlags(module, target, path, entry, name,
                                        headerPath, pipelineOptions,
                                        QC_EXCHANGE_DEFAULT, error);
}

MlirLogicalResult qcModuleCompileToFileWithFlags(
    MlirModule module, MlirStringRef target, MlirStringRef path,
    MlirStringRef entry, MlirStringRef name, MlirStringRef headerPath,
    MlirStringRef pipelineOptions, unsigned flags, QcError *error) {
  ModuleOp original = unwrap(module);
  DiagnosticCapture diagnostics(original.getContext());
  llvm::StringRef targetName = unwrap(target);
  if (!checkTarget(targetName, diagnostics, error))
    return mlirLogicalResultFailure();
  if (flags & ~unsigned(QC_EXCHANGE_PACKED_INT4)) {
    report(makeError("unknown exchange flags " + llvm::Twine(flags), ""),
           error);
    return mlirLogicalResultFailure();
  }
  mlir::qc::ArtifactOptions options;
  options.packedInt4 = flags & QC_EXCHANGE_PACKED_INT4;
  options.entry = unwrap(entry).str();
  options.name = unwrap(name).str();
  options.headerPath = unwrap(headerPath).str();
  options.pipelineOptions = unwrap(pipelineOptions).str();
  // The reproducer names the input's file; it is written only on failure.
  options.sourcePath = reserveReproducerPath();
  llvm::Error failed =
      targetName == "cpu"
          ? mlir::qc::compileToSharedLibrary(original, unwrap(path), options)
          : mlir::qc::compileToVulkanBundleDirectory(original, unwrap(path),
                                                     options);
  if (!failed) {
    clear(error);
    return mlirLogicalResultSuccess();
  }
  report(compileError(std::move(failed), "compiling to " + unwrap(path),
                      original, options.sourcePath, diagnostics),
         error);
  return mlirLogicalResultFailure();
}
