//===- FoldFakeQuant.cpp - --qc-fold-fake-quant: driver, boundaries, report ===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Dialect/QC/IR/Requantization.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Numerics/FixedPoint.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

// LLVM's enum option parser answers a bad value with "Cannot find option
// named 'x'!", which does not say what would have been accepted. The pass
// option `profile` parses with this specialization instead, whose error lists
// the valid values (it must precede the generated pass base, which
// instantiates the parser).
template <>
struct mlir::detail::PassOptions::GenericOptionParser<mlir::qc::RequantProfile>
    : public llvm::cl::parser<mlir::qc::RequantProfile> {
  using llvm::cl::parser<mlir::qc::RequantProfile>::parser;

  bool parse(llvm::cl::Option &option, llvm::StringRef argName,
             llvm::StringRef arg, mlir::qc::RequantProfile &value) {
    for (const auto &entry : this->Values) {
      if (entry.Name == arg) {
        value = entry.V.getValue();
        return false;
      }
    }
    std::string names;
    for (const auto &entry : this->Values)
      names += (names.empty() ? "" : ", ") + entry.Name.str();
    return option.error("'" + arg + "' is not a valid value (expected one of: " +
                        names + ")");
  }

  std::optional<llvm::StringRef>
  findArgStrForValue(const mlir::qc::RequantProfile &value) {
    for (const auto &entry : this->Values)
      if (entry.V.compare(value))
        return entry.Name;
    return std::nullopt;
  }
};

namespace mlir::qc {
#define GEN_PASS_DEF_QCFOLDFAKEQUANT
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

DetachedOps::~DetachedOps() {
  // Users first: later ops use the results of earlier ones.
  for (Operation *op : llvm::reverse(ops))
    op->erase();
}

LogicalResult DetachedOps::verify(std::string &reason) {
  for (Operation *op : ops) {
    // Only diagnostics of this op are captured: other functions may be
    // processed (and emit remarks) on other threads at the same time.
    Location loc = op->getLoc();
    ScopedDiagnosticHandler handler(op->getContext(), [&](Diagnostic &diag) {
      if (diag.getLocation() != loc)
        return failure();
      if (reason.empty())
        reason = diag.str();
      return success();
    });
    if (failed(mlir::verify(op, /*verifyRecursively=*/false)))
      return failure();
  }
  return success();
}

void DetachedOps::commit(RewriterBase &rewriter) {
  for (Operation *op : ops)
    rewriter.insert(op);
  ops.clear();
}

Value fold::getDequantizedSource(Value value) {
  if (auto dequantize = value.getDefiningOp<DequantizeOp>())
    return dequantize.getInput();
  return nullptr;
}

DenseIntElementsAttr fold::getQuantizedConstant(Value quantized) {
  auto cast = quantized.getDefiningOp<quant::StorageCastOp>();
  if (!cast)
    return nullptr;
  DenseIntElementsAttr codes;
  if (!matchPattern(cast.getInput(), m_Constant(&codes)))
    return nullptr;
  return codes;
}

/// The real values of `quant.dcast(quant.scast(arith.constant))`, computed
/// in double: QDQ graphs carry their i32 biases this way (qc.dequantize takes
/// only 2- to 16-bit storage, so the dcast stays). Double keeps every i32
/// code exact, so re-quantizing with the same scale gives the codes back.
static std::optional<SmallVector<double>> getDequantizedConstantValues(Value value) {
  auto dcast = value.getDefiningOp<quant::DequantizeCastOp>();
  if (!dcast)
    return std::nullopt;
  DenseIntElementsAttr codes = getQuantizedConstant(dcast.getInput());
  auto type = dyn_cast<RankedTensorType>(dcast.getInput().getType());
  QuantizedType qtype = getQuantizedElementType(type);
  if (!codes || !type || !type.hasStaticShape() ||
      !isa_and_nonnull<UniformQuantizedType, UniformQuantizedPerAxisType>(qtype))
    return std::nullopt;
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  int64_t stride = 1, dim = 1;
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
    int64_t axis = perAxis.getQuantizedDimension();
    dim = type.getDimSize(axis);
    for (int64_t d = axis + 1, e = type.getRank(); d < e; ++d)
      stride *= type.getDimSize(d);
  }
  SmallVector<double> result;
  result.reserve(codes.getNumElements());
  for (auto [i, code] : llvm::enumerate(getCodes(codes, qtype.isSigned()))) {
    int64_t slice = (static_cast<int64_t>(i) / stride) % dim;
    result.push_back(static_cast<double>(code - zeroPoints[slice]) * scales[slice]);
  }
  return result;
}

std::optional<SmallVector<double>> fold::getFloatConstantValues(Value value) {
  if (std::optional<SmallVector<double>> dequantized = getDequantizedConstantValues(value))
    return dequantized;
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<double> result;
  result.reserve(attr.getNumElements());
  // f32 and f64 widen to double exactly; reading them as floats skips an
  // APFloat per element (a tenth of the fold of resnet18's weights).
  if (attr.getElementType().isF32()) {
    llvm::append_range(result, attr.getValues<float>());
    return result;
  }
  if (attr.getElementType().isF64()) {
    llvm::append_range(result, attr.getValues<double>());
    return result;
  }
  for (APFloat element : attr.getValues<APFloat>()) {
    bool losesInfo = false;
    element.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    result.push_back(element.convertToDouble());
  }
  return result;
}

SmallVector<int64_t> fold::quantizeElements(ArrayRef<double> values,
                                              ArrayRef<int64_t> shape,
                                              QuantizedType qtype,
                                              RoundingMode rounding) {
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  auto [qmin, qmax] = getStorageRange(qtype);
  // Elements are row-major: the slice of element i along the axis is
  // (i / stride) % dim, with stride the product of the inner dimensions.
  int64_t stride = 1, dim = 1;
  if (auto perAxis = dyn_cast<UniformQuantizedPerAxisType>(qtype)) {
    int64_t axis = perAxis.getQuantizedDimension();
    dim = shape[axis];
    for (int64_t d = axis + 1, e = shape.size(); d < e; ++d)
      stride *= shape[d];
  }
  SmallVector<int64_t> codes;
  codes.reserve(values.size());
  for (auto [i, value] : llvm::enumerate(values)) {
    int64_t slice = (static_cast<int64_t>(i) / stride) % dim;
    codes.push_back(numerics::quantizeValue(value, scales[slice], zeroPoints[slice],
                                            qmin, qmax, rounding));
  }
  return codes;
}

Value fold::buildQuantizedConstant(DetachedOps &ops, Location loc,
                                     ArrayRef<int64_t> shape, QuantizedType qtype,
                                     ArrayRef<int64_t> codes) {
  auto storageType = cast<IntegerType>(qtype.getStorageType());
  unsigned width = storageType.getWidth();
  auto storageTensor = RankedTensorType::get(shape, storageType);
  DenseElementsAttr attr;
  if (llvm::endianness::native == llvm::endianness::little && width >= 2 &&
      width <= 32 && !codes.empty()) {
    // The bytes DenseElementsAttr::get(APInt...) would write (each element
    // in whole little-endian bytes, its `width` low bits set, the rest 0),
    // written directly: an APInt per element was a seventh of the fold of
    // resnet18's weights. Equal elements still make a splat (the attribute
    // storage detects them in both cases).
    unsigned bytes = llvm::divideCeil(width, 8);
    uint64_t mask = (uint64_t{1} << width) - 1;
    SmallVector<char> raw(codes.size() * bytes);
    for (auto [i, code] : llvm::enumerate(codes)) {
      uint64_t bits = static_cast<uint64_t>(code) & mask;
      for (unsigned b = 0; b < bytes; ++b)
        raw[i * bytes + b] = static_cast<char>(bits >> (8 * b));
    }
    attr = DenseElementsAttr::getFromRawBuffer(storageTensor, raw);
  } else {
    SmallVector<APInt> elements;
    elements.reserve(codes.size());
    for (int64_t code : codes)
      elements.push_back(APInt(width, static_cast<uint64_t>(code), qtype.isSigned(),
                               /*implicitTrunc=*/true));
    attr = DenseElementsAttr::get(storageTensor, elements);
  }
  auto constant = ops.create<arith::ConstantOp>(loc, storageTensor, attr);
  return ops
      .create<quant::StorageCastOp>(loc, RankedTensorType::get(shape, qtype),
                                    constant.getResult())
      .getResult();
}

/// The float tensors qc.quantize / qc.dequantize accept.
static bool isQCFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(
                       tensor.getElementType());
}

/// The quantized tensors qc.quantize / qc.dequantize accept: !quant.uniform
/// with 2- to 16-bit storage (i32 is only for biases).
static bool isQCQuantizedTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor ||
      !isa<UniformQuantizedType, UniformQuantizedPerAxisType>(tensor.getElementType()))
    return false;
  unsigned width = cast<QuantizedType>(tensor.getElementType()).getStorageTypeIntegralWidth();
  return width >= 2 && width <= 16;
}

namespace {

//===----------------------------------------------------------------------===//
// Step 1: boundaries
//===----------------------------------------------------------------------===//

/// qc.fake_quant(x) == dequantize(quantize(x)) by definition; splitting it
/// exposes the quantized value to the compute patterns.
struct FakeQuantToBoundary final : OpRewritePattern<FakeQuantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FakeQuantOp op,
                                PatternRewriter &rewriter) const override {
    QuantizedType qtype = op.getQuantizedType();
    if (!qtype)
      return rewriter.notifyMatchFailure(op, "no quantized type (invalid op)");
    RankedTensorType floatType = op.getInput().getType();
    auto quantizedType = floatType.clone(qtype);
    auto quantize = QuantizeOp::create(rewriter, op.getLoc(), quantizedType,
                                       op.getInput(),
                                       RoundingModeAttr::get(getContext(), op.getRounding()));
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, floatType, quantize.getResult());
    return success();
  }
};

/// Upstream quant.qcast carries no rounding; qc makes it explicit as
/// half_even, the rounding of the QDQ exporters (ONNX QuantizeLinear,
/// PyTorch).
struct QuantizeCastToQuantize final : OpRewritePattern<quant::QuantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::QuantizeCastOp op,
                                PatternRewriter &rewriter) const override {
    if (!isQCFloatTensor(op.getInput().getType()) || !isQCQuantizedTensor(op.getType()))
      return rewriter.notifyMatchFailure(
          op, "only ranked f16/bf16/f32/f64 tensors to 2..16-bit !quant.uniform "
              "map to qc.quantize");
    rewriter.replaceOpWithNewOp<QuantizeOp>(
        op, op.getType(), op.getInput(),
        RoundingModeAttr::get(getContext(), RoundingMode::HalfEven));
    return success();
  }
};

struct DequantizeCastToDequantize final
    : OpRewritePattern<quant::DequantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::DequantizeCastOp op,
                                PatternRewriter &rewriter) const override {
    if (!isQCQuantizedTensor(op.getInput().getType()) || !isQCFloatTensor(op.getType()))
      return rewriter.notifyMatchFailure(
          op, "only ranked 2..16-bit !quant.uniform to f16/bf16/f32/f64 tensors "
              "map to qc.dequantize");
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

/// Weights: quantize(constant) is evaluated at compile time into the storage
/// constant + quant.scast form that the lowering expects.
struct FoldConstantQuantize final : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<double>> values = getFloatConstantValues(op.getInput());
    if (!values)
      return rewriter.notifyMatchFailure(op, "operand is not a float constant");
    RankedTensorType type = op.getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "constant has a dynamic shape");
    QuantizedType qtype = getQuantizedElementType(type);
    SmallVector<int64_t> codes =
        quantizeElements(*values, type.getShape(), qtype, op.getRounding());
    DetachedOps ops(getContext());
    Value result = buildQuantizedConstant(ops, op.getLoc(), type.getShape(), qtype, codes);
    ops.commit(rewriter);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Step 3: cleanup
//===----------------------------------------------------------------------===//

/// quantize(dequantize(q)) into other parameters is a change of parameters:
/// done in integers with the compile-time multiplier s_in / s_out. (Identical
/// types are removed by QuantizeOp's folder.)
struct QuantizeOfDequantizeToRequantize final : OpRewritePattern<QuantizeOp> {
  QuantizeOfDequantizeToRequantize(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context), ctx(ctx) {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Value source = getDequantizedSource(op.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "operand is not a qc.dequantize");
    if (source.getType() == op.getType())
      return rewriter.notifyMatchFailure(op, "identical types fold away");
    DetachedOps ops(getContext());
    auto requantize = createRequantize(ops, op.getLoc(), op.getType(), source, ctx);
    std::string reason;
    if (failed(ops.verify(reason)))
      return rewriter.notifyMatchFailure(op, reason);
    ops.commit(rewriter);
    rewriter.replaceOp(op, requantize.getResult());
    return success();
  }
  FoldContext ctx;
};

/// Whether every real value of `inner` (per slice) is representable in
/// `outer`'s range, so that saturating to `outer` is a no-op.
static bool coversRealRange(RankedTensorType outer, RankedTensorType inner) {
  QuantizedType o = getQuantizedElementType(outer), i = getQuantizedElementType(inner);
  SmallVector<double> os = getScales(o), is = getScales(i);
  SmallVector<int64_t> oz = getZeroPoints(o), iz = getZeroPoints(i);
  size_t n = std::max(os.size(), is.size());
  for (size_t c = 0; c < n; ++c) {
    size_t oc = os.size() == 1 ? 0 : c, ic = is.size() == 1 ? 0 : c;
    double lo = (i.getStorageTypeMin() - iz[ic]) * is[ic];
    double hi = (i.getStorageTypeMax() - iz[ic]) * is[ic];
    if (lo < (o.getStorageTypeMin() - oz[oc]) * os[oc] ||
        hi > (o.getStorageTypeMax() - oz[oc]) * os[oc])
      return false;
  }
  return true;
}

/// requantize(requantize(q)) without an inner clamp is one change of
/// parameters when the intermediate type does not saturate; a single
/// rounding is also the more accurate one.
struct MergeRequantizeChain final : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<RequantizeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "operand is not a qc.requantize");
    if (inner.getClamp())
      return rewriter.notifyMatchFailure(op, "the inner clamp would be lost");
    auto inAxis = dyn_cast<UniformQuantizedPerAxisType>(
        inner.getInput().getType().getElementType());
    auto outAxis = dyn_cast<UniformQuantizedPerAxisType>(op.getType().getElementType());
    if (inAxis && outAxis &&
        inAxis.getQuantizedDimension() != outAxis.getQuantizedDimension())
      return rewriter.notifyMatchFailure(op, "per-axis axes differ");
    if (!coversRealRange(inner.getType(), inner.getInput().getType()))
      return rewriter.notifyMatchFailure(
          op, "the intermediate type saturates values of the input");
    rewriter.modifyOpInPlace(op, [&] { op.getInputMutable().assign(inner.getInput()); });
    return success();
  }
};

} // namespace

SmallVector<int64_t> fold::permuteElements(ArrayRef<int64_t> elements,
                                           ArrayRef<int64_t> shape,
                                           ArrayRef<int64_t> perm) {
  // Result element at multi-index j reads operand index i with
  // i[perm[d]] = j[d]; row-major strides of the operand.
  int64_t rank = perm.size();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  SmallVector<int64_t> result(elements.size());
  SmallVector<int64_t> index(rank, 0);
  for (int64_t &out : result) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += index[d] * strides[perm[d]];
    out = elements[offset];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[perm[d]])
        break;
      index[d] = 0;
    }
  }
  return result;
}

SmallVector<int64_t> fold::getCodes(DenseIntElementsAttr attr, bool isSigned) {
  SmallVector<int64_t> codes;
  codes.reserve(attr.getNumElements());
  for (const APInt &v : attr.getValues<APInt>())
    codes.push_back(isSigned ? v.getSExtValue() : static_cast<int64_t>(v.getZExtValue()));
  return codes;
}

namespace {

/// Weights are constants: their qc.transpose / qc.reshape (from NCHW, FHWC,
/// transposed-matmul and batch forms) is done at compile time, so the
/// lowering sees the constant in qc's layout.
template <typename ShapeOp>
struct FoldConstantShapeOp final : OpRewritePattern<ShapeOp> {
  using OpRewritePattern<ShapeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ShapeOp op, PatternRewriter &rewriter) const override {
    DenseIntElementsAttr attr = getQuantizedConstant(op.getInput());
    if (!attr)
      return rewriter.notifyMatchFailure(op, "operand is not a quantized constant");
    RankedTensorType resultType = op.getType();
    if (!resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic result shape");
    QuantizedType qtype = getQuantizedElementType(resultType);
    SmallVector<int64_t> codes = getCodes(attr, qtype.isSigned());
    if constexpr (std::is_same_v<ShapeOp, TransposeOp>)
      codes = permuteElements(codes, op.getInput().getType().getShape(),
                              op.getPermutation());
    DetachedOps ops(op->getContext());
    Value folded =
        buildQuantizedConstant(ops, op.getLoc(), resultType.getShape(), qtype, codes);
    ops.commit(rewriter);
    rewriter.replaceOp(op, folded);
    return success();
  }
};

/// transpose(transpose(x, p1), p2) is one transpose by p1[p2[d]], or x when
/// that is the identity: NCHW ops folded one at a time leave such pairs
/// between them.
struct ComposeTransposes final : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "operand is not a qc.transpose");
    ArrayRef<int64_t> outerPerm = op.getPermutation(), innerPerm = inner.getPermutation();
    SmallVector<int64_t> perm;
    for (int64_t p : outerPerm)
      perm.push_back(innerPerm[p]);
    if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())) &&
        inner.getInput().getType() == op.getType()) {
      rewriter.replaceOp(op, inner.getInput());
      return success();
    }
    rewriter.replaceOpWithNewOp<TransposeOp>(op, inner.getInput(),
                                             rewriter.getDenseI64ArrayAttr(perm));
    return success();
  }
};

} // namespace

void qc::populateFakeQuantBoundaryPatterns(RewritePatternSet &patterns) {
  patterns.add<FakeQuantToBoundary, QuantizeCastToQuantize,
               DequantizeCastToDequantize>(patterns.getContext());
}

void fold::populateCleanupPatterns(RewritePatternSet &patterns,
                                   const FoldContext &ctx) {
  MLIRContext *context = patterns.getContext();
  patterns.add<FoldConstantQuantize, MergeRequantizeChain, ComposeTransposes,
               FoldConstantShapeOp<TransposeOp>, FoldConstantShapeOp<ReshapeOp>>(context);
  patterns.add<QuantizeOfDequantizeToRequantize>(context, ctx);
}

void qc::populateFoldFakeQuantPatterns(RewritePatternSet &patterns,
                                       RequantProfile profile) {
  FoldContext ctx;
  ctx.profile = profile;
  populateCanonicalFormPatterns(patterns);
  populateCleanupPatterns(patterns, ctx);
  populateContractionPatterns(patterns, ctx);
  populateComputePatterns(patterns, ctx);
  populatePropagationPatterns(patterns, ctx);
  populateNonlinearPatterns(patterns, ctx);
  populateHadamardPatterns(patterns, ctx);
}

//===----------------------------------------------------------------------===//
// Report
//===----------------------------------------------------------------------===//

static bool isIntegerComputeOp(Operation *op) {
  return isa_and_nonnull<QCDialect>(op->getDialect()) &&
         !isa<QuantizeOp, DequantizeOp, FakeQuantOp>(op);
}

namespace {
/// Forgets the reasons of erased ops, so that a new op that reuses the
/// address does not inherit one.
struct ForgetErasedOps final : RewriterBase::Listener {
  explicit ForgetErasedOps(FloatReasons &reasons) : reasons(reasons) {}
  void notifyOperationErased(Operation *op) override { reasons.reasons.erase(op); }
  FloatReasons &reasons;
};

struct QCFoldFakeQuantPass final
    : qc::impl::QCFoldFakeQuantBase<QCFoldFakeQuantPass> {
  using QCFoldFakeQuantBase::QCFoldFakeQuantBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Step 1 walks once without folding: the upstream folder of quant.dcast
    // would otherwise erase dcast(qcast(x)) before it becomes a boundary.
    {
      RewritePatternSet boundaries(&getContext());
      populateFakeQuantBoundaryPatterns(boundaries);
      walkAndApplyPatterns(func, std::move(boundaries));
    }
    // One canonical float form before matching (docs/Design.md).
    if (failed(applyNormalizeFloatPatterns(func)))
      func.emitWarning("qc-normalize-float did not converge");
    // What step 1 could not convert is named, not silently lost: the
    // greedy driver below folds quant.dcast(quant.qcast(x)) to x.
    func.walk([](quant::QuantizeCastOp op) {
      op.emitWarning("not converted to qc.quantize (qc needs ranked f16/bf16/"
                     "f32/f64 tensors and 2- to 16-bit storage); a quant.dcast "
                     "of it folds away");
    });
    unsigned integerOpsBefore = countIntegerOps(func);
    FoldContext ctx;
    ctx.profile = profile;
    ctx.floatReasons = std::make_shared<FloatReasons>();
    RewritePatternSet patterns(&getContext());
    populateCanonicalFormPatterns(patterns);
    populateCleanupPatterns(patterns, ctx);
    populateContractionPatterns(patterns, ctx);
    populateComputePatterns(patterns, ctx);
    populatePropagationPatterns(patterns, ctx);
    populateNonlinearPatterns(patterns, ctx);
    populateHadamardPatterns(patterns, ctx);
    ForgetErasedOps listener(*ctx.floatReasons);
    GreedyRewriteConfig config;
    config.setListener(&listener);
    // Every rewrite leaves valid IR, so a driver that stops early (its
    // iteration limit) only leaves more ops in float: warn, do not fail.
    if (failed(applyPatternsGreedily(func, std::move(patterns), config)))
      func.emitWarning("qc-fold-fake-quant did not converge; some ops may stay in "
                       "float");
    unsigned integerOpsAfter = countIntegerOps(func);
    mlir::qc::addStatistic(*this, numFolded, "folded-ops",
                           integerOpsAfter > integerOpsBefore
                               ? integerOpsAfter - integerOpsBefore
                               : 0);
    if (failed(checkAndReport(func, *ctx.floatReasons)))
      return signalPassFailure();
  }

  static unsigned countIntegerOps(func::FuncOp func) {
    unsigned count = 0;
    func.walk([&](Operation *op) { count += isIntegerComputeOp(op); });
    return count;
  }

  /// Checks that every requantization has a representable multiplier (an
  /// error otherwise: scales like 1e200 * 1e200 overflow), names what stayed
  /// float (errors without `allow-float`, remarks with `report`), and with
  /// `report` describes each integer op.
  LogicalResult checkAndReport(func::FuncOp func, const FloatReasons &floatReasons) {
    unsigned integerOps = 0;
    SmallVector<std::string> floatOps;
    WalkResult walk = func.walk([&](Operation *op) {
      if (isIntegerComputeOp(op)) {
        ++integerOps;
        std::optional<Requantization> d = getRequantization(op);
        if (!d)
          return WalkResult::advance();
        SmallVector<int32_t> multipliers, shifts;
        for (double real : d->reals) {
          if (!std::isfinite(real) || real < 0.0) {
            op->emitOpError() << "requantization multiplier " << real << " ("
                              << d->formula
                              << ") is not finite: the scales are inconsistent";
            return WalkResult::interrupt();
          }
          numerics::QuantizedMultiplier m = numerics::quantizeMultiplier(real);
          multipliers.push_back(m.multiplier);
          shifts.push_back(m.shift);
        }
        if (report) {
          std::string reals;
          llvm::raw_string_ostream os(reals);
          llvm::interleaveComma(d->reals, os,
                                [&](double r) { os << llvm::format("%.9g", r); });
          op->emitRemark() << "requantization (" << stringifyRequantProfile(profile)
                           << "): real [" << reals << "] (" << d->formula
                           << ") -> multiplier [" << llvm::interleaved(multipliers)
                           << "] shift [" << llvm::interleaved(shifts) << "]";
        }
        return WalkResult::advance();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    bool rejected = false;
    unsigned islands = 0;
    for (const FloatOp &floatOp : findFloatOps(func, floatReasons)) {
      floatOps.push_back(floatOp.op->getName().getStringRef().str());
      if (!allowFloat && floatOp.between) {
        floatOp.op->emitError() << "'" << floatOp.op->getName()
                                << "' has no integer form here (allow-float=false): "
                                << floatOp.reason;
        rejected = true;
        continue;
      }
      // Allowed float between a dequantize and a quantize: an explicit,
      // named qc.float_island (docs/FoldFakeQuant.md).
      std::string island;
      if (floatOp.between) {
        island = (func.getSymName() + ".float" + Twine(islands++)).str();
        wrapInFloatIsland(floatOp.op, island);
      }
      if (report) {
        InFlightDiagnostic remark = floatOp.op->emitRemark()
                                    << "'" << floatOp.op->getName()
                                    << "' stays in float: " << floatOp.reason;
        if (!island.empty())
          remark << " (float island '" << island << "')";
      }
    }
    mlir::qc::addStatistic(*this, numKeptFloat, "kept-float-ops",
                           floatOps.size());
    if (rejected)
      return failure();
    if (report) {
      InFlightDiagnostic summary = func.emitRemark()
                                   << "qc-fold-fake-quant: " << integerOps
                                   << " integer op(s), " << floatOps.size()
                                   << " op(s) stayed float";
      if (!floatOps.empty())
        summary << ": " << llvm::join(floatOps, ", ");
    }
    return success();
  }
};
} // namespace
