//===- LoadCompiledModel.h - run a model compiled ahead of time -*- C++ -*-===//
//
// Loads the files qc/Target/Artifact.h writes (a shared library, a Vulkan
// bundle directory) without qc's compiler; behind qc-run on a compiled
// model, qcExecutableLoad and qc.load. See docs/Embedding.md.
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_LOADCOMPILEDMODEL_H
#define QC_RUNTIME_LOADCOMPILEDMODEL_H

#include "qc/Runtime/Executor.h"

#include <memory>
#include <string>

namespace qc::runtime {

/// Loads a compiled model: a shared library from compileToSharedLibrary or a
/// Vulkan bundle directory. `signature` receives its tensor signature,
/// `target` a description of where it runs ("cpu (model.so)"), and
/// `packedInt4`, when given, whether its manifest says `packed-int4` (the
/// caller then exchanges i4/u4 tensors two codes per byte; the executor
/// itself takes and returns one code per element).
llvm::Expected<std::unique_ptr<Executor>>
loadCompiledModel(llvm::StringRef path, EntrySignature &signature,
                  std::string &target, bool *packedInt4 = nullptr);

} // namespace qc::runtime

#endif // QC_RUNTIME_LOADCOMPILEDMODEL_H
