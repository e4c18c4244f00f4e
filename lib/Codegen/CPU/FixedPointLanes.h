//===- FixedPointLanes.h - requantization on 32-bit lanes ------*- C++ -*-===//
//
// Private to lib/Codegen/CPU: the fixed-point multiplies that
// RequantizeBuilder.cpp writes on i64 (a product of two sign-extended i32
// values, rounded, shifted and narrowed back to i32), recognized on scalars
// (a kernel epilogue's body) or on vectors (the generic tiling path), and
// built on the i32 lanes of a vector instead: the products of the even and
// of the odd lanes, the rounding on those, one shuffle back
// (docs/CPUKernels.md, "Requantization on 32-bit lanes"). Used by
// Int8Epilogue.cpp and RequantizeOnLanes.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_CODEGEN_CPU_FIXEDPOINTLANES_H
#define QC_LIB_CODEGEN_CPU_FIXEDPOINTLANES_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace mlir::qc::cpu {

/// A factor of an i64 product that is an i32 (or narrower) value
/// sign-extended: the value (scalar or vector), or the constant it folded
/// to (a scalar or a splat).
struct Factor {
  Value value;
  int64_t constant = 0;
};

/// A fixed-point multiply on i64 (scalars or vectors of i64) whose result
/// is the i32 of its `trunci`.
struct FixedPointMul {
  enum Kind {
    /// trunci((s + (s < 0 ? 2^31 - 1 : 0)) >> 31), s = p + (p >= 0 ? 2^30 :
    /// 1 - 2^30): gemmlowp's SaturatingRoundingDoublingHighMul before its
    /// overflow select, which stays as it is.
    HighMul,
    /// trunci(min(max((p + half) >> shift, INT32_MIN), INT32_MAX)): TOSA's
    /// apply_scale_32 (`half` and `shift` i64 values).
    ShiftRound,
    /// RoundingDivideByPOT(x, exponent) of a HighMul's result x, directly
    /// or through its overflow select (`overflow`, the select's condition:
    /// a == INT32_MIN & c == INT32_MIN, or one of them where the other
    /// factor is the constant INT32_MIN).
    /// `exponent` is null for a divide by 2^0 the canonicalizer folded
    /// (x + zext(zext(x < 0) < 0)): x itself.
    HighMulDivide,
  } kind;
  Factor a, c;
  Value half, shift;
  Value exponent, overflow;
};

/// The fixed-point multiply whose result `root` gives: a HighMul's or
/// ShiftRound's `trunci` to i32, a HighMulDivide's final `addi` on i32
/// (scalars or vectors of them).
std::optional<FixedPointMul> matchFixedPointMul(Operation *root);

/// The fixed-point multiplies of a block, by the op whose result they give
/// (matchFixedPointMul of each op; a HighMulDivide's trunci is also listed
/// as a HighMul).
DenseMap<Operation *, FixedPointMul> matchFixedPointMuls(Block *body);

/// Whether the HighMul `trunc` is the x of a RoundingDivideByPOT that
/// matches as a HighMulDivide (then build that one instead).
bool feedsHighMulDivide(Operation *trunc);

/// Builds `mul` on `lanes` (even) i32 lanes: the products of the even and
/// of the odd lanes as two vectors of lanes / 2 i64 lanes (LLVM's X86 back
/// end selects vpmuldq for a product of sign-extended halves), the
/// rounding on those, and the i32 results put back in place by one
/// shuffle. `lookup` gives the 1-D vector of `lanes` elements of a value
/// of the matched ops. A HighMulDivide whose `overflow` is null gets no
/// overflow fix.
Value buildFixedPointMul(OpBuilder &b, Location loc, const FixedPointMul &mul, int64_t lanes,
                         function_ref<Value(Value)> lookup);

/// Whether `v` is an integer constant (or splat) equal to `expected`.
bool isConstantInt(Value v, int64_t expected);

} // namespace mlir::qc::cpu

#endif // QC_LIB_CODEGEN_CPU_FIXEDPOINTLANES_H
