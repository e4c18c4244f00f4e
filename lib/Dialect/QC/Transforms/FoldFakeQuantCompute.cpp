//===- FoldFakeQuantCompute.cpp - float op chains to qc integer ops -------===//
//
// The patterns of --qc-fold-fake-quant that turn `qc.quantize(float op chain
// on qc.dequantize values)` into qc compute ops (linalg, arith and tosa
// spellings), and that move qc.dequantize below the ops that keep
// quantization parameters (reshape, transpose, concat, max-pool).
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
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
/// clamp of its input, tosa.clamp, or max/min with constants on whole
/// tensors. Returns the
/// clamped input.
static Value matchClampOp(Operation *op, ClampRange &range) {
  if (!op || op->getNumResults() != 1)
    return nullptr;
  if (auto clamp = dyn_cast<tosa::ClampOp>(op)) {
    auto lo = dyn_cast<FloatAttr>(clamp.getMinValAttr());
    auto hi = dyn_cast<FloatAttr>(clamp.getMaxValAttr());
    if (!lo || !hi)
      return nullptr;
    ClampRange local = range;
    local.lo = std::max(local.lo, lo.getValueAsDouble());
    local.hi = std::min(local.hi, hi.getValueAsDouble());
    if (local.lo > local.hi)
      return nullptr;
    range = local;
    return clamp.getInput();
  }
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
    if (getScalarFloatConstant(b))
      cursor = a;
    else if (getScalarFloatConstant(a))
      cursor = b;
    else
      break;
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
  // TOSA broadcasts size-1 dimensions of equal-rank operands; tosa.mul's
  // shift only applies to integers and must be 0 here.
  if (auto mul = dyn_cast<tosa::MulOp>(op);
      mul && (isAdd || !matchPattern(mul.getShift(), m_Zero())))
    return std::nullopt;
  if ((isAdd && isa<tosa::AddOp>(op)) || (!isAdd && isa<tosa::MulOp>(op))) {
    auto broadcastMap = [&](Value operand) -> AffineMap {
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!type || type.getRank() != resultType.getRank())
        return AffineMap();
      SmallVector<AffineExpr> exprs;
      for (int64_t d = 0, e = type.getRank(); d < e; ++d)
        exprs.push_back(type.getDimSize(d) == 1 && resultType.getDimSize(d) != 1
                            ? getAffineConstantExpr(0, op->getContext())
                            : getAffineDimExpr(d, op->getContext()));
      return AffineMap::get(type.getRank(), 0, exprs, op->getContext());
    };
    AffineMap lhsMap = broadcastMap(op->getOperand(0));
    AffineMap rhsMap = broadcastMap(op->getOperand(1));
    if (!lhsMap || !rhsMap)
      return std::nullopt;
    return BinaryMatch{op->getOperand(0), op->getOperand(1), lhsMap, rhsMap};
  }
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

/// The per-channel values of a float tensor, read through `map`, that varies
/// only along iteration dimension `channelDim` (a bias: the last dimension
/// for NHWC / [M, N], dimension 1 for NCHW). Accepts a constant, a
/// `linalg.broadcast` of one and a broadcasting linalg.generic.
static std::optional<SmallVector<double>> getChannelVector(Value value, AffineMap map,
                                                           int64_t channels,
                                                           unsigned channelDim) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
      type.getRank() != map.getNumResults() || channelDim >= map.getNumDims())
    return std::nullopt;
  MLIRContext *context = value.getContext();
  AffineExpr channelExpr = getAffineDimExpr(channelDim, context);
  // Exactly one operand dimension reads the channel; the others are size-1
  // constants 0 or dimensions along which the values must then not vary.
  std::optional<unsigned> position;
  for (unsigned i = 0, e = map.getNumResults(); i < e; ++i) {
    AffineExpr expr = map.getResult(i);
    if (expr == channelExpr) {
      if (position || type.getDimSize(i) != channels)
        return std::nullopt;
      position = i;
    } else if (auto c = dyn_cast<AffineConstantExpr>(expr)) {
      if (c.getValue() != 0 || type.getDimSize(i) != 1)
        return std::nullopt;
    } else if (!isa<AffineDimExpr>(expr)) {
      return std::nullopt;
    }
  }
  if (!position)
    return std::nullopt;
  if (std::optional<SmallVector<double>> values = getFloatConstantValues(value)) {
    int64_t stride = 1;
    for (int64_t d = *position + 1, e = type.getRank(); d < e; ++d)
      stride *= type.getDimSize(d);
    SmallVector<double> result(channels, 0.0);
    for (int64_t c = 0; c < channels; ++c)
      result[c] = (*values)[c * stride];
    for (size_t i = 0, e = values->size(); i < e; ++i)
      if ((*values)[i] != result[(static_cast<int64_t>(i) / stride) % channels])
        return std::nullopt;
    return result;
  }
  if (!map.isIdentity())
    return std::nullopt;
  int64_t rank = type.getRank();
  if (auto broadcast = value.getDefiningOp<linalg::BroadcastOp>()) {
    // Only the channel dimension may survive from the input.
    auto inputType = cast<RankedTensorType>(broadcast.getInput().getType());
    if (inputType.getRank() != 1 ||
        static_cast<int64_t>(broadcast.getDimensions().size()) != rank - 1 ||
        llvm::is_contained(broadcast.getDimensions(), static_cast<int64_t>(channelDim)))
      return std::nullopt;
    return getChannelVector(broadcast.getInput(),
                            AffineMap::get(1, 0, getAffineDimExpr(0, context)), channels,
                            0);
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
                            generic.getIndexingMapsArray()[0], channels, channelDim);
  }
  return std::nullopt;
}

/// An accumulator init that is zero: linalg.fill of 0.0 or a zero constant.
static bool isZeroInit(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

/// A tensor.pad of an NHWC (or NCHW) tensor on H and W only, with a constant
/// value; returns [top, bottom, left, right].
static std::optional<SmallVector<int64_t>> getSpatialPadding(tensor::PadOp pad,
                                                             double &padValue,
                                                             bool nchw = false) {
  if (pad.getSourceType().getRank() != 4 || !pad.getLow().empty() ||
      !pad.getHigh().empty())
    return std::nullopt;
  Value value = pad.getConstantPaddingValue();
  std::optional<double> constant = value ? getScalarFloatConstant(value) : std::nullopt;
  if (!constant)
    return std::nullopt;
  ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  unsigned h = nchw ? 2 : 1, w = nchw ? 3 : 2, c = nchw ? 1 : 3;
  if (low[0] || high[0] || low[c] || high[c])
    return std::nullopt;
  padValue = *constant;
  return SmallVector<int64_t>{low[h], high[h], low[w], high[w]};
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

/// The element type of a transpose's result: result dim d is operand dim
/// perm[d], and a per-axis axis moves with its dimension.
static QuantizedType permuteQuantizedType(QuantizedType qtype, ArrayRef<int64_t> perm) {
  auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype);
  if (!perAxis)
    return qtype;
  int64_t axis = llvm::find(perm, perAxis.getQuantizedDimension()) - perm.begin();
  return UniformQuantizedPerAxisType::get(
      perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
      perAxis.getScales(), perAxis.getZeroPoints(), axis, perAxis.getStorageTypeMin(),
      perAxis.getStorageTypeMax());
}

/// qc.transpose of `value`: result dim d is operand dim perm[d].
static Value buildTranspose(DetachedOps &ops, Location loc, Value value,
                            ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  auto transposed = RankedTensorType::get(
      shape, permuteQuantizedType(getQuantizedElementType(type), perm));
  return ops
      .create<TransposeOp>(loc, transposed, value,
                           DenseI64ArrayAttr::get(loc.getContext(), perm))
      .getResult();
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
    return buildQuantizedConstant(ops, loc, shape, moved, getCodes(codes, moved.isSigned()));
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
          getClampAttr(getContext(), *codes, resultType));
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
    if (!def)
      return rewriter.notifyMatchFailure(op, "no producer");
    if (!chain.hasOneUse()) {
      // Folding would compute the op twice: in integers for this quantize and
      // in float for its other users.
      if (matchBinary(def, BinaryKind::Add) || matchBinary(def, BinaryKind::Mul))
        ctx.noteFloat(def, "its result is also used in float");
      return rewriter.notifyMatchFailure(op, "producer has other users");
    }
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

/// The float contraction forms, by the layout their operands need changed
/// for qc: `ConvFHWC` has an [F, KH, KW, C] filter (TOSA, linalg
/// conv_2d_nhwc_fhwc); `Depthwise` a [KH, KW, C] or [KH, KW, C, 1] filter;
/// `BatchMatmul` a batch of 1 to drop; `ConvNCHW` is NCHW x [F, C, KH, KW]
/// and `DepthwiseNCHW` NCHW x [C, KH, KW] (torch-mlir's default), transposed
/// to NHWC x HWCF and back.
enum class ContractionKind {
  Matmul,
  BatchMatmul,
  Conv,
  ConvFHWC,
  ConvNCHW,
  Depthwise,
  DepthwiseNCHW
};

/// A float contraction in qc's terms. `weight` is still in the op's own
/// layout (see ContractionKind); `initBias` is a bias the op itself adds
/// (a broadcast accumulator init, or TOSA's bias operand).
struct ContractionParts {
  ContractionKind kind = ContractionKind::Matmul;
  Value input, weight;
  /// linalg.matmul with transposing indexing maps: [K, M] lhs / [N, K] rhs.
  bool transposeInput = false, transposeWeight = false;
  std::optional<SmallVector<double>> initBias;
  SmallVector<int64_t> strides = {1, 1}, padding = {0, 0, 0, 0}, dilations = {1, 1};
};

} // namespace

static bool isSupportedContraction(Operation *op) {
  return isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::Conv2DNhwcHwcfOp,
             linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNchwFchwOp,
             linalg::DepthwiseConv2DNhwcHwcOp, linalg::DepthwiseConv2DNchwChwOp,
             tosa::MatMulOp, tosa::Conv2DOp, tosa::DepthwiseConv2DOp>(op);
}

/// The result dimension that holds the output channels of a contraction.
static unsigned getChannelDim(Operation *contraction) {
  if (isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp>(contraction))
    return 1;
  return cast<RankedTensorType>(contraction->getResult(0).getType()).getRank() - 1;
}

/// Which operands of a linalg.matmul with user-defined maps are transposed:
/// A is (d0, d2) or (d2, d0), B is (d2, d1) or (d1, d2), C must be (d0, d1).
static LogicalResult getMatmulTransposes(linalg::MatmulOp op, bool &transposeA,
                                         bool &transposeB) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  MLIRContext *context = op.getContext();
  auto map = [&](unsigned i, unsigned j) {
    return AffineMap::get(3, 0, {getAffineDimExpr(i, context), getAffineDimExpr(j, context)},
                          context);
  };
  if (maps.size() != 3 || maps[2] != map(0, 1))
    return failure();
  if (maps[0] != map(0, 2) && maps[0] != map(2, 0))
    return failure();
  if (maps[1] != map(2, 1) && maps[1] != map(1, 2))
    return failure();
  transposeA = maps[0] == map(2, 0);
  transposeB = maps[1] == map(1, 2);
  return success();
}

static SmallVector<int64_t> readInts(DenseIntElementsAttr attr) {
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(v.getSExtValue());
  return values;
}

/// TOSA carries zero points as operands; in the float graph they must be 0.
static bool isZeroPoint(Value zp) {
  std::optional<double> value = getScalarFloatConstant(zp);
  return value && *value == 0.0;
}

/// A per-channel bias operand of TOSA: [F] or a broadcast [1]; all zeros is
/// no bias.
static std::optional<SmallVector<double>> getTosaBias(Value bias, int64_t channels,
                                                      bool &isBias) {
  std::optional<SmallVector<double>> values = getFloatConstantValues(bias);
  if (!values)
    return std::nullopt;
  if (values->size() == 1)
    values->assign(channels, values->front());
  if (static_cast<int64_t>(values->size()) != channels)
    return std::nullopt;
  isBias = llvm::any_of(*values, [](double v) { return v != 0.0; });
  return values;
}

/// Fills `parts` from a supported contraction whose result has `channels`
/// output channels, or says why it has no qc form.
static LogicalResult matchContraction(Operation *def, int64_t channels,
                                      unsigned channelDim, ContractionParts &parts,
                                      std::string &reason) {
  auto fail = [&](StringRef why) {
    reason = why.str();
    return failure();
  };
  auto resultType = cast<RankedTensorType>(def->getResult(0).getType());
  auto checkBatchOne = [&]() {
    return resultType.getRank() == 3 && resultType.hasStaticShape() &&
           resultType.getDimSize(0) == 1;
  };
  if (auto op = dyn_cast<tosa::MatMulOp>(def)) {
    if (!isZeroPoint(op.getAZp()) || !isZeroPoint(op.getBZp()))
      return fail("float tosa.matmul with non-zero zero points");
    if (!checkBatchOne())
      return fail("qc.matmul has no batch dimension: only a static batch of 1 is "
                  "folded");
    parts.kind = ContractionKind::BatchMatmul;
    parts.input = op.getA();
    parts.weight = op.getB();
    return success();
  }
  if (isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp>(def)) {
    auto get = [&](auto op) {
      parts.input = op.getInput();
      parts.weight = op.getWeight();
      parts.padding = SmallVector<int64_t>(op.getPad());
      parts.strides = SmallVector<int64_t>(op.getStride());
      parts.dilations = SmallVector<int64_t>(op.getDilation());
      return std::tuple{op.getBias(), op.getInputZp(), op.getWeightZp()};
    };
    auto [bias, inputZp, weightZp] = isa<tosa::Conv2DOp>(def)
                                         ? get(cast<tosa::Conv2DOp>(def))
                                         : get(cast<tosa::DepthwiseConv2DOp>(def));
    if (!isZeroPoint(inputZp) || !isZeroPoint(weightZp))
      return fail("float TOSA convolution with non-zero zero points");
    bool isBias = false;
    std::optional<SmallVector<double>> values = getTosaBias(bias, channels, isBias);
    if (!values)
      return fail("the bias operand is not a per-channel constant");
    if (isBias)
      parts.initBias = std::move(values);
    if (isa<tosa::Conv2DOp>(def)) {
      parts.kind = ContractionKind::ConvFHWC;
      return success();
    }
    // [KH, KW, C, M]: only a channel multiplier of 1 keeps the channel order
    // of qc's grouped filter.
    auto weightType = cast<RankedTensorType>(parts.weight.getType());
    if (weightType.getDimSize(3) != 1)
      return fail("depthwise channel multiplier other than 1");
    parts.kind = ContractionKind::Depthwise;
    return success();
  }

  auto linalgOp = cast<linalg::LinalgOp>(def);
  if (auto op = dyn_cast<linalg::MatmulOp>(def)) {
    if (op.hasUserDefinedMaps() &&
        failed(getMatmulTransposes(op, parts.transposeInput, parts.transposeWeight)))
      return fail("user-defined indexing maps other than transposes of A or B "
                  "are not the form of qc.matmul");
    parts.kind = ContractionKind::Matmul;
  } else if (auto op = dyn_cast<linalg::BatchMatmulOp>(def)) {
    if (op.hasUserDefinedMaps())
      return fail("user-defined indexing maps are not the form of qc.matmul");
    if (!checkBatchOne())
      return fail("qc.matmul has no batch dimension: only a static batch of 1 is "
                  "folded");
    parts.kind = ContractionKind::BatchMatmul;
  } else if (auto op = dyn_cast<linalg::Conv2DNhwcHwcfOp>(def)) {
    parts.kind = ContractionKind::Conv;
    parts.strides = readInts(op.getStrides());
    parts.dilations = readInts(op.getDilations());
  } else if (auto op = dyn_cast<linalg::Conv2DNhwcFhwcOp>(def)) {
    parts.kind = ContractionKind::ConvFHWC;
    parts.strides = readInts(op.getStrides());
    parts.dilations = readInts(op.getDilations());
  } else if (auto op = dyn_cast<linalg::Conv2DNchwFchwOp>(def)) {
    parts.kind = ContractionKind::ConvNCHW;
    parts.strides = readInts(op.getStrides());
    parts.dilations = readInts(op.getDilations());
  } else if (auto op = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(def)) {
    parts.kind = ContractionKind::DepthwiseNCHW;
    parts.strides = readInts(op.getStrides());
    parts.dilations = readInts(op.getDilations());
  } else {
    auto depthwise = cast<linalg::DepthwiseConv2DNhwcHwcOp>(def);
    parts.kind = ContractionKind::Depthwise;
    parts.strides = readInts(depthwise.getStrides());
    parts.dilations = readInts(depthwise.getDilations());
  }
  parts.input = linalgOp.getDpsInputOperand(0)->get();
  parts.weight = linalgOp.getDpsInputOperand(1)->get();

  // The accumulator init is zero or a broadcast bias (torch-mlir's conv).
  Value init = linalgOp.getDpsInitOperand(0)->get();
  if (!isZeroInit(init)) {
    AffineMap identity = AffineMap::getMultiDimIdentityMap(
        cast<RankedTensorType>(init.getType()).getRank(), def->getContext());
    parts.initBias = getChannelVector(init, identity, channels, channelDim);
    if (!parts.initBias)
      return fail("the accumulator init is neither zero nor a per-channel constant "
                  "bias");
  }
  // A zero pad of H and W before a convolution is qc.conv2d's padding.
  if (auto pad = parts.input.getDefiningOp<tensor::PadOp>();
      pad && parts.kind != ContractionKind::Matmul &&
      parts.kind != ContractionKind::BatchMatmul) {
    double padValue = 0.0;
    std::optional<SmallVector<int64_t>> p =
        getSpatialPadding(pad, padValue,
                          parts.kind == ContractionKind::ConvNCHW ||
                              parts.kind == ContractionKind::DepthwiseNCHW);
    if (!p || padValue != 0.0)
      return fail("the input pad is not a constant zero pad of H and W");
    parts.padding = *p;
    parts.input = pad.getSource();
  }
  return success();
}

namespace {

struct ContractionToQC final : OpRewritePattern<QuantizeOp> {
  ContractionToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    ClampRange range;
    bool peeled;
    Value chain = peelClamps(op.getInput(), range, peeled);
    Operation *def = chain.getDefiningOp();
    if (!def)
      return rewriter.notifyMatchFailure(op, "no producer");
    if (!chain.hasOneUse()) {
      // Folding would compute the op twice: in integers for this quantize and
      // in float for its other users.
      if (isSupportedContraction(def))
        ctx.noteFloat(def, "its result is also used in float");
      return rewriter.notifyMatchFailure(op, "producer has other users");
    }
    if (op.getType().getRank() == 0)
      return rewriter.notifyMatchFailure(op, "rank-0 result");
    // The output channels of a contraction, as (dimension, count).
    auto getChannels = [&](Operation *contraction) -> std::optional<std::pair<unsigned, int64_t>> {
      unsigned dim = getChannelDim(contraction);
      int64_t count = op.getType().getDimSize(dim);
      if (ShapedType::isDynamic(count))
        return std::nullopt;
      return std::pair{dim, count};
    };

    // A bias added after the contraction (torch-mlir, ONNX importers, TOSA).
    std::optional<SmallVector<double>> bias;
    if (std::optional<BinaryMatch> add = matchBinary(def, BinaryKind::Add)) {
      for (auto [main, other, mainMap, otherMap] :
           {std::tuple{add->lhs, add->rhs, add->lhsMap, add->rhsMap},
            std::tuple{add->rhs, add->lhs, add->rhsMap, add->lhsMap}}) {
        Operation *producer = main.getDefiningOp();
        if (!mainMap.isIdentity() || !producer || !main.hasOneUse() ||
            !isSupportedContraction(producer))
          continue;
        auto producerChannels = getChannels(producer);
        if (!producerChannels)
          continue;
        if ((bias = getChannelVector(other, otherMap, producerChannels->second,
                                     producerChannels->first))) {
          def = producer;
          break;
        }
      }
      if (!bias)
        return rewriter.notifyMatchFailure(
            op, "add is neither a bias add of a contraction nor handled here");
    }
    if (!isSupportedContraction(def))
      return rewriter.notifyMatchFailure(op, "producer is not a supported contraction");
    auto channelInfo = getChannels(def);
    if (!channelInfo)
      return rewriter.notifyMatchFailure(op, "dynamic channel count");
    auto [channelDim, channels] = *channelInfo;

    auto reject = [&](StringRef reason) {
      ctx.noteFloat(def, reason);
      return rewriter.notifyMatchFailure(op, reason);
    };
    ContractionParts parts;
    std::string reason;
    if (failed(matchContraction(def, channels, channelDim, parts, reason)))
      return reject(reason);
    if (parts.initBias) {
      if (!bias)
        bias = std::move(parts.initBias);
      else
        for (auto [b, i] : llvm::zip_equal(*bias, *parts.initBias))
          b += i;
    }
    Value qInput = getDequantizedSource(parts.input);
    Value qWeight = getDequantizedSource(parts.weight);
    if (!qInput || !qWeight)
      return reject("an operand is not quantized (no fake_quant or dequantize)");

    QuantizedType resultType = getQuantizedElementType(op.getType());
    DenseI64ArrayAttr clamp;
    if (peeled) {
      auto codes = getClampCodes(range, resultType, op.getRounding());
      if (!codes)
        return reject("a clamp on a per-axis quantized result has no single integer "
                      "range");
      clamp = getClampAttr(getContext(), *codes, resultType);
    }

    DetachedOps ops(getContext());
    Location loc = def->getLoc();
    if (parts.transposeInput)
      qInput = buildTranspose(ops, loc, qInput, {1, 0});
    if (parts.transposeWeight)
      qWeight = buildTranspose(ops, loc, qWeight, {1, 0});
    if (failed(toQCLayout(ops, loc, parts.kind, qInput, qWeight, reason)))
      return reject(reason);

    Value biasValue;
    if (bias) {
      FailureOr<Value> built = buildBias(ops, loc, *bias,
                                         getQuantizedElementType(qInput.getType()),
                                         getQuantizedElementType(qWeight.getType()), reason);
      if (failed(built))
        return reject(reason);
      biasValue = *built;
    }

    auto profile = RequantProfileAttr::get(getContext(), ctx.profile);
    Operation *created;
    if (parts.kind == ContractionKind::Matmul) {
      created = ops.create<MatmulOp>(loc, op.getType(), qInput, qWeight, biasValue,
                                     profile, clamp);
    } else if (parts.kind == ContractionKind::BatchMatmul) {
      auto flatType = RankedTensorType::get(op.getType().getShape().drop_front(),
                                            op.getType().getElementType());
      auto matmul = ops.create<MatmulOp>(loc, flatType, qInput, qWeight, biasValue,
                                         profile, clamp);
      created = ops.create<ReshapeOp>(loc, op.getType(), matmul.getResult());
    } else {
      bool depthwise = parts.kind == ContractionKind::Depthwise ||
                       parts.kind == ContractionKind::DepthwiseNCHW;
      int64_t groups =
          depthwise ? cast<RankedTensorType>(qInput.getType()).getDimSize(3) : 1;
      bool nchw = parts.kind == ContractionKind::ConvNCHW ||
                  parts.kind == ContractionKind::DepthwiseNCHW;
      RankedTensorType convType = op.getType();
      if (nchw) {
        ArrayRef<int64_t> shape = convType.getShape();
        convType = RankedTensorType::get({shape[0], shape[2], shape[3], shape[1]},
                                         convType.getElementType());
      }
      created = ops.create<Conv2DOp>(
          loc, convType, qInput, qWeight, biasValue,
          DenseI64ArrayAttr::get(getContext(), parts.strides),
          DenseI64ArrayAttr::get(getContext(), parts.padding),
          DenseI64ArrayAttr::get(getContext(), parts.dilations),
          rewriter.getI64IntegerAttr(groups), profile, clamp);
      if (nchw)
        created = ops.create<TransposeOp>(
            loc, op.getType(), created->getResult(0),
            DenseI64ArrayAttr::get(getContext(), {0, 3, 1, 2}));
    }
    return commitOrExplain(rewriter, ops, created, op, def, ctx);
  }

private:
  /// Brings the quantized operands to the layouts of qc.matmul ([M, K] x
  /// [K, N]) and qc.conv2d (NHWC x [KH, KW, C / groups, F]).
  static LogicalResult toQCLayout(DetachedOps &ops, Location loc, ContractionKind kind,
                                  Value &input, Value &weight, std::string &reason) {
    auto fail = [&](StringRef why) {
      reason = why.str();
      return failure();
    };
    auto weightType = cast<RankedTensorType>(weight.getType());
    switch (kind) {
    case ContractionKind::Matmul:
    case ContractionKind::Conv:
      return success();
    case ContractionKind::ConvFHWC: {
      // [F, KH, KW, C] to HWCF; a per-axis axis moves with its dimension.
      if (weightType.getRank() != 4)
        return fail("the filter is not rank 4");
      weight = buildTranspose(ops, loc, weight, {1, 2, 3, 0});
      return success();
    }
    case ContractionKind::ConvNCHW: {
      // NCHW to NHWC and [F, C, KH, KW] to HWCF; the result goes back to
      // NCHW after the conv.
      if (weightType.getRank() != 4)
        return fail("the filter is not rank 4");
      input = buildTranspose(ops, loc, input, {0, 2, 3, 1});
      weight = buildTranspose(ops, loc, weight, {2, 3, 1, 0});
      return success();
    }
    case ContractionKind::DepthwiseNCHW: {
      // NCHW to NHWC and [C, KH, KW] to [KH, KW, 1, C]: a constant filter is
      // re-emitted (its per-axis axis 0 becomes 3), others need per-tensor
      // parameters for qc.reshape.
      if (weightType.getRank() != 3 || !weightType.hasStaticShape())
        return fail("the depthwise filter is not a static [C, KH, KW] tensor");
      input = buildTranspose(ops, loc, input, {0, 2, 3, 1});
      ArrayRef<int64_t> shape = weightType.getShape();
      SmallVector<int64_t> newShape = {shape[1], shape[2], 1, shape[0]};
      QuantizedType qtype = getQuantizedElementType(weightType);
      if (DenseIntElementsAttr codes = getQuantizedConstant(weight)) {
        SmallVector<int64_t> perm = {1, 2, 0};
        QuantizedType moved = qtype;
        if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
          if (perAxis.getQuantizedDimension() != 0)
            return fail("a per-axis depthwise filter must be quantized along C");
          moved = UniformQuantizedPerAxisType::get(
              perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
              perAxis.getScales(), perAxis.getZeroPoints(), 3,
              perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
        }
        weight = buildQuantizedConstant(
            ops, loc, newShape, moved,
            permuteElements(getCodes(codes, qtype.isSigned()), shape, perm));
        return success();
      }
      if (isa<UniformQuantizedPerAxisType>(qtype))
        return fail("a depthwise filter that is not a constant must be quantized "
                    "per tensor");
      weight = buildTranspose(ops, loc, weight, {1, 2, 0});
      weight = ops.create<ReshapeOp>(loc, RankedTensorType::get(newShape, qtype), weight)
                   .getResult();
      return success();
    }
    case ContractionKind::Depthwise: {
      // [KH, KW, C] (linalg) or [KH, KW, C, 1] (TOSA) to [KH, KW, 1, C].
      if (weightType.getRank() < 3)
        return fail("the depthwise filter has rank < 3");
      FailureOr<Value> filter = reshapeQuantized(
          ops, loc, weight,
          {weightType.getDimSize(0), weightType.getDimSize(1), 1, weightType.getDimSize(2)},
          2, 3);
      if (failed(filter))
        return fail("a depthwise filter that is not a constant must be quantized "
                    "per tensor");
      weight = *filter;
      return success();
    }
    case ContractionKind::BatchMatmul: {
      auto inputType = cast<RankedTensorType>(input.getType());
      FailureOr<Value> lhs = reshapeQuantized(
          ops, loc, input, inputType.getShape().drop_front(), /*oldAxis=*/-1, 0);
      FailureOr<Value> rhs =
          reshapeQuantized(ops, loc, weight, weightType.getShape().drop_front(), 2, 1);
      if (failed(lhs) || failed(rhs))
        return fail("a batched operand that is not a constant must be quantized per "
                    "tensor to drop the batch");
      input = *lhs;
      weight = *rhs;
      return success();
    }
    }
    return failure();
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
    Operation *pool = sum.getDefiningOp();
    if (!isa_and_nonnull<linalg::PoolingNhwcSumOp, linalg::PoolingNchwSumOp>(pool))
      return rewriter.notifyMatchFailure(op, "not a linalg sum pool");
    // NCHW pooling (torch-mlir's default) runs as NHWC between transposes.
    bool nchw = isa<linalg::PoolingNchwSumOp>(pool);
    auto linalgOp = cast<linalg::LinalgOp>(pool);
    Value source = getDequantizedSource(linalgOp.getDpsInputOperand(0)->get());
    if (!source)
      return rewriter.notifyMatchFailure(op, "pool input is not dequantized");
    auto window = cast<RankedTensorType>(linalgOp.getDpsInputOperand(1)->get().getType());
    if (window.getRank() != 2 || !window.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "window shape is not static 2-D");
    if (!isZeroInit(linalgOp.getDpsInitOperand(0)->get())) {
      ctx.noteFloat(pool, "the sum pool does not start from zero");
      return rewriter.notifyMatchFailure(op, "non-zero init");
    }
    auto [strides, dilations] =
        nchw ? std::pair{readInts(cast<linalg::PoolingNchwSumOp>(pool).getStrides()),
                         readInts(cast<linalg::PoolingNchwSumOp>(pool).getDilations())}
             : std::pair{readInts(cast<linalg::PoolingNhwcSumOp>(pool).getStrides()),
                         readInts(cast<linalg::PoolingNhwcSumOp>(pool).getDilations())};
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
    Location loc = pool->getLoc();
    DetachedOps ops(getContext());
    RankedTensorType poolType = op.getType().clone(sourceType.getElementType());
    if (nchw) {
      source = buildTranspose(ops, loc, source, {0, 2, 3, 1});
      ArrayRef<int64_t> shape = poolType.getShape();
      poolType = RankedTensorType::get({shape[0], shape[2], shape[3], shape[1]},
                                       poolType.getElementType());
    }
    Operation *created = ops.create<AvgPool2DOp>(
        loc, poolType, source, rewriter.getDenseI64ArrayAttr(window.getShape()),
        rewriter.getDenseI64ArrayAttr(strides), rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}));
    if (nchw)
      created = buildTranspose(ops, loc, created->getResult(0), {0, 3, 1, 2}).getDefiningOp();
    if (created->getResult(0).getType() != op.getType())
      created = ops.create<RequantizeOp>(
          op.getLoc(), op.getType(), created->getResult(0),
          RequantProfileAttr::get(getContext(), ctx.profile), DenseI64ArrayAttr());
    return commitOrExplain(rewriter, ops, created, op, pool, ctx);
  }
  FoldContext ctx;
};

/// tosa.avg_pool2d divides by the number of valid (non-padded) elements,
/// exactly what qc.avg_pool2d does in integers.
struct TosaAvgPoolToQC final : OpRewritePattern<QuantizeOp> {
  TosaAvgPoolToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto pool = op.getInput().getDefiningOp<tosa::AvgPool2dOp>();
    if (!pool || !pool->hasOneUse())
      return rewriter.notifyMatchFailure(op, "not quantize(single-use tosa.avg_pool2d)");
    Value source = getDequantizedSource(pool.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "pool input is not dequantized");
    if (!isZeroPoint(pool.getInputZp()) || !isZeroPoint(pool.getOutputZp())) {
      ctx.noteFloat(pool, "float tosa.avg_pool2d with non-zero zero points");
      return rewriter.notifyMatchFailure(op, "non-zero zero points");
    }
    auto sourceType = cast<RankedTensorType>(source.getType());
    auto poolType = op.getType().clone(sourceType.getElementType());
    DetachedOps ops(getContext());
    Operation *created = ops.create<AvgPool2DOp>(
        pool.getLoc(), poolType, source, rewriter.getDenseI64ArrayAttr(pool.getKernel()),
        rewriter.getDenseI64ArrayAttr(pool.getStride()),
        rewriter.getDenseI64ArrayAttr(pool.getPad()));
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

/// tensor.concat or tosa.concat with a ranked result: its inputs and axis.
static bool matchConcat(Operation *op, SmallVector<Value> &inputs, int64_t &axis) {
  if (!op || !isa<RankedTensorType>(op->getResult(0).getType()))
    return false;
  if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
    llvm::append_range(inputs, concat.getInputs());
    axis = concat.getDim();
    return true;
  }
  if (auto concat = dyn_cast<tosa::ConcatOp>(op)) {
    llvm::append_range(inputs, concat.getInput1());
    axis = concat.getAxis();
    return true;
  }
  return false;
}

/// The producers of a concat disagree on their parameters: each one is
/// requantized to the parameters of the quantize that follows.
struct ConcatToQC final : OpRewritePattern<QuantizeOp> {
  ConcatToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Operation *concat = op.getInput().getDefiningOp();
    SmallVector<Value> concatInputs;
    int64_t axis = 0;
    if (!matchConcat(concat, concatInputs, axis) || !concat->hasOneUse())
      return rewriter.notifyMatchFailure(op, "operand is not a single-use concat");
    RankedTensorType resultType = op.getType();
    DetachedOps ops(getContext());
    SmallVector<Value> inputs;
    for (Value input : concatInputs) {
      Value source = getDequantizedSource(input);
      if (!source)
        return rewriter.notifyMatchFailure(op, "a concat operand is not dequantized");
      auto sourceType = cast<RankedTensorType>(source.getType());
      auto wanted = sourceType.clone(resultType.getElementType());
      if (sourceType != wanted) {
        auto requantize = ops.create<RequantizeOp>(
            concat->getLoc(), wanted, source,
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
    auto created = ops.create<ConcatOp>(concat->getLoc(), resultType, inputs,
                                        rewriter.getI64IntegerAttr(axis));
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
    // tensor.reshape and tosa.reshape may produce unranked tensors.
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked result");
    auto qtype = getQuantizedElementType(source.getType());
    DetachedOps ops(op->getContext());
    auto reshape = ops.create<ReshapeOp>(op->getLoc(), resultType.clone(qtype), source);
    return sinkDequantize(rewriter, ops, reshape, op, ctx);
  }
  FoldContext ctx;
};

/// linalg.transpose / tosa.transpose of a dequantized tensor.
template <typename TransposeLikeOp>
struct SinkDequantizeThroughTranspose final : OpRewritePattern<TransposeLikeOp> {
  SinkDequantizeThroughTranspose(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern<TransposeLikeOp>(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(TransposeLikeOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not on tensors");
    Value source = getDequantizedSource(op->getOperand(0));
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    SmallVector<int64_t> perm;
    if constexpr (std::is_same_v<TransposeLikeOp, tosa::TransposeOp>)
      llvm::append_range(perm, op.getPerms());
    else
      llvm::append_range(perm, op.getPermutation());
    QuantizedType qtype =
        permuteQuantizedType(getQuantizedElementType(source.getType()), perm);
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked result");
    DetachedOps ops(op->getContext());
    auto transpose =
        ops.create<TransposeOp>(op->getLoc(), resultType.clone(qtype), source,
                                DenseI64ArrayAttr::get(op->getContext(), perm));
    return sinkDequantize(rewriter, ops, transpose, op, ctx);
  }
  FoldContext ctx;
};

/// tosa.max_pool2d pads with -inf, so padding never wins the max.
struct SinkDequantizeThroughTosaMaxPool final : OpRewritePattern<tosa::MaxPool2dOp> {
  SinkDequantizeThroughTosaMaxPool(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(tosa::MaxPool2dOp op,
                                PatternRewriter &rewriter) const override {
    Value source = getDequantizedSource(op.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not dequantized");
    QuantizedType qtype = getQuantizedElementType(source.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    DetachedOps ops(getContext());
    auto pool = ops.create<MaxPool2DOp>(
        op.getLoc(), resultType.clone(qtype), source,
        rewriter.getDenseI64ArrayAttr(op.getKernel()),
        rewriter.getDenseI64ArrayAttr(op.getStride()),
        rewriter.getDenseI64ArrayAttr(op.getPad()));
    return sinkDequantize(rewriter, ops, pool, op, ctx);
  }
  FoldContext ctx;
};

template <typename ConcatLikeOp>
struct SinkDequantizeThroughConcat final : OpRewritePattern<ConcatLikeOp> {
  SinkDequantizeThroughConcat(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern<ConcatLikeOp>(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(ConcatLikeOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> inputs, sources;
    int64_t axis = 0;
    if (!matchConcat(op, inputs, axis))
      return rewriter.notifyMatchFailure(op, "unranked result");
    for (Value input : inputs) {
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
    auto resultType = cast<RankedTensorType>(op.getType());
    DetachedOps ops(op->getContext());
    auto concat = ops.create<ConcatOp>(op.getLoc(), resultType.clone(qtype), sources,
                                       rewriter.getI64IntegerAttr(axis));
    return sinkDequantize(rewriter, ops, concat, op, ctx);
  }
  FoldContext ctx;
};

/// Max pooling commutes with the monotone dequantization; padding and init
/// values at or below the smallest representable value never win.
template <typename PoolOp>
struct SinkDequantizeThroughMaxPool final : OpRewritePattern<PoolOp> {
  /// NCHW pooling (torch-mlir's default) runs as NHWC between transposes.
  static constexpr bool kNCHW = std::is_same_v<PoolOp, linalg::PoolingNchwMaxOp>;

  SinkDequantizeThroughMaxPool(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern<PoolOp>(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not on tensors");
    Value input = op.getInputs()[0];
    SmallVector<int64_t> padding = {0, 0, 0, 0};
    double padValue = -kInf;
    if (auto pad = input.template getDefiningOp<tensor::PadOp>()) {
      std::optional<SmallVector<int64_t>> p = getSpatialPadding(pad, padValue, kNCHW);
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
    auto fill = op.getOutputs()[0].template getDefiningOp<linalg::FillOp>();
    std::optional<double> initValue =
        fill ? getScalarFloatConstant(fill.getInputs()[0]) : std::nullopt;
    if (!initValue || *initValue > lowest || padValue > lowest) {
      ctx.noteFloat(op, "the init or padding value is above the smallest "
                        "representable value and could win the max");
      return rewriter.notifyMatchFailure(op, "init/pad value may win the max");
    }
    if (llvm::any_of(readInts(op.getDilations()), [](int64_t d) { return d != 1; })) {
      ctx.noteFloat(op, "qc.max_pool2d has no dilation");
      return rewriter.notifyMatchFailure(op, "dilated pooling");
    }
    auto window = cast<RankedTensorType>(op.getInputs()[1].getType());
    if (window.getRank() != 2 || !window.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "window shape is not static 2-D");
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    DetachedOps ops(op->getContext());
    Location loc = op.getLoc();
    if (kNCHW) {
      source = buildTranspose(ops, loc, source, {0, 2, 3, 1});
      ArrayRef<int64_t> shape = resultType.getShape();
      resultType = RankedTensorType::get({shape[0], shape[2], shape[3], shape[1]},
                                         resultType.getElementType());
    }
    Operation *created = ops.create<MaxPool2DOp>(
        loc, resultType.clone(qtype), source,
        rewriter.getDenseI64ArrayAttr(window.getShape()),
        rewriter.getDenseI64ArrayAttr(readInts(op.getStrides())),
        rewriter.getDenseI64ArrayAttr(padding));
    if (kNCHW)
      created = buildTranspose(ops, loc, created->getResult(0), {0, 3, 1, 2}).getDefiningOp();
    return sinkDequantize(rewriter, ops, created, op, ctx);
  }
  FoldContext ctx;
};

} // namespace

void fold::populateComputePatterns(RewritePatternSet &patterns,
                                     const FoldContext &ctx) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ClampOfDequantize, ElementwiseBinaryToQC, ContractionToQC, AvgPoolToQC,
               TosaAvgPoolToQC, ConcatToQC>(
      context, ctx);
}

void fold::populatePropagationPatterns(RewritePatternSet &patterns,
                                         const FoldContext &ctx) {
  MLIRContext *context = patterns.getContext();
  patterns.add<SinkDequantizeThroughReshape<tensor::CollapseShapeOp>,
               SinkDequantizeThroughReshape<tensor::ExpandShapeOp>,
               SinkDequantizeThroughReshape<tensor::ReshapeOp>,
               SinkDequantizeThroughReshape<tosa::ReshapeOp>,
               SinkDequantizeThroughTranspose<linalg::TransposeOp>,
               SinkDequantizeThroughTranspose<tosa::TransposeOp>,
               SinkDequantizeThroughConcat<tensor::ConcatOp>,
               SinkDequantizeThroughConcat<tosa::ConcatOp>,
               SinkDequantizeThroughMaxPool<linalg::PoolingNhwcMaxOp>,
               SinkDequantizeThroughMaxPool<linalg::PoolingNchwMaxOp>,
               SinkDequantizeThroughTosaMaxPool>(context, ctx);
}
