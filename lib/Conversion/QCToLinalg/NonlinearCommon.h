//===- NonlinearCommon.h - helpers of the nonlinear op lowerings -*- C++ -*-===//
//
// Private to lib/Conversion/QCToLinalg: the pieces Nonlinear.cpp (qc.table,
// qc.batch_matmul), Softmax.cpp and LayerNorm.cpp share.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_CONVERSION_QCTOLINALG_NONLINEARCOMMON_H
#define QC_LIB_CONVERSION_QCTOLINALG_NONLINEARCOMMON_H

#include "Lowering.h"

namespace mlir::qc::lowering {

void populateSoftmaxPatterns(const TypeConverter &typeConverter,
                             RewritePatternSet &patterns);
void populateLayerNormPatterns(const TypeConverter &typeConverter,
                               RewritePatternSet &patterns);

/// Smallest value of the storage type (signed or unsigned) of `type`.
int64_t storageMin(quant::QuantizedType type);

/// A constant 1-D tensor of `elementType` (signless integer) from values.
Value createTable(OpBuilder &b, Location loc, ArrayRef<int64_t> values,
                  IntegerType elementType);

/// table[index32] inside a generic body.
Value lookup(OpBuilder &b, Location loc, Value table, Value index32);

/// The loops 0 .. rank - 1 but `skip` (none for skip < 0).
SmallVector<unsigned> dimsExcept(int64_t rank, int64_t skip);
/// `shape` without dimension `skip`.
SmallVector<int64_t> shapeExcept(ArrayRef<int64_t> shape, int64_t skip);
/// All loops parallel but `reduced` (none for reduced < 0).
SmallVector<utils::IteratorType> iteratorsReducing(int64_t rank, int64_t reduced);

/// i32 and i64 constants.
Value c32(OpBuilder &b, Location loc, int64_t v);
Value c64(OpBuilder &b, Location loc, int64_t v);

} // namespace mlir::qc::lowering

#endif // QC_LIB_CONVERSION_QCTOLINALG_NONLINEARCOMMON_H
