//===- FusePaddedBufferReads.cpp - read a padded buffer's source ----------===//
//
// A `tensor.pad` that nothing fuses bufferizes to a buffer larger than its
// source, a kernel filling it with the padding value and one copying the
// source into its interior. On resnet18-224 the stem convolution's input
// (1x230x230x3) is such a buffer, read by the filter-row gather that the
// contraction kernels build for a convolution with few channels; before it,
// the NCHW input is transposed into a buffer of its own. Here a
// linalg.generic on buffers that reads such a padded buffer (directly or
// through a reshape) computes each element's index in the padded buffer from
// its loop indices, checks it against the interior and loads the source
// there (through the transpose's permutation where the source is a
// transpose's output), or takes the padding value outside: the same values,
// so the same bits, without the fill, the copy and the transpose kernels.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "PaddedReads.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCFUSEPADDEDBUFFERREADS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// sum(coeffs[d] * d) + constant over a generic's loop dims.
struct LinearForm {
  SmallVector<int64_t> coeffs;
  int64_t constant = 0;
};

/// Adds `scale * expr` to `form`; fails on anything but sums and products
/// of loop dims and constants.
static bool addLinear(AffineExpr expr, int64_t scale, LinearForm &form) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
    form.coeffs[dim.getPosition()] += scale;
    return true;
  }
  if (auto cst = dyn_cast<AffineConstantExpr>(expr)) {
    form.constant += scale * cst.getValue();
    return true;
  }
  auto bin = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!bin)
    return false;
  if (bin.getKind() == AffineExprKind::Add)
    return addLinear(bin.getLHS(), scale, form) &&
           addLinear(bin.getRHS(), scale, form);
  if (bin.getKind() == AffineExprKind::Mul) {
    if (auto c = dyn_cast<AffineConstantExpr>(bin.getRHS()))
      return addLinear(bin.getLHS(), scale * c.getValue(), form);
    if (auto c = dyn_cast<AffineConstantExpr>(bin.getLHS()))
      return addLinear(bin.getRHS(), scale * c.getValue(), form);
  }
  return false;
}

/// The smallest and largest value of `form` over loops [0, ranges[d]).
static std::pair<int64_t, int64_t> valueRange(const LinearForm &form,
                                              ArrayRef<int64_t> ranges) {
  int64_t lo = form.constant, hi = form.constant;
  for (auto [c, r] : llvm::zip(form.coeffs, ranges)) {
    int64_t last = c * (r - 1);
    lo += std::min<int64_t>(0, last);
    hi += std::max<int64_t>(0, last);
  }
  return {lo, hi};
}

/// Splits the linear index `linear` into `buffer` (row-major, static shape)
/// into one linear form per buffer dim: each loop dim's term goes to the
/// outermost dim whose stride divides its coefficient, the constant is
/// divided out from the outermost dim on. Succeeds only if every form stays
/// inside its dim over the loop ranges, so that the forms are the one
/// decomposition of the linear index.
static std::optional<SmallVector<LinearForm>>
splitLinear(const LinearForm &linear, ArrayRef<int64_t> shape,
            ArrayRef<int64_t> ranges) {
  unsigned rank = shape.size();
  SmallVector<int64_t> strides(rank, 1);
  for (int i = int(rank) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  SmallVector<LinearForm> forms(rank);
  for (LinearForm &f : forms)
    f.coeffs.assign(linear.coeffs.size(), 0);
  for (auto [d, c] : llvm::enumerate(linear.coeffs)) {
    if (c == 0)
      continue;
    unsigned k = 0;
    while (k < rank && (shape[k] == 1 || c % strides[k] != 0))
      ++k;
    if (k == rank)
      return std::nullopt;
    forms[k].coeffs[d] = c / strides[k];
  }
  int64_t rest = linear.constant;
  for (unsigned k = 0; k < rank; ++k) {
    forms[k].constant = rest / strides[k];
    rest -= forms[k].constant * strides[k];
  }
  for (unsigned k = 0; k < rank; ++k) {
    auto [lo, hi] = valueRange(forms[k], ranges);
    if (lo < 0 || hi >= shape[k])
      return std::nullopt;
  }
  return forms;
}

/// True if a user of `buffer` (directly) between `from` and `to` in their
/// block may write it.
static bool writtenBetween(Value buffer, Operation *from, Operation *to) {
  for (Operation *user : buffer.getUsers()) {
    Operation *inBlock = from->getBlock()->findAncestorOpInBlock(*user);
    if (!inBlock || !from->isBeforeInBlock(inBlock) ||
        !inBlock->isBeforeInBlock(to))
      continue;
    // Inside a kernel or loop body: assume it writes.
    if (inBlock != user)
      return true;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(user)) {
      for (OpOperand &init : linalgOp.getDpsInitsMutable())
        if (init.get() == buffer)
          return true;
      continue;
    }
    if (isa<memref::DeallocOp>(user) || isa<ViewLikeOpInterface>(user))
      return true; // a view may be written through: be conservative
    auto effects = dyn_cast<MemoryEffectOpInterface>(user);
    if (!effects || effects.getEffectOnValue<MemoryEffects::Write>(buffer) ||
        effects.getEffectOnValue<MemoryEffects::Free>(buffer))
      return true;
  }
  return false;
}

/// The constant a fill of `buffer` writes (linalg.fill, or linalg.map with
/// no inputs yielding a value defined above it), if `op` is one.
static Value fillValue(Operation *op, Value buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    if (fill.getDpsInitOperand(0)->get() == buffer &&
        matchPattern(fill.value(), m_Constant()))
      return fill.value();
  if (auto map = dyn_cast<linalg::MapOp>(op)) {
    if (map.getNumDpsInputs() != 0 || map.getInit() != buffer)
      return {};
    auto yield = cast<linalg::YieldOp>(map.getMapper().front().getTerminator());
    Value v = yield.getOperand(0);
    if (map.getMapper().isAncestor(v.getParentRegion()) ||
        !matchPattern(v, m_Constant()))
      return {};
    return v;
  }
  return {};
}

/// A padded buffer as bufferization leaves it: `alloc` filled with `value`,
/// then `source` copied into its interior at `offsets`; `erase` holds those
/// ops and the views of the alloc other than the reader's.
struct PaddedBuffer {
  memref::AllocOp alloc;
  Value value;
  Value source;
  SmallVector<int64_t> offsets;
  linalg::CopyOp copy;
  SmallVector<Operation *> erase;
};

/// Matches the padded buffer `alloc` read by `reader` through `readView`.
static std::optional<PaddedBuffer> matchPadded(memref::AllocOp alloc,
                                               Operation *readView,
                                               Operation *reader) {
  auto type = alloc.getType();
  if (!type.hasStaticShape() || !type.getLayout().isIdentity())
    return std::nullopt;
  PaddedBuffer padded;
  padded.alloc = alloc;
  Operation *fill = nullptr;
  for (Operation *user : alloc->getUsers()) {
    if (user == readView)
      continue;
    if (Value v = fillValue(user, alloc)) {
      if (fill)
        return std::nullopt;
      fill = user;
      padded.value = v;
      padded.erase.push_back(user);
      continue;
    }
    if (isa<memref::DeallocOp>(user)) {
      padded.erase.push_back(user);
      continue;
    }
    if (auto subview = dyn_cast<memref::SubViewOp>(user)) {
      if (!subview->hasOneUse() || padded.copy)
        return std::nullopt;
      auto copy = dyn_cast<linalg::CopyOp>(*subview->user_begin());
      if (!copy || copy.getDpsInitOperand(0)->get() != subview)
        return std::nullopt;
      if (!subview.hasUnitStride() ||
          subview.getSourceType().getRank() != subview.getType().getRank())
        return std::nullopt;
      for (OpFoldResult o : subview.getMixedOffsets()) {
        std::optional<int64_t> c = getConstantIntValue(o);
        if (!c)
          return std::nullopt;
        padded.offsets.push_back(*c);
      }
      padded.copy = copy;
      padded.source = copy.getDpsInputOperand(0)->get();
      padded.erase.append({copy, subview});
      continue;
    }
    // Reshapes nothing reads.
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(user) &&
        user->use_empty()) {
      padded.erase.push_back(user);
      continue;
    }
    return std::nullopt;
  }
  if (!fill || !padded.copy)
    return std::nullopt;
  auto sourceType = dyn_cast<MemRefType>(padded.source.getType());
  if (!sourceType || !sourceType.hasStaticShape())
    return std::nullopt;
  // Fill, then copy, then the read; the source unchanged in between.
  Block *block = reader->getBlock();
  if (fill->getBlock() != block || padded.copy->getBlock() != block ||
      !fill->isBeforeInBlock(padded.copy) ||
      !padded.copy->isBeforeInBlock(reader) ||
      writtenBetween(padded.source, padded.copy, reader))
    return std::nullopt;
  return padded;
}

/// The reshape between a generic's operand `read` and the buffer it views,
/// or null if `read` is no reshape's result; `buffer` is set to that buffer
/// (to `read` itself without a reshape).
static Operation *peelReshape(Value read, Value &buffer) {
  buffer = read;
  if (auto reshape = read.getDefiningOp<memref::CollapseShapeOp>()) {
    buffer = reshape.getSrc();
    return reshape;
  }
  if (auto reshape = read.getDefiningOp<memref::ExpandShapeOp>()) {
    buffer = reshape.getSrc();
    return reshape;
  }
  return nullptr;
}

/// The per-dim indices into a buffer of static shape `bufferShape` that the
/// indexing map `map` reads through a row-major view `readType` of it, if
/// they are linear in the loop indices (see splitLinear).
static std::optional<SmallVector<LinearForm>>
bufferIndexForms(AffineMap map, MemRefType readType,
                 ArrayRef<int64_t> bufferShape, ArrayRef<int64_t> ranges) {
  LinearForm linear;
  linear.coeffs.assign(map.getNumDims(), 0);
  int64_t stride = 1;
  for (int j = int(map.getNumResults()) - 1; j >= 0; --j) {
    if (!addLinear(map.getResult(j), stride, linear))
      return std::nullopt;
    stride *= readType.getDimSize(j);
  }
  return splitLinear(linear, bufferShape, ranges);
}

/// What FusePaddedRead rewrites: the generic's input `input` reads the
/// padded buffer `padded` (through the reshape `readView` where not null)
/// at the per-dim indices `forms`. The rebuilt generic loads from `source`:
/// the padded buffer's source, or, where `transpose` (not null) wrote that
/// source from a buffer and nothing else reads it, the transpose's input at
/// the indices permuted by `permutation`.
struct PaddedRead {
  OpOperand *input = nullptr;
  Operation *readView = nullptr;
  PaddedBuffer padded;
  SmallVector<LinearForm> forms;
  Value source;
  linalg::TransposeOp transpose;
  SmallVector<int64_t> permutation;
};

/// Sets `read.source` (and, where the padded buffer's source is a transpose
/// into a buffer of its own, `read.transpose` and `read.permutation`).
static void matchTransposedSource(linalg::GenericOp op, PaddedRead &read) {
  Value source = read.padded.source;
  read.source = source;
  linalg::TransposeOp transpose;
  for (Operation *user : source.getUsers()) {
    auto t = dyn_cast<linalg::TransposeOp>(user);
    if (t && t.getInit() == source)
      transpose = t;
  }
  auto sourceAlloc = source.getDefiningOp<memref::AllocOp>();
  if (!transpose || !sourceAlloc || transpose->getBlock() != op->getBlock() ||
      !transpose->isBeforeInBlock(read.padded.copy) ||
      !llvm::all_of(source.getUsers(),
                    [&](Operation *u) {
                      return u == transpose || u == read.padded.copy ||
                             isa<memref::DeallocOp>(u);
                    }) ||
      writtenBetween(transpose.getInput(), transpose, op))
    return;
  read.transpose = transpose;
  read.permutation = llvm::to_vector(transpose.getPermutation());
  read.source = transpose.getInput();
}

/// Matches `input` of `op` (static loop ranges `ranges`) as a read of a
/// padded buffer that nothing else reads.
static std::optional<PaddedRead> matchPaddedRead(linalg::GenericOp op,
                                                 OpOperand *input,
                                                 ArrayRef<int64_t> ranges) {
  PaddedRead read;
  read.input = input;
  Value operand = input->get();
  Value buffer;
  read.readView = peelReshape(operand, buffer);
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  auto readType = dyn_cast<MemRefType>(operand.getType());
  if (!alloc || !readType || !readType.getLayout().isIdentity() ||
      (read.readView && !read.readView->hasOneUse()))
    return std::nullopt;
  // The generic must read it through this operand only.
  if (llvm::count_if(op->getOperands(),
                     [&](Value v) { return v == operand; }) != 1)
    return std::nullopt;
  std::optional<PaddedBuffer> padded = matchPadded(
      alloc, read.readView ? read.readView : op.getOperation(), op);
  if (!padded)
    return std::nullopt;
  read.padded = std::move(*padded);
  std::optional<SmallVector<LinearForm>> forms =
      bufferIndexForms(op.getMatchingIndexingMap(input), readType,
                       alloc.getType().getShape(), ranges);
  if (!forms)
    return std::nullopt;
  read.forms = std::move(*forms);
  matchTransposedSource(op, read);
  return read;
}

/// In the body of the generic replacing `op`, with `loops` its loop indices:
/// the element `read` reads, from `read.source` where the index lies in the
/// padded buffer's interior, the padding value elsewhere.
static Value loadPaddedElement(OpBuilder &b, Location l, linalg::GenericOp op,
                               const PaddedRead &read, ValueRange loops) {
  MLIRContext *ctx = op.getContext();
  auto sourceType = cast<MemRefType>(read.padded.source.getType());
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  qc::PaddingGuard guard(b, l);
  SmallVector<Value> indices;
  for (auto [k, form] : llvm::enumerate(read.forms)) {
    int64_t offset = read.padded.offsets[k];
    AffineExpr expr = getAffineConstantExpr(form.constant - offset, ctx);
    for (auto [d, c] : llvm::enumerate(form.coeffs))
      if (c != 0)
        expr = expr + getAffineDimExpr(d, ctx) * c;
    Value index = affine::expandAffineExpr(b, l, expr, loops, {});
    int64_t size = sourceType.getDimSize(k);
    auto [lo, hi] = valueRange(form, ranges);
    // Checked only where the loops reach outside the interior.
    if (lo - offset < 0 || hi - offset >= size)
      index = guard.inBounds(index, arith::ConstantIndexOp::create(b, l, size));
    indices.push_back(index);
  }
  if (!read.permutation.empty()) {
    SmallVector<Value> permuted(indices.size());
    for (auto [i, p] : llvm::enumerate(read.permutation))
      permuted[p] = indices[i];
    indices = permuted;
  }
  Value element = memref::LoadOp::create(b, l, read.source, indices);
  return guard.selectPadding(element, read.padded.value);
}

/// Erases what `read` made dead once its generic is replaced: the reshape,
/// the padded buffer with its fill and copy, and the bypassed transpose with
/// its buffer.
static void eraseBypassedOps(const PaddedRead &read,
                             PatternRewriter &rewriter) {
  if (read.readView && read.readView->use_empty())
    rewriter.eraseOp(read.readView);
  for (Operation *dead : read.padded.erase)
    rewriter.eraseOp(dead);
  if (read.padded.alloc->use_empty())
    rewriter.eraseOp(read.padded.alloc);
  linalg::TransposeOp transpose = read.transpose;
  if (!transpose)
    return;
  Value sourceBuffer = transpose.getInit();
  rewriter.eraseOp(transpose);
  for (Operation *user : llvm::make_early_inc_range(sourceBuffer.getUsers()))
    if (isa<memref::DeallocOp>(user))
      rewriter.eraseOp(user);
  if (sourceBuffer.use_empty())
    rewriter.eraseOp(sourceBuffer.getDefiningOp());
}

/// A linalg.generic on buffers with an input that is a padded buffer (or a
/// reshape of one) reads the buffer's source with bound checks instead.
struct FusePaddedRead final : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "not on buffers");
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (ShapedType::isDynamicShape(ranges))
      return rewriter.notifyMatchFailure(op, "dynamic loop ranges");
    for (OpOperand *input : op.getDpsInputOperands()) {
      if (std::optional<PaddedRead> read = matchPaddedRead(op, input, ranges)) {
        rewriteRead(op, *read, rewriter);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(op, "no padded buffer read");
  }

  /// Replaces `op` by the same generic without the input `read.input`, its
  /// body loading that input's element through loadPaddedElement.
  static void rewriteRead(linalg::GenericOp op, const PaddedRead &read,
                          PatternRewriter &rewriter) {
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *other : op.getDpsInputOperands()) {
      if (other == read.input)
        continue;
      inputs.push_back(other->get());
      maps.push_back(op.getMatchingIndexingMap(other));
    }
    for (OpOperand &init : op.getDpsInitsMutable())
      maps.push_back(op.getMatchingIndexingMap(&init));
    Block &body = op.getRegion().front();
    unsigned numLoops = op.getNumLoops();

    rewriter.setInsertionPoint(op);
    linalg::GenericOp::create(
        rewriter, op.getLoc(), TypeRange{}, inputs, op.getDpsInits(), maps,
        op.getIteratorTypesArray(),
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> loops;
          for (unsigned d = 0; d < numLoops; ++d)
            loops.push_back(linalg::IndexOp::create(b, l, d));
          Value element = loadPaddedElement(b, l, op, read, loops);
          qc::cloneBodyReplacingArgument(b, l, body,
                                         read.input->getOperandNumber(),
                                         element, args);
        });
    rewriter.eraseOp(op);
    eraseBypassedOps(read, rewriter);
  }
};

struct QCFusePaddedBufferReadsPass final
    : qc::impl::QCFusePaddedBufferReadsBase<QCFusePaddedBufferReadsPass> {
  using QCFusePaddedBufferReadsBase::QCFusePaddedBufferReadsBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateFusePaddedBufferReadsPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void qc::populateFusePaddedBufferReadsPatterns(RewritePatternSet &patterns) {
  patterns.add<FusePaddedRead>(patterns.getContext());
}
