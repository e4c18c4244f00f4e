//===- FixedPoint.cpp - compile-time quantization arithmetic --------------===//
#include "qc/Numerics/FixedPoint.h"
#include "qc/Dialect/QC/IR/QCAttrs.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir::qc;
using namespace mlir::qc::numerics;

QuantizedMultiplier numerics::quantizeMultiplier(double realMultiplier) {
  assert(std::isfinite(realMultiplier) && realMultiplier >= 0.0);
  if (realMultiplier == 0.0)
    return {0, 0};
  int exponent = 0;
  double fraction = std::frexp(realMultiplier, &exponent);
  // std::round is half away from zero, as in TfLiteRound.
  int64_t fixed = static_cast<int64_t>(std::round(fraction * (1LL << 31)));
  if (fixed == (1LL << 31)) {
    fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) // Every bit would be shifted out: flush to zero.
    return {0, 0};
  if (exponent > 30) // Saturate what the single-rounding form cannot shift.
    return {std::numeric_limits<int32_t>::max(), 30};
  return {static_cast<int32_t>(fixed), exponent};
}

int32_t numerics::saturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  // C++ division truncates toward zero, as gemmlowp relies on.
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}

int32_t numerics::roundingDivideByPOT(int32_t x, int exponent) {
  assert(exponent >= 0 && exponent <= 31);
  int32_t mask = static_cast<int32_t>((1LL << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t numerics::applyMultiplier(int32_t x, QuantizedMultiplier m,
                                  RequantProfile profile) {
  if (profile == RequantProfile::SingleRound) {
    int rightShift = 31 - m.shift; // in [1, 62]
    int64_t product = static_cast<int64_t>(x) * m.multiplier;
    int64_t rounded = (product + (1LL << (rightShift - 1))) >> rightShift;
    return static_cast<int32_t>(
        std::clamp<int64_t>(rounded, std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::max()));
  }
  int leftShift = m.shift > 0 ? m.shift : 0;
  int rightShift = m.shift > 0 ? 0 : -m.shift;
  // The left shift wraps modulo 2^32, as the i32 multiply in TFLite does.
  int32_t shifted =
      static_cast<int32_t>(static_cast<uint32_t>(x) << leftShift);
  return roundingDivideByPOT(
      saturatingRoundingDoublingHighMul(shifted, m.multiplier), rightShift);
}

double numerics::roundReal(double x, RoundingMode mode) {
  double lower = std::floor(x);
  double fraction = x - lower; // exact for finite doubles
  switch (mode) {
  case RoundingMode::HalfAway:
    return std::round(x);
  case RoundingMode::HalfUp:
    return fraction >= 0.5 ? lower + 1.0 : lower;
  case RoundingMode::HalfEven:
    if (fraction > 0.5)
      return lower + 1.0;
    if (fraction < 0.5)
      return lower;
    return std::fmod(lower, 2.0) == 0.0 ? lower : lower + 1.0;
  }
  return lower;
}

int64_t numerics::quantizeValue(double x, double scale, int64_t zeroPoint,
                                int64_t qmin, int64_t qmax, RoundingMode mode) {
  // NaN is the zero point (the code of 0.0); casting it would be UB. +-inf
  // saturate through the clamp like any out-of-range value.
  if (std::isnan(x / scale))
    return std::clamp(zeroPoint, qmin, qmax);
  double q = roundReal(x / scale, mode) + static_cast<double>(zeroPoint);
  q = std::clamp(q, static_cast<double>(qmin), static_cast<double>(qmax));
  return static_cast<int64_t>(q);
}

NudgedParams numerics::nudgeMinMax(double rmin, double rmax, int64_t qmin,
                                   int64_t qmax) {
  double qminF = static_cast<double>(qmin), qmaxF = static_cast<double>(qmax);
  double scale = (rmax - rmin) / (qmaxF - qminF);
  double zeroPointFromMin = qminF - rmin / scale;
  int64_t zeroPoint;
  if (zeroPointFromMin <= qminF)
    zeroPoint = qmin;
  else if (zeroPointFromMin >= qmaxF)
    zeroPoint = qmax;
  else
    zeroPoint = static_cast<int64_t>(std::round(zeroPointFromMin));
  return {scale, zeroPoint};
}
