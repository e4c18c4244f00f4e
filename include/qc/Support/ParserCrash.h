//===- ParserCrash.h - no tool or library crash on bad MLIR text -*- C++ -*-===//
//
// Some upstream MLIR parsers crash after reporting a syntax error (MLIR 22:
// the custom parsers of linalg.broadcast, linalg.transpose and linalg.reduce
// store the null attribute that a failed DenseI64ArrayAttr::parse returns;
// docs/Robustness.md). qc's tools and its C API turn such a crash into the
// error already printed plus one that says the input is rejected, and fail
// normally. Two mechanisms, because the parse runs in two kinds of places:
//
//  * parseSourceFileGuarded: qc's own parse calls (C API, qc-run,
//    qc-vulkan-bundle, qc-vulkan-run) run the parser inside an
//    llvm::CrashRecoveryContext and return null after a crash, like any
//    other parse failure. Usable in a library: the process goes on.
//  * installParserCrashReport: qc-opt and qc-translate parse inside
//    upstream's MlirOptMain / mlirTranslateMain; a signal callback ends the
//    process with status 1 when the crash happened inside an MLIR custom-op
//    parser, after LLVM has removed unfinished output files. Any other crash
//    still ends as a crash, with its stack dump.
//
//===----------------------------------------------------------------------===//
#ifndef QC_SUPPORT_PARSERCRASH_H
#define QC_SUPPORT_PARSERCRASH_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Parser/Parser.h"

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::qc {

/// parseSourceFile<ModuleOp> whose crash inside the parser is an error: the
/// parser's own diagnostics are emitted as usual, then one error at the last
/// of them (or at the buffer's start) that names the crash; returns null.
/// Memory the parser held when it crashed is leaked.
OwningOpRef<ModuleOp> parseSourceFileGuarded(llvm::SourceMgr &sourceMgr,
                                             const ParserConfig &config);

/// Call first in the main() of a tool whose input is parsed by upstream code:
/// a crash inside an MLIR custom-op parser prints "<tool>: error: ..." and
/// exits with status 1 instead of crashing.
void installParserCrashReport(const char *toolName);

} // namespace mlir::qc

#endif // QC_SUPPORT_PARSERCRASH_H
