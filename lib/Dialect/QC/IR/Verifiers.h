//===- Verifiers.h - verifier rules shared by the qc op files ---*- C++ -*-===//
//
// Private to lib/Dialect/QC/IR: the checks QCOps.cpp and QCNonlinearOps.cpp
// both apply.
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

} // namespace mlir::qc::detail

#endif // QC_LIB_DIALECT_QC_IR_VERIFIERS_H
