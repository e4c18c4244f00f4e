//===- Requantization.h - real multipliers of the qc ops --------*- C++ -*-===//
//
// Every requantizing qc op derives its real multipliers from the scales of
// its operand and result types (QCOps.td, docs/Numerics.md). This is the one
// place that computes them: --qc-fold-fake-quant reports and checks them,
// --qc-lower-to-linalg turns them into fixed-point multipliers. The double
// expressions are the ones python/qc/reference.py evaluates, in the same
// order, so compile time and the reference agree to the last bit.
//
//===----------------------------------------------------------------------===//
#ifndef QC_DIALECT_QC_IR_REQUANTIZATION_H
#define QC_DIALECT_QC_IR_REQUANTIZATION_H

#include "qc/Dialect/QC/IR/QCOps.h"

#include <optional>

namespace mlir::qc {

struct Requantization {
  /// The real multipliers in the order the op applies them:
  ///  - matmul, conv2d: s_in * s_w[c] / s_out, one per weight channel (one
  ///    when the weight is per-tensor);
  ///  - requantize: s_in[c] / s_out[c], one per channel of the per-axis side;
  ///  - mul: s_a * s_b / s_out;
  ///  - add: s_a / 2max, s_b / 2max, 2max / (2^L * s_out), with
  ///    2max = 2 * max(s_a, s_b) and L = `leftShift`.
  SmallVector<double> reals;
  /// The formula, for reports: "s_in * s_w / s_out", ...
  StringRef formula;
  /// add only: the headroom L of TFLite's add, 20 bits for 8-bit (and
  /// narrower) operands and 15 for 16-bit ones, so (q - z) << L fits in i32.
  int64_t leftShift = 0;
};

/// The requantization of `op`; nothing for ops that do not requantize
/// (clamp, pooling, reshape, ...) and for non-qc ops.
std::optional<Requantization> getRequantization(Operation *op);

} // namespace mlir::qc

#endif // QC_DIALECT_QC_IR_REQUANTIZATION_H
