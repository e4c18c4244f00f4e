//===- FixedPointLanes.cpp - the requantization on 32-bit lanes -----------===//
//
// The fixed-point multiplies of the requantization (RequantizeBuilder.cpp:
// a product of two sign-extended i32 values computed in i64, then rounded,
// shifted and narrowed back to i32), recognized on scalars (a kernel
// epilogue's body) or on vectors (the generic tiling path) and built on
// the i32 lanes of a vector instead of on two vectors of i64 lanes: the
// products of the even and of the odd lanes (vpmuldq each), the rounding
// and shift on those, and one blend or permute back to i32 lanes
// (docs/CPUKernels.md, "Requantization on 32-bit lanes").
//
//===----------------------------------------------------------------------===//
#include "FixedPointLanes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

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

/// Whether `v` is an integer of `width` bits or a vector of them.
bool isInt(Value v, unsigned width) { return getElementTypeOrSelf(v).isInteger(width); }

std::optional<Factor> matchFactor(Value v) {
  // The canonicalizer folds extsi(extsi(x)) of a narrower x into one.
  if (auto ext = defining<arith::ExtSIOp>(v))
    if (getElementTypeOrSelf(ext.getIn()).getIntOrFloatBitWidth() <= 32)
      return Factor{ext.getIn()};
  APInt value;
  if (matchPattern(v, m_ConstantInt(&value)) && value.isSignedIntN(32))
    return Factor{Value(), value.getSExtValue()};
  return std::nullopt;
}

/// `v` = muli(a, c) of two sign-extended i32 factors.
bool matchProduct(Value v, FixedPointMul &mul) {
  auto product = defining<arith::MulIOp>(v);
  if (!product || !isInt(product, 64))
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
  return ext && isInt(ext.getIn(), 1) ? ext.getIn() : Value();
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

/// `cond` = zext(i1) < 0 (or 0 > zext(i1)) on i32: false in every lane.
bool isNegativeZExtTest(Value cond) {
  auto cmp = defining<arith::CmpIOp>(cond);
  if (!cmp)
    return false;
  if (cmp.getPredicate() == arith::CmpIPredicate::slt)
    return matchExtUI(cmp.getLhs()) && isConstantInt(cmp.getRhs(), 0);
  return cmp.getPredicate() == arith::CmpIPredicate::sgt && isConstantInt(cmp.getLhs(), 0) &&
         matchExtUI(cmp.getRhs());
}

/// `root` = RoundingDivideByPOT(x, n) as RequantizeBuilder.cpp builds it:
/// (x >> n) + zext(((x & mask) > ((mask >> 1) + zext(x < 0)))), mask =
/// (1 << n) - 1. Returns {x, n}; n is null for a constant n = 0.
std::optional<std::pair<Value, Value>> matchRoundingDivide(arith::AddIOp root) {
  // For n = 0 the canonicalizer folds x >> 0 to x, the mask, the remainder
  // and the half to 0, and 0 > zext(x < 0) to zext(x < 0) < 0, which it
  // keeps: x + zext(zext(x < 0) < 0), a sum that is x in every lane. The
  // i1 it extends is not looked at (it is x < 0, or a fold of it).
  for (int swap = 0; swap < 2; ++swap) {
    Value roundUp = matchExtUI(swap ? root.getLhs() : root.getRhs());
    if (roundUp && isNegativeZExtTest(roundUp))
      return std::make_pair(swap ? root.getRhs() : root.getLhs(), Value());
  }
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
    auto isNegativeOfX = [&](Value negative) {
      auto cmp = defining<arith::CmpIOp>(matchExtUI(negative));
      return cmp && cmp.getPredicate() == arith::CmpIPredicate::slt && cmp.getLhs() == x &&
             isConstantInt(cmp.getRhs(), 0);
    };
    auto threshold = matchAdd(gt.getRhs(), [&](Value half, Value negative) {
      return isHalfOf(half, mask) && isNegativeOfX(negative);
    });
    // For n = 1 the folder drops the half (0) from the threshold.
    if (threshold || (isConstantInt(mask, 1) && isNegativeOfX(gt.getRhs())))
      return std::make_pair(x, n);
  }
  return std::nullopt;
}

/// `cond` = (a == INT32_MIN) & (c == INT32_MIN) for the factors of `mul`.
bool isOverflowTest(Value cond, const FixedPointMul &mul) {
  constexpr int64_t min = std::numeric_limits<int32_t>::min();
  auto isMinTestOf = [](Value test, Value x) {
    auto cmp = defining<arith::CmpIOp>(test);
    return cmp && cmp.getPredicate() == arith::CmpIPredicate::eq && cmp.getLhs() == x &&
           isConstantInt(cmp.getRhs(), min);
  };
  // A constant INT32_MIN factor: the canonicalizer folded its test (true)
  // and the and with it, the other factor's test is left.
  if (!mul.c.value && mul.c.constant == min && mul.a.value)
    return isMinTestOf(cond, mul.a.value);
  if (!mul.a.value && mul.a.constant == min && mul.c.value)
    return isMinTestOf(cond, mul.c.value);
  auto both = defining<arith::AndIOp>(cond);
  if (!both || !mul.a.value || !mul.c.value)
    return false;
  return (isMinTestOf(both.getLhs(), mul.a.value) && isMinTestOf(both.getRhs(), mul.c.value)) ||
         (isMinTestOf(both.getLhs(), mul.c.value) && isMinTestOf(both.getRhs(), mul.a.value));
}

} // namespace

std::optional<FixedPointMul> qc::cpu::matchFixedPointMul(Operation *root) {
  if (auto trunc = dyn_cast<arith::TruncIOp>(root)) {
    if (!isInt(trunc, 32) || !isInt(trunc.getIn(), 64))
      return std::nullopt;
    if (std::optional<FixedPointMul> mul = matchHighMul(trunc))
      return mul;
    return matchShiftRound(trunc);
  }
  auto add = dyn_cast<arith::AddIOp>(root);
  if (!add || !isInt(add, 32))
    return std::nullopt;
  std::optional<std::pair<Value, Value>> divide = matchRoundingDivide(add);
  if (!divide)
    return std::nullopt;
  auto [x, n] = *divide;
  // x = select(overflow, INT32_MAX, trunc) or the trunc itself.
  Value overflow;
  if (auto select = defining<arith::SelectOp>(x)) {
    if (!isConstantInt(select.getTrueValue(), std::numeric_limits<int32_t>::max()))
      return std::nullopt;
    overflow = select.getCondition();
    x = select.getFalseValue();
  }
  auto trunc = defining<arith::TruncIOp>(x);
  std::optional<FixedPointMul> mul = trunc ? matchFixedPointMul(trunc) : std::nullopt;
  if (!mul || mul->kind != FixedPointMul::HighMul)
    return std::nullopt;
  if (overflow && !isOverflowTest(overflow, *mul))
    return std::nullopt;
  mul->kind = FixedPointMul::HighMulDivide;
  mul->exponent = n;
  mul->overflow = overflow;
  return mul;
}

DenseMap<Operation *, FixedPointMul> qc::cpu::matchFixedPointMuls(Block *body) {
  DenseMap<Operation *, FixedPointMul> muls;
  for (Operation &op : body->without_terminator())
    if (std::optional<FixedPointMul> mul = matchFixedPointMul(&op))
      muls.try_emplace(&op, *mul);
  return muls;
}

bool qc::cpu::feedsHighMulDivide(Operation *trunc) {
  SmallVector<Value> xs = {trunc->getResult(0)};
  for (Operation *user : trunc->getUsers())
    if (isa<arith::SelectOp>(user))
      xs.push_back(user->getResult(0));
  auto isDivide = [](Operation *sum) {
    std::optional<FixedPointMul> mul = matchFixedPointMul(sum);
    return mul && mul->kind == FixedPointMul::HighMulDivide;
  };
  for (Value x : xs)
    for (Operation *user : x.getUsers()) {
      // n = 0: x itself is an operand of the final sum.
      if (isa<arith::AddIOp>(user) && isDivide(user))
        return true;
      if (auto shift = dyn_cast<arith::ShRSIOp>(user); shift && shift.getLhs() == x)
        if (llvm::any_of(shift->getUsers(), isDivide))
          return true;
    }
  return false;
}

Value qc::cpu::buildFixedPointMul(OpBuilder &b, Location loc, const FixedPointMul &mul,
                                  int64_t lanes, function_ref<Value(Value)> lookup) {
  assert(lanes % 2 == 0 && "the lanes pair up as even and odd");
  Type i64 = b.getI64Type();
  auto wideType = VectorType::get({lanes / 2}, i64);
  auto narrowType = VectorType::get({lanes}, b.getI32Type());
  auto splat = [&](int64_t value) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(wideType, APInt(64, value, /*isSigned=*/true)));
  };
  Value c32 = splat(32);
  // The even (odd) lanes of a factor, sign-extended to i64.
  auto halves = [&](const Factor &f) -> std::pair<Value, Value> {
    if (!f.value)
      return {splat(f.constant), splat(f.constant)};
    Value value = lookup(f.value);
    if (value.getType() != narrowType)
      value = arith::ExtSIOp::create(b, loc, narrowType, value);
    Value wide = vector::BitCastOp::create(b, loc, wideType, value);
    Value even = arith::ShRSIOp::create(b, loc, arith::ShLIOp::create(b, loc, wide, c32), c32);
    return {even, arith::ShRSIOp::create(b, loc, wide, c32)};
  };
  auto [aEven, aOdd] = halves(mul.a);
  auto [cEven, cOdd] = halves(mul.c);
  Value products[2] = {arith::MulIOp::create(b, loc, aEven, cEven),
                       arith::MulIOp::create(b, loc, aOdd, cOdd)};
  SmallVector<int64_t> blend;
  auto interleaveLow = [&](Value even, Value odd) -> Value {
    SmallVector<int64_t> order;
    for (int64_t i = 0; i < lanes; ++i)
      order.push_back(i % 2 ? lanes + i - 1 : i);
    return vector::ShuffleOp::create(b, loc, vector::BitCastOp::create(b, loc, narrowType, even),
                                     vector::BitCastOp::create(b, loc, narrowType, odd), order);
  };
  // Only the overflow's 2^31 reads as INT32_MIN in a HighMul's or
  // HighMulDivide's y (every other y is above -2^31): the select's
  // INT32_MAX for it.
  auto fixOverflow = [&](Value y) -> Value {
    if (!mul.overflow)
      return y;
    Value min = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(narrowType, APInt::getSignedMinValue(32)));
    Value max = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(narrowType, APInt::getSignedMaxValue(32)));
    Value isMin = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, min);
    return arith::SelectOp::create(b, loc, isMin, max, y);
  };
  if (mul.kind == FixedPointMul::HighMulDivide && mul.exponent) {
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
    return fixOverflow(interleaveLow(results[0], results[1]));
  }
  if (mul.kind != FixedPointMul::ShiftRound) {
    // round(p / 2^31) with ties up is (p + 2^30) >> 31 for every p (the
    // truncating division of RequantizeBuilder.cpp on the biased sum is
    // this floor); no i64 sum can overflow, |p| <= 2^62. Bits 31..62: the
    // low word of the even lanes shifted right by 31, the high word of the
    // odd lanes shifted left by 1, one blend. A HighMulDivide by 2^0 is
    // this and its overflow fix (for a = c = INT32_MIN, p = 2^62: 2^31).
    Value nudge = splat(1LL << 30);
    Value even = arith::ShRUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, products[0], nudge), splat(31));
    Value odd = arith::ShLIOp::create(
        b, loc, arith::AddIOp::create(b, loc, products[1], nudge), splat(1));
    for (int64_t i = 0; i < lanes; ++i)
      blend.push_back(i % 2 ? lanes + i : i);
    return fixOverflow(vector::ShuffleOp::create(
        b, loc, vector::BitCastOp::create(b, loc, narrowType, even),
        vector::BitCastOp::create(b, loc, narrowType, odd), blend));
  }
  // The i64 rounding and clamp on each half as the body computes them on
  // all lanes; then the low words of both, interleaved.
  auto pick = [&](Value v, int64_t first) -> Value {
    SmallVector<int64_t> order;
    for (int64_t i = 0; i < lanes / 2; ++i)
      order.push_back(2 * i + first);
    return vector::ShuffleOp::create(b, loc, v, v, order);
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
  for (int64_t i = 0; i < lanes; ++i)
    blend.push_back(i % 2 ? lanes + i - 1 : i);
  return vector::ShuffleOp::create(b, loc, results[0], results[1], blend);
}
