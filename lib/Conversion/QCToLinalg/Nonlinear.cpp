//===- Nonlinear.cpp - qc.table, qc.batch_matmul, qc.float_island -------===//
//
// Lowered to linalg.generic on storage codes exactly as QCNonlinearOps.td
// states (python/qc/reference.py is the bit-exact statement): lookups are
// tensor.extract from compile-time constant tables, reductions are generics
// with a reduction loop. qc.softmax is in Softmax.cpp, qc.layer_norm in
// LayerNorm.cpp; the helpers they share are defined here
// (NonlinearCommon.h).
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

namespace mlir::qc::lowering {

int64_t storageMin(QuantizedType type) {
  unsigned width = type.getStorageTypeIntegralWidth();
  return type.isSigned() ? -(int64_t{1} << (width - 1)) : 0;
}

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

SmallVector<utils::IteratorType> iteratorsReducing(int64_t rank, int64_t reduced) {
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  if (reduced >= 0)
    iterators[reduced] = utils::IteratorType::reduction;
  return iterators;
}

Value c32(OpBuilder &b, Location loc, int64_t v) {
  return createIntConstant(b, loc, b.getI32Type(), v);
}
Value c64(OpBuilder &b, Location loc, int64_t v) {
  return createIntConstant(b, loc, b.getI64Type(), v);
}

SmallVector<Value> buildLastAxisReduction(
    OpBuilder &b, Location loc, Value input, bool split,
    ArrayRef<RowAccumulator> accumulators,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)> body) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank(), d = type.getDimSize(rank - 1);
  SmallVector<int64_t> rowShape(type.getShape().drop_back());
  int64_t lanes = 1;
  for (int64_t l : {16, 8, 4, 2})
    if (split && d % l == 0 && d >= 2 * l) {
      lanes = l;
      break;
    }
  // One generic over `loops` loops reducing `reduced`, writing every
  // accumulator through the loops `outDims` into tensors of `outShape`.
  auto reduce = [&](ValueRange inputs, ArrayRef<AffineMap> inputMaps, int64_t loops,
                    int64_t reduced, ArrayRef<unsigned> outDims,
                    ArrayRef<int64_t> outShape,
                    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> fn) {
    SmallVector<Value> inits;
    SmallVector<Type> resultTypes;
    SmallVector<AffineMap> maps(inputMaps);
    SmallVector<AffineExpr> outExprs;
    for (unsigned dim : outDims)
      outExprs.push_back(b.getAffineDimExpr(dim));
    for (const RowAccumulator &acc : accumulators) {
      inits.push_back(createFilledTensor(b, loc, outShape, acc.type, acc.init));
      resultTypes.push_back(RankedTensorType::get(outShape, acc.type));
      maps.push_back(AffineMap::get(loops, 0, outExprs, b.getContext()));
    }
    auto generic = linalg::GenericOp::create(
        b, loc, resultTypes, inputs, inits, maps, iteratorsReducing(loops, reduced),
        [&](OpBuilder &nested, Location l, ValueRange args) {
          linalg::YieldOp::create(nested, l, fn(nested, l, args));
        });
    return SmallVector<Value>(generic.getResults());
  };
  auto elementwise = [&](OpBuilder &nb, Location l, ValueRange args) {
    return body(nb, l, args[0], args.drop_front());
  };
  SmallVector<unsigned> rows = dimsExcept(rank, rank - 1);
  if (lanes == 1)
    return reduce(input, {b.getMultiDimIdentityMap(rank)}, rank, rank - 1, rows, rowShape,
                  elementwise);

  // [rows..., D / L, L]: the loops (rows..., j, lane), j reduced.
  SmallVector<int64_t> splitShape(rowShape);
  splitShape.append({d / lanes, lanes});
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i + 1 < rank; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 1, rank});
  Value laned = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(splitShape, type.getElementType()), input, reassociation);
  SmallVector<unsigned> partialDims(rows);
  partialDims.push_back(static_cast<unsigned>(rank));
  SmallVector<int64_t> partialShape(rowShape);
  partialShape.push_back(lanes);
  SmallVector<Value> partials = reduce(laned, {b.getMultiDimIdentityMap(rank + 1)}, rank + 1,
                                       rank - 1, partialDims, partialShape, elementwise);

  // The L partial results of each row combined.
  SmallVector<AffineMap> partialMaps(partials.size(), b.getMultiDimIdentityMap(rank));
  size_t n = accumulators.size();
  return reduce(partials, partialMaps, rank, rank - 1, rows, rowShape,
                [&](OpBuilder &nb, Location l, ValueRange args) {
                  SmallVector<Value> combined;
                  for (size_t i = 0; i < n; ++i) {
                    Value partial = args[i], acc = args[n + i];
                    if (accumulators[i].combine == RowAccumulator::Combine::AddI)
                      combined.push_back(arith::AddIOp::create(nb, l, partial, acc));
                    else
                      combined.push_back(arith::MaxSIOp::create(nb, l, partial, acc));
                  }
                  return combined;
                });
}

} // namespace mlir::qc::lowering

namespace {

using utils::IteratorType;

//===----------------------------------------------------------------------===//
// qc.table
//===----------------------------------------------------------------------===//

struct TableOpLowering final : UnaryOpLowering<TableOp> {
  using UnaryOpLowering::UnaryOpLowering;
  LogicalResult rewrite(TableOp op, const UnaryOpInfo &info,
                        ConversionPatternRewriter &rewriter) const override {
    Location loc = info.loc;
    IntegerType outStorage = getStorageType(info.outType);
    SmallVector<int64_t> entries;
    for (const APInt &v : op.getTable().getValues<APInt>())
      entries.push_back(v.getSExtValue());
    Value table = createTable(rewriter, loc, entries, outStorage);
    GenericBuilder generic(rewriter, loc, info.rank);
    unsigned in = generic.addInput(info.input, info.all);
    int64_t offset = storageMin(info.inType);
    Value result = generic.build(
        tensor::EmptyOp::create(rewriter, loc, info.type.getShape(), outStorage), info.all,
        iteratorsReducing(info.rank, -1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value code = extendToI32(b, l, args[in], info.inType.isSigned());
          return lookup(b, l, table, arith::SubIOp::create(b, l, code, c32(b, l, offset)));
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
                                         RewritePatternSet &patterns,
                                         bool splitRowReductions, bool wideDivision) {
  patterns.add<TableOpLowering, BatchMatmulOpLowering, FloatIslandOpLowering>(
      typeConverter, patterns.getContext());
  populateSoftmaxPatterns(typeConverter, patterns, splitRowReductions, wideDivision);
  populateLayerNormPatterns(typeConverter, patterns, splitRowReductions, wideDivision);
}
