//===- LowRankFloat.cpp - --qc-low-rank on linalg contractions ------------===//
#include "LowRankRewriter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowrank;

LogicalResult LowRankRewriter::rewriteFloat(
    linalg::LinalgOp op, unsigned weightIndex,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> createFirst,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> createSecond) {
  // Non-constant weights and non-float contractions are not candidates.
  Value weight = op.getDpsInputOperand(weightIndex)->get();
  auto fakeQuant = weight.getDefiningOp<FakeQuantOp>();
  QuantizedType weightQType = fakeQuant ? fakeQuant.getQuantizedType() : nullptr;
  Value source = fakeQuant ? fakeQuant.getInput() : weight;
  // The codes of a quantized weight read as floats (quant.dcast of
  // quant.scast, the ONNX importer's form of an int8 initializer) stand for
  // the float constant (q - z) * s under a qc.fake_quant of their type.
  DenseIntElementsAttr codes;
  if (auto dcast = weight.getDefiningOp<quant::DequantizeCastOp>()) {
    auto scast = dcast.getInput().getDefiningOp<quant::StorageCastOp>();
    if (!scast || !matchPattern(scast.getInput(), m_Constant(&codes)))
      return success();
    auto codesType = cast<RankedTensorType>(scast.getType());
    weightQType = getQuantizedElementType(codesType);
    auto perAxis = dyn_cast_or_null<UniformQuantizedPerAxisType>(weightQType);
    if (!weightQType ||
        (perAxis && perAxis.getQuantizedDimension() != codesType.getRank() - 1))
      return success();
  }
  DenseElementsAttr attr;
  if (!codes && (!matchPattern(source, m_Constant(&attr)) ||
                 !isa<DenseFPElementsAttr>(attr)))
    return success();
  Value input = op.getDpsInputOperand(1 - weightIndex)->get();
  Value init = op.getDpsInitOperand(0)->get();
  auto weightType = cast<RankedTensorType>(weight.getType());
  auto initType = dyn_cast<RankedTensorType>(init.getType());
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  auto elementType = cast<FloatType>(weightType.getElementType());
  if (!op.hasPureTensorSemantics() || !initType || !inputType ||
      initType.getElementType() != elementType ||
      inputType.getElementType() != elementType)
    return success();

  if (weightType.getNumElements() == 0)
    return success();
  // W [M, K] * x: the matrix with the reduction as rows is W^T.
  bool lhsWeight = weightIndex == 0;
  WeightMatrix w = WeightMatrix::get(
      codes ? roundTo(elementType, dequantize(codes, weightQType))
            : floatValues(attr),
      weightType,
      codes ? codes.getAsOpaquePointer() : attr.getAsOpaquePointer(), nullptr,
      lhsWeight);
  std::optional<Plan> plan;
  if (LogicalResult decided = decide(op, w, plan); failed(decided) || !plan)
    return decided;

  OpBuilder b(op);
  Location loc = op.getLoc();
  std::vector<double> aRounded = roundTo(elementType, plan->a);
  std::vector<double> bRounded = roundTo(elementType, plan->b);
  double error = lowrank::relativeError(w.values, aRounded, bRounded, w.rows,
                                        w.cols, plan->rank);
  SmallVector<int64_t> firstShape, secondShape;
  int64_t channelAxis;
  if (lhsWeight) {
    firstShape = {plan->rank, w.rows};
    secondShape = {w.cols, plan->rank};
    aRounded = transpose(aRounded, w.rows, plan->rank);
    bRounded = transpose(bRounded, plan->rank, w.cols);
    channelAxis = 0;
  } else {
    std::tie(firstShape, secondShape) =
        factorShapes(weightType.getShape(), plan->rank);
    channelAxis = initType.getRank() - 1;
  }
  Value aValue = createFloatConstant(
      b, loc, RankedTensorType::get(firstShape, elementType), aRounded);
  Value bValue = createFloatConstant(
      b, loc, RankedTensorType::get(secondShape, elementType), bRounded);

  std::optional<double> quantizedError;
  std::optional<QuantizedColumns> aQuant;
  int64_t factorMax = 0;
  RoundingModeAttr rounding;
  if (weightQType) {
    // The factors are fake-quantized like the weight was: same bit width,
    // symmetric narrow range, one scale per output channel of each factor.
    unsigned bits = weightQType.getStorageTypeIntegralWidth();
    factorMax = (int64_t{1} << (bits - 1)) - 1;
    if (fakeQuant)
      rounding = fakeQuant.getRoundingAttr();
    std::vector<double> aMatrix = roundTo(elementType, plan->a);
    std::vector<double> bMatrix = roundTo(elementType, plan->b);
    aQuant = quantizeColumns(aMatrix, w.rows, plan->rank, factorMax);
    QuantizedColumns bQuant = quantizeColumns(bMatrix, plan->rank, w.cols, factorMax);
    quantizedError = lowrank::relativeError(w.values, aQuant->dequantized,
                                            bQuant.dequantized, w.rows, w.cols,
                                            plan->rank);
    int64_t axisA = lhsWeight ? 0 : static_cast<int64_t>(firstShape.size()) - 1;
    int64_t axisB = lhsWeight ? 0 : static_cast<int64_t>(secondShape.size()) - 1;
    auto fq = [&](Value v, ArrayRef<double> scales, int64_t axis) -> Value {
      auto qtype = perChannelType(elementType, bits, scales, axis);
      return FakeQuantOp::create(b, loc, v.getType(), v, TypeAttr::get(qtype),
                                 nullptr, nullptr, nullptr, b.getI64IntegerAttr(8),
                                 nullptr, nullptr, rounding);
    };
    aValue = fq(aValue, aQuant->scales, axisA);
    bValue = fq(bValue, bQuant.scales, axisB);
  }

  // The intermediate is the init with `rank` output channels; it accumulates
  // from zero and takes its dynamic sizes from the original init.
  SmallVector<int64_t> tShape(initType.getShape());
  tShape[channelAxis] = plan->rank;
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0, e = initType.getRank(); i < e; ++i)
    if (i != channelAxis && initType.isDynamicDim(i))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, init, i));
  Value empty = tensor::EmptyOp::create(b, loc, tShape, elementType, dynamicSizes);
  Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, 0.0));
  Value tInit = linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
                    .getResult(0);
  Value t = createFirst(b, loc, input, aValue, tInit);

  // With a fake-quantized activation the model quantizes every activation,
  // so the new one is fake-quantized too, on the grid that
  // --qc-fold-fake-quant will turn into the quantized intermediate type.
  if (auto inputFq = input.getDefiningOp<FakeQuantOp>(); inputFq && weightQType) {
    int64_t qmax = intermediateMax(plan->rank, factorMax);
    double scale = intermediateScale(aQuant->dequantized, w.rows, plan->rank,
                                     maxAbsReal(inputFq.getQuantizedType()), qmax);
    auto qtype = intermediateType(elementType, intermediateBits, qmax, scale);
    t = FakeQuantOp::create(b, loc, t.getType(), t, TypeAttr::get(qtype), nullptr,
                            nullptr, nullptr, b.getI64IntegerAttr(8), nullptr,
                            nullptr, rounding);
  }
  Value result = createSecond(b, loc, t, bValue, init);

  remarkRewritten(op, *plan, error, quantizedError, outerSize(initType, channelAxis),
                  w);
  IRRewriter rewriter(op.getContext());
  rewriter.replaceOp(op, result);
  eraseIfDead(rewriter, weight);
  return success();
}

namespace {

/// The operand whose constant weight is factorized in x * W or W * x: the
/// right one when it is constant (a layer), else the left one.
unsigned weightOperand(linalg::LinalgOp op) {
  Value rhs = op.getDpsInputOperand(1)->get();
  if (auto fq = rhs.getDefiningOp<FakeQuantOp>())
    rhs = fq.getInput();
  if (auto dcast = rhs.getDefiningOp<quant::DequantizeCastOp>())
    if (auto scast = dcast.getInput().getDefiningOp<quant::StorageCastOp>())
      rhs = scast.getInput();
  return matchPattern(rhs, m_Constant()) ? 1 : 0;
}

/// Builds a two-input contraction OpTy with the factor on the side of the
/// original weight.
template <typename OpTy>
auto contraction(unsigned weightIndex) {
  return [weightIndex](OpBuilder &b, Location loc, Value x, Value factor,
                       Value init) -> Value {
    SmallVector<Value> inputs = {x, factor};
    if (weightIndex == 0)
      std::swap(inputs[0], inputs[1]);
    return OpTy::create(b, loc, TypeRange{init.getType()}, inputs,
                        ValueRange{init})
        .getResult(0);
  };
}

} // namespace

LogicalResult LowRankRewriter::rewrite(linalg::MatmulOp op) {
  // Transposed or broadcast maps are not matrix products of the plain
  // [M, K] x [K, N] form that the factorization assumes.
  if (op.hasUserDefinedMaps() || op->getNumResults() != 1)
    return success();
  unsigned weightIndex = weightOperand(op);
  return rewriteFloat(op, weightIndex, contraction<linalg::MatmulOp>(weightIndex),
                      contraction<linalg::MatmulOp>(weightIndex));
}

LogicalResult LowRankRewriter::rewrite(linalg::MatvecOp op) {
  if (op->getNumResults() != 1)
    return success();
  return rewriteFloat(op, 0, contraction<linalg::MatvecOp>(0),
                      contraction<linalg::MatvecOp>(0));
}

LogicalResult LowRankRewriter::rewrite(linalg::VecmatOp op) {
  if (op->getNumResults() != 1)
    return success();
  return rewriteFloat(op, 1, contraction<linalg::VecmatOp>(1),
                      contraction<linalg::VecmatOp>(1));
}

LogicalResult LowRankRewriter::rewrite(linalg::Conv2DNhwcHwcfOp op) {
  if (op->getNumResults() != 1)
    return success();
  DenseIntElementsAttr strides = op.getStrides(), dilations = op.getDilations();
  return rewriteFloat(
      op, 1,
      // K x K convolution with `rank` filters: the rows of the factorized
      // matrix are the (kh, kw, c) taps, so the first factor is a filter.
      [&](OpBuilder &b, Location loc, Value x, Value a, Value init) -> Value {
        return linalg::Conv2DNhwcHwcfOp::create(b, loc, TypeRange{init.getType()},
                                                ValueRange{x, a}, ValueRange{init},
                                                strides, dilations)
            .getResult(0);
      },
      // 1 x 1 convolution from `rank` channels to the output channels.
      [](OpBuilder &b, Location loc, Value t, Value bw, Value init) -> Value {
        auto ones = DenseIntElementsAttr::get(
            RankedTensorType::get({2}, b.getI64Type()), ArrayRef<int64_t>{1, 1});
        return linalg::Conv2DNhwcHwcfOp::create(b, loc, TypeRange{init.getType()},
                                                ValueRange{t, bw}, ValueRange{init},
                                                ones, ones)
            .getResult(0);
      });
}
