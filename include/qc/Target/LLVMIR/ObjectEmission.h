//===- ObjectEmission.h - LLVM dialect modules to object files --*- C++ -*-===//
#ifndef QC_TARGET_LLVMIR_OBJECTEMISSION_H
#define QC_TARGET_LLVMIR_OBJECTEMISSION_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace mlir::qc {

/// Where the object code is for. Empty fields mean the host: its triple, its
/// CPU name and the features it reports (so AVX-512/VNNI are used exactly
/// where the build machine has them). Naming a triple other than the host's
/// without a CPU gets that target's generic CPU.
struct ObjectTarget {
  std::string triple;
  std::string cpu;
  std::string features;
  unsigned optLevel = 3;
  /// Threads that optimize and generate code; 0 means the host's cores.
  /// With more than one (and a module of several functions, for the host,
  /// with a system `ld`), the module is split into that many parts whose
  /// objects are merged into one (`ld -r`); the code is the same, only its
  /// layout in the object differs.
  unsigned threads = 0;
};

/// Translates `module` (LLVM dialect) to LLVM IR, optimizes it at
/// `target.optLevel` for the target machine and writes a relocatable object
/// file to `os`. Emits a diagnostic on the module and fails if the module
/// does not translate or the target is unknown.
/// `adjust`, when given, edits the LLVM IR module before optimization (the
/// shared-library writer adds its entry points there).
LogicalResult emitObjectFile(
    ModuleOp module, const ObjectTarget &target, llvm::raw_ostream &os,
    llvm::function_ref<LogicalResult(llvm::Module &)> adjust = {});

/// Translates `module` (LLVM dialect) to LLVM IR: the one step every qc
/// path to LLVM takes (emitObjectFile, `qc-translate --qc-mlir-to-llvmir`,
/// the CPU JIT as its ExecutionEngine's `llvmModuleBuilder`). First every
/// `llvm.br` / `llvm.cond_br` that carries a discardable
/// `llvm.loop_annotation` (what scf-to-cf and cf-to-llvm leave on a loop's
/// back edge from an annotated `scf.for`, e.g. the int8 kernels'
/// `llvm.loop.unroll.disable`) takes that annotation as its own
/// `loop_annotation`, the one upstream's translation writes as `!llvm.loop`
/// metadata (it drops the discardable one); a branch's own annotation wins.
/// Returns null after the translation's diagnostic.
std::unique_ptr<llvm::Module> translateToLLVMIR(Operation *module,
                                                llvm::LLVMContext &context);

/// Registers the `--mlir-to-obj` translation (with `--target-triple`,
/// `--target-cpu`, `--target-features`, `--obj-opt-level` options).
void registerToObjectFileTranslation();

} // namespace mlir::qc

#endif // QC_TARGET_LLVMIR_OBJECTEMISSION_H
