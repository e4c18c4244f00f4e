//===- RequantizeBuilder.cpp - IR for fixed-point requantization ----------===//
//
// Each builder mirrors the function of the same name in
// lib/Numerics/FixedPoint.cpp operation for operation; keep them in step.
//
//===----------------------------------------------------------------------===//
#include "qc/Conversion/QCToLinalg/RequantizeBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace mlir::qc;

/// `type` with its (element) integer width replaced by `width`.
static Type withWidth(Type type, unsigned width) {
  Type element = IntegerType::get(type.getContext(), width);
  if (auto vector = dyn_cast<VectorType>(type))
    return vector.clone(element);
  return element;
}

/// A constant of the scalar or vector integer type `type`.
static Value constantOf(OpBuilder &b, Location loc, Type type, int64_t value) {
  unsigned width = getElementTypeOrSelf(type).getIntOrFloatBitWidth();
  APInt bits(width, static_cast<uint64_t>(value), /*isSigned=*/true);
  TypedAttr attr;
  if (auto vector = dyn_cast<VectorType>(type))
    attr = DenseElementsAttr::get(vector, bits);
  else
    attr = IntegerAttr::get(type, bits);
  return arith::ConstantOp::create(b, loc, attr);
}

Value qc::buildSaturatingRoundingDoublingHighMul(OpBuilder &b, Location loc,
                                                 Value a, Value c) {
  Type narrow = a.getType(), wide = withWidth(narrow, 64);
  Value ab = arith::MulIOp::create(b, loc, arith::ExtSIOp::create(b, loc, wide, a),
                                   arith::ExtSIOp::create(b, loc, wide, c));
  Value nonNegative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, ab,
                                            constantOf(b, loc, wide, 0));
  Value nudge = arith::SelectOp::create(b, loc, nonNegative,
                                        constantOf(b, loc, wide, 1LL << 30),
                                        constantOf(b, loc, wide, 1 - (1LL << 30)));
  // Division by 2^31 truncating toward zero, as the C++ division gemmlowp
  // relies on, written as a biased arithmetic shift: (s + (s < 0 ? 2^31 - 1
  // : 0)) >> 31. Unlike divsi it has a 32-bit emulation
  // (arith-emulate-wide-int), which the portable SPIR-V mode needs.
  Value sum = arith::AddIOp::create(b, loc, ab, nudge);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, sum,
                                         constantOf(b, loc, wide, 0));
  Value bias = arith::SelectOp::create(b, loc, negative,
                                       constantOf(b, loc, wide, (1LL << 31) - 1),
                                       constantOf(b, loc, wide, 0));
  Value quotient = arith::ShRSIOp::create(b, loc, arith::AddIOp::create(b, loc, sum, bias),
                                          constantOf(b, loc, wide, 31));
  Value result = arith::TruncIOp::create(b, loc, narrow, quotient);
  int64_t int32Min = std::numeric_limits<int32_t>::min();
  Value aIsMin = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a,
                                       constantOf(b, loc, narrow, int32Min));
  Value cIsMin = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, c,
                                       constantOf(b, loc, narrow, int32Min));
  Value overflow = arith::AndIOp::create(b, loc, aIsMin, cIsMin);
  return arith::SelectOp::create(
      b, loc, overflow,
      constantOf(b, loc, narrow, std::numeric_limits<int32_t>::max()), result);
}

Value qc::buildRoundingDivideByPOT(OpBuilder &b, Location loc, Value x,
                                   Value exponent) {
  Type type = x.getType();
  Value one = constantOf(b, loc, type, 1);
  // For exponent 31, 1 << 31 wraps to INT32_MIN and the mask to INT32_MAX,
  // exactly as the int64-then-truncate computation in FixedPoint.cpp.
  Value mask = arith::SubIOp::create(b, loc, arith::ShLIOp::create(b, loc, one, exponent),
                                     one);
  Value remainder = arith::AndIOp::create(b, loc, x, mask);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x,
                                         constantOf(b, loc, type, 0));
  Value threshold = arith::AddIOp::create(
      b, loc, arith::ShRSIOp::create(b, loc, mask, one),
      arith::ExtUIOp::create(b, loc, type, negative));
  Value roundUp = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                        remainder, threshold);
  return arith::AddIOp::create(b, loc, arith::ShRSIOp::create(b, loc, x, exponent),
                               arith::ExtUIOp::create(b, loc, type, roundUp));
}

Value qc::buildApplyMultiplier(OpBuilder &b, Location loc, Value x,
                               Value multiplier, Value shift,
                               RequantProfile profile) {
  Type narrow = x.getType();
  if (profile == RequantProfile::SingleRound) {
    Type wide = withWidth(narrow, 64);
    Value rightShift = arith::ExtSIOp::create(
        b, loc, wide,
        arith::SubIOp::create(b, loc, constantOf(b, loc, narrow, 31), shift));
    Value product =
        arith::MulIOp::create(b, loc, arith::ExtSIOp::create(b, loc, wide, x),
                              arith::ExtSIOp::create(b, loc, wide, multiplier));
    Value half = arith::ShLIOp::create(
        b, loc, constantOf(b, loc, wide, 1),
        arith::SubIOp::create(b, loc, rightShift, constantOf(b, loc, wide, 1)));
    Value rounded = arith::ShRSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, product, half), rightShift);
    Value clamped = arith::MinSIOp::create(
        b, loc,
        arith::MaxSIOp::create(
            b, loc, rounded,
            constantOf(b, loc, wide, std::numeric_limits<int32_t>::min())),
        constantOf(b, loc, wide, std::numeric_limits<int32_t>::max()));
    return arith::TruncIOp::create(b, loc, narrow, clamped);
  }
  Value zero = constantOf(b, loc, narrow, 0);
  Value leftShift = arith::MaxSIOp::create(b, loc, shift, zero);
  Value rightShift = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, zero, shift), zero);
  // shli wraps modulo 2^32 like the uint32_t shift in FixedPoint.cpp.
  Value shifted = arith::ShLIOp::create(b, loc, x, leftShift);
  return buildRoundingDivideByPOT(
      b, loc, buildSaturatingRoundingDoublingHighMul(b, loc, shifted, multiplier),
      rightShift);
}
