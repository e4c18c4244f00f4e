//===- LowRankQuantized.cpp - --qc-low-rank on qc.matmul and qc.conv2d ----===//
#include "LowRankRewriter.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowrank;

LogicalResult LowRankRewriter::rewriteQuantized(
    Operation *op, Value input, Value weight, Value bias,
    function_ref<Value(OpBuilder &, Location, Type, Value, Value)> createFirst,
    function_ref<Value(OpBuilder &, Location, Type, Value, Value, Value)>
        createSecond) {
  // Only quantized constants (arith.constant + quant.scast) are factorized.
  auto cast = weight.getDefiningOp<quant::StorageCastOp>();
  DenseIntElementsAttr codes;
  if (!cast || !matchPattern(cast.getInput(), m_Constant(&codes)))
    return success();
  DenseIntElementsAttr biasCodes;
  if (bias) {
    auto biasCast = bias.getDefiningOp<quant::StorageCastOp>();
    if (!biasCast || !matchPattern(biasCast.getInput(), m_Constant(&biasCodes))) {
      op->emitRemark("qc-low-rank: unchanged: the bias is not a constant and "
                     "cannot be rescaled to the second contraction");
      return success();
    }
  }
  auto weightTensor = llvm::cast<RankedTensorType>(cast.getType());
  if (weightTensor.getNumElements() == 0)
    return success();
  QuantizedType weightQType = getQuantizedElementType(weightTensor);
  auto inputType = llvm::cast<RankedTensorType>(input.getType());
  QuantizedType inputQType = getQuantizedElementType(inputType);
  auto resultType = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  Type expressed = weightQType.getExpressedType();

  WeightMatrix w = WeightMatrix::get(
      dequantize(codes, weightQType), weightTensor, codes.getAsOpaquePointer(),
      weightQType.getAsOpaquePointer(), /*channelsFirst=*/false);
  std::optional<Plan> plan;
  if (LogicalResult decided = decide(op, w, plan); failed(decided) || !plan)
    return decided;

  // Factors: the weight's storage width, signed, symmetric narrow range
  // ([-127, 127] for 8 bits), one scale per output channel of each factor.
  unsigned bits = weightQType.getStorageTypeIntegralWidth();
  int64_t factorMax = (int64_t{1} << (bits - 1)) - 1;
  QuantizedColumns aQuant = quantizeColumns(plan->a, w.rows, plan->rank, factorMax);
  QuantizedColumns bQuant = quantizeColumns(plan->b, plan->rank, w.cols, factorMax);
  double error =
      lowrank::relativeError(w.values, plan->a, plan->b, w.rows, w.cols, plan->rank);
  double quantizedError = lowrank::relativeError(
      w.values, aQuant.dequantized, bQuant.dequantized, w.rows, w.cols, plan->rank);

  // Intermediate: worst-case scale (never saturates), codes bounded so that
  // the second contraction's i32 accumulator cannot overflow.
  int64_t qmax = intermediateMax(plan->rank, factorMax);
  if (qmax < 1) {
    op->emitRemark() << "qc-low-rank: unchanged: rank " << plan->rank
                     << " leaves no intermediate range without i32 overflow";
    return success();
  }
  double tScale = intermediateScale(aQuant.dequantized, w.rows, plan->rank,
                                    maxAbsReal(inputQType), qmax);
  auto tElement = intermediateType(expressed, intermediateBits, qmax, tScale);
  SmallVector<int64_t> tShape(resultType.getShape());
  tShape.back() = plan->rank;
  auto tType = RankedTensorType::get(tShape, tElement);

  // The bias moves to the second contraction, whose bias scale is
  // s_t * s_B[n] instead of s_x * s_W[n]: re-round it at the new scale.
  Value newBias;
  OpBuilder b(op);
  Location loc = op->getLoc();
  if (bias) {
    auto biasType = llvm::cast<RankedTensorType>(bias.getType());
    std::vector<double> realBias =
        dequantize(biasCodes, getQuantizedElementType(biasType));
    SmallVector<double> scales;
    SmallVector<int64_t> newCodes;
    for (int64_t n = 0; n < w.cols; ++n) {
      double scale = tScale * bQuant.scales[n];
      double real = realBias[realBias.size() == 1 ? 0 : n];
      double q = numerics::roundReal(real / scale, RoundingMode::HalfEven);
      if (std::abs(q) > std::numeric_limits<int32_t>::max()) {
        op->emitRemark() << "qc-low-rank: unchanged: bias of channel " << n
                         << " does not fit i32 at the scale of the second "
                            "contraction";
        return success();
      }
      scales.push_back(scale);
      newCodes.push_back(static_cast<int64_t>(q));
    }
    auto biasQType = UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, b.getI32Type(), expressed, scales,
        SmallVector<int64_t>(scales.size(), 0), 0,
        std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    newBias = createQuantizedConstant(
        b, loc, RankedTensorType::get({w.cols}, biasQType), newCodes);
  }

  auto [firstShape, secondShape] = factorShapes(weightTensor.getShape(), plan->rank);
  auto aType = RankedTensorType::get(
      firstShape, perChannelType(expressed, bits, aQuant.scales, firstShape.size() - 1));
  auto bType = RankedTensorType::get(
      secondShape, perChannelType(expressed, bits, bQuant.scales, secondShape.size() - 1));
  Value aValue = createQuantizedConstant(b, loc, aType, aQuant.codes);
  Value bValue = createQuantizedConstant(b, loc, bType, bQuant.codes);
  Value t = createFirst(b, loc, tType, input, aValue);
  Value result = createSecond(b, loc, resultType, t, bValue, newBias);

  remarkRewritten(op, *plan, error, quantizedError,
                  outerSize(resultType, resultType.getRank() - 1), w);
  IRRewriter rewriter(op->getContext());
  rewriter.replaceOp(op, result);
  eraseIfDead(rewriter, weight);
  if (bias)
    eraseIfDead(rewriter, bias);
  return success();
}

LogicalResult LowRankRewriter::rewrite(qc::MatmulOp op) {
  RequantProfileAttr profile = op.getProfileAttr();
  DenseI64ArrayAttr clamp = op.getClampAttr();
  return rewriteQuantized(
      op, op.getLhs(), op.getRhs(), op.getBias(),
      [&](OpBuilder &b, Location loc, Type type, Value x, Value a) -> Value {
        return qc::MatmulOp::create(b, loc, type, x, a, Value(), profile, nullptr);
      },
      [&](OpBuilder &b, Location loc, Type type, Value t, Value bw,
          Value bias) -> Value {
        return qc::MatmulOp::create(b, loc, type, t, bw, bias, profile, clamp);
      });
}

LogicalResult LowRankRewriter::rewrite(qc::Conv2DOp op) {
  // A grouped filter is block diagonal as a matrix; factorizing it whole
  // would mix the groups.
  if (op.getGroups() != 1)
    return success();
  RequantProfileAttr profile = op.getProfileAttr();
  DenseI64ArrayAttr clamp = op.getClampAttr();
  return rewriteQuantized(
      op, op.getInput(), op.getFilter(), op.getBias(),
      [&](OpBuilder &b, Location loc, Type type, Value x, Value a) -> Value {
        return qc::Conv2DOp::create(b, loc, type, x, a, Value(),
                                    op.getStridesAttr(), op.getPaddingAttr(),
                                    op.getDilationsAttr(), op.getGroupsAttr(),
                                    profile, nullptr);
      },
      [&](OpBuilder &b, Location loc, Type type, Value t, Value bw,
          Value bias) -> Value {
        return qc::Conv2DOp::create(b, loc, type, t, bw, bias,
                                    b.getDenseI64ArrayAttr({1, 1}),
                                    b.getDenseI64ArrayAttr({0, 0, 0, 0}),
                                    b.getDenseI64ArrayAttr({1, 1}),
                                    op.getGroupsAttr(), profile, clamp);
      });
}
