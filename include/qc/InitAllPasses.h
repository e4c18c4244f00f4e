//===- InitAllPasses.h - register qc and upstream passes ---------*- C++ -*-===//
#ifndef QC_INITALLPASSES_H
#define QC_INITALLPASSES_H

#include "mlir/InitAllPasses.h"
#include "qc/Conversion/Passes.h"
#include "qc/Dialect/QC/Transforms/Passes.h"

namespace mlir::qc {
/// Registers qc's passes and pipelines and every upstream pass.
inline void registerAllPasses() {
  mlir::registerAllPasses();
  registerQCPasses();
  registerQCConversionPasses();
}
} // namespace mlir::qc

#endif // QC_INITALLPASSES_H
