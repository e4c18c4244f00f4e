//===- Int8Pack.cpp - weights in the layout of the int8 kernels -----------===//
//
// The kernel reads, for 16 output channels and 4 reduction steps, one
// 64-byte vector whose lane n holds the 4 weights of channel n: the operand
// layout of vpdpbusd. `linalg.pack` states that layout; constant weights
// are packed here at compile time, others by a vector loop at run time.
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

constexpr int64_t kInnerDimsPos[] = {2, 1};
constexpr int64_t kOuterDimsPerm[] = {2, 0, 1};

/// linalg.pack of an i8 constant, computed at compile time (upstream folds
/// a splat only when the padding value equals it).
struct FoldConstantPack final : OpRewritePattern<linalg::PackOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::PackOp op,
                                PatternRewriter &rewriter) const override {
    DenseIntElementsAttr source = getConstantThroughReshapes(op.getSource());
    if (!source || !source.getElementType().isInteger(8))
      return rewriter.notifyMatchFailure(op, "not an i8 constant");
    IntegerAttr padAttr;
    int8_t pad = 0;
    if (Value padValue = op.getPaddingValue()) {
      if (!matchPattern(padValue, m_Constant(&padAttr)))
        return rewriter.notifyMatchFailure(op, "padding value not constant");
      pad = int8_t(padAttr.getValue().getSExtValue());
    }
    RankedTensorType destType = op.getDestType();
    if (!destType.hasStaticShape() || ShapedType::isDynamicShape(op.getStaticInnerTiles()))
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    ArrayRef<int64_t> srcShape = op.getSourceType().getShape();
    ArrayRef<int64_t> destShape = destType.getShape();
    int64_t rank = srcShape.size();
    SmallVector<int64_t> perm(op.getOuterDimsPerm());
    if (perm.empty())
      perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    ArrayRef<int64_t> innerPos = op.getInnerDimsPos();
    ArrayRef<int64_t> tiles = op.getStaticInnerTiles();
    ArrayRef<char> data = source.getRawData();
    bool splat = source.isSplat();

    SmallVector<int64_t> srcStrides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      srcStrides[d] = srcStrides[d + 1] * srcShape[d + 1];
    // Destination dimension i moves one source dimension, srcDim[i], by
    // step[i]: an outer dimension by its tile (or 1 when not tiled), an
    // inner tile dimension by 1. The source index and byte offset then
    // follow the destination index by additions, and only a tiled source
    // dimension can run past its end (padding). An index computed from
    // scratch per byte was about an eighth of qc-cpu-pipeline on resnet18
    // (11M weights).
    int64_t destRank = destShape.size();
    SmallVector<int64_t> srcDim(destRank), step(destRank, 1);
    for (int64_t i = 0; i < rank; ++i)
      srcDim[i] = perm[i];
    for (auto [t, d] : llvm::enumerate(innerPos)) {
      srcDim[rank + t] = d;
      for (int64_t i = 0; i < rank; ++i)
        if (perm[i] == d)
          step[i] = tiles[t];
    }
    SmallVector<int64_t> stride(destRank);
    for (int64_t i = 0; i < destRank; ++i)
      stride[i] = step[i] * srcStrides[srcDim[i]];
    std::vector<int8_t> packed(destType.getNumElements());
    SmallVector<int64_t> index(destRank, 0), src(rank, 0);
    int64_t offset = 0;
    // The innermost destination dimension a row at a time.
    int64_t last = destRank - 1, rowLength = destShape[last];
    int64_t lastDim = srcDim[last], lastStep = step[last], lastStride = stride[last];
    for (int64_t start = 0, e = packed.size(); start < e; start += rowLength) {
      bool inside = true;
      for (int64_t d : innerPos)
        inside &= src[d] < srcShape[d];
      for (int64_t j = 0; j < rowLength; ++j) {
        bool in = inside && src[lastDim] + j * lastStep < srcShape[lastDim];
        packed[start + j] = in ? int8_t(data[splat ? 0 : offset + j * lastStride]) : pad;
      }
      // The next row: the outer destination index, last dimension fastest.
      for (int64_t d = last - 1; d >= 0; --d) {
        if (++index[d] < destShape[d]) {
          src[srcDim[d]] += step[d];
          offset += stride[d];
          break;
        }
        src[srcDim[d]] -= (destShape[d] - 1) * step[d];
        offset -= (destShape[d] - 1) * stride[d];
        index[d] = 0;
      }
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, DenseIntElementsAttr::get(destType, ArrayRef<int8_t>(packed)));
    return success();
  }
};

/// 16-channel panels per 64-byte line of a weight row.
constexpr int64_t kPanelsPerLine = 4;

/// Rows 4q..4q+3 of segment `s` of the run-time weight `source` [S, R, F],
/// `type`'s bytes from column `col` each. Rows past `depth` are zero
/// padding, while the read itself stays inside the tensor (the row index is
/// clamped); `inBounds` says the columns are.
static SmallVector<Value> readQuadRows(OpBuilder &b, Location l, Value source,
                                       VectorType type, Value s, Value q, Value col,
                                       int64_t depth, bool inBounds) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
  bool fullQuads = depth % kQuad == 0;
  Value zeroByte = arith::ConstantOp::create(b, l, b.getI8IntegerAttr(0));
  Value zeros =
      arith::ConstantOp::create(b, l, DenseElementsAttr::get(type, b.getI8IntegerAttr(0)));
  SmallVector<Value> rows;
  for (int64_t r = 0; r < kQuad; ++r) {
    Value k = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, q, index(kQuad)), index(r));
    Value row = fullQuads ? k : arith::MinUIOp::create(b, l, k, index(depth - 1));
    Value v = vector::TransferReadOp::create(b, l, type, source, ValueRange{s, row, col},
                                             zeroByte, ArrayRef<bool>{inBounds});
    if (!fullQuads)
      v = arith::SelectOp::create(
          b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, k, index(depth)), v,
          zeros);
    rows.push_back(v);
  }
  return rows;
}

/// The run-time pack of LowerVNNIPack's first `groups` x 64 channels into
/// `flat` (returned): one task per 64 channels (4 panels), each step
/// reading 4 whole 64-byte lines of the weight rows 4q..4q+3 and writing
/// one 64-byte vector to each of the 4 panels, by 8 two-source byte
/// shuffles (vpermt2b with VBMI). Against one panel at a time (four 16-byte
/// loads and 3 shuffles per vector) this reads every cache line once
/// instead of 4 times and needs 2 shuffles per vector instead of 3.
Value packByLines(PatternRewriter &rewriter, linalg::PackOp op, Value flat,
                  int64_t panelBytes, int64_t groups) {
  Location loc = op.getLoc();
  RankedTensorType srcType = op.getSourceType();
  int64_t segments = srcType.getDimSize(0), depth = srcType.getDimSize(1);
  int64_t quads = llvm::divideCeil(depth, kQuad);
  int64_t lineBytes = kPanelsPerLine * kLanes;
  Type i8 = rewriter.getI8Type();
  auto lineType = VectorType::get({lineBytes}, i8);
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
  // Rows 0/1 (and 2/3) interleaved by bytes: columns 0..31, then 32..63.
  SmallVector<int64_t> lowPairs, highPairs;
  for (int64_t c = 0; c < lineBytes / 2; ++c) {
    lowPairs.append({c, c + lineBytes});
    highPairs.append({c + lineBytes / 2, c + lineBytes / 2 + lineBytes});
  }
  // Panel i: the byte pairs of its 16 columns from both interleaves, in the
  // half (low or high) that holds them.
  SmallVector<SmallVector<int64_t>> panelMasks(kPanelsPerLine);
  for (int64_t i = 0; i < kPanelsPerLine; ++i)
    for (int64_t n = 0; n < kLanes; ++n) {
      int64_t c = (i % 2) * kLanes + n;
      panelMasks[i].append({2 * c, 2 * c + 1, lineBytes + 2 * c, lineBytes + 2 * c + 1});
    }
  int64_t groupBytes = kPanelsPerLine * panelBytes;
  auto forall = scf::ForallOp::create(rewriter, loc,
                                      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(groups)},
                                      ValueRange{flat}, std::nullopt);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(forall.getTerminator());
  Value g = forall.getInductionVar(0);
  Value groupStart = arith::MulIOp::create(rewriter, loc, g, index(groupBytes));
  SmallVector<OpFoldResult> offsets = {groupStart},
                            sizes = {rewriter.getIndexAttr(groupBytes)},
                            strides = {rewriter.getIndexAttr(1)};
  Value slice = tensor::ExtractSliceOp::create(rewriter, loc, forall.getRegionIterArgs()[0],
                                               offsets, sizes, strides);
  Value col = arith::MulIOp::create(rewriter, loc, g, index(lineBytes));
  Value c0 = index(0), c1 = index(1);
  auto segmentLoop = scf::ForOp::create(
      rewriter, loc, c0, index(segments), c1, ValueRange{slice},
      [&](OpBuilder &b, Location l, Value s, ValueRange iter) {
        auto quadLoop = scf::ForOp::create(
            b, l, c0, index(quads), c1, iter,
            [&](OpBuilder &b, Location l, Value q, ValueRange iter) {
              SmallVector<Value> rows = readQuadRows(b, l, op.getSource(), lineType, s, q, col,
                                                     depth, /*inBounds=*/true);
              Value low01 = vector::ShuffleOp::create(b, l, rows[0], rows[1], lowPairs);
              Value high01 = vector::ShuffleOp::create(b, l, rows[0], rows[1], highPairs);
              Value low23 = vector::ShuffleOp::create(b, l, rows[2], rows[3], lowPairs);
              Value high23 = vector::ShuffleOp::create(b, l, rows[2], rows[3], highPairs);
              Value step = arith::MulIOp::create(
                  b, l,
                  arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, s, index(quads)), q),
                  index(kLanes * kQuad));
              Value written = iter[0];
              for (int64_t i = 0; i < kPanelsPerLine; ++i) {
                Value packed = vector::ShuffleOp::create(b, l, i < 2 ? low01 : high01,
                                                         i < 2 ? low23 : high23, panelMasks[i]);
                Value offset = arith::AddIOp::create(b, l, step, index(i * panelBytes));
                written = vector::TransferWriteOp::create(b, l, packed, written,
                                                          ValueRange{offset}, ArrayRef<bool>{true})
                              .getResult();
              }
              scf::YieldOp::create(b, l, written);
            });
        scf::YieldOp::create(b, l, quadLoop.getResults());
      });
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(rewriter, loc, segmentLoop.getResult(0),
                                        forall.getRegionIterArgs()[0], offsets, sizes, strides);
  rewriter.setInsertionPointAfter(forall);
  return forall.getResult(0);
}

/// A run-time pack [S, R, F] -> [F/16, S, R/4, 16, 4]: per 4 rows and 16
/// channels, four 16-byte loads interleaved into one 64-byte vector; the
/// 16-channel panels in parallel.
struct LowerVNNIPack final : OpRewritePattern<linalg::PackOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::PackOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType srcType = op.getSourceType(), destType = op.getDestType();
    if (srcType.getRank() != 3 || !srcType.hasStaticShape() ||
        !srcType.getElementType().isInteger(8) ||
        op.getInnerDimsPos() != ArrayRef(kInnerDimsPos) ||
        op.getOuterDimsPerm() != ArrayRef(kOuterDimsPerm) ||
        op.getStaticInnerTiles() != ArrayRef<int64_t>{kLanes, kQuad})
      return rewriter.notifyMatchFailure(op, "not a VNNI filter pack");
    if (getConstantThroughReshapes(op.getSource()))
      return rewriter.notifyMatchFailure(op, "constant: folded instead");
    Location loc = op.getLoc();
    int64_t segments = srcType.getDimSize(0), depth = srcType.getDimSize(1),
            channels = srcType.getDimSize(2);
    int64_t blocks = destType.getDimSize(0), quads = destType.getDimSize(2);
    Type i8 = rewriter.getI8Type();
    auto rowType = VectorType::get({kLanes}, i8);
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    SmallVector<int64_t> bytePairs, wordPairs;
    for (int64_t i = 0; i < kLanes; ++i)
      bytePairs.append({i, i + kLanes});
    for (int64_t i = 0; i < kLanes; ++i)
      wordPairs.append({2 * i, 2 * i + 1, 2 * kLanes + 2 * i, 2 * kLanes + 2 * i + 1});
    bool fullBlocks = channels % kLanes == 0;
    Value flat = tensor::EmptyOp::create(rewriter, loc, {destType.getNumElements()}, i8);
    Value c0 = index(0), c1 = index(1);
    int64_t panelBytes = segments * quads * kLanes * kQuad;
    SmallVector<ReassociationIndices> all = {{0, 1, 2, 3, 4}};
    // Whole 64-channel lines first, 4 panels at a time; the panels left (F
    // not a multiple of 64) one at a time below.
    int64_t firstPanel = 0;
    if (int64_t groups = channels / (kPanelsPerLine * kLanes)) {
      flat = packByLines(rewriter, op, flat, panelBytes, groups);
      firstPanel = groups * kPanelsPerLine;
    }
    if (firstPanel == blocks) {
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, destType, flat, all);
      return success();
    }

    // One task per 16 channels: each writes its own contiguous panel.
    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(blocks - firstPanel)},
        ValueRange{flat}, std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(forall.getTerminator());
    Value f1 = arith::AddIOp::create(rewriter, loc, forall.getInductionVar(0), index(firstPanel));
    Value panelStart = arith::MulIOp::create(rewriter, loc, f1, index(panelBytes));
    SmallVector<OpFoldResult> offsets = {panelStart}, sizes = {rewriter.getIndexAttr(panelBytes)},
                              strides = {rewriter.getIndexAttr(1)};
    Value panel = tensor::ExtractSliceOp::create(rewriter, loc, forall.getRegionIterArgs()[0],
                                                 offsets, sizes, strides);
    Value col = arith::MulIOp::create(rewriter, loc, f1, index(kLanes));
    auto segmentLoop = scf::ForOp::create(
        rewriter, loc, c0, index(segments), c1, ValueRange{panel},
        [&](OpBuilder &b, Location l, Value s, ValueRange iter) {
          auto quadLoop = scf::ForOp::create(
              b, l, c0, index(quads), c1, iter,
              [&](OpBuilder &b, Location l, Value q, ValueRange iter) {
                SmallVector<Value> rows = readQuadRows(b, l, op.getSource(), rowType, s, q,
                                                       col, depth, fullBlocks);
                Value rows01 = vector::ShuffleOp::create(b, l, rows[0], rows[1], bytePairs);
                Value rows23 = vector::ShuffleOp::create(b, l, rows[2], rows[3], bytePairs);
                Value packed = vector::ShuffleOp::create(b, l, rows01, rows23, wordPairs);
                Value offset = arith::MulIOp::create(
                    b, l,
                    arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, s, index(quads)), q),
                    index(kLanes * kQuad));
                Value written = vector::TransferWriteOp::create(b, l, packed, iter[0],
                                                                ValueRange{offset},
                                                                ArrayRef<bool>{true})
                                    .getResult();
                scf::YieldOp::create(b, l, written);
              });
          scf::YieldOp::create(b, l, quadLoop.getResults());
        });
    rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(rewriter, loc, segmentLoop.getResult(0),
                                          forall.getRegionIterArgs()[0], offsets, sizes,
                                          strides);
    rewriter.setInsertionPointAfter(forall);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, destType, forall.getResult(0), all);
    return success();
  }
};

} // namespace

DenseIntElementsAttr qc::cpu::getConstantThroughReshapes(Value value) {
  Value source = value;
  while (isa_and_present<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
      source.getDefiningOp()))
    source = source.getDefiningOp()->getOperand(0);
  DenseIntElementsAttr attr;
  if (!matchPattern(source, m_Constant(&attr)))
    return {};
  return cast<DenseIntElementsAttr>(attr.reshape(cast<ShapedType>(value.getType())));
}

Value qc::cpu::packFilter(OpBuilder &b, Location loc, Value filter3D) {
  auto type = cast<RankedTensorType>(filter3D.getType());
  int64_t segments = type.getDimSize(0), depth = type.getDimSize(1),
          channels = type.getDimSize(2);
  int64_t blocks = llvm::divideCeil(channels, kLanes), quads = llvm::divideCeil(depth, kQuad);
  Value dest = tensor::EmptyOp::create(b, loc, {blocks, segments, quads, kLanes, kQuad},
                                       type.getElementType());
  Value zero = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  SmallVector<OpFoldResult> tiles = {b.getIndexAttr(kLanes), b.getIndexAttr(kQuad)};
  Value packed = linalg::PackOp::create(b, loc, filter3D, dest, kInnerDimsPos, tiles, zero,
                                        kOuterDimsPerm)
                     .getResult();
  return tensor::CollapseShapeOp::create(b, loc, packed,
                                         ArrayRef<ReassociationIndices>{{0, 1, 2, 3, 4}});
}

Value qc::cpu::packFilterNibbles(OpBuilder &b, Location loc, Value filter3D,
                                 bool unsignedCodes) {
  auto type = cast<RankedTensorType>(filter3D.getType());
  int64_t segments = type.getDimSize(0), depth = type.getDimSize(1),
          channels = type.getDimSize(2);
  int64_t blocks = llvm::divideCeil(channels, kLanes);
  int64_t pairs = llvm::divideCeil(depth, 2 * kQuad);
  SmallVector<int8_t> codes;
  codes.reserve(type.getNumElements());
  for (const APInt &v : getConstantThroughReshapes(filter3D).getValues<APInt>())
    codes.push_back(int8_t(v.getSExtValue()));
  // The nibble of weight (s, r, f), whose value is 0 past the end of the
  // reduction or of the channels: a u4 code as it is, an i4 code plus 8.
  int bias = unsignedCodes ? 0 : 8;
  auto code = [&](int64_t s, int64_t r, int64_t f) -> uint8_t {
    int value = r >= depth || f >= channels ? 0 : codes[(s * depth + r) * channels + f];
    return uint8_t(value + bias) & 15;
  };
  std::vector<int8_t> packed;
  packed.reserve(blocks * segments * pairs * kLanes * kQuad);
  for (int64_t block = 0; block < blocks; ++block)
    for (int64_t s = 0; s < segments; ++s)
      for (int64_t p = 0; p < pairs; ++p)
        for (int64_t lane = 0; lane < kLanes; ++lane)
          for (int64_t i = 0; i < kQuad; ++i) {
            int64_t f = block * kLanes + lane, r = 2 * p * kQuad + i;
            packed.push_back(int8_t(code(s, r, f) | code(s, r + kQuad, f) << 4));
          }
  auto packedType = RankedTensorType::get({int64_t(packed.size())}, b.getI8Type());
  return arith::ConstantOp::create(
      b, loc, DenseIntElementsAttr::get(packedType, ArrayRef<int8_t>(packed)));
}

void qc::cpu::populateInt8PackPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldConstantPack, LowerVNNIPack>(patterns.getContext());
}
