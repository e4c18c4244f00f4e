//===- Artifact.h - compiled models as files --------------------*- C++ -*-===//
//
// Ahead-of-time compilation to something a program loads and calls without
// qc's compiler:
//
// * CPU: a shared library (`model.so`) with qc's runtime support linked in,
//   exporting the entry under a C name of the user's choice,
//     void NAME(const float *input0, ..., float *result0, ...);
//     void NAME(int64_t batch, const float *input0, ..., float *result0, ...);
//   (the second form when the leading dimension is dynamic), plus a C header
//   declaring it with its tensor signature;
// * Vulkan: a bundle directory (SPIR-V kernels + manifest.json).
//
// Both carry a manifest (qc/Runtime/ModelManifest.h), so
// qc::runtime::loadCompiledModel (qc/Runtime/LoadCompiledModel.h, and
// qcExecutableLoad, qc.load) can run them. See docs/Embedding.md.
//
//===----------------------------------------------------------------------===//
#ifndef QC_TARGET_ARTIFACT_H
#define QC_TARGET_ARTIFACT_H

#include "qc/Runtime/Executor.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>

namespace mlir::qc {

struct ArtifactOptions {
  /// The function to compile; empty: the only public one.
  std::string entry;
  /// The C name it is exported under; empty: the function's own name unless
  /// that is `main` or not a C identifier, then the output file's stem
  /// ("digits.so" -> digits).
  std::string name;
  /// Where to write the C header (CPU only); empty: none.
  std::string headerPath;
  /// Options of the target pipeline (qc-cpu-pipeline / qc-spirv-pipeline).
  std::string pipelineOptions;
  /// Record `packed-int4` in the manifest: loaders exchange the entry's i4/u4
  /// arguments and results two codes per byte (docs/Numerics.md, "Packed
  /// int4 at the boundary"). The shared library's C function still takes
  /// one code per element. Fails unless the entry has i4/u4 tensors with a
  /// static last dimension.
  bool packedInt4 = false;
  /// Names the input in the reproducer of a failing pipeline.
  std::string sourcePath = "<input.mlir>";
};

/// Lowers a copy of `module` with qc-cpu-pipeline for this CPU and writes the
/// shared library `path` (and the header), whole or not at all. Diagnostics
/// go to the module's context; an llvm::Error (a
/// ::qc::runtime::PipelineError for a failing pipeline) says what failed.
llvm::Error compileToSharedLibrary(ModuleOp module, StringRef path,
                                   const ArtifactOptions &options);

/// Compiles a copy of `module` for Vulkan and writes the bundle directory
/// `path` with the model's manifest (qc-model.txt).
llvm::Error compileToVulkanBundleDirectory(ModuleOp module, StringRef path,
                                           const ArtifactOptions &options);

/// The C name `options` give the entry `function` when written to `path`;
/// fails with the reason for a name C cannot call (`main`, a keyword, ...).
llvm::Expected<std::string> chooseEntryName(StringRef function, StringRef path,
                                            StringRef requested);

} // namespace mlir::qc

#endif // QC_TARGET_ARTIFACT_H
