//===- FoldFakeQuantMatchers.cpp - float-form matchers and builders ---------===//
//
// The recognizers of float op spellings (linalg, arith, tosa) and the
// builders of quantized values shared by the --qc-fold-fake-quant pattern
// families.
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

//===----------------------------------------------------------------------===//
// Matchers for the float forms
//===----------------------------------------------------------------------===//

std::optional<double> fold::getScalarFloatConstant(Value value) {
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


/// The constant a scalar (or splat tensor) stands for: an arith.constant, a
/// linalg.fill of one, or (inside a linalg body) the block argument of a
/// splat-constant input, as `argConstant` says.
using ConstantLookup = llvm::function_ref<std::optional<double>(Value)>;

static std::optional<double> lookupConstant(Value value, ConstantLookup argConstant) {
  if (isa<BlockArgument>(value))
    return argConstant ? argConstant(value) : std::nullopt;
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return getScalarFloatConstant(fill.getInputs()[0]);
  return getScalarFloatConstant(value);
}

/// One step back through max/min-with-constant or the cmpf+select form of
/// ReLU: the clamped operand (its bound intersected into `range`), or null
/// when `value` is not such a clamp.
static Value stepClamp(Value value, ClampRange &range, ConstantLookup argConstant) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return nullptr;
  auto splitConstant = [&](double &c) -> Value {
    Value a = def->getOperand(0), b = def->getOperand(1);
    if (std::optional<double> v = lookupConstant(b, argConstant)) {
      c = *v;
      return a;
    }
    if (std::optional<double> v = lookupConstant(a, argConstant)) {
      c = *v;
      return b;
    }
    return nullptr;
  };
  double c;
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(def)) {
    Value other = splitConstant(c);
    if (other)
      range.lo = std::max(range.lo, c);
    return other;
  }
  if (isa<arith::MinimumFOp, arith::MinNumFOp>(def)) {
    Value other = splitConstant(c);
    if (other)
      range.hi = std::min(range.hi, c);
    return other;
  }
  // select(x > c, x, c) is max(x, c); select(x < c, x, c) is min(x, c).
  if (auto select = dyn_cast<arith::SelectOp>(def)) {
    auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
    if (!cmp || cmp.getLhs() != select.getTrueValue() ||
        cmp.getRhs() != select.getFalseValue())
      return nullptr;
    std::optional<double> bound = lookupConstant(cmp.getRhs(), argConstant);
    if (!bound)
      return nullptr;
    using P = arith::CmpFPredicate;
    P p = cmp.getPredicate();
    if (p == P::OGT || p == P::UGT || p == P::OGE || p == P::UGE)
      range.lo = std::max(range.lo, *bound);
    else if (p == P::OLT || p == P::ULT || p == P::OLE || p == P::ULE)
      range.hi = std::min(range.hi, *bound);
    else
      return nullptr;
    return cmp.getLhs();
  }
  return nullptr;
}

Value fold::peelScalarClamps(Value value, ClampRange &range, bool &peeled,
                             ConstantLookup argConstant) {
  peeled = false;
  ClampRange local = range;
  while (Value next = stepClamp(value, local, argConstant)) {
    value = next;
    peeled = true;
  }
  if (local.lo > local.hi)
    return nullptr;
  range = local;
  return value;
}

/// Follows a scalar (or elementwise tensor) value back through clamps until
/// `input`.
static bool traceClamp(Value value, Value input, ClampRange &range,
                       ConstantLookup argConstant = nullptr) {
  while (value != input) {
    value = stepClamp(value, range, argConstant);
    if (!value)
      return false;
  }
  return range.lo <= range.hi;
}

bool fold::isAllParallel(linalg::LinalgOp op) {
  return op.getNumLoops() == op.getNumParallelLoops();
}

/// An elementwise op that clamps one input: a linalg op with a body
/// (linalg.generic, linalg.map, the named linalg.max / linalg.min) whose
/// other inputs are splat constants, tosa.clamp, or max/min with constants on
/// whole tensors. Returns the clamped input.
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
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (linalgOp.getNumDpsInits() != 1 || !isAllParallel(linalgOp) ||
        !linalgOp.getBlock() ||
        !llvm::all_of(linalgOp.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      return nullptr;
    // Exactly one input is not a splat constant: the clamped one.
    Block *body = linalgOp.getBlock();
    DenseMap<Value, double> constants;
    Value input, inputArg;
    for (OpOperand *operand : linalgOp.getDpsInputOperands()) {
      Value arg = body->getArgument(operand->getOperandNumber());
      if (std::optional<double> c = lookupConstant(operand->get(), nullptr)) {
        constants[arg] = *c;
        continue;
      }
      if (input)
        return nullptr;
      input = operand->get();
      inputArg = arg;
    }
    if (!input)
      return nullptr;
    auto argConstant = [&](Value arg) -> std::optional<double> {
      auto it = constants.find(arg);
      if (it == constants.end())
        return std::nullopt;
      return it->second;
    };
    auto yield = cast<linalg::YieldOp>(body->getTerminator());
    ClampRange local = range;
    if (yield.getNumOperands() != 1 ||
        !traceClamp(yield.getOperand(0), inputArg, local, argConstant))
      return nullptr;
    range = local;
    return input;
  }
  if (!isa<RankedTensorType>(op->getResult(0).getType()))
    return nullptr;
  // Tensor-level arith: the clamp ends at the first operand that is not a
  // constant or part of the chain.
  ClampRange local = range;
  bool peeled = false;
  Value source = peelScalarClamps(op->getResult(0), local, peeled, nullptr);
  if (!source || !peeled)
    return nullptr;
  range = local;
  return source;
}

/// Peels single-use clamps off `value` (what a ReLU after a matmul looks like
/// from the quantize that follows it).
Value fold::peelClamps(Value value, ClampRange &range, bool &peeled) {
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


std::optional<BinaryMatch> fold::matchBinary(Operation *op, BinaryKind kind) {
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
std::optional<SmallVector<double>> fold::getChannelVector(Value value, AffineMap map,
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
bool fold::isZeroInit(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

/// A tensor.pad of an NHWC (or NCHW) tensor on H and W only, with a constant
/// value; returns [top, bottom, left, right].
std::optional<SmallVector<int64_t>> fold::getSpatialPadding(tensor::PadOp pad,
                                                             double &padValue,
                                                             bool nchw) {
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
std::optional<std::pair<int64_t, int64_t>>
fold::getClampCodes(const ClampRange &range, QuantizedType type, RoundingMode rounding) {
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
DenseI64ArrayAttr fold::getClampAttr(MLIRContext *context,
                                      std::pair<int64_t, int64_t> codes,
                                      QuantizedType type) {
  auto [qmin, qmax] = getStorageRange(type);
  if (codes.first <= qmin && codes.second >= qmax)
    return nullptr;
  return DenseI64ArrayAttr::get(context, {codes.first, codes.second});
}

/// Verifies the detached ops' final op and commits them in place of `anchor`;
/// on a verifier failure records the reason for the float op `floatOp`.
LogicalResult fold::commitOrExplain(PatternRewriter &rewriter, DetachedOps &ops,
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

bool fold::isQCPoolWindow(Type input, ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> padding) {
  auto type = dyn_cast<RankedTensorType>(input);
  if (!type || type.getRank() != 4 || kernel.size() != 2 || strides.size() != 2 ||
      padding.size() != 4)
    return false;
  for (int i = 0; i < 2; ++i) {
    int64_t before = padding[2 * i], after = padding[2 * i + 1];
    if (strides[i] <= 0 || before < 0 || after < 0 || before >= kernel[i] ||
        after >= kernel[i])
      return false;
    int64_t size = type.getDimSize(1 + i);
    if (!ShapedType::isDynamic(size) && size + before + after < kernel[i])
      return false;
  }
  return true;
}

/// qc.transpose of `value`: result dim d is operand dim perm[d].
Value fold::buildTranspose(DetachedOps &ops, Location loc, Value value,
                            ArrayRef<int64_t> perm) {
  return ops.create<TransposeOp>(loc, value, DenseI64ArrayAttr::get(loc.getContext(), perm))
      .getResult();
}

/// `value` with a new static shape that only adds or drops unit dimensions:
/// a re-emitted constant when it is one (a per-axis `oldAxis` becomes
/// `newAxis`; any other axis fails), otherwise qc.reshape, which keeps
/// per-tensor parameters only.
FailureOr<Value> fold::reshapeQuantized(DetachedOps &ops, Location loc, Value value,
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

SmallVector<int64_t> fold::readInts(DenseIntElementsAttr attr) {
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(v.getSExtValue());
  return values;
}

/// TOSA carries zero points as operands; in the float graph they must be 0.
bool fold::isZeroPoint(Value zp) {
  std::optional<double> value = getScalarFloatConstant(zp);
  return value && *value == 0.0;
}

/// tensor.concat or tosa.concat with a ranked result: its inputs and axis.
bool fold::matchConcat(Operation *op, SmallVector<Value> &inputs, int64_t &axis) {
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
