//===- TileAndVectorize.cpp - tile linalg ops on tensors and vectorize ----===//
#include "DynamicBatch.h"
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUTILEANDVECTORIZE
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// Tile sizes per loop of `op` for one tiling level: the innermost m, n and k
/// loops of a contraction get `mnk`, its other loops (batch, outer m/n/k) 1.
/// A size of 0 leaves the loop untiled.
SmallVector<int64_t> contractionTileSizes(linalg::LinalgOp op,
                                          const linalg::ContractionDimensions &dims,
                                          ArrayRef<int64_t> mnk) {
  SmallVector<int64_t> sizes(op.getNumLoops(), 1);
  auto assign = [&](ArrayRef<unsigned> loops, int64_t size) {
    if (!loops.empty())
      sizes[loops.back()] = size;
  };
  assign(dims.m, mnk[0]);
  assign(dims.n, mnk[1]);
  assign(dims.k, mnk[2]);
  return sizes;
}

/// True when the inputs of a linalg op have different element types.
bool hasMixedInputElementTypes(linalg::LinalgOp op) {
  Type first;
  for (OpOperand *input : op.getDpsInputOperands()) {
    Type type = getElementTypeOrSelf(input->get().getType());
    if (first && type != first)
      return true;
    first = type;
  }
  return false;
}

/// Clamps tile sizes to the static loop ranges: a tile larger than its loop
/// would make the vectorizer mask everything.
SmallVector<int64_t> clampToRanges(linalg::LinalgOp op,
                                   ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> clamped(sizes);
  for (auto [size, range] : llvm::zip_equal(clamped, ranges))
    if (size == 0 || size > range)
      size = range;
  return clamped;
}

/// Loops that an indexing map uses inside a floordiv, ceildiv or mod (an
/// upsampling copy reads `d3 floordiv 3`). Tiling such a loop is only right
/// when every tile starts at a multiple of the divisor: upstream gives the
/// tile the op's map applied to tile-local indices, so a tile of 16 at
/// offset 16 reads element 5 + j floordiv 3 instead of (16 + j) floordiv 3.
llvm::SmallDenseSet<unsigned> semiAffineLoops(linalg::LinalgOp op) {
  llvm::SmallDenseSet<unsigned> loops;
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr result : map.getResults())
      result.walk([&](AffineExpr expr) {
        if (expr.getKind() != AffineExprKind::FloorDiv &&
            expr.getKind() != AffineExprKind::CeilDiv &&
            expr.getKind() != AffineExprKind::Mod)
          return;
        expr.walk([&](AffineExpr inner) {
          if (auto dim = dyn_cast<AffineDimExpr>(inner))
            loops.insert(dim.getPosition());
        });
      });
  return loops;
}

/// Tile sizes that keep `semiAffineLoops` right: whole (one tile at offset
/// 0) when the loop is short enough to be one vector, else 1 (the tile-local
/// index is then always 0).
void keepSemiAffineLoopsExact(linalg::LinalgOp op,
                              MutableArrayRef<int64_t> sizes) {
  constexpr int64_t kMaxWholeLoop = 64;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (unsigned loop : semiAffineLoops(op))
    if (sizes[loop] != 1 && sizes[loop] != ranges[loop])
      sizes[loop] = ranges[loop] <= kMaxWholeLoop ? ranges[loop] : 1;
}

/// A tile size that divides `bound` (a static cache tile or loop range):
/// `size` when it does, else the largest divisor of `bound` up to
/// `maxSize` that is a multiple of `align`, else `size` itself (masked
/// tiles): for columns, unaligned divisors measured slower than masking
/// (256x1024x1000: 18 GOPS with 25-column tiles, 29 masked).
int64_t dividingTileSize(int64_t bound, int64_t size, int64_t align,
                         int64_t maxSize) {
  if (size <= 0 || ShapedType::isDynamic(bound) || bound % size == 0)
    return size;
  int64_t best = size;
  for (int64_t d = align; d <= std::min(bound, maxSize); d += align)
    if (bound % d == 0)
      best = d;
  return best;
}

/// Tiles `op` with `sizes` and returns the tiled op (the op itself when no
/// loop is tiled).
FailureOr<linalg::LinalgOp> tile(RewriterBase &rewriter, linalg::LinalgOp op,
                                 ArrayRef<int64_t> sizes,
                                 ArrayRef<int64_t> interchange = {}) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  bool tilesSomething = false;
  for (auto [size, range] : llvm::zip_equal(sizes, ranges))
    tilesSomething |= size != 0 && size < range;
  if (!tilesSomething)
    return op;

  SmallVector<OpFoldResult> tileSizes =
      getAsIndexOpFoldResult(rewriter.getContext(), sizes);
  scf::SCFTilingOptions options;
  options.setTileSizes(tileSizes);
  options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled) || tiled->tiledOps.size() != 1)
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  auto tiledOp = dyn_cast<linalg::LinalgOp>(tiled->tiledOps.front());
  if (!tiledOp)
    return failure();
  return tiledOp;
}

/// Vectorizes `op`, whose loops are at most `vectorSizes` long; dynamic
/// (remainder) tiles are masked.
void vectorizeTile(RewriterBase &rewriter, linalg::LinalgOp op,
                   ArrayRef<int64_t> vectorSizes, bool isContraction) {
  // Fully static tiles need no sizes (and no masks).
  SmallVector<int64_t> sizes;
  if (op.hasDynamicShape())
    sizes.assign(vectorSizes.begin(), vectorSizes.end());
  SmallVector<bool> scalable(sizes.size(), false);
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> result =
      linalg::vectorize(rewriter, op, sizes, scalable,
                        /*vectorizeNDExtract=*/false,
                        /*flatten1DDepthwiseConv=*/false,
                        /*assumeDynamicDimsMatchVecSizes=*/false,
                        // One vector.contract with i8 operands and an i32
                        // accumulator, rather than broadcasts and a 3-D
                        // multi-reduction that must be pattern-matched back.
                        /*createNamedContraction=*/isContraction);
  if (failed(result))
    return; // Stays a linalg op; it lowers to scalar loops later.
  rewriter.replaceOp(op, result->replacements);
}

void tileAndVectorizeContraction(RewriterBase &rewriter, linalg::LinalgOp op,
                                 const linalg::ContractionDimensions &dims,
                                 ArrayRef<int64_t> cache,
                                 ArrayRef<int64_t> reg) {
  SmallVector<int64_t> cacheSizes =
      clampToRanges(op, contractionTileSizes(op, dims, cache));
  // A partial cache tile has a dynamic shape, and the masked vectorization
  // of the register tiles inside it computes wrong sums (seen on 65x3x17).
  // Dimensions the cache tile does not divide stay whole: their remainder
  // register tiles are then static, which vectorizes correctly.
  for (auto [size, range] : llvm::zip_equal(cacheSizes, op.getStaticLoopRanges()))
    if (size != 0 && !ShapedType::isDynamic(range) && range % size != 0)
      size = range;
  // Cache tiles in (batch, n, k, m) order: one rhs block (k x n) stays in
  // the cache while every lhs row block streams past it; the rhs is
  // usually the larger operand (weights).
  SmallVector<int64_t> cacheOrder;
  for (ArrayRef<unsigned> group : {ArrayRef<unsigned>(dims.batch),
                                   ArrayRef<unsigned>(dims.n),
                                   ArrayRef<unsigned>(dims.k),
                                   ArrayRef<unsigned>(dims.m)})
    cacheOrder.append(group.begin(), group.end());
  if (cacheOrder.size() != op.getNumLoops())
    cacheOrder.clear(); // Loops outside the contraction: keep the order.
  FailureOr<linalg::LinalgOp> cacheTiled =
      tile(rewriter, op, cacheSizes, cacheOrder);
  if (failed(cacheTiled))
    return;
  // Register tiles are bounded by the cache tile they live in, and divide
  // it: a remainder would give every register tile of that loop a dynamic
  // shape, and masked vectorization runs about 8x slower (100x1024x1024:
  // 24 GOPS masked, 217 with 10-row tiles).
  SmallVector<int64_t> regSizes = contractionTileSizes(op, dims, reg);
  for (auto [size, bound] : llvm::zip_equal(regSizes, cacheSizes))
    if (size == 0 || size > bound)
      size = bound;
  auto fitDims = [&](ArrayRef<unsigned> loops, int64_t align,
                     int64_t maxSize) {
    if (loops.empty())
      return;
    unsigned loop = loops.back();
    regSizes[loop] = dividingTileSize(cacheSizes[loop], regSizes[loop],
                                      align, maxSize);
  };
  // Rows may grow to 2x-2 (more accumulators, no extra loads); columns
  // keep 16-lane blocks and depth whole dot-product quads when they can.
  fitDims(dims.m, 1, 2 * reg[0] - 2);
  fitDims(dims.n, 16, reg[1]);
  fitDims(dims.k, 4, reg[2]);
  FailureOr<linalg::LinalgOp> regTiled =
      tile(rewriter, *cacheTiled, regSizes);
  if (failed(regTiled))
    return;
  vectorizeTile(rewriter, *regTiled, regSizes, /*isContraction=*/true);
}

} // namespace

LogicalResult
qc::tileAndVectorize(func::FuncOp func,
                     const QCCPUTileAndVectorizeOptions &options) {
  SmallVector<int64_t> cache = llvm::to_vector(options.cacheTile);
  SmallVector<int64_t> reg = llvm::to_vector(options.registerTile);
  if (cache.empty())
    cache = {64, 256, 256};
  if (reg.empty())
    reg = {8, 32, 16};
  if (cache.size() != 3 || reg.size() != 3 || options.vectorWidth <= 0 ||
      llvm::any_of(cache, [](int64_t s) { return s < 0; }) ||
      llvm::any_of(reg, [](int64_t s) { return s < 0; })) {
    func.emitError()
        << "qc-cpu-tile-and-vectorize: cache-tile and register-tile take "
           "three non-negative sizes (m, n, k) and vector-width must be "
           "positive";
    return failure();
  }

  // Vectorizing a named op drops its `cast = cast_unsigned` and
  // sign-extends u8 codes; as a linalg.generic the explicit arith.extui in
  // the body is vectorized faithfully.
  IRRewriter generalizer(func.getContext());
  SmallVector<linalg::LinalgOp> unsignedNamedOps;
  func.walk([&](linalg::LinalgOp op) {
    auto cast = op->getAttrOfType<linalg::TypeFnAttr>("cast");
    if (cast && cast.getValue() == linalg::TypeFn::cast_unsigned &&
        !isa<linalg::GenericOp>(op.getOperation()))
      unsignedNamedOps.push_back(op);
  });
  for (linalg::LinalgOp op : unsignedNamedOps) {
    generalizer.setInsertionPoint(op);
    (void)linalg::generalizeNamedOp(generalizer, op);
  }

  // A dynamic batch (left by int8-kernels=false or by ops that are not
  // int8 contractions): static tiles of one sample.
  qc::cpu::tileDynamicBatch(func);
  SmallVector<linalg::LinalgOp> candidates;
  func.walk([&](linalg::LinalgOp op) {
    // Only tensor semantics: tiling on tensors keeps destination passing
    // style, which bufferization turns into in-place updates.
    if (op.hasPureTensorSemantics() && !op.hasDynamicShape() &&
        isa<TilingInterface>(op.getOperation()))
      candidates.push_back(op);
  });

  IRRewriter rewriter(func.getContext());
  for (linalg::LinalgOp op : candidates) {
    if (op.getNumLoops() == 0)
      continue;
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    if (succeeded(dims) && !dims->m.empty() && !dims->n.empty() &&
        !dims->k.empty() && semiAffineLoops(op).empty()) {
      // vector.contract needs one element type on both sides; a mixed
      // contraction (the i16 x i8 second factor of --qc-low-rank) stays a
      // linalg op and becomes scalar loops.
      if (hasMixedInputElementTypes(op))
        continue;
      tileAndVectorizeContraction(rewriter, op, *dims, cache, reg);
      continue;
    }
    SmallVector<int64_t> sizes(op.getNumLoops(), 1);
    sizes.back() = options.vectorWidth;
    // A 2-D transpose reads one dimension and writes the other
    // contiguously: square tiles become one register transpose each
    // instead of a strided access per element.
    if (isa<linalg::TransposeOp>(op.getOperation()) && op.getNumLoops() == 2)
      sizes.front() = options.vectorWidth;
    SmallVector<int64_t> clamped = clampToRanges(op, sizes);
    keepSemiAffineLoopsExact(op, clamped);
    // ::tile: this file's helper, not mlir::tile (SCF utils), which lookup
    // from inside mlir::qc finds first.
    FailureOr<linalg::LinalgOp> tiled = ::tile(rewriter, op, clamped);
    if (succeeded(tiled))
      vectorizeTile(rewriter, *tiled, clamped, /*isContraction=*/false);
  }

  // The k loop of a register tile reads the accumulator tile, updates it
  // and writes it back on every iteration. Hoisting that matching
  // transfer_read/transfer_write (and extract/insert_slice) pair makes it
  // a loop-carried vector that stays in registers. Innermost loops first,
  // so that pairs move out as far as they can.
  // The vectorizer creates the index constants inside the loops; they must
  // be outside for the indices to count as loop-invariant.
  SmallVector<scf::ForOp> loops;
  func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
  for (scf::ForOp loop : loops) {
    moveLoopInvariantCode(cast<LoopLikeOpInterface>(loop.getOperation()));
    hoistLoopInvariantSubsets(rewriter, loop);
  }
  return success();
}

namespace {
struct TileAndVectorizePass final
    : qc::impl::QCCPUTileAndVectorizeBase<TileAndVectorizePass> {
  using QCCPUTileAndVectorizeBase::QCCPUTileAndVectorizeBase;

  void runOnOperation() override {
    qc::QCCPUTileAndVectorizeOptions options;
    options.cacheTile = llvm::to_vector(cacheTile);
    options.registerTile = llvm::to_vector(registerTile);
    options.vectorWidth = vectorWidth;
    if (failed(qc::tileAndVectorize(getOperation(), options)))
      signalPassFailure();
  }
};

} // namespace
