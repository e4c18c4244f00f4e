//===- DynamicBatch.cpp - static tiles of a dynamic batch -----------------===//
#include "DynamicBatch.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

void qc::cpu::tileDynamicBatch(Operation *root) {
  SmallVector<linalg::LinalgOp> candidates;
  root->walk([&](linalg::LinalgOp op) {
    // A fill stays whole: the tiles below start from fills of their own.
    if (isa<linalg::FillOp>(op.getOperation()) || !op.hasPureTensorSemantics() ||
        // One loop: its tiles would be single elements, no static op left.
        op.getNumLoops() < 2 ||
        !isa<TilingInterface>(op.getOperation()))
      return;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (!ShapedType::isDynamic(ranges.front()) ||
        op.getIteratorTypesArray().front() != utils::IteratorType::parallel ||
        llvm::any_of(ArrayRef(ranges).drop_front(), ShapedType::isDynamic))
      return;
    candidates.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (linalg::LinalgOp op : candidates) {
    // Size 1 makes upstream's tiling use the static size 1, not
    // min(1, n - i): the tile has no dynamic dimension left.
    SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
    sizes.front() = rewriter.getIndexAttr(1);
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled) || tiled->tiledOps.size() != 1)
      continue; // Stays whole: scalar loops, as before.
    rewriter.replaceOp(op, tiled->replacements);
    // Operands without the batch loop (the weights) are read whole through
    // an extract_slice of all of them: the op reads the tensor itself, so
    // the int8 kernels see a constant filter (a sample's few rows are only
    // worth a kernel with weights packed at compile time).
    for (OpOperand &operand : tiled->tiledOps.front()->getOpOperands()) {
      auto slice = operand.get().getDefiningOp<tensor::ExtractSliceOp>();
      if (slice && slice.getSourceType().hasStaticShape() &&
          slice.getSourceType() == slice.getResultType() &&
          slice.hasZeroOffset() && slice.hasUnitStride())
        rewriter.modifyOpInPlace(tiled->tiledOps.front(),
                                 [&] { operand.set(slice.getSource()); });
    }
    // The int8 kernels start the accumulator from a constant fill: the tile
    // of the loop's destination (the filled tensor, not yet written at this
    // sample) is filled inside the loop.
    for (OpOperand &init :
         cast<linalg::LinalgOp>(tiled->tiledOps.front()).getDpsInitsMutable()) {
      auto slice = init.get().getDefiningOp<tensor::ExtractSliceOp>();
      if (!slice)
        continue;
      auto arg = dyn_cast<BlockArgument>(slice.getSource());
      if (!arg)
        continue;
      auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
      if (!loop || !loop.getTiedLoopInit(arg))
        continue;
      auto fill = loop.getTiedLoopInit(arg)->get().getDefiningOp<linalg::FillOp>();
      if (!fill)
        continue;
      rewriter.setInsertionPointAfter(slice);
      auto tileFill = linalg::FillOp::create(rewriter, fill.getLoc(), fill.getInputs(),
                                             ValueRange{slice.getResult()});
      rewriter.modifyOpInPlace(init.getOwner(),
                               [&] { init.set(tileFill.getResult(0)); });
    }
  }
}
