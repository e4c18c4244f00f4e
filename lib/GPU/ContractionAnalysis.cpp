//===- ContractionAnalysis.cpp - integer contractions on buffers ----------===//
#include "ContractionAnalysis.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::qc;

Value mlir::qc::viewRoot(Value view) {
  while (Operation *def = view.getDefiningOp()) {
    if (!isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::SubViewOp,
             memref::CastOp>(def))
      break;
    view = def->getOperand(0);
  }
  auto type = dyn_cast<MemRefType>(view.getType());
  if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
    return {};
  return view;
}

/// Adds scale * e to coef/cst when e is a sum of constant multiples of dims.
static bool addLinear(AffineExpr e, int64_t scale,
                      MutableArrayRef<int64_t> coef, int64_t &cst) {
  if (auto dim = dyn_cast<AffineDimExpr>(e)) {
    coef[dim.getPosition()] += scale;
    return true;
  }
  if (auto c = dyn_cast<AffineConstantExpr>(e)) {
    cst += scale * c.getValue();
    return true;
  }
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return false;
  if (bin.getKind() == AffineExprKind::Add)
    return addLinear(bin.getLHS(), scale, coef, cst) &&
           addLinear(bin.getRHS(), scale, coef, cst);
  if (bin.getKind() == AffineExprKind::Mul) {
    if (auto c = dyn_cast<AffineConstantExpr>(bin.getRHS()))
      return addLinear(bin.getLHS(), scale * c.getValue(), coef, cst);
    if (auto c = dyn_cast<AffineConstantExpr>(bin.getLHS()))
      return addLinear(bin.getRHS(), scale * c.getValue(), coef, cst);
  }
  return false;
}

static FailureOr<LinearAccess> linearAccess(Value operand, AffineMap map) {
  auto type = dyn_cast<MemRefType>(operand.getType());
  if (!type || !type.hasStaticShape())
    return failure();
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return failure();
  LinearAccess access;
  access.root = viewRoot(operand);
  if (!access.root ||
      cast<MemRefType>(access.root.getType()).getElementType() !=
          type.getElementType())
    return failure();
  access.coef.assign(map.getNumDims(), 0);
  int64_t cst = 0;
  for (auto [expr, stride] : llvm::zip(map.getResults(), strides))
    if (!addLinear(expr, stride, access.coef, cst))
      return failure();
  access.offset = offset + cst;
  return access;
}

/// Matches `yield(out + ext(a) * ext(b))` (either operand order) with ext
/// arith.extsi or arith.extui from i8, and reports the signedness; b may be
/// read as `extui(b & 15)` (a widened u4 weight: `bMasked`).
static bool matchMultiplyAccumulate(Block &body, bool &aSigned, bool &bSigned,
                                    bool &bMasked) {
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!yield || yield.getNumOperands() != 1 || body.getNumArguments() != 3)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddIOp>();
  if (!add)
    return false;
  Value out = body.getArgument(2);
  Value product = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if ((add.getLhs() == out) == (add.getRhs() == out))
    return false;
  auto mul = product.getDefiningOp<arith::MulIOp>();
  if (!mul)
    return false;
  auto extended = [](Value v, Value &source, bool &isSigned, bool &masked) {
    masked = false;
    if (auto s = v.getDefiningOp<arith::ExtSIOp>()) {
      source = s.getIn();
      isSigned = true;
      return true;
    }
    if (auto u = v.getDefiningOp<arith::ExtUIOp>()) {
      source = u.getIn();
      isSigned = false;
      if (auto mask = source.getDefiningOp<arith::AndIOp>()) {
        APInt bits;
        for (auto [x, m] : {std::pair(mask.getLhs(), mask.getRhs()),
                            std::pair(mask.getRhs(), mask.getLhs())})
          if (matchPattern(m, m_ConstantInt(&bits)) && bits == 15) {
            source = x;
            masked = true;
            break;
          }
      }
      return true;
    }
    return false;
  };
  Value x, y;
  bool xSigned, ySigned, xMasked, yMasked;
  if (!extended(mul.getLhs(), x, xSigned, xMasked) ||
      !extended(mul.getRhs(), y, ySigned, yMasked))
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  if (x == a && y == b && !xMasked) {
    aSigned = xSigned;
    bSigned = ySigned;
    bMasked = yMasked;
    return true;
  }
  if (x == b && y == a && !yMasked) {
    aSigned = ySigned;
    bSigned = xSigned;
    bMasked = xMasked;
    return true;
  }
  return false;
}

/// How `access` can be read: 4 reduction elements per word (dim `k`
/// contiguous), 4 columns per word (dim `col` contiguous), or elements. Words
/// need every other coefficient and the offset to keep 4-byte alignment.
OperandAccess mlir::qc::accessMode(const LinearAccess &access,
                                   ArrayRef<int64_t> sizes,
                                   std::optional<unsigned> k, unsigned col) {
  auto aligned = [&](unsigned except) {
    if (access.offset % 4 != 0)
      return false;
    for (auto [d, c] : llvm::enumerate(access.coef))
      if (d != except && c % 4 != 0)
        return false;
    return true;
  };
  if (k && access.coef[*k] == 1 && sizes[*k] % 4 == 0 && aligned(*k))
    return OperandAccess::ReductionWords;
  if (access.coef[col] == 1 && sizes[col] % 4 == 0 && aligned(col))
    return OperandAccess::ColumnWords;
  return OperandAccess::Elements;
}

int64_t Contraction::rows() const {
  int64_t n = 1;
  for (unsigned d : rowDims)
    n *= sizes[d];
  return n;
}

bool Contraction::bDependsOnRows() const {
  return llvm::any_of(rowDims, [&](unsigned d) { return b.coef[d] != 0; });
}

ContractionShape Contraction::shape() const {
  ContractionShape s;
  // Stages hold the workgroup's rows of A and its columns of B.
  s.stageable = !bDependsOnRows() && a.coef[colDim] == 0;
  s.rows = rows();
  s.cols = cols();
  s.innerDepth = redDims.empty() ? 1 : sizes[redDims.back()];
  for (unsigned d : redDims)
    s.depth *= sizes[d];
  s.a = a.mode;
  s.b = b.mode;
  s.quadBytes = quadBytes;
  return s;
}

/// Whether `op` may write a buffer whose root is in `roots`.
static bool mayWrite(Operation *op, ArrayRef<Value> roots) {
  auto writes = [&](Value v) { return llvm::is_contained(roots, viewRoot(v)); };
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return llvm::any_of(linalgOp.getDpsInits(), writes) ||
           !linalgOp.hasPureBufferSemantics();
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    return writes(copy.getTarget());
  if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp,
          memref::GetGlobalOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
          memref::SubViewOp, memref::CastOp>(op) ||
      isMemoryEffectFree(op))
    return false;
  return true;
}

/// The only reader of buffer `root` (an alloc) besides `writers`, views and
/// deallocs: an elementwise linalg.generic in `anchor`'s block after it that
/// reads all of `root` once, as input `input`, through a dense identity-layout
/// view with a permutation map (its elements map one to one to the buffer's),
/// and writes another buffer. Null otherwise.
static linalg::GenericOp findElementwiseReader(Value root,
                                               ArrayRef<Operation *> writers,
                                               Operation *anchor,
                                               unsigned &input) {
  if (!root || !root.getDefiningOp<memref::AllocOp>())
    return {};
  linalg::GenericOp consumer;
  SmallVector<Value> worklist = {root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      if (llvm::is_contained(writers, user) || isa<memref::DeallocOp>(user))
        continue;
      auto generic = dyn_cast<linalg::GenericOp>(user);
      if (!generic || (consumer && consumer != generic) ||
          use.getOperandNumber() >= generic.getNumDpsInputs())
        return {};
      consumer = generic;
      input = use.getOperandNumber();
    }
  }
  if (!consumer || consumer->getBlock() != anchor->getBlock() ||
      !anchor->isBeforeInBlock(consumer) || consumer.getNumDpsInits() != 1 ||
      consumer.getNumReductionLoops() != 0 ||
      !consumer.hasPureBufferSemantics())
    return {};
  for (OpOperand *operand : consumer.getDpsInputOperands())
    if (operand->getOperandNumber() != input &&
        viewRoot(operand->get()) == root)
      return {};
  auto viewType = cast<MemRefType>(consumer->getOperand(input).getType());
  if (!viewType.getLayout().isIdentity() ||
      viewType.getNumElements() !=
          cast<MemRefType>(root.getType()).getNumElements() ||
      !consumer.getMatchingIndexingMap(consumer.getDpsInputOperand(input))
           .isPermutation() ||
      viewRoot(consumer.getDpsInits()[0]) == root)
    return {};
  for (Operation &op : consumer.getRegion().front().without_terminator())
    if (!isMemoryEffectFree(&op) || op.getNumRegions() != 0)
      return {};
  return consumer;
}

Operation *Contraction::kernelPosition() const {
  if (!chained.empty())
    return chained.back().op;
  if (epilogue)
    return epilogue;
  return op;
}

Value Contraction::result() const {
  if (!chained.empty())
    return linalg::GenericOp(chained.back().op).getDpsInits()[0];
  if (epilogue)
    return linalg::GenericOp(epilogue).getDpsInits()[0];
  return out;
}

/// Whether nothing between the contraction and `end` writes a buffer the
/// kernel, emitted at `end`, reads: A, B and the inputs of the fused stages
/// `stages` but their chained operands (the registers' value), whose reads
/// move to `end`.
static bool readsStay(const Contraction &c,
                      ArrayRef<Contraction::ChainedStage> stages,
                      Operation *end) {
  SmallVector<Value> roots = {c.a.root, c.b.root};
  for (Contraction::ChainedStage stage : stages)
    for (OpOperand *input : stage.op.getDpsInputOperands())
      if (input->getOperandNumber() != stage.input)
        roots.push_back(viewRoot(input->get()));
  for (Operation *op = c.op->getNextNode(); op != end; op = op->getNextNode())
    if (mayWrite(op, roots))
      return false;
  return true;
}

/// The elementwise consumer of the accumulator, if the accumulator buffer
/// has no other reader and fusing it keeps the program's meaning.
static linalg::GenericOp findEpilogue(Contraction &c, unsigned &input) {
  linalg::GenericOp consumer =
      findElementwiseReader(viewRoot(c.out),
                            {c.op.getOperation(), c.fill.getOperation()},
                            c.op, input);
  // The kernel reads A and B where the consumer was: nothing in between may
  // write them.
  if (!consumer || !readsStay(c, {}, consumer))
    return {};
  return consumer;
}

/// Whether the value a stage reads from the previous one can be handed on in
/// a register: a value narrower than 32 bits only through `arith.extsi` /
/// `arith.extui`. In portable mode (no Int8) an i8 is an i32 in the shader,
/// and arith-to-spirv leaves a `trunci` result zero-extended but constants
/// and loads sign-extended, so an op on the i8 itself (a `minui` with 250 =
/// -6) would see another value than after the store and load it replaces;
/// the extensions convert exactly from either form.
static bool handsOnExactly(Contraction::ChainedStage stage) {
  BlockArgument arg =
      stage.op.getRegion().front().getArgument(stage.input);
  if (!arg.getType().isIntOrFloat())
    return false;
  if (arg.getType().getIntOrFloatBitWidth() >= 32)
    return true;
  return arg.getType().isInteger() &&
         llvm::all_of(arg.getUsers(), [](Operation *user) {
           return isa<arith::ExtSIOp, arith::ExtUIOp>(user);
         });
}

/// Appends to `c.chained` the elementwise ops that read the last fused
/// stage's result where nothing else does (a residual add with its
/// requantization and clamp after the requantization): the kernel computes
/// them on the registers too, and the intermediate buffers disappear.
static void chainEpilogue(Contraction &c) {
  SmallVector<Contraction::ChainedStage> stages = {
      {c.epilogue, c.epilogueInput}};
  while (true) {
    linalg::GenericOp last = stages.back().op;
    OpOperand *init = last.getDpsInitOperand(0);
    Value root = viewRoot(init->get());
    auto initType = cast<MemRefType>(init->get().getType());
    // The intermediate is all written, and only from the register value.
    if (!root || !initType.getLayout().isIdentity() ||
        initType.getNumElements() !=
            cast<MemRefType>(root.getType()).getNumElements() ||
        !last.getMatchingIndexingMap(init).isPermutation() ||
        !last.getRegion()
             .front()
             .getArgument(init->getOperandNumber())
             .use_empty())
      return;
    Contraction::ChainedStage next;
    next.op = findElementwiseReader(root, {last.getOperation()}, last,
                                    next.input);
    if (!next.op || !handsOnExactly(next))
      return;
    stages.push_back(next);
    // The final result is written while the kernel still reads its other
    // buffers: it may not be one of them.
    Value result = viewRoot(next.op.getDpsInits()[0]);
    if (!result || result == c.a.root || result == c.b.root)
      return;
    for (Contraction::ChainedStage stage : stages)
      for (Value in : stage.op.getDpsInputs())
        if (viewRoot(in) == result)
          return;
    if (!readsStay(c, stages, next.op))
      return;
    c.chained.push_back(next);
  }
}

FailureOr<Contraction> mlir::qc::analyzeContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op->getNumRegions() != 1 ||
      op.hasDynamicShape())
    return failure();
  Contraction c;
  c.op = op;
  if (!matchMultiplyAccumulate(*op.getBlock(), c.aSigned, c.bSigned,
                               c.bMasked))
    return failure();
  OpOperand *aOperand = op.getDpsInputOperand(0);
  OpOperand *bOperand = op.getDpsInputOperand(1);
  OpOperand *outOperand = op.getDpsInitOperand(0);
  auto elementIs = [](Value v, unsigned width) {
    return cast<MemRefType>(v.getType()).getElementType().isInteger(width);
  };
  if (!elementIs(aOperand->get(), 8) || !elementIs(bOperand->get(), 8) ||
      !elementIs(outOperand->get(), 32))
    return failure();
  c.sizes = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  c.out = outOperand->get();
  c.outMap = op.getMatchingIndexingMap(outOperand);
  unsigned numParallel = op.getNumParallelLoops();
  if (!c.outMap.isProjectedPermutation() ||
      c.outMap.getNumResults() != numParallel || numParallel == 0)
    return failure();
  for (AffineExpr e : c.outMap.getResults())
    if (iterators[cast<AffineDimExpr>(e).getPosition()] !=
        utils::IteratorType::parallel)
      return failure();
  FailureOr<LinearAccess> a =
      linearAccess(aOperand->get(), op.getMatchingIndexingMap(aOperand));
  FailureOr<LinearAccess> b =
      linearAccess(bOperand->get(), op.getMatchingIndexingMap(bOperand));
  if (failed(a) || failed(b))
    return failure();
  c.a = *a;
  c.b = *b;
  // A masked B is only taken where its codes can be unmasked at compile time.
  if (c.bMasked && !isConstantWeight(c.b.root))
    return failure();
  // A unit dim's index is always 0: dropping its coefficient changes no
  // address, and B no longer seems to depend on a conv's single group (which
  // would keep it from being staged per column).
  for (auto [d, size] : llvm::enumerate(c.sizes))
    if (size == 1)
      c.a.coef[d] = c.b.coef[d] = 0;

  // Columns: the innermost output dim that is not a unit dim.
  ArrayRef<AffineExpr> outDims = c.outMap.getResults();
  c.colDim = cast<AffineDimExpr>(outDims.back()).getPosition();
  for (AffineExpr e : llvm::reverse(outDims))
    if (c.sizes[cast<AffineDimExpr>(e).getPosition()] > 1) {
      c.colDim = cast<AffineDimExpr>(e).getPosition();
      break;
    }
  for (AffineExpr e : outDims)
    if (cast<AffineDimExpr>(e).getPosition() != c.colDim)
      c.rowDims.push_back(cast<AffineDimExpr>(e).getPosition());
  for (auto [d, it] : llvm::enumerate(iterators))
    if (it == utils::IteratorType::reduction)
      c.redDims.push_back(d);
  // The reduction dim A reads contiguously goes innermost (k-words).
  auto contiguous = llvm::find_if(
      c.redDims, [&](unsigned d) { return c.a.coef[d] == 1; });
  if (contiguous != c.redDims.end())
    std::rotate(contiguous, contiguous + 1, c.redDims.end());
  std::optional<unsigned> k;
  if (!c.redDims.empty())
    k = c.redDims.back();
  c.a.mode = accessMode(c.a, c.sizes, k, c.colDim);
  c.b.mode = accessMode(c.b, c.sizes, k, c.colDim);

  // The fill of the accumulator: the kernel starts from its value instead.
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    auto fill = dyn_cast<linalg::FillOp>(prev);
    if (fill && fill.hasPureBufferSemantics() &&
        fill.getDpsInits()[0] == c.out) {
      c.fill = fill;
      break;
    }
    if (mayWrite(prev, {viewRoot(c.out)}))
      break;
  }
  if (!c.fill)
    return failure();
  c.epilogue = findEpilogue(c, c.epilogueInput);
  if (c.epilogue)
    chainEpilogue(c);
  return c;
}

/// Per-dim linear index functions of `operand`'s base buffer: the map's
/// results through expand_shape views (a group's index is its members'
/// row-major linearization). None through any other view.
static std::optional<SmallVector<std::pair<SmallVector<int64_t>, int64_t>>>
rootDimAccess(Value operand, AffineMap map) {
  SmallVector<std::pair<SmallVector<int64_t>, int64_t>> dims;
  for (AffineExpr e : map.getResults()) {
    SmallVector<int64_t> coef(map.getNumDims(), 0);
    int64_t cst = 0;
    if (!addLinear(e, 1, coef, cst))
      return std::nullopt;
    dims.emplace_back(std::move(coef), cst);
  }
  while (auto expand = operand.getDefiningOp<memref::ExpandShapeOp>()) {
    ArrayRef<int64_t> shape = expand.getResultType().getShape();
    SmallVector<std::pair<SmallVector<int64_t>, int64_t>> src;
    for (const ReassociationIndices &group :
         expand.getReassociationIndices()) {
      std::pair<SmallVector<int64_t>, int64_t> sum(
          SmallVector<int64_t>(map.getNumDims(), 0), 0);
      int64_t scale = 1;
      for (int64_t i : llvm::reverse(group)) {
        for (auto [s, c] : llvm::zip(sum.first, dims[i].first))
          s += scale * c;
        sum.second += scale * dims[i].second;
        scale *= shape[i];
      }
      src.push_back(std::move(sum));
    }
    dims = std::move(src);
    operand = expand.getSrc();
  }
  if (operand.getDefiningOp<memref::CollapseShapeOp>() ||
      operand.getDefiningOp<memref::SubViewOp>() ||
      operand.getDefiningOp<memref::CastOp>())
    return std::nullopt;
  return dims;
}

/// The constant i8 a linalg.map without inputs or a linalg.fill writes.
static std::optional<int64_t> constantFillValue(Operation *op) {
  Value v;
  if (auto map = dyn_cast<linalg::MapOp>(op)) {
    if (!map.getInputs().empty())
      return std::nullopt;
    v = map.getMapper().front().getTerminator()->getOperand(0);
  } else if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    v = fill.getInputs()[0];
  } else {
    return std::nullopt;
  }
  APInt value;
  if (!matchPattern(v, m_ConstantInt(&value)) || value.getBitWidth() != 8)
    return std::nullopt;
  return value.getSExtValue();
}

bool mlir::qc::fusePaddedInput(Contraction &c) {
  Value padded = c.a.root;
  if (!padded || !padded.getDefiningOp<memref::AllocOp>())
    return false;
  // Writers: one constant fill of all of it, then one copy into a subview;
  // readers: the contraction (through expand_shape views) only.
  Operation *fill = nullptr;
  linalg::CopyOp copy;
  memref::SubViewOp interior;
  SmallVector<Value> worklist = {padded};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::ExpandShapeOp>(user)) {
        worklist.push_back(user->getResult(0));
      } else if (user == c.op.getOperation() || isa<memref::DeallocOp>(user)) {
        if (user == c.op.getOperation() && &use != c.op.getDpsInputOperand(0))
          return false;
      } else if (v == padded && !fill && constantFillValue(user) &&
                 cast<DestinationStyleOpInterface>(user).getDpsInits()[0] ==
                     padded) {
        fill = user;
      } else if (auto sub = dyn_cast<memref::SubViewOp>(user);
                 sub && v == padded && !interior && sub->hasOneUse()) {
        interior = sub;
        copy = dyn_cast<linalg::CopyOp>(*sub->user_begin());
        if (!copy || copy.getDpsInits()[0] != sub.getResult())
          return false;
      } else {
        return false;
      }
    }
  }
  if (!fill || !copy || fill->getBlock() != c.op->getBlock() ||
      copy->getBlock() != c.op->getBlock() || !fill->isBeforeInBlock(copy) ||
      !copy->isBeforeInBlock(c.op))
    return false;
  Value source = copy.getInputs()[0];
  auto sourceType = cast<MemRefType>(source.getType());
  Value sourceRoot = viewRoot(source);
  if (!sourceType.hasStaticShape() || !sourceType.getLayout().isIdentity() ||
      !sourceRoot ||
      cast<MemRefType>(sourceRoot.getType()).getNumElements() !=
          sourceType.getNumElements() ||
      !interior.hasUnitStride() ||
      llvm::any_of(interior.getStaticOffsets(), ShapedType::isDynamic))
    return false;
  // The kernel reads the source where the contraction (or its fused
  // consumer) was: nothing after the copy may write it.
  Operation *end = c.kernelPosition();
  if (viewRoot(c.result()) == sourceRoot)
    return false;
  for (Operation *op = copy->getNextNode(); op != end; op = op->getNextNode())
    if (mayWrite(op, {sourceRoot}))
      return false;
  auto dims = rootDimAccess(c.op.getDpsInputOperand(0)->get(),
                            c.op.getMatchingIndexingMap(
                                c.op.getDpsInputOperand(0)));
  if (!dims)
    return false;

  PaddedInput pad;
  pad.padded = padded;
  pad.producers = {copy, interior, fill};
  pad.value = *constantFillValue(fill);
  LinearAccess access;
  access.root = sourceRoot;
  access.coef.assign(c.sizes.size(), 0);
  ArrayRef<int64_t> paddedShape =
      cast<MemRefType>(padded.getType()).getShape();
  ArrayRef<int64_t> sourceShape = sourceType.getShape();
  SmallVector<int64_t> strides = sourceType.getStridesAndOffset().first;
  for (auto [p, dim] : llvm::enumerate(*dims)) {
    auto &[coef, cst] = dim;
    int64_t lo = interior.getStaticOffsets()[p];
    for (auto [d, size] : llvm::enumerate(c.sizes))
      if (size == 1)
        coef[d] = 0;
    for (auto [total, k] : llvm::zip(access.coef, coef))
      total += k * strides[p];
    access.offset += (cst - lo) * strides[p];
    if (lo == 0 && sourceShape[p] == paddedShape[p])
      continue;
    // Bounds are checked per row and reduction step, not per column.
    if (coef[c.colDim] != 0)
      return false;
    pad.bounds.push_back({cst - lo, coef, sourceShape[p]});
  }
  std::optional<unsigned> k;
  if (!c.redDims.empty())
    k = c.redDims.back();
  access.mode = accessMode(access, c.sizes, k, c.colDim);
  // A word's 4 elements must be all inside or all outside.
  if (access.mode == OperandAccess::ReductionWords &&
      llvm::any_of(pad.bounds, [&](auto &b) { return b.coef[*k] != 0; }))
    access.mode = OperandAccess::Elements;
  c.a = access;
  c.pad = std::move(pad);
  return true;
}
