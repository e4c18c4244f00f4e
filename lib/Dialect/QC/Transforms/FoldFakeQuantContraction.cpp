//===- FoldFakeQuantContraction.cpp - matmul / conv chains to qc ops --------===//
//
// quantize(clamp?(bias add?(contraction(dequantize ...)))) to qc.matmul and
// qc.conv2d, for the linalg and tosa spellings and layouts; a 1x1
// convolution of a global average pool reads the pool's input (the exact
// mean, readExactMean).
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Dialect/QC/IR/AccumulatorBound.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

namespace {

//===----------------------------------------------------------------------===//
// quantize(clamp?(bias add?(matmul|conv|depthwise(dequantize...)))):
// qc.matmul / qc.conv2d
//===----------------------------------------------------------------------===//

/// The float contraction forms, by the layout their operands need changed
/// for qc: `ConvFHWC` has an [F, KH, KW, C] filter (TOSA, linalg
/// conv_2d_nhwc_fhwc); `Depthwise` a [KH, KW, C] or [KH, KW, C, 1] filter;
/// `BatchMatmul` a batch of 1 to drop; `ConvNCHW` is NCHW x [F, C, KH, KW]
/// and `DepthwiseNCHW` NCHW x [C, KH, KW] (torch-mlir's default), transposed
/// to NHWC x HWCF and back.
enum class ContractionKind {
  Matmul,
  BatchMatmul,
  Conv,
  ConvFHWC,
  ConvNCHW,
  Depthwise,
  DepthwiseNCHW
};

/// A float contraction in qc's terms. `weight` is still in the op's own
/// layout (see ContractionKind); `initBias` is a bias the op itself adds
/// (a broadcast accumulator init, or TOSA's bias operand).
struct ContractionParts {
  ContractionKind kind = ContractionKind::Matmul;
  Value input, weight;
  /// linalg.matmul with transposing indexing maps: [K, M] lhs / [N, K] rhs.
  bool transposeInput = false, transposeWeight = false;
  std::optional<SmallVector<double>> initBias;
  SmallVector<int64_t> strides = {1, 1}, padding = {0, 0, 0, 0}, dilations = {1, 1};
};

} // namespace

static bool isSupportedContraction(Operation *op) {
  return isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::Conv2DNhwcHwcfOp,
             linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNchwFchwOp,
             linalg::DepthwiseConv2DNhwcHwcOp, linalg::DepthwiseConv2DNchwChwOp,
             tosa::MatMulOp, tosa::Conv2DOp, tosa::DepthwiseConv2DOp>(op);
}

/// The result dimension that holds the output channels of a contraction.
static unsigned getChannelDim(Operation *contraction) {
  if (isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp>(contraction))
    return 1;
  return cast<RankedTensorType>(contraction->getResult(0).getType()).getRank() - 1;
}

/// Which operands of a linalg.matmul with user-defined maps are transposed:
/// A is (d0, d2) or (d2, d0), B is (d2, d1) or (d1, d2), C must be (d0, d1).
static LogicalResult getMatmulTransposes(linalg::MatmulOp op, bool &transposeA,
                                         bool &transposeB) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  MLIRContext *context = op.getContext();
  auto map = [&](unsigned i, unsigned j) {
    return AffineMap::get(3, 0, {getAffineDimExpr(i, context), getAffineDimExpr(j, context)},
                          context);
  };
  if (maps.size() != 3 || maps[2] != map(0, 1))
    return failure();
  if (maps[0] != map(0, 2) && maps[0] != map(2, 0))
    return failure();
  if (maps[1] != map(2, 1) && maps[1] != map(1, 2))
    return failure();
  transposeA = maps[0] == map(2, 0);
  transposeB = maps[1] == map(1, 2);
  return success();
}



/// A per-channel bias operand of TOSA: [F] or a broadcast [1]; all zeros is
/// no bias.
static std::optional<SmallVector<double>> getTosaBias(Value bias, int64_t channels,
                                                      bool &isBias) {
  std::optional<SmallVector<double>> values = getFloatConstantValues(bias);
  if (!values)
    return std::nullopt;
  if (values->size() == 1)
    values->assign(channels, values->front());
  if (static_cast<int64_t>(values->size()) != channels)
    return std::nullopt;
  isBias = llvm::any_of(*values, [](double v) { return v != 0.0; });
  return values;
}

/// Fills `parts` from a supported contraction whose result has `channels`
/// output channels, or says why it has no qc form.
static LogicalResult matchContraction(Operation *def, int64_t channels,
                                      unsigned channelDim, ContractionParts &parts,
                                      std::string &reason) {
  auto fail = [&](StringRef why) {
    reason = why.str();
    return failure();
  };
  auto resultType = cast<RankedTensorType>(def->getResult(0).getType());
  auto checkBatchOne = [&]() {
    return resultType.getRank() == 3 && resultType.hasStaticShape() &&
           resultType.getDimSize(0) == 1;
  };
  if (auto op = dyn_cast<tosa::MatMulOp>(def)) {
    if (!isZeroPoint(op.getAZp()) || !isZeroPoint(op.getBZp()))
      return fail("float tosa.matmul with non-zero zero points");
    if (!checkBatchOne())
      return fail("qc.matmul has no batch dimension: only a static batch of 1 is "
                  "folded");
    parts.kind = ContractionKind::BatchMatmul;
    parts.input = op.getA();
    parts.weight = op.getB();
    return success();
  }
  if (isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp>(def)) {
    auto get = [&](auto op) {
      parts.input = op.getInput();
      parts.weight = op.getWeight();
      parts.padding = SmallVector<int64_t>(op.getPad());
      parts.strides = SmallVector<int64_t>(op.getStride());
      parts.dilations = SmallVector<int64_t>(op.getDilation());
      return std::tuple{op.getBias(), op.getInputZp(), op.getWeightZp()};
    };
    auto [bias, inputZp, weightZp] = isa<tosa::Conv2DOp>(def)
                                         ? get(cast<tosa::Conv2DOp>(def))
                                         : get(cast<tosa::DepthwiseConv2DOp>(def));
    if (!isZeroPoint(inputZp) || !isZeroPoint(weightZp))
      return fail("float TOSA convolution with non-zero zero points");
    bool isBias = false;
    std::optional<SmallVector<double>> values = getTosaBias(bias, channels, isBias);
    if (!values)
      return fail("the bias operand is not a per-channel constant");
    if (isBias)
      parts.initBias = std::move(values);
    if (isa<tosa::Conv2DOp>(def)) {
      parts.kind = ContractionKind::ConvFHWC;
      return success();
    }
    // [KH, KW, C, M]: only a channel multiplier of 1 keeps the channel order
    // of qc's grouped filter.
    auto weightType = cast<RankedTensorType>(parts.weight.getType());
    if (weightType.getDimSize(3) != 1)
      return fail("depthwise channel multiplier other than 1");
    parts.kind = ContractionKind::Depthwise;
    return success();
  }

  auto linalgOp = cast<linalg::LinalgOp>(def);
  if (auto op = dyn_cast<linalg::MatmulOp>(def)) {
    if (op.hasUserDefinedMaps() &&
        failed(getMatmulTransposes(op, parts.transposeInput, parts.transposeWeight)))
      return fail("user-defined indexing maps other than transposes of A or B "
                  "are not the form of qc.matmul");
    parts.kind = ContractionKind::Matmul;
  } else if (auto op = dyn_cast<linalg::BatchMatmulOp>(def)) {
    if (op.hasUserDefinedMaps())
      return fail("user-defined indexing maps are not the form of qc.matmul");
    if (!checkBatchOne())
      return fail("qc.matmul has no batch dimension: only a static batch of 1 is "
                  "folded");
    parts.kind = ContractionKind::BatchMatmul;
  } else if (auto op = dyn_cast<linalg::Conv2DNhwcHwcfOp>(def)) {
    parts.kind = ContractionKind::Conv;
    parts.strides = readInts(op.getStrides());
    parts.dilations = readInts(op.getDilations());
  } else if (auto op = dyn_cast<linalg::Conv2DNhwcFhwcOp>(def)) {
    parts.kind = ContractionKind::ConvFHWC;
    parts.strides = readInts(op.getStrides());
    parts.dilations = readInts(op.getDilations());
  } else if (auto op = dyn_cast<linalg::Conv2DNchwFchwOp>(def)) {
    parts.kind = ContractionKind::ConvNCHW;
    parts.strides = readInts(op.getStrides());
    parts.dilations = readInts(op.getDilations());
  } else if (auto op = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(def)) {
    parts.kind = ContractionKind::DepthwiseNCHW;
    parts.strides = readInts(op.getStrides());
    parts.dilations = readInts(op.getDilations());
  } else {
    auto depthwise = cast<linalg::DepthwiseConv2DNhwcHwcOp>(def);
    parts.kind = ContractionKind::Depthwise;
    parts.strides = readInts(depthwise.getStrides());
    parts.dilations = readInts(depthwise.getDilations());
  }
  parts.input = linalgOp.getDpsInputOperand(0)->get();
  parts.weight = linalgOp.getDpsInputOperand(1)->get();

  // The accumulator init is zero or a broadcast bias (torch-mlir's conv).
  Value init = linalgOp.getDpsInitOperand(0)->get();
  if (!isZeroInit(init)) {
    AffineMap identity = AffineMap::getMultiDimIdentityMap(
        cast<RankedTensorType>(init.getType()).getRank(), def->getContext());
    parts.initBias = getChannelVector(init, identity, channels, channelDim);
    if (!parts.initBias)
      return fail("the accumulator init is neither zero nor a per-channel constant "
                  "bias");
  }
  // A zero pad of H and W before a convolution is qc.conv2d's padding.
  if (auto pad = parts.input.getDefiningOp<tensor::PadOp>();
      pad && parts.kind != ContractionKind::Matmul &&
      parts.kind != ContractionKind::BatchMatmul) {
    double padValue = 0.0;
    std::optional<SmallVector<int64_t>> p =
        getSpatialPadding(pad, padValue,
                          parts.kind == ContractionKind::ConvNCHW ||
                              parts.kind == ContractionKind::DepthwiseNCHW);
    if (!p || padValue != 0.0)
      return fail("the input pad is not a constant zero pad of H and W");
    parts.padding = *p;
    parts.input = pad.getSource();
  }
  return success();
}

/// The most codes readExactMean's repeated filter may have (4 Mi).
static constexpr int64_t kMaxTiledFilter = int64_t(1) << 22;

/// A 1x1 convolution of a global average pool with no quantize between them
/// (a squeeze-excite block: ONNX GlobalAveragePool -> Conv, which ONNX
/// Runtime runs in float on the exact mean). qc.avg_pool2d rounds the mean to
/// its input's grid, a rounding the model does not ask for; instead the
/// convolution reads the pool's input x ([N, H, W, C]) with its filter
/// repeated over the whole H x W window and the weight scales divided by
/// n = H * W:
///   acc[f] = sum_{h,w,c} (x[h,w,c] - z_x) (w[c,f] - z_w[f]),
///   real   = acc * s_x * s_w[f] / n
/// is the convolution of the exact mean, and the output requantization (with
/// the bias on the n times finer grid s_x * s_w[f] / n) its only rounding.
/// Only while the accumulator bound of qc.conv2d, n * C * max|x - z_x| *
/// max|w - z_w| <= 2^31 - 1, holds, and the repeated filter stays within
/// kMaxTiledFilter codes (it costs n times the filter's memory and
/// multiply-adds: a squeeze-excite filter is small, a classifier is not);
/// otherwise the rounded mean stays. On success `input`, `weight` and the
/// window of `parts` describe the new convolution; the pool becomes dead.
static bool readExactMean(DetachedOps &ops, Location loc, ContractionParts &parts,
                          Value &input, Value &weight) {
  auto pool = input.getDefiningOp<AvgPool2DOp>();
  if (!pool || !pool->hasOneUse() || !parts.input.hasOneUse() ||
      llvm::any_of(parts.padding, [](int64_t p) { return p != 0; }) ||
      llvm::any_of(pool.getPadding(), [](int64_t p) { return p != 0; }))
    return false;
  auto sourceType = cast<RankedTensorType>(pool.getInput().getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  if (!sourceType.hasStaticShape() || !weightType.hasStaticShape() ||
      sourceType.getRank() != 4 || weightType.getRank() != 4)
    return false;
  int64_t h = sourceType.getDimSize(1), w = sourceType.getDimSize(2);
  int64_t c = sourceType.getDimSize(3), f = weightType.getDimSize(3);
  if (pool.getKernel() != ArrayRef<int64_t>{h, w} || weightType.getDimSize(0) != 1 ||
      weightType.getDimSize(1) != 1 || weightType.getDimSize(2) != c)
    return false;
  DenseIntElementsAttr codes = getQuantizedConstant(weight);
  if (!codes)
    return false;
  QuantizedType wtype = getQuantizedElementType(weightType);
  int64_t n = h * w;
  __int128 bound = static_cast<__int128>(n) * c *
                   maxAbsCentered(getQuantizedElementType(sourceType)) *
                   maxAbsCentered(wtype);
  if (bound > std::numeric_limits<int32_t>::max() || n * c * f > kMaxTiledFilter)
    return false;
  SmallVector<double> scales = getScales(wtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(wtype);
  scales.resize(f, scales.front());
  zeroPoints.resize(f, zeroPoints.front());
  for (double &s : scales)
    s /= static_cast<double>(n);
  auto tiledType = UniformQuantizedPerAxisType::get(
      wtype.getFlags(), wtype.getStorageType(), wtype.getExpressedType(), scales,
      zeroPoints, 3, wtype.getStorageTypeMin(), wtype.getStorageTypeMax());
  SmallVector<int64_t> filter = getCodes(codes, wtype.isSigned()), tiled;
  tiled.reserve(n * filter.size());
  for (int64_t i = 0; i < n; ++i)
    tiled.append(filter);
  weight = buildQuantizedConstant(ops, loc, {h, w, c, f}, tiledType, tiled);
  input = pool.getInput();
  parts.strides = {1, 1};
  parts.dilations = {1, 1};
  return true;
}

namespace {

struct ContractionToQC final : OpRewritePattern<QuantizeOp> {
  ContractionToQC(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    ClampRange range;
    bool peeled;
    Value chain = peelClamps(op.getInput(), range, peeled);
    Operation *def = chain.getDefiningOp();
    if (!def)
      return rewriter.notifyMatchFailure(op, "no producer");
    if (!chain.hasOneUse()) {
      // Folding would compute the op twice: in integers for this quantize and
      // in float for its other users.
      if (isSupportedContraction(def))
        ctx.noteFloat(def, "its result is also used in float");
      return rewriter.notifyMatchFailure(op, "producer has other users");
    }
    if (op.getType().getRank() == 0)
      return rewriter.notifyMatchFailure(op, "rank-0 result");
    // The output channels of a contraction, as (dimension, count).
    auto getChannels = [&](Operation *contraction) -> std::optional<std::pair<unsigned, int64_t>> {
      unsigned dim = getChannelDim(contraction);
      int64_t count = op.getType().getDimSize(dim);
      if (ShapedType::isDynamic(count))
        return std::nullopt;
      return std::pair{dim, count};
    };

    // A bias added after the contraction (torch-mlir, ONNX importers, TOSA).
    std::optional<SmallVector<double>> bias;
    if (std::optional<BinaryMatch> add = matchBinary(def, BinaryKind::Add)) {
      for (auto [main, other, mainMap, otherMap] :
           {std::tuple{add->lhs, add->rhs, add->lhsMap, add->rhsMap},
            std::tuple{add->rhs, add->lhs, add->rhsMap, add->lhsMap}}) {
        Operation *producer = main.getDefiningOp();
        if (!mainMap.isIdentity() || !producer || !main.hasOneUse() ||
            !isSupportedContraction(producer))
          continue;
        auto producerChannels = getChannels(producer);
        if (!producerChannels)
          continue;
        if ((bias = getChannelVector(other, otherMap, producerChannels->second,
                                     producerChannels->first))) {
          def = producer;
          break;
        }
      }
      if (!bias)
        return rewriter.notifyMatchFailure(
            op, "add is neither a bias add of a contraction nor handled here");
    }
    if (!isSupportedContraction(def))
      return rewriter.notifyMatchFailure(op, "producer is not a supported contraction");
    auto channelInfo = getChannels(def);
    if (!channelInfo)
      return rewriter.notifyMatchFailure(op, "dynamic channel count");
    auto [channelDim, channels] = *channelInfo;

    auto reject = [&](StringRef reason) {
      ctx.noteFloat(def, reason);
      return rewriter.notifyMatchFailure(op, reason);
    };
    ContractionParts parts;
    std::string reason;
    if (failed(matchContraction(def, channels, channelDim, parts, reason)))
      return reject(reason);
    if (parts.initBias) {
      if (!bias)
        bias = std::move(parts.initBias);
      else
        for (auto [b, i] : llvm::zip_equal(*bias, *parts.initBias))
          b += i;
    }
    Value qInput = getDequantizedSource(parts.input);
    Value qWeight = getDequantizedSource(parts.weight);
    if (!qInput || !qWeight)
      return reject("an operand is not quantized (no fake_quant or dequantize)");

    QuantizedType resultType = getQuantizedElementType(op.getType());
    DenseI64ArrayAttr clamp;
    if (peeled) {
      auto codes = getClampCodes(range, resultType, op.getRounding());
      if (!codes)
        return reject("a clamp on a per-axis quantized result has no single integer "
                      "range");
      clamp = getClampAttr(getContext(), *codes, resultType);
    }

    DetachedOps ops(getContext());
    Location loc = def->getLoc();
    if (parts.transposeInput)
      qInput = buildTranspose(ops, loc, qInput, {1, 0});
    if (parts.transposeWeight)
      qWeight = buildTranspose(ops, loc, qWeight, {1, 0});
    if (failed(toQCLayout(ops, loc, parts.kind, qInput, qWeight, reason)))
      return reject(reason);
    if (parts.kind == ContractionKind::Conv)
      readExactMean(ops, loc, parts, qInput, qWeight);

    Value biasValue;
    if (bias) {
      FailureOr<Value> built = buildBias(
          ops, loc, *bias, getQuantizedElementType(qInput.getType()), qWeight, reason);
      if (failed(built))
        return reject(reason);
      biasValue = *built;
    }

    auto profile = RequantProfileAttr::get(getContext(), ctx.profile);
    Operation *created;
    if (parts.kind == ContractionKind::Matmul) {
      created = ops.create<MatmulOp>(loc, op.getType(), qInput, qWeight, biasValue,
                                     profile, clamp);
    } else if (parts.kind == ContractionKind::BatchMatmul) {
      auto flatType = RankedTensorType::get(op.getType().getShape().drop_front(),
                                            op.getType().getElementType());
      auto matmul = ops.create<MatmulOp>(loc, flatType, qInput, qWeight, biasValue,
                                         profile, clamp);
      created = ops.create<ReshapeOp>(loc, op.getType(), matmul.getResult());
    } else {
      bool depthwise = parts.kind == ContractionKind::Depthwise ||
                       parts.kind == ContractionKind::DepthwiseNCHW;
      int64_t groups =
          depthwise ? cast<RankedTensorType>(qInput.getType()).getDimSize(3) : 1;
      bool nchw = parts.kind == ContractionKind::ConvNCHW ||
                  parts.kind == ContractionKind::DepthwiseNCHW;
      RankedTensorType convType = op.getType();
      if (nchw) {
        ArrayRef<int64_t> shape = convType.getShape();
        convType = RankedTensorType::get({shape[0], shape[2], shape[3], shape[1]},
                                         convType.getElementType());
      }
      created = ops.create<Conv2DOp>(
          loc, convType, qInput, qWeight, biasValue,
          DenseI64ArrayAttr::get(getContext(), parts.strides),
          DenseI64ArrayAttr::get(getContext(), parts.padding),
          DenseI64ArrayAttr::get(getContext(), parts.dilations),
          rewriter.getI64IntegerAttr(groups), profile, clamp);
      if (nchw)
        created = ops.create<TransposeOp>(
            loc, created->getResult(0),
            DenseI64ArrayAttr::get(getContext(), {0, 3, 1, 2}));
    }
    return commitOrExplain(rewriter, ops, created, op, def, ctx);
  }

private:
  /// Brings the quantized operands to the layouts of qc.matmul ([M, K] x
  /// [K, N]) and qc.conv2d (NHWC x [KH, KW, C / groups, F]).
  static LogicalResult toQCLayout(DetachedOps &ops, Location loc, ContractionKind kind,
                                  Value &input, Value &weight, std::string &reason) {
    auto fail = [&](StringRef why) {
      reason = why.str();
      return failure();
    };
    auto weightType = cast<RankedTensorType>(weight.getType());
    switch (kind) {
    case ContractionKind::Matmul:
    case ContractionKind::Conv:
      return success();
    case ContractionKind::ConvFHWC: {
      // [F, KH, KW, C] to HWCF; a per-axis axis moves with its dimension.
      if (weightType.getRank() != 4)
        return fail("the filter is not rank 4");
      weight = buildTranspose(ops, loc, weight, {1, 2, 3, 0});
      return success();
    }
    case ContractionKind::ConvNCHW: {
      // NCHW to NHWC and [F, C, KH, KW] to HWCF; the result goes back to
      // NCHW after the conv.
      if (weightType.getRank() != 4)
        return fail("the filter is not rank 4");
      input = buildTranspose(ops, loc, input, {0, 2, 3, 1});
      weight = buildTranspose(ops, loc, weight, {2, 3, 1, 0});
      return success();
    }
    case ContractionKind::DepthwiseNCHW: {
      // NCHW to NHWC and [C, KH, KW] to [KH, KW, 1, C]: a constant filter is
      // re-emitted (its per-axis axis 0 becomes 3), others need per-tensor
      // parameters for qc.reshape.
      if (weightType.getRank() != 3 || !weightType.hasStaticShape())
        return fail("the depthwise filter is not a static [C, KH, KW] tensor");
      input = buildTranspose(ops, loc, input, {0, 2, 3, 1});
      ArrayRef<int64_t> shape = weightType.getShape();
      SmallVector<int64_t> newShape = {shape[1], shape[2], 1, shape[0]};
      QuantizedType qtype = getQuantizedElementType(weightType);
      if (DenseIntElementsAttr codes = getQuantizedConstant(weight)) {
        SmallVector<int64_t> perm = {1, 2, 0};
        QuantizedType moved = qtype;
        if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
          if (perAxis.getQuantizedDimension() != 0)
            return fail("a per-axis depthwise filter must be quantized along C");
          moved = UniformQuantizedPerAxisType::get(
              perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
              perAxis.getScales(), perAxis.getZeroPoints(), 3,
              perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
        }
        weight = buildQuantizedConstant(
            ops, loc, newShape, moved,
            permuteElements(getCodes(codes, qtype.isSigned()), shape, perm));
        return success();
      }
      if (isa<UniformQuantizedPerAxisType>(qtype))
        return fail("a depthwise filter that is not a constant must be quantized "
                    "per tensor");
      weight = buildTranspose(ops, loc, weight, {1, 2, 0});
      weight = ops.create<ReshapeOp>(loc, RankedTensorType::get(newShape, qtype), weight)
                   .getResult();
      return success();
    }
    case ContractionKind::Depthwise: {
      // [KH, KW, C] (linalg) or [KH, KW, C, 1] (TOSA) to [KH, KW, 1, C].
      if (weightType.getRank() < 3)
        return fail("the depthwise filter has rank < 3");
      FailureOr<Value> filter = reshapeQuantized(
          ops, loc, weight,
          {weightType.getDimSize(0), weightType.getDimSize(1), 1, weightType.getDimSize(2)},
          2, 3);
      if (failed(filter))
        return fail("a depthwise filter that is not a constant must be quantized "
                    "per tensor");
      weight = *filter;
      return success();
    }
    case ContractionKind::BatchMatmul: {
      auto inputType = cast<RankedTensorType>(input.getType());
      FailureOr<Value> lhs = reshapeQuantized(
          ops, loc, input, inputType.getShape().drop_front(), /*oldAxis=*/-1, 0);
      FailureOr<Value> rhs =
          reshapeQuantized(ops, loc, weight, weightType.getShape().drop_front(), 2, 1);
      if (failed(lhs) || failed(rhs))
        return fail("a batched operand that is not a constant must be quantized per "
                    "tensor to drop the batch");
      input = *lhs;
      weight = *rhs;
      return success();
    }
    }
    return failure();
  }

  FoldContext ctx;
};

} // namespace

void fold::populateContractionPatterns(RewritePatternSet &patterns,
                                       const FoldContext &ctx) {
  patterns.add<ContractionToQC>(patterns.getContext(), ctx);
}
