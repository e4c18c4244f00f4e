//===- StridedCopiesToLinalg.cpp - strided memref.copy as a kernel --------===//
//
// Host copies in a Vulkan bundle move whole dense buffers; a copy into or out
// of a strided view (bufferized tensor.pad) must run on the device instead,
// so it becomes linalg.copy and is mapped to a GPU kernel. A copy of a view
// onto the same view (a bufferized tensor.insert_slice of the
// tensor.extract_slice its producer wrote into, which the CPU pipeline's
// canonicalizer folds) does nothing and is erased.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSTRIDEDCOPIESTOLINALG
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
/// Whether `a` and `b` are the same elements: one value, or subviews of one
/// buffer with equal offsets, sizes and strides.
bool sameView(Value a, Value b) {
  if (a == b)
    return true;
  auto x = a.getDefiningOp<memref::SubViewOp>();
  auto y = b.getDefiningOp<memref::SubViewOp>();
  if (!x || !y || x.getType() != y.getType() ||
      !sameView(x.getSource(), y.getSource()))
    return false;
  auto equal = [](ArrayRef<OpFoldResult> l, ArrayRef<OpFoldResult> r) {
    return l.size() == r.size() &&
           llvm::all_of(llvm::zip(l, r), [](auto pair) {
             return isEqualConstantIntOrValue(std::get<0>(pair),
                                              std::get<1>(pair));
           });
  };
  return equal(x.getMixedOffsets(), y.getMixedOffsets()) &&
         equal(x.getMixedSizes(), y.getMixedSizes()) &&
         equal(x.getMixedStrides(), y.getMixedStrides());
}

struct StridedCopyToLinalg final : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<MemRefType>(op.getSource().getType());
    auto target = dyn_cast<MemRefType>(op.getTarget().getType());
    if (!source || !target)
      return rewriter.notifyMatchFailure(op, "unranked memrefs");
    if (sameView(op.getSource(), op.getTarget())) {
      rewriter.eraseOp(op);
      return success();
    }
    if (source.getLayout().isIdentity() && target.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(op, "dense copy: stays a host copy");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(), op.getTarget());
    return success();
  }
};

struct QCStridedCopiesToLinalgPass final
    : qc::impl::QCStridedCopiesToLinalgBase<QCStridedCopiesToLinalgPass> {
  using QCStridedCopiesToLinalgBase::QCStridedCopiesToLinalgBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateStridedCopiesToLinalgPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void qc::populateStridedCopiesToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<StridedCopyToLinalg>(patterns.getContext());
}
