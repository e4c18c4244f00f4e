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
#include "Int8Kernels.h"
#include "PatternConfig.h"
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
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

struct TileShape {
  int64_t rows, vectors;
  /// Input bytes per row block (0: none); see rowBlocks.
  int64_t rowBlockBytes = 0;
};

/// Rows per tile: no more than `maxRows`, and balanced so that the last
/// tile is not much smaller than the others (17 rows: 6, 6, 5).
int64_t balancedRows(int64_t rows, int64_t maxRows) {
  int64_t tiles = llvm::divideCeil(rows, maxRows);
  return llvm::divideCeil(rows, tiles);
}

/// Packing run-time weights costs a pass over them; below this many rows
/// the packed layout does not pay for it (a matrix-vector product would read
/// the weights three times instead of once).
constexpr int64_t kMinRowsToPackAtRunTime = 16;

/// The most accumulator vectors per row a tile of few rows gets.
constexpr int64_t kMaxFewRowVectors = 8;

class KernelBuilder {
public:
  KernelBuilder(RewriterBase &rewriter, Int8Contraction &c,
                Epilogue &epilogue, TileShape maxTile)
      : b(rewriter), loc(c.op.getLoc()), c(c), epilogue(epilogue),
        emitter(epilogue), maxTile(maxTile) {}

  Value build();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, loc, x, index(y)).getResult();
  }
  VectorType lanes(Type t) { return VectorType::get({kLanes}, t); }

  void prepareDense();
  void prepareDepthwise();
  Value buildColumnInit();
  Value rowBase(Value p);
  Value segmentOffset(Value s);
  Value dot(Value acc, Value a, Value w);
  std::pair<Value, Value> unpackNibbles(Value packed);
  Value emitRegion(Value out, int64_t rowStart, int64_t rowTiles, int64_t tileRows,
                   int64_t colStart, int64_t panels, int64_t vectors, int64_t validCols,
                   int64_t rowBlocks);
  int64_t rowBlocks(int64_t rowTiles, int64_t panels);
  SmallVector<Value> denseReduction(ArrayRef<Value> bases, Value f0, int64_t vectors,
                                    SmallVector<Value> accs);
  SmallVector<Value> depthwiseReduction(ArrayRef<Value> bases, Value f0, int64_t vectors,
                                        SmallVector<Value> accs, int64_t validCols);

  RewriterBase &b;
  Location loc;
  Int8Contraction &c;
  Epilogue &epilogue;
  EpilogueEmitter emitter;
  TileShape maxTile;

  Value input;          // 1-D bytes of the padded input (offset to u8)
  Value filter;         // dense: packed, 1-D; depthwise: [KH*KW*C]
  Value columnInit;     // [16 * ceil(F/16)] i32, or null: splat init
  bool correctInKernel = false;
  /// 4-bit weights, two per byte: each 64-byte load holds two quads.
  bool nibbles = false;
  int64_t segments = 1, quads = 1;
  SmallVector<int64_t> epilogueRows; // the row dimensions of the stages
};

void KernelBuilder::prepareDense() {
  // A filter row [KW, C] is one contiguous run of the input when the width
  // is not dilated; else each tap is its own run of C bytes.
  int64_t runLength = c.dilationW == 1 ? c.kw * c.channels : c.channels;
  segments = c.kh * c.kw * c.channels / runLength;
  quads = llvm::divideCeil(runLength, kQuad);
  Value filter3D = tensor::CollapseShapeOp::create(
      b, loc, c.filter,
      c.dilationW == 1 ? SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}}
                       : SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  nibbles = c.weightBits == 4;
  filter = nibbles ? packFilterNibbles(b, loc, filter3D, c.weightUnsigned)
                   : packFilter(b, loc, filter3D);

  // The last quad of a run may read up to 3 bytes past it (7 with 4-bit
  // weights, whose quads come in pairs; their weights are zero); past the
  // end of the tensor it needs padding.
  int64_t lastRead = (((c.batch - 1) * c.hp + (c.oh - 1) * c.strideH) * c.wp +
                      (c.ow - 1) * c.strideW) * c.channels;
  int64_t lastSegment = segments - 1;
  lastRead += c.dilationW == 1
                  ? lastSegment * c.dilationH * c.wp * c.channels
                  : ((lastSegment / c.kw) * c.dilationH * c.wp +
                     (lastSegment % c.kw) * c.dilationW) * c.channels;
  lastRead += (nibbles ? llvm::alignTo(quads, 2) : quads) * kQuad;
  // One parallel pass writes the padded (and offset) input where it pays.
  if (Value bytes = buildInputBytes(b, loc, c.input, c.inputSigned, lastRead)) {
    input = bytes;
    return;
  }
  // vpdpbusd reads unsigned bytes: a signed input is offset by 128 (x ^ 0x80)
  // once here, and 128 * sum(w) comes off through the accumulator's start.
  if (c.inputSigned) {
    auto type = cast<RankedTensorType>(input.getType());
    Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), b.getI8Type());
    AffineMap id = b.getMultiDimIdentityMap(1);
    input = linalg::GenericOp::create(
                b, loc, type, ValueRange{input}, ValueRange{empty},
                ArrayRef<AffineMap>{id, id},
                ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
                [](OpBuilder &nb, Location l, ValueRange args) {
                  Value flip = arith::ConstantOp::create(nb, l, nb.getI8IntegerAttr(-128));
                  linalg::YieldOp::create(nb, l, ValueRange{arith::XOrIOp::create(
                                                     nb, l, args[0], flip)});
                })
                .getResult(0);
  }
  int64_t size = cast<RankedTensorType>(input.getType()).getDimSize(0);
  if (lastRead > size) {
    Value zero = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
    input = tensor::PadOp::create(
        b, loc, RankedTensorType::get({lastRead}, b.getI8Type()), input,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(lastRead - size)}, zero);
  }
}

void KernelBuilder::prepareDepthwise() {
  segments = c.kh * c.kw;
  if (Value bytes = buildInputBytes(b, loc, c.input, /*flip=*/false, 0))
    input = bytes;
  filter = tensor::CollapseShapeOp::create(b, loc, c.filter,
                                           ArrayRef<ReassociationIndices>{{0, 1, 2}});
}

/// The accumulator's start per column: the fill value, minus 128 * sum(w)
/// for a signed input of the dense kernel when the weights are constant.
/// Null when it is a splat. Run-time weights take the sums off in the
/// kernel instead (`correctInKernel`).
Value KernelBuilder::buildColumnInit() {
  if (c.depthwise || !c.inputSigned)
    return {};
  DenseIntElementsAttr weights = getConstantThroughReshapes(c.filter);
  if (!weights) {
    correctInKernel = true;
    return {};
  }
  int64_t padded = llvm::alignTo(c.filters, kLanes);
  SmallVector<int32_t> init(padded, int32_t(c.init));
  int64_t i = 0;
  for (const APInt &w : weights.getValues<APInt>()) {
    int64_t code = c.weightUnsigned ? w.getSExtValue() & 15 : w.getSExtValue();
    init[i++ % c.filters] -= uint32_t(128) * uint32_t(code);
  }
  return arith::ConstantOp::create(
      b, loc,
      DenseIntElementsAttr::get(RankedTensorType::get({padded}, b.getI32Type()),
                                ArrayRef<int32_t>(init)));
}

/// The input offset of output row p (pixel (n, oh, ow)) at the window's
/// origin.
Value KernelBuilder::rowBase(Value p) {
  Value pixels = index(c.oh * c.ow);
  Value n = arith::DivUIOp::create(b, loc, p, pixels);
  Value r = arith::RemUIOp::create(b, loc, p, pixels);
  Value oh = arith::DivUIOp::create(b, loc, r, index(c.ow));
  Value ow = arith::RemUIOp::create(b, loc, r, index(c.ow));
  Value row = add(mul(n, c.hp), mul(oh, c.strideH));
  return mul(add(mul(row, c.wp), mul(ow, c.strideW)), c.channels);
}

/// The input offset of segment s (a filter row, or one tap) from the
/// window's origin.
Value KernelBuilder::segmentOffset(Value s) {
  if (c.depthwise || c.dilationW != 1) {
    Value row = arith::DivUIOp::create(b, loc, s, index(c.kw));
    Value col = arith::RemUIOp::create(b, loc, s, index(c.kw));
    return mul(add(mul(row, c.dilationH * c.wp), mul(col, c.dilationW)), c.channels);
  }
  return mul(s, c.dilationH * c.wp * c.channels);
}

/// acc + the sums of four u8 x s8 products per lane, in the portable form
/// qc-cpu-contract-to-x86-vnni turns into one vpdpbusd after bufferization
/// (an intrinsic call has unknown memory effects, which bufferization and
/// deallocation refuse).
Value KernelBuilder::dot(Value acc, Value a, Value w) {
  auto wide = VectorType::get({kLanes * kQuad}, b.getI32Type());
  Value products = arith::MulIOp::create(b, loc, arith::ExtUIOp::create(b, loc, wide, a),
                                         arith::ExtSIOp::create(b, loc, wide, w));
  Value grouped = vector::ShapeCastOp::create(
      b, loc, VectorType::get({kLanes, kQuad}, b.getI32Type()), products);
  return vector::MultiDimReductionOp::create(b, loc, grouped, acc, ArrayRef<bool>{false, true},
                                             vector::CombiningKind::ADD);
}

/// The two 64-byte weight operands in a vector of nibbles, in registers:
/// mask the low nibbles, shift the high ones down (logically); i4 nibbles
/// hold code + 8, so 8 comes off. Both are valid signed bytes. (Sign
/// extension by shifts would cost more: x86 has no byte shifts, so an
/// arithmetic one is a word shift, a mask and two more ops.)
std::pair<Value, Value> KernelBuilder::unpackNibbles(Value packed) {
  auto splat = [&](int8_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cast<VectorType>(packed.getType()), b.getI8IntegerAttr(v)));
  };
  Value low = arith::AndIOp::create(b, loc, packed, splat(15));
  Value high = arith::ShRUIOp::create(b, loc, packed, splat(4));
  if (c.weightUnsigned)
    return {low, high};
  Value eight = splat(8);
  return {arith::SubIOp::create(b, loc, low, eight), arith::SubIOp::create(b, loc, high, eight)};
}

SmallVector<Value> KernelBuilder::denseReduction(ArrayRef<Value> bases, Value f0,
                                                 int64_t vectors, SmallVector<Value> accs) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  int64_t rows = bases.size();
  Value zeroByte = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  Value firstBlock = arith::DivUIOp::create(b, loc, f0, index(kLanes));
  auto bytes = VectorType::get({kLanes * kQuad}, i8);
  // Run-time weights with a signed input: 128 * sum(w) per column, one dot
  // of 0x80 bytes per weight vector, shared by all rows of the tile.
  Value offsetBytes;
  if (correctInKernel) {
    offsetBytes = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(bytes, b.getI8IntegerAttr(-128)));
    for (int64_t j = 0; j < vectors; ++j)
      accs.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(lanes(i32), b.getI32IntegerAttr(0))));
  }
  auto segmentLoop = scf::ForOp::create(
      b, loc, index(0), index(segments), index(1), accs,
      [&](OpBuilder &, Location, Value s, ValueRange iter) {
        Value offset = segmentOffset(s);
        SmallVector<Value> runs, panels;
        for (Value base : bases)
          runs.push_back(add(base, offset));
        // A step loads one 64-byte weight vector per panel: one quad, or
        // with 4-bit weights two (low nibbles, then high nibbles).
        int64_t perStep = nibbles ? 2 : 1, steps = llvm::divideCeil(quads, perStep);
        for (int64_t j = 0; j < vectors; ++j)
          panels.push_back(mul(add(mul(add(firstBlock, index(j)), segments), s),
                               steps * kLanes * kQuad));
        auto quadLoop = scf::ForOp::create(
            b, loc, index(0), index(steps), index(1), iter,
            [&](OpBuilder &, Location, Value q, ValueRange iter) {
              SmallVector<SmallVector<Value>> w(perStep);
              Value wStep = mul(q, kLanes * kQuad);
              for (int64_t j = 0; j < vectors; ++j) {
                Value loaded = vector::TransferReadOp::create(
                    b, loc, bytes, filter, ValueRange{add(panels[j], wStep)}, zeroByte,
                    ArrayRef<bool>{true});
                if (!nibbles) {
                  w[0].push_back(loaded);
                  continue;
                }
                auto [low, high] = unpackNibbles(loaded);
                w[0].push_back(low);
                w[1].push_back(high);
              }
              SmallVector<Value> next(iter);
              for (int64_t half = 0; half < perStep; ++half)
                for (int64_t i = 0; i < rows; ++i) {
                  Value aStep = add(mul(q, perStep * kQuad), index(half * kQuad));
                  Value quad = vector::TransferReadOp::create(
                      b, loc, VectorType::get({kQuad}, i8), input,
                      ValueRange{add(runs[i], aStep)}, zeroByte, ArrayRef<bool>{true});
                  Value word = vector::ExtractOp::create(
                      b, loc,
                      vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), quad), 0);
                  Value a = vector::BitCastOp::create(
                      b, loc, bytes, vector::BroadcastOp::create(b, loc, lanes(i32), word));
                  for (int64_t j = 0; j < vectors; ++j)
                    next[i * vectors + j] = dot(next[i * vectors + j], a, w[half][j]);
                }
              if (correctInKernel)
                for (int64_t j = 0; j < vectors; ++j)
                  next[rows * vectors + j] = dot(next[rows * vectors + j], offsetBytes, w[0][j]);
              scf::YieldOp::create(b, loc, next);
            });
        scf::YieldOp::create(b, loc, quadLoop.getResults());
      });
  SmallVector<Value> sums = segmentLoop.getResults();
  if (!correctInKernel)
    return sums;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < vectors; ++j)
      sums[i * vectors + j] =
          arith::SubIOp::create(b, loc, sums[i * vectors + j], sums[rows * vectors + j]);
  sums.truncate(rows * vectors);
  return sums;
}

SmallVector<Value> KernelBuilder::depthwiseReduction(ArrayRef<Value> bases, Value f0,
                                                     int64_t vectors,
                                                     SmallVector<Value> accs,
                                                     int64_t validCols) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  int64_t rows = bases.size();
  Value zeroByte = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  auto tapLoop = scf::ForOp::create(
      b, loc, index(0), index(segments), index(1), accs,
      [&](OpBuilder &, Location, Value t, ValueRange iter) {
        Value offset = add(segmentOffset(t), f0);
        Value wOffset = add(mul(t, c.channels), f0);
        SmallVector<Value> w, next(iter);
        for (int64_t j = 0; j < vectors; ++j) {
          // A partial last vector reads past the channels into the next
          // tap or pixel (lanes that are never stored); only past the end
          // of the tensor is it masked.
          bool full = (j + 1) * kLanes <= validCols;
          Value bytes = vector::TransferReadOp::create(
              b, loc, lanes(i8), filter, ValueRange{add(wOffset, index(j * kLanes))},
              zeroByte, ArrayRef<bool>{full});
          w.push_back(arith::ExtSIOp::create(b, loc, lanes(i32), bytes));
        }
        for (int64_t i = 0; i < rows; ++i) {
          Value run = add(bases[i], offset);
          for (int64_t j = 0; j < vectors; ++j) {
            bool full = (j + 1) * kLanes <= validCols;
            Value bytes = vector::TransferReadOp::create(
                b, loc, lanes(i8), input, ValueRange{add(run, index(j * kLanes))},
                zeroByte, ArrayRef<bool>{full});
            Value x = c.inputSigned
                          ? arith::ExtSIOp::create(b, loc, lanes(i32), bytes).getResult()
                          : arith::ExtUIOp::create(b, loc, lanes(i32), bytes).getResult();
            Value &acc = next[i * vectors + j];
            acc = arith::AddIOp::create(b, loc, acc, arith::MulIOp::create(b, loc, x, w[j]));
          }
        }
        scf::YieldOp::create(b, loc, next);
      });
  return tapLoop.getResults();
}

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
  if (maxTile.rowBlockBytes <= 0 || c.depthwise || panels < 2)
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

Value KernelBuilder::emitRegion(Value out, int64_t rowStart, int64_t rowTiles,
                                int64_t tileRows, int64_t colStart, int64_t panels,
                                int64_t vectors, int64_t validCols, int64_t rowBlocks) {
  Type i32 = b.getI32Type();
  SmallVector<OpFoldResult> bounds = {b.getIndexAttr(panels), b.getIndexAttr(rowTiles)};
  if (rowBlocks > 1)
    bounds = {b.getIndexAttr(rowBlocks), b.getIndexAttr(panels),
              b.getIndexAttr(rowTiles / rowBlocks)};
  auto forall = scf::ForallOp::create(b, loc, bounds, ValueRange{out}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value panel, rowTile;
  if (rowBlocks > 1) {
    panel = forall.getInductionVar(1);
    rowTile = add(mul(forall.getInductionVar(0), rowTiles / rowBlocks), forall.getInductionVar(2));
  } else {
    panel = forall.getInductionVar(0);
    rowTile = forall.getInductionVar(1);
  }
  Value f0 = add(index(colStart), mul(panel, vectors * kLanes));
  Value p0 = add(index(rowStart), mul(rowTile, tileRows));

  SmallVector<Value> bases;
  SmallVector<SmallVector<Value>> rowIndices(tileRows);
  for (int64_t i = 0; i < tileRows; ++i) {
    Value p = add(p0, index(i));
    bases.push_back(rowBase(p));
    // The row's coordinates in the epilogue's iteration space.
    Value rest = p;
    for (int64_t d = epilogueRows.size() - 1; d >= 0; --d) {
      Value size = index(epilogueRows[d]);
      rowIndices[i].insert(rowIndices[i].begin(),
                           d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, size).getResult());
      if (d != 0)
        rest = arith::DivUIOp::create(b, loc, rest, size);
    }
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
            b, loc, DenseElementsAttr::get(lanes(i32), b.getI32IntegerAttr(int32_t(c.init)))));
      }
    }
  SmallVector<Value> sums =
      c.depthwise ? depthwiseReduction(bases, f0, vectors, accs, validCols)
                  : denseReduction(bases, f0, vectors, accs);

  SmallVector<OpFoldResult> offsets = {p0, f0};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(tileRows), b.getIndexAttr(validCols)};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  Value sharedOut = forall.getRegionIterArgs()[0];
  Value tile = tensor::ExtractSliceOp::create(b, loc, sharedOut, offsets, sizes, strides);
  for (int64_t j = 0; j < vectors; ++j) {
    bool full = (j + 1) * kLanes <= validCols;
    Value col = add(f0, index(j * kLanes));
    emitter.clearColumnCache();
    for (int64_t i = 0; i < tileRows; ++i) {
      Value v = emitter.emit(b, loc, sums[i * vectors + j], rowIndices[i], col, full);
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

Value KernelBuilder::build() {
  input = tensor::CollapseShapeOp::create(b, loc, c.input,
                                          ArrayRef<ReassociationIndices>{{0, 1, 2, 3}});
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
  int64_t tileRows = balancedRows(rows, maxTile.rows);
  // Few rows (a batch-1 GEMV): more columns per tile, up to the same number
  // of accumulators, so that enough independent vpdpbusd chains hide its
  // latency (3 chains of one row waited on it); at most 8, which leaves
  // registers for the weight vectors (16 once 4-bit weights are unpacked).
  int64_t maxVectors = maxTile.vectors;
  if (!c.depthwise)
    maxVectors = std::max(maxVectors, std::min<int64_t>(
                                          kMaxFewRowVectors, maxTile.rows * maxTile.vectors / tileRows));
  int64_t vectors = std::min<int64_t>(llvm::divideCeil(cols, kLanes), maxVectors);
  int64_t panelCols = vectors * kLanes;
  int64_t fullRowTiles = rows / tileRows, restRows = rows % tileRows;
  int64_t fullPanels = cols / panelCols, restCols = cols % panelCols;

  Value out = tensor::EmptyOp::create(b, loc, {rows, cols}, epilogue.elementType);
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
  for (const Cols &cp : colParts)
    for (const Rows &rp : rowParts)
      out = emitRegion(out, rp.start, rp.tiles, rp.size, cp.start, cp.panels, cp.vectors,
                       cp.valid, rowBlocks(rp.tiles, cp.panels));

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

} // namespace

FailureOr<qc::cpu::Int8Kernel>
qc::cpu::matchInt8Kernel(linalg::LinalgOp op, bool fuseEpilogue) {
  FailureOr<Int8Contraction> contraction = matchInt8Contraction(op);
  // The depthwise kernel reads weight bytes as they are: u4 codes need the
  // mask it does not apply.
  if (failed(contraction) || (contraction->depthwise && contraction->weightUnsigned) ||
      (!contraction->depthwise && contraction->rows() < kMinRowsToPackAtRunTime &&
       !getConstantThroughReshapes(contraction->filter)))
    return failure();
  Epilogue epilogue =
      fuseEpilogue ? matchEpilogue(*contraction, contraction->filters % kLanes != 0)
                   : Epilogue{{}, {}, op->getResult(0),
                              getElementTypeOrSelf(op->getResult(0).getType())};
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
    FailureOr<Int8Kernel> kernel = matchInt8Kernel(op, options.fuseEpilogue);
    if (failed(kernel))
      continue;
    Int8Contraction &contraction = kernel->contraction;
    Epilogue &epilogue = kernel->epilogue;
    Operation *last = epilogue.stages.empty() ? op.getOperation()
                                              : epilogue.stages.back().getOperation();
    rewriter.setInsertionPoint(last);
    KernelBuilder builder(rewriter, contraction, epilogue,
                          {options.tileRows, options.tileVectors, options.rowBlockBytes});
    Value result = builder.build();
    rewriter.replaceAllUsesWith(epilogue.result, result);
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
                                    {tileRows, tileVectors, fuseEpilogue, rowBlockBytes})))
      signalPassFailure();
  }
};

} // namespace
