//===- InitAll.h - everything an embedder registers, in one call -*- C++ -*-===//
//
// A compiler that embeds qc calls mlir::qc::registerAll(registry) once before
// creating its MLIRContext; then every qc pass, pipeline and lowering works,
// scheduled as C++ objects or named in a textual pipeline:
//
//   mlir::DialectRegistry registry;
//   mlir::qc::registerAll(registry);
//   mlir::MLIRContext context(registry);
//
// qc's own tools (qc-opt, qc-run, qc-vulkan-bundle) and examples/embed do the
// same. See docs/Embedding.md.
//
//===----------------------------------------------------------------------===//
#ifndef QC_INITALL_H
#define QC_INITALL_H

#include "qc/InitAllDialects.h"
#include "qc/InitAllPasses.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

namespace mlir::qc {

/// Adds to `registry` the qc dialect, every upstream dialect and extension
/// qc lowers through (bufferization and to-LLVM interfaces included) and the
/// LLVM IR translation interfaces (the JIT and object emission need them);
/// registers qc's passes and pipelines and every upstream pass in the global
/// pass registry (once per process, whatever the number of calls).
inline void registerAll(DialectRegistry &registry) {
  qc::registerAllDialects(registry);
  registerAllToLLVMIRTranslations(registry);
  qc::registerAllPasses();
}

/// Registers the translations of `qc-translate` in the global translation
/// registry: every upstream one plus qc's `--mlir-to-obj` and
/// `--mlir-to-shared-lib` (with their command-line options, which is why
/// registerAll leaves them out: a host tool may define options of the same
/// names). Idempotent. Defined in QCTargetLLVMIR.
void registerAllTranslations();

} // namespace mlir::qc

#endif // QC_INITALL_H
