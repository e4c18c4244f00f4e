//===- AccumulatorBound.h - operand factors of the i32 bounds ---*- C++ -*-===//
//
// qc's contractions prove at compile time that their i32 accumulators
// cannot overflow: reduction * max|a - z_a| * max|b - z_b| <= 2^31 - 1. The
// verifiers and the folds that build new contractions share the factor.
//
//===----------------------------------------------------------------------===//
#ifndef QC_DIALECT_QC_IR_ACCUMULATORBOUND_H
#define QC_DIALECT_QC_IR_ACCUMULATORBOUND_H

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include <cstdint>

namespace mlir::qc {

/// Largest |q - z| over the storage range and all zero points of a type.
int64_t maxAbsCentered(quant::QuantizedType type);

} // namespace mlir::qc

#endif // QC_DIALECT_QC_IR_ACCUMULATORBOUND_H
