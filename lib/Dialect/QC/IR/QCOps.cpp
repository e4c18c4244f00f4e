//===- QCOps.cpp - qc operation verifiers, folders, canonicalizers --------===//
#include "qc/Dialect/QC/IR/QCOps.h"
#include "qc/Dialect/QC/IR/AccumulatorBound.h"
#include "Verifiers.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qc;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;
using namespace mlir::qc::detail;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::pair<int64_t, int64_t> qc::getStorageRange(QuantizedType type) {
  return {type.getStorageTypeMin(), type.getStorageTypeMax()};
}

SmallVector<double> qc::getScales(QuantizedType type) {
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(type))
    return SmallVector<double>(perAxis.getScales());
  return {cast<UniformQuantizedType>(type).getScale()};
}

SmallVector<int64_t> qc::getZeroPoints(QuantizedType type) {
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(type))
    return SmallVector<int64_t>(perAxis.getZeroPoints());
  return {cast<UniformQuantizedType>(type).getZeroPoint()};
}

QuantizedType qc::getQuantizedElementType(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return dyn_cast<QuantizedType>(shaped.getElementType());
  return nullptr;
}

static bool isPerAxis(Type tensorType) {
  return isa<UniformQuantizedPerAxisType>(
      cast<ShapedType>(tensorType).getElementType());
}

/// Checks the rules every quantized tensor in qc obeys: storage width,
/// zero points inside the storage range, finite positive scales, and a
/// per-axis axis that names a dimension with one parameter per slice.
static LogicalResult verifyQuantizedTensor(Operation *op, Type type,
                                           StringRef what,
                                           bool isAccumulator = false) {
  auto tensorType = cast<RankedTensorType>(type);
  auto qtype = cast<QuantizedType>(tensorType.getElementType());
  unsigned width = qtype.getStorageTypeIntegralWidth();
  if (isAccumulator) {
    if (width != 32 || !qtype.isSigned())
      return op->emitOpError() << what << " must have i32 storage, got "
                               << qtype.getStorageType();
  } else if (width < 2 || width > 16) {
    return op->emitOpError() << what << " storage width must be in [2, 16], got "
                             << width;
  }
  auto [qmin, qmax] = getStorageRange(qtype);
  for (int64_t zp : getZeroPoints(qtype))
    if (zp < qmin || zp > qmax)
      return op->emitOpError() << what << " zero point " << zp
                               << " is outside the storage range [" << qmin
                               << ", " << qmax << "]";
  if (isAccumulator)
    for (int64_t zp : getZeroPoints(qtype))
      if (zp != 0)
        return op->emitOpError() << what << " must have zero point 0";
  for (double scale : getScales(qtype))
    if (!std::isfinite(scale) || scale <= 0.0)
      return op->emitOpError() << what << " scale must be finite and > 0";
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
    int64_t axis = perAxis.getQuantizedDimension();
    if (axis < 0 || axis >= tensorType.getRank())
      return op->emitOpError() << what << " quantized axis " << axis
                               << " is outside the rank "
                               << tensorType.getRank();
    int64_t dim = tensorType.getDimSize(axis);
    int64_t count = static_cast<int64_t>(perAxis.getScales().size());
    if (!ShapedType::isDynamic(dim) && dim != count)
      return op->emitOpError()
             << what << " has " << count << " per-axis parameters but dimension "
             << axis << " has size " << dim;
  }
  return success();
}

LogicalResult qc::detail::verifyAllQuantizedTensors(Operation *op) {
  for (Value v : op->getOperands())
    if (getQuantizedElementType(v.getType()) &&
        failed(verifyQuantizedTensor(op, v.getType(), "operand")))
      return failure();
  for (Value v : op->getResults())
    if (getQuantizedElementType(v.getType()) &&
        failed(verifyQuantizedTensor(op, v.getType(), "result")))
      return failure();
  return success();
}

LogicalResult qc::detail::verifyPerTensor(Operation *op, Type type, StringRef what) {
  if (isPerAxis(type))
    return op->emitOpError() << what << " must be quantized per tensor";
  return success();
}

LogicalResult qc::detail::verifyExpressedTypes(Operation *op) {
  Type expressed;
  for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
    QuantizedType qtype = getQuantizedElementType(t);
    if (!qtype)
      continue;
    if (!expressed)
      expressed = qtype.getExpressedType();
    else if (expressed != qtype.getExpressedType())
      return op->emitOpError("quantized types must share one expressed type");
  }
  return success();
}

LogicalResult qc::detail::verifyClamp(Operation *op, std::optional<ArrayRef<int64_t>> clamp,
                                 Type resultType) {
  if (!clamp)
    return success();
  auto [qmin, qmax] = getStorageRange(getQuantizedElementType(resultType));
  int64_t lo = (*clamp)[0], hi = (*clamp)[1];
  if (lo > hi)
    return op->emitOpError() << "clamp [" << lo << ", " << hi
                             << "] is empty (lo > hi)";
  if (lo < qmin || hi > qmax)
    return op->emitOpError() << "clamp [" << lo << ", " << hi
                             << "] is outside the result storage range ["
                             << qmin << ", " << qmax << "]";
  return success();
}

int64_t mlir::qc::maxAbsCentered(QuantizedType type) {
  auto [qmin, qmax] = getStorageRange(type);
  int64_t result = 0;
  for (int64_t zp : getZeroPoints(type))
    result = std::max({result, std::abs(qmin - zp), std::abs(qmax - zp)});
  return result;
}

/// A dynamic `reduction` is rejected: no bound can be proven for it, and
/// ShapedType::kDynamic (a negative sentinel) would otherwise make the bound
/// negative and pass. The ops check K first to name it in their own words;
/// this keeps a new caller from skipping the check. Dynamic batch and spatial
/// dimensions are not reductions and never reach here.
LogicalResult qc::detail::verifyNoAccumulatorOverflow(Operation *op, int64_t reduction,
                                                 Type lhs, Type rhs) {
  if (ShapedType::isDynamic(reduction) || reduction < 0)
    return op->emitOpError()
           << "the i32 accumulator bound needs a static reduction size, got a "
              "dynamic one (make the reduced dimension static)";
  // Computed in 128 bits: the product of three 32-bit quantities.
  __int128 bound = static_cast<__int128>(reduction) *
                   maxAbsCentered(getQuantizedElementType(lhs)) *
                   maxAbsCentered(getQuantizedElementType(rhs));
  if (bound > std::numeric_limits<int32_t>::max())
    return op->emitOpError()
           << "i32 accumulator may overflow: " << reduction
           << " products of up to " << maxAbsCentered(getQuantizedElementType(lhs))
           << " x " << maxAbsCentered(getQuantizedElementType(rhs))
           << " exceed 2^31 - 1 (reduce the reduction size or bit widths)";
  return success();
}

/// The bias of a contraction has i32 storage, zero point 0 and scale
/// s_in * s_w[c] for each output channel c.
static LogicalResult verifyBias(Operation *op, Value bias, Type inputType,
                                Type weightType, int64_t channels) {
  if (!bias)
    return success();
  auto biasType = cast<RankedTensorType>(bias.getType());
  if (failed(verifyQuantizedTensor(op, biasType, "bias", /*isAccumulator=*/true)))
    return failure();
  if (biasType.getRank() != 1 || biasType.getDimSize(0) != channels)
    return op->emitOpError() << "bias must have shape [" << channels << "]";
  double inputScale = getScales(getQuantizedElementType(inputType))[0];
  SmallVector<double> weightScales = getScales(getQuantizedElementType(weightType));
  SmallVector<double> biasScales = getScales(getQuantizedElementType(biasType));
  if (biasScales.size() != 1 && static_cast<int64_t>(biasScales.size()) != channels)
    return op->emitOpError("bias must be per tensor or per axis 0");
  for (int64_t c = 0; c < channels; ++c) {
    double expected = inputScale * weightScales[weightScales.size() == 1 ? 0 : c];
    double actual = biasScales[biasScales.size() == 1 ? 0 : c];
    if (std::abs(actual - expected) > 1e-6 * expected)
      return op->emitOpError()
             << "bias scale " << actual << " of channel " << c
             << " must equal input scale x weight scale = " << expected;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// FakeQuantOp
//===----------------------------------------------------------------------===//

QuantizedType FakeQuantOp::getQuantizedType() {
  if (std::optional<Type> qtype = getQtype())
    return dyn_cast<QuantizedType>(*qtype);
  if (!getMin() || !getMax())
    return nullptr;
  unsigned bits = static_cast<unsigned>(getNumBits());
  bool isSigned = !getIsUnsigned();
  int64_t qmin = QuantizedType::getDefaultMinimumForInteger(isSigned, bits);
  int64_t qmax = QuantizedType::getDefaultMaximumForInteger(isSigned, bits);
  if (getNarrowRange())
    ++qmin;
  auto elementType = getInput().getType().getElementType();
  auto storageType = IntegerType::get(getContext(), bits);
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  for (auto [lo, hi] : llvm::zip_equal(*getMin(), *getMax())) {
    numerics::NudgedParams p = numerics::nudgeMinMax(lo, hi, qmin, qmax);
    scales.push_back(p.scale);
    zeroPoints.push_back(p.zeroPoint);
  }
  if (IntegerAttr axis = getAxisAttr())
    return UniformQuantizedPerAxisType::get(flags, storageType, elementType,
                                            scales, zeroPoints, axis.getInt(),
                                            qmin, qmax);
  return UniformQuantizedType::get(flags, storageType, elementType, scales[0],
                                   zeroPoints[0], qmin, qmax);
}

LogicalResult FakeQuantOp::verify() {
  RankedTensorType inputType = getInput().getType();
  bool hasRange = getMin() || getMax();
  if (getQtype().has_value() == hasRange)
    return emitOpError("needs exactly one of `to !quant.uniform<...>` or min/max");
  if (getQtype()) {
    if (getAxis())
      return emitOpError("`axis` belongs to the min/max form; the per-axis "
                         "quantized type names its own axis");
    auto qtype = dyn_cast<QuantizedType>(*getQtype());
    if (!isa_and_nonnull<UniformQuantizedType, UniformQuantizedPerAxisType>(qtype))
      return emitOpError("`to` type must be a !quant.uniform type");
    if (qtype.getExpressedType() != inputType.getElementType())
      return emitOpError() << "expressed type " << qtype.getExpressedType()
                           << " differs from the operand element type "
                           << inputType.getElementType();
    return verifyQuantizedTensor(*this, inputType.clone(qtype), "quantized type");
  }
  if (!getMin() || !getMax())
    return emitOpError("needs both `min` and `max`");
  int64_t bits = getNumBitsAttr().getInt();
  if (bits < 2 || bits > 16)
    return emitOpError() << "num_bits must be in [2, 16], got " << bits;
  ArrayRef<double> mins = *getMin(), maxs = *getMax();
  if (mins.size() != maxs.size())
    return emitOpError("`min` and `max` must have the same length");
  if (IntegerAttr axisAttr = getAxisAttr()) {
    std::optional<int64_t> axis = axisAttr.getInt();
    if (*axis < 0 || *axis >= inputType.getRank())
      return emitOpError() << "axis " << *axis << " is outside the rank "
                           << inputType.getRank();
    int64_t dim = inputType.getDimSize(*axis);
    if (!ShapedType::isDynamic(dim) && dim != static_cast<int64_t>(mins.size()))
      return emitOpError() << "has " << mins.size()
                           << " min/max pairs but dimension " << *axis
                           << " has size " << dim;
  } else if (mins.size() != 1) {
    return emitOpError("per-tensor min/max needs one value each (or set `axis`)");
  }
  for (auto [lo, hi] : llvm::zip_equal(mins, maxs)) {
    if (!std::isfinite(lo) || !std::isfinite(hi))
      return emitOpError("min/max must be finite");
    if (!(lo < hi))
      return emitOpError() << "min " << lo << " must be less than max " << hi;
  }
  return success();
}

namespace {
/// Rewrites the min/max form into the equivalent nudged !quant.uniform form,
/// so that later passes only see one form. Never removes the op.
struct NormalizeFakeQuantRange final : OpRewritePattern<FakeQuantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FakeQuantOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getQtype())
      return rewriter.notifyMatchFailure(op, "already in !quant.uniform form");
    QuantizedType qtype = op.getQuantizedType();
    rewriter.modifyOpInPlace(op, [&] {
      op.setQtypeAttr(TypeAttr::get(qtype));
      op.removeMinAttr();
      op.removeMaxAttr();
      op.removeAxisAttr();
      op.removeIsUnsignedAttr();
      op.removeNarrowRangeAttr();
      op->removeAttr(op.getNumBitsAttrName());
    });
    return success();
  }
};
} // namespace

void FakeQuantOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<NormalizeFakeQuantRange>(context);
}

//===----------------------------------------------------------------------===//
// Boundary ops
//===----------------------------------------------------------------------===//

static LogicalResult verifyFloatBoundary(Operation *op, RankedTensorType floatType,
                                         RankedTensorType quantType) {
  if (failed(verifyQuantizedTensor(op, quantType, "quantized type")))
    return failure();
  if (floatType.getShape() != quantType.getShape())
    return op->emitOpError("operand and result shapes must match");
  Type expressed = getQuantizedElementType(quantType).getExpressedType();
  if (expressed != floatType.getElementType())
    return op->emitOpError() << "float element type " << floatType.getElementType()
                             << " must be the expressed type " << expressed;
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyFloatBoundary(*this, getInput().getType(), getResult().getType());
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(q)) is q: every code survives the float round trip.
  if (auto dequantize = getInput().getDefiningOp<DequantizeOp>())
    if (dequantize.getInput().getType() == getType())
      return dequantize.getInput();
  return {};
}

LogicalResult DequantizeOp::verify() {
  return verifyFloatBoundary(*this, getResult().getType(), getInput().getType());
}

LogicalResult RequantizeOp::verify() {
  if (failed(verifyAllQuantizedTensors(*this)) || failed(verifyExpressedTypes(*this)))
    return failure();
  auto inputType = getInput().getType(), resultType = getResult().getType();
  if (inputType.getShape() != resultType.getShape())
    return emitOpError("operand and result shapes must match");
  auto inAxis = dyn_cast<UniformQuantizedPerAxisType>(inputType.getElementType());
  auto outAxis = dyn_cast<UniformQuantizedPerAxisType>(resultType.getElementType());
  if (inAxis && outAxis &&
      inAxis.getQuantizedDimension() != outAxis.getQuantizedDimension())
    return emitOpError("per-axis operand and result must use the same axis");
  return verifyClamp(*this, getClamp(), resultType);
}

OpFoldResult RequantizeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() && !getClamp())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Compute ops
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  if (failed(verifyQuantizedTensor(*this, getLhs().getType(), "lhs")) ||
      failed(verifyQuantizedTensor(*this, getRhs().getType(), "rhs")) ||
      failed(verifyQuantizedTensor(*this, getResult().getType(), "result")) ||
      failed(verifyExpressedTypes(*this)))
    return failure();
  auto lhsType = getLhs().getType(), rhsType = getRhs().getType(),
       resultType = getResult().getType();
  if (lhsType.getRank() != 2 || rhsType.getRank() != 2 || resultType.getRank() != 2)
    return emitOpError("lhs, rhs and result must have rank 2");
  if (ShapedType::isDynamic(lhsType.getDimSize(1)) ||
      ShapedType::isDynamic(rhsType.getDimSize(0)))
    return emitOpError("the reduction size K must be static (the i32 accumulator "
                       "bound is proven from it)");
  if (lhsType.getDimSize(1) != rhsType.getDimSize(0))
    return emitOpError() << "reduction sizes differ: lhs has K = "
                         << lhsType.getDimSize(1) << ", rhs has K = "
                         << rhsType.getDimSize(0);
  if (resultType.getDimSize(0) != lhsType.getDimSize(0) ||
      resultType.getDimSize(1) != rhsType.getDimSize(1))
    return emitOpError("result shape must be [M, N]");
  if (failed(verifyPerTensor(*this, lhsType, "lhs")) ||
      failed(verifyPerTensor(*this, resultType, "result")))
    return failure();
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(rhsType.getElementType()))
    if (perAxis.getQuantizedDimension() != 1)
      return emitOpError("per-axis rhs must be quantized along axis 1 (N)");
  if (failed(verifyBias(*this, getBias(), lhsType, rhsType, rhsType.getDimSize(1))) ||
      failed(verifyNoAccumulatorOverflow(*this, lhsType.getDimSize(1), lhsType, rhsType)))
    return failure();
  return verifyClamp(*this, getClamp(), resultType);
}

int64_t qc::detail::convOutputSize(int64_t in, int64_t padBefore, int64_t padAfter,
                                   int64_t dilation, int64_t kernel, int64_t stride) {
  return (in + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride + 1;
}

LogicalResult qc::detail::verifyWindow(EmitErrorFn emitError, ArrayRef<int64_t> strides,
                                       ArrayRef<int64_t> padding,
                                       ArrayRef<int64_t> dilations) {
  if (strides.size() != 2 || dilations.size() != 2 || padding.size() != 4)
    return emitError() << "strides and dilations need 2 values, padding 4 "
                          "([top, bottom, left, right])";
  if (llvm::any_of(strides, [](int64_t s) { return s <= 0; }))
    return emitError() << "strides must be positive";
  if (llvm::any_of(dilations, [](int64_t d) { return d <= 0; }))
    return emitError() << "dilations must be positive";
  if (llvm::any_of(padding, [](int64_t p) { return p < 0; }))
    return emitError() << "padding must be non-negative";
  return success();
}

static LogicalResult verifyWindowResultShape(Operation *op, RankedTensorType input,
                                             RankedTensorType result,
                                             ArrayRef<int64_t> kernel,
                                             ArrayRef<int64_t> strides,
                                             ArrayRef<int64_t> padding,
                                             ArrayRef<int64_t> dilations,
                                             int64_t channels) {
  SmallVector<int64_t> expected = {input.getDimSize(0), 0, 0, channels};
  for (int i = 0; i < 2; ++i) {
    int64_t in = input.getDimSize(1 + i);
    if (ShapedType::isDynamic(in)) {
      expected[1 + i] = ShapedType::kDynamic;
      continue;
    }
    int64_t out = convOutputSize(in, padding[2 * i], padding[2 * i + 1],
                                 dilations[i], kernel[i], strides[i]);
    if (out <= 0)
      return op->emitOpError("window is larger than the padded input");
    expected[1 + i] = out;
  }
  if (failed(verifyCompatibleShape(result.getShape(), expected)))
    return op->emitOpError() << "result shape must be ["
                             << llvm::interleaved(expected) << "]";
  return success();
}

LogicalResult Conv2DOp::verify() {
  if (failed(verifyQuantizedTensor(*this, getInput().getType(), "input")) ||
      failed(verifyQuantizedTensor(*this, getFilter().getType(), "filter")) ||
      failed(verifyQuantizedTensor(*this, getResult().getType(), "result")) ||
      failed(verifyExpressedTypes(*this)))
    return failure();
  auto inputType = getInput().getType(), filterType = getFilter().getType(),
       resultType = getResult().getType();
  if (inputType.getRank() != 4 || filterType.getRank() != 4 || resultType.getRank() != 4)
    return emitOpError("input, filter and result must have rank 4 "
                       "(NHWC, HWCF, NHWF)");
  if (failed(verifyWindow([&] { return emitOpError(); }, getStrides(), getPadding(),
                          getDilations())))
    return failure();
  int64_t groups = getGroupsAttr().getInt();
  int64_t channels = inputType.getDimSize(3), filters = filterType.getDimSize(3);
  if (groups <= 0)
    return emitOpError("groups must be positive");
  if (ShapedType::isDynamic(channels) || ShapedType::isDynamic(filters) ||
      filterType.getDimSize(0) == ShapedType::kDynamic ||
      filterType.getDimSize(1) == ShapedType::kDynamic)
    return emitOpError("channel counts and filter sizes must be static");
  if (channels % groups != 0 || filters % groups != 0)
    return emitOpError() << "groups = " << groups << " must divide the input channels ("
                         << channels << ") and the filters (" << filters << ")";
  if (filterType.getDimSize(2) != channels / groups)
    return emitOpError() << "filter depth must be C / groups = " << channels / groups
                         << ", got " << filterType.getDimSize(2);
  if (failed(verifyPerTensor(*this, inputType, "input")) ||
      failed(verifyPerTensor(*this, resultType, "result")))
    return failure();
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(filterType.getElementType()))
    if (perAxis.getQuantizedDimension() != 3)
      return emitOpError("per-axis filter must be quantized along axis 3 (F)");
  SmallVector<int64_t> kernel = {filterType.getDimSize(0), filterType.getDimSize(1)};
  if (failed(verifyWindowResultShape(*this, inputType, resultType, kernel,
                                     getStrides(), getPadding(), getDilations(),
                                     filters)) ||
      failed(verifyBias(*this, getBias(), inputType, filterType, filters)) ||
      failed(verifyNoAccumulatorOverflow(*this, kernel[0] * kernel[1] * (channels / groups),
                                         inputType, filterType)))
    return failure();
  return verifyClamp(*this, getClamp(), resultType);
}

static LogicalResult verifyElementwiseBinary(Operation *op, Value lhs, Value rhs,
                                             Value result,
                                             std::optional<ArrayRef<int64_t>> clamp) {
  if (failed(verifyAllQuantizedTensors(op)) || failed(verifyExpressedTypes(op)))
    return failure();
  for (auto [value, what] : {std::pair{lhs, "lhs"}, {rhs, "rhs"}, {result, "result"}})
    if (failed(verifyPerTensor(op, value.getType(), what)))
      return failure();
  // Each operand has the result's rank; a dimension of size 1 broadcasts
  // (numpy rules with equal ranks, e.g. a squeeze-excite [N, 1, 1, C] scale).
  auto shape = cast<ShapedType>(result.getType()).getShape();
  for (Value operand : {lhs, rhs}) {
    auto operandShape = cast<ShapedType>(operand.getType()).getShape();
    if (operandShape.size() != shape.size())
      return op->emitOpError("operands and result must have the same rank");
    for (auto [a, r] : llvm::zip_equal(operandShape, shape))
      if (a != r && a != 1)
        return op->emitOpError("operand dimensions must equal the result's or be 1 "
                               "(broadcast)");
  }
  return verifyClamp(op, clamp, result.getType());
}

LogicalResult AddOp::verify() {
  return verifyElementwiseBinary(*this, getLhs(), getRhs(), getResult(), getClamp());
}

LogicalResult MulOp::verify() {
  if (failed(verifyElementwiseBinary(*this, getLhs(), getRhs(), getResult(), getClamp())))
    return failure();
  return verifyNoAccumulatorOverflow(*this, 1, getLhs().getType(), getRhs().getType());
}

LogicalResult ClampOp::verify() {
  if (failed(verifyAllQuantizedTensors(*this)))
    return failure();
  return verifyClamp(*this, getClamp(), getType());
}

OpFoldResult ClampOp::fold(FoldAdaptor) {
  auto [qmin, qmax] = getStorageRange(getQuantizedElementType(getType()));
  if (getClamp()[0] <= qmin && getClamp()[1] >= qmax)
    return getInput();
  return {};
}

#define GET_OP_CLASSES
#include "qc/Dialect/QC/IR/QC.cpp.inc"
