//===- RemoveZeroChannels.cpp - the --qc-remove-zero-channels pass -------===//
//
// A qc.matmul / qc.conv2d output channel f whose weights all equal the zero
// point accumulates only its bias, so its output is the constant
//   c_f = clamp(requant(bias[f], s_in * s_w[f] / s_y) + z_y, lo, hi)
// for every input. Removing f is exact when every consumer can absorb that
// constant: a qc.matmul consumer adds (c_f - z_y) * (w2[f, p] - z_w2[p]) to
// its i32 bias (the bias scale s_y * s_w2[p] is exactly the scale of that
// product), a qc.conv2d consumer without padding adds the same summed over
// its window. Anything else (a return, an elementwise op, a padded conv with
// c_f != z_y) keeps the channel, with a remark saying why.
//
// This needs the qc ops (the producer's requantization and the consumer's
// bias are gone after --qc-lower-to-linalg), so the pass runs before the
// lowering; --qc-sparsify encodes the remaining zeros after it.
//
//===----------------------------------------------------------------------===//
#include "qc/Dialect/QC/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "qc/Dialect/QC/IR/QCOps.h"
#include "qc/Numerics/FixedPoint.h"
#include "qc/Support/PassStatistics.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCREMOVEZEROCHANNELS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {

/// A quantized constant: `quant.scast(arith.constant dense<codes>)`.
struct QuantConst {
  DenseIntElementsAttr codes;
  quant::QuantizedType type;
  RankedTensorType tensorType;

  int64_t code(int64_t flat) const {
    APInt v = codes.getValues<APInt>()[flat];
    return type.isSigned() ? v.getSExtValue() : int64_t(v.getZExtValue());
  }
};

std::optional<QuantConst> matchQuantConst(Value value) {
  auto scast = value.getDefiningOp<quant::StorageCastOp>();
  if (!scast)
    return std::nullopt;
  DenseIntElementsAttr codes;
  if (!matchPattern(scast.getInput(), m_Constant(&codes)))
    return std::nullopt;
  auto tensorType = dyn_cast<RankedTensorType>(value.getType());
  quant::QuantizedType type = getQuantizedElementType(value.getType());
  if (!tensorType || !type || !tensorType.hasStaticShape())
    return std::nullopt;
  return QuantConst{codes, type, tensorType};
}

/// Value of a per-tensor (one entry) or per-channel parameter list.
template <typename T> T param(ArrayRef<T> values, int64_t channel) {
  return values.size() == 1 ? values[0] : values[channel];
}

/// The type with the per-axis parameters of the channels `keep` only.
quant::QuantizedType keepChannels(quant::QuantizedType type,
                                  ArrayRef<int64_t> keep) {
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type);
  if (!perAxis)
    return type;
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  for (int64_t c : keep) {
    scales.push_back(perAxis.getScales()[c]);
    zeroPoints.push_back(perAxis.getZeroPoints()[c]);
  }
  return quant::UniformQuantizedPerAxisType::get(
      perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
      scales, zeroPoints, perAxis.getQuantizedDimension(),
      perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
}

/// Materializes `quant.scast(arith.constant)` of the given codes and shape.
Value buildQuantConst(OpBuilder &builder, Location loc, ArrayRef<int64_t> shape,
                      quant::QuantizedType type, ArrayRef<APInt> codes) {
  auto storageType = RankedTensorType::get(shape, type.getStorageType());
  auto constant = arith::ConstantOp::create(
      builder, loc, DenseElementsAttr::get(storageType, codes));
  return quant::StorageCastOp::create(
      builder, loc, RankedTensorType::get(shape, type), constant);
}

/// Codes of `c` with the indices `keep` of dimension `dim` only.
SmallVector<APInt> sliceCodes(const QuantConst &c, int64_t dim,
                              ArrayRef<int64_t> keep,
                              SmallVector<int64_t> &shape) {
  ArrayRef<int64_t> full = c.tensorType.getShape();
  shape.assign(full.begin(), full.end());
  shape[dim] = int64_t(keep.size());
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < int64_t(full.size()); ++d)
    inner *= full[d];
  int64_t outer = c.tensorType.getNumElements() / (inner * full[dim]);
  auto values = c.codes.getValues<APInt>();
  SmallVector<APInt> out;
  out.reserve(outer * keep.size() * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : keep)
      for (int64_t i = 0; i < inner; ++i)
        out.push_back(values[(o * full[dim] + k) * inner + i]);
  return out;
}

/// Replaces operand `index` of `op` (appending it if absent: the optional
/// bias is the last operand of qc.matmul / qc.conv2d) and erases the old
/// constant chain when nothing else uses it.
void replaceOperand(Operation *op, unsigned index, Value value) {
  if (index == op->getNumOperands()) {
    op->insertOperands(index, value);
    return;
  }
  Value old = op->getOperand(index);
  op->setOperand(index, value);
  if (auto scast = old.getDefiningOp<quant::StorageCastOp>();
      scast && scast->use_empty()) {
    Operation *constant = scast.getInput().getDefiningOp();
    scast->erase();
    if (constant && constant->use_empty())
      constant->erase();
  }
}

/// What a producer's consumers need to absorb the removed channels.
struct Consumer {
  Operation *op;
  QuantConst weight;
  std::optional<QuantConst> bias;
  /// Dimension of the consumer weight indexed by the producer's channels.
  int64_t inputDim;
};

/// Checks that the user of `use` can absorb the removed channels (whose
/// constant outputs all equal z_y when `constantsAreZero`); sets `why` when
/// it cannot.
FailureOr<Consumer> matchConsumer(OpOperand &use, bool constantsAreZero,
                                  std::string &why) {
  Operation *user = use.getOwner();
  auto withWeight = [&](Value weight, Value bias,
                        int64_t inputDim) -> FailureOr<Consumer> {
    std::optional<QuantConst> w = matchQuantConst(weight);
    if (!w) {
      why = "its consumer's weight is not a constant";
      return failure();
    }
    std::optional<QuantConst> b;
    if (bias && !(b = matchQuantConst(bias))) {
      why = "its consumer's bias is not a constant";
      return failure();
    }
    return Consumer{user, *w, b, inputDim};
  };
  if (auto mm = dyn_cast<MatmulOp>(user)) {
    if (use.getOperandNumber() != 0) {
      why = "its result is the weight of a qc.matmul";
      return failure();
    }
    return withWeight(mm.getRhs(), mm.getBias(), 0);
  }
  if (auto conv = dyn_cast<Conv2DOp>(user)) {
    if (use.getOperandNumber() != 0 || conv.getGroups() != 1) {
      why = "its consumer is a grouped convolution or uses it as filter";
      return failure();
    }
    // Padding holds z_y, not c_f: the border would see a different sum.
    if (!constantsAreZero &&
        llvm::any_of(conv.getPadding(), [](int64_t p) { return p != 0; })) {
      why = "its consumer convolution pads and the removed outputs are not "
            "the zero point";
      return failure();
    }
    return withWeight(conv.getFilter(), conv.getBias(), 2);
  }
  why = "its result is used by '" + user->getName().getStringRef().str() + "'";
  return failure();
}

/// Removes the zero channels of one producer if every consumer can take it;
/// otherwise leaves it alone, with a remark when it had zero channels.
void shrinkProducer(Operation *producer) {
  bool isConv = isa<Conv2DOp>(producer);
  Value weightValue = producer->getOperand(1);
  Value biasValue =
      producer->getNumOperands() > 2 ? producer->getOperand(2) : Value();
  if (isConv && cast<Conv2DOp>(producer).getGroups() != 1)
    return;
  std::optional<QuantConst> weight = matchQuantConst(weightValue);
  if (!weight)
    return;
  ArrayRef<int64_t> shape = weight->tensorType.getShape();
  int64_t channels = shape.back();
  int64_t reduction = weight->tensorType.getNumElements() / channels;
  SmallVector<int64_t> zw = getZeroPoints(weight->type);
  SmallVector<int64_t> keep, removed;
  for (int64_t f = 0; f < channels; ++f) {
    bool zero = true;
    for (int64_t r = 0; r < reduction && zero; ++r)
      zero = weight->code(r * channels + f) == param<int64_t>(zw, f);
    (zero ? removed : keep).push_back(f);
  }
  if (removed.empty())
    return;
  if (keep.empty()) {
    producer->emitRemark()
        << "qc-remove-zero-channels: every output channel is zero; "
           "kept (the op computes a constant)";
    return;
  }
  std::optional<QuantConst> bias;
  if (biasValue && !(bias = matchQuantConst(biasValue))) {
    producer->emitRemark() << "qc-remove-zero-channels: " << removed.size()
                           << " zero output channels kept: the bias is not a "
                              "constant";
    return;
  }

  // Constant output code of every removed channel.
  Value input = producer->getOperand(0);
  quant::QuantizedType inType = getQuantizedElementType(input.getType());
  Type resultType = producer->getResult(0).getType();
  quant::QuantizedType outType = getQuantizedElementType(resultType);
  SmallVector<double> sw = getScales(weight->type);
  double sIn = getScales(inType)[0], sY = getScales(outType)[0];
  int64_t zY = getZeroPoints(outType)[0];
  auto [lo, hi] = getStorageRange(outType);
  if (auto clamp = producer->getAttrOfType<DenseI64ArrayAttr>("clamp")) {
    lo = std::max(lo, clamp[0]);
    hi = std::min(hi, clamp[1]);
  }
  auto profile =
      producer->getAttrOfType<RequantProfileAttr>("profile").getValue();
  SmallVector<int64_t> shifted; // c_f - z_y per removed channel
  for (int64_t f : removed) {
    int64_t acc = bias ? bias->code(f) : 0;
    auto m = numerics::quantizeMultiplier(sIn * param<double>(sw, f) / sY);
    int64_t y =
        int64_t(numerics::applyMultiplier(int32_t(acc), m, profile)) + zY;
    shifted.push_back(std::clamp(y, lo, hi) - zY);
  }
  bool allZero = llvm::all_of(shifted, [](int64_t v) { return v == 0; });

  SmallVector<Consumer> consumers;
  for (OpOperand &use : producer->getResult(0).getUses()) {
    std::string why;
    FailureOr<Consumer> consumer = matchConsumer(use, allZero, why);
    if (failed(consumer)) {
      producer->emitRemark()
          << "qc-remove-zero-channels: " << removed.size() << " of " << channels
          << " output channels are zero but "
          << "kept: " << why;
      return;
    }
    consumers.push_back(*consumer);
  }
  if (consumers.empty())
    return;

  // New biases of the consumers: old bias + the constant channels' share.
  SmallVector<SmallVector<int64_t>> newBiases;
  for (Consumer &c : consumers) {
    ArrayRef<int64_t> wShape = c.weight.tensorType.getShape();
    int64_t outs = wShape.back();
    int64_t window = c.inputDim == 2 ? wShape[0] * wShape[1] : 1;
    SmallVector<int64_t> zw2 = getZeroPoints(c.weight.type);
    SmallVector<int64_t> b(outs, 0);
    for (int64_t p = 0; p < outs; ++p) {
      b[p] = c.bias ? c.bias->code(p) : 0;
      for (auto [i, f] : llvm::enumerate(removed)) {
        if (shifted[i] == 0)
          continue;
        int64_t sum = 0;
        for (int64_t t = 0; t < window; ++t)
          sum += c.weight.code((t * channels + f) * outs + p) -
                 param<int64_t>(zw2, p);
        b[p] += shifted[i] * sum;
      }
      if (b[p] < INT32_MIN || b[p] > INT32_MAX) {
        producer->emitRemark() << "qc-remove-zero-channels: " << removed.size()
                               << " zero output channels kept: the folded "
                                  "bias of a consumer would overflow i32";
        return;
      }
    }
    newBiases.push_back(std::move(b));
  }

  // Rewrite the producer in place: narrower weight, bias, per-axis
  // parameters and result. In place keeps every collected op pointer valid.
  OpBuilder builder(producer);
  Location loc = producer->getLoc();
  SmallVector<int64_t> newShape;
  SmallVector<APInt> codes =
      sliceCodes(*weight, weight->tensorType.getRank() - 1, keep, newShape);
  replaceOperand(producer, 1,
                 buildQuantConst(builder, loc, newShape,
                                 keepChannels(weight->type, keep), codes));
  if (bias) {
    SmallVector<int64_t> biasShape;
    SmallVector<APInt> biasCodes = sliceCodes(*bias, 0, keep, biasShape);
    replaceOperand(producer, 2,
                   buildQuantConst(builder, loc, biasShape,
                                   keepChannels(bias->type, keep), biasCodes));
  }
  auto oldResult = cast<RankedTensorType>(resultType);
  SmallVector<int64_t> resultShape(oldResult.getShape());
  resultShape.back() = int64_t(keep.size());
  producer->getResult(0).setType(
      RankedTensorType::get(resultShape, oldResult.getElementType()));
  producer->emitRemark() << "qc-remove-zero-channels: removed "
                         << removed.size() << " of " << channels
                         << " zero output channels"
                         << (allZero ? ""
                                     : ", constant outputs folded into "
                                       "the consumers' biases");

  // Rewrite the consumers: fewer input channels, folded bias.
  for (auto [c, b] : llvm::zip(consumers, newBiases)) {
    builder.setInsertionPoint(c.op);
    Location cl = c.op->getLoc();
    SmallVector<int64_t> wShape;
    SmallVector<APInt> wCodes = sliceCodes(c.weight, c.inputDim, keep, wShape);
    replaceOperand(c.op, 1,
                   buildQuantConst(builder, cl, wShape, c.weight.type, wCodes));
    if (!c.bias && llvm::all_of(b, [](int64_t v) { return v == 0; }))
      continue;
    quant::QuantizedType biasType;
    if (c.bias) {
      biasType = c.bias->type;
    } else {
      // Bias scale s_y * s_w2[p], zero point 0, i32: qc's bias convention.
      auto i32 = builder.getI32Type();
      SmallVector<double> s2 = getScales(c.weight.type);
      Type expressed = outType.getExpressedType();
      if (s2.size() == 1) {
        biasType = quant::UniformQuantizedType::get(
            quant::QuantizationFlags::Signed, i32, expressed, sY * s2[0], 0,
            INT32_MIN, INT32_MAX);
      } else {
        SmallVector<double> scales;
        for (double s2p : s2)
          scales.push_back(sY * s2p);
        biasType = quant::UniformQuantizedPerAxisType::get(
            quant::QuantizationFlags::Signed, i32, expressed, scales,
            SmallVector<int64_t>(s2.size(), 0), 0, INT32_MIN, INT32_MAX);
      }
    }
    SmallVector<APInt> biasCodes;
    for (int64_t v : b)
      biasCodes.push_back(APInt(32, uint64_t(v), /*isSigned=*/true));
    replaceOperand(
        c.op, 2,
        buildQuantConst(builder, cl, int64_t(b.size()), biasType, biasCodes));
  }
}

} // namespace

int64_t mlir::qc::removeZeroChannels(ModuleOp module) {
  SmallVector<Operation *> producers;
  module.walk([&](Operation *op) {
    if (isa<MatmulOp, Conv2DOp>(op))
      producers.push_back(op);
  });
  int64_t removed = 0;
  auto channels = [](Operation *op) {
    return cast<RankedTensorType>(op->getResult(0).getType()).getShape().back();
  };
  for (Operation *op : producers) {
    int64_t before = channels(op);
    shrinkProducer(op);
    removed += before - channels(op);
  }
  return removed;
}

namespace {
struct RemoveZeroChannelsPass final
    : qc::impl::QCRemoveZeroChannelsBase<RemoveZeroChannelsPass> {
  void runOnOperation() override {
    addStatistic(*this, numRemovedChannels, "removed-channels",
                 removeZeroChannels(getOperation()));
  }
};
} // namespace
