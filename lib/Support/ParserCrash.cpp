//===- ParserCrash.cpp - no tool or library crash on bad MLIR text --------===//
#include "qc/Support/ParserCrash.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/PrettyStackTrace.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>
#include <optional>
#include <unistd.h>

using namespace mlir;

static constexpr llvm::StringLiteral kRejected =
    "(an upstream MLIR bug, see qc's docs/Robustness.md); the input is "
    "rejected";

OwningOpRef<ModuleOp> qc::parseSourceFileGuarded(llvm::SourceMgr &sourceMgr,
                                                 const ParserConfig &config) {
  MLIRContext *context = config.getContext();
  // Enabled once for the process and left on: outside a recovery context,
  // LLVM's handler restores the previous handlers and re-raises, so crashes
  // elsewhere reach the host's (or LLVM's) handler as before.
  static std::once_flag enabled;
  std::call_once(enabled, [] { llvm::CrashRecoveryContext::Enable(); });

  std::optional<Location> lastError;
  OwningOpRef<ModuleOp> module;
  bool finished;
  {
    ScopedDiagnosticHandler track(context, [&](Diagnostic &diagnostic) {
      if (diagnostic.getSeverity() == DiagnosticSeverity::Error)
        lastError = diagnostic.getLocation();
      // Not handled here: the caller's handlers print or collect it.
      return failure();
    });
    // The crash skips the destructors of the parser's pretty stack entries.
    const void *prettyStack = llvm::SavePrettyStackState();
    llvm::CrashRecoveryContext recovery;
    finished = recovery.RunSafely(
        [&] { module = parseSourceFile<ModuleOp>(sourceMgr, config); });
    if (!finished)
      llvm::RestorePrettyStackState(prettyStack);
  }
  if (finished)
    return module;
  if (lastError) {
    emitError(*lastError) << "the MLIR parser crashed after this error "
                          << kRejected;
  } else {
    llvm::StringRef name =
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())
            ->getBufferIdentifier();
    emitError(FileLineColLoc::get(context, name, 1, 1))
        << "the MLIR parser crashed on this input " << kRejected;
  }
  return nullptr;
}

namespace {
const char *crashReportTool = "qc";

/// A callback of LLVM's fatal-signal handler, which has already removed the
/// unfinished output files. The MLIR parser names the custom-op parser it
/// runs in its pretty stack trace ("MLIR Parser: custom op parser 'x.y'");
/// only a crash under such an entry is reported as a rejected input.
void reportParserCrash(void *) {
  for (auto *entry = static_cast<const llvm::PrettyStackTraceEntry *>(
           llvm::SavePrettyStackState());
       entry; entry = entry->getNextEntry()) {
    llvm::SmallString<128> text;
    llvm::raw_svector_ostream os(text);
    entry->print(os);
    // (PrettyStackTraceFormat prints its terminating nul.)
    llvm::StringRef what = llvm::StringRef(text).split('\0').first.trim();
    if (!what.consume_front("MLIR Parser: "))
      continue;
    llvm::errs() << crashReportTool << ": error: the MLIR parser crashed in "
                 << "the " << what << " after the error above " << kRejected
                 << "\n";
    _exit(1);
  }
}
} // namespace

void qc::installParserCrashReport(const char *toolName) {
  crashReportTool = toolName;
  llvm::sys::AddSignalHandler(reportParserCrash, nullptr);
}
