//===- Division.cpp - exact i64 division by a per-row divisor -------------===//
//
// qc.layer_norm and qc.softmax divide every element of a row by one value of
// that row (the row's root, the row's sum of exponentials). An i64
// `arith.divsi` has no vector instruction on x86: LLVM splits it into one
// `idiv` per lane, which was most of both ops' time. Here the division
// becomes a multiplication by a per-row magic number (Granlund and
// Montgomery, "Division by invariant integers using multiplication", 1994,
// theorem 4.2), with N = 63:
//
//   for 0 <= n < 2^63 and d >= 1, l = ceil(log2 d), m = ceil(2^(63 + l) / d):
//   2^(63+l) <= m d <= 2^(63+l) + 2^l, so floor(n / d) = floor(n m / 2^(63+l)).
//
// m < 2^64 (d > 2^(l-1) unless d is a power of two, where m = 2^(63 - l) *
// 2^l), so it is an unsigned 64-bit value in an i64. The quotient is the high
// word of the 128-bit product shifted right by l - 1, with the product built
// from four 32 x 32 -> 64 bit multiplications (i64 multiplications of
// 32-bit halves: vpmullq on znver4, 8 lanes each; the halves of m come from
// memory, so LLVM does not use vpmuludq), so the element loop vectorizes. d = 1 (l = 0) is the dividend.
// Only integer ops: the integer-only contracts of both backends hold.
// The quotient is exactly the one of the division it replaces: the results
// are bit-identical, not approximations.
//
// Shorter, where the ranges allow it (getShortQuotientShift; softmax, and
// layer norm with the statistic V): an estimate from one 32 x 32 -> 64-bit
// product and one correction step. For 0 <= n < N, 2^29 < d_min <= d <= 2^61, a
// shift a >= 0 with N <= 2^(32 + a) and e = N / 2^61 + 2^a / d_min < 1:
//
//   m = floor(2^61 / d) <= 2^61 / d_min < 2^32,  n' = floor(n / 2^a) < 2^32,
//   q0 = floor(n' m / 2^(61 - a)).
//
// Upper: n' <= n / 2^a and m <= 2^61 / d, so n' m / 2^(61 - a) <= n / d
// and q0 <= q = floor(n / d). Lower: n' > n / 2^a - 1 and m > 2^61 / d - 1
// >= 0, so n' m > (n / 2^a - 1)(2^61 / d - 1) whenever
// n / 2^a >= 1 (else n / d < 2^a / d_min < 1 and q0 = q = 0), and
//
//   n' m / 2^(61 - a) > n / d - n / 2^61 - 2^a / d >= n / d - e > q - 1,
//
// so q0 is q or q - 1. The remainder n - q0 d (0 <= q0 d <= n) is then in
// [0, d) or [d, 2d): q = q0 + (n - q0 d >= d). Per element: a shift, a
// mask, two i64 multiplications (n' m of two zero-extended i32 values, so
// that LLVM selects vpmuludq on x86 although m comes from memory; q0 d a
// vpmullq), a shift, a
// subtraction, a compare and an add, against four multiplications and a
// dozen shifts, masks and adds for the 128-bit high word. Per divisor: one
// i64 division of a constant.
//
// Without i64 division (SPIR-V portable mode: arith-emulate-wide-int makes
// i64 pairs of i32 and has no division; QCToLinalgOptions::wideDivision =
// false) the per-row divisions above (the reciprocal, the magic number) and
// layer norm's integer root are restoring long divisions
// (buildRestoringDivision): k steps of shift, compare, subtract, in i32
// where the divisor is at most 2^31 (native), else in i64 (emulated). For
// r_0 < d <= 2^(w-1) (w the width) and 0 <= low < 2^k, step i (k - 1 down
// to 0) keeps r < d: r' = 2 r + bit_i(low) <= 2 d - 1 < 2^w (no
// wrap), r' < 2 d, so one conditional subtraction brings it below d, and the
// quotient bit is r' >= d. After k steps q = floor((r_0 2^k + low) / d) <
// 2^k (r_0 < d) and r is the remainder: the definition of the quotient, the
// same bits as the division it replaces. Uses:
//
//   reciprocal floor(2^61 / d), 2^29 < d <= 2^61: r_0 = 2^29, low = 0,
//     k = 32 (i32 where d_max <= 2^31: layer norm's root);
//   magic number: with B = maxDivisorBits, l = ceil(log2 d), d' = d
//     2^(B - l) is in (2^(B-1), 2^B] and floor(2^(63+l) / d) =
//     floor(2^(63+B) / d') (both scaled by 2^(B - l)), exact with a zero
//     remainder exactly when d divides 2^(63+l): r_0 = 2^(B-1) < d', low =
//     0, k = 64 (two i32 runs of 32 for B <= 31, else i64);
//   the root's Newton steps floor(u / x), u < 2^62, 1 <= x <= 2^31 (x_0 =
//     2^ceil(bitlen(u) / 2) <= 2^31 and x never grows) and x >= s =
//     isqrt(u) (Newton from above), so u / x <= (s^2 + 2 s) / s = s + 2
//     < 2^32 (u = 0: 0): r_0 = floor(u / 2^32) < x, low = u mod 2^32,
//     k = 32, all in i32 (LayerNorm.cpp).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/bit.h"

#include <algorithm>
#include <limits>
#include <tuple>

using namespace mlir;

namespace mlir::qc::lowering {

namespace {
Value constant64(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}
} // namespace

std::pair<Value, Value> buildRestoringDivision(OpBuilder &b, Location loc, Value r,
                                               Value low, Value d, int64_t k) {
  Type type = d.getType();
  [[maybe_unused]] unsigned width = type.getIntOrFloatBitWidth();
  assert(k >= 1 && k <= static_cast<int64_t>(width) && "too many quotient bits");
  auto c = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v)).getResult();
  };
  Value one = c(1);
  Value q = c(0);
  for (int64_t i = k - 1; i >= 0; --i) {
    r = arith::ShLIOp::create(b, loc, r, one);
    if (low)
      r = arith::OrIOp::create(
          b, loc, r, arith::AndIOp::create(b, loc, arith::ShRUIOp::create(b, loc, low, c(i)), one));
    Value ge = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, r, d);
    r = arith::SelectOp::create(b, loc, ge, arith::SubIOp::create(b, loc, r, d), r);
    q = arith::OrIOp::create(b, loc, arith::ShLIOp::create(b, loc, q, one),
                             arith::ExtUIOp::create(b, loc, type, ge));
  }
  return {q, r};
}

namespace {
Value constant32(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(static_cast<int32_t>(v)));
}
Value toI32(OpBuilder &b, Location loc, Value v) {
  return arith::TruncIOp::create(b, loc, b.getI32Type(), v);
}
Value toI64(OpBuilder &b, Location loc, Value v) {
  return arith::ExtUIOp::create(b, loc, b.getI64Type(), v);
}

/// ceil(2^(63 + l) / d) for 1 <= d <= 2^bits without a division: the
/// restoring division of 2^(63 + bits) by d' = d 2^(bits - l) (Division.cpp's
/// header), rounded up where its remainder is not 0.
Value buildRestoringMagic(OpBuilder &b, Location loc, Value d, Value l, int64_t bits) {
  Value scaled = arith::ShLIOp::create(
      b, loc, d, arith::SubIOp::create(b, loc, constant64(b, loc, bits), l));
  Value q, rem;
  if (bits <= 31) {
    // d' <= 2^31: both halves of the 64-bit quotient in i32.
    Value narrow = toI32(b, loc, scaled);
    auto [high, r] =
        buildRestoringDivision(b, loc, constant32(b, loc, int64_t{1} << (bits - 1)), {}, narrow, 32);
    auto [lowWord, r2] = buildRestoringDivision(b, loc, r, {}, narrow, 32);
    q = arith::OrIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, toI64(b, loc, high), constant64(b, loc, 32)),
        toI64(b, loc, lowWord));
    rem = toI64(b, loc, r2);
  } else {
    std::tie(q, rem) = buildRestoringDivision(
        b, loc, constant64(b, loc, int64_t{1} << (bits - 1)), {}, scaled, 64);
  }
  Value inexact = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem,
                                        constant64(b, loc, 0));
  return arith::AddIOp::create(b, loc, q,
                               arith::ExtUIOp::create(b, loc, b.getI64Type(), inexact));
}
} // namespace

DivisionMagic buildDivisionMagic(OpBuilder &b, Location loc, Value d,
                                 int64_t maxDivisorBits, bool wideDivision) {
  assert(maxDivisorBits >= 1 && maxDivisorBits <= 62 && "divisor out of range");
  // l = ceil(log2 d) = bit length of d - 1, by a binary search over shifts.
  Value dm1 = arith::SubIOp::create(b, loc, d, constant64(b, loc, 1));
  Value l = constant64(b, loc, 0);
  for (int64_t s : {32, 16, 8, 4, 2, 1}) {
    Value candidate = arith::AddIOp::create(b, loc, l, constant64(b, loc, s));
    Value high = arith::ShRUIOp::create(
        b, loc, dm1, arith::SubIOp::create(b, loc, candidate, constant64(b, loc, 1)));
    Value nonZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, high,
                                          constant64(b, loc, 0));
    l = arith::SelectOp::create(b, loc, nonZero, candidate, l);
  }
  if (!wideDivision)
    return {buildRestoringMagic(b, loc, d, l, maxDivisorBits), l};
  // floor(2^63 / d) and its remainder (unsigned: 2^63 is the i64 minimum),
  // then l more zero bits brought down, at most 64 - l at a time so that
  // rem << k < d 2^k <= 2^64.
  Value top = constant64(b, loc, std::numeric_limits<int64_t>::min());
  Value q = arith::DivUIOp::create(b, loc, top, d);
  Value rem = arith::RemUIOp::create(b, loc, top, d);
  Value room = arith::SubIOp::create(b, loc, constant64(b, loc, 64), l);
  Value left = l;
  int64_t steps = (maxDivisorBits + (64 - maxDivisorBits) - 1) / (64 - maxDivisorBits);
  for (int64_t i = 0; i < steps; ++i) {
    Value k = arith::MinSIOp::create(b, loc, left, room);
    Value shifted = arith::ShLIOp::create(b, loc, rem, k);
    Value digit = arith::DivUIOp::create(b, loc, shifted, d);
    rem = arith::SubIOp::create(b, loc, shifted, arith::MulIOp::create(b, loc, digit, d));
    q = arith::AddIOp::create(b, loc, arith::ShLIOp::create(b, loc, q, k), digit);
    left = arith::SubIOp::create(b, loc, left, k);
  }
  // Rounded up: + 1 unless d divides 2^(63 + l).
  Value inexact = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem,
                                        constant64(b, loc, 0));
  Value m = arith::AddIOp::create(
      b, loc, q, arith::ExtUIOp::create(b, loc, b.getI64Type(), inexact));
  return {m, l};
}

Value buildMagicQuotient(OpBuilder &b, Location loc, Value n, Value m, Value l) {
  Value low32 = constant64(b, loc, 0xffffffffLL), c32 = constant64(b, loc, 32);
  auto lo = [&](Value v) { return arith::AndIOp::create(b, loc, v, low32); };
  auto hi = [&](Value v) { return arith::ShRUIOp::create(b, loc, v, c32); };
  auto mul = [&](Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); };
  auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); };
  Value nl = lo(n), nh = hi(n), ml = lo(m), mh = hi(m);
  Value ll = mul(nl, ml), lh = mul(nl, mh), hl = mul(nh, ml), hh = mul(nh, mh);
  // The high word of n m: every partial sum below fits 64 bits.
  Value mid = add(add(hi(ll), lo(lh)), lo(hl));
  Value high = add(add(add(hh, hi(lh)), hi(hl)), hi(mid));
  Value one = constant64(b, loc, 1);
  Value shift = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, l, one),
                                       constant64(b, loc, 0));
  Value quotient = arith::ShRUIOp::create(b, loc, high, shift);
  Value byOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, l,
                                      constant64(b, loc, 0));
  return arith::SelectOp::create(b, loc, byOne, n, quotient);
}

std::optional<int64_t> getShortQuotientShift(uint64_t dividendBound,
                                             uint64_t minDivisor) {
  if (dividendBound == 0 || minDivisor <= (uint64_t{1} << 29) ||
      minDivisor >= (uint64_t{1} << 62))
    return std::nullopt;
  int64_t bits = 64 - llvm::countl_zero(dividendBound - 1); // n < 2^bits
  int64_t shift = std::max<int64_t>(0, bits - 32);
  if (shift > 29)
    return std::nullopt;
  // e < 1: N d_min + 2^(a + 61) < 2^61 d_min, in 128 bits.
  using U128 = unsigned __int128;
  U128 lhs = U128{dividendBound} * minDivisor + (U128{1} << (shift + 61));
  if (lhs >= (U128{minDivisor} << 61))
    return std::nullopt;
  return shift;
}

Value buildShortReciprocal(OpBuilder &b, Location loc, Value d, uint64_t maxDivisor,
                           bool wideDivision) {
  if (!wideDivision) {
    // floor(2^61 / d) by 32 restoring steps from r_0 = 2^29 (the header);
    // for d <= 2^29 (layer norm's r = 0 only) some value below 2^32, which
    // multiplies n' = 0.
    if (maxDivisor <= (uint64_t{1} << 31))
      return toI64(b, loc,
                   buildRestoringDivision(b, loc, constant32(b, loc, int64_t{1} << 29), {},
                                          toI32(b, loc, d), 32)
                       .first);
    return buildRestoringDivision(b, loc, constant64(b, loc, int64_t{1} << 29), {}, d, 32).first;
  }
  Value m = arith::DivUIOp::create(b, loc, constant64(b, loc, int64_t{1} << 61), d);
  // m < 2^32 for d > 2^29 (the mask changes nothing there); a smaller d
  // only comes with n' = 0 (layer norm's constant rows), where the product
  // is 0 either way.
  return arith::AndIOp::create(b, loc, m, constant64(b, loc, 0xffffffffLL));
}

Value buildShortQuotient(OpBuilder &b, Location loc, Value n, Value d, Value m,
                         int64_t shift) {
  // n' m as the product of two zero-extended i32 values: m < 2^32 comes
  // from memory (a per-row value), where LLVM does not see its high word is
  // zero; extended from i32 it does, and selects vpmuludq (32 x 32 -> 64)
  // instead of vpmullq. The mask of n' is the truncation.
  auto low32 = [&](Value v) -> Value {
    return arith::ExtUIOp::create(b, loc, b.getI64Type(),
                                  arith::TruncIOp::create(b, loc, b.getI32Type(), v));
  };
  Value top = low32(arith::ShRUIOp::create(b, loc, n, constant64(b, loc, shift)));
  Value estimate = arith::ShRUIOp::create(
      b, loc, arith::MulIOp::create(b, loc, top, low32(m)), constant64(b, loc, 61 - shift));
  Value rem = arith::SubIOp::create(b, loc, n, arith::MulIOp::create(b, loc, estimate, d));
  Value low = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, rem, d);
  return arith::AddIOp::create(b, loc, estimate,
                               arith::ExtUIOp::create(b, loc, b.getI64Type(), low));
}

} // namespace mlir::qc::lowering
