//===- Hadamard.cpp - qc.hadamard to linalg (fast Walsh-Hadamard) ---------===//
//
// The transform runs as log2(block) butterfly stages, each one
// linalg.generic over the last dimension viewed as [n / 2h, 2, h]
// (tensor.expand_shape, no copy): its two halves p = [.., a, 0, c] and
// q = [.., a, 1, c] (tensor.extract_slice) give p + q and p - q. Every map
// is a projected permutation, so both backends tile and vectorize the stages
// like any elementwise op. A block b = m * 2^k with a Paley order m
// (HadamardMatrix.h) runs the k butterfly stages on each contiguous chunk of
// 2^k and then one dense stage over the last dimension viewed as
// [n / b, m, 2^k]: a linalg.generic contracting the m chunks with the
// constant +-1 matrix H_m (a reduction of m terms, exact in i32 like the
// butterflies). Quantized inputs are centered and widened to i32
// first (exact sums, the verifier bounds them) and end in the shared output
// stage; float inputs are scaled by 1/sqrt(block) at the end.
//
// An input that is a constant tensor.pad of its last dimension (the zero
// pad --qc-hadamard-rotate puts before a rotation whose K no supported block
// divides, or its integer form, the codes padded with the zero point) is not
// materialized: the first stage (centre, signs, widen) reads the unpadded
// source into its slice of the padded i32 tensor, and writes the stage's
// value of the pad constant into the padded columns, which is what the
// stage would have computed from the padded copy (bit for bit).
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "qc/Dialect/QC/IR/HadamardMatrix.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;
using quant::UniformQuantizedType;

namespace {

using utils::IteratorType;

SmallVector<unsigned> dims(unsigned count) {
  return llvm::to_vector(llvm::seq<unsigned>(0, count));
}

/// The sizes of a tensor of `shape` whose leading dimensions are those of
/// `like` (dynamic ones, e.g. a batch of `?`, read with tensor.dim).
SmallVector<OpFoldResult> sizesLike(OpBuilder &b, Location loc, Value like,
                                    ArrayRef<int64_t> shape) {
  SmallVector<OpFoldResult> sizes;
  for (auto [i, s] : llvm::enumerate(shape))
    sizes.push_back(ShapedType::isDynamic(s)
                        ? OpFoldResult(tensor::DimOp::create(b, loc, like, i)
                                           .getResult())
                        : OpFoldResult(b.getIndexAttr(s)));
  return sizes;
}

Value emptyLike(OpBuilder &b, Location loc, Value like,
                ArrayRef<int64_t> shape, Type elem) {
  return tensor::EmptyOp::create(b, loc, sizesLike(b, loc, like, shape), elem);
}

/// One butterfly stage with half-width h on a tensor whose last dimension n
/// is a multiple of 2h (the leading dimensions may be dynamic).
Value buildStage(OpBuilder &b, Location loc, Value t, int64_t h) {
  auto type = cast<RankedTensorType>(t.getType());
  int64_t rank = type.getRank(), n = type.getShape().back();
  Type elem = type.getElementType();
  SmallVector<int64_t> expanded(type.getShape().drop_back());
  expanded.append({n / (2 * h), 2, h});
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i + 1 < rank; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 1, rank, rank + 1});
  auto expandedType = RankedTensorType::get(expanded, elem);
  SmallVector<OpFoldResult> viewSizes = sizesLike(b, loc, t, expanded);
  Value view = tensor::ExpandShapeOp::create(b, loc, expandedType, t,
                                             reassociation, viewSizes);
  // The two halves, [.., n / 2h, h] each.
  SmallVector<int64_t> halfShape(type.getShape().drop_back());
  halfShape.append({n / (2 * h), h});
  auto halfType = RankedTensorType::get(halfShape, elem);
  auto half = [&](int64_t which) -> Value {
    SmallVector<OpFoldResult> offsets(rank + 2, b.getIndexAttr(0));
    offsets[rank] = b.getIndexAttr(which);
    SmallVector<OpFoldResult> sizes = viewSizes;
    sizes[rank] = b.getIndexAttr(1);
    SmallVector<OpFoldResult> strides(rank + 2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, halfType, view, offsets,
                                          sizes, strides);
  };
  Value p = half(0), q = half(1);
  unsigned loops = rank + 2;
  SmallVector<unsigned> halfDims = dims(rank);
  halfDims.push_back(rank + 1); // (.., a, c): every loop but the pair one
  GenericBuilder generic(b, loc, loops);
  unsigned pArg = generic.addInput(p, halfDims);
  unsigned qArg = generic.addInput(q, halfDims);
  Value init = tensor::EmptyOp::create(b, loc, viewSizes, elem);
  bool isFloat = isa<FloatType>(elem);
  Value out = generic.build(
      init, dims(loops), SmallVector<IteratorType>(loops, IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value which = linalg::IndexOp::create(nb, l, rank);
        Value first = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::eq, which,
            arith::ConstantIndexOp::create(nb, l, 0));
        Value x = args[pArg], y = args[qArg];
        Value sum = isFloat ? Value(arith::AddFOp::create(nb, l, x, y))
                            : Value(arith::AddIOp::create(nb, l, x, y));
        Value diff = isFloat ? Value(arith::SubFOp::create(nb, l, x, y))
                             : Value(arith::SubIOp::create(nb, l, x, y));
        return arith::SelectOp::create(nb, l, first, sum, diff);
      });
  return tensor::CollapseShapeOp::create(b, loc, type, out, reassociation);
}

/// The dense stage of a block b = m * 2^k: out[.., j, a, r] =
/// sum_a2 H_m[a, a2] * t[.., j, a2, r] on the last dimension viewed as
/// [n / b, m, 2^k].
Value buildDenseStage(OpBuilder &b, Location loc, Value t, int64_t block,
                      int64_t m) {
  auto type = cast<RankedTensorType>(t.getType());
  int64_t rank = type.getRank(), n = type.getShape().back(), p = block / m;
  Type elem = type.getElementType();
  SmallVector<int64_t> expanded(type.getShape().drop_back());
  expanded.append({n / block, m, p});
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i + 1 < rank; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 1, rank, rank + 1});
  auto expandedType = RankedTensorType::get(expanded, elem);
  SmallVector<OpFoldResult> viewSizes = sizesLike(b, loc, t, expanded);
  Value view = tensor::ExpandShapeOp::create(b, loc, expandedType, t,
                                             reassociation, viewSizes);
  SmallVector<Attribute> entries;
  for (int8_t v : paleyHadamard(m))
    entries.push_back(isa<FloatType>(elem) ? Attribute(FloatAttr::get(elem, v))
                                           : Attribute(IntegerAttr::get(elem, v)));
  Value hm = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({m, m}, elem), entries));
  // Loops: the leading dimensions, j, a, r, and the reduced a2.
  unsigned loops = rank + 3;
  unsigned j = rank - 1, a = rank, r = rank + 1, a2 = rank + 2;
  SmallVector<unsigned> inDims = dims(rank - 1), outDims = dims(rank - 1);
  inDims.append({j, a2, r});
  outDims.append({j, a, r});
  GenericBuilder generic(b, loc, loops);
  unsigned xArg = generic.addInput(view, inDims);
  unsigned hArg = generic.addInput(hm, {a, a2});
  Value empty = tensor::EmptyOp::create(b, loc, viewSizes, elem);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  SmallVector<IteratorType> iterators(loops, IteratorType::parallel);
  iterators[a2] = IteratorType::reduction;
  bool isFloat = isa<FloatType>(elem);
  Value out = generic.build(
      init, outDims, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value acc = args.back();
        if (isFloat)
          return arith::AddFOp::create(
              nb, l, acc, arith::MulFOp::create(nb, l, args[hArg], args[xArg]));
        return arith::AddIOp::create(
            nb, l, acc, arith::MulIOp::create(nb, l, args[hArg], args[xArg]));
      });
  return tensor::CollapseShapeOp::create(b, loc, type, out, reassociation);
}

/// A pad of the last dimension only, by static amounts, with a constant:
/// the first stage reads `source` and writes `value` in the padding.
struct LastDimPad {
  tensor::PadOp op;
  Value source;
  int64_t low = 0, high = 0;
  TypedAttr value;
};

std::optional<LastDimPad> matchLastDimPad(Value v) {
  // Through the casts the type conversion leaves (quant.scast of the codes).
  while (auto cast = v.getDefiningOp<UnrealizedConversionCastOp>()) {
    if (cast.getNumOperands() != 1)
      return std::nullopt;
    v = cast.getOperand(0);
  }
  auto pad = v.getDefiningOp<tensor::PadOp>();
  if (!pad || pad.getNofold() || !pad.getLow().empty() ||
      !pad.getHigh().empty())
    return std::nullopt;
  ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  int64_t rank = low.size();
  for (int64_t i = 0; i + 1 < rank; ++i)
    if (low[i] != 0 || high[i] != 0)
      return std::nullopt;
  Value padValue = pad.getConstantPaddingValue();
  TypedAttr value;
  if (!padValue || !matchPattern(padValue, m_Constant(&value)))
    return std::nullopt;
  return LastDimPad{pad, pad.getSource(), low.back(), high.back(), value};
}

struct HadamardOpLowering final : OpConversionPattern<HadamardOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(HadamardOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The verifier keeps the last dimension static; leading ones (a dynamic
    // batch) are read with tensor.dim.
    auto type = cast<RankedTensorType>(op.getInput().getType());
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), n = type.getShape().back();
    int64_t block = op.getBlock();
    auto inQ = dyn_cast_or_null<UniformQuantizedType>(
        getQuantizedElementType(type));
    Type work = inQ ? Type(rewriter.getI32Type()) : type.getElementType();
    SmallVector<int64_t> signs(n, 1);
    if (std::optional<ArrayRef<bool>> negate = op.getNegate())
      for (auto [i, neg] : llvm::enumerate(*negate))
        signs[i] = neg ? -1 : 1;
    bool anyNegated = llvm::is_contained(signs, -1);

    // Stage 0: centre (quantized), flip signs, widen: on columns
    // [offset, offset + size) of `init` from `in` (its value `constant`
    // where `in` is null: the padding of a fused pad).
    auto stage0 = [&](Value in, TypedAttr constant, int64_t offset,
                      int64_t size, Value init) -> Value {
      // Codes padded with the zero point centre to 0, whatever their sign.
      auto code = dyn_cast_or_null<IntegerAttr>(constant);
      if (!in && inQ && code &&
          (inQ.isSigned() ? code.getValue().getSExtValue()
                          : int64_t(code.getValue().getZExtValue())) ==
              inQ.getZeroPoint()) {
        Value zero = arith::ConstantOp::create(rewriter, loc,
                                               rewriter.getZeroAttr(work));
        return linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
      }
      GenericBuilder generic(rewriter, loc, rank);
      std::optional<unsigned> x;
      if (in)
        x = generic.addInput(in, dims(rank));
      ArrayRef<int64_t> regionSigns = ArrayRef<int64_t>(signs).slice(offset, size);
      bool negated = llvm::is_contained(regionSigns, -1);
      std::optional<ParamRef> sign;
      std::optional<unsigned> floatSign;
      if (negated && inQ)
        sign = generic.addParam(regionSigns, rank - 1);
      if (negated && !inQ) {
        SmallVector<Attribute> values;
        for (int64_t s : regionSigns)
          values.push_back(FloatAttr::get(work, double(s)));
        auto vecType = RankedTensorType::get({size}, work);
        floatSign = generic.addInput(
            arith::ConstantOp::create(rewriter, loc,
                                      DenseElementsAttr::get(vecType, values)),
            {unsigned(rank - 1)});
      }
      return generic.build(
          init, dims(rank),
          SmallVector<IteratorType>(rank, IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value v = x ? args[*x]
                        : arith::ConstantOp::create(b, l, constant).getResult();
            if (!inQ)
              return floatSign ? arith::MulFOp::create(b, l, v, args[*floatSign])
                                     .getResult()
                               : v;
            v = arith::SubIOp::create(
                b, l, extendToI32(b, l, v, inQ.isSigned()),
                createIntConstant(b, l, b.getI32Type(), inQ.getZeroPoint()));
            if (sign)
              v = arith::MulIOp::create(b, l, v, getParam(b, l, args, *sign));
            return v;
          });
    };
    Value t = adaptor.getInput();
    std::optional<LastDimPad> pad = matchLastDimPad(t);
    // Only a pad of the converted element type (storage codes or floats).
    if (pad && getElementTypeOrSelf(pad->source.getType()) !=
                   getElementTypeOrSelf(t.getType()))
      pad.reset();
    if (pad) {
      // The padded i32 (or float) tensor is the first stage's result; the
      // source and the padding fill its column ranges.
      Value source = pad->source;
      SmallVector<OpFoldResult> fullSizes =
          sizesLike(rewriter, loc, source, type.getShape());
      Value padded = tensor::EmptyOp::create(rewriter, loc, fullSizes, work);
      int64_t width = n - pad->low - pad->high;
      for (auto [offset, size, in] :
           {std::tuple(int64_t(0), pad->low, Value()),
            std::tuple(pad->low, width, source),
            std::tuple(pad->low + width, pad->high, Value())}) {
        if (size == 0)
          continue;
        SmallVector<int64_t> shape(type.getShape());
        shape.back() = size;
        SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
        offsets.back() = rewriter.getIndexAttr(offset);
        SmallVector<OpFoldResult> sizes = fullSizes;
        sizes.back() = rewriter.getIndexAttr(size);
        SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
        Value slice = tensor::ExtractSliceOp::create(
            rewriter, loc, RankedTensorType::get(shape, work), padded, offsets,
            sizes, strides);
        Value region = stage0(in, pad->value, offset, size, slice);
        padded = tensor::InsertSliceOp::create(rewriter, loc, region, padded,
                                               offsets, sizes, strides);
      }
      t = padded;
    } else if (inQ || anyNegated) {
      t = stage0(t, TypedAttr(), 0, n,
                 emptyLike(rewriter, loc, t, type.getShape(), work));
    }
    int64_t m = hadamardDenseOrder(block);
    for (int64_t h = 1; h < block / m; h *= 2)
      t = buildStage(rewriter, loc, t, h);
    if (m > 1)
      t = buildDenseStage(rewriter, loc, t, block, m);

    GenericBuilder generic(rewriter, loc, rank);
    unsigned x = generic.addInput(t, dims(rank));
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    if (!inQ) {
      double scale = 1.0 / std::sqrt(double(block));
      Value result = generic.build(
          emptyLike(rewriter, loc, t, type.getShape(), work),
          dims(rank), SmallVector<IteratorType>(rank, IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value s = arith::ConstantOp::create(b, l, FloatAttr::get(work, scale));
            return arith::MulFOp::create(b, l, args[x], s);
          });
      rewriter.replaceOp(op, result);
      return success();
    }
    auto outQ = cast<UniformQuantizedType>(getQuantizedElementType(resultType));
    double real = inQ.getScale() / (std::sqrt(double(block)) * outQ.getScale());
    std::optional<OutputStage> stage =
        OutputStage::get(outQ, {real}, op.getClamp(), op.getProfile());
    if (!stage)
      return rewriter.notifyMatchFailure(
          op, "the requantization multiplier overflows a double");
    OutputStageParams params = addOutputStage(generic, *stage, rank - 1);
    Value result = generic.build(
        emptyLike(rewriter, loc, t, type.getShape(), stage->storageType),
        dims(rank), SmallVector<IteratorType>(rank, IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          return buildOutputStage(b, l, args, params, args[x]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateHadamardPatterns(const TypeConverter &typeConverter,
                                        RewritePatternSet &patterns) {
  patterns.add<HadamardOpLowering>(typeConverter, patterns.getContext());
}
