//===- LayerNorm.cpp - qc.layer_norm to linalg -----------------------------===//
//
// Integer layer normalization over the last axis as QCNonlinearOps.td
// states (python/qc/reference.py's layer_norm is the bit-exact statement).
// Two passes over each row:
//
//   1. S = sum x_i and Q = sum x_i^2 together (buildLastAxisReduction: one
//      reduction with two results, in lanes on the CPU; Q in i32 where
//      D (2^bits - 1)^2 < 2^31, which holds for every input of at most 8
//      bits, else in i64);
//   2. per element c_i = D x_i - S, divided by the row's root.
//
// Between them, per row: W = D Q - S^2 = sum_i c_i^2 / D exactly (i64), the
// statistic P = D W (= sum c_i^2, the form before 16-bit inputs) or W, the
// root and its division magic. Until 2026-12-07 a second reduction pass
// summed c_i^2 in i64 after the pass for S; P = D W is that sum, bit for
// bit.
//
//===----------------------------------------------------------------------===//
#include "NonlinearCommon.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;
using quant::QuantizedType;

namespace {

using utils::IteratorType;

//===----------------------------------------------------------------------===//
// qc.layer_norm
//===----------------------------------------------------------------------===//

/// Number of bits of u >= 0: a binary search over shifts (as the reference).
Value buildBitLength(OpBuilder &b, Location loc, Value u) {
  Value bits = c64(b, loc, 0);
  for (int64_t s : {32, 16, 8, 4, 2, 1}) {
    Value candidate = arith::AddIOp::create(b, loc, bits, c64(b, loc, s));
    Value high = arith::ShRSIOp::create(b, loc, u, candidate);
    Value nonZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, high,
                                          c64(b, loc, 0));
    bits = arith::SelectOp::create(b, loc, nonZero, candidate, bits);
  }
  Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, u, c64(b, loc, 0));
  return arith::SelectOp::create(b, loc, isZero, c64(b, loc, 0),
                                 arith::AddIOp::create(b, loc, bits, c64(b, loc, 1)));
}

/// floor(sqrt(u)) for 0 <= u < 2^62: Newton from 2^ceil(bitlen / 2), never
/// increasing (QCNonlinearOps.td). wideDivision = false: each u / x as 32
/// restoring steps in i32 (x <= 2^31, u / x < 2^32: Division.cpp).
Value buildIntegerSqrt(OpBuilder &b, Location loc, Value u, bool wideDivision) {
  constexpr int kIterations = 8; // reference.ISQRT_ITERATIONS
  Value half = arith::ShRSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, buildBitLength(b, loc, u), c64(b, loc, 1)),
      c64(b, loc, 1));
  Value x = arith::ShLIOp::create(b, loc, c64(b, loc, 1), half);
  for (int i = 0; i < kIterations; ++i) {
    Value divisor = arith::MaxSIOp::create(b, loc, x, c64(b, loc, 1));
    Value quotient;
    if (wideDivision) {
      quotient = arith::DivSIOp::create(b, loc, u, divisor);
    } else {
      IntegerType i32 = b.getI32Type();
      Value top = arith::TruncIOp::create(
          b, loc, i32, arith::ShRUIOp::create(b, loc, u, c64(b, loc, 32)));
      Value narrow = buildRestoringDivision(b, loc, top, arith::TruncIOp::create(b, loc, i32, u),
                                            arith::TruncIOp::create(b, loc, i32, divisor), 32)
                         .first;
      quotient = arith::ExtUIOp::create(b, loc, b.getI64Type(), narrow);
    }
    Value next = arith::ShRSIOp::create(b, loc, arith::AddIOp::create(b, loc, x, quotient),
                                        c64(b, loc, 1));
    x = arith::MinSIOp::create(b, loc, x, next);
  }
  return x;
}

/// ceil(log2(v)) for v > 0 through frexp (exact); 0 for v == 0.
int64_t ceilLog2(double v) {
  if (v == 0.0)
    return 0;
  int exponent = 0;
  double fraction = std::frexp(v, &exponent);
  return fraction == 0.5 ? exponent - 1 : exponent;
}

/// The bit length of ceil(D^power (2^bits - 1)^2 / 4), the bound of the
/// statistic (below 2^75 for D <= 16384, bits <= 16, power <= 3).
int64_t boundBits(int64_t d, int64_t power, unsigned bits) {
  APInt range(128, (uint64_t{1} << bits) - 1);
  APInt v = range * range;
  for (int64_t i = 0; i < power; ++i)
    v *= APInt(128, static_cast<uint64_t>(d));
  return (v + 3).udiv(APInt(128, 4)).getActiveBits();
}

struct LayerNormParams {
  SmallVector<int64_t> multipliers, offsets;
  int64_t shift = 0, epsilonTerm = 0, varianceShift = 0;
  /// The statistic is V = D W (true) or W.
  bool usesV = true;
};

/// M_j, B_j, R, k, E and the statistic's form of QCNonlinearOps.td, in
/// double as reference.layer_norm_params computes them.
LayerNormParams getLayerNormParams(LayerNormOp op) {
  QuantizedType inType = getQuantizedElementType(op.getInput().getType());
  QuantizedType outType = getQuantizedElementType(op.getType());
  double sIn = getScales(inType)[0], sOut = getScales(outType)[0];
  unsigned inBits = inType.getStorageTypeIntegralWidth();
  int64_t d = op.getGamma().size();
  LayerNormParams p;
  // V = sum c^2 <= D^3 (2^bits - 1)^2 / 4: V where that stays below 2^61
  // (every input of at most 8 bits; 16-bit inputs up to D = 1290), else
  // W = V / D <= D^2 (2^bits - 1)^2 / 4 < 2^59.
  p.usesV = boundBits(d, 3, inBits) <= 61;
  double root = std::sqrt(static_cast<double>(d));
  double g = 0.0, bm = 0.0;
  for (double gamma : op.getGamma())
    g = std::max(g, std::abs(gamma));
  for (double beta : op.getBeta())
    bm = std::max(bm, std::abs(beta));
  g = g * root / sOut;
  bm = bm / sOut;
  p.shift = std::clamp<int64_t>(std::min(54 - ceilLog2(g), 61 - ceilLog2(std::max(bm, 1.0))),
                                1, 62);
  for (double gamma : op.getGamma())
    p.multipliers.push_back(static_cast<int64_t>(std::nearbyint(
        (p.usesV ? gamma * root / sOut : gamma / sOut) * std::ldexp(1.0, p.shift - 24))));
  const double limit = std::ldexp(1.0, 61);
  for (double beta : op.getBeta())
    p.offsets.push_back(static_cast<int64_t>(
        std::clamp(std::nearbyint(beta / sOut * std::ldexp(1.0, p.shift)), -limit, limit)));
  // k: the statistic shifted by an even k stays below 2^61, so epsilon
  // keeps its precision next to small variances.
  int64_t bits = boundBits(d, p.usesV ? 3 : 2, inBits);
  p.varianceShift = std::max<int64_t>(0, 2 * ((61 - bits) / 2));
  double dd = static_cast<double>(d);
  double e = (p.usesV ? dd * dd * dd : dd * dd) * op.getEpsilon().convertToDouble() /
             (sIn * sIn) * std::ldexp(1.0, p.varianceShift);
  p.epsilonTerm = static_cast<int64_t>(std::min(std::nearbyint(e), std::ldexp(1.0, 61)));
  return p;
}

struct LayerNormOpLowering final : UnaryOpLowering<LayerNormOp> {
  using UnaryOpLowering::UnaryOpLowering;
  LogicalResult rewrite(LayerNormOp op, const UnaryOpInfo &info,
                        ConversionPatternRewriter &rewriter) const override {
    Location loc = info.loc;
    RankedTensorType type = info.type;
    IntegerType i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type();
    int64_t rank = info.rank, last = rank - 1, d = type.getDimSize(last);
    SmallVector<unsigned> rows = dimsExcept(rank, last);
    SmallVector<int64_t> rowShape = shapeExcept(type.getShape(), last);
    bool isSigned = info.inType.isSigned();
    int64_t zIn = getZeroPoints(info.inType)[0], zOut = getZeroPoints(info.outType)[0];
    std::pair<int64_t, int64_t> range = getStorageRange(info.outType);
    int64_t qmin = range.first, qmax = range.second;
    LayerNormParams p = getLayerNormParams(op);
    // x_i = q_i - z_in, |x_i| <= 2^bits - 1 (the zero point is a code).
    auto centred = [&](OpBuilder &b, Location l, Value code) {
      return arith::SubIOp::create(b, l, extendToI32(b, l, code, isSigned), c32(b, l, zIn));
    };

    // Pass 1: S = sum x_i (i32: |S| <= D (2^bits - 1) < 2^31) and Q = sum
    // x_i^2, in i32 where D (2^bits - 1)^2 < 2^31, else in i64.
    uint64_t codeRange = (uint64_t{1} << info.inType.getStorageTypeIntegralWidth()) - 1;
    bool squaresFitI32 =
        static_cast<uint64_t>(d) * codeRange * codeRange < (uint64_t{1} << 31);
    IntegerType squareType = squaresFitI32 ? i32 : i64;
    using Combine = RowAccumulator::Combine;
    SmallVector<Value> sums = buildLastAxisReduction(
        rewriter, loc, info.input, split, {{i32, 0, Combine::AddI}, {squareType, 0, Combine::AddI}},
        [&](OpBuilder &b, Location l, Value code, ValueRange accs) -> SmallVector<Value> {
          Value x = centred(b, l, code);
          Value wide = squaresFitI32 ? x : arith::ExtSIOp::create(b, l, i64, x).getResult();
          return {arith::AddIOp::create(b, l, x, accs[0]),
                  arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, wide, wide), accs[1])};
        });
    Value rowSum = sums[0], rowSquares = sums[1];

    // The division by the root: U 4^t is in [2^60, 2^62) unless U = 0, so r
    // is in [2^30, 2^31), or r = 0 and every c_i is 0 (U = 0 needs P = 0:
    // sum c_i^2 = 0). With V the dividends |num| + r/2 are below 2^57
    // (below): the short quotient of Division.cpp (a = 25; r = 0 divides
    // by 1 dividends that are all 0: n' = 0, q0 = 0, remainder 0 < 1). With
    // W they reach 2^62 + 2^31: the magic number.
    std::optional<int64_t> shortShift;
    if (p.usesV)
      shortShift = getShortQuotientShift(uint64_t{1} << 57, uint64_t{1} << 30);

    // Per row: W = D Q - S^2 (i64: D Q <= D^2 (2^bits - 1)^2 < 2^60), the
    // statistic P = D W or W, U = P 2^k + E < 2^62, the normalization t and
    // r = isqrt(U * 4^t) (r < 2^31), and the reciprocal or magic number of
    // the division by max(r, 1) (Division.cpp).
    auto rowTensor = RankedTensorType::get(rowShape, i64);
    SmallVector<AffineMap> rowMaps(6, rewriter.getMultiDimIdentityMap(rank - 1));
    auto emptyRow = [&] { return tensor::EmptyOp::create(rewriter, loc, rowShape, i64); };
    auto perRow = linalg::GenericOp::create(
        rewriter, loc, TypeRange{rowTensor, rowTensor, rowTensor, rowTensor},
        ValueRange{rowSum, rowSquares},
        ValueRange{emptyRow(), emptyRow(), emptyRow(), emptyRow()}, rowMaps,
        SmallVector<IteratorType>(rank - 1, IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value s = arith::ExtSIOp::create(b, l, i64, args[0]);
          Value q = squaresFitI32 ? arith::ExtSIOp::create(b, l, i64, args[1]).getResult()
                                  : args[1];
          Value w = arith::SubIOp::create(b, l, arith::MulIOp::create(b, l, q, c64(b, l, d)),
                                          arith::MulIOp::create(b, l, s, s));
          Value stat = p.usesV ? arith::MulIOp::create(b, l, w, c64(b, l, d)).getResult() : w;
          Value u = arith::AddIOp::create(
              b, l, arith::ShLIOp::create(b, l, stat, c64(b, l, p.varianceShift)),
              c64(b, l, p.epsilonTerm));
          // (62 - bitlen(u)) / 2: a shift where the target has no i64
          // division (62 - bitlen(u) >= 0: u < 2^62).
          Value excess = arith::SubIOp::create(b, l, c64(b, l, 62), buildBitLength(b, l, u));
          Value t = arith::MaxSIOp::create(
              b, l, c64(b, l, 0),
              wideDivision ? arith::DivSIOp::create(b, l, excess, c64(b, l, 2)).getResult()
                           : arith::ShRSIOp::create(b, l, excess, c64(b, l, 1)).getResult());
          Value scaled = arith::ShLIOp::create(
              b, l, u, arith::ShLIOp::create(b, l, t, c64(b, l, 1)));
          Value r = buildIntegerSqrt(b, l, scaled, wideDivision);
          Value divisor = arith::MaxSIOp::create(b, l, r, c64(b, l, 1));
          // n_i = c_i 2^(24 + t + k/2) / r: the shift per row.
          Value shift = arith::AddIOp::create(b, l, t, c64(b, l, 24 + p.varianceShift / 2));
          if (shortShift) {
            // The reciprocal and the divisor (< 2^31: the mask is exact).
            linalg::YieldOp::create(
                b, l,
                ValueRange{r, shift,
                           buildShortReciprocal(b, l, divisor, (uint64_t{1} << 31) - 1,
                                                wideDivision),
                           arith::AndIOp::create(b, l, divisor, c64(b, l, 0xffffffffLL))});
            return;
          }
          // r < 2^31: the bound 2^31 lets the restoring form run in i32
          // (wide: 2^32 as before, the same m).
          DivisionMagic magic = wideDivision ? buildDivisionMagic(b, l, divisor, 32)
                                             : buildDivisionMagic(b, l, divisor, 31, false);
          linalg::YieldOp::create(b, l, ValueRange{r, shift, magic.multiplier, magic.log2});
        });

    // Pass 2: c_i = D x_i - S (i32: |c_i| <= (D - 1)(2^bits - 1) < 2^31),
    // divided by the root, times M_j, plus B_j, rounded.
    GenericBuilder out(rewriter, loc, rank);
    unsigned in = out.addInput(info.input, info.all);
    unsigned sum = out.addInput(rowSum, rows);
    unsigned root = out.addInput(perRow.getResult(0), rows);
    unsigned shiftArg = out.addInput(perRow.getResult(1), rows);
    unsigned magicArg = out.addInput(perRow.getResult(2), rows);
    unsigned log2Arg = out.addInput(perRow.getResult(3), rows); // or the divisor
    std::optional<unsigned> mArg, bArg;
    auto vector64 = [&](ArrayRef<int64_t> values) {
      auto vt = RankedTensorType::get({d}, i64);
      return arith::ConstantOp::create(rewriter, loc,
                                       DenseIntElementsAttr::get(vt, values));
    };
    if (!llvm::all_equal(p.multipliers))
      mArg = out.addInput(vector64(p.multipliers), {static_cast<unsigned>(last)});
    if (!llvm::all_equal(p.offsets))
      bArg = out.addInput(vector64(p.offsets), {static_cast<unsigned>(last)});
    IntegerType storage = getStorageType(info.outType);
    Value result = out.build(
        tensor::EmptyOp::create(rewriter, loc, type.getShape(), storage), info.all,
        iteratorsReducing(rank, -1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value c = arith::ExtSIOp::create(
              b, l, i64,
              arith::SubIOp::create(
                  b, l, arith::MulIOp::create(b, l, centred(b, l, args[in]), c32(b, l, d)),
                  args[sum]));
          Value num = arith::ShLIOp::create(b, l, c, args[shiftArg]);
          Value r = arith::MaxSIOp::create(b, l, args[root], c64(b, l, 1));
          Value half = arith::ShRSIOp::create(b, l, r, c64(b, l, 1));
          // Half away from zero: |num| + r/2 floor-divided by r, sign restored.
          Value negative =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, num, c64(b, l, 0));
          Value magnitude = arith::SelectOp::create(
              b, l, negative, arith::SubIOp::create(b, l, c64(b, l, 0), num), num);
          // |c_i| 2^(t + k/2) <= sqrt(P 2^k 4^t) * sqrt((D - 1) / D) (V) or
          // * sqrt(D - 1) (W), so |num| + r/2 < 2^57 (V) or 2^63 (W, D <=
          // 16384): divided exactly by multiplication.
          Value dividend = arith::AddIOp::create(b, l, magnitude, half);
          Value q = shortShift ? buildShortQuotient(b, l, dividend, args[log2Arg],
                                                    args[magicArg], *shortShift)
                               : buildMagicQuotient(b, l, dividend, args[magicArg],
                                                    args[log2Arg]);
          Value n = arith::SelectOp::create(
              b, l, negative, arith::SubIOp::create(b, l, c64(b, l, 0), q), q);
          Value m = mArg ? args[*mArg] : c64(b, l, p.multipliers.front());
          Value bias = bArg ? args[*bArg] : c64(b, l, p.offsets.front());
          Value acc = arith::AddIOp::create(
              b, l, arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, n, m), bias),
              c64(b, l, int64_t{1} << (p.shift - 1)));
          Value y = arith::AddIOp::create(
              b, l, arith::ShRSIOp::create(b, l, acc, c64(b, l, p.shift)), c64(b, l, zOut));
          y = arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, y, c64(b, l, qmin)),
                                     c64(b, l, qmax));
          return arith::TruncIOp::create(b, l, storage, y);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateLayerNormPatterns(const TypeConverter &typeConverter,
                                         RewritePatternSet &patterns, bool splitRowReductions,
                                         bool wideDivision) {
  patterns.add<LayerNormOpLowering>(typeConverter, patterns.getContext(), splitRowReductions,
                                    wideDivision);
}
