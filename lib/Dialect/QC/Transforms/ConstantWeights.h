//===- ConstantWeights.h - constant contraction weights (private) -*- C++ -*-===//
//
// The weight walk that --qc-prune and --qc-weight-sharing share: which
// operand of a contraction is its weight, the constant behind it (directly,
// through qc.fake_quant for float weights, through quant.scast for codes),
// and writing a rewritten constant back without touching other users.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_CONSTANTWEIGHTS_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_CONSTANTWEIGHTS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <optional>

namespace mlir::qc {

/// The weight operand index of linalg.matmul (default maps),
/// conv_2d_nhwc_hwcf, depthwise_conv_2d_nhwc_hwc, qc.matmul and qc.conv2d.
std::optional<unsigned> contractionWeightOperand(Operation *op);

/// A constant weight operand, seen with its output channels in the last
/// dimension (static shape, rank >= 2, not empty).
struct ConstantWeight {
  Operation *consumer = nullptr;
  unsigned operandIndex = 0;
  /// qc.fake_quant (float weights) or quant.scast (codes), or null.
  Operation *cast = nullptr;
  /// The quant.dcast that reads the codes as float values (the importer's
  /// form of a dequantized int8 weight), or null.
  Operation *dequantize = nullptr;
  arith::ConstantOp constant;
  DenseElementsAttr values;
  /// Codes: their quantized type (per tensor, or per axis on the last
  /// dimension); null for float weights.
  quant::QuantizedType qtype;
};

/// The constant behind operand `index` of `op`: float values straight or
/// through qc.fake_quant, integer codes only through a quant.scast that says
/// what they mean (read directly, or as float values through a quant.dcast
/// of it). Nothing otherwise.
std::optional<ConstantWeight> matchConstantWeight(Operation *op,
                                                  unsigned index);

/// Makes `weight.consumer` read `values` (same type as the old constant):
/// a new constant, the cast cloned when it has other users, the old
/// constant erased when nothing uses it any more.
void replaceConstantWeight(ConstantWeight weight,
                           DenseElementsAttr values);

} // namespace mlir::qc

#endif // QC_LIB_DIALECT_QC_TRANSFORMS_CONSTANTWEIGHTS_H
