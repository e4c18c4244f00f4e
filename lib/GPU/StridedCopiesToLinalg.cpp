//===- StridedCopiesToLinalg.cpp - strided memref.copy as a kernel --------===//
//
// Host copies in a Vulkan bundle move whole dense buffers; a copy into or out
// of a strided view (bufferized tensor.pad) must run on the device instead,
// so it becomes linalg.copy and is mapped to a GPU kernel.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSTRIDEDCOPIESTOLINALG
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
struct StridedCopyToLinalg final : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<MemRefType>(op.getSource().getType());
    auto target = dyn_cast<MemRefType>(op.getTarget().getType());
    if (!source || !target)
      return rewriter.notifyMatchFailure(op, "unranked memrefs");
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
