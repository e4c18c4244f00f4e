//===- FoldFakeQuantCanonical.cpp - one float form per op before matching ----===//
//
// Rewrites float spellings that fuse several steps into one op into the
// separate ops the --qc-fold-fake-quant matchers know, so that each matcher
// has one shape to match: a linalg.generic whose body is clamp(f(inputs))
// (bias add and ReLU fused, as linalg elementwise fusion and hand-written QDQ
// graphs produce) becomes the generic computing f followed by a clamp
// generic.
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;

namespace {

/// generic(ins...) { yield clamp(f(args...)) } feeding only qc.quantize ops
/// -> clampGeneric(generic(ins...) { yield f(args...) }). Only in quantized
/// regions: elsewhere the fused form is what the user wants.
struct SplitClampedElementwise final : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getNumDpsInits() != 1 || op->getNumResults() != 1 || !isAllParallel(op) ||
        !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
      return rewriter.notifyMatchFailure(op, "not an elementwise generic with one result");
    if (op->use_empty() || !llvm::all_of(op->getUsers(), [](Operation *user) {
          return isa<QuantizeOp>(user);
        }))
      return rewriter.notifyMatchFailure(op, "result does not only feed qc.quantize");
    Block *body = op.getBody();
    auto yield = cast<linalg::YieldOp>(body->getTerminator());
    // Block arguments of splat-constant inputs are constants too.
    DenseMap<Value, double> argConstants;
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value value = input->get();
      std::optional<double> c;
      if (auto fill = value.getDefiningOp<linalg::FillOp>())
        c = getScalarFloatConstant(fill.getInputs()[0]);
      else
        c = getScalarFloatConstant(value);
      if (c)
        argConstants[body->getArgument(input->getOperandNumber())] = *c;
    }
    auto argConstant = [&](Value arg) -> std::optional<double> {
      auto it = argConstants.find(arg);
      if (it == argConstants.end())
        return std::nullopt;
      return it->second;
    };
    ClampRange range;
    bool peeled = false;
    Value clamped = yield.getOperand(0);
    Value inner = peelScalarClamps(clamped, range, peeled, argConstant);
    if (!inner || !peeled)
      return rewriter.notifyMatchFailure(op, "the body does not end in a clamp");
    if (isa<BlockArgument>(inner) || inner.getParentBlock() != body ||
        inner.getType() != clamped.getType())
      return rewriter.notifyMatchFailure(
          op, "the clamp is the whole body (a clamp generic already)");

    // The clamp's ops: the backward slice of the yielded value inside the
    // body, cut at `inner`.
    llvm::SetVector<Operation *> clampOps;
    SmallVector<Value> worklist = {clamped};
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      Operation *def = v.getDefiningOp();
      if (v == inner || !def || def->getBlock() != body || !clampOps.insert(def))
        continue;
      llvm::append_range(worklist, def->getOperands());
    }
    SmallVector<Operation *> ordered(clampOps.begin(), clampOps.end());
    llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });

    // The generic without its clamp.
    Location loc = op.getLoc();
    IRMapping cloned;
    auto unclamped = cast<linalg::GenericOp>(rewriter.clone(*op, cloned));
    Operation *clonedYield = unclamped.getBody()->getTerminator();
    rewriter.modifyOpInPlace(clonedYield, [&] {
      clonedYield->setOperand(0, cloned.lookup(inner));
    });
    for (Operation *clampOp : llvm::reverse(ordered)) {
      Operation *copy = cloned.lookup(clampOp);
      if (copy->use_empty())
        rewriter.eraseOp(copy);
    }

    // The clamp alone, on the unclamped result.
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    AffineMap identity =
        AffineMap::getMultiDimIdentityMap(resultType.getRank(), getContext());
    SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                               utils::IteratorType::parallel);
    auto clampGeneric = linalg::GenericOp::create(
        rewriter, loc, resultType, ValueRange{unclamped->getResult(0)},
        ValueRange{op.getDpsInitOperand(0)->get()},
        ArrayRef<AffineMap>{identity, identity}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          IRMapping mapping;
          mapping.map(inner, args[0]);
          for (Operation *clampOp : ordered) {
            for (Value operand : clampOp->getOperands()) {
              auto it = argConstants.find(operand);
              if (it != argConstants.end() && !mapping.contains(operand))
                mapping.map(operand, arith::ConstantOp::create(
                                         b, l, operand.getType(),
                                         b.getFloatAttr(operand.getType(), it->second)));
            }
            b.clone(*clampOp, mapping);
          }
          linalg::YieldOp::create(b, l, mapping.lookup(clamped));
        });
    rewriter.replaceOp(op, clampGeneric->getResults());
    return success();
  }
};

} // namespace

void fold::populateCanonicalFormPatterns(RewritePatternSet &patterns) {
  patterns.add<SplitClampedElementwise>(patterns.getContext());
}
