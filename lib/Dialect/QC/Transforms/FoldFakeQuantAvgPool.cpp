//===- FoldFakeQuantAvgPool.cpp - canonical average pool to qc.avg_pool2d ---===//
//
// Matches the canonical average pool of --qc-normalize-float: an optional
// zero tensor.pad of a dequantized tensor, a linalg sum pool on a zero fill
// and the divisor generic `sum / counts[h, w]`. The counts decide between
// the two averages: the count of valid elements (the default of ONNX and
// TFLite) or the whole window (count_include_pad).
//
// Two rewrites:
//  * quantize(average): qc.avg_pool2d at the input's parameters, then
//    qc.requantize to the quantize's parameters when they differ;
//  * an average with no quantize after it: the model keeps the pooled value
//    at its input's parameters (torch's int8 average pools, ONNX QDQ graphs
//    without a pair after GlobalAveragePool): dequantize(qc.avg_pool2d), so
//    the ops after it (flatten, the classifier) fold as usual.
//
// The average's ties round as the divisor's `qc.rounding` attribute says
// (default half_away).
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;

namespace {

struct AvgPoolMatch {
  Value source; // the quantized input (NHWC or NCHW, like the pool)
  bool nchw = false;
  SmallVector<int64_t> kernel, strides, padding;
  bool countIncludePad = false;
  // Ties of the integer average: the divisor's `qc.rounding` (the ONNX
  // importer sets half_even, ONNX Runtime's), else away from zero.
  RoundingMode rounding = RoundingMode::HalfAway;
  Operation *pool = nullptr;
};

int64_t validCount(int64_t start, int64_t kernel, int64_t size) {
  return std::max<int64_t>(0, std::min(start + kernel, size) - std::max<int64_t>(start, 0));
}

/// The canonical average pool ending in `divisor`, or the reason it is not
/// one qc.avg_pool2d can compute (recorded for the "stays in float" remark
/// when `ctx` is given).
FailureOr<AvgPoolMatch> matchAvgPool(Operation *divisor, std::string &reason) {
  if (!isCanonicalAvgPoolDivisor(divisor)) {
    reason = "not the canonical average-pool divisor";
    return failure();
  }
  auto generic = cast<linalg::GenericOp>(divisor);
  AvgPoolMatch m;
  m.pool = generic.getDpsInputOperand(0)->get().getDefiningOp();
  m.nchw = isa<linalg::PoolingNchwSumOp>(m.pool);
  auto pool = cast<linalg::LinalgOp>(m.pool);
  auto window = cast<RankedTensorType>(pool.getDpsInputOperand(1)->get().getType());
  if (window.getRank() != 2 || !window.hasStaticShape()) {
    reason = "the pooling window is not static 2-D";
    return failure();
  }
  if (!isZeroInit(pool.getDpsInitOperand(0)->get())) {
    reason = "the sum pool does not start from zero";
    return failure();
  }
  DenseIntElementsAttr stridesAttr, dilationsAttr;
  if (auto nhwc = dyn_cast<linalg::PoolingNhwcSumOp>(m.pool)) {
    stridesAttr = nhwc.getStrides();
    dilationsAttr = nhwc.getDilations();
  } else {
    auto nchw = cast<linalg::PoolingNchwSumOp>(m.pool);
    stridesAttr = nchw.getStrides();
    dilationsAttr = nchw.getDilations();
  }
  if (llvm::any_of(readInts(dilationsAttr), [](int64_t d) { return d != 1; })) {
    reason = "qc.avg_pool2d has no dilation";
    return failure();
  }
  m.kernel = llvm::to_vector(window.getShape());
  m.strides = readInts(stridesAttr);
  m.padding = {0, 0, 0, 0};
  Value input = pool.getDpsInputOperand(0)->get();
  if (auto pad = input.getDefiningOp<tensor::PadOp>()) {
    double padValue = 0.0;
    std::optional<SmallVector<int64_t>> padding = getSpatialPadding(pad, padValue, m.nchw);
    if (!padding || padValue != 0.0) {
      reason = "the pool's padding is not a zero padding of H and W";
      return failure();
    }
    m.padding = *padding;
    input = pad.getSource();
  }
  m.source = getDequantizedSource(input);
  if (!m.source) {
    reason = "the pool's input is not dequantized";
    return failure();
  }
  auto sourceType = cast<RankedTensorType>(m.source.getType());
  if (!sourceType.hasStaticShape()) {
    reason = "dynamic input shape";
    return failure();
  }
  if (m.padding[0] >= m.kernel[0] || m.padding[1] >= m.kernel[0] ||
      m.padding[2] >= m.kernel[1] || m.padding[3] >= m.kernel[1]) {
    reason = "padding as large as the window";
    return failure();
  }
  // Which count divides: valid elements, or the whole window.
  std::optional<SmallVector<double>> counts =
      getFloatConstantValues(generic.getDpsInputOperand(1)->get());
  auto outType = cast<RankedTensorType>(generic.getResult(0).getType());
  int64_t h = sourceType.getDimSize(m.nchw ? 2 : 1), w = sourceType.getDimSize(m.nchw ? 3 : 2);
  int64_t oh = outType.getDimSize(m.nchw ? 2 : 1), ow = outType.getDimSize(m.nchw ? 3 : 2);
  bool valid = true, full = true;
  double window2 = static_cast<double>(m.kernel[0] * m.kernel[1]);
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x = 0; x < ow; ++x) {
      double c = (*counts)[y * ow + x];
      double v = static_cast<double>(
          validCount(y * m.strides[0] - m.padding[0], m.kernel[0], h) *
          validCount(x * m.strides[1] - m.padding[2], m.kernel[1], w));
      valid &= std::abs(c - v) <= 1e-6 * v;
      full &= std::abs(c - window2) <= 1e-6 * window2;
    }
  if (!valid && !full) {
    reason = "the divisor is neither the window size nor the count of valid "
             "elements, so this is not an average";
    return failure();
  }
  m.countIncludePad = !valid;
  if (auto rounding = generic->getAttrOfType<RoundingModeAttr>("qc.rounding"))
    m.rounding = rounding.getValue();
  return m;
}

/// qc.avg_pool2d (between transposes for NCHW) at the source's parameters.
Value buildAvgPool(DetachedOps &ops, Location loc, const AvgPoolMatch &m) {
  MLIRContext *context = loc.getContext();
  Value source = m.source;
  if (m.nchw)
    source = buildTranspose(ops, loc, source, {0, 2, 3, 1});
  Value result = ops.create<AvgPool2DOp>(
                        loc, source, DenseI64ArrayAttr::get(context, m.kernel),
                        DenseI64ArrayAttr::get(context, m.strides),
                        DenseI64ArrayAttr::get(context, m.padding),
                        m.countIncludePad ? UnitAttr::get(context) : UnitAttr(),
                        RoundingModeAttr::get(context, m.rounding))
                     .getResult();
  if (m.nchw)
    result = buildTranspose(ops, loc, result, {0, 3, 1, 2});
  return result;
}

struct QuantizedAvgPoolToQC final : OpRewritePattern<QuantizeOp> {
  QuantizedAvgPoolToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Operation *divisor = op.getInput().getDefiningOp();
    if (!divisor || !isCanonicalAvgPoolDivisor(divisor))
      return rewriter.notifyMatchFailure(op, "not quantize(average pool)");
    if (!op.getInput().hasOneUse()) {
      ctx.noteFloat(divisor, "its result is also used in float");
      return rewriter.notifyMatchFailure(op, "average used elsewhere");
    }
    std::string reason;
    FailureOr<AvgPoolMatch> m = matchAvgPool(divisor, reason);
    if (failed(m)) {
      ctx.noteFloat(divisor, reason);
      return rewriter.notifyMatchFailure(op, reason);
    }
    DetachedOps ops(getContext());
    Value result = buildAvgPool(ops, m->pool->getLoc(), *m);
    Operation *created = result.getDefiningOp();
    if (result.getType() != op.getType())
      created = createRequantize(ops, op.getLoc(), op.getType(), result, ctx);
    return commitOrExplain(rewriter, ops, created, op, divisor, ctx);
  }
  FoldContext ctx;
};

struct UnquantizedAvgPoolToQC final : OpRewritePattern<linalg::GenericOp> {
  UnquantizedAvgPoolToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!isCanonicalAvgPoolDivisor(op))
      return rewriter.notifyMatchFailure(op, "not an average pool");
    if (llvm::any_of(op->getUsers(), [](Operation *u) { return isa<QuantizeOp>(u); }))
      return rewriter.notifyMatchFailure(op, "quantized after: the other pattern");
    std::string reason;
    FailureOr<AvgPoolMatch> m = matchAvgPool(op, reason);
    if (failed(m)) {
      ctx.noteFloat(op, reason);
      return rewriter.notifyMatchFailure(op, reason);
    }
    DetachedOps ops(getContext());
    Value result = buildAvgPool(ops, m->pool->getLoc(), *m);
    auto dequantize = ops.create<DequantizeOp>(op.getLoc(), op.getResult(0).getType(), result);
    return commitOrExplain(rewriter, ops, dequantize, op, op, ctx);
  }
  FoldContext ctx;
};

} // namespace

void fold::populateAvgPoolPatterns(RewritePatternSet &patterns, const FoldContext &ctx) {
  patterns.add<QuantizedAvgPoolToQC, UnquantizedAvgPoolToQC>(patterns.getContext(), ctx);
}
