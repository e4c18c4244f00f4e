//===- Errors.cpp - QcError and diagnostic capture for the C API ----------===//
#include "Errors.h"

#include "qc/Runtime/Executor.h"

#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace qc::capi {

static const char *severityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}

/// "file:line:col" as compilers print it, from the first file location
/// inside `loc` (names, call sites and fusions wrap them); the location's
/// own syntax otherwise.
static void printLocation(llvm::raw_ostream &os, Location loc) {
  FileLineColLoc fileLoc;
  loc->walk([&](Location nested) {
    if (auto found = dyn_cast<FileLineColLoc>(nested)) {
      fileLoc = found;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (fileLoc)
    os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine() << ":"
       << fileLoc.getColumn();
  else
    os << loc;
}

static void appendDiagnostic(std::string &out, Diagnostic &diagnostic) {
  llvm::raw_string_ostream os(out);
  printLocation(os, diagnostic.getLocation());
  os << ": "
     << severityName(diagnostic.getSeverity()) << ": " << diagnostic.str()
     << "\n";
  for (Diagnostic &note : diagnostic.getNotes())
    appendDiagnostic(out, note);
}

DiagnosticCapture::DiagnosticCapture(MLIRContext *context)
    : handler(context, [this](Diagnostic &diagnostic) {
        appendDiagnostic(captured, diagnostic);
        return success();
      }) {}

ErrorImpl makeError(const llvm::Twine &what, const std::string &diagnostics,
                    std::string reproducerPath,
                    std::string reproducerCommand) {
  ErrorImpl error;
  error.diagnostics = diagnostics;
  error.message = diagnostics + what.str();
  if (!reproducerCommand.empty())
    error.message += "\nreproduce with:\n  " + reproducerCommand;
  error.reproducerPath = std::move(reproducerPath);
  error.reproducerCommand = std::move(reproducerCommand);
  return error;
}

void report(ErrorImpl error, QcError *out) {
  if (!out) {
    llvm::errs() << "qc: error: " << error.message << "\n";
    return;
  }
  out->ptr = new ErrorImpl(std::move(error));
}

void clear(QcError *out) {
  if (out)
    out->ptr = nullptr;
}

std::string reserveReproducerPath() {
  llvm::SmallString<128> path;
  llvm::sys::path::system_temp_directory(/*erasedOnReboot=*/true, path);
  llvm::sys::path::append(path, "qc-reproducer-%%%%%%.mlir");
  llvm::SmallString<128> unique;
  llvm::sys::fs::createUniquePath(path, unique, /*MakeAbsolute=*/false);
  return std::string(unique);
}

std::string writeReproducerInput(Operation *module, llvm::StringRef path) {
  std::string destination = path.empty() ? reserveReproducerPath() : path.str();
  std::error_code ec;
  llvm::raw_fd_ostream os(destination, ec);
  if (ec)
    return {};
  module->print(os);
  os.close();
  if (os.has_error()) {
    os.clear_error();
    llvm::sys::fs::remove(destination);
    return {};
  }
  return destination;
}

bool checkTarget(llvm::StringRef target, const DiagnosticCapture &diagnostics,
                 QcError *out) {
  if (target == "cpu" || target == "vulkan")
    return true;
  report(makeError("unknown target '" + target + "' (available: cpu, vulkan)",
                   diagnostics.text()),
         out);
  return false;
}

ErrorImpl compileError(llvm::Error failure, const llvm::Twine &what,
                       Operation *original, llvm::StringRef sourcePath,
                       const DiagnosticCapture &diagnostics) {
  std::string reason, reproducer;
  llvm::handleAllErrors(
      std::move(failure),
      [&](const ::qc::runtime::PipelineError &pipelineError) {
        reason = pipelineError.getWhat();
        reproducer = pipelineError.getReproducer();
      },
      [&](const llvm::ErrorInfoBase &other) { reason = other.message(); });
  std::string reproducerPath;
  if (!reproducer.empty()) {
    reproducerPath = writeReproducerInput(original, sourcePath);
    if (reproducerPath.empty())
      reproducer.clear(); // It would name a file that does not exist.
  }
  return makeError(what + " failed: " + reason, diagnostics.text(),
                   reproducerPath, reproducer);
}

} // namespace qc::capi

using ::qc::capi::ErrorImpl;

static ErrorImpl &unwrapError(QcError error) {
  return *static_cast<ErrorImpl *>(error.ptr);
}

MlirStringRef qcErrorGetMessage(QcError error) {
  return wrap(llvm::StringRef(unwrapError(error).message));
}

MlirStringRef qcErrorGetDiagnostics(QcError error) {
  return wrap(llvm::StringRef(unwrapError(error).diagnostics));
}

MlirStringRef qcErrorGetReproducerPath(QcError error) {
  return wrap(llvm::StringRef(unwrapError(error).reproducerPath));
}

MlirStringRef qcErrorGetReproducerCommand(QcError error) {
  return wrap(llvm::StringRef(unwrapError(error).reproducerCommand));
}

void qcErrorDestroy(QcError error) {
  delete static_cast<ErrorImpl *>(error.ptr);
}
