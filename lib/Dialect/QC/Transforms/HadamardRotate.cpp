//===- HadamardRotate.cpp - --qc-hadamard-rotate --------------------------===//
//
// Rotates the reduction dimension of float linear layers by an orthogonal
// randomized Hadamard matrix Q = (I (x) H_b / sqrt(b)) D (QuaRot; H_b
// Sylvester, or H_m (x) H_(2^k) with a Paley H_m, HadamardMatrix.h): with a
// constant weight W [K, N], x W = (Q x)^T (Q W), so the weight becomes Q W
// and the activation gets a qc.hadamard, unless its producer is itself a
// linear layer with a constant weight and no other user, whose output
// channels then absorb Q (W1 -> W1 Q^T) and no online transform is needed.
// Float semantics are unchanged (up to rounding); the point is that outlier
// channels of x are spread over the whole block before x is quantized,
// which is why this runs on the float model, before calibration.
// A K that no supported block divides (an odd K) is zero-padded to the
// smallest supported block size K' >= K: x W = [x, 0] [W; 0], and that
// product is rotated as one block (the weight grows to [K', N]; the input
// gets a tensor.pad before its qc.hadamard). docs/Hadamard.md has the rule
// and the measurements.
//
//===----------------------------------------------------------------------===//
#include "ConstantWeights.h"
#include "OpOverride.h"
#include "qc/Dialect/QC/IR/HadamardMatrix.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <map>
#include <random>

namespace mlir::qc {
#define GEN_PASS_DEF_QCHADAMARDROTATE
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {

constexpr StringLiteral kOverrideAttr = "qc.hadamard_rotate";

/// A float linear layer whose reduction dimension can be rotated.
struct Layer {
  Operation *op;
  ConstantWeight weight;
  /// Weight as [K, N] rows x cols (a 1x1 filter [1, 1, C, F] is [C, F]).
  int64_t k = 0, n = 0;
  /// The reduction size once rotated: k, or the block k is zero-padded to.
  int64_t padded = 0;
  std::vector<double> w;
  int64_t block = 0;
  bool explicitBlock = false;
  std::vector<bool> negate;
  /// Set when the producer absorbs the rotation of this layer's input.
  Operation *foldedInto = nullptr;
};

/// Matches linalg.matmul / 1x1 linalg.conv_2d_nhwc_hwcf with a float
/// constant weight; the reason in `why` otherwise (empty: not a layer).
std::optional<Layer> matchLayer(Operation *op, std::string &why) {
  if (auto mm = dyn_cast<linalg::MatmulOp>(op)) {
    if (mm.hasUserDefinedMaps())
      return std::nullopt;
  } else if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op)) {
    auto type = cast<ShapedType>(conv.getInputs()[1].getType());
    if (type.getRank() != 4 || type.getDimSize(0) != 1 || type.getDimSize(1) != 1) {
      why = "only 1x1 convolutions are linear in their channels alone";
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  auto linalgOp = cast<linalg::LinalgOp>(op);
  auto type = dyn_cast<RankedTensorType>(linalgOp.getDpsInputs()[1].getType());
  if (!type || !isa<FloatType>(type.getElementType()))
    return std::nullopt;
  if (isa_and_nonnull<FakeQuantOp, quant::DequantizeCastOp>(
          linalgOp.getDpsInputs()[1].getDefiningOp()) ||
      isa_and_nonnull<FakeQuantOp, quant::DequantizeCastOp>(
          linalgOp.getDpsInputs()[0].getDefiningOp())) {
    why = "already fake-quantized: rotate the float model before "
          "calibrating it";
    return std::nullopt;
  }
  std::optional<ConstantWeight> weight = matchConstantWeight(op, 1);
  if (!weight) {
    why = "the weight is not a constant";
    return std::nullopt;
  }
  Layer layer;
  layer.op = op;
  layer.weight = *weight;
  layer.n = type.getShape().back();
  layer.k = type.getNumElements() / std::max<int64_t>(layer.n, 1);
  for (const APFloat &v : weight->values.getValues<APFloat>()) {
    bool lost;
    APFloat d = v;
    d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    layer.w.push_back(d.convertToDouble());
  }
  return layer;
}

/// y = Q x for one vector of length n (blockwise H_b / sqrt(b) after D).
void rotate(std::vector<double> &x, int64_t block,
            const std::vector<bool> &negate) {
  for (size_t i = 0; i < x.size(); ++i)
    if (negate[i])
      x[i] = -x[i];
  applyHadamardBlocks<double>(x, block);
  double scale = 1.0 / std::sqrt(double(block));
  for (double &v : x)
    v *= scale;
}

/// The smallest supported block size >= k (k > 1): the size an odd
/// reduction dimension is zero-padded to.
int64_t smallestHadamardBlockAtLeast(int64_t k) {
  int64_t b = k;
  while (!isSupportedHadamardBlock(b))
    ++b;
  return b;
}

/// The producer of a layer's input that can absorb the rotation: a matmul
/// with a constant float weight, zero init and no other user. A padded
/// layer's rotation is not absorbed (its producer would need K' outputs).
Layer *absorbingProducer(Layer &layer, std::map<Operation *, Layer *> &layers) {
  if (layer.padded != layer.k)
    return nullptr;
  Value input = cast<linalg::LinalgOp>(layer.op).getDpsInputs()[0];
  Operation *producer = input.getDefiningOp();
  auto it = layers.find(producer);
  if (it == layers.end() || !isa<linalg::MatmulOp>(producer) ||
      !input.hasOneUse())
    return nullptr;
  Value init = cast<linalg::LinalgOp>(producer).getDpsInits()[0];
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
    return nullptr;
  return it->second;
}

struct HadamardRotatePass final
    : qc::impl::QCHadamardRotateBase<HadamardRotatePass> {
  using QCHadamardRotateBase::QCHadamardRotateBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (block != 0 && !isSupportedHadamardBlock(block)) {
      mlir::emitError(module.getLoc())
          << "qc-hadamard-rotate: option 'block' must be 0 (automatic) or "
          << describeHadamardBlocks() << ", got " << int64_t(block);
      return signalPassFailure();
    }
    std::vector<Layer> layers;
    bool failedAny = false;
    uint64_t skipped = 0;
    module.walk([&](Operation *op) {
      int64_t requested = block;
      bool explicitBlock = block != 0;
      FailureOr<std::optional<OpOverride>> override = OpOverride::read(
          op, "qc-hadamard-rotate", kOverrideAttr, {"block"}, "{block = 8}");
      if (failed(override)) {
        failedAny = true;
        return;
      }
      if (*override) {
        if ((*override)->disabled())
          return;
        FailureOr<std::optional<int64_t>> b = (*override)->getInteger("block");
        if (failed(b)) {
          failedAny = true;
          return;
        }
        if (*b && !isSupportedHadamardBlock(**b)) {
          (*override)->emitOptionError("block")
              << "must be " << describeHadamardBlocks();
          failedAny = true;
          return;
        }
        if (*b) {
          requested = **b;
          explicitBlock = true;
        }
      }
      if (isa<MatmulOp, Conv2DOp>(op)) {
        op->emitRemark("qc-hadamard-rotate: not rotated: quantized activations "
                       "need their scale calibrated after the rotation (rotate "
                       "the float model before calibrating it)");
        ++skipped;
        return;
      }
      std::string why;
      std::optional<Layer> layer = matchLayer(op, why);
      if (!layer) {
        if (!why.empty()) {
          op->emitRemark() << "qc-hadamard-rotate: not rotated: " << why;
          ++skipped;
        }
        return;
      }
      int64_t k = layer->k;
      layer->padded = k;
      if (requested == 0) {
        requested = largestHadamardBlock(k);
        if (requested < 2 && k < 2) {
          op->emitRemark() << "qc-hadamard-rotate: not rotated: the reduction "
                              "dimension has size "
                           << k;
          ++skipped;
          return;
        }
        if (requested < 2)
          requested = layer->padded = smallestHadamardBlockAtLeast(k);
      } else if (k % requested != 0) {
        op->emitError() << "qc-hadamard-rotate: option 'block' = " << requested
                        << " cannot rotate the reduction dimension of size "
                        << k << " (it must divide it)";
        failedAny = true;
        return;
      }
      layer->block = requested;
      layer->explicitBlock = explicitBlock;
      layers.push_back(std::move(*layer));
    });
    if (failedAny)
      return signalPassFailure();

    // Signs: one deterministic draw per layer, in walk order.
    std::mt19937_64 rng(seed);
    for (Layer &layer : layers) {
      layer.negate.assign(layer.padded, false);
      if (randomize)
        for (int64_t i = 0; i < layer.padded; ++i)
          layer.negate[i] = (rng() >> 63) != 0;
    }
    std::map<Operation *, Layer *> byOp;
    for (Layer &layer : layers)
      byOp[layer.op] = &layer;

    // Rotate rows (input side) of every layer; a padded layer's weight
    // gets its zero rows first.
    for (Layer &layer : layers) {
      layer.w.resize(layer.padded * layer.n, 0.0);
      std::vector<double> column(layer.padded);
      for (int64_t c = 0; c < layer.n; ++c) {
        for (int64_t r = 0; r < layer.padded; ++r)
          column[r] = layer.w[r * layer.n + c];
        rotate(column, layer.block, layer.negate);
        for (int64_t r = 0; r < layer.padded; ++r)
          layer.w[r * layer.n + c] = column[r];
      }
      if (Layer *producer = foldProducers ? absorbingProducer(layer, byOp)
                                          : nullptr) {
        // The producer's output channels absorb Q: W1 -> W1 Q^T, i.e.
        // every row of W1 (as a column vector) is multiplied by Q.
        std::vector<double> row(producer->n);
        int64_t rows = producer->w.size() / producer->n;
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t c = 0; c < producer->n; ++c)
            row[c] = producer->w[r * producer->n + c];
          rotate(row, layer.block, layer.negate);
          for (int64_t c = 0; c < producer->n; ++c)
            producer->w[r * producer->n + c] = row[c];
        }
        layer.foldedInto = producer->op;
      }
    }

    uint64_t online = 0, folded = 0;
    for (Layer &layer : layers) {
      OpBuilder builder(layer.op);
      auto type = cast<RankedTensorType>(layer.weight.constant.getType());
      auto floatType = cast<FloatType>(type.getElementType());
      if (layer.padded != layer.k) {
        SmallVector<int64_t> shape(type.getShape());
        shape[shape.size() - 2] = layer.padded;
        type = RankedTensorType::get(shape, floatType);
      }
      SmallVector<APFloat> elems;
      for (double v : layer.w) {
        APFloat f(v);
        bool lost;
        f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &lost);
        elems.push_back(f);
      }
      replaceConstantWeight(layer.weight, DenseElementsAttr::get(type, elems));
      int64_t negated = llvm::count(layer.negate, true);
      InFlightDiagnostic remark = layer.op->emitRemark();
      remark << "qc-hadamard-rotate: reduction dimension " << layer.k;
      if (layer.padded != layer.k)
        remark << " zero-padded to " << layer.padded << " and";
      remark << " rotated in blocks of " << layer.block << " (" << negated
             << " signs flipped); ";
      if (layer.foldedInto) {
        remark << "the producer's output channels absorb the rotation";
        ++folded;
        continue;
      }
      remark << "online qc.hadamard on the input";
      Value input = layer.op->getOperand(0);
      if (layer.padded != layer.k) {
        // [x, 0] along the channels (the last dimension of a matmul's
        // [M, K] and of a convolution's NHWC input).
        int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
        SmallVector<OpFoldResult> low(rank, builder.getIndexAttr(0));
        SmallVector<OpFoldResult> high(low);
        high.back() = builder.getIndexAttr(layer.padded - layer.k);
        Value zero = arith::ConstantOp::create(
            builder, layer.op->getLoc(), builder.getZeroAttr(floatType));
        input = tensor::PadOp::create(builder, layer.op->getLoc(),
                                      /*resultType=*/Type(), input, low, high,
                                      zero);
      }
      SmallVector<bool> negate(layer.negate.begin(), layer.negate.end());
      auto hadamard = HadamardOp::create(
          builder, layer.op->getLoc(), input.getType(), input,
          builder.getI64IntegerAttr(layer.block),
          llvm::is_contained(negate, true) ? builder.getDenseBoolArrayAttr(negate)
                                           : DenseBoolArrayAttr(),
          RequantProfileAttr::get(builder.getContext(),
                                  RequantProfile::DoubleRound),
          DenseI64ArrayAttr());
      layer.op->setOperand(0, hadamard);
      ++online;
    }
    addStatistic(*this, numRotated, "rotated-layers", layers.size());
    addStatistic(*this, numOnline, "online-hadamards", online);
    addStatistic(*this, numFolded, "folded-rotations", folded);
    addStatistic(*this, numSkipped, "skipped-layers", skipped);
  }
};

} // namespace
