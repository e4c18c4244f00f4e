//===- Int8Epilogue.cpp - elementwise consumers on the accumulator tile ---===//
//
// The requantization after a contraction (and what follows it elementwise)
// is computed on each accumulator vector right after its reduction loop,
// so the i32 sums never go through memory. The consumers' scalar bodies are
// rewritten op by op on vectors of kLanes columns; their other inputs are
// read at the vector's row and columns.
//
// The fixed-point multiplies of the requantization (RequantizeBuilder.cpp:
// a product of two sign-extended i32 values computed in i64, then rounded,
// shifted and narrowed back to i32) are recognized in the scalar bodies and
// computed on the i32 lanes instead of on two vectors of i64 lanes: the
// products of the even and of the odd lanes (vpmuldq each), the rounding and
// shift on those, and one blend or permute back to 16 i32 lanes
// (docs/CPUKernels.md, "Requantization on 32-bit lanes").
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

bool isScalar(Type type) { return isa<IntegerType, FloatType>(type); }

/// Ops the vector form keeps exact: elementwise arith and math on scalars.
/// Divisions and remainders are refused where padding lanes of a partial
/// vector could hold a zero divisor.
bool isVectorizable(Operation &op, bool partialLanes) {
  if (!isa<arith::ArithDialect, math::MathDialect>(op.getDialect()) ||
      op.getNumRegions() != 0 || op.getNumResults() != 1)
    return false;
  if (!llvm::all_of(op.getOperandTypes(), isScalar) ||
      !isScalar(op.getResult(0).getType()))
    return false;
  if (partialLanes &&
      isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
          arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(op))
    return false;
  return true;
}

/// A consumer the kernel can compute on its accumulator vectors; the index
/// of the input that reads `value`, or nothing.
std::optional<unsigned> matchStage(linalg::GenericOp op, Value value, int64_t rows,
                                   int64_t cols, bool partialLanes) {
  if (op.getNumDpsInits() != 1 || op->getNumResults() != 1 ||
      !op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op.getNumParallelLoops() != op.getNumLoops() || op.getNumLoops() < 1)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t rowCount = 1;
  for (int64_t r : ArrayRef(ranges).drop_back())
    rowCount *= r;
  if (ranges.back() != cols || rowCount != rows)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  if (!op.getMatchingIndexingMap(init).isIdentity() ||
      !op.getMatchingBlockArgument(init).use_empty())
    return std::nullopt;
  unsigned last = op.getNumLoops() - 1;
  std::optional<unsigned> chain;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (input->get() == value) {
      if (chain || !map.isIdentity())
        return std::nullopt;
      chain = input->getOperandNumber();
      continue;
    }
    if (!isa<RankedTensorType>(input->get().getType()))
      return std::nullopt;
    // Row dimensions anywhere; the column dimension only last, where a
    // vector of columns is one contiguous read.
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      if (isa<AffineConstantExpr>(e))
        continue;
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim || (dim.getPosition() == last && i + 1 != map.getNumResults()))
        return std::nullopt;
    }
  }
  if (!chain)
    return std::nullopt;
  for (Operation &inner : op.getBlock()->without_terminator())
    if (!isVectorizable(inner, partialLanes))
      return std::nullopt;
  return chain;
}

/// A factor of an i64 product that is an i32 value sign-extended: the
/// scalar of the body, or the constant it folded to.
struct Factor {
  Value value;
  int64_t constant = 0;
};

/// A fixed-point multiply on i64 in a scalar body whose result is the i32
/// of its `trunci`.
struct FixedPointMul {
  enum Kind {
    /// trunci((s + (s < 0 ? 2^31 - 1 : 0)) >> 31), s = p + (p >= 0 ? 2^30 :
    /// 1 - 2^30): gemmlowp's SaturatingRoundingDoublingHighMul before its
    /// overflow select, which stays as it is.
    HighMul,
    /// trunci(min(max((p + half) >> shift, INT32_MIN), INT32_MAX)): TOSA's
    /// apply_scale_32 (`half` and `shift` i64 values of the body).
    ShiftRound,
    /// RoundingDivideByPOT(x, exponent) of a HighMul's result x, directly
    /// or through its overflow select (`overflow`, the select's condition).
    HighMulDivide,
  } kind;
  Factor a, c;
  Value half, shift;
  Value exponent, overflow;
};

bool isConstant(Value v, int64_t expected) {
  APInt value;
  return matchPattern(v, m_ConstantInt(&value)) && value.getSExtValue() == expected;
}

template <typename OpTy> OpTy defining(Value v) {
  return v ? v.getDefiningOp<OpTy>() : OpTy();
}

std::optional<Factor> matchFactor(Value v) {
  if (auto ext = defining<arith::ExtSIOp>(v))
    if (ext.getIn().getType().isInteger(32))
      return Factor{ext.getIn()};
  APInt value;
  if (matchPattern(v, m_ConstantInt(&value)) && value.isSignedIntN(32))
    return Factor{Value(), value.getSExtValue()};
  return std::nullopt;
}

/// `v` = muli(a, c) of two sign-extended i32 factors.
bool matchProduct(Value v, FixedPointMul &mul) {
  auto product = defining<arith::MulIOp>(v);
  if (!product || !product.getType().isInteger(64))
    return false;
  std::optional<Factor> a = matchFactor(product.getLhs());
  std::optional<Factor> c = matchFactor(product.getRhs());
  if (!a || !c)
    return false;
  mul.a = *a;
  mul.c = *c;
  return true;
}

/// `select` = select(cmpi pred, x, 0), whenTrue, whenFalse) for `x`.
bool matchSignSelect(Value select, arith::CmpIPredicate pred, Value x, int64_t whenTrue,
                     int64_t whenFalse) {
  auto op = defining<arith::SelectOp>(select);
  if (!op || !isConstant(op.getTrueValue(), whenTrue) ||
      !isConstant(op.getFalseValue(), whenFalse))
    return false;
  auto cmp = defining<arith::CmpIOp>(op.getCondition());
  return cmp && cmp.getPredicate() == pred && cmp.getLhs() == x &&
         isConstant(cmp.getRhs(), 0);
}

/// The operand of the addi `sum` that is not `other`-shaped: `sum` =
/// addi(x, y) in either order, returns {x, y} where `isFirst(x)`.
template <typename Pred>
std::optional<std::pair<Value, Value>> matchAdd(Value sum, Pred isFirst) {
  auto add = defining<arith::AddIOp>(sum);
  if (!add)
    return std::nullopt;
  if (isFirst(add.getLhs(), add.getRhs()))
    return std::make_pair(add.getLhs(), add.getRhs());
  if (isFirst(add.getRhs(), add.getLhs()))
    return std::make_pair(add.getRhs(), add.getLhs());
  return std::nullopt;
}

std::optional<FixedPointMul> matchHighMul(arith::TruncIOp trunc) {
  auto shift = defining<arith::ShRSIOp>(trunc.getIn());
  if (!shift || !isConstant(shift.getRhs(), 31))
    return std::nullopt;
  // (sum + bias) >> 31, bias = sum < 0 ? 2^31 - 1 : 0.
  auto biased = matchAdd(shift.getLhs(), [](Value sum, Value bias) {
    return matchSignSelect(bias, arith::CmpIPredicate::slt, sum, (1LL << 31) - 1, 0);
  });
  if (!biased)
    return std::nullopt;
  // sum = p + (p >= 0 ? 2^30 : 1 - 2^30).
  FixedPointMul mul{FixedPointMul::HighMul, {}, {}, {}, {}, {}, {}};
  auto nudged = matchAdd(biased->first, [&](Value p, Value nudge) {
    return matchSignSelect(nudge, arith::CmpIPredicate::sge, p, 1LL << 30,
                           1 - (1LL << 30)) &&
           matchProduct(p, mul);
  });
  if (!nudged)
    return std::nullopt;
  return mul;
}

std::optional<FixedPointMul> matchShiftRound(arith::TruncIOp trunc) {
  auto upper = defining<arith::MinSIOp>(trunc.getIn());
  if (!upper || !isConstant(upper.getRhs(), std::numeric_limits<int32_t>::max()))
    return std::nullopt;
  auto lower = defining<arith::MaxSIOp>(upper.getLhs());
  if (!lower || !isConstant(lower.getRhs(), std::numeric_limits<int32_t>::min()))
    return std::nullopt;
  auto shift = defining<arith::ShRSIOp>(lower.getLhs());
  if (!shift)
    return std::nullopt;
  FixedPointMul mul{FixedPointMul::ShiftRound, {}, {}, {}, shift.getRhs(), {}, {}};
  auto rounded = matchAdd(shift.getLhs(), [&](Value p, Value) { return matchProduct(p, mul); });
  if (!rounded)
    return std::nullopt;
  mul.half = rounded->second;
  return mul;
}

/// `v` = zext(i1 `cond`) (arith.extui).
Value matchExtUI(Value v) {
  auto ext = defining<arith::ExtUIOp>(v);
  return ext && ext.getIn().getType().isInteger(1) ? ext.getIn() : Value();
}

/// `mask` = (1 << n) - 1, built or folded (i32, wrapping).
bool isMaskOf(Value mask, Value n) {
  if (auto sub = defining<arith::SubIOp>(mask)) {
    auto shl = defining<arith::ShLIOp>(sub.getLhs());
    return isConstant(sub.getRhs(), 1) && shl && isConstant(shl.getLhs(), 1) &&
           shl.getRhs() == n;
  }
  APInt m, e;
  return matchPattern(mask, m_ConstantInt(&m)) && matchPattern(n, m_ConstantInt(&e)) &&
         e.ult(32) && m == (APInt(32, 1).shl(e) - 1);
}

/// `t` = mask >> 1, built or folded.
bool isHalfOf(Value t, Value mask) {
  if (auto shr = defining<arith::ShRSIOp>(t))
    return shr.getLhs() == mask && isConstant(shr.getRhs(), 1);
  APInt tv, m;
  return matchPattern(t, m_ConstantInt(&tv)) && matchPattern(mask, m_ConstantInt(&m)) &&
         tv == m.ashr(1);
}

/// `root` = RoundingDivideByPOT(x, n) as RequantizeBuilder.cpp builds it:
/// (x >> n) + zext(((x & mask) > ((mask >> 1) + zext(x < 0)))), mask =
/// (1 << n) - 1. Returns {x, n}.
std::optional<std::pair<Value, Value>> matchRoundingDivide(arith::AddIOp root) {
  for (int swap = 0; swap < 2; ++swap) {
    auto shifted = defining<arith::ShRSIOp>(swap ? root.getRhs() : root.getLhs());
    Value roundUp = matchExtUI(swap ? root.getLhs() : root.getRhs());
    if (!shifted || !roundUp)
      continue;
    Value x = shifted.getLhs(), n = shifted.getRhs();
    auto gt = defining<arith::CmpIOp>(roundUp);
    if (!gt || gt.getPredicate() != arith::CmpIPredicate::sgt)
      continue;
    auto remainder = defining<arith::AndIOp>(gt.getLhs());
    if (!remainder)
      continue;
    Value mask = remainder.getLhs() == x ? remainder.getRhs()
                 : remainder.getRhs() == x ? remainder.getLhs() : Value();
    if (!mask || !isMaskOf(mask, n))
      continue;
    auto threshold = matchAdd(gt.getRhs(), [&](Value half, Value negative) {
      auto cmp = defining<arith::CmpIOp>(matchExtUI(negative));
      return isHalfOf(half, mask) && cmp && cmp.getPredicate() == arith::CmpIPredicate::slt &&
             cmp.getLhs() == x && isConstant(cmp.getRhs(), 0);
    });
    if (threshold)
      return std::make_pair(x, n);
  }
  return std::nullopt;
}

/// `cond` = (a == INT32_MIN) & (c == INT32_MIN) for the factors of `mul`.
bool isOverflowTest(Value cond, const FixedPointMul &mul) {
  auto both = defining<arith::AndIOp>(cond);
  if (!both || !mul.a.value || !mul.c.value)
    return false;
  auto isMinTestOf = [](Value test, Value x) {
    auto cmp = defining<arith::CmpIOp>(test);
    return cmp && cmp.getPredicate() == arith::CmpIPredicate::eq && cmp.getLhs() == x &&
           isConstant(cmp.getRhs(), std::numeric_limits<int32_t>::min());
  };
  return (isMinTestOf(both.getLhs(), mul.a.value) && isMinTestOf(both.getRhs(), mul.c.value)) ||
         (isMinTestOf(both.getLhs(), mul.c.value) && isMinTestOf(both.getRhs(), mul.a.value));
}

/// The fixed-point multiplies of `body`, by the op whose result they give:
/// a HighMul's or ShiftRound's `trunci`, a HighMulDivide's final addi.
DenseMap<Operation *, FixedPointMul> matchFixedPointMuls(Block *body) {
  DenseMap<Operation *, FixedPointMul> muls;
  for (Operation &op : body->without_terminator()) {
    auto trunc = dyn_cast<arith::TruncIOp>(op);
    if (!trunc || !trunc.getType().isInteger(32) || !trunc.getIn().getType().isInteger(64))
      continue;
    if (std::optional<FixedPointMul> mul = matchHighMul(trunc))
      muls.try_emplace(trunc, *mul);
    else if (std::optional<FixedPointMul> mul = matchShiftRound(trunc))
      muls.try_emplace(trunc, *mul);
  }
  for (Operation &op : body->without_terminator()) {
    auto add = dyn_cast<arith::AddIOp>(op);
    if (!add || !add.getType().isInteger(32))
      continue;
    std::optional<std::pair<Value, Value>> divide = matchRoundingDivide(add);
    if (!divide)
      continue;
    auto [x, n] = *divide;
    // x = select(overflow, INT32_MAX, trunc) or the trunc itself.
    Value overflow;
    if (auto select = defining<arith::SelectOp>(x)) {
      if (!isConstant(select.getTrueValue(), std::numeric_limits<int32_t>::max()))
        continue;
      overflow = select.getCondition();
      x = select.getFalseValue();
    }
    auto it = x.getDefiningOp() ? muls.find(x.getDefiningOp()) : muls.end();
    if (it == muls.end() || it->second.kind != FixedPointMul::HighMul)
      continue;
    FixedPointMul mul = it->second;
    if (overflow && !isOverflowTest(overflow, mul))
      continue;
    mul.kind = FixedPointMul::HighMulDivide;
    mul.exponent = n;
    mul.overflow = overflow;
    muls.try_emplace(add, mul);
  }
  return muls;
}

/// Builds `mul` on kLanes i32 lanes: the products of the even and of the
/// odd lanes as two vectors of kLanes / 2 i64 lanes (LLVM's X86 back end
/// selects vpmuldq for a product of sign-extended halves), the rounding on
/// those, and the i32 results put back in place by one shuffle. `lookup`
/// gives the vector of a scalar of the body.
Value buildFixedPointMul(OpBuilder &b, Location loc, const FixedPointMul &mul,
                         function_ref<Value(Value)> lookup) {
  Type i64 = b.getI64Type();
  auto wideType = VectorType::get({kLanes / 2}, i64);
  auto narrowType = VectorType::get({kLanes}, b.getI32Type());
  auto splat = [&](int64_t value) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(wideType, APInt(64, value, /*isSigned=*/true)));
  };
  Value c32 = splat(32);
  // The even (odd) lanes of a factor, sign-extended to i64.
  auto halves = [&](const Factor &f) -> std::pair<Value, Value> {
    if (!f.value)
      return {splat(f.constant), splat(f.constant)};
    Value wide = vector::BitCastOp::create(b, loc, wideType, lookup(f.value));
    Value even = arith::ShRSIOp::create(b, loc, arith::ShLIOp::create(b, loc, wide, c32), c32);
    return {even, arith::ShRSIOp::create(b, loc, wide, c32)};
  };
  auto [aEven, aOdd] = halves(mul.a);
  auto [cEven, cOdd] = halves(mul.c);
  Value products[2] = {arith::MulIOp::create(b, loc, aEven, cEven),
                       arith::MulIOp::create(b, loc, aOdd, cOdd)};
  SmallVector<int64_t> blend;
  auto interleaveLow = [&](Value even, Value odd) -> Value {
    SmallVector<int64_t> lanes;
    for (int64_t i = 0; i < kLanes; ++i)
      lanes.push_back(i % 2 ? kLanes + i - 1 : i);
    return vector::ShuffleOp::create(b, loc, vector::BitCastOp::create(b, loc, narrowType, even),
                                     vector::BitCastOp::create(b, loc, narrowType, odd), lanes);
  };
  if (mul.kind == FixedPointMul::HighMulDivide) {
    // RoundingDivideByPOT(floor(s / 2^31), n), s = p + 2^30, in one step:
    // ties away from zero is floor((q + 2^(n-1) - [q < 0]) / 2^n) for n >
    // 0, q for n = 0, and floor(floor(s / 2^31) + B) / 2^n) = floor((s +
    // B 2^31) / 2^(31+n)), so
    //   y = (p + 2^30 + K - (p < -2^30 ? D : 0)) >> (31 + n),
    //   K = n > 0 ? 2^(30+n) : 0,  D = n > 0 ? 2^31 : 0.
    // |p| <= 2^62 and K <= 2^61: no i64 sum overflows. Every y fits i32
    // but the one of overflow (a = c = INT32_MIN, n = 0): 2^31, INT32_MIN
    // in the low word, which the overflow select then replaces.
    Value n = vector::BitCastOp::create(b, loc, wideType, lookup(mul.exponent));
    Value nHalves[2] = {
        arith::ShRUIOp::create(b, loc, arith::ShLIOp::create(b, loc, n, c32), c32),
        arith::ShRUIOp::create(b, loc, n, c32)};
    Value results[2];
    for (int64_t odd = 0; odd < 2; ++odd) {
      Value e = nHalves[odd];
      Value positive = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, e, splat(0));
      Value k = arith::SelectOp::create(
          b, loc, positive, arith::ShLIOp::create(b, loc, splat(1), arith::AddIOp::create(b, loc, e, splat(30))),
          splat(0));
      Value d = arith::SelectOp::create(b, loc, positive, splat(1LL << 31), splat(0));
      Value p = products[odd];
      Value sum = arith::AddIOp::create(b, loc, p, arith::AddIOp::create(b, loc, k, splat(1LL << 30)));
      Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, p, splat(-(1LL << 30)));
      sum = arith::SelectOp::create(b, loc, negative, arith::SubIOp::create(b, loc, sum, d), sum);
      results[odd] = arith::ShRSIOp::create(b, loc, sum, arith::AddIOp::create(b, loc, e, splat(31)));
    }
    Value y = interleaveLow(results[0], results[1]);
    if (!mul.overflow)
      return y;
    // Only the overflow's 2^31 reads as INT32_MIN here (every other y is
    // above -2^31): the select's INT32_MAX for it.
    Value min = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(narrowType, APInt::getSignedMinValue(32)));
    Value max = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(narrowType, APInt::getSignedMaxValue(32)));
    Value isMin = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, min);
    return arith::SelectOp::create(b, loc, isMin, max, y);
  }
  if (mul.kind == FixedPointMul::HighMul) {
    // round(p / 2^31) with ties up is (p + 2^30) >> 31 for every p (the
    // truncating division of RequantizeBuilder.cpp on the biased sum is
    // this floor); no i64 sum can overflow, |p| <= 2^62. Bits 31..62: the
    // low word of the even lanes shifted right by 31, the high word of the
    // odd lanes shifted left by 1, one blend.
    Value nudge = splat(1LL << 30);
    Value even = arith::ShRUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, products[0], nudge), splat(31));
    Value odd = arith::ShLIOp::create(
        b, loc, arith::AddIOp::create(b, loc, products[1], nudge), splat(1));
    for (int64_t i = 0; i < kLanes; ++i)
      blend.push_back(i % 2 ? kLanes + i : i);
    return vector::ShuffleOp::create(b, loc, vector::BitCastOp::create(b, loc, narrowType, even),
                                     vector::BitCastOp::create(b, loc, narrowType, odd),
                                     blend);
  }
  // The i64 rounding and clamp on each half as the body computes them on
  // all lanes; then the low words of both, interleaved.
  auto pick = [&](Value v, int64_t first) -> Value {
    SmallVector<int64_t> lanes;
    for (int64_t i = 0; i < kLanes / 2; ++i)
      lanes.push_back(2 * i + first);
    return vector::ShuffleOp::create(b, loc, v, v, lanes);
  };
  Value half = lookup(mul.half), shift = lookup(mul.shift);
  Value results[2];
  for (int64_t odd = 0; odd < 2; ++odd) {
    Value sum = arith::AddIOp::create(b, loc, products[odd], pick(half, odd));
    Value shifted = arith::ShRSIOp::create(b, loc, sum, pick(shift, odd));
    Value clamped = arith::MinSIOp::create(
        b, loc,
        arith::MaxSIOp::create(b, loc, shifted, splat(std::numeric_limits<int32_t>::min())),
        splat(std::numeric_limits<int32_t>::max()));
    results[odd] = vector::BitCastOp::create(b, loc, narrowType, clamped);
  }
  for (int64_t i = 0; i < kLanes; ++i)
    blend.push_back(i % 2 ? kLanes + i - 1 : i);
  return vector::ShuffleOp::create(b, loc, results[0], results[1], blend);
}

} // namespace

Epilogue qc::cpu::matchEpilogue(const Int8Contraction &contraction,
                                bool partialLanes) {
  Epilogue epilogue;
  Value current = contraction.op->getResult(0);
  epilogue.result = current;
  epilogue.elementType = getElementTypeOrSelf(current.getType());
  int64_t rows = contraction.rows(), cols = contraction.filters;
  while (current.hasOneUse()) {
    Operation *user = *current.getUsers().begin();
    Value read = current;
    // The grouped forms reach the consumer through a collapse_shape of
    // their unit group dimension.
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(user)) {
      if (!epilogue.stages.empty() || !collapse->hasOneUse())
        break;
      read = collapse.getResult();
      user = *read.getUsers().begin();
    }
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic)
      break;
    std::optional<unsigned> chain = matchStage(generic, read, rows, cols, partialLanes);
    if (!chain)
      break;
    epilogue.stages.push_back(generic);
    epilogue.chainOperands.push_back(*chain);
    current = generic->getResult(0);
    epilogue.result = current;
    epilogue.elementType = getElementTypeOrSelf(current.getType());
  }
  return epilogue;
}

Value EpilogueEmitter::readOperand(OpBuilder &b, Location loc, linalg::GenericOp op,
                                   OpOperand &operand, ArrayRef<Value> rowIndices,
                                   Value col, bool inBounds) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  unsigned last = op.getNumLoops() - 1;
  bool alongColumns = false, alongRows = false;
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    if (auto constant = dyn_cast<AffineConstantExpr>(e)) {
      indices.push_back(arith::ConstantIndexOp::create(b, loc, constant.getValue()));
      continue;
    }
    unsigned dim = cast<AffineDimExpr>(e).getPosition();
    alongColumns |= dim == last;
    alongRows |= dim != last;
    indices.push_back(dim == last ? col : rowIndices[dim]);
  }
  std::pair<Operation *, unsigned> key{op, operand.getOperandNumber()};
  if (!alongRows)
    if (Value cached = columnCache.lookup(key))
      return cached;
  Type element = getElementTypeOrSelf(operand.get().getType());
  auto vectorType = VectorType::get({kLanes}, element);
  Value result;
  if (alongColumns) {
    Value pad = arith::ConstantOp::create(b, loc, cast<TypedAttr>(b.getZeroAttr(element)));
    result = vector::TransferReadOp::create(b, loc, vectorType, operand.get(), indices,
                                            pad, ArrayRef<bool>{inBounds});
  } else {
    Value scalar = tensor::ExtractOp::create(b, loc, operand.get(), indices);
    result = vector::BroadcastOp::create(b, loc, vectorType, scalar);
  }
  if (!alongRows)
    columnCache[key] = result;
  return result;
}

Value EpilogueEmitter::emit(OpBuilder &b, Location loc, Value acc,
                            ArrayRef<Value> rowIndices, Value col, bool inBounds) {
  Value value = acc;
  auto vectorOf = [](Type t) { return VectorType::get({kLanes}, t); };
  for (auto [stage, chain] : llvm::zip_equal(epilogue.stages, epilogue.chainOperands)) {
    linalg::GenericOp op = stage;
    Block *body = op.getBlock();
    IRMapping mapping;
    for (OpOperand *input : op.getDpsInputOperands()) {
      BlockArgument arg = op.getMatchingBlockArgument(input);
      if (arg.use_empty())
        continue;
      if (input->getOperandNumber() == chain)
        mapping.map(arg, value);
      else
        mapping.map(arg, readOperand(b, loc, op, *input, rowIndices, col, inBounds));
    }
    auto lookup = [&](Value v) {
      Value mapped = mapping.lookupOrDefault(v);
      if (!isa<VectorType>(mapped.getType()))
        mapped = vector::BroadcastOp::create(b, loc, vectorOf(mapped.getType()), mapped);
      return mapped;
    };
    DenseMap<Operation *, FixedPointMul> fixedPointMuls = matchFixedPointMuls(body);
    // Inputs that are constants without INT32_MIN (the multipliers of a
    // requantization): their comparison with INT32_MIN, the overflow test
    // of SaturatingRoundingDoublingHighMul, is false in every lane.
    DenseSet<Value> neverMin;
    for (OpOperand *input : op.getDpsInputOperands()) {
      BlockArgument arg = op.getMatchingBlockArgument(input);
      if (input->getOperandNumber() == chain || !arg.getType().isInteger(32))
        continue;
      DenseIntElementsAttr values = getConstantThroughReshapes(input->get());
      if (values && llvm::none_of(values.getValues<APInt>(),
                                  [](const APInt &v) { return v.isMinSignedValue(); }))
        neverMin.insert(arg);
    }
    auto isNeverMin = [&](Value v) {
      APInt value;
      return neverMin.contains(v) ||
             (matchPattern(v, m_ConstantInt(&value)) && !value.isMinSignedValue());
    };
    auto isMinTest = [&](Operation &inner) {
      auto cmp = dyn_cast<arith::CmpIOp>(inner);
      int64_t min = std::numeric_limits<int32_t>::min();
      return cmp && cmp.getPredicate() == arith::CmpIPredicate::eq &&
             ((isNeverMin(cmp.getLhs()) && isConstant(cmp.getRhs(), min)) ||
              (isNeverMin(cmp.getRhs()) && isConstant(cmp.getLhs(), min)));
    };
    for (Operation &inner : body->without_terminator()) {
      Type resultType = vectorOf(inner.getResult(0).getType());
      // The ops only the fixed-point multiply used are left dead for the
      // canonicalizer to erase.
      if (auto it = fixedPointMuls.find(&inner); it != fixedPointMuls.end()) {
        FixedPointMul mul = it->second;
        // An overflow test one of whose comparisons is false needs no fix.
        if (mul.overflow) {
          auto both = mul.overflow.getDefiningOp<arith::AndIOp>();
          if (isMinTest(*both.getLhs().getDefiningOp()) ||
              isMinTest(*both.getRhs().getDefiningOp()))
            mul.overflow = Value();
        }
        mapping.map(inner.getResult(0), buildFixedPointMul(b, loc, mul, lookup));
        continue;
      }
      if (isMinTest(inner)) {
        mapping.map(inner.getResult(0),
                    arith::ConstantOp::create(
                        b, loc, DenseElementsAttr::get(cast<ShapedType>(resultType), false)));
        continue;
      }
      if (auto constant = dyn_cast<arith::ConstantOp>(inner)) {
        mapping.map(constant.getResult(),
                    arith::ConstantOp::create(
                        b, loc, resultType,
                        DenseElementsAttr::get(cast<ShapedType>(resultType),
                                               constant.getValue())));
        continue;
      }
      SmallVector<Value> operands = llvm::map_to_vector(inner.getOperands(), lookup);
      OperationState state(loc, inner.getName(), operands, TypeRange{resultType},
                           inner.getAttrs());
      mapping.map(inner.getResult(0), b.create(state)->getResult(0));
    }
    value = lookup(body->getTerminator()->getOperand(0));
  }
  return value;
}
