//===- WidenNarrowIntegers.cpp - i4/i12 storage in whole bytes ------------===//
//
// Integer types whose width is not 1, 8, 16, 32 or 64 (the i4 codes of int4
// weights, 12-bit weights, i2) have no single memory layout in the backends:
// LLVM stores a vector<N x i4> bit-packed but addresses a scalar i4 as one
// byte, and SPIR-V has no such types at all (its "emulation" of narrow
// scalars as i32 does not wrap or sign-extend at N bits). Here every such iN
// becomes the next of i8/i16/i32/i64 (iW) everywhere: tensors hold the sign
// extension of each N-bit value, and the scalar ops on them are rewritten
// to compute in iW what the iN op computes (docs/Numerics.md, "Storage of
// narrow types"). Afterwards no narrow type remains, so the CPU and SPIR-V
// pipelines see byte-sized integers only and agree bit for bit.
//
//===----------------------------------------------------------------------===//
#include "qc/Conversion/WidenNarrowIntegers.h"
#include "qc/Conversion/Passes.h"
#include "qc/Support/ChangeTracking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCWIDENNARROWINTEGERS
#include "qc/Conversion/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

/// The width qc stores an N-bit integer in: N itself for 1, 8, 16, 32, 64
/// (and above 64), else the next of 8, 16, 32, 64.
static unsigned storageWidth(unsigned width) {
  if (width == 1 || width > 64 || (llvm::isPowerOf2_32(width) && width >= 8))
    return width;
  return std::max(8u, unsigned(llvm::PowerOf2Ceil(width)));
}

/// The width of `type` (a scalar integer or a shaped type of them) when it
/// is narrow, else 0.
static unsigned narrowWidth(Type type) {
  auto integer = dyn_cast<IntegerType>(getElementTypeOrSelf(type));
  if (!integer || storageWidth(integer.getWidth()) == integer.getWidth())
    return 0;
  return integer.getWidth();
}

qc::NarrowIntegerTypeConverter::NarrowIntegerTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](IntegerType type) -> Type {
    return IntegerType::get(type.getContext(), storageWidth(type.getWidth()),
                            type.getSignedness());
  });
  addConversion([this](RankedTensorType type) -> Type {
    return type.clone(convertType(type.getElementType()));
  });
}

namespace {
using qc::NarrowIntegerTypeConverter;

Value intConstant(OpBuilder &b, Location loc, Type type, int64_t value) {
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, value));
}

/// `value` (iW) with its low `n` bits sign-extended over the rest: the
/// stored form of an N-bit result.
Value signExtendLow(OpBuilder &b, Location loc, Value value, unsigned n) {
  unsigned width = value.getType().getIntOrFloatBitWidth();
  if (n >= width)
    return value;
  Value shift = intConstant(b, loc, value.getType(), width - n);
  return arith::ShRSIOp::create(
      b, loc, arith::ShLIOp::create(b, loc, value, shift), shift);
}

/// `value` (iW) with all but its low `n` bits cleared: the N-bit value read
/// as unsigned.
Value zeroExtendLow(OpBuilder &b, Location loc, Value value, unsigned n) {
  return arith::AndIOp::create(
      b, loc, value,
      intConstant(b, loc, value.getType(), (int64_t(1) << n) - 1));
}

/// Converts `value` (an integer) to `type` by sign extension or truncation.
Value resizeSigned(OpBuilder &b, Location loc, Value value, Type type) {
  unsigned from = value.getType().getIntOrFloatBitWidth();
  unsigned to = type.getIntOrFloatBitWidth();
  if (from < to)
    return arith::ExtSIOp::create(b, loc, type, value);
  if (from > to)
    return arith::TruncIOp::create(b, loc, type, value);
  return value;
}

/// Base of the scalar patterns: the op's original result type and its
/// widened form.
template <typename Op>
struct NarrowPattern : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  Type converted(Type type) const {
    return this->getTypeConverter()->convertType(type);
  }
};

/// Ops whose result, computed on sign-extended operands in iW, is the sign
/// extension of the N-bit result: and/or/xor, signed max/min, select.
template <typename Op>
struct WidenExact final : NarrowPattern<Op> {
  using NarrowPattern<Op>::NarrowPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<Op>(op, this->converted(op.getType()),
                                    adaptor.getOperands());
    return success();
  }
};

/// add/sub/mul wrap at N bits: compute in iW, sign-extend the low N bits.
template <typename Op>
struct WidenWrapping final : NarrowPattern<Op> {
  using NarrowPattern<Op>::NarrowPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value wide = Op::create(rewriter, op.getLoc(), adaptor.getLhs(),
                            adaptor.getRhs());
    rewriter.replaceOp(op, signExtendLow(rewriter, op.getLoc(), wide,
                                         narrowWidth(op.getType())));
    return success();
  }
};

/// Unsigned max/min compare the N-bit patterns as unsigned numbers.
template <typename Op>
struct WidenUnsignedMinMax final : NarrowPattern<Op> {
  using NarrowPattern<Op>::NarrowPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    unsigned n = narrowWidth(op.getType());
    Value result = Op::create(rewriter, loc,
                              zeroExtendLow(rewriter, loc, adaptor.getLhs(), n),
                              zeroExtendLow(rewriter, loc, adaptor.getRhs(), n));
    rewriter.replaceOp(op, signExtendLow(rewriter, loc, result, n));
    return success();
  }
};

bool isUnsigned(arith::CmpIPredicate predicate) {
  using P = arith::CmpIPredicate;
  return predicate == P::ult || predicate == P::ule || predicate == P::ugt ||
         predicate == P::uge;
}

struct WidenCmpI final : NarrowPattern<arith::CmpIOp> {
  using NarrowPattern::NarrowPattern;
  LogicalResult
  matchAndRewrite(arith::CmpIOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    if (isUnsigned(op.getPredicate())) {
      unsigned n = narrowWidth(op.getLhs().getType());
      lhs = zeroExtendLow(rewriter, op.getLoc(), lhs, n);
      rhs = zeroExtendLow(rewriter, op.getLoc(), rhs, n);
    }
    rewriter.replaceOpWithNewOp<arith::CmpIOp>(op, op.getPredicate(), lhs, rhs);
    return success();
  }
};

/// extsi / extui / trunci between any two widths, one of them narrow.
template <typename Op>
struct WidenCast final : NarrowPattern<Op> {
  using NarrowPattern<Op>::NarrowPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getIn();
    Type resultType = this->converted(op.getType());
    // Read the source's value: its stored form is sign-extended, so only an
    // unsigned read of a narrow source needs the high bits cleared.
    if constexpr (std::is_same_v<Op, arith::ExtUIOp>)
      if (unsigned n = narrowWidth(op.getIn().getType()))
        in = zeroExtendLow(rewriter, loc, in, n);
    if constexpr (std::is_same_v<Op, arith::ExtUIOp>) {
      // (zero-extended from a standard width, or masked above: non-negative)
      Value result = in.getType() == resultType
                         ? in
                         : arith::ExtUIOp::create(rewriter, loc, resultType, in)
                               .getResult();
      rewriter.replaceOp(op, result);
      return success();
    }
    Value result = resizeSigned(rewriter, loc, in, resultType);
    if (unsigned n = narrowWidth(op.getType()))
      result = signExtendLow(rewriter, loc, result, n);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Integer to float: the N-bit value, signed or unsigned.
template <typename Op>
struct WidenToFloat final : NarrowPattern<Op> {
  using NarrowPattern<Op>::NarrowPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value in = adaptor.getIn();
    if constexpr (std::is_same_v<Op, arith::UIToFPOp>)
      in = zeroExtendLow(rewriter, op.getLoc(), in,
                         narrowWidth(op.getIn().getType()));
    rewriter.replaceOpWithNewOp<Op>(op, op.getType(), in);
    return success();
  }
};

/// Float to a narrow integer: out-of-range values are poison either way.
template <typename Op>
struct WidenFromFloat final : NarrowPattern<Op> {
  using NarrowPattern<Op>::NarrowPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value wide = Op::create(rewriter, op.getLoc(), this->converted(op.getType()),
                            adaptor.getIn());
    rewriter.replaceOp(op, signExtendLow(rewriter, op.getLoc(), wide,
                                         narrowWidth(op.getType())));
    return success();
  }
};

/// Scalar and dense constants: each value sign-extended.
struct WidenConstant final : NarrowPattern<arith::ConstantOp> {
  using NarrowPattern::NarrowPattern;
  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = converted(op.getType());
    unsigned width = getElementTypeOrSelf(type).getIntOrFloatBitWidth();
    TypedAttr value;
    if (auto integer = dyn_cast<IntegerAttr>(op.getValue()))
      value = IntegerAttr::get(type, integer.getValue().sext(width));
    else if (auto dense = dyn_cast<DenseIntElementsAttr>(op.getValue()))
      value = dense.mapValues(getElementTypeOrSelf(type),
                              [&](const APInt &v) { return v.sext(width); });
    else
      return rewriter.notifyMatchFailure(
          op, "only integer and dense integer constants are widened");
    auto widened = rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, value);
    // The CPU int8 kernels store a 4-bit weight two codes per byte again.
    if (isa<DenseIntElementsAttr>(value))
      widened->setAttr(qc::kNarrowWidthAttrName,
                       rewriter.getI64IntegerAttr(narrowWidth(op.getType())));
    return success();
  }
};

/// linalg.generic: widened operands and block arguments; the body's ops are
/// rewritten by the scalar patterns.
struct WidenGeneric final : NarrowPattern<linalg::GenericOp> {
  using NarrowPattern::NarrowPattern;
  LogicalResult
  matchAndRewrite(linalg::GenericOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op.getResultTypes(),
                                                resultTypes)))
      return failure();
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), resultTypes, adaptor.getInputs(),
        adaptor.getOutputs(), op.getIndexingMapsArray(),
        op.getIteratorTypesArray());
    generic->setDiscardableAttrs(op->getDiscardableAttrDictionary());
    rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(),
                                generic.getRegion().end());
    if (failed(rewriter.convertRegionTypes(&generic.getRegion(),
                                           *getTypeConverter())))
      return failure();
    rewriter.replaceOp(op, generic->getResults());
    return success();
  }
};

/// Ops that only move values (tensor.*, linalg.yield): the same op on the
/// widened types.
struct WidenMove final : ConversionPattern {
  WidenMove(const TypeConverter &converter, MLIRContext *context)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1,
                          context) {}
  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<tensor::TensorDialect>(op->getDialect()) &&
        !isa<linalg::YieldOp>(op))
      return rewriter.notifyMatchFailure(op, "not a tensor op or yield");
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(),
                                                resultTypes)))
      return failure();
    SmallVector<NamedAttribute> attrs(op->getDiscardableAttrs());
    OperationState state(op->getLoc(), op->getName(), operands, resultTypes,
                         attrs, op->getSuccessors());
    state.propertiesAttr = op->getPropertiesAsAttribute();
    for (unsigned i = 0, e = op->getNumRegions(); i < e; ++i)
      state.addRegion();
    Operation *widened = rewriter.create(state);
    for (auto [from, to] :
         llvm::zip(op->getRegions(), widened->getRegions())) {
      rewriter.inlineRegionBefore(from, to, to.end());
      if (failed(rewriter.convertRegionTypes(&to, *getTypeConverter())))
        return failure();
    }
    rewriter.replaceOp(op, widened->getResults());
    return success();
  }
};

/// True when `op` or a block argument of its regions has a narrow type.
bool hasNarrowTypes(Operation *op) {
  auto narrow = [](Type type) { return narrowWidth(type) != 0; };
  if (llvm::any_of(op->getOperandTypes(), narrow) ||
      llvm::any_of(op->getResultTypes(), narrow))
    return true;
  for (Region &region : op->getRegions())
    for (Block &block : region)
      if (llvm::any_of(block.getArgumentTypes(), narrow))
        return true;
  return false;
}

struct QCWidenNarrowIntegersPass final
    : qc::impl::QCWidenNarrowIntegersBase<QCWidenNarrowIntegersPass> {
  using QCWidenNarrowIntegersBase::QCWidenNarrowIntegersBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // Named linalg ops build their bodies from their element types (a
    // matmul's extsi, a pooling's maxui): as generics they widen like any
    // other body.
    SmallVector<linalg::LinalgOp> named;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::GenericOp>(op.getOperation()) &&
          hasNarrowTypes(op.getOperation()))
        named.push_back(op);
    });
    IRRewriter rewriter(context);
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op))) {
        op->emitOpError("on narrow integers cannot be generalized for "
                        "qc-widen-narrow-integers");
        return signalPassFailure();
      }
    }

    NarrowIntegerTypeConverter converter;
    ConversionTarget target(*context);
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    // Any other op is legal without narrow types; one that keeps them (an
    // op with no widened form, e.g. arith.divsi on i4) is reported.
    target.markUnknownOpDynamicallyLegal(
        [](Operation *op) { return !hasNarrowTypes(op); });
    RewritePatternSet patterns(context);
    qc::populateWidenNarrowIntegersPatterns(converter, patterns);
    scf::populateSCFStructuralTypeConversions(converter, patterns);
    // Most models have no narrow integer: the conversion then changes
    // nothing, which the listener tells.
    qc::ChangeListener listener;
    ConversionConfig config;
    config.listener = &listener;
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns), config)))
      return signalPassFailure();
    if (named.empty() && !listener.changed())
      markAllAnalysesPreserved();
  }
};
} // namespace

void qc::populateWidenNarrowIntegersPatterns(const TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<WidenConstant, WidenGeneric, WidenMove, WidenCmpI,
               WidenExact<arith::AndIOp>, WidenExact<arith::OrIOp>,
               WidenExact<arith::XOrIOp>, WidenExact<arith::MaxSIOp>,
               WidenExact<arith::MinSIOp>, WidenExact<arith::SelectOp>,
               WidenWrapping<arith::AddIOp>, WidenWrapping<arith::SubIOp>,
               WidenWrapping<arith::MulIOp>,
               WidenUnsignedMinMax<arith::MaxUIOp>,
               WidenUnsignedMinMax<arith::MinUIOp>, WidenCast<arith::ExtSIOp>,
               WidenCast<arith::ExtUIOp>, WidenCast<arith::TruncIOp>,
               WidenToFloat<arith::SIToFPOp>, WidenToFloat<arith::UIToFPOp>,
               WidenFromFloat<arith::FPToSIOp>,
               WidenFromFloat<arith::FPToUIOp>>(converter, context);
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 converter);
  populateCallOpTypeConversionPattern(patterns, converter);
  populateReturnOpTypeConversionPattern(patterns, converter);
}
