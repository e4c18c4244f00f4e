//===- Sparsify.h - pieces of --qc-sparsify (private) -----------*- C++ -*-===//
#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_SPARSIFY_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_SPARSIFY_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::qc {

/// Cost-model parameters of the linalg-level encodings (docs/Sparsity.md).
struct SparseKernelOptions {
  double minSparsity = 0.5;
  bool gpu = false;
  /// Cost per stored entry relative to a dense multiply-add, for many rows
  /// and for one row; interpolated as c + (c1 - c) / M.
  double nmCost = 110.0, nmCostGemv = 6.0;
  double ellCost = 70.0, ellCostGemv = 8.0;
};

/// Removes all-zero output channels of qc.matmul / qc.conv2d weights together
/// with the matching input channels of their consumers, folding the constant
/// outputs of the removed channels into the consumers' biases. Emits a remark
/// per decision.
void removeZeroChannels(ModuleOp module);

/// Rewrites i8 x constant-i8 -> i32 linalg.matmul and conv_2d_nhwc_hwcf ops
/// into N:M or ELL gather kernels where the cost model says so. Emits a
/// remark per decision, also for the convolutions it leaves dense.
void encodeSparseMatmuls(ModuleOp module, const SparseKernelOptions &options);

} // namespace mlir::qc

#endif // QC_LIB_DIALECT_QC_TRANSFORMS_SPARSIFY_H
