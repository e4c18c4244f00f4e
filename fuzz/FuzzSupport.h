//===- FuzzSupport.h - shared pieces of qc's MLIR fuzz targets --*- C++ -*-===//
//
// The MLIR targets (parse, pass, pipeline) share one context with every qc
// and upstream dialect registered, a diagnostic sink that records whether an
// error was reported, and a bound on the work one input may ask for.
//
//===----------------------------------------------------------------------===//
#ifndef QC_FUZZ_FUZZSUPPORT_H
#define QC_FUZZ_FUZZSUPPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <utility>

namespace qc::fuzz {

/// A context for the next input. Uniqued attributes and types are never
/// freed, so the context is replaced every few thousand inputs to keep the
/// fuzzer's memory flat; single-threaded so that a crash reproduces.
mlir::MLIRContext &nextContext();

/// Collects the diagnostics of one input (printed only when QC_FUZZ_VERBOSE
/// is set) and remembers whether any was an error.
class DiagnosticSink {
public:
  explicit DiagnosticSink(mlir::MLIRContext &context);
  bool sawError() const { return errors > 0; }

private:
  mlir::ScopedDiagnosticHandler handler;
  unsigned errors = 0;
};

/// Parses `text` as a module (verifying it), as qc's tools do: through
/// mlir::qc::parseSourceFileGuarded, so a crash inside the parser is an
/// error, not a crash. Only the known upstream bug may crash the parser (a
/// malformed `dimensions` / `permutation` list of linalg.broadcast,
/// linalg.transpose or linalg.reduce; docs/Robustness.md): any other parser
/// crash is reported as a bug of its own (reportBug).
mlir::OwningOpRef<mlir::ModuleOp> parseModule(llvm::StringRef text,
                                              mlir::MLIRContext &context);

/// False when a shaped type in the module has more than `maxElements`
/// elements: passes may legitimately spend time proportional to a tensor's
/// size (constant folding, SVD), and the fuzzers look for crashes, not for
/// the cost of huge legal programs.
bool isSmallEnough(mlir::ModuleOp module, int64_t maxElements = 1 << 14);

/// Splits an input into its first line (the selector of a pass or pipeline)
/// and the rest (the MLIR text).
std::pair<llvm::StringRef, llvm::StringRef> splitHeader(llvm::StringRef data);

/// The entry of `choices` whose text is `header`, or one picked by a hash of
/// `header` when none matches, so that every mutated header still selects.
size_t select(llvm::StringRef header, llvm::ArrayRef<llvm::StringRef> choices);

/// Runs a textual pass pipeline on `module`, checking that the IR verifies
/// after every pass that succeeds (reportBug otherwise).
mlir::LogicalResult runPipeline(mlir::ModuleOp module,
                                llvm::StringRef pipeline);

/// Runs the textual pass pipeline chosen by the input's first line on the
/// module in the rest. Contracts: no crash; a failure comes with an error
/// diagnostic; after every pass that succeeds the IR verifies. `runChoice`,
/// when given, runs the choice itself (e.g. a compile to a Vulkan bundle)
/// instead of parsing it as a pipeline.
int fuzzPassPipelines(
    llvm::StringRef input, llvm::ArrayRef<llvm::StringRef> pipelines,
    llvm::function_ref<mlir::LogicalResult(mlir::ModuleOp, llvm::StringRef)>
        runChoice = nullptr);

/// With QC_FUZZ_LIST_CHOICES set in the environment, prints `choices` one
/// per line and exits (fuzz/make_corpus.py builds seed inputs from them).
void listChoicesIfAsked(llvm::ArrayRef<llvm::StringRef> choices);

/// Reports a broken contract (a failure without a diagnostic, IR that no
/// longer verifies) and aborts, so that libFuzzer keeps the input.
[[noreturn]] void reportBug(const llvm::Twine &what, llvm::StringRef input);
/// reportBug on the input fuzzPassPipelines is running.
[[noreturn]] void reportBug(const llvm::Twine &what);

} // namespace qc::fuzz

#endif // QC_FUZZ_FUZZSUPPORT_H
