//===- Errors.h - QcError and diagnostic capture for the C API --*- C++ -*-===//
//
// The C API never prints: diagnostics emitted while a call runs are captured
// and, when the call fails, handed back in a QcError together with what
// failed and how to reproduce it.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_CAPI_ERRORS_H
#define QC_LIB_CAPI_ERRORS_H

#include "qc-c/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace qc::capi {

struct ErrorImpl {
  std::string message;
  std::string diagnostics;
  std::string reproducerPath;
  std::string reproducerCommand;
};

/// Captures every diagnostic emitted in `context` while it lives, formatted
/// as "loc: severity: message" lines with their notes.
class DiagnosticCapture {
public:
  explicit DiagnosticCapture(mlir::MLIRContext *context);
  const std::string &text() const { return captured; }

private:
  std::string captured;
  mlir::ScopedDiagnosticHandler handler;
};

/// Builds the error `what` failed: the captured diagnostics first, then
/// `what`, then the reproducer when there is one.
ErrorImpl makeError(const llvm::Twine &what, const std::string &diagnostics,
                    std::string reproducerPath = {},
                    std::string reproducerCommand = {});

/// Hands `error` to the caller through `out` (or prints it when `out` is
/// NULL).
void report(ErrorImpl error, QcError *out);
/// Stores a null error in `out` (when given).
void clear(QcError *out);

/// A fresh `qc-reproducer-*.mlir` path in the temporary directory, for a
/// reproducer command named before it is known whether the file is needed.
std::string reserveReproducerPath();

/// Writes `module`'s IR for a reproducer to `path` (a fresh temporary file
/// when empty); returns the path, or an empty string when nothing could be
/// written.
std::string writeReproducerInput(mlir::Operation *module,
                                 llvm::StringRef path = {});

/// Whether `target` names a target of the C API (cpu, vulkan); otherwise
/// reports the error through `out`.
bool checkTarget(llvm::StringRef target, const DiagnosticCapture &diagnostics,
                 QcError *out);

/// The error of a compilation of `original` that failed with `failure`:
/// "<what> failed: <reason>", with the reproducer of a failed pipeline (the
/// module written to `sourcePath`, the path its command already names).
ErrorImpl compileError(llvm::Error failure, const llvm::Twine &what,
                       mlir::Operation *original, llvm::StringRef sourcePath,
                       const DiagnosticCapture &diagnostics);

/// Runs the textual `pipeline` (qcModuleRunPipeline's syntax) on `module`;
/// the error, with a reproducer when a pass failed, or nothing on success.
std::optional<ErrorImpl> runPipeline(mlir::ModuleOp module,
                                     llvm::StringRef pipeline);

} // namespace qc::capi

#endif // QC_LIB_CAPI_ERRORS_H
