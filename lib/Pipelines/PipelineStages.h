//===- PipelineStages.h - pass groups shared by qc's pipelines --*- C++ -*-===//
#ifndef QC_LIB_PIPELINES_PIPELINESTAGES_H
#define QC_LIB_PIPELINES_PIPELINESTAGES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::qc::detail {
/// One-shot bufferization of whole modules with identity layouts at function
/// boundaries: callers (qc-run, C code, the Vulkan host) pass plain row-major
/// buffers.
void addOneShotBufferize(OpPassManager &pm);
/// Results become caller-allocated out-parameters; the buffer a function
/// allocates for its result becomes the caller's buffer instead of being
/// copied into it.
void addResultsToOutParams(OpPassManager &pm);
} // namespace mlir::qc::detail

#endif // QC_LIB_PIPELINES_PIPELINESTAGES_H
