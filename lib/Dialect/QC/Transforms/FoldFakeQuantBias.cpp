//===- FoldFakeQuantBias.cpp - i32 biases of folded contractions ------------===//
//
// A float bias becomes an i32 constant with scale s_in * s_w[c]. The
// accumulator holds the bias and the products together, so the bias code
// must leave room for the largest possible sum of products; a channel whose
// weights are all at the zero point (a dead channel, which PyTorch observers
// give the scale float32 eps) has no products and no weight scale to honour,
// so its scale is raised until the bias fits.
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

static constexpr double kInt32Max = std::numeric_limits<int32_t>::max();

/// Largest |q - z| of a per-tensor type.
static double maxAbsCentered(QuantizedType type) {
  auto [qmin, qmax] = getStorageRange(type);
  double result = 0.0;
  for (int64_t zp : getZeroPoints(type))
    result = std::max({result, std::abs(static_cast<double>(qmin - zp)),
                       std::abs(static_cast<double>(qmax - zp))});
  return result;
}

/// Per output channel (the last weight dimension), the largest |sum of
/// products| the accumulator can see: from the weight codes when the weight
/// is a constant, from the storage range otherwise.
static SmallVector<double> getProductBounds(Value weight, QuantizedType inputType,
                                            int64_t channels) {
  auto weightType = cast<RankedTensorType>(weight.getType());
  QuantizedType wtype = getQuantizedElementType(weightType);
  double maxInput = maxAbsCentered(inputType);
  int64_t reduction = weightType.getNumElements() / std::max<int64_t>(channels, 1);
  DenseIntElementsAttr attr = getQuantizedConstant(weight);
  if (!attr || !weightType.hasStaticShape() ||
      weightType.getShape().back() != channels)
    return SmallVector<double>(channels, maxInput * reduction * maxAbsCentered(wtype));
  SmallVector<int64_t> zeroPoints = getZeroPoints(wtype);
  SmallVector<double> sums(channels, 0.0);
  for (auto [i, code] : llvm::enumerate(getCodes(attr, wtype.isSigned()))) {
    int64_t c = static_cast<int64_t>(i) % channels;
    sums[c] += std::abs(static_cast<double>(code - zeroPoints[zeroPoints.size() == 1 ? 0 : c]));
  }
  for (double &sum : sums)
    sum *= maxInput;
  return sums;
}

FailureOr<Value> fold::buildBias(DetachedOps &ops, Location loc, ArrayRef<double> bias,
                                 QuantizedType inputType, Value &weight,
                                 std::string &reason) {
  MLIRContext *context = inputType.getContext();
  auto weightTensor = cast<RankedTensorType>(weight.getType());
  QuantizedType weightType = getQuantizedElementType(weightTensor);
  double inputScale = getScales(inputType)[0];
  SmallVector<double> weightScales = getScales(weightType);
  int64_t channels = bias.size();
  if (weightScales.size() != 1 && static_cast<int64_t>(weightScales.size()) != channels) {
    reason = "per-channel weight scales do not match the bias size";
    return failure();
  }
  SmallVector<double> scales;
  for (double ws : weightScales) {
    double s = inputScale * ws;
    if (!std::isfinite(s) || s <= 0.0) {
      reason = "bias scale s_in * s_w is not a finite positive number";
      return failure();
    }
    scales.push_back(s);
  }

  auto i32 = IntegerType::get(context, 32);
  Type expressed = inputType.getExpressedType();
  int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  // getChecked: s_in * s_w may leave the expressed type's range (e.g. below
  // the smallest f32), which makes the bias type itself invalid.
  auto emitError = [&]() {
    return mlir::emitError(UnknownLoc::get(context)) << "bias type: ";
  };
  ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
    if (!isa<UnknownLoc>(diag.getLocation()))
      return failure();
    reason = diag.str();
    return success();
  });
  auto getBiasType = [&](ArrayRef<double> biasScales) -> QuantizedType {
    if (biasScales.size() == 1)
      return UniformQuantizedType::getChecked(emitError, quant::QuantizationFlags::Signed,
                                              i32, expressed, biasScales[0], 0, lo, hi);
    return UniformQuantizedPerAxisType::getChecked(
        emitError, quant::QuantizationFlags::Signed, i32, expressed, biasScales,
        SmallVector<int64_t>(biasScales.size(), 0), 0, lo, hi);
  };
  QuantizedType biasType = getBiasType(scales);
  if (!biasType)
    return failure();

  // The bias code plus any sum of products must stay inside i32.
  SmallVector<double> bounds = getProductBounds(weight, inputType, channels);
  bool rescaled = false;
  for (int64_t c = 0; c < channels; ++c) {
    size_t i = scales.size() == 1 ? 0 : c;
    double limit = kInt32Max - bounds[c];
    double code = numerics::roundReal(bias[c] / scales[i], RoundingMode::HalfEven);
    if (bounds[c] > kInt32Max) {
      // The products alone may leave i32 (a wide input, e.g. 16-bit
      // activations, over a long reduction): no bias fits next to them.
      llvm::raw_string_ostream os(reason);
      os << "the products of channel " << c << " can reach "
         << llvm::format("%.0f", bounds[c])
         << " (max|a - z_a| * sum_k |b[k, c] - z_b[c]|), beyond 2^31 - 1 before the bias is "
            "added (narrow the input's or the weight's code range)";
      return failure();
    }
    if (std::abs(code) <= limit)
      continue;
    if (bounds[c] != 0.0 || !getQuantizedConstant(weight)) {
      llvm::raw_string_ostream os(reason);
      os << "the bias " << llvm::format("%g", bias[c]) << " of channel " << c << " is "
         << llvm::format("%.0f", code) << " steps of s_in * s_w = "
         << llvm::format("%g", scales[i]) << ", beyond the "
         << llvm::format("%.0f", limit)
         << " that the i32 accumulator holds next to the products (2^31 - 1 - "
         << llvm::format("%.0f", bounds[c]) << ")";
      return failure();
    }
    // A dead channel: every weight code is the zero point, so any scale
    // gives the same (zero) weights. Raise its scale by powers of two (exact)
    // until the bias fits; the requantization multiplier grows alike.
    if (!rescaled) {
      scales.resize(channels, scales.front());
      weightScales.resize(channels, weightScales.front());
      rescaled = true;
    }
    while (std::abs(numerics::roundReal(bias[c] / scales[c], RoundingMode::HalfEven)) >
           kInt32Max) {
      weightScales[c] *= 2.0;
      scales[c] = inputScale * weightScales[c];
    }
  }

  if (rescaled) {
    // The same codes under the raised per-channel scales.
    SmallVector<int64_t> zeroPoints = getZeroPoints(weightType);
    zeroPoints.resize(channels, zeroPoints.front());
    auto newType = UniformQuantizedPerAxisType::getChecked(
        emitError, weightType.getFlags(), weightType.getStorageType(), expressed,
        weightScales, zeroPoints, weightTensor.getRank() - 1,
        weightType.getStorageTypeMin(), weightType.getStorageTypeMax());
    if (!newType || !(biasType = getBiasType(scales)))
      return failure();
    weight = buildQuantizedConstant(
        ops, loc, weightTensor.getShape(), newType,
        getCodes(getQuantizedConstant(weight), weightType.isSigned()));
  }
  SmallVector<int64_t> codes =
      quantizeElements(bias, {channels}, biasType, RoundingMode::HalfEven);
  return buildQuantizedConstant(ops, loc, {channels}, biasType, codes);
}
