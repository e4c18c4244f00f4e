//===- RequantizeOnLanes.cpp - vectorized requantizations on i32 lanes ----===//
//
// The fixed-point multiplies of requantizations that the generic tiling
// path vectorized (an unfused qc.add or qc.mul, qc.requantize, any output
// stage outside a kernel) compute on vectors of i64. Each is matched on the
// vector ops (FixedPointLanes.cpp, the matcher the kernel epilogues use on
// scalar bodies) and rebuilt on the i32 lanes of the vector with the same
// emitter: flattened to 1-D, 16 lanes at a time (one zmm of i32), shaped
// back. docs/CPUKernels.md, "Requantization on 32-bit lanes".
//
//===----------------------------------------------------------------------===//
#include "FixedPointLanes.h"
#include "PatternConfig.h"
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUREQUANTIZEONLANES
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

/// i32 lanes of one zmm register: the unit the emitter builds for (one
/// vpermt2d puts both halves back).
constexpr int64_t kZmmLanes = 16;

/// Whether no lane of `v` can be INT32_MIN: a constant without it, or a
/// read (or broadcast) of one (a per-channel multiplier table).
bool isNeverInt32Min(Value v) {
  while (v) {
    if (auto read = v.getDefiningOp<vector::TransferReadOp>())
      v = read.getBase();
    else if (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>())
      v = slice.getSource();
    else if (auto broadcast = v.getDefiningOp<vector::BroadcastOp>())
      v = broadcast.getSource();
    else
      break;
  }
  DenseIntElementsAttr values;
  APInt value;
  if (v && matchPattern(v, m_ConstantInt(&value)))
    return !value.isMinSignedValue();
  return v && matchPattern(v, m_Constant(&values)) &&
         llvm::none_of(values.getValues<APInt>(),
                       [](const APInt &x) { return x.isMinSignedValue(); });
}

/// Rewrites the fixed-point multiply whose result `OpTy` (a trunci or, for
/// a HighMulDivide, the final addi) gives, on vectors of an even number of
/// lanes.
template <typename OpTy> struct FixedPointMulOnLanes final : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(op.getType());
    if (!type || type.isScalable() || type.getNumElements() % 2 != 0)
      return rewriter.notifyMatchFailure(op, "not a fixed vector of an even number of lanes");
    std::optional<FixedPointMul> mul = matchFixedPointMul(op);
    if (!mul)
      return rewriter.notifyMatchFailure(op, "not a fixed-point multiply");
    // The divide that follows is built with it, in one rounding step.
    if (mul->kind == FixedPointMul::HighMul && feedsHighMulDivide(op))
      return rewriter.notifyMatchFailure(op, "part of a HighMulDivide");
    // The overflow of gemmlowp's high multiply needs both factors INT32_MIN.
    if (mul->overflow && (isNeverInt32Min(mul->a.value) || isNeverInt32Min(mul->c.value)))
      mul->overflow = Value();
    Location loc = op.getLoc();
    int64_t total = type.getNumElements();
    int64_t chunk = total % kZmmLanes == 0 ? kZmmLanes : total;
    // Every value the multiply reads has the shape of its result; each is
    // flattened once, whatever the number of chunks that read it.
    llvm::DenseMap<Value, Value> flattened;
    auto flat = [&](Value v) -> Value {
      auto vectorType = cast<VectorType>(v.getType());
      if (vectorType.getRank() == 1)
        return v;
      Value &slot = flattened[v];
      if (!slot)
        slot = vector::ShapeCastOp::create(
            rewriter, loc, VectorType::get({total}, vectorType.getElementType()), v);
      return slot;
    };
    auto flatType = VectorType::get({total}, rewriter.getI32Type());
    Value result = chunk == total ? Value()
                                  : arith::ConstantOp::create(
                                        rewriter, loc,
                                        DenseElementsAttr::get(flatType, APInt(32, 0)));
    for (int64_t offset = 0; offset < total; offset += chunk) {
      auto lookup = [&](Value v) -> Value {
        Value whole = flat(v);
        if (chunk == total)
          return whole;
        return vector::ExtractStridedSliceOp::create(rewriter, loc, whole, {offset}, {chunk},
                                                     {1});
      };
      Value part = buildFixedPointMul(rewriter, loc, *mul, chunk, lookup);
      result = chunk == total ? part
                              : vector::InsertStridedSliceOp::create(rewriter, loc, part, result,
                                                                     {offset}, {1});
    }
    if (type.getRank() != 1)
      result = vector::ShapeCastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct RequantizeOnLanesPass final
    : qc::impl::QCCPURequantizeOnLanesBase<RequantizeOnLanesPass> {
  using QCCPURequantizeOnLanesBase::QCCPURequantizeOnLanesBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateRequantizeOnLanesPatterns(patterns);
    bool changed = false;
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     qc::cpuPatternConfig(), &changed)))
      return signalPassFailure();
    if (!changed)
      markAllAnalysesPreserved();
  }
};

} // namespace

void qc::populateRequantizeOnLanesPatterns(RewritePatternSet &patterns) {
  patterns.add<FixedPointMulOnLanes<arith::TruncIOp>, FixedPointMulOnLanes<arith::AddIOp>>(
      patterns.getContext());
}
