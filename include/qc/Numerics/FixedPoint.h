//===- FixedPoint.h - compile-time quantization arithmetic ------*- C++ -*-===//
//
// The reference integer semantics of qc, evaluated on the host: used by passes
// to pre-compute constants (quantized weights, requantization multipliers)
// and as the C++ mirror of python/qc/reference.py. docs/Numerics.md is the
// specification; both implementations follow it literally.
//
//===----------------------------------------------------------------------===//
#ifndef QC_NUMERICS_FIXEDPOINT_H
#define QC_NUMERICS_FIXEDPOINT_H

#include <cstdint>

namespace mlir::qc {
enum class RoundingMode : uint32_t;
enum class RequantProfile : uint32_t;

namespace numerics {

/// A real multiplier M ~= multiplier * 2^(shift - 31), multiplier in
/// [2^30, 2^31) (or 0 when M flushes to zero), shift in [-31, 30].
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;
  bool operator==(const QuantizedMultiplier &o) const {
    return multiplier == o.multiplier && shift == o.shift;
  }
};

/// TFLite's QuantizeMultiplier: frexp, round half away from zero to 31 bits,
/// renormalize on 2^31, flush multipliers below 2^-32 to zero and saturate
/// multipliers of 2^31 and above. `realMultiplier` must be finite and >= 0.
QuantizedMultiplier quantizeMultiplier(double realMultiplier);

/// gemmlowp SaturatingRoundingDoublingHighMul.
int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b);
/// gemmlowp RoundingDivideByPOT (ties away from zero), exponent in [0, 31].
int32_t roundingDivideByPOT(int32_t x, int exponent);

/// Applies a quantized multiplier to an i32 value in the given profile.
int32_t applyMultiplier(int32_t x, QuantizedMultiplier m, RequantProfile profile);

/// Rounds a real value to an integer in the given mode.
double roundReal(double x, RoundingMode mode);

/// clamp(round(x / scale) + zeroPoint, qmin, qmax) with the quotient in double;
/// a NaN quotient gives the zero point, +-inf saturate (docs/Numerics.md).
int64_t quantizeValue(double x, double scale, int64_t zeroPoint, int64_t qmin,
                      int64_t qmax, RoundingMode mode);

/// TensorFlow's FakeQuantWithMinMax nudging: the scale and zero point that
/// make 0.0 exactly representable for [rmin, rmax] on the grid [qmin, qmax].
struct NudgedParams {
  double scale;
  int64_t zeroPoint;
};
NudgedParams nudgeMinMax(double rmin, double rmax, int64_t qmin, int64_t qmax);

} // namespace numerics
} // namespace mlir::qc

#endif // QC_NUMERICS_FIXEDPOINT_H
