//===- Contractions.cpp - qc.matmul and qc.conv2d to linalg ---------------===//
//
// Zero points are removed by decomposition, never by a subtraction per
// multiply, so that the core contraction is a plain integer matmul or
// convolution of storage codes that the backends tile and vectorize:
//
//   sum_k (a - za)(b - zb[n]) + bias[n]
//     = sum_k a*b - zb[n] * sum_k a  +  (bias[n] + K*za*zb[n] - za * sum_k b)
//       \_______/   \____________/      \_____________________________________/
//       contraction  activation sums     one i32 per output channel, folded at
//                    (only if zb != 0)   compile time for constant weights
//
// All sums are i32 and wrap modulo 2^32, which gives the exact result
// whenever the true accumulator fits in i32 (guaranteed by the verifiers).
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;
using quant::QuantizedType;

namespace {

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// out += ext(x) * ext(y) with the extensions chosen by signedness.
Value multiplyAccumulate(OpBuilder &b, Location loc, Value x, bool xSigned,
                         Value y, bool ySigned, Value out) {
  Value product = arith::MulIOp::create(b, loc, extendToI32(b, loc, x, xSigned),
                                        extendToI32(b, loc, y, ySigned));
  return arith::AddIOp::create(b, loc, out, product);
}

/// The per-output-channel term bias[c] + K*zx*zw[c] - zx*sum(w)[c], either
/// fully known at compile time or as a run-time vector.
struct ChannelTerm {
  /// Compile-time part (all of it when `runtime` is null).
  SmallVector<int64_t> constant;
  Value runtime;
};

/// Builds the channel term. `weightSums` holds the compile-time weight sums
/// when the weights are constant; otherwise `buildWeightSums` builds them.
ChannelTerm buildChannelTerm(OpBuilder &b, Location loc, int64_t channels,
                             int64_t reduction, int64_t zx, ArrayRef<int64_t> zw,
                             std::optional<SmallVector<int64_t>> weightSums,
                             function_ref<Value()> buildWeightSums,
                             std::optional<SmallVector<int64_t>> biasCodes,
                             Value bias) {
  ChannelTerm term;
  for (int64_t c = 0; c < channels; ++c) {
    // Modulo 2^32 arithmetic: the products may exceed int64 in the worst case.
    uint32_t t = static_cast<uint32_t>(reduction) * static_cast<uint32_t>(zx) *
                 static_cast<uint32_t>(zw[c]);
    if (weightSums && zx != 0)
      t -= static_cast<uint32_t>(zx) * static_cast<uint32_t>((*weightSums)[c]);
    if (biasCodes)
      t += static_cast<uint32_t>((*biasCodes)[c]);
    term.constant.push_back(wrapToI32(t));
  }
  bool runtimeSums = !weightSums && zx != 0;
  bool runtimeBias = bias && !biasCodes;
  if (!runtimeSums && !runtimeBias)
    return term;
  GenericBuilder generic(b, loc, 1);
  std::optional<unsigned> sums, biasArg;
  if (runtimeSums)
    sums = generic.addInput(buildWeightSums(), {0});
  if (runtimeBias)
    biasArg = generic.addInput(bias, {0});
  ParamRef constant = generic.addParam(term.constant, 0);
  term.runtime = generic.build(
      tensor::EmptyOp::create(b, loc, {channels}, b.getI32Type()), {0}, {kPar},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value t = getParam(nb, l, args, constant);
        if (sums)
          t = arith::SubIOp::create(
              nb, l, t,
              arith::MulIOp::create(nb, l, args[*sums],
                                    createIntConstant(nb, l, nb.getI32Type(), zx)));
        if (biasArg)
          t = arith::AddIOp::create(nb, l, t, args[*biasArg]);
        return t;
      });
  return term;
}

/// Adds the channel term to a generic: a run-time vector input or a
/// (possibly splat) constant parameter. Returns nothing when it is all zero.
std::optional<std::pair<bool, ParamRef>>
addChannelTerm(GenericBuilder &generic, const ChannelTerm &term, unsigned dim) {
  if (term.runtime)
    return std::pair{true, ParamRef{std::nullopt, generic.addInput(term.runtime, {dim})}};
  if (llvm::all_of(term.constant, [](int64_t v) { return v == 0; }))
    return std::nullopt;
  return std::pair{false, generic.addParam(term.constant, dim)};
}

/// The contraction epilogue shared by matmul and conv: the raw product sum
/// minus z_w[c] * (sum of the inputs it met) when the weight has zero
/// points, plus the channel term, then the output stage.
Value buildContractionEpilogue(OpBuilder &b, Location l, ValueRange args,
                               unsigned productArg,
                               std::optional<unsigned> inputSumsArg,
                               ParamRef weightZero,
                               const std::optional<std::pair<bool, ParamRef>> &channelTerm,
                               const OutputStageParams &params) {
  Value acc = args[productArg];
  if (inputSumsArg)
    acc = arith::SubIOp::create(
        b, l, acc,
        arith::MulIOp::create(b, l, getParam(b, l, args, weightZero),
                              args[*inputSumsArg]));
  if (channelTerm)
    acc = arith::AddIOp::create(b, l, acc,
                                getParam(b, l, args, channelTerm->second));
  return buildOutputStage(b, l, args, params, acc);
}

struct MatmulOpLowering final : OpConversionPattern<MatmulOp> {
  MatmulOpLowering(const TypeConverter &typeConverter, MLIRContext *context,
                   bool foldConstantWeights)
      : OpConversionPattern(typeConverter, context),
        foldConstantWeights(foldConstantWeights) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType lhsType = op.getLhs().getType(), rhsType = op.getRhs().getType(),
                     resultType = op.getResult().getType();
    // M may be dynamic; N sizes compile-time constants (the verifier already
    // requires a static K).
    if (rhsType.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "dynamic N is not supported");
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    int64_t k = lhsType.getDimSize(1), n = rhsType.getDimSize(1);
    QuantizedType aType = getQuantizedElementType(lhsType);
    QuantizedType bType = getQuantizedElementType(rhsType);
    QuantizedType yType = getQuantizedElementType(resultType);
    int64_t za = getZeroPoints(aType)[0];
    SmallVector<int64_t> zb = broadcastTo(getZeroPoints(bType), n);
    SmallVector<double> real = broadcastTo(getRequantization(op)->reals, n);
    std::optional<OutputStage> stage =
        OutputStage::get(yType, real, op.getClamp(), op.getProfile());
    if (!stage)
      return rewriter.notifyMatchFailure(
          op, "the requantization multiplier overflows a double");
    bool aSigned = aType.isSigned(), bSigned = bType.isSigned();
    Value a = adaptor.getLhs(), b = adaptor.getRhs();
    OpFoldResult rows = tensor::getMixedSize(rewriter, loc, a, 0);
    OpFoldResult cols = rewriter.getIndexAttr(n);

    // The contraction of the raw codes.
    Value zeros = createFilledTensor(rewriter, loc, {rows, cols}, i32, 0);
    Value product;
    if (aSigned == bSigned) {
      auto cast = linalg::TypeFnAttr::get(
          rewriter.getContext(),
          aSigned ? linalg::TypeFn::cast_signed : linalg::TypeFn::cast_unsigned);
      product = linalg::MatmulOp::create(rewriter, loc, TypeRange{zeros.getType()},
                                         ValueRange{a, b}, ValueRange{zeros}, cast)
                    .getResult(0);
    } else {
      // Mixed signedness has no named-op form: a matmul-shaped generic.
      GenericBuilder generic(rewriter, loc, 3);
      unsigned lhs = generic.addInput(a, {0, 2});
      unsigned rhs = generic.addInput(b, {2, 1});
      product = generic.build(zeros, {0, 1}, {kPar, kPar, kRed},
                              [&](OpBuilder &nb, Location l, ValueRange args) {
                                return multiplyAccumulate(nb, l, args[lhs], aSigned,
                                                          args[rhs], bSigned, args[2]);
                              });
    }

    // Row sums of the activations, needed only for a non-zero weight zero point.
    bool needRowSums = llvm::any_of(zb, [](int64_t z) { return z != 0; });
    Value rowSums;
    if (needRowSums) {
      GenericBuilder generic(rewriter, loc, 2);
      unsigned lhs = generic.addInput(a, {0, 1});
      rowSums = generic.build(createFilledTensor(rewriter, loc, {rows}, i32, 0), {0},
                              {kPar, kRed},
                              [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                                return arith::AddIOp::create(
                                    nb, l, args[1], extendToI32(nb, l, args[lhs], aSigned));
                              });
    }

    // Weight-side sums and constant terms, per output column.
    std::optional<SmallVector<int64_t>> weightSums, biasCodes;
    if (foldConstantWeights) {
      if (std::optional<SmallVector<int64_t>> codes =
              getConstantCodes(op.getRhs(), adaptor.getRhs())) {
        weightSums = SmallVector<int64_t>(n, 0);
        for (int64_t kk = 0; kk < k; ++kk)
          for (int64_t nn = 0; nn < n; ++nn)
            (*weightSums)[nn] += (*codes)[kk * n + nn];
      }
      if (op.getBias())
        biasCodes = getConstantCodes(op.getBias(), adaptor.getBias());
    }
    auto buildColumnSums = [&]() -> Value {
      GenericBuilder generic(rewriter, loc, 2);
      unsigned rhs = generic.addInput(b, {1, 0});
      return generic.build(createFilledTensor(rewriter, loc, {n}, i32, 0), {0},
                           {kPar, kRed},
                           [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                             return arith::AddIOp::create(
                                 nb, l, args[1], extendToI32(nb, l, args[rhs], bSigned));
                           });
    };
    ChannelTerm term = buildChannelTerm(rewriter, loc, n, k, za, zb, weightSums,
                                        buildColumnSums, biasCodes, adaptor.getBias());

    // One generic: corrections, requantization, clamp, zero point, truncation.
    GenericBuilder generic(rewriter, loc, 2);
    unsigned productArg = generic.addInput(product, {0, 1});
    std::optional<unsigned> rowArg;
    ParamRef zbParam;
    if (needRowSums) {
      rowArg = generic.addInput(rowSums, {0});
      zbParam = generic.addParam(zb, 1);
    }
    auto channelTerm = addChannelTerm(generic, term, 1);
    OutputStageParams params = addOutputStage(generic, *stage, 1);
    Value result = generic.build(
        tensor::EmptyOp::create(rewriter, loc, {rows, cols}, stage->storageType), {0, 1},
        {kPar, kPar}, [&](OpBuilder &nb, Location l, ValueRange args) {
          return buildContractionEpilogue(nb, l, args, productArg, rowArg,
                                          zbParam, channelTerm, params);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  bool foldConstantWeights;
};

DenseIntElementsAttr i64Pair(OpBuilder &b, ArrayRef<int64_t> values) {
  return DenseIntElementsAttr::get(RankedTensorType::get({2}, b.getI64Type()), values);
}

struct Conv2DOpLowering final : OpConversionPattern<Conv2DOp> {
  Conv2DOpLowering(const TypeConverter &typeConverter, MLIRContext *context,
                   bool foldConstantWeights)
      : OpConversionPattern(typeConverter, context),
        foldConstantWeights(foldConstantWeights) {}

  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType = op.getInput().getType(),
                     filterType = op.getFilter().getType(),
                     resultType = op.getResult().getType();
    // The batch may be dynamic; the window arithmetic needs the rest static.
    auto staticBeyondBatch = [](RankedTensorType type) {
      return llvm::all_of(type.getShape().drop_front(),
                          [](int64_t d) { return !ShapedType::isDynamic(d); });
    };
    if (!staticBeyondBatch(inputType) || !staticBeyondBatch(resultType))
      return rewriter.notifyMatchFailure(op, "only the batch size may be dynamic");
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    int64_t batch = inputType.getDimSize(0), channels = inputType.getDimSize(3);
    int64_t kh = filterType.getDimSize(0), kw = filterType.getDimSize(1),
            cg = filterType.getDimSize(2), filters = filterType.getDimSize(3);
    int64_t oh = resultType.getDimSize(1), ow = resultType.getDimSize(2);
    int64_t groups = op.getGroups(), fg = filters / groups;
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();
    QuantizedType xType = getQuantizedElementType(inputType);
    QuantizedType wType = getQuantizedElementType(filterType);
    QuantizedType yType = getQuantizedElementType(resultType);
    int64_t zx = getZeroPoints(xType)[0];
    SmallVector<int64_t> zw = broadcastTo(getZeroPoints(wType), filters);
    SmallVector<double> real =
        broadcastTo(getRequantization(op)->reals, filters);
    std::optional<OutputStage> stage =
        OutputStage::get(yType, real, op.getClamp(), op.getProfile());
    if (!stage)
      return rewriter.notifyMatchFailure(
          op, "the requantization multiplier overflows a double");
    bool xSigned = xType.isSigned(), wSigned = wType.isSigned();

    // Padding holds the input zero point: the real value 0.
    Value x = padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(),
                         createIntConstant(rewriter, loc, getStorageType(xType), zx));
    Value w = adaptor.getFilter();
    auto xPadded = cast<RankedTensorType>(x.getType());
    OpFoldResult batchSize = tensor::getMixedSize(rewriter, loc, adaptor.getInput(), 0);
    // Sizes [N, rest...] with the (possibly dynamic) batch size.
    auto sizes = [&](ArrayRef<int64_t> rest) {
      SmallVector<OpFoldResult> result = {batchSize};
      for (int64_t size : rest)
        result.push_back(rewriter.getIndexAttr(size));
      return result;
    };
    int64_t hp = xPadded.getDimSize(1), wp = xPadded.getDimSize(2);

    // x as [N, Hp, Wp, G, C/G] and w as [KH, KW, C/G, G, F/G] for the
    // generic forms; each group reads its own channels.
    auto groupedInput = [&]() -> Value {
      return tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({batch, hp, wp, groups, cg}, xPadded.getElementType()),
          x, ArrayRef<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    };
    auto windowExprs = [&](unsigned n, unsigned h, unsigned wDim, unsigned g,
                           unsigned c, unsigned khDim, unsigned kwDim,
                           unsigned numLoops) {
      auto d = [&](unsigned i) { return rewriter.getAffineDimExpr(i); };
      return AffineMap::get(
          numLoops, 0,
          {d(n), d(h) * strides[0] + d(khDim) * dilations[0],
           d(wDim) * strides[1] + d(kwDim) * dilations[1], d(g), d(c)},
          rewriter.getContext());
    };

    // The contraction of the raw codes.
    Value product;
    if (xSigned && wSigned && groups == 1) {
      Value zeros = createFilledTensor(rewriter, loc, sizes({oh, ow, filters}), i32, 0);
      product = linalg::Conv2DNhwcHwcfOp::create(
                    rewriter, loc, TypeRange{zeros.getType()}, ValueRange{x, w},
                    ValueRange{zeros}, i64Pair(rewriter, strides),
                    i64Pair(rewriter, dilations))
                    .getResult(0);
    } else if (xSigned && wSigned && groups == channels) {
      // Depthwise: filter [KH, KW, 1, C*M] is [KH, KW, C, M] in HWCM.
      int64_t multiplier = fg;
      Value collapsed = tensor::CollapseShapeOp::create(
          rewriter, loc, w, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
      Value hwcm = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({kh, kw, channels, multiplier},
                                cast<RankedTensorType>(w.getType()).getElementType()),
          collapsed, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
      Value init = createFilledTensor(rewriter, loc, sizes({oh, ow, channels, multiplier}),
                                      i32, 0);
      Value depthwise = linalg::DepthwiseConv2DNhwcHwcmOp::create(
                            rewriter, loc, TypeRange{init.getType()}, ValueRange{x, hwcm},
                            ValueRange{init}, i64Pair(rewriter, strides),
                            i64Pair(rewriter, dilations))
                            .getResult(0);
      product = tensor::CollapseShapeOp::create(
          rewriter, loc, depthwise,
          ArrayRef<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    } else {
      // Other group counts and unsigned storage (the named convolutions
      // only sign-extend): loops (n, oh, ow, g, f, kh, kw, c).
      Value wGrouped = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({kh, kw, cg, groups, fg},
                                cast<RankedTensorType>(w.getType()).getElementType()),
          w, ArrayRef<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
      GenericBuilder generic(rewriter, loc, 8);
      unsigned xArg = generic.addInput(groupedInput(), windowExprs(0, 1, 2, 3, 7, 5, 6, 8));
      unsigned wArg = generic.addInput(wGrouped, {5, 6, 7, 3, 4});
      Value init = createFilledTensor(rewriter, loc, sizes({oh, ow, groups, fg}), i32, 0);
      Value grouped = generic.build(
          init, {0, 1, 2, 3, 4}, {kPar, kPar, kPar, kPar, kPar, kRed, kRed, kRed},
          [&](OpBuilder &nb, Location l, ValueRange args) {
            return multiplyAccumulate(nb, l, args[xArg], xSigned, args[wArg], wSigned,
                                      args[2]);
          });
      product = tensor::CollapseShapeOp::create(
          rewriter, loc, grouped, ArrayRef<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    }

    // Window sums of the (padded) input per group, [N, OH, OW, G], for a
    // non-zero filter zero point. Signed codes use linalg.pooling_nhwc_sum
    // (which sign-extends) so that the backends vectorize it like the
    // convolution; the per-channel sums are the group sums for depthwise and
    // are reduced over C for groups = 1.
    bool needWindowSums = llvm::any_of(zw, [](int64_t z) { return z != 0; });
    Value windowSums;
    if (needWindowSums && xSigned && (cg == 1 || groups == 1)) {
      Value init = createFilledTensor(rewriter, loc, sizes({oh, ow, channels}), i32, 0);
      Value window =
          tensor::EmptyOp::create(rewriter, loc, {kh, kw}, xPadded.getElementType());
      windowSums = linalg::PoolingNhwcSumOp::create(
                       rewriter, loc, TypeRange{init.getType()}, ValueRange{x, window},
                       ValueRange{init}, i64Pair(rewriter, strides),
                       i64Pair(rewriter, dilations))
                       .getResult(0);
      if (groups == 1 && channels != 1) {
        GenericBuilder generic(rewriter, loc, 4);
        unsigned sums = generic.addInput(windowSums, {0, 1, 2, 3});
        Value total = generic.build(
            createFilledTensor(rewriter, loc, sizes({oh, ow}), i32, 0), {0, 1, 2},
            {kPar, kPar, kPar, kRed},
            [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
              return arith::AddIOp::create(nb, l, args[1], args[sums]);
            });
        windowSums = tensor::ExpandShapeOp::create(
            rewriter, loc, RankedTensorType::get({batch, oh, ow, 1}, i32), total,
            ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
      }
    } else if (needWindowSums) {
      // Loops (n, oh, ow, g, kh, kw, c).
      GenericBuilder generic(rewriter, loc, 7);
      unsigned xArg = generic.addInput(groupedInput(), windowExprs(0, 1, 2, 3, 6, 4, 5, 7));
      // Only its shape matters: it gives the window loops their bounds, as
      // the window operand of linalg's pooling ops does.
      generic.addInput(tensor::EmptyOp::create(rewriter, loc, {kh, kw, cg}, i32),
                       {4, 5, 6});
      Value init = createFilledTensor(rewriter, loc, sizes({oh, ow, groups}), i32, 0);
      windowSums = generic.build(
          init, {0, 1, 2, 3}, {kPar, kPar, kPar, kPar, kRed, kRed, kRed},
          [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
            return arith::AddIOp::create(nb, l, args[2],
                                         extendToI32(nb, l, args[xArg], xSigned));
          });
    }

    // Filter sums and constant terms per output channel.
    std::optional<SmallVector<int64_t>> filterSums, biasCodes;
    if (foldConstantWeights) {
      if (std::optional<SmallVector<int64_t>> codes =
              getConstantCodes(op.getFilter(), adaptor.getFilter())) {
        filterSums = SmallVector<int64_t>(filters, 0);
        for (int64_t i = 0, e = kh * kw * cg; i < e; ++i)
          for (int64_t f = 0; f < filters; ++f)
            (*filterSums)[f] += (*codes)[i * filters + f];
      }
      if (op.getBias())
        biasCodes = getConstantCodes(op.getBias(), adaptor.getBias());
    }
    auto buildFilterSums = [&]() -> Value {
      GenericBuilder generic(rewriter, loc, 4);
      unsigned wArg = generic.addInput(w, {1, 2, 3, 0});
      return generic.build(createFilledTensor(rewriter, loc, {filters}, i32, 0), {0},
                           {kPar, kRed, kRed, kRed},
                           [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                             return arith::AddIOp::create(
                                 nb, l, args[1], extendToI32(nb, l, args[wArg], wSigned));
                           });
    };
    ChannelTerm term =
        buildChannelTerm(rewriter, loc, filters, kh * kw * cg, zx, zw, filterSums,
                         buildFilterSums, biasCodes, adaptor.getBias());

    GenericBuilder generic(rewriter, loc, 4);
    unsigned productArg = generic.addInput(product, {0, 1, 2, 3});
    std::optional<unsigned> windowArg;
    ParamRef zwParam;
    if (needWindowSums) {
      // Output channel f belongs to group f / (F / G). The group sums are
      // broadcast to the channels first: an indexing map `f floordiv (F/G)`
      // would be tiled wrongly (scf::tileUsingSCF offsets the slice by
      // `f0 floordiv (F/G)` and keeps the map on the tile's local index).
      if (groups != 1 && fg != 1) {
        GenericBuilder broadcast(rewriter, loc, 5);
        unsigned sums = broadcast.addInput(windowSums, {0, 1, 2, 3});
        Value perChannel = broadcast.build(
            tensor::EmptyOp::create(rewriter, loc, sizes({oh, ow, groups, fg}), i32),
            {0, 1, 2, 3, 4}, {kPar, kPar, kPar, kPar, kPar},
            [&](OpBuilder &, Location, ValueRange args) { return args[sums]; });
        windowSums = tensor::CollapseShapeOp::create(
            rewriter, loc, perChannel,
            ArrayRef<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
      }
      AffineExpr channel = groups == 1 ? rewriter.getAffineConstantExpr(0)
                                       : rewriter.getAffineDimExpr(3);
      AffineMap map = AffineMap::get(
          4, 0,
          {rewriter.getAffineDimExpr(0), rewriter.getAffineDimExpr(1),
           rewriter.getAffineDimExpr(2), channel},
          rewriter.getContext());
      windowArg = generic.addInput(windowSums, map);
      zwParam = generic.addParam(zw, 3);
    }
    auto channelTerm = addChannelTerm(generic, term, 3);
    OutputStageParams params = addOutputStage(generic, *stage, 3);
    Value result = generic.build(
        tensor::EmptyOp::create(rewriter, loc, sizes(resultType.getShape().drop_front()),
                                stage->storageType),
        {0, 1, 2, 3}, {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          return buildContractionEpilogue(nb, l, args, productArg, windowArg,
                                          zwParam, channelTerm, params);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  bool foldConstantWeights;
};

} // namespace

void lowering::populateContractionPatterns(const TypeConverter &typeConverter,
                                           RewritePatternSet &patterns,
                                           bool foldConstantWeights) {
  patterns.add<MatmulOpLowering, Conv2DOpLowering>(typeConverter, patterns.getContext(),
                                                   foldConstantWeights);
}
