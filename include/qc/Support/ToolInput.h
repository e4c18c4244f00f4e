//===- ToolInput.h - what qc's command-line tools share ---------*- C++ -*-===//
//
// qc-run and qc-compile take the same kind of input (one module, MLIR text
// or bytecode) and the same --target values; the checks and messages live
// here once.
//
//===----------------------------------------------------------------------===//
#ifndef QC_SUPPORT_TOOLINPUT_H
#define QC_SUPPORT_TOOLINPUT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

namespace llvm {
class SourceMgr;
namespace cl {
class OptionCategory;
} // namespace cl
} // namespace llvm

namespace mlir::qc {

/// Parses the command line of tool `argv[0]`: --help lists `category` only
/// (LLVM's own options stay behind --help-hidden), --version prints qc's
/// version and git revision.
void parseToolCommandLine(int argc, char **argv,
                          llvm::cl::OptionCategory &category,
                          llvm::StringRef overview);

/// Prints "<tool>: error: <message>" to stderr; returns 1 (the exit status).
int toolError(llvm::StringRef tool, const llvm::Twine &message);

/// Reads the module at `path` ("-": stdin) into `sourceMgr` and parses it
/// (a crash inside an upstream parser is an error, see ParserCrash.h). An
/// unreadable or empty file is reported as "<tool>: error: ..." (empty:
/// `emptyHint` says what the tool expects), parse errors through the
/// diagnostic handler the caller installed on `sourceMgr`. Null on failure.
OwningOpRef<ModuleOp> readToolInput(llvm::StringRef tool, llvm::StringRef path,
                                    MLIRContext &context,
                                    llvm::SourceMgr &sourceMgr,
                                    llvm::StringRef emptyHint);

/// The function a tool runs or compiles: the one named `entry`, or when
/// `entry` is empty the module's only public function definition (func.func
/// or llvm.func; the `_mlir_ciface_` wrappers of the lowering are not
/// candidates), so that no tool needs to be told the entry's name (the
/// importers name it after the model). Errors are emitted at the module.
FailureOr<Operation *> findEntryFunction(ModuleOp module, llvm::StringRef entry);

/// Whether `target` is one qc's tools run or compile for (cpu, vulkan);
/// reports "unknown --target" through toolError otherwise.
bool checkToolTarget(llvm::StringRef tool, llvm::StringRef target);

} // namespace mlir::qc

#endif // QC_SUPPORT_TOOLINPUT_H
