//===- RequantizeBuilder.h - IR for fixed-point requantization --*- C++ -*-===//
//
// Builds the arith ops that compute numerics::applyMultiplier (and its two
// gemmlowp building blocks) on i32 values, bit for bit. Shared by the linalg
// lowering and the GPU path. Values are i32 scalars (vectors of i32 take the
// same path, but only the scalar form inside linalg bodies is tested);
// intermediate products use i64.
//
//===----------------------------------------------------------------------===//
#ifndef QC_CONVERSION_QCTOLINALG_REQUANTIZEBUILDER_H
#define QC_CONVERSION_QCTOLINALG_REQUANTIZEBUILDER_H

#include "mlir/IR/Builders.h"
#include "qc/Dialect/QC/IR/QCAttrs.h"

namespace mlir::qc {

/// gemmlowp SaturatingRoundingDoublingHighMul(a, b) on i32 values.
Value buildSaturatingRoundingDoublingHighMul(OpBuilder &b, Location loc, Value a,
                                             Value c);

/// gemmlowp RoundingDivideByPOT(x, exponent), exponent in [0, 31].
Value buildRoundingDivideByPOT(OpBuilder &b, Location loc, Value x,
                               Value exponent);

/// numerics::applyMultiplier(x, {multiplier, shift}, profile): `multiplier`
/// in [0, 2^31), `shift` in [-31, 30], all i32 (or vectors of i32).
Value buildApplyMultiplier(OpBuilder &b, Location loc, Value x, Value multiplier,
                           Value shift, RequantProfile profile);

} // namespace mlir::qc

#endif // QC_CONVERSION_QCTOLINALG_REQUANTIZEBUILDER_H
