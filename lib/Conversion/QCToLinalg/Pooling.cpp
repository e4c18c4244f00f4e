//===- Pooling.cpp - qc max/avg pooling to linalg -------------------------===//
#include "Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;
using quant::QuantizedType;

namespace {

DenseIntElementsAttr i64Pair(OpBuilder &b, ArrayRef<int64_t> values) {
  return DenseIntElementsAttr::get(RankedTensorType::get({2}, b.getI64Type()), values);
}

/// The batch may be dynamic; the window arithmetic needs the rest static.
bool isStaticBeyondBatch(RankedTensorType type) {
  return llvm::all_of(type.getShape().drop_front(),
                      [](int64_t d) { return !ShapedType::isDynamic(d); });
}

/// `type`'s sizes with the batch size of `input`.
SmallVector<OpFoldResult> sizesWithBatchOf(OpBuilder &b, Location loc, Value input,
                                           RankedTensorType type) {
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, input, 0)};
  for (int64_t size : type.getShape().drop_front())
    sizes.push_back(b.getIndexAttr(size));
  return sizes;
}

struct MaxPool2DOpLowering final : OpConversionPattern<MaxPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getResult().getType();
    if (!isStaticBeyondBatch(op.getInput().getType()) || !isStaticBeyondBatch(resultType))
      return rewriter.notifyMatchFailure(op, "only the batch size may be dynamic");
    Location loc = op.getLoc();
    QuantizedType qtype = getQuantizedElementType(resultType);
    IntegerType storage = getStorageType(qtype);
    // The smallest code of the storage type (not only of the quantized
    // range) never wins against a real element; every window holds one
    // because padding is smaller than the kernel.
    int64_t lowest =
        qtype.isSigned() ? -(int64_t{1} << (storage.getWidth() - 1)) : 0;
    Value padValue = createIntConstant(rewriter, loc, storage, lowest);
    Value input = padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(), padValue);
    Value init = createFilledTensor(
        rewriter, loc, sizesWithBatchOf(rewriter, loc, adaptor.getInput(), resultType),
        storage, lowest);
    ArrayRef<int64_t> kernel = op.getKernel();
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, storage);
    Attribute strides = i64Pair(rewriter, op.getStrides());
    Attribute dilations = i64Pair(rewriter, {1, 1});
    Value result;
    if (qtype.isSigned())
      result = linalg::PoolingNhwcMaxOp::create(rewriter, loc, TypeRange{init.getType()},
                                                ValueRange{input, window},
                                                ValueRange{init}, strides, dilations)
                   .getResult(0);
    else
      result = linalg::PoolingNhwcMaxUnsignedOp::create(
                   rewriter, loc, TypeRange{init.getType()}, ValueRange{input, window},
                   ValueRange{init}, strides, dilations)
                   .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Number of input positions of [0, size) in the window starting at
/// `start` (possibly negative) of `kernel` elements.
int64_t validCount(int64_t start, int64_t kernel, int64_t size) {
  return std::max<int64_t>(0, std::min(start + kernel, size) - std::max<int64_t>(start, 0));
}

/// qc.avg_pool2d's rounded mean `total / count` (count > 0): floor quotient
/// `q` and remainder `0 <= r < count` from the truncating division, then one
/// step up when `2r > count`, or at a tie (`2r == count`) when the sum is
/// >= 0 (half_away, in code space) or when the mean relative to the zero
/// point, `q - zeroPoint`, is odd (half_even). `2r` cannot overflow:
/// `r < count`, a window size.
Value roundedMean(OpBuilder &b, Location l, Value total, Value count, RoundingMode mode,
                  int64_t zeroPoint) {
  Type i32 = total.getType();
  Value zero = createIntConstant(b, l, i32, 0);
  Value one = createIntConstant(b, l, i32, 1);
  Value quotient = arith::DivSIOp::create(b, l, total, count);
  Value remainder = arith::RemSIOp::create(b, l, total, count);
  // Truncation rounds negative quotients up: step back to the floor.
  Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, remainder, zero);
  quotient = arith::SelectOp::create(b, l, negative,
                                     arith::SubIOp::create(b, l, quotient, one), quotient);
  remainder = arith::SelectOp::create(b, l, negative,
                                      arith::AddIOp::create(b, l, remainder, count), remainder);
  Value twice = arith::AddIOp::create(b, l, remainder, remainder);
  Value above = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, twice, count);
  Value tie = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, twice, count);
  Value tieUp;
  if (mode == RoundingMode::HalfEven) {
    // q - z odd: the low bit of q differs from z's.
    tieUp = arith::TruncIOp::create(b, l, b.getI1Type(), quotient);
    if (zeroPoint & 1)
      tieUp = arith::XOrIOp::create(b, l, tieUp, createIntConstant(b, l, b.getI1Type(), 1));
  } else {
    tieUp = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, total, zero);
  }
  Value up = arith::OrIOp::create(b, l, above, arith::AndIOp::create(b, l, tie, tieUp));
  return arith::AddIOp::create(b, l, quotient, arith::ExtUIOp::create(b, l, i32, up));
}

struct AvgPool2DOpLowering final : OpConversionPattern<AvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType = op.getInput().getType();
    RankedTensorType resultType = op.getResult().getType();
    if (!isStaticBeyondBatch(inputType) || !isStaticBeyondBatch(resultType))
      return rewriter.notifyMatchFailure(op, "only the batch size may be dynamic");
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    QuantizedType qtype = getQuantizedElementType(resultType);
    IntegerType storage = getStorageType(qtype);
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      padding = op.getPadding();

    // Sums of codes in i32; padded positions add 0 and are not counted.
    Value input = adaptor.getInput();
    SmallVector<OpFoldResult> resultSizes =
        sizesWithBatchOf(rewriter, loc, input, resultType);
    if (!qtype.isSigned()) {
      // linalg.pooling_nhwc_sum sign-extends: widen unsigned codes first.
      GenericBuilder widen(rewriter, loc, 4);
      unsigned arg = widen.addInput(input, {0, 1, 2, 3});
      input = widen.build(
          tensor::EmptyOp::create(rewriter, loc, tensor::getMixedSizes(rewriter, loc, input), i32),
          {0, 1, 2, 3},
          SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            return extendToI32(b, l, args[arg], /*isSigned=*/false);
          });
    }
    Type inputElement = cast<RankedTensorType>(input.getType()).getElementType();
    // With count_include_pad a padded position is the real value 0: the
    // zero point's code, counted in every window.
    bool includePad = op.getCountIncludePad();
    int64_t padCode = includePad ? getZeroPoints(qtype)[0] : 0;
    input = padSpatial(rewriter, loc, input, padding,
                       createIntConstant(rewriter, loc, inputElement, padCode));
    Value init = createFilledTensor(rewriter, loc, resultSizes, i32, 0);
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, inputElement);
    Value sums = linalg::PoolingNhwcSumOp::create(
                     rewriter, loc, TypeRange{init.getType()}, ValueRange{input, window},
                     ValueRange{init}, i64Pair(rewriter, strides),
                     i64Pair(rewriter, {1, 1}))
                     .getResult(0);

    // The count of valid elements per output position, known at compile time.
    int64_t oh = resultType.getDimSize(1), ow = resultType.getDimSize(2);
    SmallVector<int32_t> counts;
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x)
        counts.push_back(static_cast<int32_t>(
            includePad
                ? kernel[0] * kernel[1]
                : validCount(y * strides[0] - padding[0], kernel[0], inputType.getDimSize(1)) *
                      validCount(x * strides[1] - padding[2], kernel[1],
                                 inputType.getDimSize(2))));

    GenericBuilder generic(rewriter, loc, 4);
    unsigned sumArg = generic.addInput(sums, {0, 1, 2, 3});
    std::optional<unsigned> countArg;
    if (!llvm::all_equal(counts)) {
      auto countType = RankedTensorType::get({oh, ow}, i32);
      Value countTensor = arith::ConstantOp::create(
          rewriter, loc, DenseIntElementsAttr::get(countType, ArrayRef(counts)));
      countArg = generic.addInput(countTensor, {1, 2});
    }
    int32_t splatCount = counts.front();
    RoundingMode rounding = op.getRounding();
    int64_t zeroPoint = getZeroPoints(qtype)[0];
    Value result = generic.build(
        tensor::EmptyOp::create(rewriter, loc, resultSizes, storage),
        {0, 1, 2, 3}, SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value total = args[sumArg];
          Value count = countArg ? args[*countArg] : createIntConstant(b, l, i32, splatCount);
          Value average = roundedMean(b, l, total, count, rounding, zeroPoint);
          if (storage.getWidth() == 32)
            return average;
          return arith::TruncIOp::create(b, l, storage, average);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populatePoolingPatterns(const TypeConverter &typeConverter,
                                       RewritePatternSet &patterns) {
  patterns.add<MaxPool2DOpLowering, AvgPool2DOpLowering>(typeConverter,
                                                         patterns.getContext());
}
