//===- FoldFakeQuantNonlinear.cpp - softmax, layer norm, batched matmul -----===//
//
// quantize(float op(dequantize ...)) for the transformer ops, matched in the
// canonical forms of python/qc/graph_ops.py (docs/Importers.md):
//
//   linalg.softmax                               -> qc.softmax
//   mean / centre / square / mean / final generic -> qc.layer_norm
//   linalg.batch_matmul of two dequantized values -> qc.batch_matmul
//
// plus quantize(expand_shape / collapse_shape(x)) -> qc.reshape(quantize(x)),
// which lets a contraction computed on collapsed batch dims (graph.py's N-D
// matmul) meet the quantize after its expand_shape.
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;

namespace {

bool isPerTensor(Value quantized) {
  return !isa<UniformQuantizedPerAxisType>(getQuantizedElementType(quantized.getType()));
}

//===----------------------------------------------------------------------===//
// quantize(linalg.softmax(dequantize(q))) -> qc.softmax
//===----------------------------------------------------------------------===//

struct SoftmaxToQC final : OpRewritePattern<QuantizeOp> {
  SoftmaxToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto softmax = op.getInput().getDefiningOp<linalg::SoftmaxOp>();
    if (!softmax)
      return rewriter.notifyMatchFailure(op, "not quantize(linalg.softmax)");
    Value source = getDequantizedSource(softmax.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "softmax input is not dequantized");
    if (!op.getInput().hasOneUse()) {
      ctx.noteFloat(softmax, "its result is also used in float");
      return rewriter.notifyMatchFailure(op, "softmax used elsewhere");
    }
    if (!isPerTensor(source) || !isPerTensor(op.getResult())) {
      ctx.noteFloat(softmax, "qc.softmax needs per-tensor parameters");
      return rewriter.notifyMatchFailure(op, "per-axis");
    }
    DetachedOps ops(getContext());
    auto created = ops.create<SoftmaxOp>(
        softmax.getLoc(), op.getType(), source,
        rewriter.getI64IntegerAttr(softmax.getDimension()),
        RequantProfileAttr::get(getContext(), ctx.profile));
    return commitOrExplain(rewriter, ops, created, op, softmax, ctx);
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// Layer norm: the canonical sequence of graph_ops.LayerNorm
//===----------------------------------------------------------------------===//

/// The only scalar op of an elementwise generic's body, if its operands are
/// the block arguments `lhs`, `rhs` (a negative index: a scalar constant).
template <typename OpTy>
OpTy bodyOp(linalg::GenericOp generic) {
  Block *body = generic.getBody();
  auto op = cast<linalg::YieldOp>(body->getTerminator()).getOperand(0).getDefiningOp<OpTy>();
  if (!op || op->getBlock() != body || &body->front() != op.getOperation())
    return nullptr;
  return op;
}

/// mean over the last axis: generic(linalg.reduce(addf, x, [last]) / D).
/// Returns x.
Value matchMeanOfLastAxis(Value value) {
  std::optional<MeanMatch> m = matchMean(value);
  if (!m || m->dims.size() != 1 ||
      m->dims[0] != cast<RankedTensorType>(m->input.getType()).getRank() - 1)
    return nullptr;
  return m->input;
}

struct LayerNormToQC final : OpRewritePattern<QuantizeOp> {
  LayerNormToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    // (xc / sqrt(var + eps)) * gamma + beta
    auto last = op.getInput().getDefiningOp<linalg::GenericOp>();
    if (!last || last.getNumDpsInputs() != 4 || !isAllParallel(last))
      return rewriter.notifyMatchFailure(op, "not a layer norm's final generic");
    Block *body = last.getBody();
    auto add = cast<linalg::YieldOp>(body->getTerminator()).getOperand(0).getDefiningOp<arith::AddFOp>();
    auto mul = add ? add.getLhs().getDefiningOp<arith::MulFOp>() : nullptr;
    auto div = mul ? mul.getLhs().getDefiningOp<arith::DivFOp>() : nullptr;
    auto sqrt = div ? div.getRhs().getDefiningOp<math::SqrtOp>() : nullptr;
    auto addEps = sqrt ? sqrt.getOperand().getDefiningOp<arith::AddFOp>() : nullptr;
    if (!addEps || add.getRhs() != body->getArgument(3) ||
        mul.getRhs() != body->getArgument(2) || div.getLhs() != body->getArgument(0) ||
        addEps.getLhs() != body->getArgument(1))
      return rewriter.notifyMatchFailure(op, "not the layer norm body");
    std::optional<double> eps = getScalarFloatConstant(addEps.getRhs());
    std::optional<SmallVector<double>> gamma =
        getFloatConstantValues(last.getDpsInputOperand(2)->get());
    std::optional<SmallVector<double>> beta =
        getFloatConstantValues(last.getDpsInputOperand(3)->get());
    Value xc = last.getDpsInputOperand(0)->get(), var = last.getDpsInputOperand(1)->get();
    // var = mean(xc * xc), xc = x - mean(x)
    Value sq = matchMeanOfLastAxis(var);
    auto square = sq ? sq.getDefiningOp<linalg::GenericOp>() : nullptr;
    auto sqMul = square ? bodyOp<arith::MulFOp>(square) : nullptr;
    auto centre = xc.getDefiningOp<linalg::GenericOp>();
    auto sub = centre ? bodyOp<arith::SubFOp>(centre) : nullptr;
    if (!eps || !gamma || !beta || !sqMul || sqMul.getLhs() != sqMul.getRhs() ||
        square.getDpsInputOperand(0)->get() != xc || !sub || centre.getNumDpsInputs() != 2)
      return rewriter.notifyMatchFailure(op, "not the layer norm sequence");
    Value x = centre.getDpsInputOperand(0)->get();
    if (matchMeanOfLastAxis(centre.getDpsInputOperand(1)->get()) != x)
      return rewriter.notifyMatchFailure(op, "the centring does not subtract the mean");
    Value source = getDequantizedSource(x);
    if (!source)
      return rewriter.notifyMatchFailure(op, "layer norm input is not dequantized");
    auto type = cast<RankedTensorType>(x.getType());
    int64_t d = type.getDimSize(type.getRank() - 1);
    if (static_cast<int64_t>(gamma->size()) != d || static_cast<int64_t>(beta->size()) != d) {
      ctx.noteFloat(last, "gamma and beta are not one value per element of the last axis");
      return rewriter.notifyMatchFailure(op, "gamma/beta shape");
    }
    if (!isPerTensor(source) || !isPerTensor(op.getResult())) {
      ctx.noteFloat(last, "qc.layer_norm needs per-tensor parameters");
      return rewriter.notifyMatchFailure(op, "per-axis");
    }
    DetachedOps ops(getContext());
    auto created = ops.create<LayerNormOp>(
        last.getLoc(), op.getType(), source, rewriter.getDenseF64ArrayAttr(*gamma),
        rewriter.getDenseF64ArrayAttr(*beta), rewriter.getF64FloatAttr(*eps));
    return commitOrExplain(rewriter, ops, created, op, last, ctx);
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(clamp?(linalg.batch_matmul(dequantize a, dequantize b)))
//===----------------------------------------------------------------------===//

struct BatchMatmulToQC final : OpRewritePattern<QuantizeOp> {
  // After the contraction family, which makes a batch of 1 a qc.matmul
  // (constant weights fold into it); this takes the other batches, and its
  // reason is the one reported when both fail.
  BatchMatmulToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context, /*benefit=*/0), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    ClampRange range;
    bool peeled;
    Value chain = peelClamps(op.getInput(), range, peeled);
    auto matmul = chain.getDefiningOp<linalg::BatchMatmulOp>();
    if (!matmul || !chain.hasOneUse())
      return rewriter.notifyMatchFailure(op, "not quantize(single-use batch_matmul)");
    Value a = getDequantizedSource(matmul.getDpsInputOperand(0)->get());
    Value b = getDequantizedSource(matmul.getDpsInputOperand(1)->get());
    if (!a || !b)
      return rewriter.notifyMatchFailure(op, "operands are not dequantized");
    if (!llvm::equal(matmul.getIndexingMapsArray(), matmul.getDefaultIndexingMaps(getContext()))) {
      ctx.noteFloat(matmul, "transposed or broadcast batch_matmul operands");
      return rewriter.notifyMatchFailure(op, "non-default maps");
    }
    if (!isZeroInit(matmul.getDpsInitOperand(0)->get())) {
      ctx.noteFloat(matmul, "the accumulator does not start from zero");
      return rewriter.notifyMatchFailure(op, "non-zero init");
    }
    if (!isPerTensor(a) || !isPerTensor(b) || !isPerTensor(op.getResult())) {
      ctx.noteFloat(matmul, "qc.batch_matmul needs per-tensor parameters");
      return rewriter.notifyMatchFailure(op, "per-axis");
    }
    QuantizedType resultType = getQuantizedElementType(op.getType());
    DenseI64ArrayAttr clamp;
    if (peeled) {
      auto codes = getClampCodes(range, resultType, op.getRounding());
      clamp = getClampAttr(getContext(), *codes, resultType);
    }
    DetachedOps ops(getContext());
    auto created = ops.create<BatchMatmulOp>(
        matmul.getLoc(), op.getType(), a, b,
        RequantProfileAttr::get(getContext(), ctx.profile), clamp);
    return commitOrExplain(rewriter, ops, created, op, matmul, ctx);
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(reshape(x)) -> qc.reshape(quantize(x))
//===----------------------------------------------------------------------===//

/// Per-tensor quantization commutes with a reshape; moving the quantize up
/// lets it meet the op that computed x (a contraction on collapsed batch
/// dimensions, then expanded).
template <typename ReshapeOpTy>
struct HoistQuantizeAboveReshape final : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern<QuantizeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto reshape = op.getInput().template getDefiningOp<ReshapeOpTy>();
    if (!reshape || !reshape->hasOneUse() || !isPerTensor(op.getResult()))
      return rewriter.notifyMatchFailure(op, "not quantize(single-use reshape)");
    auto srcType = cast<RankedTensorType>(reshape.getSrc().getType());
    // Nothing to gain when x is itself dequantized (the dequantize sinks).
    if (!srcType.hasStaticShape() || getDequantizedSource(reshape.getSrc()))
      return rewriter.notifyMatchFailure(op, "dynamic or dequantized source");
    QuantizedType qtype = getQuantizedElementType(op.getType());
    auto quantized = QuantizeOp::create(rewriter, op.getLoc(), srcType.clone(qtype),
                                        reshape.getSrc(), op.getRoundingAttr());
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), quantized.getResult());
    return success();
  }
};

} // namespace

FloatIslandOp fold::wrapInFloatIsland(Operation *op, StringRef name) {
  OpBuilder b(op);
  auto island = FloatIslandOp::create(b, op->getLoc(), op->getResultTypes(),
                                      b.getStringAttr(name));
  Block *block = new Block();
  island.getBody().push_back(block);
  op->moveBefore(block, block->end());
  b.setInsertionPointToEnd(block);
  auto yield = YieldOp::create(b, op->getLoc(), op->getResults());
  for (auto [inner, outer] : llvm::zip(op->getResults(), island.getResults()))
    inner.replaceAllUsesExcept(outer, yield);
  return island;
}

void fold::populateNonlinearPatterns(RewritePatternSet &patterns, const FoldContext &ctx) {
  patterns.add<SoftmaxToQC, LayerNormToQC, BatchMatmulToQC>(patterns.getContext(), ctx);
  patterns.add<HoistQuantizeAboveReshape<tensor::ExpandShapeOp>,
               HoistQuantizeAboveReshape<tensor::CollapseShapeOp>>(patterns.getContext());
  populateTablePatterns(patterns, ctx);
  populateAvgPoolPatterns(patterns, ctx);
  populateReduceMeanPatterns(patterns, ctx);
}
