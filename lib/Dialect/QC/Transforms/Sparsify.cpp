//===- Sparsify.cpp - the --qc-sparsify pass ------------------------------===//
//
// Thin driver: channel removal on qc ops (SparsifyChannels.cpp), then the
// linalg-level N:M / ELL encodings (SparsifyKernels.cpp). Both levels live in
// one pass so that a single flag handles zeros wherever they are visible.
//
//===----------------------------------------------------------------------===//
#include "Sparsify.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "qc/Dialect/QC/Transforms/Passes.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSPARSIFY
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {
struct SparsifyPass final : qc::impl::QCSparsifyBase<SparsifyPass> {
  using QCSparsifyBase::QCSparsifyBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!(minSparsity >= 0.0 && minSparsity < 1.0)) {
      mlir::emitError(module.getLoc())
          << "qc-sparsify: min-sparsity must be in [0, 1), got " << minSparsity;
      return signalPassFailure();
    }
    if (target != "cpu" && target != "gpu") {
      mlir::emitError(module.getLoc())
          << "qc-sparsify: target must be 'cpu' or 'gpu', got '" << target
          << "'";
      return signalPassFailure();
    }
    if (!(nmCost > 0.0) || !(ellCost > 0.0) || !(nmCostGemv > 0.0) ||
        !(ellCostGemv > 0.0)) {
      mlir::emitError(module.getLoc())
          << "qc-sparsify: kernel costs must be positive";
      return signalPassFailure();
    }
    removeZeroChannels(module);
    SparseKernelOptions options;
    options.minSparsity = minSparsity;
    options.gpu = target == "gpu";
    options.nmCost = nmCost;
    options.ellCost = ellCost;
    options.nmCostGemv = nmCostGemv;
    options.ellCostGemv = ellCostGemv;
    encodeSparseMatmuls(module, options);
  }
};
} // namespace
