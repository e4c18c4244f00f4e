//===- FoldFakeQuant.cpp - --qc-fold-fake-quant: driver, boundaries, report ===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Dialect/QC/IR/Requantization.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Numerics/FixedPoint.h"
#include "qc/Support/ChangeTracking.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

// LLVM's enum option parser answers a bad value with "Cannot find option
// named 'x'!", which does not say what would have been accepted. The pass
// option `profile` parses with this specialization instead, whose error lists
// the valid values (it must precede the generated pass base, which
// instantiates the parser).
template <>
struct mlir::detail::PassOptions::GenericOptionParser<mlir::qc::RequantProfile>
    : public llvm::cl::parser<mlir::qc::RequantProfile> {
  using llvm::cl::parser<mlir::qc::RequantProfile>::parser;

  bool parse(llvm::cl::Option &option, llvm::StringRef argName,
             llvm::StringRef arg, mlir::qc::RequantProfile &value) {
    for (const auto &entry : this->Values) {
      if (entry.Name == arg) {
        value = entry.V.getValue();
        return false;
      }
    }
    std::string names;
    for (const auto &entry : this->Values)
      names += (names.empty() ? "" : ", ") + entry.Name.str();
    return option.error("'" + arg + "' is not a valid value (expected one of: " +
                        names + ")");
  }

  std::optional<llvm::StringRef>
  findArgStrForValue(const mlir::qc::RequantProfile &value) {
    for (const auto &entry : this->Values)
      if (entry.V.compare(value))
        return entry.Name;
    return std::nullopt;
  }
};

namespace mlir::qc {
#define GEN_PASS_DEF_QCFOLDFAKEQUANT
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

/// The float tensors qc.quantize / qc.dequantize accept.
static bool isQCFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(
                       tensor.getElementType());
}

/// The quantized tensors qc.quantize / qc.dequantize accept: !quant.uniform
/// with 2- to 16-bit storage (i32 is only for biases).
static bool isQCQuantizedTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor ||
      !isa<UniformQuantizedType, UniformQuantizedPerAxisType>(tensor.getElementType()))
    return false;
  unsigned width = cast<QuantizedType>(tensor.getElementType()).getStorageTypeIntegralWidth();
  return width >= 2 && width <= 16;
}

namespace {

//===----------------------------------------------------------------------===//
// Step 1: boundaries
//===----------------------------------------------------------------------===//

/// qc.fake_quant(x) == dequantize(quantize(x)) by definition; splitting it
/// exposes the quantized value to the compute patterns.
struct FakeQuantToBoundary final : OpRewritePattern<FakeQuantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FakeQuantOp op,
                                PatternRewriter &rewriter) const override {
    QuantizedType qtype = op.getQuantizedType();
    if (!qtype)
      return rewriter.notifyMatchFailure(op, "no quantized type (invalid op)");
    RankedTensorType floatType = op.getInput().getType();
    auto quantizedType = floatType.clone(qtype);
    auto quantize = QuantizeOp::create(rewriter, op.getLoc(), quantizedType,
                                       op.getInput(),
                                       RoundingModeAttr::get(getContext(), op.getRounding()));
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, floatType, quantize.getResult());
    return success();
  }
};

/// Upstream quant.qcast carries no rounding; qc makes it explicit as
/// half_even, the rounding of the QDQ exporters (ONNX QuantizeLinear,
/// PyTorch).
struct QuantizeCastToQuantize final : OpRewritePattern<quant::QuantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::QuantizeCastOp op,
                                PatternRewriter &rewriter) const override {
    if (!isQCFloatTensor(op.getInput().getType()) || !isQCQuantizedTensor(op.getType()))
      return rewriter.notifyMatchFailure(
          op, "only ranked f16/bf16/f32/f64 tensors to 2..16-bit !quant.uniform "
              "map to qc.quantize");
    rewriter.replaceOpWithNewOp<QuantizeOp>(
        op, op.getType(), op.getInput(),
        RoundingModeAttr::get(getContext(), RoundingMode::HalfEven));
    return success();
  }
};

struct DequantizeCastToDequantize final
    : OpRewritePattern<quant::DequantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::DequantizeCastOp op,
                                PatternRewriter &rewriter) const override {
    if (!isQCQuantizedTensor(op.getInput().getType()) || !isQCFloatTensor(op.getType()))
      return rewriter.notifyMatchFailure(
          op, "only ranked 2..16-bit !quant.uniform to f16/bf16/f32/f64 tensors "
              "map to qc.dequantize");
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

/// Weights: quantize(constant) is evaluated at compile time into the storage
/// constant + quant.scast form that the lowering expects.
struct FoldConstantQuantize final : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<double>> values = getFloatConstantValues(op.getInput());
    if (!values)
      return rewriter.notifyMatchFailure(op, "operand is not a float constant");
    RankedTensorType type = op.getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "constant has a dynamic shape");
    QuantizedType qtype = getQuantizedElementType(type);
    SmallVector<int64_t> codes =
        quantizeElements(*values, type.getShape(), qtype, op.getRounding());
    DetachedOps ops(getContext());
    Value result = buildQuantizedConstant(ops, op.getLoc(), type.getShape(), qtype, codes);
    ops.commit(rewriter);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Step 3: cleanup
//===----------------------------------------------------------------------===//

/// quantize(dequantize(q)) into other parameters is a change of parameters:
/// done in integers with the compile-time multiplier s_in / s_out. (Identical
/// types are removed by QuantizeOp's folder.)
struct QuantizeOfDequantizeToRequantize final : OpRewritePattern<QuantizeOp> {
  QuantizeOfDequantizeToRequantize(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Value source = getDequantizedSource(op.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not a qc.dequantize");
    if (source.getType() == op.getType())
      return rewriter.notifyMatchFailure(op, "identical types fold away");
    DetachedOps ops(getContext());
    auto requantize = createRequantize(ops, op.getLoc(), op.getType(), source, ctx);
    std::string reason;
    if (failed(ops.verify(reason)))
      return rewriter.notifyMatchFailure(op, reason);
    ops.commit(rewriter);
    rewriter.replaceOp(op, requantize.getResult());
    return success();
  }
  FoldContext ctx;
};

/// Whether every real value of `inner` (per slice) is representable in
/// `outer`'s range, so that saturating to `outer` is a no-op.
static bool coversRealRange(RankedTensorType outer, RankedTensorType inner) {
  QuantizedType o = getQuantizedElementType(outer), i = getQuantizedElementType(inner);
  SmallVector<double> os = getScales(o), is = getScales(i);
  SmallVector<int64_t> oz = getZeroPoints(o), iz = getZeroPoints(i);
  size_t n = std::max(os.size(), is.size());
  for (size_t c = 0; c < n; ++c) {
    size_t oc = os.size() == 1 ? 0 : c, ic = is.size() == 1 ? 0 : c;
    double lo = (i.getStorageTypeMin() - iz[ic]) * is[ic];
    double hi = (i.getStorageTypeMax() - iz[ic]) * is[ic];
    if (lo < (o.getStorageTypeMin() - oz[oc]) * os[oc] ||
        hi > (o.getStorageTypeMax() - oz[oc]) * os[oc])
      return false;
  }
  return true;
}

/// requantize(requantize(q)) without an inner clamp is one change of
/// parameters when the intermediate type does not saturate; a single
/// rounding is also the more accurate one.
struct MergeRequantizeChain final : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<RequantizeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "operand is not a qc.requantize");
    if (inner.getClamp())
      return rewriter.notifyMatchFailure(op, "the inner clamp would be lost");
    auto inAxis = dyn_cast<UniformQuantizedPerAxisType>(
        inner.getInput().getType().getElementType());
    auto outAxis = dyn_cast<UniformQuantizedPerAxisType>(op.getType().getElementType());
    if (inAxis && outAxis &&
        inAxis.getQuantizedDimension() != outAxis.getQuantizedDimension())
      return rewriter.notifyMatchFailure(op, "per-axis axes differ");
    if (!coversRealRange(inner.getType(), inner.getInput().getType()))
      return rewriter.notifyMatchFailure(
          op, "the intermediate type saturates values of the input");
    rewriter.modifyOpInPlace(op, [&] { op.getInputMutable().assign(inner.getInput()); });
    return success();
  }
};

} // namespace

namespace {

/// Weights are constants: their qc.transpose / qc.reshape (from NCHW, FHWC,
/// transposed-matmul and batch forms) is done at compile time, so the
/// lowering sees the constant in qc's layout.
template <typename ShapeOp>
struct FoldConstantShapeOp final : OpRewritePattern<ShapeOp> {
  using OpRewritePattern<ShapeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ShapeOp op, PatternRewriter &rewriter) const override {
    DenseIntElementsAttr attr = getQuantizedConstant(op.getInput());
    if (!attr)
      return rewriter.notifyMatchFailure(op, "operand is not a quantized constant");
    RankedTensorType resultType = op.getType();
    if (!resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic result shape");
    QuantizedType qtype = getQuantizedElementType(resultType);
    SmallVector<int64_t> codes = getCodes(attr, qtype.isSigned());
    if constexpr (std::is_same_v<ShapeOp, TransposeOp>)
      codes = permuteElements(codes, op.getInput().getType().getShape(),
                              op.getPermutation());
    DetachedOps ops(op->getContext());
    Value folded =
        buildQuantizedConstant(ops, op.getLoc(), resultType.getShape(), qtype, codes);
    ops.commit(rewriter);
    rewriter.replaceOp(op, folded);
    return success();
  }
};

/// transpose(transpose(x, p1), p2) is one transpose by p1[p2[d]], or x when
/// that is the identity: NCHW ops folded one at a time leave such pairs
/// between them.
struct ComposeTransposes final : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "operand is not a qc.transpose");
    ArrayRef<int64_t> outerPerm = op.getPermutation(), innerPerm = inner.getPermutation();
    SmallVector<int64_t> perm;
    for (int64_t p : outerPerm)
      perm.push_back(innerPerm[p]);
    if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())) &&
        inner.getInput().getType() == op.getType()) {
      rewriter.replaceOp(op, inner.getInput());
      return success();
    }
    rewriter.replaceOpWithNewOp<TransposeOp>(op, inner.getInput(),
                                             rewriter.getDenseI64ArrayAttr(perm));
    return success();
  }
};

} // namespace

void qc::populateFakeQuantBoundaryPatterns(RewritePatternSet &patterns) {
  patterns.add<FakeQuantToBoundary, QuantizeCastToQuantize,
               DequantizeCastToDequantize>(patterns.getContext());
}

void fold::populateCleanupPatterns(RewritePatternSet &patterns,
                                   const FoldContext &ctx) {
  MLIRContext *context = patterns.getContext();
  patterns.add<FoldConstantQuantize, MergeRequantizeChain, ComposeTransposes,
               FoldConstantShapeOp<TransposeOp>, FoldConstantShapeOp<ReshapeOp>>(context);
  patterns.add<QuantizeOfDequantizeToRequantize>(context, ctx);
}

void qc::populateFoldFakeQuantPatterns(RewritePatternSet &patterns,
                                       RequantProfile profile) {
  FoldContext ctx;
  ctx.profile = profile;
  populateCanonicalFormPatterns(patterns);
  populateCleanupPatterns(patterns, ctx);
  populateContractionPatterns(patterns, ctx);
  populateComputePatterns(patterns, ctx);
  populatePropagationPatterns(patterns, ctx);
  populateNonlinearPatterns(patterns, ctx);
  populateHadamardPatterns(patterns, ctx);
}

//===----------------------------------------------------------------------===//
// Report
//===----------------------------------------------------------------------===//

static bool isIntegerComputeOp(Operation *op) {
  return isa_and_nonnull<QCDialect>(op->getDialect()) &&
         !isa<QuantizeOp, DequantizeOp, FakeQuantOp>(op);
}

namespace {
/// Forgets the reasons of erased ops, so that a new op that reuses the
/// address does not inherit one.
struct ForgetErasedOps final : RewriterBase::Listener {
  explicit ForgetErasedOps(FloatReasons &reasons) : reasons(reasons) {}
  void notifyOperationErased(Operation *op) override { reasons.reasons.erase(op); }
  FloatReasons &reasons;
};

struct QCFoldFakeQuantPass final
    : qc::impl::QCFoldFakeQuantBase<QCFoldFakeQuantPass> {
  using QCFoldFakeQuantBase::QCFoldFakeQuantBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Step 1 walks once without folding: the upstream folder of quant.dcast
    // would otherwise erase dcast(qcast(x)) before it becomes a boundary.
    qc::ChangeListener boundaryChanges;
    {
      RewritePatternSet boundaries(&getContext());
      populateFakeQuantBoundaryPatterns(boundaries);
      walkAndApplyPatterns(func, std::move(boundaries), &boundaryChanges);
    }
    // One canonical float form before matching (docs/Design.md).
    bool normalized = false;
    if (failed(applyNormalizeFloatPatterns(func, &normalized)))
      func.emitWarning("qc-normalize-float did not converge");
    // What step 1 could not convert is named, not silently lost: the
    // greedy driver below folds quant.dcast(quant.qcast(x)) to x.
    func.walk([](quant::QuantizeCastOp op) {
      op.emitWarning("not converted to qc.quantize (qc needs ranked f16/bf16/"
                     "f32/f64 tensors and 2- to 16-bit storage); a quant.dcast "
                     "of it folds away");
    });
    unsigned integerOpsBefore = countIntegerOps(func);
    FoldContext ctx;
    ctx.profile = profile;
    ctx.floatReasons = std::make_shared<FloatReasons>();
    RewritePatternSet patterns(&getContext());
    populateCanonicalFormPatterns(patterns);
    populateCleanupPatterns(patterns, ctx);
    populateContractionPatterns(patterns, ctx);
    populateComputePatterns(patterns, ctx);
    populatePropagationPatterns(patterns, ctx);
    populateNonlinearPatterns(patterns, ctx);
    populateHadamardPatterns(patterns, ctx);
    ForgetErasedOps listener(*ctx.floatReasons);
    GreedyRewriteConfig config;
    config.setListener(&listener);
    // Every rewrite leaves valid IR, so a driver that stops early (its
    // iteration limit) only leaves more ops in float: warn, do not fail.
    bool folded = false;
    if (failed(qc::applyPatternsTrackingChanges(func, std::move(patterns),
                                                config, folded)))
      func.emitWarning("qc-fold-fake-quant did not converge; some ops may stay in "
                       "float");
    unsigned integerOpsAfter = countIntegerOps(func);
    mlir::qc::addStatistic(*this, numFolded, "folded-ops",
                           integerOpsAfter > integerOpsBefore
                               ? integerOpsAfter - integerOpsBefore
                               : 0);
    if (failed(checkAndReport(func, *ctx.floatReasons)))
      return signalPassFailure();
    // A model folded already (or with no fake quantization) is left as it
    // was.
    if (!boundaryChanges.changed() && !normalized && !folded)
      markAllAnalysesPreserved();
  }

  static unsigned countIntegerOps(func::FuncOp func) {
    unsigned count = 0;
    func.walk([&](Operation *op) { count += isIntegerComputeOp(op); });
    return count;
  }

  /// Checks that every requantization has a representable multiplier (an
  /// error otherwise: scales like 1e200 * 1e200 overflow), names what stayed
  /// float (errors without `allow-float`, remarks with `report`), and with
  /// `report` describes each integer op.
  LogicalResult checkAndReport(func::FuncOp func, const FloatReasons &floatReasons) {
    unsigned integerOps = 0;
    SmallVector<std::string> floatOps;
    WalkResult walk = func.walk([&](Operation *op) {
      if (isIntegerComputeOp(op)) {
        ++integerOps;
        std::optional<Requantization> d = getRequantization(op);
        if (!d)
          return WalkResult::advance();
        SmallVector<int32_t> multipliers, shifts;
        for (double real : d->reals) {
          if (!std::isfinite(real) || real < 0.0) {
            op->emitOpError() << "requantization multiplier " << real << " ("
                              << d->formula
                              << ") is not finite: the scales are inconsistent";
            return WalkResult::interrupt();
          }
          numerics::QuantizedMultiplier m = numerics::quantizeMultiplier(real);
          multipliers.push_back(m.multiplier);
          shifts.push_back(m.shift);
        }
        if (report) {
          std::string reals;
          llvm::raw_string_ostream os(reals);
          llvm::interleaveComma(d->reals, os,
                                [&](double r) { os << llvm::format("%.9g", r); });
          op->emitRemark() << "requantization (" << stringifyRequantProfile(profile)
                           << "): real [" << reals << "] (" << d->formula
                           << ") -> multiplier [" << llvm::interleaved(multipliers)
                           << "] shift [" << llvm::interleaved(shifts) << "]";
        }
        return WalkResult::advance();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    bool rejected = false;
    unsigned islands = 0;
    for (const FloatOp &floatOp : findFloatOps(func, floatReasons)) {
      floatOps.push_back(floatOp.op->getName().getStringRef().str());
      if (!allowFloat && floatOp.between) {
        floatOp.op->emitError() << "'" << floatOp.op->getName()
                                << "' has no integer form here (allow-float=false): "
                                << floatOp.reason;
        rejected = true;
        continue;
      }
      // Allowed float between a dequantize and a quantize: an explicit,
      // named qc.float_island (docs/FoldFakeQuant.md).
      std::string island;
      if (floatOp.between) {
        island = (func.getSymName() + ".float" + Twine(islands++)).str();
        wrapInFloatIsland(floatOp.op, island);
      }
      if (report) {
        InFlightDiagnostic remark = floatOp.op->emitRemark()
                                    << "'" << floatOp.op->getName()
                                    << "' stays in float: " << floatOp.reason;
        if (!island.empty())
          remark << " (float island '" << island << "')";
      }
    }
    mlir::qc::addStatistic(*this, numKeptFloat, "kept-float-ops",
                           floatOps.size());
    if (rejected)
      return failure();
    if (report) {
      InFlightDiagnostic summary = func.emitRemark()
                                   << "qc-fold-fake-quant: " << integerOps
                                   << " integer op(s), " << floatOps.size()
                                   << " op(s) stayed float";
      if (!floatOps.empty())
        summary << ": " << llvm::join(floatOps, ", ");
    }
    return success();
  }
};
} // namespace
