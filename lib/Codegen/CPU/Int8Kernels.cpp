//===- Int8Kernels.cpp - int8 contractions as register-tile kernels -------===//
//
// Each int8 matrix product or convolution becomes an scf.forall over tiles
// of (rows x 16*b columns). A tile keeps rows*b i32 vectors in registers
// through the whole reduction, then runs the fused epilogue on them and
// stores the narrowed result: the int32 sums never reach memory.
//
//   for each tile (columns f0.., rows p0..):                 [scf.forall]
//     acc[i][j] = init[f0 + 16j]        (fill, -128*sum(w) for s8 inputs)
//     for segment s:                    (filter rows, or taps)
//       for quad q:                     (4 reduction bytes)
//         w[j] = packed[f0/16 + j][s][q]          one 64-byte load
//         a[i] = broadcast of x[base(p0+i) + off(s) + 4q] (4 bytes)
//         acc[i][j] = vpdpbusd(acc[i][j], a[i], w[j])
//     out[p0 + i][f0 + 16j ..] = epilogue(acc[i][j])
//
// The reduction of a convolution runs over contiguous bytes of the padded
// NHWC input: with dilation 1 along the width, the KW*C bytes a filter row
// covers are one run, so a 7x7 convolution of 3 channels reads 21 bytes
// (padded to 24) per filter row instead of 7 runs of 4.
//
//===----------------------------------------------------------------------===//
#include "DynamicBatch.h"
#include "Int8KernelBuilder.h"
#include "PatternConfig.h"
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUINT8KERNELS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

/// Rows per tile: no more than `maxRows`, and balanced so that the last
/// tile is not much smaller than the others (17 rows: 6, 6, 5).
int64_t balancedRows(int64_t rows, int64_t maxRows) {
  int64_t tiles = llvm::divideCeil(rows, maxRows);
  return llvm::divideCeil(rows, tiles);
}

/// Packing run-time weights costs a pass over them; below this many rows
/// the packed layout does not pay for it (a matrix-vector product would read
/// the weights three times instead of once). Counted over all samples of a
/// batched product, not per sample: its B filters are packed by one pass
/// (stacked along the pack's segments), and with 4 or 8 rows per sample the
/// kernel was still 1.3-3.5x faster than the generic path (docs/CPUKernels.md).
constexpr int64_t kMinRowsToPackAtRunTime = 16;

/// The most accumulator vectors per row a tile of few rows gets.
constexpr int64_t kMaxFewRowVectors = 8;

} // namespace

/// How many blocks the `rowTiles` row tiles of a dense kernel run in. The
/// forall over (panels, row tiles) reads the whole input once per panel:
/// from L2 while the input fits there, else from L3 or memory, and a
/// static split of that loop among threads gives each thread half of the
/// panels, every thread streaming the whole input. In blocks of about
/// `rowBlockBytes` input bytes, ordered (block, panel, row tile), one block
/// is read for every panel while it stays in L2, and threads get whole
/// blocks (their own input rows). The count divides `rowTiles` (equal
/// blocks), is at most twice the wanted one and leaves at least two tiles
/// per block; 1 when none does or the kernel is small.
int64_t KernelBuilder::rowBlocks(int64_t rowTiles, int64_t panels) {
  if (maxTile.rowBlockBytes <= 0 || c.depthwise || panels < 2 || c.filterBatch > 1)
    return 1;
  int64_t inputBytes = cast<RankedTensorType>(input.getType()).getNumElements();
  int64_t wanted = llvm::divideCeil(inputBytes, maxTile.rowBlockBytes);
  if (wanted < 2)
    return 1;
  for (int64_t blocks = wanted; blocks <= 2 * wanted && 2 * blocks <= rowTiles; ++blocks)
    if (rowTiles % blocks == 0)
      return blocks;
  return 1;
}

/// The coordinates of output row `p` in the epilogue's iteration space.
SmallVector<Value> KernelBuilder::epilogueRowIndices(Value p) {
  SmallVector<Value> indices;
  Value rest = p;
  for (int64_t d = epilogueRows.size() - 1; d >= 0; --d) {
    Value size = index(epilogueRows[d]);
    indices.insert(indices.begin(),
                   d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, size).getResult());
    if (d != 0)
      rest = arith::DivUIOp::create(b, loc, rest, size);
  }
  return indices;
}

/// Whether the epilogue of a tile of `tileRows` rows runs as loops over the
/// rows (emitRowLoop) rather than unrolled: for every dense tile of more
/// than one row. Depthwise kernels keep the unrolled form (their reduction
/// is a few taps, so the epilogue is much of their run time, and the
/// rolled form was not measured on them).
bool KernelBuilder::rollEpilogue(int64_t tileRows) const {
  // Packed 4-bit results pair the columns of one row: unrolled.
  return tileRows > 1 && !c.depthwise && !epilogue.pack;
}

/// Asks LLVM not to unroll `loop` (`llvm.loop.unroll.disable` on its back
/// edge: scf-to-cf and cf-to-llvm carry the attribute to the branch, and
/// qc::translateToLLVMIR hands it to the translation). LLVM's full
/// unrolling copied a tile's row loop once per row (7 or 8 copies of ~100
/// instructions), undoing the rolled epilogue at LLVM's end: on
/// resnet18-224 it was ~40 % of the module's code after -O3 and ~0.65 of
/// 2.3 CPU s of `opt -O3` + `llc`, for no measurable run time
/// (docs/CPUBackend.md, "Object code").
static void keepRolled(scf::ForOp loop) {
  MLIRContext *context = loop.getContext();
  auto unroll = LLVM::LoopUnrollAttr::get(context, /*disable=*/BoolAttr::get(context, true),
                                          {}, {}, {}, {}, {}, {});
  loop->setAttr("llvm.loop_annotation",
                LLVM::LoopAnnotationAttr::get(context, {}, {}, {}, unroll, {}, {}, {}, {},
                                              {}, {}, {}, {}, {}, {}, {}));
}

/// The epilogue of a tile of `tileRows` rows as loops over its rows, one
/// per accumulator column: one copy of a vector's epilogue per column
/// instead of `tileRows` (the unrolled epilogues were most of a kernel's
/// code, and compile time grows with it). The accumulators stay in
/// registers: column j's loop carries that column's accumulators and
/// rotates them by one row per iteration, so that the row it works on is
/// always the first (no dynamic index into registers, no stack buffer);
/// the columns after j stay live through it, the ones before are done.
Value KernelBuilder::emitRowLoop(Value tile, ArrayRef<Value> sums, Value p0, Value f0,
                                 int64_t tileRows, int64_t vectors, int64_t validCols) {
  for (int64_t j = 0; j < vectors; ++j) {
    bool full = (j + 1) * kLanes <= validCols;
    SmallVector<Value> init = {tile};
    for (int64_t i = 0; i < tileRows; ++i)
      init.push_back(sums[i * vectors + j]);
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(tileRows), index(1), init,
        [&](OpBuilder &, Location, Value i, ValueRange iter) {
          emitter.clearColumnCache();
          Value v = emitter.emit(b, loc, iter[1], epilogueRowIndices(add(p0, i)),
                                 add(f0, index(j * kLanes)), full);
          SmallVector<Value> next = {vector::TransferWriteOp::create(
                                         b, loc, v, iter[0], ValueRange{i, index(j * kLanes)},
                                         ArrayRef<bool>{full})
                                         .getResult()};
          next.append(iter.begin() + 2, iter.end());
          next.push_back(iter[1]);
          scf::YieldOp::create(b, loc, next);
        });
    keepRolled(loop);
    tile = loop.getResult(0);
  }
  return tile;
}

Value KernelBuilder::emitRegion(Value out, int64_t rowStart, int64_t rowTiles,
                                int64_t tileRows, int64_t colStart, int64_t panels,
                                int64_t vectors, int64_t validCols, int64_t rowBlocks) {
  Type i32 = b.getI32Type();
  SmallVector<OpFoldResult> bounds = {b.getIndexAttr(panels), b.getIndexAttr(rowTiles)};
  if (rowBlocks > 1)
    bounds = {b.getIndexAttr(rowBlocks), b.getIndexAttr(panels),
              b.getIndexAttr(rowTiles / rowBlocks)};
  // A batched product: one more (outer) dimension, the sample; its rows
  // start at sample * rows per sample, its filter is the sample's.
  bool batched = c.filterBatch > 1;
  if (batched)
    bounds.insert(bounds.begin(), b.getIndexAttr(c.filterBatch));
  auto forall = scf::ForallOp::create(b, loc, bounds, ValueRange{out}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value panel, rowTile;
  batchIndex = {};
  if (batched) {
    batchIndex = forall.getInductionVar(0);
    panel = forall.getInductionVar(1);
    rowTile = forall.getInductionVar(2);
  } else if (rowBlocks > 1) {
    panel = forall.getInductionVar(1);
    rowTile = add(mul(forall.getInductionVar(0), rowTiles / rowBlocks), forall.getInductionVar(2));
  } else {
    panel = forall.getInductionVar(0);
    rowTile = forall.getInductionVar(1);
  }
  Value f0 = add(index(colStart), mul(panel, vectors * kLanes));
  Value p0 = add(index(rowStart), mul(rowTile, tileRows));
  if (batched)
    p0 = add(p0, mul(batchIndex, c.rows() / c.filterBatch));

  bool rowLoop = rollEpilogue(tileRows);
  SmallVector<Value> bases;
  SmallVector<SmallVector<Value>> rowIndices;
  for (int64_t i = 0; i < tileRows; ++i) {
    Value p = add(p0, index(i));
    bases.push_back(rowBase(p));
    if (!rowLoop)
      rowIndices.push_back(epilogueRowIndices(p));
  }

  SmallVector<Value> accs;
  for (int64_t i = 0; i < tileRows; ++i)
    for (int64_t j = 0; j < vectors; ++j) {
      if (columnInit) {
        Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
        accs.push_back(vector::TransferReadOp::create(
            b, loc, lanes(i32), columnInit, ValueRange{add(f0, index(j * kLanes))}, zero,
            ArrayRef<bool>{true}));
      } else {
        accs.push_back(arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(lanes(i32), b.getI32IntegerAttr(int32_t(init)))));
      }
    }
  SmallVector<Value> sums =
      c.depthwise ? depthwiseReduction(bases, f0, vectors, accs, validCols)
      : c.wide        ? wideReduction(bases, f0, vectors, accs)
      : c.packedInput ? packedInputReduction(bases, f0, vectors, accs)
                      : denseReduction(bases, f0, vectors, accs);

  // A packed result: two columns per byte (f0 is a multiple of 16).
  bool packed = bool(epilogue.pack);
  SmallVector<OpFoldResult> offsets = {
      p0, packed ? arith::DivUIOp::create(b, loc, f0, index(2)).getResult() : f0};
  SmallVector<OpFoldResult> sizes = {
      b.getIndexAttr(tileRows), b.getIndexAttr(packed ? packedRowBytes(validCols) : validCols)};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  Value sharedOut = forall.getRegionIterArgs()[0];
  Value tile = tensor::ExtractSliceOp::create(b, loc, sharedOut, offsets, sizes, strides);
  if (rowLoop) {
    tile = emitRowLoop(tile, sums, p0, f0, tileRows, vectors, validCols);
  } else {
    for (int64_t j = 0; j < vectors; ++j) {
      bool full = (j + 1) * kLanes <= validCols;
      Value col = add(f0, index(j * kLanes));
      emitter.clearColumnCache();
      for (int64_t i = 0; i < tileRows; ++i) {
        Value v = emitter.emit(b, loc, sums[i * vectors + j], rowIndices[i], col, full);
        if (packed)
          v = packNibblePairs(v, validCols - j * kLanes);
        tile = vector::TransferWriteOp::create(
                   b, loc, v, tile, ValueRange{index(i), index(j * (packed ? kLanes / 2 : kLanes))},
                   ArrayRef<bool>{full})
                   .getResult();
      }
    }
  }
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, tile, sharedOut, offsets, sizes, strides);
  return forall.getResult(0);
}

Value KernelBuilder::build() {
  input = c.packedInput ? c.packedInput
                        : tensor::CollapseShapeOp::create(
                              b, loc, c.input, ArrayRef<ReassociationIndices>{{0, 1, 2, 3}})
                              .getResult();
  init = c.init;
  if (c.depthwise)
    prepareDepthwise();
  else
    prepareDense();
  columnInit = buildColumnInit();
  if (!epilogue.stages.empty()) {
    SmallVector<int64_t> ranges = epilogue.stages.front().getStaticLoopRanges();
    epilogueRows.assign(ranges.begin(), ranges.end() - 1);
  }

  int64_t rows = c.rows(), cols = c.filters;
  // Tiles never straddle two samples of a batched product: the row tiling
  // is that of one sample, repeated by the forall's sample dimension.
  int64_t sampleRows = rows / c.filterBatch;
  int64_t tileRows = balancedRows(sampleRows, maxTile.rows);
  // Few rows (a batch-1 GEMV): more columns per tile, up to the same number
  // of accumulators, so that enough independent vpdpbusd chains hide its
  // latency (3 chains of one row waited on it); at most 8, which leaves
  // registers for the weight vectors (16 once 4-bit weights are unpacked).
  int64_t maxVectors = maxTile.vectors;
  if (!c.depthwise)
    maxVectors = std::max(maxVectors, std::min<int64_t>(
                                          kMaxFewRowVectors, maxTile.rows * maxTile.vectors / tileRows));
  int64_t vectors = std::min<int64_t>(llvm::divideCeil(cols, kLanes), maxVectors);
  // 4-bit depthwise weights pair channel blocks 2p, 2p + 1 in one load: a
  // tile of several panels starts at an even block.
  if (c.depthwise && c.weightBits == 4 && vectors % 2 && vectors < int64_t(llvm::divideCeil(cols, kLanes)))
    vectors = vectors == 1 ? 2 : vectors - 1;
  Value packedFull;
  Value out = epilogue.pack ? packedOutputView(packedFull)
                            : tensor::EmptyOp::create(b, loc, {rows, cols}, epilogue.elementType)
                                  .getResult();
  for (const TileRegion &r : partitionTiles(sampleRows, cols, tileRows, vectors))
    out = emitRegion(out, r.rowStart, r.rowTiles, r.tileRows, r.colStart, r.panels, r.vectors,
                     r.validCols, rowBlocks(r.rowTiles, r.panels));

  if (epilogue.pack)
    return finishPackedOutput(packedFull, out);
  return expandKernelResult(b, loc, out, epilogue, rows);
}

SmallVector<qc::cpu::TileRegion> qc::cpu::partitionTiles(int64_t rows, int64_t cols,
                                                        int64_t tileRows, int64_t vectors) {
  int64_t panelCols = vectors * kLanes;
  int64_t fullRowTiles = rows / tileRows, restRows = rows % tileRows;
  int64_t fullPanels = cols / panelCols, restCols = cols % panelCols;
  struct Rows { int64_t start, tiles, size; };
  struct Cols { int64_t start, panels, vectors, valid; };
  SmallVector<Rows> rowParts;
  SmallVector<Cols> colParts;
  if (fullRowTiles)
    rowParts.push_back({0, fullRowTiles, tileRows});
  if (restRows)
    rowParts.push_back({fullRowTiles * tileRows, 1, restRows});
  if (fullPanels)
    colParts.push_back({0, fullPanels, vectors, panelCols});
  if (restCols)
    colParts.push_back(
        {fullPanels * panelCols, 1, int64_t(llvm::divideCeil(restCols, kLanes)), restCols});
  SmallVector<TileRegion> regions;
  for (const Cols &cp : colParts)
    for (const Rows &rp : rowParts)
      regions.push_back({rp.start, rp.tiles, rp.size, cp.start, cp.panels, cp.vectors, cp.valid});
  return regions;
}

Value qc::cpu::expandKernelResult(OpBuilder &b, Location loc, Value out,
                                  const Epilogue &epilogue, int64_t rows) {
  auto resultType = cast<RankedTensorType>(epilogue.result.getType());
  if (resultType.getRank() == 2)
    return out;
  // [rows, cols] back to the consumer's shape; only the last dimension is
  // the channels.
  ReassociationIndices rowDims, colDims;
  int64_t count = 1, d = 0;
  for (; count < rows || (rows == 1 && d == 0); ++d) {
    if (d + 1 >= resultType.getRank())
      break;
    rowDims.push_back(d);
    count *= resultType.getDimSize(d);
    if (count == rows && resultType.getDimSize(d + 1) != 1)
      break;
  }
  for (int64_t e = rowDims.back() + 1; e < resultType.getRank(); ++e)
    colDims.push_back(e);
  return tensor::ExpandShapeOp::create(b, loc, resultType, out,
                                       ArrayRef<ReassociationIndices>{rowDims, colDims});
}

FailureOr<qc::cpu::Int8Kernel>
qc::cpu::matchInt8Kernel(linalg::LinalgOp op, bool fuseEpilogue, bool wide) {
  FailureOr<Int8Contraction> contraction = matchInt8Contraction(op, wide);
  // The depthwise kernel reads weight bytes as they are: u8 bytes would
  // need the offset. (A 16-bit depthwise convolution runs it on 16-bit
  // elements, depthwiseReduction.)
  if (failed(contraction) || (contraction->depthwise && contraction->weightU8) ||
      (!contraction->depthwise && contraction->rows() < kMinRowsToPackAtRunTime &&
       !getConstantThroughReshapes(contraction->filter)))
    return failure();
  Epilogue epilogue =
      fuseEpilogue ? matchEpilogue(*contraction, contraction->filters % kLanes != 0)
                   : Epilogue{{}, {}, op->getResult(0),
                              getElementTypeOrSelf(op->getResult(0).getType()), {}};
  matchPackedNibbles(*contraction, epilogue);
  // u4 activations one per byte (sign-extended) would need a mask per
  // quad: the generic path takes them; packed, the nibbles are the codes.
  if (contraction->inputMasked4 && !contraction->packedInput)
    return failure();
  return Int8Kernel{*contraction, std::move(epilogue)};
}

LogicalResult qc::buildInt8Kernels(func::FuncOp func,
                                  const QCCPUInt8KernelsOptions &options) {
  if (options.tileRows < 1 || options.tileVectors < 1 || options.rowBlockBytes < 0) {
    func.emitError() << "qc-cpu-int8-kernels: tile-rows and tile-vectors must be "
                        "positive, row-block-bytes not negative";
    return failure();
  }
  // A dynamic batch: one static contraction per sample.
  qc::cpu::tileDynamicBatch(func);
  SmallVector<linalg::LinalgOp> candidates;
  func.walk([&](linalg::LinalgOp op) { candidates.push_back(op); });
  IRRewriter rewriter(func.getContext());
  // Fused consumers are erased; some of them are candidates too.
  llvm::SmallPtrSet<Operation *, 16> erased;
  for (linalg::LinalgOp op : candidates) {
    if (erased.contains(op))
      continue;
    FailureOr<Int8Kernel> kernel = matchInt8Kernel(op, options.fuseEpilogue, options.int16Kernels);
    if (failed(kernel))
      continue;
    Int8Contraction &contraction = kernel->contraction;
    Epilogue &epilogue = kernel->epilogue;
    Operation *last = epilogue.stages.empty() ? op.getOperation()
                                              : epilogue.stages.back().getOperation();
    rewriter.setInsertionPoint(last);
    Value result;
    if (options.amx && !contraction.wide && isAMXContraction(contraction)) {
      result = buildAMXKernel(rewriter, contraction, epilogue);
    } else {
      KernelBuilder builder(rewriter, contraction, epilogue,
                            {options.tileRows, options.tileVectors, options.rowBlockBytes});
      result = builder.build();
    }
    rewriter.replaceAllUsesWith(epilogue.result, result);
    if (epilogue.pack) {
      SmallVector<Operation *> packing = packingOps(epilogue);
      erased.insert(epilogue.pack);
      rewriter.eraseOp(epilogue.pack);
      for (Operation *op : packing)
        rewriter.eraseOp(op);
    }
    for (linalg::GenericOp stage : llvm::reverse(epilogue.stages)) {
      erased.insert(stage);
      rewriter.eraseOp(stage);
    }
    // The contraction and a collapse_shape between it and the epilogue.
    if (!op->use_empty())
      if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(*op->getUsers().begin());
          collapse && collapse->use_empty())
        rewriter.eraseOp(collapse);
    if (op->use_empty())
      rewriter.eraseOp(op);
  }
  RewritePatternSet patterns(func.getContext());
  populateInt8PackPatterns(patterns);
  tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, func.getContext());
  tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, func.getContext());
  return applyPatternsGreedily(func, std::move(patterns),
                               qc::cpuPatternConfig());
}

namespace {
struct Int8KernelsPass final : qc::impl::QCCPUInt8KernelsBase<Int8KernelsPass> {
  using QCCPUInt8KernelsBase::QCCPUInt8KernelsBase;

  void runOnOperation() override {
    if (failed(qc::buildInt8Kernels(getOperation(),
                                    {tileRows, tileVectors, fuseEpilogue, rowBlockBytes, amx,
                                     int16Kernels})))
      signalPassFailure();
  }
};

} // namespace
