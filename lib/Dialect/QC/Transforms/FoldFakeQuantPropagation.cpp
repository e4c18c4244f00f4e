//===- FoldFakeQuantPropagation.cpp - dequantize below shape ops ------------===//
//
// qc.dequantize moves below the float ops that keep quantization parameters
// (reshape, transpose, concat, max-pool), which become their qc forms, and
// below a zero tensor.pad (the pad of the codes with the zero point).
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

namespace {

//===----------------------------------------------------------------------===//
// Propagation: dequantize moves below the ops that keep the parameters
//===----------------------------------------------------------------------===//

/// Replaces `floatOp` by dequantize(created) after verifying `created`.
static LogicalResult sinkDequantize(PatternRewriter &rewriter, DetachedOps &ops,
                                    Operation *created, Operation *floatOp,
                                    const FoldContext &ctx) {
  std::string reason;
  if (failed(ops.verify(reason))) {
    ctx.noteFloat(floatOp, reason);
    return rewriter.notifyMatchFailure(floatOp, reason);
  }
  ops.commit(rewriter);
  rewriter.replaceOpWithNewOp<DequantizeOp>(floatOp, floatOp->getResult(0).getType(),
                                            created->getResult(0));
  return success();
}

/// collapse_shape / expand_shape / reshape of a dequantized tensor.
template <typename ReshapeLikeOp>
struct SinkDequantizeThroughReshape final : OpRewritePattern<ReshapeLikeOp> {
  SinkDequantizeThroughReshape(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern<ReshapeLikeOp>(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(ReshapeLikeOp op,
                                PatternRewriter &rewriter) const override {
    Value source = getDequantizedSource(op->getOperand(0));
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    // tensor.reshape and tosa.reshape may produce unranked tensors.
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked result");
    auto qtype = getQuantizedElementType(source.getType());
    DetachedOps ops(op->getContext());
    auto reshape = ops.create<ReshapeOp>(op->getLoc(), resultType.clone(qtype), source);
    return sinkDequantize(rewriter, ops, reshape, op, ctx);
  }
  FoldContext ctx;
};

/// linalg.transpose / tosa.transpose of a dequantized tensor.
template <typename TransposeLikeOp>
struct SinkDequantizeThroughTranspose final : OpRewritePattern<TransposeLikeOp> {
  SinkDequantizeThroughTranspose(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern<TransposeLikeOp>(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(TransposeLikeOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not on tensors");
    Value source = getDequantizedSource(op->getOperand(0));
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    SmallVector<int64_t> perm;
    if constexpr (std::is_same_v<TransposeLikeOp, tosa::TransposeOp>)
      llvm::append_range(perm, op.getPerms());
    else
      llvm::append_range(perm, op.getPermutation());
    if (!isa<RankedTensorType>(op->getResult(0).getType()))
      return rewriter.notifyMatchFailure(op, "unranked result");
    DetachedOps ops(op->getContext());
    auto transpose = ops.create<TransposeOp>(op->getLoc(), source,
                                             DenseI64ArrayAttr::get(op->getContext(), perm));
    return sinkDequantize(rewriter, ops, transpose, op, ctx);
  }
  FoldContext ctx;
};

/// tosa.max_pool2d pads with -inf, so padding never wins the max.
struct SinkDequantizeThroughTosaMaxPool final : OpRewritePattern<tosa::MaxPool2dOp> {
  SinkDequantizeThroughTosaMaxPool(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(tosa::MaxPool2dOp op,
                                PatternRewriter &rewriter) const override {
    Value source = getDequantizedSource(op.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    if (!isQCPoolWindow(source.getType(), op.getKernel(), op.getStride(), op.getPad())) {
      ctx.noteFloat(op, "window that qc.max_pool2d does not accept (padding as "
                        "large as the kernel or a window outside the input)");
      return rewriter.notifyMatchFailure(op, "window qc.max_pool2d rejects");
    }
    DetachedOps ops(getContext());
    auto pool = ops.create<MaxPool2DOp>(
        op.getLoc(), source,
        rewriter.getDenseI64ArrayAttr(op.getKernel()),
        rewriter.getDenseI64ArrayAttr(op.getStride()),
        rewriter.getDenseI64ArrayAttr(op.getPad()));
    return sinkDequantize(rewriter, ops, pool, op, ctx);
  }
  FoldContext ctx;
};

template <typename ConcatLikeOp>
struct SinkDequantizeThroughConcat final : OpRewritePattern<ConcatLikeOp> {
  SinkDequantizeThroughConcat(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern<ConcatLikeOp>(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(ConcatLikeOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> inputs, sources;
    int64_t axis = 0;
    if (!matchConcat(op, inputs, axis))
      return rewriter.notifyMatchFailure(op, "unranked result");
    for (Value input : inputs) {
      Value source = getDequantizedSource(input);
      if (!source)
        return rewriter.notifyMatchFailure(op, "an operand is not dequantized");
      if (!sources.empty() && getQuantizedElementType(source.getType()) !=
                                  getQuantizedElementType(sources[0].getType())) {
        ctx.noteFloat(op, "operands have different quantization parameters and "
                          "no single quantize follows to requantize them to");
        return rewriter.notifyMatchFailure(
            op, "operands disagree on their parameters (a following quantize "
                "requantizes them)");
      }
      sources.push_back(source);
    }
    DetachedOps ops(op->getContext());
    auto concat =
        ops.create<ConcatOp>(op.getLoc(), sources, rewriter.getI64IntegerAttr(axis));
    return sinkDequantize(rewriter, ops, concat, op, ctx);
  }
  FoldContext ctx;
};

/// Max pooling commutes with the monotone dequantization; padding and init
/// values at or below the smallest representable value never win.
template <typename PoolOp>
struct SinkDequantizeThroughMaxPool final : OpRewritePattern<PoolOp> {
  /// NCHW pooling (torch-mlir's default) runs as NHWC between transposes.
  static constexpr bool kNCHW = std::is_same_v<PoolOp, linalg::PoolingNchwMaxOp>;

  SinkDequantizeThroughMaxPool(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern<PoolOp>(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not on tensors");
    Value input = op.getInputs()[0];
    SmallVector<int64_t> padding = {0, 0, 0, 0};
    double padValue = -kInf;
    if (auto pad = input.template getDefiningOp<tensor::PadOp>()) {
      std::optional<SmallVector<int64_t>> p = getSpatialPadding(pad, padValue, kNCHW);
      if (!p)
        return rewriter.notifyMatchFailure(op, "input pad is not a constant H/W pad");
      padding = *p;
      input = pad.getSource();
    }
    Value source = getDequantizedSource(input);
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    QuantizedType qtype = getQuantizedElementType(source.getType());
    if (isa<UniformQuantizedPerAxisType>(qtype))
      return rewriter.notifyMatchFailure(op, "per-axis input");
    double lowest = (getStorageRange(qtype).first - getZeroPoints(qtype)[0]) *
                    getScales(qtype)[0];
    auto fill = op.getOutputs()[0].template getDefiningOp<linalg::FillOp>();
    std::optional<double> initValue =
        fill ? getScalarFloatConstant(fill.getInputs()[0]) : std::nullopt;
    if (!initValue || *initValue > lowest || padValue > lowest) {
      ctx.noteFloat(op, "the init or padding value is above the smallest "
                        "representable value and could win the max");
      return rewriter.notifyMatchFailure(op, "init/pad value may win the max");
    }
    if (llvm::any_of(readInts(op.getDilations()), [](int64_t d) { return d != 1; })) {
      ctx.noteFloat(op, "qc.max_pool2d has no dilation");
      return rewriter.notifyMatchFailure(op, "dilated pooling");
    }
    auto window = cast<RankedTensorType>(op.getInputs()[1].getType());
    if (window.getRank() != 2 || !window.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "window shape is not static 2-D");
    DetachedOps ops(op->getContext());
    Location loc = op.getLoc();
    if (kNCHW)
      source = buildTranspose(ops, loc, source, {0, 2, 3, 1});
    SmallVector<int64_t> strides = readInts(op.getStrides());
    if (!isQCPoolWindow(source.getType(), window.getShape(), strides, padding)) {
      ctx.noteFloat(op, "window that qc.max_pool2d does not accept (padding as "
                        "large as the kernel or a window outside the input)");
      return rewriter.notifyMatchFailure(op, "window qc.max_pool2d rejects");
    }
    Operation *created = ops.create<MaxPool2DOp>(
        loc, source, rewriter.getDenseI64ArrayAttr(window.getShape()),
        rewriter.getDenseI64ArrayAttr(strides), rewriter.getDenseI64ArrayAttr(padding));
    if (kNCHW)
      created = buildTranspose(ops, loc, created->getResult(0), {0, 3, 1, 2}).getDefiningOp();
    return sinkDequantize(rewriter, ops, created, op, ctx);
  }
  FoldContext ctx;
};


/// tensor.pad with +0.0 of a per-tensor dequantized tensor. The zero point
/// code dequantizes to exactly (z - z) * s = +0.0 for every scale s and zero
/// point z, so pad(dequantize(q), 0.0) == dequantize(pad(q, z)) element for
/// element: the integer pad fills the storage codes with z (a tensor.pad of
/// the codes between quant.scast casts, which the lowering erases; the form
/// of a zero-padded rotated input, docs/Hadamard.md). Another padding value
/// (or -0.0) has no exact code in general and stays float, as do per-axis
/// inputs (one pad value for all channels). A pad read by a convolution or
/// pooling is left to the patterns that fold it into the op's own padding.
struct SinkDequantizeThroughZeroPad final : OpRewritePattern<tensor::PadOp> {
  SinkDequantizeThroughZeroPad(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    Value source = getDequantizedSource(pad.getSource());
    if (!source)
      return rewriter.notifyMatchFailure(pad, "operand is not dequantized");
    if (llvm::any_of(pad->getUsers(), [](Operation *user) {
          return isa<linalg::ConvolutionOpInterface>(user);
        }))
      return rewriter.notifyMatchFailure(
          pad, "a convolution or pooling reads the pad (its own padding)");
    Value padValue = pad.getConstantPaddingValue();
    std::optional<double> value =
        padValue ? getScalarFloatConstant(padValue) : std::nullopt;
    if (!value) {
      ctx.noteFloat(pad, "the padding value is not a constant");
      return rewriter.notifyMatchFailure(pad, "non-constant padding value");
    }
    if (*value != 0.0 || std::signbit(*value)) {
      std::string reason;
      llvm::raw_string_ostream os(reason);
      os << "padding value " << llvm::format("%g", *value)
         << " is not +0.0 (only the zero point code pads exactly)";
      ctx.noteFloat(pad, reason);
      return rewriter.notifyMatchFailure(pad, reason);
    }
    auto qtype = dyn_cast<UniformQuantizedType>(getQuantizedElementType(source.getType()));
    if (!qtype) {
      ctx.noteFloat(pad, "per-axis parameters have no single zero point to pad with");
      return rewriter.notifyMatchFailure(pad, "per-axis input");
    }
    auto storage = cast<IntegerType>(qtype.getStorageType());
    auto sourceType = cast<RankedTensorType>(source.getType());
    RankedTensorType resultType = pad.getResultType();
    // Built in place, not as DetachedOps: the pad's region yields the zero
    // point defined outside it, which a detached op cannot verify
    // (dominance); by construction the casts and the pad are valid.
    Location loc = pad.getLoc();
    auto codes = quant::StorageCastOp::create(rewriter, loc, sourceType.clone(storage), source);
    auto zeroPoint = arith::ConstantOp::create(
        rewriter, loc,
        IntegerAttr::get(storage, APInt(storage.getWidth(),
                                        static_cast<uint64_t>(qtype.getZeroPoint()),
                                        qtype.isSigned(), /*implicitTrunc=*/true)));
    auto padded = tensor::PadOp::create(rewriter, loc, resultType.clone(storage),
                                        codes.getResult(), pad.getMixedLowPad(),
                                        pad.getMixedHighPad(), zeroPoint.getResult(),
                                        pad.getNofold());
    auto quantized = quant::StorageCastOp::create(rewriter, loc, resultType.clone(qtype),
                                                  padded.getResult());
    rewriter.replaceOpWithNewOp<DequantizeOp>(pad, resultType, quantized.getResult());
    return success();
  }
  FoldContext ctx;
};

} // namespace

void fold::populatePropagationPatterns(RewritePatternSet &patterns,
                                       const FoldContext &ctx) {
  MLIRContext *context = patterns.getContext();
  patterns.add<SinkDequantizeThroughReshape<tensor::CollapseShapeOp>,
               SinkDequantizeThroughReshape<tensor::ExpandShapeOp>,
               SinkDequantizeThroughReshape<tensor::ReshapeOp>,
               SinkDequantizeThroughReshape<tosa::ReshapeOp>,
               SinkDequantizeThroughTranspose<linalg::TransposeOp>,
               SinkDequantizeThroughTranspose<tosa::TransposeOp>,
               SinkDequantizeThroughConcat<tensor::ConcatOp>,
               SinkDequantizeThroughConcat<tosa::ConcatOp>,
               SinkDequantizeThroughMaxPool<linalg::PoolingNhwcMaxOp>,
               SinkDequantizeThroughMaxPool<linalg::PoolingNchwMaxOp>,
               SinkDequantizeThroughTosaMaxPool, SinkDequantizeThroughZeroPad>(context, ctx);
}
