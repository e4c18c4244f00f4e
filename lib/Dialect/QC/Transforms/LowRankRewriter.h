//===- LowRankRewriter.h - shared pieces of --qc-low-rank ------*- C++ -*-===//
//
// Private to lib/Dialect/QC/Transforms: the pieces of --qc-low-rank, split by
// responsibility: the pass and its driver (LowRank.cpp), settings and the
// qc.low_rank override (LowRankSettings.cpp), weight matrices, factor
// quantization and factor constants (LowRankFactors.cpp), rank selection and
// remarks (LowRankPlan.cpp), the linalg rewrite (LowRankFloat.cpp), the qc
// rewrite (LowRankQuantized.cpp). The SVD itself is in
// LowRankFactorization.cpp (qc/Dialect/QC/Transforms/LowRank.h).
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_LOWRANKREWRITER_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_LOWRANKREWRITER_H

#include "qc/Dialect/QC/IR/QCOps.h"
#include "qc/Dialect/QC/Transforms/LowRank.h"
#include "qc/Dialect/QC/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace mlir::qc::lowrank {

using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

/// The name of the per-op override attribute.
constexpr StringLiteral kOverrideAttr = "qc.low_rank";

/// The rank rule and profitability threshold that apply to one op.
struct Settings {
  std::optional<RankCriterion> criterion;
  double value = 0.0;
  double minFlopReduction = 1.5;
  bool disabled = false;
};

/// A weight viewed as the matrix that is factorized: rows are the reduction
/// (K, or KH*KW*C for a filter), columns the output channels.
struct WeightMatrix {
  std::vector<double> values; // row-major rows x cols
  int64_t rows = 0, cols = 0;
  /// Identifies the matrix across ops: the (uniqued) constant, the quantized
  /// type it is read with, and whether it was transposed.
  std::tuple<const void *, const void *, bool> key;

  /// The matrix of a constant weight of `type` whose `values` are in the
  /// weight's row-major order: with the output channels innermost, the rows
  /// are all the other dimensions; with `channelsFirst` (the [M, K] weight
  /// of W * x) the matrix is its transpose, [K, M]. The key is (`data`,
  /// `qtype`, `channelsFirst`).
  static WeightMatrix get(std::vector<double> values, ShapedType type,
                          const void *data, const void *qtype,
                          bool channelsFirst);
};

/// The outcome of rank selection for one op.
struct Plan {
  int64_t rank = 0, fullRank = 0;
  std::vector<double> a, b; // rows x rank, rank x cols
  double optimalError = 0.0;
  double reduction = 0.0; // MACs (and weight elements) before / after
};

/// Per-output-channel symmetric quantization of a row-major matrix whose
/// columns are the channels.
struct QuantizedColumns {
  std::vector<double> scales;
  std::vector<int64_t> codes;
  std::vector<double> dequantized;
};

//===----------------------------------------------------------------------===//
// Settings (LowRankSettings.cpp)
//===----------------------------------------------------------------------===//

/// `x` printed with the printf format `fmt`.
std::string formatDouble(double x, const char *fmt = "%.6e");

/// Checks a setting's value against its domain; returns the message or "".
std::string checkValue(StringRef name, double value);

/// Reads the `qc.low_rank` override of `op` on top of the pass settings.
FailureOr<Settings> getOpSettings(Operation *op, const Settings &global);

/// The settings of `options`; an option counts as given when its flag in
/// `given` (rank, energy, max-rel-error) is set.
FailureOr<Settings> validateOptions(func::FuncOp func,
                                    const QCLowRankOptions &options,
                                    std::array<bool, 3> given);

//===----------------------------------------------------------------------===//
// Weight matrices, factor quantization and factor constants
// (LowRankFactors.cpp)
//===----------------------------------------------------------------------===//

/// Values of a float constant in double.
std::vector<double> floatValues(DenseElementsAttr attr);

/// Real values of a quantized constant whose channel axis, if any, is the
/// innermost dimension (what the qc contraction verifiers require).
std::vector<double> dequantize(DenseIntElementsAttr codes, QuantizedType qtype);

/// Largest |real value| a tensor of this quantized type can hold.
double maxAbsReal(QuantizedType qtype);

/// Symmetric per-column quantization with codes in [-qmax, qmax]. An all-zero
/// column gets scale 1 (any positive scale represents it exactly).
QuantizedColumns quantizeColumns(const std::vector<double> &m, int64_t rows,
                                 int64_t cols, int64_t qmax);

/// The per-tensor scale of the intermediate activation t = x * A: the
/// worst case over all inputs, |t_j| <= max|x| * sum_k |A[k, j]|, mapped onto
/// qmax so that the first contraction can never saturate.
double intermediateScale(const std::vector<double> &a, int64_t rows, int64_t rank,
                         double inputBound, int64_t qmax);

/// The shape of the first factor (the weight shape with `rank` output
/// channels) and of the second (a 1x...x1 kernel from `rank` to the output
/// channels).
std::pair<SmallVector<int64_t>, SmallVector<int64_t>>
factorShapes(ArrayRef<int64_t> weightShape, int64_t rank);

/// A float constant of `type` holding `values`, which are exactly
/// representable in its element type (see roundTo).
Value createFloatConstant(OpBuilder &b, Location loc, RankedTensorType type,
                          const std::vector<double> &values);

/// arith.constant of the storage type followed by quant.scast, the form of
/// quantized constants in qc (docs/Design.md).
Value createQuantizedConstant(OpBuilder &b, Location loc, RankedTensorType type,
                              ArrayRef<int64_t> codes);

/// Symmetric narrow-range per-axis type on the output-channel `axis`.
UniformQuantizedPerAxisType perChannelType(Type expressed, unsigned bits,
                                           ArrayRef<double> scales, int64_t axis);

/// The transpose of a row-major rows x cols matrix.
std::vector<double> transpose(const std::vector<double> &m, int64_t rows,
                              int64_t cols);

/// `values` rounded to the float type `type` (what a constant of it stores).
std::vector<double> roundTo(FloatType type, const std::vector<double> &values);

/// Per-tensor symmetric type of the intermediate with codes in [-qmax, qmax]
/// stored in 8 or 16 bits.
UniformQuantizedType intermediateType(Type expressed, int64_t bits, int64_t qmax,
                                      double scale);

/// Erases `value`'s producer chain (constants, casts, fake quantization) once
/// the rewrite left it without users.
void eraseIfDead(RewriterBase &rewriter, Value value);

/// Product of all dimensions but the output-channel one `channelAxis` (the
/// output positions), or dynamic.
int64_t outerSize(ShapedType type, int64_t channelAxis);

//===----------------------------------------------------------------------===//
// The rewriter (LowRankPlan.cpp, LowRankFloat.cpp, LowRankQuantized.cpp)
//===----------------------------------------------------------------------===//

/// Drives the decision and rewrite of every candidate op of a function.
class LowRankRewriter {
public:
  LowRankRewriter(const Settings &global, int64_t intermediateBits)
      : global(global), intermediateBits(intermediateBits) {}

  LogicalResult rewrite(linalg::MatmulOp op);
  LogicalResult rewrite(linalg::MatvecOp op);
  LogicalResult rewrite(linalg::VecmatOp op);
  LogicalResult rewrite(linalg::Conv2DNhwcHwcfOp op);
  LogicalResult rewrite(qc::MatmulOp op);
  LogicalResult rewrite(qc::Conv2DOp op);

  /// What the rewrites did so far (the pass's statistics).
  const LowRankSummary &getSummary() const { return summary; }

private:
  /// Selects the rank and builds the factors into `plan`, or leaves it empty
  /// when the op stays as it is (after a remark where there is something to
  /// say); failure after an error. Callers return what it returns unless it
  /// succeeds with a plan.
  LogicalResult decide(Operation *op, const WeightMatrix &w,
                       std::optional<Plan> &plan);

  /// The SVD of `w`, computed once per distinct weight: models and
  /// benchmarks share one constant between several layers or ranks, and the
  /// SVD of a 4096 x 4096 matrix takes minutes.
  const lowrank::SVD &getSVD(const WeightMatrix &w) {
    auto [it, inserted] = svdCache.try_emplace(w.key);
    if (inserted)
      it->second = lowrank::computeSVD(w.values, w.rows, w.cols);
    return it->second;
  }

  /// The largest intermediate code so that `rank` products with a factor of
  /// up to `factorMax` cannot overflow the second contraction's i32
  /// accumulator (the verifier's rule), capped by the intermediate bits.
  int64_t intermediateMax(int64_t rank, int64_t factorMax) const {
    int64_t cap = (int64_t{1} << (intermediateBits - 1)) - 1;
    return std::min(cap, int64_t{std::numeric_limits<int32_t>::max()} /
                             (rank * factorMax));
  }

  /// Linalg-on-tensors rewrite shared by matmul, matvec, vecmat and
  /// convolution: the first contraction (built by `createFirst`) accumulates
  /// into a zero-filled intermediate, the second into the original init.
  /// `weightIndex` is the weight's input operand: 1 for x * W, where output
  /// channels are the weight's innermost dimension; 0 for W * x, where they
  /// are its first (the factors are then stored transposed: the first
  /// contraction multiplies by A^T [r, K], the second by B^T [M, r]).
  LogicalResult rewriteFloat(
      linalg::LinalgOp op, unsigned weightIndex,
      function_ref<Value(OpBuilder &, Location, Value, Value, Value)> createFirst,
      function_ref<Value(OpBuilder &, Location, Value, Value, Value)> createSecond);

  /// Quantized rewrite shared by qc.matmul and qc.conv2d.
  LogicalResult rewriteQuantized(
      Operation *op, Value input, Value weight, Value bias,
      function_ref<Value(OpBuilder &, Location, Type, Value, Value)> createFirst,
      function_ref<Value(OpBuilder &, Location, Type, Value, Value, Value)>
          createSecond);

  void remarkRewritten(Operation *op, const Plan &plan, double error,
                       std::optional<double> quantizedError,
                       int64_t outerSize, const WeightMatrix &w);

  Settings global;
  std::map<std::tuple<const void *, const void *, bool>, lowrank::SVD> svdCache;
  int64_t intermediateBits;
  LowRankSummary summary;
};

} // namespace mlir::qc::lowrank

#endif // QC_LIB_DIALECT_QC_TRANSFORMS_LOWRANKREWRITER_H
