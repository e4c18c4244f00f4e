//===- FoldFakeQuantCompute.cpp - elementwise, clamp, pool, concat ----------===//
//
// quantize(float op(dequantize ...)) to qc.clamp / qc.add / qc.mul / qc.concat
// (+ qc.requantize) for the linalg, arith and tosa spellings, and
// tosa.avg_pool2d to qc.avg_pool2d.
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
      created = ops.create<ClampOp>(
          clampOp->getLoc(), source,
          rewriter.getDenseI64ArrayAttr({codes->first, codes->second}));
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

/// An operand of a broadcasting binary op as qc.add / qc.mul take it: the
/// result's rank, each dimension the result's or 1. `map` reads it from the
/// op's loops: identity, size-1 dimensions at index 0, and leading result
/// dimensions it does not have (numpy), which a qc.reshape adds as 1s.
FailureOr<Value> broadcastOperand(DetachedOps &ops, Location loc, Value q, AffineMap map,
                                  ArrayRef<int64_t> resultShape) {
  auto type = cast<RankedTensorType>(q.getType());
  int64_t rank = resultShape.size(), offset = rank - type.getRank();
  if (!type.hasStaticShape() || offset < 0 ||
      map.getNumResults() != static_cast<unsigned>(type.getRank()))
    return failure();
  for (int64_t i = 0, e = type.getRank(); i < e; ++i) {
    AffineExpr expr = map.getResult(i);
    int64_t size = type.getDimSize(i);
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      if (dim.getPosition() != offset + i || (size != resultShape[offset + i] && size != 1))
        return failure();
    } else if (auto c = dyn_cast<AffineConstantExpr>(expr)) {
      if (c.getValue() != 0 || size != 1)
        return failure();
    } else {
      return failure();
    }
  }
  if (offset == 0)
    return q;
  SmallVector<int64_t> shape(offset, 1);
  llvm::append_range(shape, type.getShape());
  QuantizedType qtype = getQuantizedElementType(type);
  if (isa<UniformQuantizedPerAxisType>(qtype))
    return failure();
  return ops.create<ReshapeOp>(loc, RankedTensorType::get(shape, qtype), q).getResult();
}

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
      if (!a || !b)
        return rewriter.notifyMatchFailure(op, "operands are not both dequantized");
      DetachedOps ops(getContext());
      ArrayRef<int64_t> shape = op.getType().getShape();
      FailureOr<Value> ba = broadcastOperand(ops, def->getLoc(), a, m->lhsMap, shape);
      FailureOr<Value> bb = broadcastOperand(ops, def->getLoc(), b, m->rhsMap, shape);
      if (failed(ba) || failed(bb)) {
        ctx.noteFloat(def, "an operand is neither the result's shape nor a per-tensor "
                           "broadcast of it");
        return rewriter.notifyMatchFailure(op, "unsupported broadcast");
      }
      a = *ba;
      b = *bb;
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
// quantize(tosa.avg_pool2d(dequantize(q))): qc.avg_pool2d
// (the linalg average pool is in FoldFakeQuantAvgPool.cpp)
//===----------------------------------------------------------------------===//

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
    if (!isQCPoolWindow(source.getType(), pool.getKernel(), pool.getStride(),
                        pool.getPad())) {
      ctx.noteFloat(pool, "window that qc.avg_pool2d does not accept (padding as "
                          "large as the kernel or a window outside the input)");
      return rewriter.notifyMatchFailure(op, "window qc.avg_pool2d rejects");
    }
    DetachedOps ops(getContext());
    Operation *created = ops.create<AvgPool2DOp>(
        pool.getLoc(), source, rewriter.getDenseI64ArrayAttr(pool.getKernel()),
        rewriter.getDenseI64ArrayAttr(pool.getStride()),
        rewriter.getDenseI64ArrayAttr(pool.getPad()), UnitAttr());
    if (created->getResult(0).getType() != op.getType())
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
    auto created =
        ops.create<ConcatOp>(concat->getLoc(), inputs, rewriter.getI64IntegerAttr(axis));
    return commitOrExplain(rewriter, ops, created, op, concat, ctx);
  }
  FoldContext ctx;
};

} // namespace

void fold::populateComputePatterns(RewritePatternSet &patterns,
                                   const FoldContext &ctx) {
  patterns.add<ClampOfDequantize, ElementwiseBinaryToQC, TosaAvgPoolToQC,
               ConcatToQC>(patterns.getContext(), ctx);
}
