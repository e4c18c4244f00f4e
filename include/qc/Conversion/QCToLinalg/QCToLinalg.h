//===- QCToLinalg.h - qc to linalg conversion entry points ------*- C++ -*-===//
#ifndef QC_CONVERSION_QCTOLINALG_QCTOLINALG_H
#define QC_CONVERSION_QCTOLINALG_QCTOLINALG_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::qc {

/// Maps tensors (and scalars) of !quant.uniform elements to their signless
/// storage integer type (u8 storage becomes i8); every other type is legal
/// and kept.
class QCToLinalgTypeConverter final : public TypeConverter {
public:
  QCToLinalgTypeConverter();
};

struct QCToLinalgOptions {
  /// Fold the weight-side zero-point terms of contractions with constant
  /// weights at compile time.
  bool foldConstantWeights = true;
  /// Reduce layer-norm and softmax rows along the last axis in lanes
  /// (--qc-lower-to-linalg's split-row-reductions).
  bool splitRowReductions = false;
  /// The target has i64 division (--qc-lower-to-linalg's wide-division);
  /// false for SPIR-V's portable mode.
  bool wideDivision = true;
};

/// Patterns that lower every qc op and quant.scast to linalg/tensor/arith on
/// storage types, plus the function signature, call and return conversions.
void populateQCToLinalgConversionPatterns(TypeConverter &typeConverter,
                                          RewritePatternSet &patterns,
                                          const QCToLinalgOptions &options = {});

/// Marks qc and quant illegal and every other op legal once its types are
/// legal under `typeConverter` (the target of --qc-lower-to-linalg). The
/// target keeps a reference: `typeConverter` must outlive it.
void configureQCToLinalgTarget(ConversionTarget &target,
                               const TypeConverter &typeConverter);

} // namespace mlir::qc

#endif // QC_CONVERSION_QCTOLINALG_QCTOLINALG_H
