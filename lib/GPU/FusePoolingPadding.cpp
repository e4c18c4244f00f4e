//===- FusePoolingPadding.cpp - pooling reads its unpadded input ----------===//
//
// A padded pooling op reads a `tensor.pad` of its input. Bufferized for the
// Vulkan target that is two kernels besides the pool (fill the padded buffer,
// copy the input into its interior) over a buffer larger than the input; on
// resnet18-224 the stem max pool's pair took 19 ms against 3 ms for the pool.
// Here the pool becomes one linalg.generic that computes each window
// position's index in the unpadded input and selects the padding value where
// it falls outside: the same values in the same order, so the same bits.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "PaddedReads.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCFUSEPOOLINGPADDING
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

bool isPooling(Operation *op) {
  return isa<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcMaxUnsignedOp,
             linalg::PoolingNhwcMinOp, linalg::PoolingNhwcMinUnsignedOp,
             linalg::PoolingNhwcSumOp, linalg::PoolingNchwMaxOp,
             linalg::PoolingNchwSumOp, linalg::PoolingNwcMaxOp,
             linalg::PoolingNwcMaxUnsignedOp, linalg::PoolingNwcMinOp,
             linalg::PoolingNwcMinUnsignedOp, linalg::PoolingNwcSumOp,
             linalg::PoolingNcwMaxOp, linalg::PoolingNcwSumOp,
             linalg::PoolingNdhwcMaxOp, linalg::PoolingNdhwcMinOp,
             linalg::PoolingNdhwcSumOp>(op);
}

/// Every linalg pooling op on tensors: ins(padded input, window) outs(init),
/// with a body combining `input` and `init`. The rewrite keeps the window
/// and init operands, their maps, the iterators and the body; only where
/// the body's input element comes from changes.
struct FusePaddedPooling final : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!isPooling(op))
      return rewriter.notifyMatchFailure(op, "not a linalg pooling op");
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
        op.getNumDpsInits() != 1)
      return rewriter.notifyMatchFailure(op, "not on tensors");
    auto pad = op.getDpsInputOperand(0)->get().getDefiningOp<tensor::PadOp>();
    if (!pad)
      return rewriter.notifyMatchFailure(op, "input is not a tensor.pad");
    Value padValue = pad.getConstantPaddingValue();
    if (!padValue)
      return rewriter.notifyMatchFailure(pad, "padding value is not uniform");
    // A constant yielded from inside the pad's body moves out with the pad
    // gone.
    if (pad.getRegion().isAncestor(padValue.getParentRegion()))
      padValue = rewriter.clone(*padValue.getDefiningOp())->getResult(0);

    Location loc = op.getLoc();
    Value source = pad.getSource();
    SmallVector<OpFoldResult> low = pad.getMixedLowPad();
    SmallVector<OpFoldResult> high = pad.getMixedHighPad();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    AffineMap inputMap = maps[0];
    Block &body = op->getRegion(0).front();
    Value window = op.getDpsInputOperand(1)->get();
    Value init = op.getDpsInitOperand(0)->get();

    auto generic = linalg::GenericOp::create(
        rewriter, loc, op->getResultTypes(), ValueRange{window},
        ValueRange{init}, ArrayRef<AffineMap>{maps[1], maps[2]},
        op.getIteratorTypesArray(),
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> loops;
          for (unsigned d = 0, e = inputMap.getNumDims(); d < e; ++d)
            loops.push_back(linalg::IndexOp::create(b, l, d));
          // Indices into the padded tensor, then into its source.
          SmallVector<Value> padded =
              *affine::expandAffineMap(b, l, inputMap, loops);
          qc::PaddingGuard guard(b, l);
          SmallVector<Value> indices;
          for (auto [dim, index] : llvm::enumerate(padded)) {
            if (isZeroInteger(low[dim]) && isZeroInteger(high[dim])) {
              indices.push_back(index);
              continue;
            }
            Value size = getValueOrCreateConstantIndexOp(
                b, l, tensor::getMixedSize(b, l, source, dim));
            Value shifted = index;
            if (!isZeroInteger(low[dim]))
              shifted = arith::SubIOp::create(
                  b, l, index, getValueOrCreateConstantIndexOp(b, l, low[dim]));
            indices.push_back(guard.inBounds(shifted, size));
          }
          Value element = guard.selectPadding(
              tensor::ExtractOp::create(b, l, source, indices), padValue);
          qc::cloneBodyReplacingArgument(b, l, body, /*replaced=*/0, element,
                                         args);
        });
    rewriter.replaceOp(op, generic->getResults());
    if (pad->use_empty())
      rewriter.eraseOp(pad);
    return success();
  }
};

struct QCFusePoolingPaddingPass final
    : qc::impl::QCFusePoolingPaddingBase<QCFusePoolingPaddingPass> {
  using QCFusePoolingPaddingBase::QCFusePoolingPaddingBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateFusePoolingPaddingPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void qc::populateFusePoolingPaddingPatterns(RewritePatternSet &patterns) {
  patterns.add<FusePaddedPooling>(patterns.getContext());
}
