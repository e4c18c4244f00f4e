//===- VectorizeGathers.cpp - row-vectorized sparse gather kernels --------===//
//
// --qc-sparsify's N:M and ELL kernels are linalg.generics over (m, n, j) that
// read a[m, k(n, j)] with tensor.extract. The linalg vectorizer can only make
// that a gather (or leave scalar loops). With the activations transposed to
// [K, M], the values a[m0 .. m0+B, k] of one entry are one contiguous row, so
// a kernel becomes: for n, for each block of B rows, for j: one vector load,
// the entry's weight broadcast, and an accumulator of B rows that stays in
// registers. The result is computed in [N, M] and transposed back.
//
//===----------------------------------------------------------------------===//
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUVECTORIZEGATHERS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// The one activation read of a gather kernel and the body ops that vary
/// with the row m (they become vector ops).
struct GatherKernel {
  tensor::ExtractOp extract;
  llvm::SmallPtrSet<Operation *, 8> rowVarying;
};

bool isDim(Value v, unsigned dim) {
  auto index = v.getDefiningOp<linalg::IndexOp>();
  return index && index.getDim() == dim;
}

/// Matches a generic over (m, n, j) [parallel, parallel, reduction] that
/// writes [M, N], whose inputs are indexed by (n, j) only and whose body
/// reads one tensor from outside at [m, k] with k independent of m. Every
/// body op that depends on m (the read, the accumulator, what uses them) must
/// be elementwise so it can work on a vector of rows.
FailureOr<GatherKernel> matchGatherKernel(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op.getNumLoops() != 3 || op.getNumDpsInits() != 1 ||
      op.getNumResults() != 1)
    return failure();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (iterators[0] != utils::IteratorType::parallel ||
      iterators[1] != utils::IteratorType::parallel ||
      iterators[2] != utils::IteratorType::reduction)
    return failure();
  MLIRContext *ctx = op.getContext();
  AffineExpr m, n, j;
  bindDims(ctx, m, n, j);
  auto inputMap = AffineMap::get(3, 0, {n, j}, ctx);
  auto outMap = AffineMap::get(3, 0, {m, n}, ctx);
  for (OpOperand *input : op.getDpsInputOperands())
    if (op.getMatchingIndexingMap(input) != inputMap)
      return failure();
  if (op.getMatchingIndexingMap(op.getDpsInitOperand(0)) != outMap)
    return failure();

  Block &body = op.getRegion().front();
  GatherKernel kernel;
  for (Operation &inner : body.without_terminator()) {
    if (auto extract = dyn_cast<tensor::ExtractOp>(inner)) {
      if (kernel.extract)
        return failure();
      kernel.extract = extract;
    }
  }
  tensor::ExtractOp extract = kernel.extract;
  if (!extract || extract.getIndices().size() != 2 ||
      op.getRegion().isAncestor(extract.getTensor().getParentRegion()) ||
      !isDim(extract.getIndices()[0], 0))
    return failure();
  auto lhsType = cast<RankedTensorType>(extract.getTensor().getType());
  if (!lhsType.hasStaticShape() ||
      lhsType.getDimSize(0) != op.getStaticLoopRanges()[0])
    return failure();

  // What varies with m: the read, the accumulator and their users. The
  // index of m itself may only feed the read's row.
  Value acc = body.getArgument(op.getNumDpsInputs());
  auto variesWithRow = [&](Value v) {
    Operation *def = v.getDefiningOp();
    return v == acc || (def && kernel.rowVarying.contains(def));
  };
  for (Operation &inner : body.without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner);
        index && index.getDim() == 0) {
      for (OpOperand &use : inner.getUses())
        if (use.getOwner() != extract || use.getOperandNumber() != 1)
          return failure();
      continue;
    }
    if (&inner == extract.getOperation()) {
      if (variesWithRow(extract.getIndices()[1]))
        return failure();
      kernel.rowVarying.insert(&inner);
      continue;
    }
    if (inner.getNumRegions() != 0 || !isMemoryEffectFree(&inner))
      return failure();
    if (!llvm::any_of(inner.getOperands(), variesWithRow))
      continue;
    // Masked-off lanes of a partial block compute on padding: an op that
    // may trap there (a division by a row value) is not speculatable.
    if (!OpTrait::hasElementwiseMappableTraits(&inner) || !isPure(&inner) ||
        inner.getNumResults() != 1 ||
        !inner.getResult(0).getType().isIntOrIndexOrFloat())
      return failure();
    kernel.rowVarying.insert(&inner);
  }
  return kernel;
}

/// Per-column entry counts when the kernel provably ignores zero weights:
/// the body yields `acc + x * ext(v)` with `v` read from a constant [N, L]
/// input, so the entries after the last non-zero `v` of a column (the
/// padding of an ELL column) add nothing and need not be visited.
std::optional<SmallVector<int64_t>> columnLengths(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  Value acc = body.getArgument(op.getNumDpsInputs());
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddIOp>();
  if (!add)
    return std::nullopt;
  Value term = add.getLhs() == acc   ? add.getRhs()
               : add.getRhs() == acc ? add.getLhs()
                                     : Value();
  auto mul = term ? term.getDefiningOp<arith::MulIOp>() : arith::MulIOp();
  if (!mul)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (Value factor : {mul.getLhs(), mul.getRhs()}) {
    Value source = factor;
    if (auto ext = factor.getDefiningOp<arith::ExtSIOp>())
      source = ext.getIn();
    else if (auto ext = factor.getDefiningOp<arith::ExtUIOp>())
      source = ext.getIn();
    auto arg = dyn_cast<BlockArgument>(source);
    if (!arg || arg.getOwner() != &body ||
        arg.getArgNumber() >= op.getNumDpsInputs())
      continue;
    DenseIntElementsAttr values;
    if (!matchPattern(op.getDpsInputs()[arg.getArgNumber()],
                      m_Constant(&values)))
      continue;
    SmallVector<int64_t> lengths(ranges[1], 0);
    int64_t flat = 0;
    for (const APInt &v : values.getValues<APInt>()) {
      if (!v.isZero())
        lengths[flat / ranges[2]] = flat % ranges[2] + 1;
      ++flat;
    }
    return lengths;
  }
  return std::nullopt;
}

Value transpose2D(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  Value empty = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{type.getDimSize(1), type.getDimSize(0)},
      type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, empty,
                                     ArrayRef<int64_t>{1, 0})
      ->getResult(0);
}

Value zero(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(b.getZeroAttr(type)));
}

void rewriteGatherKernel(RewriterBase &rewriter, linalg::GenericOp op,
                         GatherKernel &kernel, int64_t blockRows) {
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t rows = ranges[0], cols = ranges[1], entries = ranges[2];
  // A whole number of 16-lane vectors, no more than the rows there are.
  int64_t block = std::min(blockRows, int64_t(llvm::alignTo(rows, 16)));
  // The last block of rows is masked when the rows do not fill it.
  bool inBounds = rows % block == 0;
  Block &body = op.getRegion().front();
  Value accArg = body.getArgument(op.getNumDpsInputs());
  Type accType = accArg.getType();
  Type lhsElement = kernel.extract.getType();
  auto vec = [&](Type t) { return VectorType::get({block}, t); };

  rewriter.setInsertionPoint(op);
  Value lhsT = transpose2D(rewriter, loc, kernel.extract.getTensor());
  // The init is usually a fill, which needs no transposing.
  Value init = op.getDpsInits()[0];
  Value initT;
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    auto type = cast<RankedTensorType>(init.getType());
    Value empty = tensor::EmptyOp::create(rewriter, loc, {cols, rows},
                                          type.getElementType());
    initT = linalg::FillOp::create(rewriter, loc, fill.value(), empty)
                .getResult(0);
  } else {
    initT = transpose2D(rewriter, loc, init);
  }
  Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value cBlock = arith::ConstantIndexOp::create(rewriter, loc, block);
  Value cRows = arith::ConstantIndexOp::create(rewriter, loc, rows);
  Value cCols = arith::ConstantIndexOp::create(rewriter, loc, cols);
  Value cEntries = arith::ConstantIndexOp::create(rewriter, loc, entries);
  Value accPad = zero(rewriter, loc, accType);
  Value lhsPad = zero(rewriter, loc, lhsElement);
  // Columns shorter than the longest stop at their last stored entry.
  std::optional<SmallVector<int64_t>> lengths = columnLengths(op);
  Value lengthTable;
  if (lengths && llvm::any_of(*lengths,
                              [&](int64_t len) { return len < entries; })) {
    auto type = RankedTensorType::get({cols}, rewriter.getIndexType());
    lengthTable = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(type, ArrayRef<int64_t>(*lengths)));
  }

  auto buildEntry = [&](OpBuilder &b, Location l, Value n, Value m0, Value j,
                        Value acc) -> Value {
    IRMapping map;
    for (auto [i, input] : llvm::enumerate(op.getDpsInputs())) {
      BlockArgument arg = body.getArgument(i);
      if (!arg.use_empty())
        map.map(arg, tensor::ExtractOp::create(b, l, input, ValueRange{n, j}));
    }
    map.map(accArg, acc);
    auto lookup = [&](Value v) { return map.lookupOrDefault(v); };
    for (Operation &inner : body.without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
        if (index.getDim() != 0)
          map.map(index.getResult(), index.getDim() == 1 ? n : j);
        continue;
      }
      if (&inner == kernel.extract.getOperation()) {
        Value k = lookup(kernel.extract.getIndices()[1]);
        Value row = vector::TransferReadOp::create(
            b, l, vec(lhsElement), lhsT, ValueRange{k, m0}, lhsPad,
            ArrayRef<bool>{inBounds});
        map.map(kernel.extract.getResult(), row);
        continue;
      }
      if (!kernel.rowVarying.contains(&inner)) {
        b.clone(inner, map);
        continue;
      }
      // The same elementwise op on a vector of rows; row-invariant operands
      // are broadcast.
      SmallVector<Value> operands;
      for (Value operand : inner.getOperands()) {
        Value v = lookup(operand);
        if (!isa<VectorType>(v.getType()))
          v = vector::BroadcastOp::create(b, l, vec(v.getType()), v);
        operands.push_back(v);
      }
      OperationState state(l, inner.getName(), operands,
                           TypeRange{vec(inner.getResult(0).getType())},
                           inner.getAttrs());
      map.map(inner.getResult(0), b.create(state)->getResult(0));
    }
    Value yielded = lookup(body.getTerminator()->getOperand(0));
    if (!isa<VectorType>(yielded.getType()))
      yielded = vector::BroadcastOp::create(b, l, vec(accType), yielded);
    return yielded;
  };

  auto outer = scf::ForOp::create(
      rewriter, loc, c0, cCols, c1, ValueRange{initT},
      [&](OpBuilder &b, Location l, Value n, ValueRange outIter) {
        auto blocks = scf::ForOp::create(
            b, l, c0, cRows, cBlock, outIter,
            [&](OpBuilder &b, Location l, Value m0, ValueRange blockIter) {
              Value start = vector::TransferReadOp::create(
                  b, l, vec(accType), blockIter[0], ValueRange{n, m0}, accPad,
                  ArrayRef<bool>{inBounds});
              Value end = lengthTable ? Value(tensor::ExtractOp::create(
                                            b, l, lengthTable, ValueRange{n}))
                                      : cEntries;
              auto sum = scf::ForOp::create(
                  b, l, c0, end, c1, ValueRange{start},
                  [&](OpBuilder &b, Location l, Value j, ValueRange accIter) {
                    scf::YieldOp::create(
                        b, l, buildEntry(b, l, n, m0, j, accIter[0]));
                  });
              Value written = vector::TransferWriteOp::create(
                                  b, l, sum.getResult(0), blockIter[0],
                                  ValueRange{n, m0}, ArrayRef<bool>{inBounds})
                                  .getResult();
              scf::YieldOp::create(b, l, written);
            });
        scf::YieldOp::create(b, l, blocks.getResult(0));
      });
  rewriter.replaceOp(op, transpose2D(rewriter, loc, outer.getResult(0)));
}

} // namespace

LogicalResult
qc::vectorizeGathers(func::FuncOp func,
                     const QCCPUVectorizeGathersOptions &options,
                     bool *changed) {
  if (changed)
    *changed = false;
  if (options.minRows < 1 || options.blockRows < 16 ||
      options.blockRows % 16 != 0) {
    func.emitError()
        << "qc-cpu-vectorize-gathers: min-rows must be positive and "
           "block-rows a positive multiple of 16";
    return failure();
  }
  SmallVector<std::pair<linalg::GenericOp, GatherKernel>> kernels;
  func.walk([&](linalg::GenericOp op) {
    FailureOr<GatherKernel> kernel = matchGatherKernel(op);
    // With fewer rows most lanes would be masked off; the scalar loops of
    // a matrix-vector product are faster (docs/Sparsity.md).
    if (succeeded(kernel) && op.getStaticLoopRanges()[0] >= options.minRows)
      kernels.emplace_back(op, std::move(*kernel));
  });
  IRRewriter rewriter(func.getContext());
  for (auto &[op, kernel] : kernels)
    rewriteGatherKernel(rewriter, op, kernel, options.blockRows);
  if (changed)
    *changed = !kernels.empty();
  return success();
}

namespace {
struct VectorizeGathersPass final
    : qc::impl::QCCPUVectorizeGathersBase<VectorizeGathersPass> {
  using QCCPUVectorizeGathersBase::QCCPUVectorizeGathersBase;

  void runOnOperation() override {
    bool changed = false;
    if (failed(qc::vectorizeGathers(getOperation(), {minRows, blockRows},
                                    &changed)))
      return signalPassFailure();
    if (!changed)
      markAllAnalysesPreserved();
  }
};

} // namespace
