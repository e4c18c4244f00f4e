//===- LowRankFactors.cpp - weight matrices and factors of --qc-low-rank --===//
//
// The weight as a matrix of doubles, the quantization of the factors and of
// the intermediate, and the constants the rewrites create.
//
//===----------------------------------------------------------------------===//
#include "LowRankRewriter.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;

namespace mlir::qc::lowrank {

WeightMatrix WeightMatrix::get(std::vector<double> values, ShapedType type,
                               const void *data, const void *qtype,
                               bool channelsFirst) {
  WeightMatrix w;
  w.values = std::move(values);
  w.key = {data, qtype, channelsFirst};
  if (channelsFirst) {
    w.rows = type.getDimSize(1);
    w.cols = type.getDimSize(0);
    w.values = transpose(w.values, w.cols, w.rows);
  } else {
    w.cols = type.getShape().back();
    w.rows = type.getNumElements() / w.cols;
  }
  return w;
}

/// Values of a float constant in double.
std::vector<double> floatValues(DenseElementsAttr attr) {
  std::vector<double> values;
  values.reserve(attr.getNumElements());
  for (APFloat v : attr.getValues<APFloat>()) {
    bool losesInfo;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    values.push_back(v.convertToDouble());
  }
  return values;
}

/// Real values of a quantized constant whose channel axis, if any, is the
/// innermost dimension (what the qc contraction verifiers require).
std::vector<double> dequantize(DenseIntElementsAttr codes, QuantizedType qtype) {
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  int64_t channels = static_cast<int64_t>(scales.size());
  std::vector<double> values;
  values.reserve(codes.getNumElements());
  int64_t index = 0;
  for (const APInt &code : codes.getValues<APInt>()) {
    int64_t c = index++ % channels;
    int64_t q = qtype.isSigned() ? code.getSExtValue()
                                 : static_cast<int64_t>(code.getZExtValue());
    values.push_back(static_cast<double>(q - zeroPoints[c]) * scales[c]);
  }
  return values;
}

/// Largest |real value| a tensor of this quantized type can hold.
double maxAbsReal(QuantizedType qtype) {
  auto [qmin, qmax] = getStorageRange(qtype);
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  double result = 0.0;
  for (auto [scale, zp] : llvm::zip_equal(scales, zeroPoints))
    result = std::max(result, scale * static_cast<double>(std::max(
                                          std::abs(qmin - zp), std::abs(qmax - zp))));
  return result;
}

/// Symmetric per-column quantization with codes in [-qmax, qmax]. An all-zero
/// column gets scale 1 (any positive scale represents it exactly).
QuantizedColumns quantizeColumns(const std::vector<double> &m, int64_t rows,
                                 int64_t cols, int64_t qmax) {
  QuantizedColumns result;
  result.scales.assign(cols, 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      result.scales[j] = std::max(result.scales[j], std::abs(m[i * cols + j]));
  for (double &scale : result.scales)
    scale = scale == 0.0 ? 1.0 : scale / static_cast<double>(qmax);
  result.codes.resize(m.size());
  result.dequantized.resize(m.size());
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      int64_t k = i * cols + j;
      result.codes[k] = numerics::quantizeValue(m[k], result.scales[j], 0, -qmax,
                                                qmax, RoundingMode::HalfEven);
      result.dequantized[k] = static_cast<double>(result.codes[k]) * result.scales[j];
    }
  }
  return result;
}

/// The per-tensor scale of the intermediate activation t = x * A: the
/// worst case over all inputs, |t_j| <= max|x| * sum_k |A[k, j]|, mapped onto
/// qmax so that the first contraction can never saturate.
double intermediateScale(const std::vector<double> &a, int64_t rows, int64_t rank,
                         double inputBound, int64_t qmax) {
  double bound = 0.0;
  for (int64_t j = 0; j < rank; ++j) {
    double l1 = 0.0;
    for (int64_t i = 0; i < rows; ++i)
      l1 += std::abs(a[i * rank + j]);
    bound = std::max(bound, l1);
  }
  bound *= inputBound;
  return bound > 0.0 ? bound / static_cast<double>(qmax) : 1.0;
}

/// The shape of the first factor (the weight shape with `rank` output
/// channels) and of the second (a 1x...x1 kernel from `rank` to the output
/// channels).
std::pair<SmallVector<int64_t>, SmallVector<int64_t>>
factorShapes(ArrayRef<int64_t> weightShape, int64_t rank) {
  SmallVector<int64_t> first(weightShape);
  first.back() = rank;
  SmallVector<int64_t> second(weightShape.size() - 2, 1);
  second.push_back(rank);
  second.push_back(weightShape.back());
  return {first, second};
}

/// A float constant of `type` holding `values`, which are exactly
/// representable in its element type (see roundTo).
Value createFloatConstant(OpBuilder &b, Location loc, RankedTensorType type,
                          const std::vector<double> &values) {
  const llvm::fltSemantics &sem =
      cast<FloatType>(type.getElementType()).getFloatSemantics();
  SmallVector<APFloat> elements;
  elements.reserve(values.size());
  for (double x : values) {
    bool losesInfo;
    APFloat v(x);
    v.convert(sem, APFloat::rmNearestTiesToEven, &losesInfo);
    elements.push_back(v);
  }
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, elements));
}

/// arith.constant of the storage type followed by quant.scast, the form of
/// quantized constants in qc (docs/Design.md).
Value createQuantizedConstant(OpBuilder &b, Location loc, RankedTensorType type,
                              ArrayRef<int64_t> codes) {
  auto qtype = cast<QuantizedType>(type.getElementType());
  auto storageType = cast<IntegerType>(qtype.getStorageType());
  auto storageTensor = RankedTensorType::get(type.getShape(), storageType);
  SmallVector<APInt> elements;
  elements.reserve(codes.size());
  for (int64_t code : codes)
    elements.emplace_back(storageType.getWidth(), code, /*isSigned=*/true);
  Value storage = arith::ConstantOp::create(
      b, loc, storageTensor, DenseElementsAttr::get(storageTensor, elements));
  return quant::StorageCastOp::create(b, loc, type, storage);
}

/// Symmetric narrow-range per-axis type on the output-channel `axis`.
UniformQuantizedPerAxisType perChannelType(Type expressed, unsigned bits,
                                           ArrayRef<double> scales, int64_t axis) {
  MLIRContext *ctx = expressed.getContext();
  int64_t qmax = (int64_t{1} << (bits - 1)) - 1;
  return UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(ctx, bits), expressed,
      scales, SmallVector<int64_t>(scales.size(), 0), axis, -qmax, qmax);
}

/// The transpose of a row-major rows x cols matrix.
std::vector<double> transpose(const std::vector<double> &m, int64_t rows,
                              int64_t cols) {
  std::vector<double> t(m.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      t[j * rows + i] = m[i * cols + j];
  return t;
}

/// `values` rounded to the float type `type` (what a constant of it stores).
std::vector<double> roundTo(FloatType type, const std::vector<double> &values) {
  std::vector<double> rounded(values.size());
  for (auto [i, x] : llvm::enumerate(values)) {
    bool losesInfo;
    APFloat v(x);
    v.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    rounded[i] = v.convertToDouble();
  }
  return rounded;
}

/// Per-tensor symmetric type of the intermediate with codes in [-qmax, qmax]
/// stored in 8 or 16 bits.
UniformQuantizedType intermediateType(Type expressed, int64_t bits, int64_t qmax,
                                      double scale) {
  MLIRContext *ctx = expressed.getContext();
  unsigned storageBits = bits <= 8 ? 8 : 16;
  return UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                   IntegerType::get(ctx, storageBits), expressed,
                                   scale, 0, -qmax, qmax);
}

/// Erases `value`'s producer chain (constants, casts, fake quantization) once
/// the rewrite left it without users.
void eraseIfDead(RewriterBase &rewriter, Value value) {
  Operation *op = value.getDefiningOp();
  if (!op || !op->use_empty() ||
      !isa<arith::ConstantOp, quant::StorageCastOp, quant::DequantizeCastOp,
           FakeQuantOp>(op))
    return;
  SmallVector<Value> operands(op->getOperands());
  rewriter.eraseOp(op);
  for (Value operand : operands)
    eraseIfDead(rewriter, operand);
}

/// Product of all dimensions but the output-channel one `channelAxis` (the
/// output positions), or dynamic.
int64_t outerSize(ShapedType type, int64_t channelAxis) {
  int64_t size = 1;
  for (auto [i, d] : llvm::enumerate(type.getShape())) {
    if (static_cast<int64_t>(i) == channelAxis)
      continue;
    if (ShapedType::isDynamic(d))
      return ShapedType::kDynamic;
    size *= d;
  }
  return size;
}

} // namespace mlir::qc::lowrank
