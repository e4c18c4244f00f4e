//===- FoldFakeQuantCompute.cpp - elementwise, clamp, pool, concat ----------===//
//
// quantize(float op(dequantize ...)) to qc.clamp / qc.add / qc.mul /
// qc.avg_pool2d / qc.concat (+ qc.requantize) for the linalg, arith and tosa
// spellings.
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

namespace {

//===----------------------------------------------------------------------===//
// quantize(clamp(dequantize(q))): qc.clamp or qc.requantize with clamp
//===----------------------------------------------------------------------===//

struct ClampOfDequantize final : OpRewritePattern<QuantizeOp> {
  ClampOfDequantize(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    ClampRange range;
    bool peeled;
    Value chain = peelClamps(op.getInput(), range, peeled);
    Value source = getDequantizedSource(chain);
    if (!peeled || !source)
      return rewriter.notifyMatchFailure(op, "not quantize(clamp(dequantize))");
    QuantizedType resultType = getQuantizedElementType(op.getType());
    auto codes = getClampCodes(range, resultType, op.getRounding());
    Operation *clampOp = op.getInput().getDefiningOp();
    if (!codes) {
      ctx.noteFloat(clampOp, "a clamp on a per-axis quantized result has no "
                             "single integer range");
      return rewriter.notifyMatchFailure(op, "per-axis clamp");
    }
    DetachedOps ops(getContext());
    Operation *created;
    if (source.getType() == op.getType())
      created = ops.create<ClampOp>(clampOp->getLoc(), source,
                                    rewriter.getI64IntegerAttr(codes->first),
                                    rewriter.getI64IntegerAttr(codes->second));
    else
      created = createRequantize(ops, clampOp->getLoc(), op.getType(), source, ctx,
          getClampAttr(getContext(), *codes, resultType));
    return commitOrExplain(rewriter, ops, created, op, clampOp, ctx);
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(clamp?(add|mul(dequantize(a), dequantize(b)))): qc.add / qc.mul
//===----------------------------------------------------------------------===//

struct ElementwiseBinaryToQC final : OpRewritePattern<QuantizeOp> {
  ElementwiseBinaryToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    ClampRange range;
    bool peeled;
    Value chain = peelClamps(op.getInput(), range, peeled);
    Operation *def = chain.getDefiningOp();
    if (!def)
      return rewriter.notifyMatchFailure(op, "no producer");
    if (!chain.hasOneUse()) {
      // Folding would compute the op twice: in integers for this quantize and
      // in float for its other users.
      if (matchBinary(def, BinaryKind::Add) || matchBinary(def, BinaryKind::Mul))
        ctx.noteFloat(def, "its result is also used in float");
      return rewriter.notifyMatchFailure(op, "producer has other users");
    }
    for (BinaryKind kind : {BinaryKind::Add, BinaryKind::Mul}) {
      std::optional<BinaryMatch> m = matchBinary(def, kind);
      if (!m)
        continue;
      Value a = getDequantizedSource(m->lhs), b = getDequantizedSource(m->rhs);
      if (!a || !b || !m->lhsMap.isIdentity() || !m->rhsMap.isIdentity())
        return rewriter.notifyMatchFailure(
            op, "operands are not both dequantized tensors of the result shape");
      QuantizedType resultType = getQuantizedElementType(op.getType());
      DenseI64ArrayAttr clamp;
      if (peeled) {
        auto codes = getClampCodes(range, resultType, op.getRounding());
        if (!codes) {
          ctx.noteFloat(def, "a clamp on a per-axis quantized result has no single "
                             "integer range");
          return rewriter.notifyMatchFailure(op, "per-axis clamp");
        }
        clamp = getClampAttr(getContext(), *codes, resultType);
      }
      DetachedOps ops(getContext());
      auto profile = RequantProfileAttr::get(getContext(), ctx.profile);
      Operation *created =
          kind == BinaryKind::Add
              ? ops.create<AddOp>(def->getLoc(), op.getType(), a, b, profile, clamp)
                    .getOperation()
              : ops.create<MulOp>(def->getLoc(), op.getType(), a, b, profile, clamp)
                    .getOperation();
      return commitOrExplain(rewriter, ops, created, op, def, ctx);
    }
    return rewriter.notifyMatchFailure(op, "producer is not an elementwise add/mul");
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(sum-pool(dequantize(q)) / (KH * KW)): qc.avg_pool2d
//===----------------------------------------------------------------------===//

/// A multiplication by a constant, as a division `x / c` (factor 1 / c) or a
/// product `x * c`, on whole tensors or in an elementwise linalg.generic.
/// Returns the scaled input.
static Value matchScaleByConstant(Operation *op, double &factor) {
  if (!op || op->getNumResults() != 1)
    return nullptr;
  auto fromPair = [&](Operation *scalar, Value input) -> Value {
    if (isa<arith::DivFOp>(scalar)) {
      std::optional<double> c = getScalarFloatConstant(scalar->getOperand(1));
      if (!c || scalar->getOperand(0) != input || *c == 0.0)
        return nullptr;
      factor = 1.0 / *c;
      return input;
    }
    if (isa<arith::MulFOp>(scalar)) {
      Value a = scalar->getOperand(0), b = scalar->getOperand(1);
      std::optional<double> c = getScalarFloatConstant(b == input ? a : b);
      if (!c || (a != input && b != input))
        return nullptr;
      factor = *c;
      return input;
    }
    return nullptr;
  };
  if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        !isAllParallel(generic) ||
        !llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      return nullptr;
    Block *body = generic.getBody();
    Operation *scalar =
        cast<linalg::YieldOp>(body->getTerminator()).getOperand(0).getDefiningOp();
    if (!scalar || scalar->getBlock() != body ||
        !fromPair(scalar, body->getArgument(0)))
      return nullptr;
    return generic.getDpsInputOperand(0)->get();
  }
  if (isa<arith::DivFOp, arith::MulFOp>(op) &&
      isa<RankedTensorType>(op->getResult(0).getType())) {
    Value a = op->getOperand(0);
    Value input = getScalarFloatConstant(a) ? op->getOperand(1) : a;
    return fromPair(op, input);
  }
  return nullptr;
}

/// torch-mlir's avg_pool2d without padding: a sum pool divided by the window
/// size. Becomes qc.avg_pool2d (TFLite's rounded integer average) with the
/// input's parameters, then a requantize if the output's differ.
struct AvgPoolToQC final : OpRewritePattern<QuantizeOp> {
  AvgPoolToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    double factor = 0.0;
    Operation *scaleOp = op.getInput().getDefiningOp();
    Value sum = matchScaleByConstant(scaleOp, factor);
    if (!sum || !op.getInput().hasOneUse() || !sum.hasOneUse())
      return rewriter.notifyMatchFailure(op, "not quantize(sum / constant)");
    Operation *pool = sum.getDefiningOp();
    if (!isa_and_nonnull<linalg::PoolingNhwcSumOp, linalg::PoolingNchwSumOp>(pool))
      return rewriter.notifyMatchFailure(op, "not a linalg sum pool");
    // NCHW pooling (torch-mlir's default) runs as NHWC between transposes.
    bool nchw = isa<linalg::PoolingNchwSumOp>(pool);
    auto linalgOp = cast<linalg::LinalgOp>(pool);
    Value source = getDequantizedSource(linalgOp.getDpsInputOperand(0)->get());
    if (!source)
      return rewriter.notifyMatchFailure(op, "pool input is not dequantized");
    auto window = cast<RankedTensorType>(linalgOp.getDpsInputOperand(1)->get().getType());
    if (window.getRank() != 2 || !window.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "window shape is not static 2-D");
    if (!isZeroInit(linalgOp.getDpsInitOperand(0)->get())) {
      ctx.noteFloat(pool, "the sum pool does not start from zero");
      return rewriter.notifyMatchFailure(op, "non-zero init");
    }
    auto [strides, dilations] =
        nchw ? std::pair{readInts(cast<linalg::PoolingNchwSumOp>(pool).getStrides()),
                         readInts(cast<linalg::PoolingNchwSumOp>(pool).getDilations())}
             : std::pair{readInts(cast<linalg::PoolingNhwcSumOp>(pool).getStrides()),
                         readInts(cast<linalg::PoolingNhwcSumOp>(pool).getDilations())};
    if (llvm::any_of(dilations, [](int64_t d) { return d != 1; })) {
      ctx.noteFloat(pool, "qc.avg_pool2d has no dilation");
      return rewriter.notifyMatchFailure(op, "dilated pooling");
    }
    double count = static_cast<double>(window.getNumElements());
    if (std::abs(factor * count - 1.0) > 1e-6) {
      ctx.noteFloat(scaleOp, "the divisor is not the window size, so this is "
                             "not an average");
      return rewriter.notifyMatchFailure(op, "divisor is not the window size");
    }
    auto sourceType = cast<RankedTensorType>(source.getType());
    Location loc = pool->getLoc();
    DetachedOps ops(getContext());
    RankedTensorType poolType = op.getType().clone(sourceType.getElementType());
    if (nchw) {
      source = buildTranspose(ops, loc, source, {0, 2, 3, 1});
      ArrayRef<int64_t> shape = poolType.getShape();
      poolType = RankedTensorType::get({shape[0], shape[2], shape[3], shape[1]},
                                       poolType.getElementType());
    }
    Operation *created = ops.create<AvgPool2DOp>(
        loc, poolType, source, rewriter.getDenseI64ArrayAttr(window.getShape()),
        rewriter.getDenseI64ArrayAttr(strides), rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}));
    if (nchw)
      created = buildTranspose(ops, loc, created->getResult(0), {0, 3, 1, 2}).getDefiningOp();
    if (created->getResult(0).getType() != op.getType())
      created = createRequantize(ops, op.getLoc(), op.getType(), created->getResult(0), ctx);
    return commitOrExplain(rewriter, ops, created, op, pool, ctx);
  }
  FoldContext ctx;
};

/// tosa.avg_pool2d divides by the number of valid (non-padded) elements,
/// exactly what qc.avg_pool2d does in integers.
struct TosaAvgPoolToQC final : OpRewritePattern<QuantizeOp> {
  TosaAvgPoolToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto pool = op.getInput().getDefiningOp<tosa::AvgPool2dOp>();
    if (!pool || !pool->hasOneUse())
      return rewriter.notifyMatchFailure(op, "not quantize(single-use tosa.avg_pool2d)");
    Value source = getDequantizedSource(pool.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "pool input is not dequantized");
    if (!isZeroPoint(pool.getInputZp()) || !isZeroPoint(pool.getOutputZp())) {
      ctx.noteFloat(pool, "float tosa.avg_pool2d with non-zero zero points");
      return rewriter.notifyMatchFailure(op, "non-zero zero points");
    }
    auto sourceType = cast<RankedTensorType>(source.getType());
    auto poolType = op.getType().clone(sourceType.getElementType());
    DetachedOps ops(getContext());
    Operation *created = ops.create<AvgPool2DOp>(
        pool.getLoc(), poolType, source, rewriter.getDenseI64ArrayAttr(pool.getKernel()),
        rewriter.getDenseI64ArrayAttr(pool.getStride()),
        rewriter.getDenseI64ArrayAttr(pool.getPad()));
    if (poolType != op.getType())
      created = createRequantize(ops, op.getLoc(), op.getType(), created->getResult(0), ctx);
    return commitOrExplain(rewriter, ops, created, op, pool, ctx);
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(concat(dequantize(q_i))) with disagreeing producers
//===----------------------------------------------------------------------===//


/// The producers of a concat disagree on their parameters: each one is
/// requantized to the parameters of the quantize that follows.
struct ConcatToQC final : OpRewritePattern<QuantizeOp> {
  ConcatToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Operation *concat = op.getInput().getDefiningOp();
    SmallVector<Value> concatInputs;
    int64_t axis = 0;
    if (!matchConcat(concat, concatInputs, axis) || !concat->hasOneUse())
      return rewriter.notifyMatchFailure(op, "operand is not a single-use concat");
    RankedTensorType resultType = op.getType();
    DetachedOps ops(getContext());
    SmallVector<Value> inputs;
    for (Value input : concatInputs) {
      Value source = getDequantizedSource(input);
      if (!source)
        return rewriter.notifyMatchFailure(op, "a concat operand is not dequantized");
      auto sourceType = cast<RankedTensorType>(source.getType());
      auto wanted = sourceType.clone(resultType.getElementType());
      if (sourceType != wanted) {
        auto requantize = createRequantize(ops, concat->getLoc(), wanted, source, ctx);
        std::string reason;
        if (failed(ops.verify(reason))) {
          ctx.noteFloat(concat, reason);
          return rewriter.notifyMatchFailure(op, reason);
        }
        source = requantize.getResult();
      }
      inputs.push_back(source);
    }
    auto created = ops.create<ConcatOp>(concat->getLoc(), resultType, inputs,
                                        rewriter.getI64IntegerAttr(axis));
    return commitOrExplain(rewriter, ops, created, op, concat, ctx);
  }
  FoldContext ctx;
};

} // namespace

void fold::populateComputePatterns(RewritePatternSet &patterns,
                                   const FoldContext &ctx) {
  patterns.add<ClampOfDequantize, ElementwiseBinaryToQC, AvgPoolToQC, TosaAvgPoolToQC,
               ConcatToQC>(patterns.getContext(), ctx);
}
