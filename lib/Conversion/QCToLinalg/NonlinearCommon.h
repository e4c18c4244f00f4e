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
                             RewritePatternSet &patterns, bool splitRowReductions,
                             bool wideDivision = true);
void populateLayerNormPatterns(const TypeConverter &typeConverter,
                               RewritePatternSet &patterns, bool splitRowReductions,
                               bool wideDivision = true);

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

/// What the lowerings of the unary nonlinear ops (qc.table, qc.softmax,
/// qc.layer_norm) read before they build anything.
struct UnaryOpInfo {
  RankedTensorType type; // the result's, static
  Location loc;
  quant::QuantizedType inType, outType;
  int64_t rank;
  /// Every loop of the result (the identity map's dims).
  SmallVector<unsigned> all;
  /// The converted input (storage codes).
  Value input;
};

/// The pattern of a unary nonlinear op: refuses a dynamic result shape
/// (the match fails, the op stays), collects UnaryOpInfo and hands it to
/// rewrite(). `split` is buildLastAxisReduction's lanes (softmax and layer
/// norm; qc.table has no reduction).
template <typename OpTy>
struct UnaryOpLowering : OpConversionPattern<OpTy> {
  UnaryOpLowering(const TypeConverter &typeConverter, MLIRContext *context,
                  bool split = false, bool wideDivision = true)
      : OpConversionPattern<OpTy>(typeConverter, context), split(split),
        wideDivision(wideDivision) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const final {
    RankedTensorType type = op.getResult().getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shape");
    int64_t rank = type.getRank();
    UnaryOpInfo info{type,
                     op.getLoc(),
                     getQuantizedElementType(op.getInput().getType()),
                     getQuantizedElementType(type),
                     rank,
                     dimsExcept(rank, -1),
                     adaptor.getInput()};
    return rewrite(op, info, rewriter);
  }

  /// Replaces `op` (its result type has a static shape).
  virtual LogicalResult rewrite(OpTy op, const UnaryOpInfo &info,
                                ConversionPatternRewriter &rewriter) const = 0;

  bool split;
  /// The target divides i64 (false: SPIR-V portable mode, whose i64
  /// emulation has no division; Division.cpp's restoring forms).
  bool wideDivision;
};

/// i32 and i64 constants.
Value c32(OpBuilder &b, Location loc, int64_t v);
Value c64(OpBuilder &b, Location loc, int64_t v);

/// One accumulator of a reduction over the last axis: its integer type, its
/// initial value and how two partial results combine.
struct RowAccumulator {
  enum class Combine { AddI, MaxSI };
  IntegerType type;
  int64_t init;
  Combine combine;
};

/// Reductions over the last axis of `input` ([rows..., D]), one result
/// [rows...] per accumulator: `body` returns the updated accumulators from
/// one element and the current ones. With `split` and where D is a
/// multiple of a lane count L (16, 8, 4 or 2, the largest with D >= 2L),
/// the axis is split into
/// [D / L, L]: L partial accumulators per row updated lane by lane (what
/// the CPU vectorizer turns into one vector of L accumulators, where a
/// plain reduction reduces every vector of L elements across its lanes, in
/// order, one lane at a time), then combined per row. Integer addition
/// (modulo 2^n) and max are associative and commutative: the results are
/// those of the plain reduction, bit for bit. The GPU mapping needs the
/// plain form (a parallel lane loop inside the reduction loop is not
/// mapped).
SmallVector<Value> buildLastAxisReduction(
    OpBuilder &b, Location loc, Value input, bool split,
    ArrayRef<RowAccumulator> accumulators,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)> body);

} // namespace mlir::qc::lowering

#endif // QC_LIB_CONVERSION_QCTOLINALG_NONLINEARCOMMON_H
