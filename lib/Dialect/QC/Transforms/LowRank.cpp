//===- LowRank.cpp - --qc-low-rank: factorize constant weights by SVD -----===//
//
// Each candidate contraction is decided once and rewritten once, with one
// remark (or error) per op, so the pass walks the function itself instead of
// running a greedy pattern driver that could revisit ops and repeat remarks;
// the rewrite never creates new candidates. docs/LowRank.md has the rationale.
//
//===----------------------------------------------------------------------===//
#include "OpOverride.h"
#include "qc/Dialect/QC/Transforms/LowRank.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Support/PassStatistics.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace mlir::qc {
#define GEN_PASS_DEF_QCLOWRANK
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;
using lowrank::RankCriterion;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

namespace {

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

std::string formatDouble(double x, const char *fmt = "%.6e") {
  return llvm::formatv("{0}", llvm::format(fmt, x)).str();
}

/// Checks a setting's value against its domain; returns the message or "".
std::string checkValue(StringRef name, double value) {
  if (name == "rank") {
    if (!(value >= 1.0) || value != std::floor(value))
      return "rank must be an integer >= 1, got " + formatDouble(value, "%g");
  } else if (name == "energy") {
    if (!(value > 0.0 && value <= 1.0))
      return "energy must be in (0, 1], got " + formatDouble(value, "%g");
  } else if (name == "max-rel-error") {
    if (!(value >= 0.0 && value < 1.0))
      return "max-rel-error must be in [0, 1), got " + formatDouble(value, "%g");
  } else if (name == "min-flop-reduction") {
    if (!(value >= 0.0) || !std::isfinite(value))
      return "min-flop-reduction must be a finite factor >= 0 (0 disables the "
             "check), got " +
             formatDouble(value, "%g");
  }
  return "";
}

/// Reads the `qc.low_rank` override of `op` on top of the pass settings.
FailureOr<Settings> getOpSettings(Operation *op, const Settings &global) {
  static constexpr StringLiteral kKeys[] = {"rank", "energy", "max_rel_error",
                                            "min_flop_reduction"};
  SmallVector<StringRef> keys(std::begin(kKeys), std::end(kKeys));
  FailureOr<std::optional<OpOverride>> read = OpOverride::read(
      op, "qc-low-rank", kOverrideAttr, keys, "{rank = 8}");
  if (failed(read))
    return failure();
  Settings settings = global;
  if (!*read)
    return settings;
  const OpOverride &override = **read;
  settings.disabled = override.disabled();
  bool criterionSet = false;
  for (StringRef key : keys) {
    FailureOr<std::optional<double>> value = override.getNumber(key);
    if (failed(value))
      return failure();
    if (!*value)
      continue;
    std::string optionName = key.str();
    std::replace(optionName.begin(), optionName.end(), '_', '-');
    if (std::string msg = checkValue(optionName, **value); !msg.empty())
      return override.emitOptionError(key) << msg;
    if (key == "min_flop_reduction") {
      settings.minFlopReduction = **value;
      continue;
    }
    if (criterionSet)
      return op->emitError() << "qc-low-rank: '" << kOverrideAttr
                             << "' sets more than one of rank, energy and "
                                "max_rel_error";
    criterionSet = true;
    settings.value = **value;
    settings.criterion = key == "rank"     ? RankCriterion::Rank
                         : key == "energy" ? RankCriterion::Energy
                                           : RankCriterion::MaxRelError;
  }
  return settings;
}

/// Values of a float constant in double.
std::vector<double> floatValues(DenseElementsAttr attr) {
  std::vector<double> values;
  values.reserve(attr.getNumElements());
  for (APFloat v : attr.getValues<APFloat>()) {
    bool losesInfo;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    values.push_back(v.convertToDouble());
  }
  return values;
}

/// Real values of a quantized constant whose channel axis, if any, is the
/// innermost dimension (what the qc contraction verifiers require).
std::vector<double> dequantize(DenseIntElementsAttr codes, QuantizedType qtype) {
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  int64_t channels = static_cast<int64_t>(scales.size());
  std::vector<double> values;
  values.reserve(codes.getNumElements());
  int64_t index = 0;
  for (const APInt &code : codes.getValues<APInt>()) {
    int64_t c = index++ % channels;
    int64_t q = qtype.isSigned() ? code.getSExtValue()
                                 : static_cast<int64_t>(code.getZExtValue());
    values.push_back(static_cast<double>(q - zeroPoints[c]) * scales[c]);
  }
  return values;
}

/// Largest |real value| a tensor of this quantized type can hold.
double maxAbsReal(QuantizedType qtype) {
  auto [qmin, qmax] = getStorageRange(qtype);
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  double result = 0.0;
  for (auto [scale, zp] : llvm::zip_equal(scales, zeroPoints))
    result = std::max(result, scale * static_cast<double>(std::max(
                                          std::abs(qmin - zp), std::abs(qmax - zp))));
  return result;
}

/// Symmetric per-column quantization with codes in [-qmax, qmax]. An all-zero
/// column gets scale 1 (any positive scale represents it exactly).
QuantizedColumns quantizeColumns(const std::vector<double> &m, int64_t rows,
                                 int64_t cols, int64_t qmax) {
  QuantizedColumns result;
  result.scales.assign(cols, 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      result.scales[j] = std::max(result.scales[j], std::abs(m[i * cols + j]));
  for (double &scale : result.scales)
    scale = scale == 0.0 ? 1.0 : scale / static_cast<double>(qmax);
  result.codes.resize(m.size());
  result.dequantized.resize(m.size());
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      int64_t k = i * cols + j;
      result.codes[k] = numerics::quantizeValue(m[k], result.scales[j], 0, -qmax,
                                                qmax, RoundingMode::HalfEven);
      result.dequantized[k] = static_cast<double>(result.codes[k]) * result.scales[j];
    }
  }
  return result;
}

/// The per-tensor scale of the intermediate activation t = x * A: the
/// worst case over all inputs, |t_j| <= max|x| * sum_k |A[k, j]|, mapped onto
/// qmax so that the first contraction can never saturate.
double intermediateScale(const std::vector<double> &a, int64_t rows, int64_t rank,
                         double inputBound, int64_t qmax) {
  double bound = 0.0;
  for (int64_t j = 0; j < rank; ++j) {
    double l1 = 0.0;
    for (int64_t i = 0; i < rows; ++i)
      l1 += std::abs(a[i * rank + j]);
    bound = std::max(bound, l1);
  }
  bound *= inputBound;
  return bound > 0.0 ? bound / static_cast<double>(qmax) : 1.0;
}

/// The shape of the first factor (the weight shape with `rank` output
/// channels) and of the second (a 1x...x1 kernel from `rank` to the output
/// channels).
std::pair<SmallVector<int64_t>, SmallVector<int64_t>>
factorShapes(ArrayRef<int64_t> weightShape, int64_t rank) {
  SmallVector<int64_t> first(weightShape);
  first.back() = rank;
  SmallVector<int64_t> second(weightShape.size() - 2, 1);
  second.push_back(rank);
  second.push_back(weightShape.back());
  return {first, second};
}

/// A float constant of `type` holding `values`, which are exactly
/// representable in its element type (see roundTo).
Value createFloatConstant(OpBuilder &b, Location loc, RankedTensorType type,
                          const std::vector<double> &values) {
  const llvm::fltSemantics &sem =
      cast<FloatType>(type.getElementType()).getFloatSemantics();
  SmallVector<APFloat> elements;
  elements.reserve(values.size());
  for (double x : values) {
    bool losesInfo;
    APFloat v(x);
    v.convert(sem, APFloat::rmNearestTiesToEven, &losesInfo);
    elements.push_back(v);
  }
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, elements));
}

/// arith.constant of the storage type followed by quant.scast, the form of
/// quantized constants in qc (docs/Design.md).
Value createQuantizedConstant(OpBuilder &b, Location loc, RankedTensorType type,
                              ArrayRef<int64_t> codes) {
  auto qtype = cast<QuantizedType>(type.getElementType());
  auto storageType = cast<IntegerType>(qtype.getStorageType());
  auto storageTensor = RankedTensorType::get(type.getShape(), storageType);
  SmallVector<APInt> elements;
  elements.reserve(codes.size());
  for (int64_t code : codes)
    elements.emplace_back(storageType.getWidth(), code, /*isSigned=*/true);
  Value storage = arith::ConstantOp::create(
      b, loc, storageTensor, DenseElementsAttr::get(storageTensor, elements));
  return quant::StorageCastOp::create(b, loc, type, storage);
}

/// Symmetric narrow-range per-axis type on the output-channel `axis`.
UniformQuantizedPerAxisType perChannelType(Type expressed, unsigned bits,
                                           ArrayRef<double> scales, int64_t axis) {
  MLIRContext *ctx = expressed.getContext();
  int64_t qmax = (int64_t{1} << (bits - 1)) - 1;
  return UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(ctx, bits), expressed,
      scales, SmallVector<int64_t>(scales.size(), 0), axis, -qmax, qmax);
}

/// The transpose of a row-major rows x cols matrix.
std::vector<double> transpose(const std::vector<double> &m, int64_t rows,
                              int64_t cols) {
  std::vector<double> t(m.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      t[j * rows + i] = m[i * cols + j];
  return t;
}

/// `values` rounded to the float type `type` (what a constant of it stores).
std::vector<double> roundTo(FloatType type, const std::vector<double> &values) {
  std::vector<double> rounded(values.size());
  for (auto [i, x] : llvm::enumerate(values)) {
    bool losesInfo;
    APFloat v(x);
    v.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    rounded[i] = v.convertToDouble();
  }
  return rounded;
}

/// Per-tensor symmetric type of the intermediate with codes in [-qmax, qmax]
/// stored in 8 or 16 bits.
UniformQuantizedType intermediateType(Type expressed, int64_t bits, int64_t qmax,
                                      double scale) {
  MLIRContext *ctx = expressed.getContext();
  unsigned storageBits = bits <= 8 ? 8 : 16;
  return UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                   IntegerType::get(ctx, storageBits), expressed,
                                   scale, 0, -qmax, qmax);
}

/// Erases `value`'s producer chain (constants, casts, fake quantization) once
/// the rewrite left it without users.
void eraseIfDead(RewriterBase &rewriter, Value value) {
  Operation *op = value.getDefiningOp();
  if (!op || !op->use_empty() ||
      !isa<arith::ConstantOp, quant::StorageCastOp, quant::DequantizeCastOp,
           FakeQuantOp>(op))
    return;
  SmallVector<Value> operands(op->getOperands());
  rewriter.eraseOp(op);
  for (Value operand : operands)
    eraseIfDead(rewriter, operand);
}

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
  /// Selects the rank and builds the factors, or returns std::nullopt after a
  /// remark when the op stays as it is; failure after an error.
  FailureOr<std::optional<Plan>> decide(Operation *op, const WeightMatrix &w);

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

FailureOr<std::optional<Plan>> LowRankRewriter::decide(Operation *op,
                                                        const WeightMatrix &w) {
  FailureOr<Settings> settingsOr = getOpSettings(op, global);
  if (failed(settingsOr))
    return failure();
  const Settings &settings = *settingsOr;
  // Without a pass-wide rule only ops that carry their own are rewritten.
  if (settings.disabled || !settings.criterion)
    return std::optional<Plan>();
  ++summary.considered;
  for (double x : w.values)
    if (!std::isfinite(x))
      return op->emitError("qc-low-rank: the weight contains NaN or Inf; "
                           "cannot factorize it");
  int64_t fullRank = std::min(w.rows, w.cols);
  if (*settings.criterion == RankCriterion::Rank && settings.value > fullRank)
    return op->emitError() << "qc-low-rank: rank " << static_cast<int64_t>(settings.value)
                           << " exceeds min(rows, cols) = " << fullRank
                           << " of the " << w.rows << "x" << w.cols
                           << " weight matrix";
  if (llvm::all_of(w.values, [](double x) { return x == 0.0; })) {
    op->emitRemark("qc-low-rank: unchanged: the weight is zero");
    return std::optional<Plan>();
  }
  const lowrank::SVD &svd = getSVD(w);
  Plan plan;
  plan.fullRank = fullRank;
  plan.rank = lowrank::selectRank(svd.sigma, *settings.criterion, settings.value);
  plan.optimalError = lowrank::optimalRelativeError(svd.sigma, plan.rank);
  plan.reduction = static_cast<double>(w.rows * w.cols) /
                   static_cast<double>(plan.rank * (w.rows + w.cols));
  if (settings.minFlopReduction > 0.0 && plan.reduction < settings.minFlopReduction) {
    op->emitRemark() << "qc-low-rank: unchanged: rank " << plan.rank << " of "
                     << fullRank << " (relative error "
                     << formatDouble(plan.optimalError)
                     << ") would cut FLOPs and weight size only "
                     << formatDouble(plan.reduction, "%.2f")
                     << "x, below min-flop-reduction = "
                     << formatDouble(settings.minFlopReduction, "%g");
    return std::optional<Plan>();
  }
  lowrank::buildFactors(svd, plan.rank, plan.a, plan.b);
  return std::optional<Plan>(std::move(plan));
}

void LowRankRewriter::remarkRewritten(Operation *op, const Plan &plan,
                                      double error,
                                      std::optional<double> quantizedError,
                                      int64_t outerSize, const WeightMatrix &w) {
  ++summary.factorized;
  summary.rankSum += plan.rank;
  int64_t before = w.rows * w.cols, after = plan.rank * (w.rows + w.cols);
  InFlightDiagnostic diag = op->emitRemark();
  diag << "qc-low-rank: rank " << plan.rank << " of " << plan.fullRank
       << ", relative error " << formatDouble(error) << " (optimal "
       << formatDouble(plan.optimalError) << ")";
  if (quantizedError)
    diag << ", with quantized factors " << formatDouble(*quantizedError);
  if (ShapedType::isDynamic(outerSize))
    diag << ", FLOPs per output row " << 2 * before << " -> " << 2 * after;
  else
    diag << ", FLOPs " << 2 * outerSize * before << " -> " << 2 * outerSize * after;
  diag << " (" << formatDouble(plan.reduction, "%.2f") << "x fewer), weight "
       << before << " -> " << after << " elements";
}

/// Product of all dimensions but the output-channel one `channelAxis` (the
/// output positions), or dynamic.
int64_t outerSize(ShapedType type, int64_t channelAxis) {
  int64_t size = 1;
  for (auto [i, d] : llvm::enumerate(type.getShape())) {
    if (static_cast<int64_t>(i) == channelAxis)
      continue;
    if (ShapedType::isDynamic(d))
      return ShapedType::kDynamic;
    size *= d;
  }
  return size;
}

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
  bool lhsWeight = weightIndex == 0;
  WeightMatrix w;
  w.values = codes ? roundTo(elementType, dequantize(codes, weightQType))
                   : floatValues(attr);
  w.key = {codes ? codes.getAsOpaquePointer() : attr.getAsOpaquePointer(),
           nullptr, lhsWeight};
  if (lhsWeight) {
    // W [M, K] * x: the matrix with the reduction as rows is W^T.
    w.rows = weightType.getDimSize(1);
    w.cols = weightType.getDimSize(0);
    w.values = transpose(w.values, w.cols, w.rows);
  } else {
    w.cols = weightType.getShape().back();
    w.rows = weightType.getNumElements() / w.cols;
  }
  FailureOr<std::optional<Plan>> planOr = decide(op, w);
  if (failed(planOr))
    return failure();
  if (!*planOr)
    return success();
  Plan &plan = **planOr;

  OpBuilder b(op);
  Location loc = op.getLoc();
  std::vector<double> aRounded = roundTo(elementType, plan.a);
  std::vector<double> bRounded = roundTo(elementType, plan.b);
  double error = lowrank::relativeError(w.values, aRounded, bRounded, w.rows,
                                        w.cols, plan.rank);
  SmallVector<int64_t> firstShape, secondShape;
  int64_t channelAxis;
  if (lhsWeight) {
    firstShape = {plan.rank, w.rows};
    secondShape = {w.cols, plan.rank};
    aRounded = transpose(aRounded, w.rows, plan.rank);
    bRounded = transpose(bRounded, plan.rank, w.cols);
    channelAxis = 0;
  } else {
    std::tie(firstShape, secondShape) =
        factorShapes(weightType.getShape(), plan.rank);
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
    std::vector<double> aMatrix = roundTo(elementType, plan.a);
    std::vector<double> bMatrix = roundTo(elementType, plan.b);
    aQuant = quantizeColumns(aMatrix, w.rows, plan.rank, factorMax);
    QuantizedColumns bQuant = quantizeColumns(bMatrix, plan.rank, w.cols, factorMax);
    quantizedError = lowrank::relativeError(w.values, aQuant->dequantized,
                                            bQuant.dequantized, w.rows, w.cols,
                                            plan.rank);
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
  tShape[channelAxis] = plan.rank;
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
    int64_t qmax = intermediateMax(plan.rank, factorMax);
    double scale = intermediateScale(aQuant->dequantized, w.rows, plan.rank,
                                     maxAbsReal(inputFq.getQuantizedType()), qmax);
    auto qtype = intermediateType(elementType, intermediateBits, qmax, scale);
    t = FakeQuantOp::create(b, loc, t.getType(), t, TypeAttr::get(qtype), nullptr,
                            nullptr, nullptr, b.getI64IntegerAttr(8), nullptr,
                            nullptr, rounding);
  }
  Value result = createSecond(b, loc, t, bValue, init);

  remarkRewritten(op, plan, error, quantizedError, outerSize(initType, channelAxis),
                  w);
  IRRewriter rewriter(op.getContext());
  rewriter.replaceOp(op, result);
  eraseIfDead(rewriter, weight);
  return success();
}

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

LogicalResult LowRankRewriter::rewriteQuantized(
    Operation *op, Value input, Value weight, Value bias,
    function_ref<Value(OpBuilder &, Location, Type, Value, Value)> createFirst,
    function_ref<Value(OpBuilder &, Location, Type, Value, Value, Value)>
        createSecond) {
  // Only quantized constants (arith.constant + quant.scast) are factorized.
  auto cast = weight.getDefiningOp<quant::StorageCastOp>();
  DenseIntElementsAttr codes;
  if (!cast || !matchPattern(cast.getInput(), m_Constant(&codes)))
    return success();
  DenseIntElementsAttr biasCodes;
  if (bias) {
    auto biasCast = bias.getDefiningOp<quant::StorageCastOp>();
    if (!biasCast || !matchPattern(biasCast.getInput(), m_Constant(&biasCodes))) {
      op->emitRemark("qc-low-rank: unchanged: the bias is not a constant and "
                     "cannot be rescaled to the second contraction");
      return success();
    }
  }
  auto weightTensor = llvm::cast<RankedTensorType>(cast.getType());
  if (weightTensor.getNumElements() == 0)
    return success();
  QuantizedType weightQType = getQuantizedElementType(weightTensor);
  auto inputType = llvm::cast<RankedTensorType>(input.getType());
  QuantizedType inputQType = getQuantizedElementType(inputType);
  auto resultType = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  Type expressed = weightQType.getExpressedType();

  WeightMatrix w;
  w.values = dequantize(codes, weightQType);
  w.key = {codes.getAsOpaquePointer(), weightQType.getAsOpaquePointer(), false};
  w.cols = weightTensor.getShape().back();
  w.rows = weightTensor.getNumElements() / w.cols;
  FailureOr<std::optional<Plan>> planOr = decide(op, w);
  if (failed(planOr))
    return failure();
  if (!*planOr)
    return success();
  Plan &plan = **planOr;

  // Factors: the weight's storage width, signed, symmetric narrow range
  // ([-127, 127] for 8 bits), one scale per output channel of each factor.
  unsigned bits = weightQType.getStorageTypeIntegralWidth();
  int64_t factorMax = (int64_t{1} << (bits - 1)) - 1;
  QuantizedColumns aQuant = quantizeColumns(plan.a, w.rows, plan.rank, factorMax);
  QuantizedColumns bQuant = quantizeColumns(plan.b, plan.rank, w.cols, factorMax);
  double error =
      lowrank::relativeError(w.values, plan.a, plan.b, w.rows, w.cols, plan.rank);
  double quantizedError = lowrank::relativeError(
      w.values, aQuant.dequantized, bQuant.dequantized, w.rows, w.cols, plan.rank);

  // Intermediate: worst-case scale (never saturates), codes bounded so that
  // the second contraction's i32 accumulator cannot overflow.
  int64_t qmax = intermediateMax(plan.rank, factorMax);
  if (qmax < 1) {
    op->emitRemark() << "qc-low-rank: unchanged: rank " << plan.rank
                     << " leaves no intermediate range without i32 overflow";
    return success();
  }
  double tScale = intermediateScale(aQuant.dequantized, w.rows, plan.rank,
                                    maxAbsReal(inputQType), qmax);
  auto tElement = intermediateType(expressed, intermediateBits, qmax, tScale);
  SmallVector<int64_t> tShape(resultType.getShape());
  tShape.back() = plan.rank;
  auto tType = RankedTensorType::get(tShape, tElement);

  // The bias moves to the second contraction, whose bias scale is
  // s_t * s_B[n] instead of s_x * s_W[n]: re-round it at the new scale.
  Value newBias;
  OpBuilder b(op);
  Location loc = op->getLoc();
  if (bias) {
    auto biasType = llvm::cast<RankedTensorType>(bias.getType());
    std::vector<double> realBias =
        dequantize(biasCodes, getQuantizedElementType(biasType));
    SmallVector<double> scales;
    SmallVector<int64_t> newCodes;
    for (int64_t n = 0; n < w.cols; ++n) {
      double scale = tScale * bQuant.scales[n];
      double real = realBias[realBias.size() == 1 ? 0 : n];
      double q = numerics::roundReal(real / scale, RoundingMode::HalfEven);
      if (std::abs(q) > std::numeric_limits<int32_t>::max()) {
        op->emitRemark() << "qc-low-rank: unchanged: bias of channel " << n
                         << " does not fit i32 at the scale of the second "
                            "contraction";
        return success();
      }
      scales.push_back(scale);
      newCodes.push_back(static_cast<int64_t>(q));
    }
    auto biasQType = UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, b.getI32Type(), expressed, scales,
        SmallVector<int64_t>(scales.size(), 0), 0,
        std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    newBias = createQuantizedConstant(
        b, loc, RankedTensorType::get({w.cols}, biasQType), newCodes);
  }

  auto [firstShape, secondShape] = factorShapes(weightTensor.getShape(), plan.rank);
  auto aType = RankedTensorType::get(
      firstShape, perChannelType(expressed, bits, aQuant.scales, firstShape.size() - 1));
  auto bType = RankedTensorType::get(
      secondShape, perChannelType(expressed, bits, bQuant.scales, secondShape.size() - 1));
  Value aValue = createQuantizedConstant(b, loc, aType, aQuant.codes);
  Value bValue = createQuantizedConstant(b, loc, bType, bQuant.codes);
  Value t = createFirst(b, loc, tType, input, aValue);
  Value result = createSecond(b, loc, resultType, t, bValue, newBias);

  remarkRewritten(op, plan, error, quantizedError,
                  outerSize(resultType, resultType.getRank() - 1), w);
  IRRewriter rewriter(op->getContext());
  rewriter.replaceOp(op, result);
  eraseIfDead(rewriter, weight);
  if (bias)
    eraseIfDead(rewriter, bias);
  return success();
}

LogicalResult LowRankRewriter::rewrite(qc::MatmulOp op) {
  RequantProfileAttr profile = op.getProfileAttr();
  DenseI64ArrayAttr clamp = op.getClampAttr();
  return rewriteQuantized(
      op, op.getLhs(), op.getRhs(), op.getBias(),
      [&](OpBuilder &b, Location loc, Type type, Value x, Value a) -> Value {
        return qc::MatmulOp::create(b, loc, type, x, a, Value(), profile, nullptr);
      },
      [&](OpBuilder &b, Location loc, Type type, Value t, Value bw,
          Value bias) -> Value {
        return qc::MatmulOp::create(b, loc, type, t, bw, bias, profile, clamp);
      });
}

LogicalResult LowRankRewriter::rewrite(qc::Conv2DOp op) {
  // A grouped filter is block diagonal as a matrix; factorizing it whole
  // would mix the groups.
  if (op.getGroups() != 1)
    return success();
  RequantProfileAttr profile = op.getProfileAttr();
  DenseI64ArrayAttr clamp = op.getClampAttr();
  return rewriteQuantized(
      op, op.getInput(), op.getFilter(), op.getBias(),
      [&](OpBuilder &b, Location loc, Type type, Value x, Value a) -> Value {
        return qc::Conv2DOp::create(b, loc, type, x, a, Value(),
                                    op.getStridesAttr(), op.getPaddingAttr(),
                                    op.getDilationsAttr(), op.getGroupsAttr(),
                                    profile, nullptr);
      },
      [&](OpBuilder &b, Location loc, Type type, Value t, Value bw,
          Value bias) -> Value {
        return qc::Conv2DOp::create(b, loc, type, t, bw, bias,
                                    b.getDenseI64ArrayAttr({1, 1}),
                                    b.getDenseI64ArrayAttr({0, 0, 0, 0}),
                                    b.getDenseI64ArrayAttr({1, 1}),
                                    op.getGroupsAttr(), profile, clamp);
      });
}

/// The settings of `options`; an option counts as given when its flag in
/// `given` (rank, energy, max-rel-error) is set.
FailureOr<Settings> validateOptions(func::FuncOp func,
                                    const QCLowRankOptions &options,
                                    std::array<bool, 3> given) {
  Settings settings;
  auto fail = [&](const std::string &msg) {
    func.emitError() << "qc-low-rank: " << msg;
    return failure();
  };
  int criteria = 0;
  if (given[0]) {
    if (options.rank < 1)
      return fail("rank must be >= 1, got " + std::to_string(options.rank));
    settings.criterion = RankCriterion::Rank;
    settings.value = static_cast<double>(options.rank);
    ++criteria;
  }
  if (given[1]) {
    if (std::string msg = checkValue("energy", options.energy); !msg.empty())
      return fail(msg);
    settings.criterion = RankCriterion::Energy;
    settings.value = options.energy;
    ++criteria;
  }
  if (given[2]) {
    if (std::string msg = checkValue("max-rel-error", options.maxRelError);
        !msg.empty())
      return fail(msg);
    settings.criterion = RankCriterion::MaxRelError;
    settings.value = options.maxRelError;
    ++criteria;
  }
  if (criteria > 1)
    return fail("rank=, energy= and max-rel-error= are mutually exclusive");
  if (std::string msg = checkValue("min-flop-reduction", options.minFlopReduction);
      !msg.empty())
    return fail(msg);
  settings.minFlopReduction = options.minFlopReduction;
  if (options.intermediateBits < 2 || options.intermediateBits > 16)
    return fail("intermediate-bits must be in [2, 16], got " +
                std::to_string(options.intermediateBits));
  return settings;
}

FailureOr<LowRankSummary> runLowRank(func::FuncOp func,
                                     const QCLowRankOptions &options,
                                     std::array<bool, 3> given) {
  FailureOr<Settings> settings = validateOptions(func, options, given);
  if (failed(settings))
    return failure();
  SmallVector<Operation *> candidates;
  func.walk([&](Operation *op) {
    if (isa<linalg::MatmulOp, linalg::MatvecOp, linalg::VecmatOp,
            linalg::Conv2DNhwcHwcfOp, qc::MatmulOp, qc::Conv2DOp>(op))
      candidates.push_back(op);
  });
  LowRankRewriter rewriter(*settings, options.intermediateBits);
  for (Operation *op : candidates) {
    LogicalResult result =
        TypeSwitch<Operation *, LogicalResult>(op)
            .Case<linalg::MatmulOp, linalg::MatvecOp, linalg::VecmatOp,
                  linalg::Conv2DNhwcHwcfOp, qc::MatmulOp, qc::Conv2DOp>(
                [&](auto typed) { return rewriter.rewrite(typed); })
            .Default([](Operation *) { return success(); });
    if (failed(result))
      return failure();
  }
  return rewriter.getSummary();
}

struct QCLowRankPass final
    : qc::impl::QCLowRankBase<QCLowRankPass> {
  using QCLowRankBase::QCLowRankBase;

  void runOnOperation() override {
    QCLowRankOptions options;
    options.rank = rank;
    options.energy = energy;
    options.maxRelError = maxRelError;
    options.minFlopReduction = minFlopReduction;
    options.intermediateBits = intermediateBits;
    // Written on the command line counts as given even when it equals the
    // "unset" default, so that rank=0 is an error rather than no rule.
    std::array<bool, 3> given = {rank.hasValue() || rank != 0,
                                 energy.hasValue() || energy != 0.0,
                                 maxRelError.hasValue() || maxRelError != 0.0};
    FailureOr<LowRankSummary> summary =
        runLowRank(getOperation(), options, given);
    if (failed(summary))
      return signalPassFailure();
    addStatistic(*this, numConsidered, "considered-ops", summary->considered);
    addStatistic(*this, numFactorized, "factorized-ops", summary->factorized);
    addStatistic(*this, rankSum, "rank-sum", summary->rankSum);
  }
};

} // namespace

FailureOr<LowRankSummary>
mlir::qc::factorizeLowRank(func::FuncOp func, const QCLowRankOptions &options) {
  return runLowRank(func, options,
                    {options.rank != 0, options.energy != 0.0,
                     options.maxRelError != 0.0});
}
