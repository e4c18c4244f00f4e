//===- Common.cpp - builders shared by the qc to linalg patterns ----------===//
#include "Lowering.h"
#include "qc/Conversion/QCToLinalg/RequantizeBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;
using quant::QuantizedType;

IntegerType lowering::getStorageType(QuantizedType type) {
  return IntegerType::get(type.getContext(), type.getStorageTypeIntegralWidth());
}

Value lowering::extendToI32(OpBuilder &b, Location loc, Value storage,
                            bool isSigned) {
  Type i32 = b.getI32Type();
  if (storage.getType() == i32)
    return storage;
  if (isSigned)
    return arith::ExtSIOp::create(b, loc, i32, storage);
  return arith::ExtUIOp::create(b, loc, i32, storage);
}

Value lowering::createIntConstant(OpBuilder &b, Location loc, Type type,
                                  int64_t value) {
  // Unsigned storage codes above the signed range keep their bit pattern.
  APInt bits(type.getIntOrFloatBitWidth(), static_cast<uint64_t>(value),
             /*isSigned=*/value < 0, /*implicitTrunc=*/true);
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, bits));
}

Value lowering::createI32Vector(OpBuilder &b, Location loc,
                                ArrayRef<int64_t> values) {
  SmallVector<int32_t> narrow(values.begin(), values.end());
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getI32Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseIntElementsAttr::get(type, ArrayRef(narrow)));
}

Value lowering::createFilledTensor(OpBuilder &b, Location loc,
                                   ArrayRef<int64_t> shape, Type elementType,
                                   int64_t value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);
  Value fill = createIntConstant(b, loc, elementType, value);
  return linalg::FillOp::create(b, loc, fill, empty).getResult(0);
}

Value lowering::createFilledTensor(OpBuilder &b, Location loc,
                                   ArrayRef<OpFoldResult> sizes, Type elementType,
                                   int64_t value) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
  Value fill = createIntConstant(b, loc, elementType, value);
  return linalg::FillOp::create(b, loc, fill, empty).getResult(0);
}

Value lowering::padSpatial(OpBuilder &b, Location loc, Value input,
                           ArrayRef<int64_t> padding, Value padValue) {
  if (llvm::all_of(padding, [](int64_t p) { return p == 0; }))
    return input;
  SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(padding[0]),
                                   b.getIndexAttr(padding[2]), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high = {b.getIndexAttr(0), b.getIndexAttr(padding[1]),
                                    b.getIndexAttr(padding[3]), b.getIndexAttr(0)};
  return tensor::PadOp::create(b, loc, /*resultType=*/Type(), input, low, high,
                               padValue);
}

int64_t lowering::wrapToI32(int64_t value) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(value)));
}

SmallVector<int64_t> lowering::broadcastTo(ArrayRef<int64_t> values,
                                           int64_t count) {
  if (static_cast<int64_t>(values.size()) == count)
    return SmallVector<int64_t>(values);
  return SmallVector<int64_t>(count, values.front());
}

SmallVector<double> lowering::broadcastTo(ArrayRef<double> values, int64_t count) {
  if (static_cast<int64_t>(values.size()) == count)
    return SmallVector<double>(values);
  return SmallVector<double>(count, values.front());
}

/// Row-major codes of `v` if it folds to a constant through quant.scast,
/// qc.reshape and qc.transpose, extended by `isSigned`.
static std::optional<SmallVector<int64_t>> foldCodes(Value v, bool isSigned) {
  DenseIntElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr))) {
    SmallVector<int64_t> codes;
    int64_t count = attr.getNumElements();
    auto extend = [&](const APInt &value) {
      return isSigned ? value.getSExtValue()
                      : static_cast<int64_t>(value.getZExtValue());
    };
    if (attr.isSplat()) {
      codes.assign(count, extend(attr.getSplatValue<APInt>()));
      return codes;
    }
    codes.reserve(count);
    // 8-bit codes (every weight of an int8 model) straight from the
    // attribute's bytes: an APInt per value was most of this lowering's
    // time (resnet18's 11M weights).
    if (attr.getElementType().isInteger(8)) {
      for (char byte : attr.getRawData())
        codes.push_back(isSigned ? static_cast<int64_t>(static_cast<int8_t>(byte))
                                 : static_cast<int64_t>(static_cast<uint8_t>(byte)));
      return codes;
    }
    for (const APInt &value : attr.getValues<APInt>())
      codes.push_back(isSigned ? value.getSExtValue()
                               : static_cast<int64_t>(value.getZExtValue()));
    return codes;
  }
  if (auto cast = v.getDefiningOp<quant::StorageCastOp>())
    return foldCodes(cast.getInput(), isSigned);
  // A row-major reshape keeps the order of the values.
  if (auto reshape = v.getDefiningOp<ReshapeOp>())
    return foldCodes(reshape.getInput(), isSigned);
  auto transpose = v.getDefiningOp<TransposeOp>();
  if (!transpose || !transpose.getType().hasStaticShape())
    return std::nullopt;
  std::optional<SmallVector<int64_t>> input = foldCodes(transpose.getInput(), isSigned);
  if (!input)
    return std::nullopt;
  // Result index j reads input index i with i[perm[d]] = j[d].
  ArrayRef<int64_t> inShape = transpose.getInput().getType().getShape();
  ArrayRef<int64_t> perm = transpose.getPermutation();
  int64_t rank = inShape.size();
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inShape[d + 1];
  ArrayRef<int64_t> outShape = transpose.getType().getShape();
  // The input offset follows the result index: one step of result
  // dimension d moves it by step[d].
  SmallVector<int64_t> codes, index(rank, 0), step(rank);
  for (int64_t d = 0; d < rank; ++d)
    step[d] = inStrides[perm[d]];
  codes.reserve(input->size());
  int64_t offset = 0;
  for (size_t n = 0; n < input->size(); ++n) {
    codes.push_back((*input)[offset]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < outShape[d]) {
        offset += step[d];
        break;
      }
      index[d] = 0;
      offset -= (outShape[d] - 1) * step[d];
    }
  }
  return codes;
}

std::optional<SmallVector<int64_t>> lowering::getConstantCodes(Value original,
                                                               Value converted) {
  QuantizedType qtype = getQuantizedElementType(original.getType());
  if (!qtype)
    return std::nullopt;
  // The converted value is the storage constant once quant.scast has been
  // lowered; the original chain covers producers not converted yet or
  // already rewritten into linalg.
  if (std::optional<SmallVector<int64_t>> codes = foldCodes(converted, qtype.isSigned()))
    return codes;
  return foldCodes(original, qtype.isSigned());
}

//===----------------------------------------------------------------------===//
// GenericBuilder
//===----------------------------------------------------------------------===//

AffineMap GenericBuilder::dimsMap(ArrayRef<unsigned> dims) const {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(numLoops, 0, exprs, b.getContext());
}

unsigned GenericBuilder::addInput(Value tensor, AffineMap map) {
  inputs.push_back(tensor);
  maps.push_back(map);
  return inputs.size() - 1;
}

unsigned GenericBuilder::addInput(Value tensor, ArrayRef<unsigned> dims) {
  return addInput(tensor, dimsMap(dims));
}

ParamRef GenericBuilder::addParam(ArrayRef<int64_t> values, unsigned dim) {
  if (llvm::all_equal(values))
    return ParamRef{values.front(), 0};
  return ParamRef{std::nullopt, addInput(createI32Vector(b, loc, values), {dim})};
}

Value GenericBuilder::build(
    Value init, ArrayRef<unsigned> outDims, ArrayRef<utils::IteratorType> iterators,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body,
    ArrayRef<NamedAttribute> attrs) {
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(dimsMap(outDims));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, allMaps,
      iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc, body(nested, nestedLoc, args));
      },
      attrs);
  return generic.getResult(0);
}

Value lowering::getParam(OpBuilder &b, Location loc, ValueRange args,
                         ParamRef param) {
  if (param.splat)
    return createIntConstant(b, loc, b.getI32Type(), *param.splat);
  return args[param.argIndex];
}

//===----------------------------------------------------------------------===//
// Output stage
//===----------------------------------------------------------------------===//

std::optional<OutputStage> OutputStage::get(QuantizedType resultType,
                                            ArrayRef<double> realMultipliers,
                                            std::optional<ArrayRef<int64_t>> clamp,
                                            RequantProfile profile) {
  if (!llvm::all_of(realMultipliers, [](double m) { return std::isfinite(m); }))
    return std::nullopt;
  OutputStage stage;
  stage.profile = profile;
  stage.storageType = getStorageType(resultType);
  for (double real : realMultipliers) {
    numerics::QuantizedMultiplier m = numerics::quantizeMultiplier(real);
    stage.multipliers.push_back(m.multiplier);
    stage.shifts.push_back(m.shift);
  }
  auto [low, high] = getStorageRange(resultType);
  if (clamp) {
    low = std::max(low, (*clamp)[0]);
    high = std::min(high, (*clamp)[1]);
  }
  // Clamping before adding the zero point keeps the sum inside i32.
  for (int64_t zp : getZeroPoints(resultType)) {
    stage.zeroPoints.push_back(zp);
    stage.lowMinusZero.push_back(low - zp);
    stage.highMinusZero.push_back(high - zp);
  }
  return stage;
}

OutputStageParams lowering::addOutputStage(GenericBuilder &generic,
                                           const OutputStage &stage,
                                           unsigned channelDim) {
  OutputStageParams params;
  params.multiplier = generic.addParam(stage.multipliers, channelDim);
  params.shift = generic.addParam(stage.shifts, channelDim);
  params.zeroPoint = generic.addParam(stage.zeroPoints, channelDim);
  params.low = generic.addParam(stage.lowMinusZero, channelDim);
  params.high = generic.addParam(stage.highMinusZero, channelDim);
  params.profile = stage.profile;
  params.storageType = stage.storageType;
  return params;
}

Value lowering::buildOutputStage(OpBuilder &b, Location loc, ValueRange args,
                                 const OutputStageParams &params, Value acc) {
  Value scaled = buildApplyMultiplier(b, loc, acc,
                                      getParam(b, loc, args, params.multiplier),
                                      getParam(b, loc, args, params.shift),
                                      params.profile);
  Value clamped = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, scaled, getParam(b, loc, args, params.low)),
      getParam(b, loc, args, params.high));
  Value shifted =
      arith::AddIOp::create(b, loc, clamped, getParam(b, loc, args, params.zeroPoint));
  if (params.storageType.getWidth() == 32)
    return shifted;
  return arith::TruncIOp::create(b, loc, params.storageType, shifted);
}
