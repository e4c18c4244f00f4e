//===- ExpandRankZeroLinalg.cpp - a unit parallel dim for rank-0 results --===//
//
// convert-linalg-to-parallel-loops puts an op's parallel dims in an
// scf.parallel, which becomes the kernel's grid. An op with none (a
// reduction to a rank-0 result, a fill or an elementwise op on rank-0
// buffers) gets no scf.parallel, so its loops stayed on the host, where the
// Vulkan contract rejects them. Here such an op gets a leading parallel dim
// of size 1 and writes a memref<1xT> view of its rank-0 output: one
// invocation computes what the host loops did, in the same order.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCEXPANDRANKZEROLINALG
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// `value` (a rank-0 memref) as a memref<1xT> of the same element.
Value expandToUnit(OpBuilder &b, Location loc, Value value) {
  auto type = cast<MemRefType>(value.getType());
  auto unit = MemRefType::get({1}, type.getElementType(), AffineMap(),
                              type.getMemorySpace());
  return memref::ExpandShapeOp::create(b, loc, unit, value,
                                       ArrayRef<ReassociationIndices>{});
}

bool isRankZeroMemRef(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.getRank() == 0 && type.getLayout().isIdentity();
}

struct ExpandRankZeroOp final : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "not on buffers");
    if (op.getNumParallelLoops() != 0)
      return rewriter.notifyMatchFailure(op, "has a parallel dim already");
    if (!llvm::all_of(op.getDpsInits(), isRankZeroMemRef))
      return rewriter.notifyMatchFailure(
          op, "an output is not a rank-0 memref with the identity layout");
    if (op->getNumRegions() != 1 || op->getRegion(0).empty())
      return rewriter.notifyMatchFailure(op, "no body to carry over");

    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    unsigned loops = op.getNumLoops() + 1;
    AffineMap unit = AffineMap::get(loops, 0, getAffineDimExpr(0, ctx));
    SmallVector<AffineMap> maps;
    for (OpOperand *input : op.getDpsInputOperands())
      maps.push_back(op.getMatchingIndexingMap(input).shiftDims(1));
    SmallVector<Value> inits;
    for (Value init : op.getDpsInits()) {
      maps.push_back(unit);
      inits.push_back(expandToUnit(rewriter, loc, init));
    }
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::parallel};
    llvm::append_range(iterators, op.getIteratorTypesArray());

    auto generic = linalg::GenericOp::create(rewriter, loc, TypeRange{},
                                             op.getDpsInputs(), inits, maps,
                                             iterators);
    // The body is the op's own (a named op's is its generic form), with
    // every linalg.index moved past the new dim.
    rewriter.cloneRegionBefore(op->getRegion(0), generic.getRegion(),
                               generic.getRegion().end());
    generic.getRegion().walk([](linalg::IndexOp index) {
      index.setDim(index.getDim() + 1);
    });
    rewriter.eraseOp(op);
    return success();
  }
};

struct QCExpandRankZeroLinalgPass final
    : qc::impl::QCExpandRankZeroLinalgBase<QCExpandRankZeroLinalgPass> {
  using QCExpandRankZeroLinalgBase::QCExpandRankZeroLinalgBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateExpandRankZeroLinalgPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void qc::populateExpandRankZeroLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ExpandRankZeroOp>(patterns.getContext());
}
