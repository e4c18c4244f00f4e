//===- FoldFakeQuantHadamard.cpp - qc.hadamard through the fold -----------===//
//
// quantize(hadamard(dequantize(x))) with per-tensor types becomes the
// integer qc.hadamard from x's type to the quantize's type: the form of a
// rotated activation calibrated with a 16-bit quantization before the
// online transform and an 8-bit one after it.
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;

namespace {

struct FoldHadamard final : OpRewritePattern<QuantizeOp> {
  FoldHadamard(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}

  LogicalResult matchAndRewrite(QuantizeOp quantize,
                                PatternRewriter &rewriter) const override {
    auto hadamard = quantize.getInput().getDefiningOp<HadamardOp>();
    if (!hadamard)
      return rewriter.notifyMatchFailure(quantize, "not a qc.hadamard result");
    auto dequantize = hadamard.getInput().getDefiningOp<DequantizeOp>();
    if (!dequantize)
      return rewriter.notifyMatchFailure(quantize,
                                         "the qc.hadamard input is not dequantized");
    DetachedOps ops(rewriter.getContext());
    auto folded = ops.create<HadamardOp>(
        hadamard.getLoc(), quantize.getType(), dequantize.getInput(),
        hadamard.getBlockAttr(), hadamard.getNegateAttr(),
        RequantProfileAttr::get(rewriter.getContext(), ctx.profile),
        DenseI64ArrayAttr());
    std::string reason;
    if (failed(ops.verify(reason))) {
      ctx.noteFloat(hadamard, reason);
      return rewriter.notifyMatchFailure(quantize, reason);
    }
    ops.commit(rewriter);
    rewriter.replaceOp(quantize, folded.getResult());
    return success();
  }

  FoldContext ctx;
};

} // namespace

void fold::populateHadamardPatterns(RewritePatternSet &patterns,
                                    const FoldContext &ctx) {
  patterns.add<FoldHadamard>(patterns.getContext(), ctx);
}
