//===- FusePoolingWidening.cpp - pools widen the elements they read -------===//
//
// A u8 average pool sums in i32, but linalg.pooling_nhwc_sum sign-extends
// its input, so the lowering widens the u8 codes into an i32 tensor first:
// on the Vulkan path a kernel of its own writing four bytes per element,
// which the pool then reads back. Here the pool reads the narrow tensor and
// widens each element in its body: one kernel and one buffer fewer, the same
// values, so the same bits.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCFUSEPOOLINGWIDENING
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// The elementwise integer cast `value` is the only result of: a
/// linalg.generic on tensors with one input and one init, identity maps,
/// parallel iterators, a body of integer casts of the input element only,
/// and no other user of its result.
linalg::GenericOp castProducer(Value value) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }) ||
      !value.hasOneUse())
    return nullptr;
  Block &body = generic.getRegion().front();
  if (!body.getArgument(1).use_empty())
    return nullptr;
  for (Operation &op : body.without_terminator())
    if (!isa<arith::ExtUIOp, arith::ExtSIOp, arith::TruncIOp>(op))
      return nullptr;
  return generic;
}

/// Clones the casts of `producer`'s body on `element`; returns the widened
/// value.
Value cloneCasts(OpBuilder &b, linalg::GenericOp producer, Value element) {
  Block &body = producer.getRegion().front();
  IRMapping mapping;
  mapping.map(body.getArgument(0), element);
  for (Operation &op : body.without_terminator())
    b.clone(op, mapping);
  return mapping.lookupOrDefault(body.getTerminator()->getOperand(0));
}

bool isPooling(Operation *op) {
  return isa<linalg::LinalgOp>(op) &&
         op->getName().getStringRef().starts_with("linalg.pooling_");
}

/// A linalg pooling op on tensors whose input is a widening cast: a
/// linalg.generic with the pool's operands, maps and iterators reading the
/// narrow tensor, the casts first in its body.
struct FuseWideningIntoPooling final
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!isPooling(op) || !op.hasPureTensorSemantics() ||
        op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
      return rewriter.notifyMatchFailure(op, "not a linalg pooling op");
    linalg::GenericOp producer =
        castProducer(op.getDpsInputOperand(0)->get());
    if (!producer)
      return rewriter.notifyMatchFailure(op, "input is not a widening cast");
    Block &body = op->getRegion(0).front();
    Value narrow = producer.getDpsInputOperand(0)->get();
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), op->getResultTypes(),
        ValueRange{narrow, op.getDpsInputOperand(1)->get()},
        ValueRange{op.getDpsInitOperand(0)->get()},
        op.getIndexingMapsArray(), op.getIteratorTypesArray(),
        [&](OpBuilder &b, Location l, ValueRange args) {
          IRMapping mapping;
          mapping.map(body.getArgument(0), cloneCasts(b, producer, args[0]));
          mapping.map(body.getArgument(1), args[1]);
          mapping.map(body.getArgument(2), args[2]);
          for (Operation &inner : body.without_terminator())
            b.clone(inner, mapping);
          SmallVector<Value> yielded;
          for (Value v : body.getTerminator()->getOperands())
            yielded.push_back(mapping.lookupOrDefault(v));
          linalg::YieldOp::create(b, l, yielded);
        });
    rewriter.replaceOp(op, generic->getResults());
    rewriter.eraseOp(producer);
    return success();
  }
};

/// A tensor.extract in a linalg.generic's body (a padded pool after
/// qc-fuse-pooling-padding) from a widening cast: extract from the narrow
/// tensor and widen the element.
struct FuseWideningIntoExtract final : OpRewritePattern<tensor::ExtractOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractOp extract,
                                PatternRewriter &rewriter) const override {
    if (!extract->getParentOfType<linalg::GenericOp>())
      return rewriter.notifyMatchFailure(extract, "not in a linalg.generic");
    linalg::GenericOp producer = castProducer(extract.getTensor());
    if (!producer)
      return rewriter.notifyMatchFailure(extract, "not from a widening cast");
    Value narrow = tensor::ExtractOp::create(
        rewriter, extract.getLoc(), producer.getDpsInputOperand(0)->get(),
        extract.getIndices());
    rewriter.replaceOp(extract, cloneCasts(rewriter, producer, narrow));
    rewriter.eraseOp(producer);
    return success();
  }
};

struct QCFusePoolingWideningPass final
    : qc::impl::QCFusePoolingWideningBase<QCFusePoolingWideningPass> {
  using QCFusePoolingWideningBase::QCFusePoolingWideningBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateFusePoolingWideningPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void qc::populateFusePoolingWideningPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseWideningIntoPooling, FuseWideningIntoExtract>(
      patterns.getContext());
}
