//===- NormalizeFloat.cpp - --qc-normalize-float: one canonical float form ===//
//
// Brings the float spellings importers and frontends emit for the same
// computation into the one form --qc-fold-fake-quant matches
// (docs/Design.md, "One canonical form before the fold"):
//
//  * an elementwise arith / math op on whole tensors with one varying
//    operand (and splat constants) becomes a one-input linalg.generic;
//  * average pooling: a sum pool followed by a division (or a product) by a
//    scalar, on tensors or in a generic, becomes the sum pool followed by the
//    canonical divisor generic `sum / counts[oh, ow]` (graph.py's form, which
//    also carries count_include_pad);
//  * elementwise functions of one quantized value spread over several
//    generics (GELU, hardswish, SiLU written op by op) fuse into one generic
//    (upstream elementwise fusion, restricted so that nothing else fuses);
//  * an elementwise generic after the expand_shape of a contraction on
//    collapsed batch dimensions runs on the collapsed shape, before the
//    expand_shape (upstream reshape folding by collapsing, restricted).
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Support/ChangeTracking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCNORMALIZEFLOAT
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;

namespace {

/// A multiplication by a scalar constant: `x / c` (factor 1 / c) or `x * c`,
/// on whole tensors or in a one-input elementwise generic. Returns x.
Value matchScalarScale(Operation *op, double &factor) {
  if (!op || op->getNumResults() != 1)
    return nullptr;
  auto fromPair = [&](Operation *scalar, Value input) -> Value {
    if (isa<arith::DivFOp>(scalar)) {
      std::optional<double> c = getScalarFloatConstant(scalar->getOperand(1));
      if (!c || scalar->getOperand(0) != input || *c == 0.0)
        return nullptr;
      factor = 1.0 / *c;
      return input;
    }
    if (isa<arith::MulFOp>(scalar)) {
      Value a = scalar->getOperand(0), b = scalar->getOperand(1);
      if (a != input && b != input)
        return nullptr;
      std::optional<double> c = getScalarFloatConstant(a == input ? b : a);
      if (!c)
        return nullptr;
      factor = *c;
      return input;
    }
    return nullptr;
  };
  if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        !isAllParallel(generic) ||
        !llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      return nullptr;
    Block *body = generic.getBody();
    Operation *scalar =
        cast<linalg::YieldOp>(body->getTerminator()).getOperand(0).getDefiningOp();
    if (!scalar || scalar->getBlock() != body || !fromPair(scalar, body->getArgument(0)))
      return nullptr;
    return generic.getDpsInputOperand(0)->get();
  }
  if (isa<arith::DivFOp, arith::MulFOp>(op) &&
      isa<RankedTensorType>(op->getResult(0).getType())) {
    Value a = op->getOperand(0);
    Value input = getScalarFloatConstant(a) ? op->getOperand(1) : a;
    return fromPair(op, input);
  }
  return nullptr;
}

/// sum-pool / c (or * c) -> the canonical divisor generic with a splat
/// counts tensor [OH, OW] of value 1 / factor.
struct CanonicalizeAvgPoolDivisor final : RewritePattern {
  explicit CanonicalizeAvgPoolDivisor(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (isCanonicalAvgPoolDivisor(op))
      return rewriter.notifyMatchFailure(op, "already canonical");
    double factor = 0.0;
    Value sum = matchScalarScale(op, factor);
    if (!sum || !isa_and_nonnull<linalg::PoolingNhwcSumOp, linalg::PoolingNchwSumOp>(
                    sum.getDefiningOp()))
      return rewriter.notifyMatchFailure(op, "not a sum pool scaled by a constant");
    Value divisor = buildAvgPoolDivisor(rewriter, op->getLoc(), sum, 1.0 / factor);
    // The importer's tie rounding of the integer average travels along.
    if (Attribute rounding = op->getDiscardableAttr("qc.rounding"))
      divisor.getDefiningOp()->setDiscardableAttr("qc.rounding", rounding);
    rewriter.replaceOp(op, divisor);
    return success();
  }
};

/// An elementwise arith / math op on whole tensors (`math.tanh %x`,
/// `arith.mulf %x, %splat`) with at most one operand that is not a splat
/// constant becomes a one-input linalg.generic with the constants as
/// scalars: the form every elementwise matcher of the fold reads.
struct ElementwiseTensorOpToGeneric final : RewritePattern {
  explicit ElementwiseTensorOpToGeneric(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa_and_nonnull<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
        !op->hasTrait<OpTrait::Elementwise>() || op->getNumResults() != 1 ||
        op->getNumRegions() != 0)
      return rewriter.notifyMatchFailure(op, "not an elementwise arith/math op");
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || !type.hasStaticShape() || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "not on static float tensors");
    Value input;
    SmallVector<std::optional<double>> scalars;
    for (Value operand : op->getOperands()) {
      if (operand.getType() != type)
        return rewriter.notifyMatchFailure(op, "operand of another type (a broadcast)");
      std::optional<double> c = getScalarFloatConstant(operand);
      if (!c && input && input != operand)
        return rewriter.notifyMatchFailure(op, "more than one varying operand");
      if (!c)
        input = operand;
      scalars.push_back(c);
    }
    if (!input)
      return rewriter.notifyMatchFailure(op, "constant operands only");
    Location loc = op->getLoc();
    int64_t rank = type.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    Type element = type.getElementType();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input},
        ValueRange{tensor::EmptyOp::create(rewriter, loc, type.getShape(), element)},
        ArrayRef<AffineMap>{identity, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> operands;
          for (std::optional<double> c : scalars)
            operands.push_back(c ? arith::ConstantOp::create(b, l, b.getFloatAttr(element, *c))
                                       .getResult()
                                 : args[0]);
          OperationState state(l, op->getName(), operands, TypeRange{element},
                               op->getAttrs());
          linalg::YieldOp::create(b, l, b.create(state)->getResult(0));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// The set of values a fused elementwise generic would read that are not
/// scalar (splat) constants.
void collectVaryingInputs(linalg::GenericOp op, Value skip,
                          llvm::SmallSetVector<Value, 4> &inputs) {
  for (OpOperand *operand : op.getDpsInputOperands()) {
    Value v = operand->get();
    if (v == skip || getScalarFloatConstant(v))
      continue;
    inputs.insert(v);
  }
}

bool isQuantizedSource(Value v) {
  return v.getDefiningOp<DequantizeOp>() || v.getDefiningOp<FakeQuantOp>() ||
         v.getDefiningOp<quant::DequantizeCastOp>();
}

/// Fuses a producer generic into its consumer only when both are
/// elementwise and together they read one quantized value (and scalar
/// constants): a function of one quantized input, which the fold turns into
/// a table. Everything else (bias adds after contractions, clamps, binary
/// ops) keeps its shape for the other matchers.
bool controlUnaryFusion(OpOperand *fused) {
  auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
  auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
  if (!consumer || !producer || !isAllParallel(consumer) || !isAllParallel(producer))
    return false;
  llvm::SmallSetVector<Value, 4> inputs;
  collectVaryingInputs(producer, nullptr, inputs);
  collectVaryingInputs(consumer, fused->get(), inputs);
  return inputs.size() == 1 && isQuantizedSource(inputs.front());
}

/// Upstream's FuseElementwiseOps with the control above, without the other
/// patterns of populateElementwiseOpsFusionPatterns (those move splat
/// constants into bodies, which would change shapes the fold matches, such
/// as a bias or the average pool's counts).
struct FuseUnaryChains final : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    for (OpOperand &operand : op->getOpOperands()) {
      if (!linalg::areElementwiseOpsFusable(&operand) || !controlUnaryFusion(&operand))
        continue;
      Operation *producer = operand.get().getDefiningOp();
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, &operand);
      if (failed(fused))
        return rewriter.notifyMatchFailure(op, "fusion failed");
      for (auto [original, replacement] : fused->replacements)
        rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
          return use.getOwner() != producer;
        });
      rewriter.eraseOp(op);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no unary chain to fuse");
  }
};

/// Collapsing a generic after an expand_shape leaves collapse(expand(x))
/// with the same reassociation, and collapses of tensor.empty, which the
/// folders would remove; the normalization runs without folding.
struct CollapseOfExpandOrEmpty final : OpRewritePattern<tensor::CollapseShapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::CollapseShapeOp op,
                                PatternRewriter &rewriter) const override {
    if (auto expand = op.getSrc().getDefiningOp<tensor::ExpandShapeOp>();
        expand && expand.getSrcType() == op.getResultType() &&
        expand.getReassociationIndices() == op.getReassociationIndices()) {
      rewriter.replaceOp(op, expand.getSrc());
      return success();
    }
    if (op.getSrc().getDefiningOp<tensor::EmptyOp>() && op.getResultType().hasStaticShape()) {
      rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, op.getResultType().getShape(),
                                                   op.getResultType().getElementType());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not collapse(expand) or collapse(empty)");
  }
};

struct QCNormalizeFloatPass final
    : qc::impl::QCNormalizeFloatBase<QCNormalizeFloatPass> {
  using QCNormalizeFloatBase::QCNormalizeFloatBase;
  void runOnOperation() override {
    bool changed = false;
    if (failed(applyNormalizeFloatPatterns(getOperation(), &changed)))
      return signalPassFailure();
    if (!changed)
      markAllAnalysesPreserved();
  }
};

} // namespace

bool fold::isCanonicalAvgPoolDivisor(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() != 4 || !isAllParallel(generic))
    return false;
  Operation *pool = generic.getDpsInputOperand(0)->get().getDefiningOp();
  if (!isa_and_nonnull<linalg::PoolingNhwcSumOp, linalg::PoolingNchwSumOp>(pool))
    return false;
  bool nchw = isa<linalg::PoolingNchwSumOp>(pool);
  MLIRContext *context = op->getContext();
  AffineMap counts = AffineMap::get(
      4, 0, {getAffineDimExpr(nchw ? 2 : 1, context), getAffineDimExpr(nchw ? 3 : 2, context)},
      context);
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (!maps[0].isIdentity() || maps[1] != counts || !maps[2].isIdentity())
    return false;
  Block *body = generic.getBody();
  auto div = cast<linalg::YieldOp>(body->getTerminator())
                 .getOperand(0)
                 .getDefiningOp<arith::DivFOp>();
  return div && div->getBlock() == body && div.getLhs() == body->getArgument(0) &&
         div.getRhs() == body->getArgument(1) &&
         getFloatConstantValues(generic.getDpsInputOperand(1)->get());
}

Value fold::buildAvgPoolDivisor(OpBuilder &b, Location loc, Value sum, double count) {
  auto type = cast<RankedTensorType>(sum.getType());
  bool nchw = isa<linalg::PoolingNchwSumOp>(sum.getDefiningOp());
  int64_t oh = type.getDimSize(nchw ? 2 : 1), ow = type.getDimSize(nchw ? 3 : 2);
  Type element = type.getElementType();
  auto countsType = RankedTensorType::get({oh, ow}, element);
  Value counts = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(countsType, b.getFloatAttr(element, count)));
  MLIRContext *context = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(4, context);
  AffineMap countsMap = AffineMap::get(
      4, 0, {getAffineDimExpr(nchw ? 2 : 1, context), getAffineDimExpr(nchw ? 3 : 2, context)},
      context);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), element);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{sum, counts}, ValueRange{init},
             ArrayRef<AffineMap>{identity, countsMap, identity},
             SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l,
                                       arith::DivFOp::create(nb, l, args[0], args[1])
                                           .getResult());
             })
      .getResult(0);
}

/// An elementwise generic (a bias add, a clamp) reading the expand_shape of
/// a contraction on collapsed batch dimensions (graph.py's N-D matmul) runs
/// on the collapsed shape instead, so that the contraction, its bias and its
/// clamp stay one chain for the fold; the expand_shape moves after it.
bool controlCollapseAfterContraction(OpOperand *fused) {
  auto generic = dyn_cast<linalg::GenericOp>(fused->getOwner());
  auto expand = fused->get().getDefiningOp<tensor::ExpandShapeOp>();
  if (!generic || !expand || !isAllParallel(generic))
    return false;
  Operation *source = expand.getSrc().getDefiningOp();
  return isa_and_nonnull<linalg::MatmulOp, linalg::BatchMatmulOp>(source);
}

void qc::populateNormalizeFloatPatterns(RewritePatternSet &patterns) {
  patterns.add<CanonicalizeAvgPoolDivisor, ElementwiseTensorOpToGeneric, FuseUnaryChains>(
      patterns.getContext());
  linalg::populateFoldReshapeOpsByCollapsingPatterns(patterns,
                                                     controlCollapseAfterContraction);
  // Fusing x * f(x) reads x twice: deduplicate the operands.
  linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
  patterns.add<CollapseOfExpandOrEmpty>(patterns.getContext());
}

LogicalResult qc::applyNormalizeFloatPatterns(Operation *op, bool *changed) {
  RewritePatternSet patterns(op->getContext());
  populateNormalizeFloatPatterns(patterns);
  // No folding: upstream folds quant.dcast(quant.qcast(x)) to x, which would
  // erase the activation boundaries of a QDQ graph.
  GreedyRewriteConfig config;
  config.enableFolding(false);
  bool anyChange = false;
  LogicalResult result =
      applyPatternsTrackingChanges(op, std::move(patterns), config, anyChange);
  if (changed)
    *changed = anyChange;
  return result;
}
