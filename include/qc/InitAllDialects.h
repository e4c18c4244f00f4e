//===- InitAllDialects.h - register qc and the upstream dialects -*- C++ -*-===//
#ifndef QC_INITALLDIALECTS_H
#define QC_INITALLDIALECTS_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "qc/Dialect/QC/IR/QCDialect.h"

namespace mlir::qc {
/// Registers the qc dialect plus every upstream dialect and extension that
/// qc's pipelines use (bufferization and to-LLVM interfaces included).
inline void registerAllDialects(DialectRegistry &registry) {
  registry.insert<QCDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}
} // namespace mlir::qc

#endif // QC_INITALLDIALECTS_H
