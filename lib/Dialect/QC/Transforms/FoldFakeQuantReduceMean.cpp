//===- FoldFakeQuantReduceMean.cpp - quantize(mean) to qc.avg_pool2d -------===//
//
// A mean over any axes of a dequantized per-tensor value, quantized after
// (ONNX ReduceMean, torch.mean): generic(linalg.reduce(addf, x, dims) / n).
// It is an average pool with one window over the reduced elements, so it
// becomes qc.avg_pool2d at the input's parameters (integer sum, exact
// division, ties as the divisor's `qc.rounding` says: the ONNX importer asks
// half_even, ORT's rounding), then qc.requantize when the
// quantize's parameters differ:
//
//   x [d0 .. dn-1]  --qc.transpose (reduced axes not adjacent: moved last)-->
//   --qc.reshape--> NHWC [outer, reduced, 1, inner]
//   --qc.avg_pool2d window (reduced x 1)--> [outer, 1, 1, inner]
//   (--qc.requantize-->) --qc.reshape--> the kept axes
//
// The means inside a LayerNorm are not quantized on their own: the LayerNorm
// pattern takes them (matchMean serves both).
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;

std::optional<MeanMatch> fold::matchMean(Value value) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 || !isAllParallel(generic))
    return std::nullopt;
  // The body is exactly `divf(in, n)`.
  Block *body = generic.getBody();
  auto div = cast<linalg::YieldOp>(body->getTerminator())
                 .getOperand(0)
                 .getDefiningOp<arith::DivFOp>();
  if (!div || div->getBlock() != body || &body->front() != div.getOperation() ||
      div.getLhs() != body->getArgument(0))
    return std::nullopt;
  std::optional<double> count = getScalarFloatConstant(div.getRhs());
  auto reduce = generic.getDpsInputOperand(0)->get().getDefiningOp<linalg::ReduceOp>();
  if (!count || !reduce || reduce.getInputs().size() != 1 ||
      !isZeroInit(reduce.getInits()[0]))
    return std::nullopt;
  Block &combiner = reduce.getCombiner().front();
  auto add = cast<linalg::YieldOp>(combiner.getTerminator())
                 .getOperand(0)
                 .getDefiningOp<arith::AddFOp>();
  if (!add || add->getBlock() != &combiner || &combiner.front() != add.getOperation())
    return std::nullopt;
  MeanMatch m;
  m.input = reduce.getInputs()[0];
  m.dims = llvm::to_vector(reduce.getDimensions());
  llvm::sort(m.dims);
  auto type = cast<RankedTensorType>(m.input.getType());
  int64_t reduced = 1;
  for (int64_t d : m.dims) {
    if (type.isDynamicDim(d))
      return std::nullopt;
    reduced *= type.getDimSize(d);
  }
  if (*count != static_cast<double>(reduced))
    return std::nullopt;
  if (auto rounding = generic->getAttrOfType<RoundingModeAttr>("qc.rounding"))
    m.rounding = rounding.getValue();
  return m;
}

namespace {

struct QuantizedReduceMeanToQC final : OpRewritePattern<QuantizeOp> {
  QuantizedReduceMeanToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Operation *mean = op.getInput().getDefiningOp();
    std::optional<MeanMatch> m = matchMean(op.getInput());
    if (!m)
      return rewriter.notifyMatchFailure(op, "not quantize(mean)");
    if (!op.getInput().hasOneUse()) {
      ctx.noteFloat(mean, "the mean is also used in float");
      return rewriter.notifyMatchFailure(op, "mean used elsewhere");
    }
    Value source = getDequantizedSource(m->input);
    if (!source) {
      ctx.noteFloat(mean, "the mean's input is not dequantized");
      return rewriter.notifyMatchFailure(op, "input not dequantized");
    }
    auto sourceType = cast<RankedTensorType>(source.getType());
    if (!sourceType.hasStaticShape()) {
      ctx.noteFloat(mean, "dynamic input shape");
      return rewriter.notifyMatchFailure(op, "dynamic shape");
    }
    auto qtype = dyn_cast<quant::UniformQuantizedType>(sourceType.getElementType());
    if (!qtype) {
      ctx.noteFloat(mean, "the mean's input is quantized per axis");
      return rewriter.notifyMatchFailure(op, "per-axis input");
    }

    Location loc = mean->getLoc();
    DetachedOps ops(getContext());
    int64_t rank = sourceType.getRank();
    SmallVector<int64_t> dims = m->dims;
    SmallVector<int64_t> shape = llvm::to_vector(sourceType.getShape());
    // Reduced axes not adjacent: move them last, kept axes in order.
    if (dims.back() - dims.front() + 1 != static_cast<int64_t>(dims.size())) {
      SmallVector<int64_t> perm;
      for (int64_t d = 0; d < rank; ++d)
        if (!llvm::is_contained(dims, d))
          perm.push_back(d);
      llvm::append_range(perm, dims);
      source = buildTranspose(ops, loc, source, perm);
      shape = llvm::to_vector(cast<RankedTensorType>(source.getType()).getShape());
      int64_t first = rank - static_cast<int64_t>(dims.size());
      dims = llvm::to_vector(llvm::seq<int64_t>(first, rank));
    }
    int64_t outer = 1, reduced = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d)
      (d < dims.front() ? outer : d > dims.back() ? inner : reduced) *= shape[d];
    if (reduced == 0) {
      ctx.noteFloat(mean, "mean over an empty axis (no qc.avg_pool2d window)");
      return rewriter.notifyMatchFailure(op, "empty reduction");
    }

    auto nhwc = [&](ArrayRef<int64_t> s) { return RankedTensorType::get(s, qtype); };
    Value view = ops.create<ReshapeOp>(loc, nhwc({outer, reduced, 1, inner}), source);
    Value pooled =
        ops.create<AvgPool2DOp>(loc, view,
                                rewriter.getDenseI64ArrayAttr({reduced, 1}),
                                rewriter.getDenseI64ArrayAttr({1, 1}),
                                rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}), UnitAttr(),
                                RoundingModeAttr::get(getContext(), m->rounding))
            .getResult();
    // Requantized while still 4-D: a rank-0 result (a mean over every axis)
    // is then only a view, which both backends keep off the host.
    auto resultType = cast<RankedTensorType>(op.getType());
    if (resultType.getElementType() != qtype)
      pooled = createRequantize(ops, op.getLoc(),
                                RankedTensorType::get({outer, 1, 1, inner},
                                                      resultType.getElementType()),
                                pooled, ctx)
                   .getResult();
    Operation *created = ops.create<ReshapeOp>(loc, resultType, pooled);
    return commitOrExplain(rewriter, ops, created, op, mean, ctx);
  }
  FoldContext ctx;
};

} // namespace

void fold::populateReduceMeanPatterns(RewritePatternSet &patterns, const FoldContext &ctx) {
  patterns.add<QuantizedReduceMeanToQC>(patterns.getContext(), ctx);
}
