//===- qc-numerics-check.cpp - cross-checks qc's fixed-point arithmetic ---===//
//
// Compares lib/Numerics against gemmlowp's own fixedpoint.h on edge and
// random values, and prints the values so that the numpy reference
// (python/qc/reference.py) can be compared with the same inputs. Exit code 1
// on any disagreement with gemmlowp.
//
// `qc-numerics-check --apply` instead reads lines "x multiplier shift" from
// stdin and prints gemmlowp's result of each (TFLite's
// MultiplyByQuantizedMultiplier), so that execution tests can check a
// model's requantizations against gemmlowp itself.
//
//===----------------------------------------------------------------------===//
#include "qc/Dialect/QC/IR/QCAttrs.h"
#include "qc/Numerics/FixedPoint.h"

#include <gemmlowp/fixedpoint/fixedpoint.h>

#include <cinttypes>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace mlir::qc;
using namespace mlir::qc::numerics;

// TFLite's MultiplyByQuantizedMultiplier written with gemmlowp primitives, as
// tensorflow/lite/kernels/internal/common.h does.
static int32_t tfliteMultiply(int32_t x, int32_t multiplier, int shift) {
  int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return gemmlowp::RoundingDivideByPOT(
      gemmlowp::SaturatingRoundingDoublingHighMul(shifted, multiplier), right);
}

/// --apply: one gemmlowp result per input line.
static int applyLines() {
  long long x, multiplier;
  int shift, line = 0;
  while (std::scanf("%lld %lld %d", &x, &multiplier, &shift) == 3) {
    ++line;
    if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max() ||
        multiplier < 0 || multiplier > std::numeric_limits<int32_t>::max() ||
        shift < -31 || shift > 30) {
      std::fprintf(stderr, "line %d: x, multiplier or shift out of range\n", line);
      return 1;
    }
    std::printf("%" PRId32 "\n", tfliteMultiply(static_cast<int32_t>(x),
                                                 static_cast<int32_t>(multiplier), shift));
  }
  if (!std::feof(stdin)) {
    std::fprintf(stderr, "line %d: expected \"x multiplier shift\"\n", line + 1);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && std::string(argv[1]) == "--apply")
    return applyLines();
  unsigned seed = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : 1;
  std::mt19937_64 rng(seed);
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  const int32_t kMax = std::numeric_limits<int32_t>::max();
  std::vector<int32_t> xs = {0, 1, -1, 2, -2, 3, -3, 127, -128, 255, -255,
                             kMax, kMin, kMax - 1, kMin + 1, 1 << 30, -(1 << 30)};
  std::uniform_int_distribution<int32_t> any(kMin, kMax);
  std::uniform_int_distribution<int32_t> small(-70000, 70000);
  for (int i = 0; i < 200; ++i)
    xs.push_back(i % 2 ? any(rng) : small(rng));
  std::vector<double> reals = {0.0, 1e-12, 2.3283064365386963e-10 /*2^-32*/,
                               4.656612873077393e-10 /*2^-31*/, 1e-6, 0.0002,
                               // Dead-channel scales (float32 eps) over ordinary
                               // activation scales: shifts -23 ... -31.
                               2.384185791015625e-9, 4.76837158203125e-9,
                               1.1920928955078125e-7, 7.62939453125e-08, 1e-8,
                               1e-9, 3.5e-10, 2.4e-10,
                               0.00390625, 0.1, 0.25, 0.3333333333333333, 0.5,
                               0.75, 0.9999999999, 1.0, 1.5, 2.0, 3.7, 1000.0,
                               1073741824.0, 3e9};
  std::uniform_real_distribution<double> logUniform(-20.0, 4.0);
  for (int i = 0; i < 30; ++i)
    reals.push_back(std::exp2(logUniform(rng)));

  int mismatches = 0;
  for (int32_t a : xs)
    for (int32_t b : {kMin, kMax, 1 << 30, 1, -1, 1234567891, -987654321}) {
      if (saturatingRoundingDoublingHighMul(a, b) !=
          gemmlowp::SaturatingRoundingDoublingHighMul(a, b)) {
        std::fprintf(stderr, "srdhm(%d, %d) differs from gemmlowp\n", a, b);
        ++mismatches;
      }
    }
  for (int32_t x : xs)
    for (int n = 0; n <= 31; ++n)
      if (roundingDivideByPOT(x, n) != gemmlowp::RoundingDivideByPOT(x, n)) {
        std::fprintf(stderr, "rdbpot(%d, %d) differs from gemmlowp\n", x, n);
        ++mismatches;
      }
  // One line per (real, x): real multiplier shift x double_round single_round.
  for (double real : reals) {
    QuantizedMultiplier m = quantizeMultiplier(real);
    for (int32_t x : xs) {
      int32_t d = applyMultiplier(x, m, RequantProfile::DoubleRound);
      int32_t s = applyMultiplier(x, m, RequantProfile::SingleRound);
      if (d != tfliteMultiply(x, m.multiplier, m.shift)) {
        std::fprintf(stderr, "double_round(%d, %.17g) differs from gemmlowp\n", x, real);
        ++mismatches;
      }
      std::printf("%.17g %" PRId32 " %" PRId32 " %" PRId32 " %" PRId32 " %" PRId32 "\n",
                  real, m.multiplier, m.shift, x, d, s);
    }
  }
  if (mismatches)
    std::fprintf(stderr, "%d mismatches against gemmlowp\n", mismatches);
  return mismatches ? 1 : 0;
}
