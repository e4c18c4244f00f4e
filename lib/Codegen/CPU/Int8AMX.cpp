//===- Int8AMX.cpp - int8 matrix products on AMX tiles --------------------===//
//
// The AMX form of qc-cpu-int8-kernels (option `amx`) for GEMM-shaped
// contractions: matmuls and 1x1 convolutions without stride or padding, so
// that output row p reads the K input bytes at p * K. Everything else keeps
// the VNNI / portable register-tile kernel (Int8Kernels.cpp).
//
//   for each tile (rows p0 .. p0+r-1, r <= 16; blocks b0 .. b0+nb-1 of 16
//   columns, nb <= 2):                                         [scf.forall]
//     C[j] = tile_zero                          r x 16 i32, j < nb
//     for t < Q / 16:                           (Q = ceil(K / 4) quads)
//       A    = tile_load x[p0 * K + 64t], stride K       r x 64 bytes
//       B[j] = tile_load w[(b0+j) * 64Q + 1024t], stride 64   16 x 64 bytes
//       C[j] = tile_muli A, B[j], C[j]          tdpbusd (u8 input) or tdpbssd
//     last step (Q % 16 quads q): A r x 4q bytes, B q x 64 bytes, same offsets
//     scratch[r][16 nb] = C[j]                  tile_store, stride 16 nb
//     out[p0 + i][16(b0+j) ..] = epilogue(scratch[i][16j ..] + init)
//
// B is the filter packed by packFilter (Int8Pack.cpp) for one segment:
// [ceil(F/16), Q, 16, 4], zero past K and F. A row of B is one quad q: 16
// columns x 4 bytes, which is exactly AMX's B layout (the K dimension in
// groups of 4 bytes per 32-bit element), so 16 consecutive quads of a
// column block are one 16 x 64 tile at stride 64. A's last step reads up
// to 3 bytes past a row's K (into the next row, or the padding added
// here); their weights are zero. The tiles are signed or unsigned bytes as
// the input is, so no +128 offset is needed (tdpbssd for s8 inputs). The
// accumulators stay in tile registers through the reduction (loop-carried
// values; LLVM's AMX passes configure the tiles with ldtilecfg); the
// epilogue then reads them as vectors from a per-tile stack scratch inside
// a memref.alloca_scope (stack saved and restored per tile).
//
// A tile has at most 16 rows of 64 bytes (the palette 1 configuration).
// There are 8 tile registers and LLVM cannot spill tiles: with nb = 4,
// llc -mcpu=sapphirerapids ran out of registers (4 accumulators, A and the
// four B tiles it schedules ahead); nb = 2 needs at most 2 + 1 + 2, or 8
// with the next step's three loads scheduled ahead too.
//
//===----------------------------------------------------------------------===//

#include "Int8Kernels.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

/// AMX palette 1: 16 rows of 64 bytes per tile; 16 quads (64 reduction
/// bytes) per tdpbusd step.
constexpr int64_t kTileRows = 16;
constexpr int64_t kTileBytes = 64;
/// Accumulator tiles (16-column blocks) per kernel tile (see above).
constexpr int64_t kMaxBlocks = 2;

class AMXKernelBuilder {
public:
  AMXKernelBuilder(RewriterBase &b, Int8Contraction &c, Epilogue &epilogue)
      : b(b), loc(c.op.getLoc()), c(c), epilogue(epilogue), emitter(epilogue) {}

  Value build();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, loc, x, index(y)).getResult();
  }
  /// A read-only view of a 1-D byte tensor for the tile loads.
  Value buffer(Value tensor) {
    auto type = cast<RankedTensorType>(tensor.getType());
    auto memref = MemRefType::get(
        type.getShape(), type.getElementType(),
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, {1}));
    return bufferization::ToBufferOp::create(b, loc, memref, tensor, /*readOnly=*/true);
  }
  SmallVector<Value> reduce(Value aBuf, Value bBuf, Value p0, Value firstBlock,
                            int64_t rows, int64_t blocks);
  Value emitRegion(Value out, int64_t rowStart, int64_t rowTiles, int64_t tileRows,
                   int64_t colStart, int64_t panels, int64_t blocks, int64_t validCols);

  RewriterBase &b;
  Location loc;
  Int8Contraction &c;
  Epilogue &epilogue;
  EpilogueEmitter emitter;
  Value input, filter;
  int64_t quads = 1;
  SmallVector<int64_t> epilogueRows;
};

} // namespace

bool qc::cpu::isAMXContraction(const Int8Contraction &c) {
  return !c.depthwise && c.weightBits == 8 && c.kh == 1 && c.kw == 1 &&
         c.strideH == 1 && c.strideW == 1 && c.hp == c.oh && c.wp == c.ow;
}

/// The reduction of one tile: `rows` input rows from p0, `blocks` column
/// blocks from firstBlock; returns the accumulator tiles.
SmallVector<Value> AMXKernelBuilder::reduce(Value aBuf, Value bBuf, Value p0,
                                            Value firstBlock, int64_t rows,
                                            int64_t blocks) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto accType = amx::TileType::get({rows, kTileRows}, i32);
  Value aRow = mul(p0, c.channels);
  SmallVector<Value> panels;
  for (int64_t j = 0; j < blocks; ++j)
    panels.push_back(mul(add(firstBlock, index(j)), quads * kLanes * kQuad));
  Value aStride = index(c.channels), bStride = index(kTileBytes);
  bool zextInput = !c.inputSigned;
  // One step of `stepQuads` quads at reduction byte `k` (4 * quad).
  auto step = [&](Value k, Value bStep, int64_t stepQuads, SmallVector<Value> accs) {
    auto aType = amx::TileType::get({rows, stepQuads * kQuad}, i8);
    auto bType = amx::TileType::get({stepQuads, kTileBytes}, i8);
    Value a = amx::TileLoadOp::create(b, loc, aType, aBuf, ValueRange{add(aRow, k)}, aStride);
    for (int64_t j = 0; j < blocks; ++j) {
      Value w = amx::TileLoadOp::create(b, loc, bType, bBuf,
                                        ValueRange{add(panels[j], bStep)}, bStride);
      accs[j] = amx::TileMulIOp::create(b, loc, accType, a, w, accs[j], zextInput,
                                        /*isZextRhs=*/false);
    }
    return accs;
  };
  SmallVector<Value> accs;
  for (int64_t j = 0; j < blocks; ++j)
    accs.push_back(amx::TileZeroOp::create(b, loc, accType));
  int64_t fullSteps = quads / kTileRows, restQuads = quads % kTileRows;
  if (fullSteps > 0) {
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(fullSteps), index(1), accs,
        [&](OpBuilder &, Location, Value t, ValueRange iter) {
          SmallVector<Value> next = step(mul(t, kTileBytes), mul(t, kTileRows * kTileBytes),
                                         kTileRows, SmallVector<Value>(iter));
          scf::YieldOp::create(b, loc, next);
        });
    accs = loop.getResults();
  }
  if (restQuads > 0)
    accs = step(index(fullSteps * kTileBytes), index(fullSteps * kTileRows * kTileBytes),
                restQuads, accs);
  return accs;
}

Value AMXKernelBuilder::emitRegion(Value out, int64_t rowStart, int64_t rowTiles,
                                   int64_t tileRows, int64_t colStart, int64_t panels,
                                   int64_t blocks, int64_t validCols) {
  Type i32 = b.getI32Type();
  SmallVector<OpFoldResult> bounds = {b.getIndexAttr(panels), b.getIndexAttr(rowTiles)};
  auto forall = scf::ForallOp::create(b, loc, bounds, ValueRange{out}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value f0 = add(index(colStart), mul(forall.getInductionVar(0), blocks * kLanes));
  Value p0 = add(index(rowStart), mul(forall.getInductionVar(1), tileRows));
  Value firstBlock = arith::DivUIOp::create(b, loc, f0, index(kLanes));
  SmallVector<Value> accs =
      reduce(buffer(input), buffer(filter), p0, firstBlock, tileRows, blocks);

  // The tiles to a stack scratch [rows][16 * blocks] and back as vectors.
  auto vecType = VectorType::get({kLanes}, i32);
  int64_t scratchCols = blocks * kLanes;
  auto scope = memref::AllocaScopeOp::create(
      b, loc, SmallVector<Type>(tileRows * blocks, vecType));
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(&scope.getBodyRegion().emplaceBlock());
    Value scratch = memref::AllocaOp::create(
        b, loc, MemRefType::get({tileRows * scratchCols}, i32));
    for (int64_t j = 0; j < blocks; ++j)
      amx::TileStoreOp::create(b, loc, scratch, ValueRange{index(j * kLanes)}, accs[j],
                               index(scratchCols));
    Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    SmallVector<Value> vectors;
    for (int64_t i = 0; i < tileRows; ++i)
      for (int64_t j = 0; j < blocks; ++j)
        vectors.push_back(vector::TransferReadOp::create(
            b, loc, vecType, scratch, ValueRange{index(i * scratchCols + j * kLanes)}, zero,
            ArrayRef<bool>{true}));
    memref::AllocaScopeReturnOp::create(b, loc, vectors);
  }

  Value init;
  if (c.init != 0)
    init = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecType, b.getI32IntegerAttr(int32_t(c.init))));
  SmallVector<OpFoldResult> offsets = {p0, f0};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(tileRows), b.getIndexAttr(validCols)};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  Value sharedOut = forall.getRegionIterArgs()[0];
  Value tile = tensor::ExtractSliceOp::create(b, loc, sharedOut, offsets, sizes, strides);
  SmallVector<SmallVector<Value>> rowIndices(tileRows);
  for (int64_t i = 0; i < tileRows; ++i) {
    // The row's coordinates in the epilogue's iteration space.
    Value rest = add(p0, index(i));
    for (int64_t d = epilogueRows.size() - 1; d >= 0; --d) {
      Value size = index(epilogueRows[d]);
      rowIndices[i].insert(rowIndices[i].begin(),
                           d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, size).getResult());
      if (d != 0)
        rest = arith::DivUIOp::create(b, loc, rest, size);
    }
  }
  for (int64_t j = 0; j < blocks; ++j) {
    bool full = (j + 1) * kLanes <= validCols;
    Value col = add(f0, index(j * kLanes));
    emitter.clearColumnCache();
    for (int64_t i = 0; i < tileRows; ++i) {
      Value acc = scope.getResult(i * blocks + j);
      if (init)
        acc = arith::AddIOp::create(b, loc, acc, init);
      Value v = emitter.emit(b, loc, acc, rowIndices[i], col, full);
      tile = vector::TransferWriteOp::create(b, loc, v, tile,
                                             ValueRange{index(i), index(j * kLanes)},
                                             ArrayRef<bool>{full})
                 .getResult();
    }
  }
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, tile, sharedOut, offsets, sizes, strides);
  return forall.getResult(0);
}

Value AMXKernelBuilder::build() {
  int64_t rows = c.rows(), cols = c.filters, k = c.channels;
  quads = llvm::divideCeil(k, kQuad);
  input = tensor::CollapseShapeOp::create(b, loc, c.input,
                                          ArrayRef<ReassociationIndices>{{0, 1, 2, 3}});
  // The last row's last step reads up to 4 * quads bytes.
  int64_t lastRead = (rows - 1) * k + quads * kQuad;
  if (lastRead > rows * k) {
    Value zero = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
    input = tensor::PadOp::create(
        b, loc, RankedTensorType::get({lastRead}, b.getI8Type()), input,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(lastRead - rows * k)}, zero);
  }
  Value filter3D = tensor::CollapseShapeOp::create(
      b, loc, c.filter, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
  filter = packFilter(b, loc, filter3D);
  if (!epilogue.stages.empty()) {
    SmallVector<int64_t> ranges = epilogue.stages.front().getStaticLoopRanges();
    epilogueRows.assign(ranges.begin(), ranges.end() - 1);
  }

  // Rows balanced over tiles of at most 16 (17 rows: 9 and 8).
  int64_t rowTilesNeeded = llvm::divideCeil(rows, kTileRows);
  int64_t tileRows = llvm::divideCeil(rows, rowTilesNeeded);
  int64_t totalBlocks = llvm::divideCeil(cols, kLanes);
  int64_t blocks = std::min(totalBlocks, kMaxBlocks);
  Value out = tensor::EmptyOp::create(b, loc, {rows, cols}, epilogue.elementType);
  for (const TileRegion &r : partitionTiles(rows, cols, tileRows, blocks))
    out = emitRegion(out, r.rowStart, r.rowTiles, r.tileRows, r.colStart, r.panels, r.vectors,
                     r.validCols);
  return expandKernelResult(b, loc, out, epilogue, rows);
}

Value qc::cpu::buildAMXKernel(RewriterBase &rewriter, Int8Contraction &contraction,
                              Epilogue &epilogue) {
  return AMXKernelBuilder(rewriter, contraction, epilogue).build();
}
