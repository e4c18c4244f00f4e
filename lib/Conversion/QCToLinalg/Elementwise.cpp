//===- Elementwise.cpp - qc elementwise ops to linalg.generic -------------===//
//
// qc.requantize, qc.add, qc.mul, qc.clamp and the float boundaries
// qc.quantize / qc.dequantize: one linalg.generic each, parallel over every
// dimension, with per-axis parameters read from constant i32 (or float)
// vectors indexed by the quantized dimension.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"
#include "qc/Conversion/Passes.h"
#include "qc/Conversion/QCToLinalg/RequantizeBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;

namespace {

/// The quantized dimension of a per-axis type, if any.
std::optional<unsigned> getAxis(QuantizedType type) {
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(type))
    return perAxis.getQuantizedDimension();
  return std::nullopt;
}

SmallVector<unsigned> allDims(int64_t rank) {
  return llvm::to_vector(llvm::seq<unsigned>(0, rank));
}

SmallVector<utils::IteratorType> allParallel(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// tensor.empty of the (possibly dynamic) shape of `like`.
Value createEmpty(OpBuilder &b, Location loc, Value like, Type elementType) {
  return tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, like),
                                 elementType);
}

/// Per-axis parameters become constant vectors: their dimension must be
/// static; every other dimension may be dynamic.
LogicalResult checkAxisStatic(RankedTensorType type, std::optional<unsigned> axis) {
  return success(!axis || !type.isDynamicDim(*axis));
}

struct RequantizeOpLowering final : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    Location loc = op.getLoc();
    QuantizedType inType = getQuantizedElementType(op.getInput().getType());
    QuantizedType outType = getQuantizedElementType(type);
    // The verifier makes a per-axis operand and result share the axis.
    std::optional<unsigned> axis = getAxis(inType);
    if (!axis)
      axis = getAxis(outType);
    if (failed(checkAxisStatic(type, axis)))
      return rewriter.notifyMatchFailure(op, "the quantized dimension is dynamic");
    int64_t channels = axis ? type.getDimSize(*axis) : 1;
    SmallVector<double> real =
        broadcastTo(getRequantization(op)->reals, channels);
    std::optional<OutputStage> stage =
        OutputStage::get(outType, real, op.getClamp(), op.getProfile());
    if (!stage)
      return rewriter.notifyMatchFailure(
          op, "the requantization multiplier overflows a double");

    int64_t rank = type.getRank();
    unsigned channelDim = axis.value_or(0);
    GenericBuilder generic(rewriter, loc, rank);
    unsigned input = generic.addInput(adaptor.getInput(), allDims(rank));
    ParamRef inZero = generic.addParam(getZeroPoints(inType), channelDim);
    OutputStageParams params = addOutputStage(generic, *stage, channelDim);
    bool isSigned = inType.isSigned();
    Value result = generic.build(
        createEmpty(rewriter, loc, adaptor.getInput(), stage->storageType), allDims(rank),
        allParallel(rank), [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = extendToI32(b, l, args[input], isSigned);
          x = arith::SubIOp::create(b, l, x, getParam(b, l, args, inZero));
          return buildOutputStage(b, l, args, params, x);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Lowers qc.add / qc.mul: both operands widened to i32 with their zero
/// points subtracted, `combine`d, then requantized by `outputReals`.
template <typename OpTy>
LogicalResult lowerBinary(
    OpTy op, Value lhs, Value rhs, ArrayRef<double> outputReals,
    ConversionPatternRewriter &rewriter,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  RankedTensorType type = op.getResult().getType();
  Location loc = op.getLoc();
  QuantizedType aType = getQuantizedElementType(op.getLhs().getType());
  QuantizedType bType = getQuantizedElementType(op.getRhs().getType());
  std::optional<OutputStage> stage =
      OutputStage::get(getQuantizedElementType(type), outputReals,
                       op.getClamp(), op.getProfile());
  if (!stage)
    return rewriter.notifyMatchFailure(
        op, "the requantization multiplier overflows a double");

  int64_t rank = type.getRank();
  bool broadcasts = op.getLhs().getType().getShape() != type.getShape() ||
                    op.getRhs().getType().getShape() != type.getShape();
  if (!type.hasStaticShape() && broadcasts)
    return rewriter.notifyMatchFailure(op, "broadcasting needs static shapes");
  // A size-1 operand dimension of a larger result dimension broadcasts:
  // it is read at index 0.
  auto broadcastMap = [&](RankedTensorType operandType) {
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      exprs.push_back(operandType.getDimSize(d) == 1 && type.getDimSize(d) != 1
                          ? rewriter.getAffineConstantExpr(0)
                          : rewriter.getAffineDimExpr(d));
    return AffineMap::get(rank, 0, exprs, rewriter.getContext());
  };
  GenericBuilder generic(rewriter, loc, rank);
  unsigned lhsArg = generic.addInput(lhs, broadcastMap(op.getLhs().getType()));
  unsigned rhsArg = generic.addInput(rhs, broadcastMap(op.getRhs().getType()));
  OutputStageParams params = addOutputStage(generic, *stage, 0);
  Value init = type.hasStaticShape()
                   ? tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                             stage->storageType)
                         .getResult()
                   : createEmpty(rewriter, loc, lhs, stage->storageType);
  Value result = generic.build(
      init, allDims(rank),
      allParallel(rank), [&](OpBuilder &b, Location l, ValueRange args) {
        auto centered = [&](Value storage, QuantizedType qtype) {
          return arith::SubIOp::create(
              b, l, extendToI32(b, l, storage, qtype.isSigned()),
              createIntConstant(b, l, b.getI32Type(), getZeroPoints(qtype)[0]));
        };
        Value combined = combine(b, l, centered(args[lhsArg], aType),
                                 centered(args[rhsArg], bType));
        return buildOutputStage(b, l, args, params, combined);
      });
  rewriter.replaceOp(op, result);
  return success();
}

struct AddOpLowering final : OpConversionPattern<AddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // {s_a / 2max, s_b / 2max, 2max / (2^L s_out)}, L bits of headroom.
    Requantization requant = *getRequantization(op);
    // Both input multipliers are in (0, 1/2].
    numerics::QuantizedMultiplier ma =
        numerics::quantizeMultiplier(requant.reals[0]);
    numerics::QuantizedMultiplier mb =
        numerics::quantizeMultiplier(requant.reals[1]);
    RequantProfile profile = op.getProfile();
    return lowerBinary(
        op, adaptor.getLhs(), adaptor.getRhs(), {requant.reals[2]}, rewriter,
        [&](OpBuilder &b, Location l, Value a, Value c) -> Value {
          Type i32 = b.getI32Type();
          auto rescale = [&](Value x, numerics::QuantizedMultiplier m) {
            x = arith::ShLIOp::create(
                b, l, x, createIntConstant(b, l, i32, requant.leftShift));
            return buildApplyMultiplier(
                b, l, x, createIntConstant(b, l, i32, m.multiplier),
                createIntConstant(b, l, i32, m.shift), profile);
          };
          return arith::AddIOp::create(b, l, rescale(a, ma), rescale(c, mb));
        });
  }
};

struct MulOpLowering final : OpConversionPattern<MulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return lowerBinary(op, adaptor.getLhs(), adaptor.getRhs(),
                       getRequantization(op)->reals, rewriter,
                       [](OpBuilder &b, Location l, Value a, Value c) -> Value {
                         // The verifier rules out i32 overflow of the product.
                         return arith::MulIOp::create(b, l, a, c);
                       });
  }
};

struct ClampOpLowering final : OpConversionPattern<ClampOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ClampOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    Location loc = op.getLoc();
    QuantizedType qtype = getQuantizedElementType(type);
    IntegerType storage = getStorageType(qtype);
    bool isSigned = qtype.isSigned();
    int64_t low = op.getClamp()[0], high = op.getClamp()[1];
    int64_t rank = type.getRank();
    GenericBuilder generic(rewriter, loc, rank);
    unsigned input = generic.addInput(adaptor.getInput(), allDims(rank));
    // Codes compare directly in the storage type, signed or unsigned.
    Value result = generic.build(
        createEmpty(rewriter, loc, adaptor.getInput(), storage), allDims(rank), allParallel(rank),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value lo = createIntConstant(b, l, storage, low);
          Value hi = createIntConstant(b, l, storage, high);
          if (isSigned)
            return arith::MinSIOp::create(
                b, l, arith::MaxSIOp::create(b, l, args[input], lo), hi);
          return arith::MinUIOp::create(
              b, l, arith::MaxUIOp::create(b, l, args[input], lo), hi);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A float parameter per slice of `axis`: a constant in the body when all
/// entries agree, otherwise a constant tensor operand.
struct FloatParam {
  std::optional<double> splat;
  unsigned argIndex = 0;
};

FloatParam addFloatParam(OpBuilder &b, Location loc, GenericBuilder &generic,
                         ArrayRef<double> values, FloatType type, unsigned dim) {
  if (llvm::all_equal(values))
    return FloatParam{values.front(), 0};
  SmallVector<APFloat> converted;
  for (double v : values) {
    APFloat f(v);
    bool losesInfo = false;
    f.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
    converted.push_back(f);
  }
  auto tensorType = RankedTensorType::get({static_cast<int64_t>(values.size())}, type);
  Value constant = arith::ConstantOp::create(
      b, loc, DenseFPElementsAttr::get(tensorType, converted));
  return FloatParam{std::nullopt, generic.addInput(constant, {dim})};
}

Value getFloatParam(OpBuilder &b, Location loc, ValueRange args, FloatParam param,
                    FloatType type) {
  if (param.splat)
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, *param.splat));
  return args[param.argIndex];
}

NamedAttribute floatBoundary(OpBuilder &b) {
  return b.getNamedAttr(kFloatBoundaryAttrName, b.getUnitAttr());
}

struct QuantizeOpLowering final : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    Location loc = op.getLoc();
    QuantizedType qtype = getQuantizedElementType(type);
    auto floatType = cast<FloatType>(op.getInput().getType().getElementType());
    IntegerType storage = getStorageType(qtype);
    std::optional<unsigned> axis = getAxis(qtype);
    if (failed(checkAxisStatic(type, axis)))
      return rewriter.notifyMatchFailure(op, "the quantized dimension is dynamic");
    unsigned channelDim = axis.value_or(0);
    auto [qmin, qmax] = getStorageRange(qtype);
    SmallVector<int64_t> zeros = getZeroPoints(qtype), lows, highs;
    for (int64_t zp : zeros) {
      lows.push_back(qmin - zp);
      highs.push_back(qmax - zp);
    }
    int64_t rank = type.getRank();
    GenericBuilder generic(rewriter, loc, rank);
    unsigned input = generic.addInput(adaptor.getInput(), allDims(rank));
    FloatParam scale = addFloatParam(rewriter, loc, generic, getScales(qtype),
                                     floatType, channelDim);
    // Clamping the rounded quotient to [qmin - z, qmax - z] before adding z
    // equals clamp(round(x / s) + z, qmin, qmax) and keeps the float values
    // small integers.
    auto toFloat = [&](ArrayRef<int64_t> values) {
      return SmallVector<double>(values.begin(), values.end());
    };
    FloatParam low = addFloatParam(rewriter, loc, generic, toFloat(lows),
                                   floatType, channelDim);
    FloatParam high = addFloatParam(rewriter, loc, generic, toFloat(highs),
                                    floatType, channelDim);
    ParamRef zero = generic.addParam(zeros, channelDim);
    RoundingMode mode = op.getRounding();
    Value result = generic.build(
        createEmpty(rewriter, loc, adaptor.getInput(), storage), allDims(rank), allParallel(rank),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value q = arith::DivFOp::create(b, l, args[input],
                                          getFloatParam(b, l, args, scale, floatType));
          switch (mode) {
          case RoundingMode::HalfEven:
            q = math::RoundEvenOp::create(b, l, q);
            break;
          case RoundingMode::HalfAway:
            q = math::RoundOp::create(b, l, q);
            break;
          case RoundingMode::HalfUp: {
            // floor(q + 0.5) would round 0.49999997 up; compare the fraction.
            Value lower = math::FloorOp::create(b, l, q);
            Value fraction = arith::SubFOp::create(b, l, q, lower);
            Value half = arith::ConstantOp::create(b, l, b.getFloatAttr(floatType, 0.5));
            Value one = arith::ConstantOp::create(b, l, b.getFloatAttr(floatType, 1.0));
            Value up = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, fraction, half);
            q = arith::SelectOp::create(b, l, up, arith::AddFOp::create(b, l, lower, one),
                                        lower);
            break;
          }
          }
          q = arith::MaximumFOp::create(b, l, q, getFloatParam(b, l, args, low, floatType));
          q = arith::MinimumFOp::create(b, l, q, getFloatParam(b, l, args, high, floatType));
          // NaN (kept by maximumf/minimumf) becomes the zero point: fptosi of
          // NaN is poison. +-inf were clamped above.
          Value isNaN = arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, q, q);
          q = arith::SelectOp::create(
              b, l, isNaN, arith::ConstantOp::create(b, l, b.getFloatAttr(floatType, 0.0)), q);
          Value code = arith::AddIOp::create(
              b, l, arith::FPToSIOp::create(b, l, b.getI32Type(), q),
              getParam(b, l, args, zero));
          if (storage.getWidth() == 32)
            return code;
          return arith::TruncIOp::create(b, l, storage, code);
        },
        {floatBoundary(rewriter)});
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DequantizeOpLowering final : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    Location loc = op.getLoc();
    QuantizedType qtype = getQuantizedElementType(op.getInput().getType());
    auto floatType = cast<FloatType>(type.getElementType());
    if (failed(checkAxisStatic(type, getAxis(qtype))))
      return rewriter.notifyMatchFailure(op, "the quantized dimension is dynamic");
    unsigned channelDim = getAxis(qtype).value_or(0);
    int64_t rank = type.getRank();
    GenericBuilder generic(rewriter, loc, rank);
    unsigned input = generic.addInput(adaptor.getInput(), allDims(rank));
    ParamRef zero = generic.addParam(getZeroPoints(qtype), channelDim);
    FloatParam scale = addFloatParam(rewriter, loc, generic, getScales(qtype),
                                     floatType, channelDim);
    bool isSigned = qtype.isSigned();
    Value result = generic.build(
        createEmpty(rewriter, loc, adaptor.getInput(), floatType), allDims(rank), allParallel(rank),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          // (q - z) is exact in i32; one rounding in the float multiply.
          Value centered = arith::SubIOp::create(
              b, l, extendToI32(b, l, args[input], isSigned), getParam(b, l, args, zero));
          Value x = arith::SIToFPOp::create(b, l, floatType, centered);
          return arith::MulFOp::create(b, l, x,
                                       getFloatParam(b, l, args, scale, floatType));
        },
        {floatBoundary(rewriter)});
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateElementwisePatterns(const TypeConverter &typeConverter,
                                           RewritePatternSet &patterns) {
  patterns.add<RequantizeOpLowering, AddOpLowering, MulOpLowering, ClampOpLowering,
               QuantizeOpLowering, DequantizeOpLowering>(typeConverter,
                                                         patterns.getContext());
}
