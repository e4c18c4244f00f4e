//===- FoldFakeQuantPatterns.h - shared pieces of qc-fold-fake-quant -*- C++ -*-===//
//
// Private to lib/Dialect/QC/Transforms: the helpers and pattern families of
// --qc-fold-fake-quant, split by op family (driver, boundaries and cleanup in
// FoldFakeQuant.cpp; matchers in FoldFakeQuantMatchers.cpp; contractions,
// other compute ops and propagation in their own files).
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_FOLDFAKEQUANTPATTERNS_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_FOLDFAKEQUANTPATTERNS_H

#include "qc/Dialect/QC/IR/QCOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"

#include <limits>
#include <memory>
#include <optional>
#include <string>

namespace mlir::qc::fold {

/// Why a float op could not become integer, recorded by the patterns that
/// matched it structurally but found the combination of parameters
/// unsupported (e.g. a possible accumulator overflow). The pass reads it for
/// its "stays in float" remark. Shared by the patterns of one pass run;
/// a pass runs on one function per thread, so no locking is needed.
struct FloatReasons {
  llvm::DenseMap<Operation *, std::string> reasons;
};

/// A float op left in a quantized region after the fold, with the reason.
/// `between`: it lies between a qc.dequantize and a qc.quantize (the others
/// only read a dequantized value or feed a quantize, e.g. float pre- and
/// post-processing at the model's edges).
struct FloatOp {
  Operation *op;
  std::string reason;
  bool between;
};

/// The float ops of `func` that read a dequantized value, feed a quantize
/// or lie between the two, in IR order, each with the reason recorded in
/// `reasons` or one derived from its surroundings
/// (FoldFakeQuantReport.cpp).
SmallVector<FloatOp> findFloatOps(func::FuncOp func, const FloatReasons &reasons);

/// What every pattern family needs.
struct FoldContext {
  RequantProfile profile = RequantProfile::DoubleRound;
  /// Null when the caller does not want the reasons (populate from outside
  /// the pass).
  std::shared_ptr<FloatReasons> floatReasons;
  void noteFloat(Operation *op, StringRef reason) const {
    if (floatReasons)
      floatReasons->reasons[op] = reason.str();
  }
};

/// Ops built without an insertion point, so that the qc verifier can judge
/// them before anything is added to the IR: a pattern that then fails leaves
/// the IR untouched. `commit` inserts them, in creation order, at the
/// rewriter's insertion point; uncommitted ops are destroyed.
class DetachedOps {
public:
  explicit DetachedOps(MLIRContext *context) : builder(context) {}
  DetachedOps(const DetachedOps &) = delete;
  DetachedOps &operator=(const DetachedOps &) = delete;
  ~DetachedOps();

  template <typename OpTy, typename... Args>
  OpTy create(Location loc, Args &&...args) {
    OpTy op = OpTy::create(builder, loc, std::forward<Args>(args)...);
    ops.push_back(op.getOperation());
    return op;
  }

  /// Runs the verifier of every op created so far (not recursively); on
  /// failure returns the first verifier message in `reason`.
  LogicalResult verify(std::string &reason);
  void commit(RewriterBase &rewriter);

private:
  OpBuilder builder;
  SmallVector<Operation *> ops;
};

/// A qc.requantize of `source` to `type` with the pass's profile and no
/// clamp (the default `clamp` attribute).
inline RequantizeOp createRequantize(DetachedOps &ops, Location loc, Type type,
                                     Value source, const FoldContext &ctx,
                                     DenseI64ArrayAttr clamp = {}) {
  return ops.create<RequantizeOp>(
      loc, type, source, RequantProfileAttr::get(type.getContext(), ctx.profile),
      clamp);
}

/// The quantized value behind `value` when it is `qc.dequantize(q)`.
Value getDequantizedSource(Value value);

/// The storage codes behind a quantized value `quant.scast(arith.constant)`,
/// or null when the value is not a compile-time constant.
DenseIntElementsAttr getQuantizedConstant(Value quantized);

/// The storage codes of a quantized constant as integers.
SmallVector<int64_t> getCodes(DenseIntElementsAttr attr, bool isSigned);

/// The row-major elements of a tensor of `shape` transposed by `perm`
/// (result dim d is operand dim perm[d]).
SmallVector<int64_t> permuteElements(ArrayRef<int64_t> elements, ArrayRef<int64_t> shape,
                                     ArrayRef<int64_t> perm);

/// The elements of a float constant converted to double.
std::optional<SmallVector<double>> getFloatConstantValues(Value value);

/// Builds `arith.constant` of the storage type plus `quant.scast` to
/// `tensor<shape x qtype>` from storage codes.
Value buildQuantizedConstant(DetachedOps &ops, Location loc, ArrayRef<int64_t> shape,
                             quant::QuantizedType qtype, ArrayRef<int64_t> codes);

/// Quantizes the elements `values` of a tensor of `shape` to `qtype` at
/// compile time with numerics::quantizeValue (per axis where `qtype` is).
SmallVector<int64_t> quantizeElements(ArrayRef<double> values, ArrayRef<int64_t> shape,
                                      quant::QuantizedType qtype, RoundingMode rounding);

//===----------------------------------------------------------------------===//
// Matchers for the float forms (FoldFakeQuantMatchers.cpp)
//===----------------------------------------------------------------------===//

inline constexpr double kInf = std::numeric_limits<double>::infinity();

/// Whether a linalg op has only parallel loops (an elementwise op).
bool isAllParallel(linalg::LinalgOp op);

/// A scalar float constant or a splat float tensor constant, as double.
std::optional<double> getScalarFloatConstant(Value value);

/// A real interval [lo, hi] applied by ReLU / ReLU6 / clamp.
struct ClampRange {
  double lo = -kInf;
  double hi = kInf;
};

/// Peels scalar (or whole-tensor arith) clamps off `value`: max/min with a
/// constant and the cmpf+select ReLU. Returns the clamped value (`value`
/// itself when there is no clamp; null when the clamps' ranges are
/// disjoint); `argConstant` names block arguments that stand for constants.
Value peelScalarClamps(Value value, ClampRange &range, bool &peeled,
                       llvm::function_ref<std::optional<double>(Value)> argConstant);

/// Peels single-use clamps (ReLU, ReLU6, clamp in their linalg.generic,
/// arith-on-tensors and tosa.clamp spellings) off `value`, intersecting their
/// ranges into `range`; `peeled` says whether there was one.
Value peelClamps(Value value, ClampRange &range, bool &peeled);

enum class BinaryKind { Add, Mul };

/// An elementwise binary float op with the indexing maps of its inputs
/// (identity for ops on whole tensors, broadcasts for tosa).
struct BinaryMatch {
  Value lhs, rhs;
  AffineMap lhsMap, rhsMap;
};
std::optional<BinaryMatch> matchBinary(Operation *op, BinaryKind kind);

/// The per-channel values of a float tensor, read through `map`, that varies
/// only along iteration dimension `channelDim` (a bias). Accepts a constant,
/// a `linalg.broadcast` of one and a broadcasting linalg.generic.
std::optional<SmallVector<double>> getChannelVector(Value value, AffineMap map,
                                                    int64_t channels, unsigned channelDim);

/// An accumulator init that is zero: linalg.fill of 0.0 or a zero constant.
bool isZeroInit(Value value);

/// A tensor.pad of an NHWC (or NCHW) tensor on H and W only, with a constant
/// value; returns [top, bottom, left, right].
std::optional<SmallVector<int64_t>> getSpatialPadding(tensor::PadOp pad, double &padValue,
                                                      bool nchw = false);

/// The values of an integer elements attribute (strides, dilations).
SmallVector<int64_t> readInts(DenseIntElementsAttr attr);

/// TOSA carries zero points as operands; in the float graph they must be 0.
bool isZeroPoint(Value zp);

/// tensor.concat or tosa.concat with a ranked result: its inputs and axis.
bool matchConcat(Operation *op, SmallVector<Value> &inputs, int64_t &axis);

//===----------------------------------------------------------------------===//
// Builders (FoldFakeQuantMatchers.cpp)
//===----------------------------------------------------------------------===//

/// Storage codes of a real clamp range in a per-tensor `type` (null for
/// per-axis types).
std::optional<std::pair<int64_t, int64_t>>
getClampCodes(const ClampRange &range, quant::QuantizedType type, RoundingMode rounding);

/// The clamp attribute, absent when it is the whole storage range.
DenseI64ArrayAttr getClampAttr(MLIRContext *context, std::pair<int64_t, int64_t> codes,
                               quant::QuantizedType type);

/// An i32 bias constant with scale s_in * s_w[c] for the contraction with
/// `weight` (qc layout: output channels last), or the reason it cannot be:
/// a bias code that leaves no room in i32 for the products. A constant
/// weight with dead channels may come back with their scales raised
/// (FoldFakeQuantBias.cpp).
FailureOr<Value> buildBias(DetachedOps &ops, Location loc, ArrayRef<double> bias,
                           quant::QuantizedType inputType, Value &weight,
                           std::string &reason);

/// Verifies the detached ops and commits them in place of `anchor`; on a
/// verifier failure records the reason for the float op `floatOp`.
LogicalResult commitOrExplain(PatternRewriter &rewriter, DetachedOps &ops,
                              Operation *created, Operation *anchor, Operation *floatOp,
                              const FoldContext &ctx);

/// qc.transpose of `value`: result dim d is operand dim perm[d].
Value buildTranspose(DetachedOps &ops, Location loc, Value value, ArrayRef<int64_t> perm);

/// Whether qc.max_pool2d / qc.avg_pool2d accept this window on `input` (rank
/// 4, positive strides, padding non-negative and smaller than the kernel,
/// window inside the padded input). Their builders infer the result type and
/// cannot build an op for a window they reject: check first.
bool isQCPoolWindow(Type input, ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                    ArrayRef<int64_t> padding);

/// `value` with a static shape that only adds or drops unit dimensions: a
/// re-emitted constant (per-axis `oldAxis` becomes `newAxis`) or qc.reshape
/// (per tensor only).
FailureOr<Value> reshapeQuantized(DetachedOps &ops, Location loc, Value value,
                                  ArrayRef<int64_t> shape, int64_t oldAxis,
                                  int64_t newAxis);

//===----------------------------------------------------------------------===//
// Canonical forms (NormalizeFloat.cpp)
//===----------------------------------------------------------------------===//

/// The canonical average-pool divisor: an elementwise generic
/// `sum[n, h, w, c] / counts[h, w]` (NCHW: counts[h, w] on dims 2, 3) whose
/// first input is a linalg sum pool and second a float constant.
bool isCanonicalAvgPoolDivisor(Operation *op);

/// Builds that divisor for the sum pool result `sum` with all counts equal
/// to `count`.
Value buildAvgPoolDivisor(OpBuilder &b, Location loc, Value sum, double count);

//===----------------------------------------------------------------------===//
// Pattern families
//===----------------------------------------------------------------------===//

/// One float form per op before matching: fused clamps split off
/// (FoldFakeQuantCanonical.cpp).
void populateCanonicalFormPatterns(RewritePatternSet &patterns);
/// Constants, boundary cleanup, transposes (FoldFakeQuant.cpp).
void populateCleanupPatterns(RewritePatternSet &patterns, const FoldContext &ctx);
/// qc.matmul / qc.conv2d (FoldFakeQuantContraction.cpp).
void populateContractionPatterns(RewritePatternSet &patterns, const FoldContext &ctx);
/// qc.clamp, qc.add, qc.mul, pooling, concat (FoldFakeQuantCompute.cpp).
void populateComputePatterns(RewritePatternSet &patterns, const FoldContext &ctx);
/// Dequantize below shape ops (FoldFakeQuantPropagation.cpp).
void populatePropagationPatterns(RewritePatternSet &patterns, const FoldContext &ctx);
/// qc.softmax, qc.layer_norm, qc.batch_matmul, quantize above reshapes
/// (FoldFakeQuantNonlinear.cpp), plus the three below.
void populateNonlinearPatterns(RewritePatternSet &patterns, const FoldContext &ctx);
/// Moves `op` into a new qc.float_island named `name` at its place; its
/// users read the island's results (FoldFakeQuantNonlinear.cpp).
FloatIslandOp wrapInFloatIsland(Operation *op, StringRef name);
/// qc.table for elementwise functions (FoldFakeQuantTable.cpp).
void populateTablePatterns(RewritePatternSet &patterns, const FoldContext &ctx);
/// qc.avg_pool2d from the canonical average pool (FoldFakeQuantAvgPool.cpp).
void populateAvgPoolPatterns(RewritePatternSet &patterns, const FoldContext &ctx);
/// quantize(mean over any axes) -> qc.avg_pool2d (FoldFakeQuantReduceMean.cpp).
void populateReduceMeanPatterns(RewritePatternSet &patterns, const FoldContext &ctx);

/// A mean `generic(linalg.reduce(addf, input, dims) / n)` from a zero
/// init, n the number of reduced elements (static); dims sorted.
struct MeanMatch {
  Value input;
  SmallVector<int64_t> dims;
  /// The divisor's `qc.rounding`: how the integer mean rounds ties.
  RoundingMode rounding = RoundingMode::HalfAway;
};
std::optional<MeanMatch> matchMean(Value value);

/// quantize(qc.hadamard(dequantize)) -> integer qc.hadamard.
void populateHadamardPatterns(RewritePatternSet &patterns, const FoldContext &ctx);

} // namespace mlir::qc::fold

#endif // QC_LIB_DIALECT_QC_TRANSFORMS_FOLDFAKEQUANTPATTERNS_H
