//===- Sparsify.h - pieces of --qc-sparsify (private) -----------*- C++ -*-===//
#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_SPARSIFY_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_SPARSIFY_H

#include "qc/Dialect/QC/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::qc {

/// What the cost model chose for one contraction.
enum class SparseEncoding { Dense, NM, ELL };

struct SparseEncodingCounts {
  int64_t dense = 0, nm = 0, ell = 0;
};

/// Rewrites i8 x constant-i8 -> i32 linalg.matmul and conv_2d_nhwc_hwcf ops
/// into N:M or ELL gather kernels where the cost model (the cost options of
/// `options`, docs/Sparsity.md) says so. Emits a remark per decision, also
/// for the convolutions it leaves dense; counts the costed contractions by
/// encoding.
SparseEncodingCounts encodeSparseMatmuls(ModuleOp module,
                                         const QCSparsifyOptions &options);

} // namespace mlir::qc

#endif // QC_LIB_DIALECT_QC_TRANSFORMS_SPARSIFY_H
