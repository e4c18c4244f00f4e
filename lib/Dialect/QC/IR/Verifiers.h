//===- Verifiers.h - verifier rules shared by the qc op files ---*- C++ -*-===//
//
// Private to lib/Dialect/QC/IR: the checks the qc op files share.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_DIALECT_QC_IR_VERIFIERS_H
#define QC_LIB_DIALECT_QC_IR_VERIFIERS_H

#include "qc/Dialect/QC/IR/QCOps.h"

#include <optional>

namespace mlir::qc::detail {

/// Storage width, zero points, scales and per-axis rules of every quantized
/// operand and result.
LogicalResult verifyAllQuantizedTensors(Operation *op);
/// `type` must be quantized per tensor.
LogicalResult verifyPerTensor(Operation *op, Type type, StringRef what);
/// All quantized operands and results share one expressed type.
LogicalResult verifyExpressedTypes(Operation *op);
/// An output clamp [lo, hi] inside the result's storage range.
LogicalResult verifyClamp(Operation *op, std::optional<ArrayRef<int64_t>> clamp,
                          Type resultType);
/// `reduction` products of centred codes fit in an i32 accumulator; a dynamic
/// `reduction` is an error (no bound can be proven for it).
LogicalResult verifyNoAccumulatorOverflow(Operation *op, int64_t reduction, Type lhs,
                                          Type rhs);

/// `emitError` starts the diagnostic: an op error in verifiers, an error at
/// the location in result type inference (which may run before the op exists).
using EmitErrorFn = function_ref<InFlightDiagnostic()>;
/// Output size of one spatial dimension of a convolution or pooling window.
int64_t convOutputSize(int64_t in, int64_t padBefore, int64_t padAfter,
                       int64_t dilation, int64_t kernel, int64_t stride);
/// Strides and dilations (2 values, positive) and padding (4, non-negative).
LogicalResult verifyWindow(EmitErrorFn emitError, ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> padding, ArrayRef<int64_t> dilations);

} // namespace mlir::qc::detail

#endif // QC_LIB_DIALECT_QC_IR_VERIFIERS_H
