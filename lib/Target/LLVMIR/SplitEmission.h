//===- SplitEmission.h - Object code from module parts on threads -*- C++ -*-===//
#ifndef QC_LIB_TARGET_LLVMIR_SPLITEMISSION_H
#define QC_LIB_TARGET_LLVMIR_SPLITEMISSION_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir::qc {

/// Optimizes `module` at `optLevel` for `machine` and appends its relocatable
/// object code to `object`: the one step every object of qc goes through.
llvm::Error optimizeAndEmit(llvm::Module &module, llvm::TargetMachine &machine,
                            unsigned optLevel, llvm::SmallVectorImpl<char> &object);

/// The relocatable linker `emitSplitObject` merges the parts with (`ld`), or
/// an empty string when there is none.
std::string findRelocatableLinker();

/// Splits `module` into at most `parts` modules (functions that share a
/// local symbol stay together), runs `optimizeAndEmit` on each in its own
/// LLVM context on its own thread (with a machine from `makeMachine`), and
/// merges the objects into one with `<linker> -r`. Local functions, and
/// local globals used by several functions, become hidden globals named
/// `<prefix>.<name>`, so that two objects still do not clash.
llvm::Error emitSplitObject(
    llvm::Module &module, unsigned parts, llvm::StringRef prefix,
    llvm::function_ref<std::unique_ptr<llvm::TargetMachine>()> makeMachine,
    unsigned optLevel, llvm::StringRef linker,
    llvm::SmallVectorImpl<char> &object);

} // namespace mlir::qc

#endif // QC_LIB_TARGET_LLVMIR_SPLITEMISSION_H
