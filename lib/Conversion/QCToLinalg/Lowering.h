//===- Lowering.h - shared pieces of the qc to linalg patterns --*- C++ -*-===//
//
// Private to lib/Conversion/QCToLinalg: the per-family populate functions and
// the builders every family uses (storage extension, constants, the output
// stage of requantizing ops).
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_CONVERSION_QCTOLINALG_LOWERING_H
#define QC_LIB_CONVERSION_QCTOLINALG_LOWERING_H

#include "qc/Dialect/QC/IR/QCOps.h"
#include "qc/Dialect/QC/IR/Requantization.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>

namespace mlir::qc::lowering {

void populateContractionPatterns(const TypeConverter &typeConverter,
                                 RewritePatternSet &patterns,
                                 bool foldConstantWeights);
void populateElementwisePatterns(const TypeConverter &typeConverter,
                                 RewritePatternSet &patterns);
void populatePoolingPatterns(const TypeConverter &typeConverter,
                             RewritePatternSet &patterns);
void populateNonlinearPatterns(const TypeConverter &typeConverter,
                               RewritePatternSet &patterns, bool splitRowReductions,
                               bool wideDivision = true);
void populateShapePatterns(const TypeConverter &typeConverter,
                           RewritePatternSet &patterns);
void populateHadamardPatterns(const TypeConverter &typeConverter,
                              RewritePatternSet &patterns);

/// The signless storage type of a quantized element type (u8 -> i8).
IntegerType getStorageType(quant::QuantizedType type);

/// Widens a scalar storage value to i32 (extsi or extui by signedness).
Value extendToI32(OpBuilder &b, Location loc, Value storage, bool isSigned);

/// arith.constant of an integer scalar type.
Value createIntConstant(OpBuilder &b, Location loc, Type type, int64_t value);

/// arith.constant dense<values> : tensor<N x i32>.
Value createI32Vector(OpBuilder &b, Location loc, ArrayRef<int64_t> values);

/// tensor.empty of a static shape filled with `value`.
Value createFilledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                         Type elementType, int64_t value);
/// tensor.empty of static or dynamic sizes filled with `value`.
Value createFilledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                         Type elementType, int64_t value);

/// tensor.pad of an NHWC tensor by `padding` = [top, bottom, left, right]
/// with the scalar `padValue`; the input itself when nothing is padded.
Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> padding, Value padValue);

/// i64 values wrapped to i32 modulo 2^32.
int64_t wrapToI32(int64_t value);

/// `values` (one entry, or one per channel) as `count` entries.
SmallVector<int64_t> broadcastTo(ArrayRef<int64_t> values, int64_t count);
SmallVector<double> broadcastTo(ArrayRef<double> values, int64_t count);

/// The storage codes of a quantized tensor that is a compile-time constant
/// (arith.constant behind quant.scast, qc.reshape and qc.transpose), in
/// row-major order,
/// extended by the signedness of `type`. `converted` is the value the
/// conversion maps `original` to.
std::optional<SmallVector<int64_t>> getConstantCodes(Value original,
                                                     Value converted);

/// An i32 parameter of a linalg.generic that may vary along one loop: a
/// constant created inside the body when all entries are equal, otherwise a
/// constant tensor operand indexed by that loop.
struct ParamRef {
  std::optional<int64_t> splat;
  unsigned argIndex = 0;
};

/// The magic number of an exact division by an i64 `d`, 1 <= d <=
/// 2^maxDivisorBits (maxDivisorBits <= 62): m = ceil(2^(63 + l) / d) (an
/// unsigned 64-bit value) and l = ceil(log2 d) (Division.cpp). Scalar ops,
/// built once per divisor (e.g. per row).
struct DivisionMagic {
  Value multiplier, log2;
};
/// With wideDivision = false (no i64 division: SPIR-V portable mode) the
/// same m by restoring long division (buildRestoringDivision).
DivisionMagic buildDivisionMagic(OpBuilder &b, Location loc, Value d,
                                 int64_t maxDivisorBits, bool wideDivision = true);
/// floor(n / d) for 0 <= n < 2^63 from d's magic (m, l): exactly the
/// quotient of arith.divsi / divui, with multiplications only (they
/// vectorize; i64 division does not).
Value buildMagicQuotient(OpBuilder &b, Location loc, Value n, Value m, Value l);

/// floor((r 2^k + low) / d) and the remainder, by k steps of restoring
/// long division (shift, compare, subtract) in the operands' integer type
/// of width w: no division op. Needs r < d <= 2^(w - 1), 0 <= low < 2^k
/// (unsigned; a null `low` is 0) and 1 <= k <= w (Division.cpp).
std::pair<Value, Value> buildRestoringDivision(OpBuilder &b, Location loc, Value r,
                                               Value low, Value d, int64_t k);

/// The shorter exact division where the ranges allow it (Division.cpp):
/// the shift a of buildShortQuotient for dividends 0 <= n < dividendBound
/// and divisors minDivisor <= d <= 2^61, or nullopt where its proof does not
/// hold (then buildMagicQuotient).
std::optional<int64_t> getShortQuotientShift(uint64_t dividendBound,
                                             uint64_t minDivisor);
/// floor(2^61 / d) (< 2^32 for d > 2^29), once per divisor; d <=
/// maxDivisor. wideDivision = false: by restoring long division (in i32
/// where maxDivisor <= 2^31).
Value buildShortReciprocal(OpBuilder &b, Location loc, Value d,
                           uint64_t maxDivisor = uint64_t{1} << 61, bool wideDivision = true);
/// floor(n / d) from m = buildShortReciprocal(d) and a =
/// getShortQuotientShift(...): one 32 x 32 -> 64-bit product estimates
/// it, one product and a compare correct it.
Value buildShortQuotient(OpBuilder &b, Location loc, Value n, Value d, Value m,
                         int64_t shift);

/// Collects the inputs of one linalg.generic and builds it.
class GenericBuilder {
public:
  GenericBuilder(OpBuilder &b, Location loc, unsigned numLoops)
      : b(b), loc(loc), numLoops(numLoops) {}

  /// Adds an input read through `map`; returns its block argument index.
  unsigned addInput(Value tensor, AffineMap map);
  /// Adds an input read through the loops `dims` (a projected permutation).
  unsigned addInput(Value tensor, ArrayRef<unsigned> dims);
  /// Adds an i32 parameter varying along loop `dim` (see ParamRef).
  ParamRef addParam(ArrayRef<int64_t> values, unsigned dim);

  /// Builds the generic writing `init` through the loops `outDims`; `body`
  /// returns the yielded value from the block arguments. Marks the op with
  /// `attrs`.
  Value build(Value init, ArrayRef<unsigned> outDims,
              ArrayRef<utils::IteratorType> iterators,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body,
              ArrayRef<NamedAttribute> attrs = {});

  AffineMap dimsMap(ArrayRef<unsigned> dims) const;

private:
  OpBuilder &b;
  Location loc;
  unsigned numLoops;
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
};

/// Materializes a parameter inside a generic body.
Value getParam(OpBuilder &b, Location loc, ValueRange args, ParamRef param);

/// The end of every requantizing op: requant(acc) with per-channel
/// fixed-point multipliers, clamp, + output zero point, truncation.
struct OutputStage {
  SmallVector<int64_t> multipliers, shifts; // one entry or one per channel
  SmallVector<int64_t> zeroPoints, lowMinusZero, highMinusZero;
  RequantProfile profile;
  IntegerType storageType;

  /// `realMultipliers` and the result zero points broadcast along the
  /// channel loop; `clamp` narrows the storage range of `resultType`.
  /// Nothing when a real multiplier is not finite (scales whose quotient
  /// overflows a double).
  static std::optional<OutputStage> get(quant::QuantizedType resultType,
                         ArrayRef<double> realMultipliers,
                         std::optional<ArrayRef<int64_t>> clamp,
                         RequantProfile profile);
};

/// The parameters of an OutputStage registered with a GenericBuilder.
struct OutputStageParams {
  ParamRef multiplier, shift, zeroPoint, low, high;
  RequantProfile profile;
  IntegerType storageType;
};
OutputStageParams addOutputStage(GenericBuilder &generic,
                                 const OutputStage &stage, unsigned channelDim);
/// Emits the output stage on the i32 value `acc` inside a generic body.
Value buildOutputStage(OpBuilder &b, Location loc, ValueRange args,
                       const OutputStageParams &params, Value acc);

} // namespace mlir::qc::lowering

#endif // QC_LIB_CONVERSION_QCTOLINALG_LOWERING_H
