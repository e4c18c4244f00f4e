//===- FoldFakeQuantConstants.cpp - constants the fold reads and writes -===//
//
// The shared helpers of --qc-fold-fake-quant that read float and quantized
// constants, quantize them with the documented rounding and build the
// integer constants the folded ops take (DetachedOps keeps them off the IR
// until a rewrite commits).
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

DetachedOps::~DetachedOps() {
  // Users first: later ops use the results of earlier ones.
  for (Operation *op : llvm::reverse(ops))
    op->erase();
}

LogicalResult DetachedOps::verify(std::string &reason) {
  for (Operation *op : ops) {
    // Only diagnostics of this op are captured: other functions may be
    // processed (and emit remarks) on other threads at the same time.
    Location loc = op->getLoc();
    ScopedDiagnosticHandler handler(op->getContext(), [&](Diagnostic &diag) {
      if (diag.getLocation() != loc)
        return failure();
      if (reason.empty())
        reason = diag.str();
      return success();
    });
    if (failed(mlir::verify(op, /*verifyRecursively=*/false)))
      return failure();
  }
  return success();
}

void DetachedOps::commit(RewriterBase &rewriter) {
  for (Operation *op : ops)
    rewriter.insert(op);
  ops.clear();
}

Value fold::getDequantizedSource(Value value) {
  if (auto dequantize = value.getDefiningOp<DequantizeOp>())
    return dequantize.getInput();
  return nullptr;
}

DenseIntElementsAttr fold::getQuantizedConstant(Value quantized) {
  auto cast = quantized.getDefiningOp<quant::StorageCastOp>();
  if (!cast)
    return nullptr;
  DenseIntElementsAttr codes;
  if (!matchPattern(cast.getInput(), m_Constant(&codes)))
    return nullptr;
  return codes;
}

/// The real values of `quant.dcast(quant.scast(arith.constant))`, computed
/// in double: QDQ graphs carry their i32 biases this way (qc.dequantize takes
/// only 2- to 16-bit storage, so the dcast stays). Double keeps every i32
/// code exact, so re-quantizing with the same scale gives the codes back.
static std::optional<SmallVector<double>> getDequantizedConstantValues(Value value) {
  auto dcast = value.getDefiningOp<quant::DequantizeCastOp>();
  if (!dcast)
    return std::nullopt;
  DenseIntElementsAttr codes = getQuantizedConstant(dcast.getInput());
  auto type = dyn_cast<RankedTensorType>(dcast.getInput().getType());
  QuantizedType qtype = getQuantizedElementType(type);
  if (!codes || !type || !type.hasStaticShape() ||
      !isa_and_nonnull<UniformQuantizedType, UniformQuantizedPerAxisType>(qtype))
    return std::nullopt;
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  int64_t stride = 1, dim = 1;
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
    int64_t axis = perAxis.getQuantizedDimension();
    dim = type.getDimSize(axis);
    for (int64_t d = axis + 1, e = type.getRank(); d < e; ++d)
      stride *= type.getDimSize(d);
  }
  SmallVector<double> result;
  result.reserve(codes.getNumElements());
  for (auto [i, code] : llvm::enumerate(getCodes(codes, qtype.isSigned()))) {
    int64_t slice = (static_cast<int64_t>(i) / stride) % dim;
    result.push_back(static_cast<double>(code - zeroPoints[slice]) * scales[slice]);
  }
  return result;
}

std::optional<SmallVector<double>> fold::getFloatConstantValues(Value value) {
  if (std::optional<SmallVector<double>> dequantized = getDequantizedConstantValues(value))
    return dequantized;
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<double> result;
  result.reserve(attr.getNumElements());
  // f32 and f64 widen to double exactly; reading them as floats skips an
  // APFloat per element (a tenth of the fold of resnet18's weights).
  if (attr.getElementType().isF32()) {
    llvm::append_range(result, attr.getValues<float>());
    return result;
  }
  if (attr.getElementType().isF64()) {
    llvm::append_range(result, attr.getValues<double>());
    return result;
  }
  for (APFloat element : attr.getValues<APFloat>()) {
    bool losesInfo = false;
    element.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    result.push_back(element.convertToDouble());
  }
  return result;
}

SmallVector<int64_t> fold::quantizeElements(ArrayRef<double> values,
                                              ArrayRef<int64_t> shape,
                                              QuantizedType qtype,
                                              RoundingMode rounding) {
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  auto [qmin, qmax] = getStorageRange(qtype);
  // Elements are row-major: the slice of element i along the axis is
  // (i / stride) % dim, with stride the product of the inner dimensions.
  int64_t stride = 1, dim = 1;
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
    int64_t axis = perAxis.getQuantizedDimension();
    dim = shape[axis];
    for (int64_t d = axis + 1, e = shape.size(); d < e; ++d)
      stride *= shape[d];
  }
  SmallVector<int64_t> codes;
  codes.reserve(values.size());
  for (auto [i, value] : llvm::enumerate(values)) {
    int64_t slice = (static_cast<int64_t>(i) / stride) % dim;
    codes.push_back(numerics::quantizeValue(value, scales[slice], zeroPoints[slice],
                                            qmin, qmax, rounding));
  }
  return codes;
}

Value fold::buildQuantizedConstant(DetachedOps &ops, Location loc,
                                     ArrayRef<int64_t> shape, QuantizedType qtype,
                                     ArrayRef<int64_t> codes) {
  auto storageType = cast<IntegerType>(qtype.getStorageType());
  unsigned width = storageType.getWidth();
  auto storageTensor = RankedTensorType::get(shape, storageType);
  DenseElementsAttr attr;
  if (llvm::endianness::native == llvm::endianness::little && width >= 2 &&
      width <= 32 && !codes.empty()) {
    // The bytes DenseElementsAttr::get(APInt...) would write (each element
    // in whole little-endian bytes, its `width` low bits set, the rest 0),
    // written directly: an APInt per element was a seventh of the fold of
    // resnet18's weights. Equal elements still make a splat (the attribute
    // storage detects them in both cases).
    unsigned bytes = llvm::divideCeil(width, 8);
    uint64_t mask = (uint64_t{1} << width) - 1;
    SmallVector<char> raw(codes.size() * bytes);
    for (auto [i, code] : llvm::enumerate(codes)) {
      uint64_t bits = static_cast<uint64_t>(code) & mask;
      for (unsigned b = 0; b < bytes; ++b)
        raw[i * bytes + b] = static_cast<char>(bits >> (8 * b));
    }
    attr = DenseElementsAttr::getFromRawBuffer(storageTensor, raw);
  } else {
    SmallVector<APInt> elements;
    elements.reserve(codes.size());
    for (int64_t code : codes)
      elements.push_back(APInt(width, static_cast<uint64_t>(code), qtype.isSigned(),
                               /*implicitTrunc=*/true));
    attr = DenseElementsAttr::get(storageTensor, elements);
  }
  auto constant = ops.create<arith::ConstantOp>(loc, storageTensor, attr);
  return ops
      .create<quant::StorageCastOp>(loc, RankedTensorType::get(shape, qtype),
                                    constant.getResult())
      .getResult();
}

SmallVector<int64_t> fold::permuteElements(ArrayRef<int64_t> elements,
                                           ArrayRef<int64_t> shape,
                                           ArrayRef<int64_t> perm) {
  // Result element at multi-index j reads operand index i with
  // i[perm[d]] = j[d]; row-major strides of the operand.
  int64_t rank = perm.size();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  SmallVector<int64_t> result(elements.size());
  SmallVector<int64_t> index(rank, 0);
  for (int64_t &out : result) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += index[d] * strides[perm[d]];
    out = elements[offset];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[perm[d]])
        break;
      index[d] = 0;
    }
  }
  return result;
}

SmallVector<int64_t> fold::getCodes(DenseIntElementsAttr attr, bool isSigned) {
  SmallVector<int64_t> codes;
  codes.reserve(attr.getNumElements());
  for (const APInt &v : attr.getValues<APInt>())
    codes.push_back(isSigned ? v.getSExtValue() : static_cast<int64_t>(v.getZExtValue()));
  return codes;
}
