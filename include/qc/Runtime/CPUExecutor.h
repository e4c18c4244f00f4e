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
/// where it has AVX512-VNNI, unless the options already decide.
std::string hostCPUPipelineOptions(llvm::StringRef userOptions);

/// `userOptions` plus `threads=<cores of this machine>` unless they set
/// threads: what JIT compilation (qc-run, qc.compile, the C API) uses.
std::string withHostThreads(llvm::StringRef userOptions);

/// The `qc-opt` command line that reproduces running qc-cpu-pipeline with
/// `pipelineOptions` on `sourcePath`.
std::string cpuPipelineReproducer(llvm::StringRef pipelineOptions,
                                  llvm::StringRef sourcePath);

} // namespace qc::runtime

#endif // QC_RUNTIME_CPUEXECUTOR_H
