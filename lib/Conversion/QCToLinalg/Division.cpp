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
// from four 32 x 32 -> 64 bit multiplications (vpmuludq on x86, one per 8
// lanes), so the element loop vectorizes. d = 1 (l = 0) is the dividend.
// Only integer ops: the integer-only contracts of both backends hold.
// The quotient is exactly the one of the division it replaces: the results
// are bit-identical, not approximations.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <algorithm>
#include <limits>

using namespace mlir;

namespace mlir::qc::lowering {

namespace {
Value constant64(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}
} // namespace

DivisionMagic buildDivisionMagic(OpBuilder &b, Location loc, Value d,
                                 int64_t maxDivisorBits) {
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

} // namespace mlir::qc::lowering
