//===- FoldFakeQuantCompute.cpp - float op chains to qc integer ops -------===//
//
// The patterns of --qc-fold-fake-quant that turn `qc.quantize(float op chain
// on qc.dequantize values)` into qc compute ops, and that move qc.dequantize
// below the ops that keep quantization parameters (reshape, transpose,
// concat, max-pool).
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

static constexpr double kInf = std::numeric_limits<double>::infinity();

//===----------------------------------------------------------------------===//
// Matchers for the float forms
//===----------------------------------------------------------------------===//

static std::optional<double> getScalarFloatConstant(Value value) {
  FloatAttr attr;
  if (matchPattern(value, m_Constant(&attr)))
    return attr.getValueAsDouble();
  DenseFPElementsAttr splat;
  if (matchPattern(value, m_Constant(&splat)) && splat.isSplat()) {
    APFloat element = splat.getSplatValue<APFloat>();
    bool losesInfo = false;
    element.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    return element.convertToDouble();
  }
  return std::nullopt;
}

namespace {
/// A real interval [lo, hi] applied by ReLU / ReLU6 / clamp.
struct ClampRange {
  double lo = -kInf;
  double hi = kInf;
};
} // namespace

/// Follows a scalar (or elementwise tensor) value back through
/// max/min-with-constant and the cmpf+select form of ReLU until `input`.
static bool traceClamp(Value value, Value input, ClampRange &range) {
  while (value != input) {
    Operation *def = value.getDefiningOp();
    if (!def)
      return false;
    auto splitConstant = [&](Value a, Value b, double &c, Value &other) {
      if (std::optional<double> v = getScalarFloatConstant(b)) {
        c = *v;
        other = a;
        return true;
      }
      if (std::optional<double> v = getScalarFloatConstant(a)) {
        c = *v;
        other = b;
        return true;
      }
      return false;
    };
    double c;
    Value other;
    if (isa<arith::MaximumFOp, arith::MaxNumFOp>(def)) {
      if (!splitConstant(def->getOperand(0), def->getOperand(1), c, other))
        return false;
      range.lo = std::max(range.lo, c);
      value = other;
      continue;
    }
    if (isa<arith::MinimumFOp, arith::MinNumFOp>(def)) {
      if (!splitConstant(def->getOperand(0), def->getOperand(1), c, other))
        return false;
      range.hi = std::min(range.hi, c);
      value = other;
      continue;
    }
    // select(x > c, x, c) is max(x, c); select(x < c, x, c) is min(x, c).
    if (auto select = dyn_cast<arith::SelectOp>(def)) {
      auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
      if (!cmp || cmp.getLhs() != select.getTrueValue() ||
          cmp.getRhs() != select.getFalseValue())
        return false;
      std::optional<double> bound = getScalarFloatConstant(cmp.getRhs());
      if (!bound)
        return false;
      using P = arith::CmpFPredicate;
      P p = cmp.getPredicate();
      if (p == P::OGT || p == P::UGT || p == P::OGE || p == P::UGE)
        range.lo = std::max(range.lo, *bound);
      else if (p == P::OLT || p == P::ULT || p == P::OLE || p == P::ULE)
        range.hi = std::min(range.hi, *bound);
      else
        return false;
      value = cmp.getLhs();
      continue;
    }
    return false;
  }
  return range.lo <= range.hi;
}

static bool isAllParallel(linalg::LinalgOp op) {
  return op.getNumLoops() == op.getNumParallelLoops();
}

/// An elementwise op that clamps one input: a linalg.generic whose body is a
/// clamp of its input, or a max/min/select on whole tensors. Returns the
/// clamped input.
static Value matchClampOp(Operation *op, ClampRange &range) {
  if (!op || op->getNumResults() != 1)
    return nullptr;
  if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        !isAllParallel(generic) ||
        !llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      return nullptr;
    Block *body = generic.getBody();
    auto yield = cast<linalg::YieldOp>(body->getTerminator());
    ClampRange local = range;
    if (!traceClamp(yield.getOperand(0), body->getArgument(0), local))
      return nullptr;
    range = local;
    return generic.getDpsInputOperand(0)->get();
  }
  if (!isa<RankedTensorType>(op->getResult(0).getType()))
    return nullptr;
  // Tensor-level arith: the clamp ends at the first operand that is not a
  // constant or part of the chain.
  Value cursor = op->getResult(0);
  Value source;
  while (Operation *def = cursor.getDefiningOp()) {
    if (!isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
             arith::MinNumFOp>(def))
      break;
    Value a = def->getOperand(0), b = def->getOperand(1);
    cursor = getScalarFloatConstant(b) ? a : b;
    source = cursor;
  }
  if (!source)
    return nullptr;
  ClampRange local = range;
  if (!traceClamp(op->getResult(0), source, local))
    return nullptr;
  range = local;
  return source;
}

/// Peels single-use clamps off `value` (what a ReLU after a matmul looks like
/// from the quantize that follows it).
static Value peelClamps(Value value, ClampRange &range, bool &peeled) {
  peeled = false;
  while (true) {
    Operation *def = value.getDefiningOp();
    ClampRange local = range;
    Value input = matchClampOp(def, local);
    if (!input || !value.hasOneUse())
      return value;
    range = local;
    peeled = true;
    value = input;
  }
}

namespace {
enum class BinaryKind { Add, Mul };

/// An elementwise binary float op with the indexing maps of its inputs
/// (identity for ops on whole tensors).
struct BinaryMatch {
  Value lhs, rhs;
  AffineMap lhsMap, rhsMap;
};
} // namespace

static std::optional<BinaryMatch> matchBinary(Operation *op, BinaryKind kind) {
  if (!op || op->getNumResults() != 1)
    return std::nullopt;
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType)
    return std::nullopt;
  AffineMap identity =
      AffineMap::getMultiDimIdentityMap(resultType.getRank(), op->getContext());
  bool isAdd = kind == BinaryKind::Add;
  if ((isAdd && isa<arith::AddFOp, linalg::AddOp>(op)) ||
      (!isAdd && isa<arith::MulFOp, linalg::MulOp>(op)))
    return BinaryMatch{op->getOperand(0), op->getOperand(1), identity, identity};
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1 ||
      !isAllParallel(generic) ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)).isIdentity())
    return std::nullopt;
  Block *body = generic.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Operation *scalar = yield.getOperand(0).getDefiningOp();
  if (!scalar || scalar->getBlock() != body ||
      !(isAdd ? isa<arith::AddFOp>(scalar) : isa<arith::MulFOp>(scalar)))
    return std::nullopt;
  Value a = body->getArgument(0), b = body->getArgument(1);
  Value x = scalar->getOperand(0), y = scalar->getOperand(1);
  if (!((x == a && y == b) || (x == b && y == a)))
    return std::nullopt;
  return BinaryMatch{generic.getDpsInputOperand(0)->get(),
                     generic.getDpsInputOperand(1)->get(),
                     generic.getIndexingMapsArray()[0],
                     generic.getIndexingMapsArray()[1]};
}

/// The per-channel values of a float tensor that varies only along the last
/// dimension of the iteration space (a bias), read through `map`. Accepts a
/// constant, a `linalg.broadcast` of one and a broadcasting linalg.generic.
static std::optional<SmallVector<double>> getChannelVector(Value value, AffineMap map,
                                                           int64_t channels) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
      type.getRank() != map.getNumResults())
    return std::nullopt;
  unsigned lastDim = map.getNumDims() - 1;
  // Every result but the last is a size-1 constant 0 or a dimension along
  // which the constant must then not vary; the last is the channel dim.
  if (map.getResult(map.getNumResults() - 1) != getAffineDimExpr(lastDim, map.getContext()) ||
      type.getShape().back() != channels)
    return std::nullopt;
  for (unsigned i = 0; i + 1 < map.getNumResults(); ++i) {
    AffineExpr e = map.getResult(i);
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      if (c.getValue() != 0 || type.getDimSize(i) != 1)
        return std::nullopt;
    } else if (!isa<AffineDimExpr>(e) || e == getAffineDimExpr(lastDim, map.getContext())) {
      return std::nullopt;
    }
  }
  if (std::optional<SmallVector<double>> values = getFloatConstantValues(value)) {
    for (size_t i = 0, e = values->size(); i < e; ++i)
      if ((*values)[i] != (*values)[i % channels])
        return std::nullopt;
    values->truncate(channels);
    return values;
  }
  if (!map.isIdentity())
    return std::nullopt;
  MLIRContext *context = value.getContext();
  int64_t rank = type.getRank();
  if (auto broadcast = value.getDefiningOp<linalg::BroadcastOp>()) {
    // Only the channel dimension may survive from the input.
    auto inputType = cast<RankedTensorType>(broadcast.getInput().getType());
    if (inputType.getRank() != 1 ||
        static_cast<int64_t>(broadcast.getDimensions().size()) != rank - 1 ||
        llvm::is_contained(broadcast.getDimensions(), rank - 1))
      return std::nullopt;
    return getChannelVector(broadcast.getInput(),
                            AffineMap::get(1, 0, getAffineDimExpr(0, context)), channels);
  }
  if (auto generic = value.getDefiningOp<linalg::GenericOp>()) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        !isAllParallel(generic))
      return std::nullopt;
    Block *body = generic.getBody();
    auto yield = cast<linalg::YieldOp>(body->getTerminator());
    if (yield.getOperand(0) != body->getArgument(0))
      return std::nullopt;
    return getChannelVector(generic.getDpsInputOperand(0)->get(),
                            generic.getIndexingMapsArray()[0], channels);
  }
  return std::nullopt;
}

/// An accumulator init that is zero: linalg.fill of 0.0 or a zero constant.
static bool isZeroInit(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

/// A tensor.pad of an NHWC tensor on H and W only, with a constant value;
/// returns [top, bottom, left, right].
static std::optional<SmallVector<int64_t>> getSpatialPadding(tensor::PadOp pad,
                                                             double &padValue) {
  if (pad.getSourceType().getRank() != 4 || !pad.getLow().empty() ||
      !pad.getHigh().empty())
    return std::nullopt;
  Value value = pad.getConstantPaddingValue();
  std::optional<double> constant = value ? getScalarFloatConstant(value) : std::nullopt;
  if (!constant)
    return std::nullopt;
  ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  if (low[0] || high[0] || low[3] || high[3])
    return std::nullopt;
  padValue = *constant;
  return SmallVector<int64_t>{low[1], high[1], low[2], high[2]};
}

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

/// Storage codes of a real clamp range in `type`. quantize is monotone, so
/// quantize(clamp(x, lo, hi)) == clamp(quantize(x), Q(lo), Q(hi)) exactly.
static std::optional<std::pair<int64_t, int64_t>>
getClampCodes(const ClampRange &range, QuantizedType type, RoundingMode rounding) {
  if (isa<UniformQuantizedPerAxisType>(type))
    return std::nullopt;
  int64_t qmin = type.getStorageTypeMin(), qmax = type.getStorageTypeMax();
  double scale = getScales(type)[0];
  int64_t zp = getZeroPoints(type)[0];
  auto code = [&](double real, int64_t infinite) {
    if (std::isinf(real))
      return infinite;
    return numerics::quantizeValue(real, scale, zp, qmin, qmax, rounding);
  };
  return std::pair{code(range.lo, range.lo < 0 ? qmin : qmax),
                   code(range.hi, range.hi < 0 ? qmin : qmax)};
}

/// The clamp attribute, absent when it is the whole storage range.
static DenseI64ArrayAttr getClampAttr(MLIRContext *context,
                                      std::pair<int64_t, int64_t> codes,
                                      QuantizedType type) {
  auto [qmin, qmax] = getStorageRange(type);
  if (codes.first <= qmin && codes.second >= qmax)
    return nullptr;
  return DenseI64ArrayAttr::get(context, {codes.first, codes.second});
}

/// Quantizes a float bias to i32 with scale s_in * s_w[c] (zero point 0),
/// per axis 0 when the weights are per channel. Saturates to the i32 range;
/// rounds half to even like the weight quantization of the exporters.
static FailureOr<Value> buildBias(DetachedOps &ops, Location loc,
                                  ArrayRef<double> bias, QuantizedType inputType,
                                  QuantizedType weightType, std::string &reason) {
  MLIRContext *context = inputType.getContext();
  double inputScale = getScales(inputType)[0];
  SmallVector<double> weightScales = getScales(weightType);
  int64_t channels = bias.size();
  SmallVector<double> scales;
  for (double ws : weightScales) {
    double s = inputScale * ws;
    if (!std::isfinite(s) || s <= 0.0) {
      reason = "bias scale s_in * s_w is not a finite positive number";
      return failure();
    }
    scales.push_back(s);
  }
  auto i32 = IntegerType::get(context, 32);
  Type expressed = inputType.getExpressedType();
  int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  if (scales.size() != 1 && static_cast<int64_t>(scales.size()) != channels) {
    reason = "per-channel weight scales do not match the bias size";
    return failure();
  }
  // getChecked: s_in * s_w may leave the expressed type's range (e.g. below
  // the smallest f32), which makes the bias type itself invalid.
  auto emitError = [&]() {
    return mlir::emitError(UnknownLoc::get(context)) << "bias type: ";
  };
  ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
    if (!isa<UnknownLoc>(diag.getLocation()))
      return failure();
    reason = diag.str();
    return success();
  });
  QuantizedType biasType;
  if (scales.size() == 1)
    biasType = UniformQuantizedType::getChecked(emitError, quant::QuantizationFlags::Signed,
                                                i32, expressed, scales[0], 0, lo, hi);
  else
    biasType = UniformQuantizedPerAxisType::getChecked(
        emitError, quant::QuantizationFlags::Signed, i32, expressed, scales,
        SmallVector<int64_t>(scales.size(), 0), 0, lo, hi);
  if (!biasType)
    return failure();
  SmallVector<int64_t> codes =
      quantizeElements(bias, {channels}, biasType, RoundingMode::HalfEven);
  return buildQuantizedConstant(ops, loc, {channels}, biasType, codes);
}

/// Verifies the detached ops' final op and commits them in place of `anchor`;
/// on a verifier failure records the reason for the float op `floatOp`.
static LogicalResult commitOrExplain(PatternRewriter &rewriter, DetachedOps &ops,
                                     Operation *created, Operation *anchor,
                                     Operation *floatOp, const FoldContext &ctx) {
  std::string reason;
  if (failed(ops.verify(reason))) {
    ctx.noteFloat(floatOp, reason);
    return rewriter.notifyMatchFailure(anchor, reason);
  }
  ops.commit(rewriter);
  rewriter.replaceOp(anchor, created->getResults());
  return success();
}

/// `value` with a new static shape that only adds or drops unit dimensions:
/// a re-emitted constant when it is one (a per-axis `oldAxis` becomes
/// `newAxis`; any other axis fails), otherwise qc.reshape, which keeps
/// per-tensor parameters only.
static FailureOr<Value> reshapeQuantized(DetachedOps &ops, Location loc, Value value,
                                         ArrayRef<int64_t> shape, int64_t oldAxis,
                                         int64_t newAxis) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.hasStaticShape())
    return failure();
  QuantizedType qtype = getQuantizedElementType(type);
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
    DenseIntElementsAttr codes = getQuantizedConstant(value);
    if (!codes || perAxis.getQuantizedDimension() != oldAxis)
      return failure();
    auto moved = UniformQuantizedPerAxisType::get(
        perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
        perAxis.getScales(), perAxis.getZeroPoints(), newAxis,
        perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
    SmallVector<int64_t> values;
    for (const APInt &v : codes.getValues<APInt>())
      values.push_back(moved.isSigned() ? v.getSExtValue()
                                        : static_cast<int64_t>(v.getZExtValue()));
    return buildQuantizedConstant(ops, loc, shape, moved, values);
  }
  return ops.create<ReshapeOp>(loc, RankedTensorType::get(shape, qtype), value).getResult();
}

namespace {

//===----------------------------------------------------------------------===//
// quantize(clamp(dequantize(q))): qc.clamp or qc.requantize with clamp
//===----------------------------------------------------------------------===//

struct ClampOfDequantize final : OpRewritePattern<QuantizeOp> {
  ClampOfDequantize(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    ClampRange range;
    bool peeled;
    Value chain = peelClamps(op.getInput(), range, peeled);
    Value source = getDequantizedSource(chain);
    if (!peeled || !source)
      return rewriter.notifyMatchFailure(op, "not quantize(clamp(dequantize))");
    QuantizedType resultType = getQuantizedElementType(op.getType());
    auto codes = getClampCodes(range, resultType, op.getRounding());
    Operation *clampOp = op.getInput().getDefiningOp();
    if (!codes) {
      ctx.noteFloat(clampOp, "a clamp on a per-axis quantized result has no "
                             "single integer range");
      return rewriter.notifyMatchFailure(op, "per-axis clamp");
    }
    DetachedOps ops(getContext());
    Operation *created;
    if (source.getType() == op.getType())
      created = ops.create<ClampOp>(clampOp->getLoc(), source,
                                    rewriter.getI64IntegerAttr(codes->first),
                                    rewriter.getI64IntegerAttr(codes->second));
    else
      created = ops.create<RequantizeOp>(
          clampOp->getLoc(), op.getType(), source,
          RequantProfileAttr::get(getContext(), ctx.profile),
          DenseI64ArrayAttr::get(getContext(), {codes->first, codes->second}));
    return commitOrExplain(rewriter, ops, created, op, clampOp, ctx);
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(clamp?(add|mul(dequantize(a), dequantize(b)))): qc.add / qc.mul
//===----------------------------------------------------------------------===//

struct ElementwiseBinaryToQC final : OpRewritePattern<QuantizeOp> {
  ElementwiseBinaryToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    ClampRange range;
    bool peeled;
    Value chain = peelClamps(op.getInput(), range, peeled);
    Operation *def = chain.getDefiningOp();
    if (!def || !chain.hasOneUse())
      return rewriter.notifyMatchFailure(op, "no single-use producer");
    for (BinaryKind kind : {BinaryKind::Add, BinaryKind::Mul}) {
      std::optional<BinaryMatch> m = matchBinary(def, kind);
      if (!m)
        continue;
      Value a = getDequantizedSource(m->lhs), b = getDequantizedSource(m->rhs);
      if (!a || !b || !m->lhsMap.isIdentity() || !m->rhsMap.isIdentity())
        return rewriter.notifyMatchFailure(
            op, "operands are not both dequantized tensors of the result shape");
      QuantizedType resultType = getQuantizedElementType(op.getType());
      DenseI64ArrayAttr clamp;
      if (peeled) {
        auto codes = getClampCodes(range, resultType, op.getRounding());
        if (!codes) {
          ctx.noteFloat(def, "a clamp on a per-axis quantized result has no single "
                             "integer range");
          return rewriter.notifyMatchFailure(op, "per-axis clamp");
        }
        clamp = getClampAttr(getContext(), *codes, resultType);
      }
      DetachedOps ops(getContext());
      auto profile = RequantProfileAttr::get(getContext(), ctx.profile);
      Operation *created =
          kind == BinaryKind::Add
              ? ops.create<AddOp>(def->getLoc(), op.getType(), a, b, profile, clamp)
                    .getOperation()
              : ops.create<MulOp>(def->getLoc(), op.getType(), a, b, profile, clamp)
                    .getOperation();
      return commitOrExplain(rewriter, ops, created, op, def, ctx);
    }
    return rewriter.notifyMatchFailure(op, "producer is not an elementwise add/mul");
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(clamp?(bias add?(matmul|conv|depthwise(dequantize...)))):
// qc.matmul / qc.conv2d
//===----------------------------------------------------------------------===//

struct ContractionToQC final : OpRewritePattern<QuantizeOp> {
  ContractionToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    ClampRange range;
    bool peeled;
    Value chain = peelClamps(op.getInput(), range, peeled);
    Operation *def = chain.getDefiningOp();
    if (!def || !chain.hasOneUse())
      return rewriter.notifyMatchFailure(op, "no single-use producer");
    if (op.getType().getRank() == 0)
      return rewriter.notifyMatchFailure(op, "rank-0 result");
    int64_t channels = op.getType().getShape().back();
    if (ShapedType::isDynamic(channels))
      return rewriter.notifyMatchFailure(op, "dynamic channel count");

    // A bias added after the contraction (torch-mlir, ONNX importers).
    std::optional<SmallVector<double>> bias;
    if (std::optional<BinaryMatch> add = matchBinary(def, BinaryKind::Add)) {
      for (auto [main, other, mainMap, otherMap] :
           {std::tuple{add->lhs, add->rhs, add->lhsMap, add->rhsMap},
            std::tuple{add->rhs, add->lhs, add->rhsMap, add->lhsMap}}) {
        Operation *producer = main.getDefiningOp();
        if (!mainMap.isIdentity() || !producer || !main.hasOneUse() ||
            !isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::Conv2DNhwcHwcfOp,
                 linalg::DepthwiseConv2DNhwcHwcOp>(producer))
          continue;
        if ((bias = getChannelVector(other, otherMap, channels))) {
          def = producer;
          break;
        }
      }
      if (!bias)
        return rewriter.notifyMatchFailure(
            op, "add is neither a bias add of a contraction nor handled here");
    }

    auto linalgOp = dyn_cast<linalg::LinalgOp>(def);
    if (!linalgOp || !isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::Conv2DNhwcHwcfOp,
                          linalg::DepthwiseConv2DNhwcHwcOp>(def))
      return rewriter.notifyMatchFailure(op, "producer is not a supported contraction");
    auto reject = [&](StringRef reason) {
      ctx.noteFloat(def, reason);
      return rewriter.notifyMatchFailure(op, reason);
    };
    if (auto matmul = dyn_cast<linalg::MatmulOp>(def); matmul && matmul.hasUserDefinedMaps())
      return reject("user-defined (transposing or broadcasting) indexing maps are "
                    "not the [M, K] x [K, N] form of qc.matmul");
    bool isBatched = isa<linalg::BatchMatmulOp>(def);
    if (isBatched) {
      auto batched = cast<linalg::BatchMatmulOp>(def);
      if (batched.hasUserDefinedMaps())
        return reject("user-defined indexing maps are not the form of qc.matmul");
      if (op.getType().getRank() != 3 || op.getType().getDimSize(0) != 1 ||
          !op.getType().hasStaticShape()) {
        ctx.noteFloat(def, "qc.matmul has no batch dimension: only a static "
                           "batch of 1 is folded");
        return rewriter.notifyMatchFailure(op, "batch is not a static 1");
      }
    }

    // The init is either zero or a broadcast bias (torch-mlir conv, tosa).
    Value init = linalgOp.getDpsInitOperand(0)->get();
    if (!isZeroInit(init)) {
      AffineMap identity = AffineMap::getMultiDimIdentityMap(
          cast<RankedTensorType>(init.getType()).getRank(), getContext());
      std::optional<SmallVector<double>> initBias =
          getChannelVector(init, identity, channels);
      if (!initBias)
        return reject("the accumulator init is neither zero nor a per-channel "
                      "constant bias");
      if (!bias)
        bias = std::move(initBias);
      else
        for (auto [b, i] : llvm::zip_equal(*bias, *initBias))
          b += i;
    }

    Value input = linalgOp.getDpsInputOperand(0)->get();
    Value weight = linalgOp.getDpsInputOperand(1)->get();
    SmallVector<int64_t> padding = {0, 0, 0, 0};
    if (auto pad = input.getDefiningOp<tensor::PadOp>();
        pad && !isa<linalg::MatmulOp, linalg::BatchMatmulOp>(def)) {
      double padValue = 0.0;
      std::optional<SmallVector<int64_t>> p = getSpatialPadding(pad, padValue);
      if (!p || padValue != 0.0)
        return reject("the input pad is not a constant zero pad of H and W");
      padding = *p;
      input = pad.getSource();
    }
    Value qInput = getDequantizedSource(input), qWeight = getDequantizedSource(weight);
    if (!qInput || !qWeight)
      return reject("an operand is not quantized (no fake_quant or dequantize)");

    QuantizedType resultType = getQuantizedElementType(op.getType());
    DenseI64ArrayAttr clamp;
    if (peeled) {
      auto codes = getClampCodes(range, resultType, op.getRounding());
      if (!codes) {
        ctx.noteFloat(def, "a clamp on a per-axis quantized result has no single "
                           "integer range");
        return rewriter.notifyMatchFailure(op, "per-axis clamp");
      }
      clamp = getClampAttr(getContext(), *codes, resultType);
    }

    DetachedOps ops(getContext());
    Location loc = def->getLoc();
    // qc.conv2d with groups = C wants the depthwise filter [KH, KW, C] as
    // [KH, KW, 1, C]; qc.matmul wants the batch of 1 dropped.
    if (isa<linalg::DepthwiseConv2DNhwcHwcOp>(def)) {
      auto type = cast<RankedTensorType>(qWeight.getType());
      FailureOr<Value> filter = reshapeQuantized(
          ops, loc, qWeight,
          {type.getDimSize(0), type.getDimSize(1), 1, type.getDimSize(2)}, 2, 3);
      if (failed(filter)) {
        ctx.noteFloat(def, "a depthwise filter that is not a constant must be "
                           "quantized per tensor");
        return rewriter.notifyMatchFailure(op, "unsupported depthwise filter");
      }
      qWeight = *filter;
    }
    if (isBatched) {
      auto lhsType = cast<RankedTensorType>(qInput.getType());
      auto rhsType = cast<RankedTensorType>(qWeight.getType());
      FailureOr<Value> lhs = reshapeQuantized(
          ops, loc, qInput, lhsType.getShape().drop_front(), /*oldAxis=*/-1, 0);
      FailureOr<Value> rhs = reshapeQuantized(
          ops, loc, qWeight, rhsType.getShape().drop_front(), 2, 1);
      if (failed(lhs) || failed(rhs)) {
        ctx.noteFloat(def, "a batch_matmul operand that is not a constant must "
                           "be quantized per tensor to drop the batch");
        return rewriter.notifyMatchFailure(op, "unsupported batch_matmul operand");
      }
      qInput = *lhs;
      qWeight = *rhs;
    }

    Value biasValue;
    if (bias) {
      std::string reason;
      FailureOr<Value> built = buildBias(ops, loc, *bias,
                                         getQuantizedElementType(qInput.getType()),
                                         getQuantizedElementType(qWeight.getType()), reason);
      if (failed(built)) {
        ctx.noteFloat(def, reason);
        return rewriter.notifyMatchFailure(op, reason);
      }
      biasValue = *built;
    }

    auto profile = RequantProfileAttr::get(getContext(), ctx.profile);
    Operation *created;
    if (isa<linalg::MatmulOp>(def)) {
      created = ops.create<MatmulOp>(loc, op.getType(), qInput, qWeight, biasValue,
                                     profile, clamp);
    } else if (isBatched) {
      auto flatType = RankedTensorType::get(op.getType().getShape().drop_front(),
                                            op.getType().getElementType());
      auto matmul = ops.create<MatmulOp>(loc, flatType, qInput, qWeight, biasValue,
                                         profile, clamp);
      created = ops.create<ReshapeOp>(loc, op.getType(), matmul.getResult());
    } else {
      auto [strides, dilations] = getWindow(def);
      int64_t groups = isa<linalg::DepthwiseConv2DNhwcHwcOp>(def)
                           ? cast<RankedTensorType>(qInput.getType()).getDimSize(3)
                           : 1;
      created = ops.create<Conv2DOp>(
          loc, op.getType(), qInput, qWeight, biasValue,
          DenseI64ArrayAttr::get(getContext(), strides),
          DenseI64ArrayAttr::get(getContext(), padding),
          DenseI64ArrayAttr::get(getContext(), dilations),
          rewriter.getI64IntegerAttr(groups), profile, clamp);
    }
    return commitOrExplain(rewriter, ops, created, op, def, ctx);
  }

private:
  static std::pair<SmallVector<int64_t>, SmallVector<int64_t>> getWindow(Operation *op) {
    auto read = [](DenseIntElementsAttr attr) {
      SmallVector<int64_t> values;
      for (const APInt &v : attr.getValues<APInt>())
        values.push_back(v.getSExtValue());
      return values;
    };
    if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op))
      return {read(conv.getStrides()), read(conv.getDilations())};
    auto depthwise = cast<linalg::DepthwiseConv2DNhwcHwcOp>(op);
    return {read(depthwise.getStrides()), read(depthwise.getDilations())};
  }

  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(sum-pool(dequantize(q)) / (KH * KW)): qc.avg_pool2d
//===----------------------------------------------------------------------===//

/// A multiplication by a constant, as a division `x / c` (factor 1 / c) or a
/// product `x * c`, on whole tensors or in an elementwise linalg.generic.
/// Returns the scaled input.
static Value matchScaleByConstant(Operation *op, double &factor) {
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
      std::optional<double> c = getScalarFloatConstant(b == input ? a : b);
      if (!c || (a != input && b != input))
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
    if (!scalar || scalar->getBlock() != body ||
        !fromPair(scalar, body->getArgument(0)))
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

/// torch-mlir's avg_pool2d without padding: a sum pool divided by the window
/// size. Becomes qc.avg_pool2d (TFLite's rounded integer average) with the
/// input's parameters, then a requantize if the output's differ.
struct AvgPoolToQC final : OpRewritePattern<QuantizeOp> {
  AvgPoolToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    double factor = 0.0;
    Operation *scaleOp = op.getInput().getDefiningOp();
    Value sum = matchScaleByConstant(scaleOp, factor);
    if (!sum || !op.getInput().hasOneUse() || !sum.hasOneUse())
      return rewriter.notifyMatchFailure(op, "not quantize(sum / constant)");
    auto pool = sum.getDefiningOp<linalg::PoolingNhwcSumOp>();
    if (!pool || pool->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not a linalg.pooling_nhwc_sum");
    Value source = getDequantizedSource(pool.getInputs()[0]);
    if (!source)
      return rewriter.notifyMatchFailure(op, "pool input is not dequantized");
    auto window = cast<RankedTensorType>(pool.getInputs()[1].getType());
    if (window.getRank() != 2 || !window.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "window shape is not static 2-D");
    if (!isZeroInit(pool.getOutputs()[0])) {
      ctx.noteFloat(pool, "the sum pool does not start from zero");
      return rewriter.notifyMatchFailure(op, "non-zero init");
    }
    SmallVector<int64_t> dilations, strides;
    for (const APInt &v : pool.getDilations().getValues<APInt>())
      dilations.push_back(v.getSExtValue());
    for (const APInt &v : pool.getStrides().getValues<APInt>())
      strides.push_back(v.getSExtValue());
    if (llvm::any_of(dilations, [](int64_t d) { return d != 1; })) {
      ctx.noteFloat(pool, "qc.avg_pool2d has no dilation");
      return rewriter.notifyMatchFailure(op, "dilated pooling");
    }
    double count = static_cast<double>(window.getNumElements());
    if (std::abs(factor * count - 1.0) > 1e-6) {
      ctx.noteFloat(scaleOp, "the divisor is not the window size, so this is "
                             "not an average");
      return rewriter.notifyMatchFailure(op, "divisor is not the window size");
    }
    auto sourceType = cast<RankedTensorType>(source.getType());
    auto poolType = op.getType().clone(sourceType.getElementType());
    DetachedOps ops(getContext());
    Operation *created = ops.create<AvgPool2DOp>(
        pool.getLoc(), poolType, source, rewriter.getDenseI64ArrayAttr(window.getShape()),
        rewriter.getDenseI64ArrayAttr(strides), rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}));
    if (poolType != op.getType())
      created = ops.create<RequantizeOp>(
          op.getLoc(), op.getType(), created->getResult(0),
          RequantProfileAttr::get(getContext(), ctx.profile), DenseI64ArrayAttr());
    return commitOrExplain(rewriter, ops, created, op, pool, ctx);
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// quantize(concat(dequantize(q_i))) with disagreeing producers
//===----------------------------------------------------------------------===//

/// The producers of a concat disagree on their parameters: each one is
/// requantized to the parameters of the quantize that follows.
struct ConcatToQC final : OpRewritePattern<QuantizeOp> {
  ConcatToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto concat = op.getInput().getDefiningOp<tensor::ConcatOp>();
    if (!concat || !concat->hasOneUse())
      return rewriter.notifyMatchFailure(op, "operand is not a single-use tensor.concat");
    RankedTensorType resultType = op.getType();
    DetachedOps ops(getContext());
    SmallVector<Value> inputs;
    for (Value input : concat.getInputs()) {
      Value source = getDequantizedSource(input);
      if (!source)
        return rewriter.notifyMatchFailure(op, "a concat operand is not dequantized");
      auto sourceType = cast<RankedTensorType>(source.getType());
      auto wanted = sourceType.clone(resultType.getElementType());
      if (sourceType != wanted) {
        auto requantize = ops.create<RequantizeOp>(
            concat.getLoc(), wanted, source,
            RequantProfileAttr::get(getContext(), ctx.profile), DenseI64ArrayAttr());
        std::string reason;
        if (failed(ops.verify(reason))) {
          ctx.noteFloat(concat, reason);
          return rewriter.notifyMatchFailure(op, reason);
        }
        source = requantize.getResult();
      }
      inputs.push_back(source);
    }
    auto created = ops.create<ConcatOp>(concat.getLoc(), resultType, inputs,
                                        rewriter.getI64IntegerAttr(concat.getDim()));
    return commitOrExplain(rewriter, ops, created, op, concat, ctx);
  }
  FoldContext ctx;
};

//===----------------------------------------------------------------------===//
// Propagation: dequantize moves below the ops that keep the parameters
//===----------------------------------------------------------------------===//

/// Replaces `floatOp` by dequantize(created) after verifying `created`.
static LogicalResult sinkDequantize(PatternRewriter &rewriter, DetachedOps &ops,
                                    Operation *created, Operation *floatOp,
                                    const FoldContext &ctx) {
  std::string reason;
  if (failed(ops.verify(reason))) {
    ctx.noteFloat(floatOp, reason);
    return rewriter.notifyMatchFailure(floatOp, reason);
  }
  ops.commit(rewriter);
  rewriter.replaceOpWithNewOp<DequantizeOp>(floatOp, floatOp->getResult(0).getType(),
                                            created->getResult(0));
  return success();
}

/// collapse_shape / expand_shape / reshape of a dequantized tensor.
template <typename ReshapeLikeOp>
struct SinkDequantizeThroughReshape final : OpRewritePattern<ReshapeLikeOp> {
  SinkDequantizeThroughReshape(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern<ReshapeLikeOp>(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(ReshapeLikeOp op,
                                PatternRewriter &rewriter) const override {
    Value source = getDequantizedSource(op->getOperand(0));
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    auto qtype = getQuantizedElementType(source.getType());
    DetachedOps ops(op->getContext());
    auto reshape = ops.create<ReshapeOp>(op->getLoc(), resultType.clone(qtype), source);
    return sinkDequantize(rewriter, ops, reshape, op, ctx);
  }
  FoldContext ctx;
};

struct SinkDequantizeThroughTranspose final : OpRewritePattern<linalg::TransposeOp> {
  SinkDequantizeThroughTranspose(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not on tensors");
    Value source = getDequantizedSource(op.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    ArrayRef<int64_t> perm = op.getPermutation();
    QuantizedType qtype = getQuantizedElementType(source.getType());
    // The per-axis axis moves with its dimension: result dim d is operand
    // dim perm[d].
    if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
      int64_t axis = llvm::find(perm, perAxis.getQuantizedDimension()) - perm.begin();
      qtype = UniformQuantizedPerAxisType::get(
          perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
          perAxis.getScales(), perAxis.getZeroPoints(), axis,
          perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
    }
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    DetachedOps ops(getContext());
    auto transpose = ops.create<TransposeOp>(op.getLoc(), resultType.clone(qtype),
                                             source, op.getPermutationAttr());
    return sinkDequantize(rewriter, ops, transpose, op, ctx);
  }
  FoldContext ctx;
};

struct SinkDequantizeThroughConcat final : OpRewritePattern<tensor::ConcatOp> {
  SinkDequantizeThroughConcat(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(tensor::ConcatOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> sources;
    for (Value input : op.getInputs()) {
      Value source = getDequantizedSource(input);
      if (!source)
        return rewriter.notifyMatchFailure(op, "an operand is not dequantized");
      if (!sources.empty() && getQuantizedElementType(source.getType()) !=
                                  getQuantizedElementType(sources[0].getType())) {
        ctx.noteFloat(op, "operands have different quantization parameters and "
                          "no single quantize follows to requantize them to");
        return rewriter.notifyMatchFailure(
            op, "operands disagree on their parameters (a following quantize "
                "requantizes them)");
      }
      sources.push_back(source);
    }
    auto qtype = getQuantizedElementType(sources[0].getType());
    DetachedOps ops(getContext());
    auto concat = ops.create<ConcatOp>(op.getLoc(), op.getType().clone(qtype), sources,
                                       rewriter.getI64IntegerAttr(op.getDim()));
    return sinkDequantize(rewriter, ops, concat, op, ctx);
  }
  FoldContext ctx;
};

/// Max pooling commutes with the monotone dequantization; padding and init
/// values at or below the smallest representable value never win.
struct SinkDequantizeThroughMaxPool final : OpRewritePattern<linalg::PoolingNhwcMaxOp> {
  SinkDequantizeThroughMaxPool(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(linalg::PoolingNhwcMaxOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not on tensors");
    Value input = op.getInputs()[0];
    SmallVector<int64_t> padding = {0, 0, 0, 0};
    double padValue = -kInf;
    if (auto pad = input.getDefiningOp<tensor::PadOp>()) {
      std::optional<SmallVector<int64_t>> p = getSpatialPadding(pad, padValue);
      if (!p)
        return rewriter.notifyMatchFailure(op, "input pad is not a constant H/W pad");
      padding = *p;
      input = pad.getSource();
    }
    Value source = getDequantizedSource(input);
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    QuantizedType qtype = getQuantizedElementType(source.getType());
    if (isa<UniformQuantizedPerAxisType>(qtype))
      return rewriter.notifyMatchFailure(op, "per-axis input");
    double lowest = (getStorageRange(qtype).first - getZeroPoints(qtype)[0]) *
                    getScales(qtype)[0];
    auto fill = op.getOutputs()[0].getDefiningOp<linalg::FillOp>();
    std::optional<double> initValue =
        fill ? getScalarFloatConstant(fill.getInputs()[0]) : std::nullopt;
    if (!initValue || *initValue > lowest || padValue > lowest) {
      ctx.noteFloat(op, "the init or padding value is above the smallest "
                        "representable value and could win the max");
      return rewriter.notifyMatchFailure(op, "init/pad value may win the max");
    }
    auto read = [](DenseIntElementsAttr attr) {
      SmallVector<int64_t> values;
      for (const APInt &v : attr.getValues<APInt>())
        values.push_back(v.getSExtValue());
      return values;
    };
    if (llvm::any_of(read(op.getDilations()), [](int64_t d) { return d != 1; })) {
      ctx.noteFloat(op, "qc.max_pool2d has no dilation");
      return rewriter.notifyMatchFailure(op, "dilated pooling");
    }
    auto window = cast<RankedTensorType>(op.getInputs()[1].getType());
    if (window.getRank() != 2 || !window.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "window shape is not static 2-D");
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    DetachedOps ops(getContext());
    auto pool = ops.create<MaxPool2DOp>(
        op.getLoc(), resultType.clone(qtype), source,
        rewriter.getDenseI64ArrayAttr(window.getShape()),
        rewriter.getDenseI64ArrayAttr(read(op.getStrides())),
        rewriter.getDenseI64ArrayAttr(padding));
    return sinkDequantize(rewriter, ops, pool, op, ctx);
  }
  FoldContext ctx;
};

} // namespace

void fold::populateComputePatterns(RewritePatternSet &patterns,
                                     const FoldContext &ctx) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ClampOfDequantize, ElementwiseBinaryToQC, ContractionToQC, AvgPoolToQC,
               ConcatToQC>(
      context, ctx);
}

void fold::populatePropagationPatterns(RewritePatternSet &patterns,
                                         const FoldContext &ctx) {
  MLIRContext *context = patterns.getContext();
  patterns.add<SinkDequantizeThroughReshape<tensor::CollapseShapeOp>,
               SinkDequantizeThroughReshape<tensor::ExpandShapeOp>,
               SinkDequantizeThroughReshape<tensor::ReshapeOp>,
               SinkDequantizeThroughTranspose, SinkDequantizeThroughConcat,
               SinkDequantizeThroughMaxPool>(context, ctx);
}
