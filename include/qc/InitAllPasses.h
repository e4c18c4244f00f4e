//===- InitAllPasses.h - register qc and upstream passes ---------*- C++ -*-===//
#ifndef QC_INITALLPASSES_H
#define QC_INITALLPASSES_H

#include "mlir/InitAllPasses.h"
#include "qc/Conversion/Passes.h"
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Pipelines/Pipelines.h"
#include "qc/GPU/Passes.h"
#include "qc/Pipelines/SPIRVPipeline.h"

#include <mutex>

namespace mlir::qc {
/// Registers qc's passes and pipelines and every upstream pass. Safe to call
/// more than once and from several threads: the global registry rejects a
/// second registration of a pipeline name, so only the first call registers.
inline void registerAllPasses() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    mlir::registerAllPasses();
    registerQCPasses();
    registerQCConversionPasses();
    registerQCCPUCodegenPasses();
    registerQCPipelines();
    registerQCGPUPasses();
    registerQCSPIRVPipelines();
  });
}
} // namespace mlir::qc

#endif // QC_INITALLPASSES_H
