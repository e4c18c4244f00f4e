//===- Nonlinear.cpp - qc.table, qc.softmax, qc.layer_norm, qc.batch_matmul ===//
//
// Lowered to linalg.generic on storage codes exactly as QCNonlinearOps.td
// states (python/qc/reference.py is the bit-exact statement): lookups are
// tensor.extract from compile-time constant tables, reductions are generics
// with a reduction loop, layer norm's per-row arithmetic is i64.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/bit.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;
using quant::QuantizedType;

namespace {

using utils::IteratorType;

/// Smallest value of the storage type (signed or unsigned) of `type`.
int64_t storageMin(QuantizedType type) {
  unsigned width = type.getStorageTypeIntegralWidth();
  return type.isSigned() ? -(int64_t{1} << (width - 1)) : 0;
}

/// A constant 1-D tensor of `elementType` (signless integer) from values.
Value createTable(OpBuilder &b, Location loc, ArrayRef<int64_t> values,
                  IntegerType elementType) {
  SmallVector<APInt> bits;
  bits.reserve(values.size());
  for (int64_t v : values)
    bits.push_back(APInt(elementType.getWidth(), static_cast<uint64_t>(v),
                         /*isSigned=*/true, /*implicitTrunc=*/true));
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, elementType);
  return arith::ConstantOp::create(b, loc, DenseIntElementsAttr::get(type, bits));
}

/// table[ext(code) - offset] inside a generic body.
Value lookup(OpBuilder &b, Location loc, Value table, Value index32) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), index32);
  return tensor::ExtractOp::create(b, loc, table, index);
}

SmallVector<unsigned> dimsExcept(int64_t rank, int64_t skip) {
  SmallVector<unsigned> dims;
  for (int64_t d = 0; d < rank; ++d)
    if (d != skip)
      dims.push_back(d);
  return dims;
}

SmallVector<int64_t> shapeExcept(ArrayRef<int64_t> shape, int64_t skip) {
  SmallVector<int64_t> result;
  for (auto [d, size] : llvm::enumerate(shape))
    if (static_cast<int64_t>(d) != skip)
      result.push_back(size);
  return result;
}

SmallVector<IteratorType> iteratorsReducing(int64_t rank, int64_t reduced) {
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  if (reduced >= 0)
    iterators[reduced] = IteratorType::reduction;
  return iterators;
}

Value c32(OpBuilder &b, Location loc, int64_t v) {
  return createIntConstant(b, loc, b.getI32Type(), v);
}
Value c64(OpBuilder &b, Location loc, int64_t v) {
  return createIntConstant(b, loc, b.getI64Type(), v);
}

//===----------------------------------------------------------------------===//
// qc.table
//===----------------------------------------------------------------------===//

struct TableOpLowering final : OpConversionPattern<TableOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TableOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shape");
    Location loc = op.getLoc();
    QuantizedType inType = getQuantizedElementType(op.getInput().getType());
    IntegerType outStorage = getStorageType(getQuantizedElementType(type));
    SmallVector<int64_t> entries;
    for (const APInt &v : op.getTable().getValues<APInt>())
      entries.push_back(v.getSExtValue());
    Value table = createTable(rewriter, loc, entries, outStorage);
    int64_t rank = type.getRank();
    GenericBuilder generic(rewriter, loc, rank);
    SmallVector<unsigned> all = dimsExcept(rank, -1);
    unsigned in = generic.addInput(adaptor.getInput(), all);
    int64_t offset = storageMin(inType);
    Value result = generic.build(
        tensor::EmptyOp::create(rewriter, loc, type.getShape(), outStorage), all,
        iteratorsReducing(rank, -1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value code = extendToI32(b, l, args[in], inType.isSigned());
          return lookup(b, l, table, arith::SubIOp::create(b, l, code, c32(b, l, offset)));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// qc.softmax
//===----------------------------------------------------------------------===//

struct SoftmaxOpLowering final : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shape");
    Location loc = op.getLoc();
    QuantizedType inType = getQuantizedElementType(op.getInput().getType());
    QuantizedType outType = getQuantizedElementType(type);
    Type i32 = rewriter.getI32Type();
    int64_t rank = type.getRank(), axis = op.getAxis();
    SmallVector<unsigned> all = dimsExcept(rank, -1), rows = dimsExcept(rank, axis);
    SmallVector<int64_t> rowShape = shapeExcept(type.getShape(), axis);
    bool isSigned = inType.isSigned();
    Value input = adaptor.getInput();

    // E[d] = round_half_even(exp(-s_in * d) * 2^30).
    double scale = getScales(inType)[0];
    SmallVector<int64_t> exps;
    for (int64_t d = 0, e = int64_t{1} << inType.getStorageTypeIntegralWidth(); d < e; ++d)
      exps.push_back(static_cast<int64_t>(
          std::nearbyint(std::exp(-scale * static_cast<double>(d)) * 0x1p30)));
    Value table = createTable(rewriter, loc, exps, rewriter.getI32Type());

    GenericBuilder maxima(rewriter, loc, rank);
    unsigned in = maxima.addInput(input, all);
    Value rowMax = maxima.build(
        createFilledTensor(rewriter, loc, rowShape, i32, std::numeric_limits<int32_t>::min()),
        rows, iteratorsReducing(rank, axis), [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::MaxSIOp::create(b, l, extendToI32(b, l, args[in], isSigned),
                                        args.back());
        });

    GenericBuilder exponentials(rewriter, loc, rank);
    in = exponentials.addInput(input, all);
    unsigned max = exponentials.addInput(rowMax, rows);
    Value e = exponentials.build(
        tensor::EmptyOp::create(rewriter, loc, type.getShape(), i32), all,
        iteratorsReducing(rank, -1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value code = extendToI32(b, l, args[in], isSigned);
          return lookup(b, l, table, arith::SubIOp::create(b, l, args[max], code));
        });

    Type i64 = rewriter.getI64Type();
    GenericBuilder sums(rewriter, loc, rank);
    unsigned ex = sums.addInput(e, all);
    Value rowSum = sums.build(createFilledTensor(rewriter, loc, rowShape, i64, 0), rows,
                              iteratorsReducing(rank, axis),
                              [&](OpBuilder &b, Location l, ValueRange args) {
                                return arith::AddIOp::create(
                                    b, l, arith::ExtSIOp::create(b, l, i64, args[ex]),
                                    args.back());
                              });

    // The magic number of the division by S per row (Division.cpp): S <=
    // D 2^30 (the table's entries are at most 2^30), and S >= 2^30 (the row's
    // maximum contributes E[0] = 2^30).
    int64_t divisorBits = 30 + llvm::Log2_64_Ceil(type.getDimSize(axis));
    std::optional<linalg::GenericOp> magic;
    if (divisorBits <= 62) {
      auto rowTensor = RankedTensorType::get(rowShape, i64);
      SmallVector<AffineMap> rowMaps(3, rewriter.getMultiDimIdentityMap(rank - 1));
      magic = linalg::GenericOp::create(
          rewriter, loc, TypeRange{rowTensor, rowTensor}, ValueRange{rowSum},
          ValueRange{tensor::EmptyOp::create(rewriter, loc, rowShape, i64),
                     tensor::EmptyOp::create(rewriter, loc, rowShape, i64)},
          rowMaps, SmallVector<utils::IteratorType>(rank - 1, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            DivisionMagic m = buildDivisionMagic(b, l, args[0], divisorBits);
            linalg::YieldOp::create(b, l, ValueRange{m.multiplier, m.log2});
          });
    }

    std::optional<OutputStage> stage = OutputStage::get(
        outType, {std::ldexp(1.0, -15) / getScales(outType)[0]}, std::nullopt,
        op.getProfile());
    if (!stage)
      return rewriter.notifyMatchFailure(op, "requantization multiplier is not finite");
    GenericBuilder out(rewriter, loc, rank);
    ex = out.addInput(e, all);
    unsigned sum = out.addInput(rowSum, rows);
    std::optional<unsigned> magicArg, log2Arg;
    if (magic) {
      magicArg = out.addInput(magic->getResult(0), rows);
      log2Arg = out.addInput(magic->getResult(1), rows);
    }
    OutputStageParams params = addOutputStage(out, *stage, 0);
    Value result = out.build(
        tensor::EmptyOp::create(rewriter, loc, type.getShape(), stage->storageType), all,
        iteratorsReducing(rank, -1), [&](OpBuilder &b, Location l, ValueRange args) {
          // r = (e * 2^15 + S / 2) / S in i64; r <= 2^15.
          Value half = arith::ShRSIOp::create(b, l, args[sum], c64(b, l, 1));
          Value numerator = arith::AddIOp::create(
              b, l,
              arith::ShLIOp::create(b, l, arith::ExtSIOp::create(b, l, i64, args[ex]),
                                    c64(b, l, 15)),
              half);
          // numerator < 2^45 + S/2 < 2^63: exact by multiplication.
          Value divided = magicArg ? buildMagicQuotient(b, l, numerator, args[*magicArg],
                                                        args[*log2Arg])
                                   : arith::DivSIOp::create(b, l, numerator, args[sum]);
          Value quotient = arith::TruncIOp::create(b, l, b.getI32Type(), divided);
          return buildOutputStage(b, l, args, params, quotient);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

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
/// increasing (QCNonlinearOps.td).
Value buildIntegerSqrt(OpBuilder &b, Location loc, Value u) {
  constexpr int kIterations = 8; // reference.ISQRT_ITERATIONS
  Value half = arith::ShRSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, buildBitLength(b, loc, u), c64(b, loc, 1)),
      c64(b, loc, 1));
  Value x = arith::ShLIOp::create(b, loc, c64(b, loc, 1), half);
  for (int i = 0; i < kIterations; ++i) {
    Value divisor = arith::MaxSIOp::create(b, loc, x, c64(b, loc, 1));
    Value next = arith::ShRSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, x, arith::DivSIOp::create(b, loc, u, divisor)),
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

struct LayerNormParams {
  SmallVector<int64_t> multipliers, offsets;
  int64_t shift = 0, epsilonTerm = 0, varianceShift = 0;
};

/// M_j, B_j, R and E of QCNonlinearOps.td, in double as
/// reference.layer_norm_params computes them.
LayerNormParams getLayerNormParams(LayerNormOp op) {
  QuantizedType inType = getQuantizedElementType(op.getInput().getType());
  QuantizedType outType = getQuantizedElementType(op.getType());
  double sIn = getScales(inType)[0], sOut = getScales(outType)[0];
  int64_t d = op.getGamma().size();
  double root = std::sqrt(static_cast<double>(d));
  double g = 0.0, bm = 0.0;
  for (double gamma : op.getGamma())
    g = std::max(g, std::abs(gamma));
  for (double beta : op.getBeta())
    bm = std::max(bm, std::abs(beta));
  g = g * root / sOut;
  bm = bm / sOut;
  LayerNormParams p;
  p.shift = std::clamp<int64_t>(std::min(54 - ceilLog2(g), 61 - ceilLog2(std::max(bm, 1.0))),
                                1, 62);
  for (double gamma : op.getGamma())
    p.multipliers.push_back(static_cast<int64_t>(
        std::nearbyint(gamma * root / sOut * std::ldexp(1.0, p.shift - 24))));
  const double limit = std::ldexp(1.0, 61);
  for (double beta : op.getBeta())
    p.offsets.push_back(static_cast<int64_t>(
        std::clamp(std::nearbyint(beta / sOut * std::ldexp(1.0, p.shift)), -limit, limit)));
  // k: V = sum c^2 <= D^3 (2^bits - 1)^2 / 4 shifted by an even k stays
  // below 2^61, so epsilon keeps its precision next to small variances.
  uint64_t range = (uint64_t{1} << inType.getStorageTypeIntegralWidth()) - 1;
  uint64_t vMax = (static_cast<uint64_t>(d) * d * d * range * range + 3) / 4;
  int64_t bits = 64 - llvm::countl_zero(vMax);
  p.varianceShift = std::max<int64_t>(0, 2 * ((61 - bits) / 2));
  double dd = static_cast<double>(d);
  double e = dd * dd * dd * op.getEpsilon().convertToDouble() / (sIn * sIn) *
             std::ldexp(1.0, p.varianceShift);
  p.epsilonTerm = static_cast<int64_t>(std::min(std::nearbyint(e), std::ldexp(1.0, 61)));
  return p;
}

struct LayerNormOpLowering final : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shape");
    Location loc = op.getLoc();
    QuantizedType inType = getQuantizedElementType(op.getInput().getType());
    QuantizedType outType = getQuantizedElementType(type);
    Type i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type();
    int64_t rank = type.getRank(), last = rank - 1, d = type.getDimSize(last);
    SmallVector<unsigned> all = dimsExcept(rank, -1), rows = dimsExcept(rank, last);
    SmallVector<int64_t> rowShape = shapeExcept(type.getShape(), last);
    bool isSigned = inType.isSigned();
    int64_t zIn = getZeroPoints(inType)[0], zOut = getZeroPoints(outType)[0];
    std::pair<int64_t, int64_t> range = getStorageRange(outType);
    int64_t qmin = range.first, qmax = range.second;
    LayerNormParams p = getLayerNormParams(op);
    Value input = adaptor.getInput();
    auto centred = [&](OpBuilder &b, Location l, Value code) {
      return arith::SubIOp::create(b, l, extendToI32(b, l, code, isSigned), c32(b, l, zIn));
    };

    GenericBuilder sums(rewriter, loc, rank);
    unsigned in = sums.addInput(input, all);
    Value rowSum = sums.build(createFilledTensor(rewriter, loc, rowShape, i32, 0), rows,
                              iteratorsReducing(rank, last),
                              [&](OpBuilder &b, Location l, ValueRange args) {
                                return arith::AddIOp::create(b, l, centred(b, l, args[in]),
                                                             args.back());
                              });
    // c_i = D * x_i - S, in i32.
    auto buildC = [&](OpBuilder &b, Location l, Value code, Value sum) {
      return arith::SubIOp::create(
          b, l, arith::MulIOp::create(b, l, centred(b, l, code), c32(b, l, d)), sum);
    };

    GenericBuilder squares(rewriter, loc, rank);
    in = squares.addInput(input, all);
    unsigned sum = squares.addInput(rowSum, rows);
    Value rowSquares = squares.build(
        createFilledTensor(rewriter, loc, rowShape, i64, 0), rows,
        iteratorsReducing(rank, last), [&](OpBuilder &b, Location l, ValueRange args) {
          Value c = arith::ExtSIOp::create(b, l, i64, buildC(b, l, args[in], args[sum]));
          return arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, c, c), args.back());
        });

    // Per row: the normalization t and r = isqrt(U * 4^t), both i64, and the
    // magic number of the division by max(r, 1) (Division.cpp; r <= 2^32:
    // the isqrt of a value below 2^63, from at most 2^32 down).
    auto rowTensor = RankedTensorType::get(rowShape, i64);
    SmallVector<AffineMap> rowMaps(5, rewriter.getMultiDimIdentityMap(rank - 1));
    auto emptyRow = [&] { return tensor::EmptyOp::create(rewriter, loc, rowShape, i64); };
    auto perRow = linalg::GenericOp::create(
        rewriter, loc, TypeRange{rowTensor, rowTensor, rowTensor, rowTensor},
        ValueRange{rowSquares}, ValueRange{emptyRow(), emptyRow(), emptyRow(), emptyRow()},
        rowMaps, SmallVector<IteratorType>(rank - 1, IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value u = arith::AddIOp::create(
              b, l, arith::ShLIOp::create(b, l, args[0], c64(b, l, p.varianceShift)),
              c64(b, l, p.epsilonTerm));
          Value t = arith::MaxSIOp::create(
              b, l, c64(b, l, 0),
              arith::DivSIOp::create(
                  b, l, arith::SubIOp::create(b, l, c64(b, l, 62), buildBitLength(b, l, u)),
                  c64(b, l, 2)));
          Value scaled = arith::ShLIOp::create(
              b, l, u, arith::ShLIOp::create(b, l, t, c64(b, l, 1)));
          Value r = buildIntegerSqrt(b, l, scaled);
          DivisionMagic magic =
              buildDivisionMagic(b, l, arith::MaxSIOp::create(b, l, r, c64(b, l, 1)), 32);
          // n_i = c_i 2^(24 + t + k/2) / r: the shift per row.
          linalg::YieldOp::create(
              b, l,
              ValueRange{r,
                         arith::AddIOp::create(b, l, t, c64(b, l, 24 + p.varianceShift / 2)),
                         magic.multiplier, magic.log2});
        });

    GenericBuilder out(rewriter, loc, rank);
    in = out.addInput(input, all);
    sum = out.addInput(rowSum, rows);
    unsigned root = out.addInput(perRow.getResult(0), rows);
    unsigned shiftArg = out.addInput(perRow.getResult(1), rows);
    unsigned magicArg = out.addInput(perRow.getResult(2), rows);
    unsigned log2Arg = out.addInput(perRow.getResult(3), rows);
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
    IntegerType storage = getStorageType(outType);
    Value result = out.build(
        tensor::EmptyOp::create(rewriter, loc, type.getShape(), storage), all,
        iteratorsReducing(rank, -1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value c = arith::ExtSIOp::create(b, l, i64, buildC(b, l, args[in], args[sum]));
          Value num = arith::ShLIOp::create(b, l, c, args[shiftArg]);
          Value r = arith::MaxSIOp::create(b, l, args[root], c64(b, l, 1));
          Value half = arith::ShRSIOp::create(b, l, r, c64(b, l, 1));
          // Half away from zero: |num| + r/2 floor-divided by r, sign restored.
          Value negative =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, num, c64(b, l, 0));
          Value magnitude = arith::SelectOp::create(
              b, l, negative, arith::SubIOp::create(b, l, c64(b, l, 0), num), num);
          // |num| + r/2 < 2^57 (|c_i| 2^(t + k/2) <= r): divided exactly by
          // multiplication.
          Value q = buildMagicQuotient(b, l, arith::AddIOp::create(b, l, magnitude, half),
                                       args[magicArg], args[log2Arg]);
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

//===----------------------------------------------------------------------===//
// qc.batch_matmul
//===----------------------------------------------------------------------===//

/// Both operands are run-time values, as in the 2-D qc.matmul lowering with
/// run-time weights: the contraction runs on the raw codes (a
/// linalg.batch_matmul, which the CPU and GPU contraction paths handle) and
/// the zero points enter as corrections from row and column sums:
///   sum_k (a - za)(b - zb) = sum_k a*b - zb*rowsum(a) - za*colsum(b) + K*za*zb
/// all modulo 2^32, which equals the exact value whenever that fits in i32
/// (the accumulator bound the verifier checks).
struct BatchMatmulOpLowering final : OpConversionPattern<BatchMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResult().getType();
    if (!type.hasStaticShape() || !op.getLhs().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shape");
    Location loc = op.getLoc();
    QuantizedType aType = getQuantizedElementType(op.getLhs().getType());
    QuantizedType bType = getQuantizedElementType(op.getRhs().getType());
    QuantizedType outType = getQuantizedElementType(type);
    Type i32 = rewriter.getI32Type();
    int64_t za = getZeroPoints(aType)[0], zb = getZeroPoints(bType)[0];
    bool aSigned = aType.isSigned(), bSigned = bType.isSigned();
    int64_t batch = type.getDimSize(0), m = type.getDimSize(1), n = type.getDimSize(2);
    int64_t k = op.getLhs().getType().getDimSize(2);
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();

    // The contraction of the raw codes.
    Value zeros = createFilledTensor(rewriter, loc, type.getShape(), i32, 0);
    Value product;
    if (aSigned == bSigned) {
      auto cast = linalg::TypeFnAttr::get(
          rewriter.getContext(),
          aSigned ? linalg::TypeFn::cast_signed : linalg::TypeFn::cast_unsigned);
      product = linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{zeros.getType()},
                                              ValueRange{lhs, rhs}, ValueRange{zeros},
                                              {rewriter.getNamedAttr("cast", cast)})
                    .getResult(0);
    } else {
      // Mixed signedness has no named-op form. Loops (b, m, n, k).
      GenericBuilder products(rewriter, loc, 4);
      unsigned a = products.addInput(lhs, {0, 1, 3});
      unsigned c = products.addInput(rhs, {0, 3, 2});
      product = products.build(
          zeros, {0, 1, 2},
          {IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
           IteratorType::reduction},
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value x = extendToI32(b, l, args[a], aSigned);
            Value y = extendToI32(b, l, args[c], bSigned);
            return arith::AddIOp::create(b, l, args.back(), arith::MulIOp::create(b, l, x, y));
          });
    }

    // Sums over k of one operand, [batch, rows]: map picks (batch, row, k).
    auto buildSums = [&](Value codes, bool isSigned, int64_t rows,
                         ArrayRef<unsigned> map) -> Value {
      GenericBuilder sums(rewriter, loc, 3);
      unsigned in = sums.addInput(codes, map);
      return sums.build(createFilledTensor(rewriter, loc, {batch, rows}, i32, 0), {0, 1},
                        {IteratorType::parallel, IteratorType::parallel,
                         IteratorType::reduction},
                        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                          return arith::AddIOp::create(b, l, args.back(),
                                                       extendToI32(b, l, args[in], isSigned));
                        });
    };
    Value rowSums = zb != 0 ? buildSums(lhs, aSigned, m, {0, 1, 2}) : Value();
    Value colSums = za != 0 ? buildSums(rhs, bSigned, n, {0, 2, 1}) : Value();
    // K*za*zb modulo 2^32.
    int64_t constant = wrapToI32(static_cast<int64_t>(
        static_cast<uint32_t>(k) * static_cast<uint32_t>(za) * static_cast<uint32_t>(zb)));

    std::optional<OutputStage> stage = OutputStage::get(
        outType, {getScales(aType)[0] * getScales(bType)[0] / getScales(outType)[0]},
        op.getClamp(), op.getProfile());
    if (!stage)
      return rewriter.notifyMatchFailure(op, "requantization multiplier is not finite");
    GenericBuilder out(rewriter, loc, 3);
    unsigned productArg = out.addInput(product, {0, 1, 2});
    std::optional<unsigned> rowArg, colArg;
    if (rowSums)
      rowArg = out.addInput(rowSums, {0, 1});
    if (colSums)
      colArg = out.addInput(colSums, {0, 2});
    OutputStageParams params = addOutputStage(out, *stage, 2);
    Value result = out.build(
        tensor::EmptyOp::create(rewriter, loc, type.getShape(), stage->storageType),
        {0, 1, 2}, SmallVector<IteratorType>(3, IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value acc = args[productArg];
          if (rowArg)
            acc = arith::SubIOp::create(
                b, l, acc, arith::MulIOp::create(b, l, args[*rowArg], c32(b, l, zb)));
          if (colArg)
            acc = arith::SubIOp::create(
                b, l, acc, arith::MulIOp::create(b, l, args[*colArg], c32(b, l, za)));
          if (constant != 0)
            acc = arith::AddIOp::create(b, l, acc, c32(b, l, constant));
          return buildOutputStage(b, l, args, params, acc);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// qc.float_island
//===----------------------------------------------------------------------===//

/// The island's body runs in place: its ops are float already (an
/// integer-only pipeline's contract check then names them).
struct FloatIslandOpLowering final : OpConversionPattern<FloatIslandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FloatIslandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Block &body = op.getBody().front();
    auto yield = cast<YieldOp>(body.getTerminator());
    SmallVector<Value> results(yield.getResults());
    rewriter.inlineBlockBefore(&body, op);
    rewriter.eraseOp(yield);
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void lowering::populateNonlinearPatterns(const TypeConverter &typeConverter,
                                         RewritePatternSet &patterns) {
  patterns.add<TableOpLowering, SoftmaxOpLowering, LayerNormOpLowering,
               BatchMatmulOpLowering, FloatIslandOpLowering>(typeConverter,
                                                             patterns.getContext());
}
