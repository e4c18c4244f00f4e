//===- ExpandRounding.cpp - roundeven/round as exact floor arithmetic -----===//
//
// The float qc.quantize boundary rounds with math.roundeven (or math.round),
// which upstream cannot convert to SPIR-V. Both are rebuilt from floor:
// x - floor(x) is exact, so comparing it with 0.5 decides ties exactly and
// the GPU rounds bit for bit like the CPU.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCEXPANDROUNDING
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// Common part: f = floor(x), d = x - f, and the constants 0.5 and 1.
struct FloorParts {
  Value floor, fraction, half, one;
};

static FloorParts buildFloorParts(PatternRewriter &rewriter, Location loc, Value x) {
  Type type = x.getType();
  FloorParts p;
  p.floor = math::FloorOp::create(rewriter, loc, x);
  p.fraction = arith::SubFOp::create(rewriter, loc, x, p.floor);
  p.half = arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(
                                                        getElementTypeOrSelf(type), 0.5));
  p.one = arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(
                                                       getElementTypeOrSelf(type), 1.0));
  return p;
}

/// d > 0.5 ? up : d < 0.5 ? f : tie — the part both rounding modes share.
static Value selectRounded(PatternRewriter &rewriter, Location loc,
                           const FloorParts &p, Value up, Value tie) {
  Value above = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT,
                                      p.fraction, p.half);
  Value below = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OLT,
                                      p.fraction, p.half);
  return arith::SelectOp::create(
      rewriter, loc, above, up,
      arith::SelectOp::create(rewriter, loc, below, p.floor, tie));
}

/// roundeven(x) = d > 0.5 ? f + 1 : d < 0.5 ? f : (f is even ? f : f + 1).
struct ExpandRoundEven final : OpRewritePattern<math::RoundEvenOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::RoundEvenOp op,
                                PatternRewriter &rewriter) const override {
    if (isa<ShapedType>(op.getType()))
      return rewriter.notifyMatchFailure(op, "only scalars occur in kernels");
    Location loc = op.getLoc();
    FloorParts p = buildFloorParts(rewriter, loc, op.getOperand());
    Value up = arith::AddFOp::create(rewriter, loc, p.floor, p.one);
    // f is even iff floor(f / 2) * 2 == f (exact: f is an integer value).
    Value two = arith::AddFOp::create(rewriter, loc, p.one, p.one);
    Value halfF = math::FloorOp::create(
        rewriter, loc, arith::MulFOp::create(rewriter, loc, p.floor, p.half));
    Value isEven = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OEQ,
        arith::MulFOp::create(rewriter, loc, halfF, two), p.floor);
    Value tie = arith::SelectOp::create(rewriter, loc, isEven, p.floor, up);
    rewriter.replaceOp(op, selectRounded(rewriter, loc, p, up, tie));
    return success();
  }
};

/// round(x) (ties away from zero) = d > 0.5 ? f + 1 : d < 0.5 ? f
///                                   : (x > 0 ? f + 1 : f).
struct ExpandRound final : OpRewritePattern<math::RoundOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::RoundOp op,
                                PatternRewriter &rewriter) const override {
    if (isa<ShapedType>(op.getType()))
      return rewriter.notifyMatchFailure(op, "only scalars occur in kernels");
    Location loc = op.getLoc();
    FloorParts p = buildFloorParts(rewriter, loc, op.getOperand());
    Value up = arith::AddFOp::create(rewriter, loc, p.floor, p.one);
    Value zero = arith::SubFOp::create(rewriter, loc, p.one, p.one);
    Value positive = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT,
                                           op.getOperand(), zero);
    Value tie = arith::SelectOp::create(rewriter, loc, positive, up, p.floor);
    rewriter.replaceOp(op, selectRounded(rewriter, loc, p, up, tie));
    return success();
  }
};

struct QCExpandRoundingPass final
    : qc::impl::QCExpandRoundingBase<QCExpandRoundingPass> {
  using QCExpandRoundingBase::QCExpandRoundingBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateExpandRoundingPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void qc::populateExpandRoundingPatterns(RewritePatternSet &patterns) {
  patterns.add<ExpandRoundEven, ExpandRound>(patterns.getContext());
}
