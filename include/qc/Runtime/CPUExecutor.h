//===- CPUExecutor.h - JIT execution on the host CPU ------------*- C++ -*-===//
#ifndef QC_RUNTIME_CPUEXECUTOR_H
#define QC_RUNTIME_CPUEXECUTOR_H

#include "qc/Runtime/Executor.h"

#include <memory>

namespace qc::runtime {

struct CPUExecutorOptions {
  /// Options of qc-cpu-pipeline, as written inside `qc-cpu-pipeline{...}`.
  std::string pipelineOptions;
  /// The input file, named in the reproducer printed when the pipeline fails.
  std::string sourcePath = "<input.mlir>";
  /// LLVM optimization level of the JIT (0 to 3).
  unsigned optLevel = 3;
};

/// Lowers `module` with qc-cpu-pipeline unless it is already in the LLVM
/// dialect, and JIT-compiles it for the host CPU (its name and features, so
/// AVX-512/VNNI are used where the host has them). Fails with the pipeline's
/// diagnostics (emitted through the context) and a reproducer line on
/// stderr. `module` is modified in place.
llvm::Expected<std::unique_ptr<Executor>>
createCPUExecutor(mlir::ModuleOp module, const EntrySignature &signature,
                  const CPUExecutorOptions &options);

/// True when everything in `module` is already in the LLVM dialect (lowered
/// by qc-cpu-pipeline), so there is nothing left to lower.
bool isLLVMDialectModule(mlir::ModuleOp module);

/// `userOptions` of qc-cpu-pipeline plus what the host CPU allows: x86-vnni
/// where it has AVX512-VNNI, x86-vbmi with AVX512-VBMI, x86-amx where
/// requestHostAMX succeeds, unless the options already decide.
std::string hostCPUPipelineOptions(llvm::StringRef userOptions);

/// Whether this process may run AMX code: the CPU has amx-int8 and
/// amx-tile, and Linux grants the tile data state to the process
/// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), requested here;
/// without it the first tile instruction faults). Else false, with the
/// reason in `reason`.
bool requestHostAMX(std::string *reason = nullptr);

/// Whether an LLVM intrinsic is one of the AMX tile instructions qc emits
/// (tile loads, stores, zeroing, tdpb*d).
bool isAMXIntrinsic(llvm::StringRef name);

/// `userOptions` plus `threads=<cores of this machine>` unless they set
/// threads: what JIT compilation (qc-run, qc.compile, the C API) uses.
std::string withHostThreads(llvm::StringRef userOptions);

/// The `qc-opt` command line that reproduces running qc-cpu-pipeline with
/// `pipelineOptions` on `sourcePath`.
std::string cpuPipelineReproducer(llvm::StringRef pipelineOptions,
                                  llvm::StringRef sourcePath);

} // namespace qc::runtime

#endif // QC_RUNTIME_CPUEXECUTOR_H
