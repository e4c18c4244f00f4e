//===- WidenNarrowIntegers.h - i4/i12 storage in whole bytes ----*- C++ -*-===//
#ifndef QC_CONVERSION_WIDENNARROWINTEGERS_H
#define QC_CONVERSION_WIDENNARROWINTEGERS_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::qc {

/// The discardable attribute (an i64) a widened dense constant carries: the
/// width N of the codes it holds sign-extended. Only a hint for later
/// layouts (the CPU int8 kernels store 4-bit weights two per byte); the
/// values are the same with or without it.
inline constexpr llvm::StringLiteral kNarrowWidthAttrName = "qc.narrow_width";

/// Maps integers of widths other than 1, 8, 16, 32, 64 (and ranked tensors
/// of them) to the next of i8, i16, i32, i64; keeps every other type.
class NarrowIntegerTypeConverter final : public TypeConverter {
public:
  NarrowIntegerTypeConverter();
};

/// The patterns of --qc-widen-narrow-integers on generalized linalg: scalar
/// arith with N-bit semantics in the wider type, constants, linalg.generic,
/// tensor ops, function signatures, calls and returns.
void populateWidenNarrowIntegersPatterns(const TypeConverter &converter,
                                         RewritePatternSet &patterns);

} // namespace mlir::qc

#endif // QC_CONVERSION_WIDENNARROWINTEGERS_H
