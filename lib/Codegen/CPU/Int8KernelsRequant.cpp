//===- Int8KernelsRequant.cpp - the requantization on 32-bit lanes --------===//
//
// The fixed-point multiplies of the requantization (RequantizeBuilder.cpp:
// a product of two sign-extended i32 values computed in i64, then rounded,
// shifted and narrowed back to i32), recognized in an epilogue stage's
// scalar body and built on the i32 lanes of an accumulator vector instead
// of on two vectors of i64 lanes: the products of the even and of the odd
// lanes (vpmuldq each), the rounding and shift on those, and one blend or
// permute back to kLanes i32 lanes (docs/CPUKernels.md, "Requantization on
// 32-bit lanes").
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace mlir::qc::cpu;

bool qc::cpu::isConstantInt(Value v, int64_t expected) {
  APInt value;
  return matchPattern(v, m_ConstantInt(&value)) && value.getSExtValue() == expected;
}

namespace {

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
  if (!op || !isConstantInt(op.getTrueValue(), whenTrue) ||
      !isConstantInt(op.getFalseValue(), whenFalse))
    return false;
  auto cmp = defining<arith::CmpIOp>(op.getCondition());
  return cmp && cmp.getPredicate() == pred && cmp.getLhs() == x &&
         isConstantInt(cmp.getRhs(), 0);
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
  if (!shift || !isConstantInt(shift.getRhs(), 31))
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
  if (!upper || !isConstantInt(upper.getRhs(), std::numeric_limits<int32_t>::max()))
    return std::nullopt;
  auto lower = defining<arith::MaxSIOp>(upper.getLhs());
  if (!lower || !isConstantInt(lower.getRhs(), std::numeric_limits<int32_t>::min()))
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
    return isConstantInt(sub.getRhs(), 1) && shl && isConstantInt(shl.getLhs(), 1) &&
           shl.getRhs() == n;
  }
  APInt m, e;
  return matchPattern(mask, m_ConstantInt(&m)) && matchPattern(n, m_ConstantInt(&e)) &&
         e.ult(32) && m == (APInt(32, 1).shl(e) - 1);
}

/// `t` = mask >> 1, built or folded.
bool isHalfOf(Value t, Value mask) {
  if (auto shr = defining<arith::ShRSIOp>(t))
    return shr.getLhs() == mask && isConstantInt(shr.getRhs(), 1);
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
             cmp.getLhs() == x && isConstantInt(cmp.getRhs(), 0);
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
           isConstantInt(cmp.getRhs(), std::numeric_limits<int32_t>::min());
  };
  return (isMinTestOf(both.getLhs(), mul.a.value) && isMinTestOf(both.getRhs(), mul.c.value)) ||
         (isMinTestOf(both.getLhs(), mul.c.value) && isMinTestOf(both.getRhs(), mul.a.value));
}

/// The fixed-point multiplies of `body`, by the op whose result they give:
/// a HighMul's or ShiftRound's `trunci`, a HighMulDivide's final addi.
} // namespace

DenseMap<Operation *, FixedPointMul> qc::cpu::matchFixedPointMuls(Block *body) {
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
      if (!isConstantInt(select.getTrueValue(), std::numeric_limits<int32_t>::max()))
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
Value qc::cpu::buildFixedPointMul(OpBuilder &b, Location loc, const FixedPointMul &mul,
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
