//===- Softmax.cpp - qc.softmax to linalg ----------------------------------===//
//
// The exponentials from a compile-time table of 2^bits entries, the sum in
// i64, the per-row division by a magic number (Division.cpp); the
// statement is QCNonlinearOps.td and python/qc/reference.py's softmax.
//
//===----------------------------------------------------------------------===//
#include "NonlinearCommon.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;
using quant::QuantizedType;

namespace {

using utils::IteratorType;

//===----------------------------------------------------------------------===//
// qc.softmax
//===----------------------------------------------------------------------===//

struct SoftmaxOpLowering final : UnaryOpLowering<SoftmaxOp> {
  using UnaryOpLowering::UnaryOpLowering;
  LogicalResult rewrite(SoftmaxOp op, const UnaryOpInfo &info,
                        ConversionPatternRewriter &rewriter) const override {
    Location loc = info.loc;
    IntegerType i32 = rewriter.getI32Type();
    int64_t rank = info.rank, axis = op.getAxis();
    SmallVector<unsigned> rows = dimsExcept(rank, axis);
    SmallVector<int64_t> rowShape = shapeExcept(info.type.getShape(), axis);
    bool isSigned = info.inType.isSigned();

    // E[d] = round_half_even(exp(-s_in * d) * 2^30).
    double scale = getScales(info.inType)[0];
    SmallVector<int64_t> exps;
    for (int64_t d = 0, e = int64_t{1} << info.inType.getStorageTypeIntegralWidth(); d < e; ++d)
      exps.push_back(static_cast<int64_t>(
          std::nearbyint(std::exp(-scale * static_cast<double>(d)) * 0x1p30)));
    Value table = createTable(rewriter, loc, exps, rewriter.getI32Type());

    // Reductions along the last axis split it into lanes
    // (buildLastAxisReduction); along another axis they are one generic.
    bool lastAxis = axis == rank - 1;
    using Combine = RowAccumulator::Combine;
    Value rowMax;
    if (lastAxis) {
      rowMax = buildLastAxisReduction(
          rewriter, loc, info.input, split, {{i32, std::numeric_limits<int32_t>::min(), Combine::MaxSI}},
          [&](OpBuilder &b, Location l, Value code, ValueRange accs) -> SmallVector<Value> {
            return {arith::MaxSIOp::create(b, l, extendToI32(b, l, code, isSigned), accs[0])};
          })[0];
    } else {
      GenericBuilder maxima(rewriter, loc, rank);
      unsigned in = maxima.addInput(info.input, info.all);
      rowMax = maxima.build(
          createFilledTensor(rewriter, loc, rowShape, i32, std::numeric_limits<int32_t>::min()),
          rows, iteratorsReducing(rank, axis), [&](OpBuilder &b, Location l, ValueRange args) {
            return arith::MaxSIOp::create(b, l, extendToI32(b, l, args[in], isSigned),
                                          args.back());
          });
    }

    GenericBuilder exponentials(rewriter, loc, rank);
    unsigned in = exponentials.addInput(info.input, info.all);
    unsigned max = exponentials.addInput(rowMax, rows);
    Value e = exponentials.build(
        tensor::EmptyOp::create(rewriter, loc, info.type.getShape(), i32), info.all,
        iteratorsReducing(rank, -1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value code = extendToI32(b, l, args[in], isSigned);
          return lookup(b, l, table, arith::SubIOp::create(b, l, args[max], code));
        });

    IntegerType i64 = rewriter.getI64Type();
    Value rowSum;
    if (lastAxis) {
      rowSum = buildLastAxisReduction(
          rewriter, loc, e, split, {{i64, 0, Combine::AddI}},
          [&](OpBuilder &b, Location l, Value exp, ValueRange accs) -> SmallVector<Value> {
            return {arith::AddIOp::create(b, l, arith::ExtSIOp::create(b, l, i64, exp), accs[0])};
          })[0];
    } else {
      GenericBuilder sums(rewriter, loc, rank);
      unsigned ex = sums.addInput(e, info.all);
      rowSum = sums.build(createFilledTensor(rewriter, loc, rowShape, i64, 0), rows,
                          iteratorsReducing(rank, axis),
                          [&](OpBuilder &b, Location l, ValueRange args) {
                            return arith::AddIOp::create(
                                b, l, arith::ExtSIOp::create(b, l, i64, args[ex]), args.back());
                          });
    }

    // The division by S per row without a division per element
    // (Division.cpp). S >= 2^30 (the row's maximum contributes E[0] = 2^30)
    // and S <= D 2^30 (the table's entries are at most 2^30), so the
    // dividends e_i 2^15 + S/2 are below N = 2^45 + D 2^29 + 1: the short
    // quotient (one 32 x 32-bit product and a correction) where N <= 2^60 and
    // the proof's condition holds (D <= 2^30), else the magic number (D <=
    // 2^32), else arith.divsi.
    int64_t rowLength = info.type.getDimSize(axis);
    int64_t divisorBits = 30 + llvm::Log2_64_Ceil(rowLength);
    std::optional<int64_t> shortShift;
    if (rowLength <= (int64_t{1} << 30))
      shortShift = getShortQuotientShift(
          (uint64_t{1} << 45) + (static_cast<uint64_t>(rowLength) << 29) + 1, uint64_t{1} << 30);
    std::optional<linalg::GenericOp> magic;
    if (shortShift || divisorBits <= 62) {
      // Per row: the reciprocal, or the magic number and its shift.
      size_t results = shortShift ? 1 : 2;
      auto rowTensor = RankedTensorType::get(rowShape, i64);
      SmallVector<AffineMap> rowMaps(1 + results, rewriter.getMultiDimIdentityMap(rank - 1));
      SmallVector<Value> inits;
      for (size_t i = 0; i < results; ++i)
        inits.push_back(tensor::EmptyOp::create(rewriter, loc, rowShape, i64));
      magic = linalg::GenericOp::create(
          rewriter, loc, SmallVector<Type>(results, rowTensor), ValueRange{rowSum}, inits,
          rowMaps, SmallVector<utils::IteratorType>(rank - 1, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            if (shortShift) {
              linalg::YieldOp::create(
                  b, l,
                  buildShortReciprocal(b, l, args[0], static_cast<uint64_t>(rowLength) << 30,
                                       wideDivision));
              return;
            }
            DivisionMagic m = buildDivisionMagic(b, l, args[0], divisorBits, wideDivision);
            linalg::YieldOp::create(b, l, ValueRange{m.multiplier, m.log2});
          });
    }

    std::optional<OutputStage> stage = OutputStage::get(
        info.outType, {std::ldexp(1.0, -15) / getScales(info.outType)[0]}, std::nullopt,
        op.getProfile());
    if (!stage)
      return rewriter.notifyMatchFailure(op, "requantization multiplier is not finite");
    GenericBuilder out(rewriter, loc, rank);
    unsigned ex = out.addInput(e, info.all);
    unsigned sum = out.addInput(rowSum, rows);
    std::optional<unsigned> magicArg, log2Arg;
    if (magic) {
      magicArg = out.addInput(magic->getResult(0), rows);
      if (!shortShift)
        log2Arg = out.addInput(magic->getResult(1), rows);
    }
    OutputStageParams params = addOutputStage(out, *stage, 0);
    Value result = out.build(
        tensor::EmptyOp::create(rewriter, loc, info.type.getShape(), stage->storageType), info.all,
        iteratorsReducing(rank, -1), [&](OpBuilder &b, Location l, ValueRange args) {
          // r = (e * 2^15 + S / 2) / S in i64; r <= 2^15.
          Value half = arith::ShRSIOp::create(b, l, args[sum], c64(b, l, 1));
          Value numerator = arith::AddIOp::create(
              b, l,
              arith::ShLIOp::create(b, l, arith::ExtSIOp::create(b, l, i64, args[ex]),
                                    c64(b, l, 15)),
              half);
          // numerator < 2^45 + S/2 < 2^63: exact by multiplication.
          Value divided =
              shortShift ? buildShortQuotient(b, l, numerator, args[sum], args[*magicArg],
                                              *shortShift)
              : magicArg ? buildMagicQuotient(b, l, numerator, args[*magicArg], args[*log2Arg])
                         : arith::DivSIOp::create(b, l, numerator, args[sum]).getResult();
          Value quotient = arith::TruncIOp::create(b, l, b.getI32Type(), divided);
          return buildOutputStage(b, l, args, params, quotient);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateSoftmaxPatterns(const TypeConverter &typeConverter,
                                       RewritePatternSet &patterns, bool splitRowReductions,
                                       bool wideDivision) {
  patterns.add<SoftmaxOpLowering>(typeConverter, patterns.getContext(), splitRowReductions,
                                  wideDivision);
}
