//===- ConstantWeights.cpp - constant contraction weights -----------------===//
#include "ConstantWeights.h"

#include "qc/Dialect/QC/IR/QCOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::qc;

std::optional<unsigned> mlir::qc::contractionWeightOperand(Operation *op) {
  if (auto mm = dyn_cast<linalg::MatmulOp>(op))
    return mm.hasUserDefinedMaps() ? std::nullopt : std::optional<unsigned>(1);
  if (isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp, MatmulOp,
          Conv2DOp>(op))
    return 1;
  return std::nullopt;
}

std::optional<ConstantWeight> mlir::qc::matchConstantWeight(Operation *op,
                                                            unsigned index) {
  ConstantWeight weight;
  weight.consumer = op;
  weight.operandIndex = index;
  Operation *def = op->getOperand(index).getDefiningOp();
  // Codes read as float values: quant.dcast(quant.scast(codes)), the form
  // the ONNX importer writes an int8 initializer's dequantized weight in.
  if (auto dcast = dyn_cast_or_null<quant::DequantizeCastOp>(def)) {
    def = dcast.getInput().getDefiningOp();
    if (!isa_and_nonnull<quant::StorageCastOp>(def))
      return std::nullopt;
    weight.dequantize = dcast;
  }
  if (isa_and_nonnull<FakeQuantOp, quant::StorageCastOp>(def)) {
    weight.cast = def;
    def = def->getOperand(0).getDefiningOp();
  }
  auto constant = dyn_cast_or_null<arith::ConstantOp>(def);
  if (!constant)
    return std::nullopt;
  auto values = dyn_cast<DenseElementsAttr>(constant.getValue());
  auto type = dyn_cast<RankedTensorType>(constant.getType());
  if (!values || !type || !type.hasStaticShape() || type.getRank() < 2 ||
      type.getNumElements() == 0)
    return std::nullopt;
  bool isFloat = isa<FloatType>(type.getElementType());
  auto scast = dyn_cast_or_null<quant::StorageCastOp>(weight.cast);
  if (isFloat == bool(scast))
    return std::nullopt;
  weight.constant = constant;
  weight.values = values;
  if (isFloat)
    return weight;
  weight.qtype = getQuantizedElementType(scast.getResult().getType());
  if (!weight.qtype)
    return std::nullopt;
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(weight.qtype);
  if (perAxis && perAxis.getQuantizedDimension() != type.getRank() - 1)
    return std::nullopt;
  return weight;
}

void mlir::qc::replaceConstantWeight(ConstantWeight weight,
                                     DenseElementsAttr values) {
  OpBuilder builder(weight.constant);
  auto constant =
      arith::ConstantOp::create(builder, weight.constant.getLoc(), values);
  bool shared = weight.cast && (!weight.cast->getResult(0).hasOneUse() ||
                                (weight.dequantize &&
                                 !weight.dequantize->getResult(0).hasOneUse()));
  if (!weight.cast) {
    weight.consumer->setOperand(weight.operandIndex, constant);
  } else if (!shared) {
    weight.cast->setOperand(0, constant);
  } else {
    // Other users keep the old chain: the consumer gets its own copy.
    builder.setInsertionPoint(weight.dequantize ? weight.dequantize : weight.cast);
    Operation *cast = builder.clone(*weight.cast);
    cast->setOperand(0, constant);
    Operation *last = cast;
    if (weight.dequantize) {
      last = builder.clone(*weight.dequantize);
      last->setOperand(0, cast->getResult(0));
    }
    weight.consumer->setOperand(weight.operandIndex, last->getResult(0));
  }
  if (weight.constant->use_empty())
    weight.constant->erase();
}
