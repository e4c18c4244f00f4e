//===- CodebookLookupX86.cpp - the int8 kernels' codebook lookups on x86 --===//
//
// The int8 kernels look codebook indices up portably, as a vector.gather of
// 64 bytes from a constant table (Int8PackedWeights.cpp). After
// bufferization these patterns make them register permutes: a per-tensor
// codebook of 16 codes one vpshufb (AVX512BW, in
// qc-cpu-contract-to-x86-vnni), a per-channel one vpermb or vpermi2b
// (AVX512-VBMI, in qc-cpu-table-lookup-x86-vbmi).
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

constexpr int64_t kCodebookEntries = 16;
constexpr int64_t kBytes = 64;

/// The constant global `base` reads, if any.
DenseIntElementsAttr constantGlobal(Value base) {
  auto getGlobal = base.getDefiningOp<memref::GetGlobalOp>();
  if (!getGlobal)
    return {};
  auto global =
      SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(getGlobal, getGlobal.getNameAttr());
  if (!global || !global.getConstant())
    return {};
  return dyn_cast_or_null<DenseIntElementsAttr>(global.getConstantInitValue());
}

/// What both lookups match first: an unmasked gather of 64 bytes from a
/// constant byte table by zero-extended byte indices.
struct ByteTableGather {
  VectorType type;            ///< vector<64xi8>
  DenseIntElementsAttr table; ///< the constant global's bytes
  arith::ExtUIOp indices;     ///< the extension of the i8 indices
};

FailureOr<ByteTableGather> matchByteTableGather(vector::GatherOp op,
                                                PatternRewriter &rewriter) {
  VectorType type = op.getVectorType();
  if (type.getRank() != 1 || type.getNumElements() != kBytes ||
      !type.getElementType().isInteger(8) || !matchPattern(op.getMask(), m_One()))
    return rewriter.notifyMatchFailure(op, "not an unmasked gather of 64 bytes");
  DenseIntElementsAttr table = constantGlobal(op.getBase());
  if (!table || !table.getElementType().isInteger(8))
    return rewriter.notifyMatchFailure(op, "base is not a constant byte table");
  auto ext = op.getIndices().getDefiningOp<arith::ExtUIOp>();
  if (!ext || !getElementTypeOrSelf(ext.getIn().getType()).isInteger(8))
    return rewriter.notifyMatchFailure(op, "indices are not zero-extended bytes");
  return ByteTableGather{type, table, ext};
}

/// A byte gather of at most 64 lanes from a constant 16-byte table, by
/// indices that are zero-extended bytes: one vpshufb with the table in each
/// 128-bit lane (it picks by the low 4 bits; an index past 15 would have
/// read outside the table).
struct GatherToPShufB final : OpRewritePattern<vector::GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::GatherOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<ByteTableGather> gather = matchByteTableGather(op, rewriter);
    if (failed(gather))
      return failure();
    VectorType resultType = gather->type;
    DenseIntElementsAttr values = gather->table;
    arith::ExtUIOp ext = gather->indices;
    if (!llvm::all_of(op.getOffsets(), [](Value v) { return matchPattern(v, m_Zero()); }))
      return rewriter.notifyMatchFailure(op, "the gather has non-zero offsets");
    if (values.getType().getRank() != 1 || values.getNumElements() != kCodebookEntries)
      return rewriter.notifyMatchFailure(op, "base is not a constant 16-byte table");
    SmallVector<int8_t> lanes;
    for (int64_t lane = 0; lane < kBytes / kCodebookEntries; ++lane)
      for (const APInt &v : values.getValues<APInt>())
        lanes.push_back(int8_t(v.getSExtValue()));
    Value table = arith::ConstantOp::create(
        rewriter, op.getLoc(), DenseIntElementsAttr::get(resultType, ArrayRef<int8_t>(lanes)));
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, resultType, rewriter.getStringAttr("llvm.x86.avx512.pshuf.b.512"),
        ValueRange{table, ext.getIn()});
    return success();
  }
};

/// A per-channel codebook lookup: 64 bytes gathered from a constant table
/// at a block's offset by `ext(index + E * (byte / 4))`, with index < E
/// (masked to E - 1, or a nibble when E = 16): byte 4n + i reads entry
/// E * n + index of the block's 16 * E bytes. One vpermb (E = 4), one
/// vpermi2b (E = 8), or two and a blend on the index's top bit (E = 16).
/// The block's bytes are loaded whole: the offset must start a block
/// inside the table (the kernel's is 16 * E times the panel's block).
struct GatherToVPermB final : OpRewritePattern<vector::GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::GatherOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<ByteTableGather> gather = matchByteTableGather(op, rewriter);
    if (failed(gather))
      return failure();
    VectorType type = gather->type;
    DenseIntElementsAttr values = gather->table;
    auto memrefType = dyn_cast<MemRefType>(op.getBase().getType());
    if (!memrefType || memrefType.getRank() != 1 || op.getOffsets().size() != 1)
      return rewriter.notifyMatchFailure(op, "not a 1-D gather");
    auto add = gather->indices.getIn().getDefiningOp<arith::AddIOp>();
    if (!add || add.getType() != type)
      return rewriter.notifyMatchFailure(op, "indices are not ext(index + lane offsets)");
    DenseIntElementsAttr offsets;
    Value codes = add.getLhs();
    if (!matchPattern(add.getRhs(), m_Constant(&offsets)))
      return rewriter.notifyMatchFailure(op, "no constant lane offsets");
    SmallVector<int64_t> laneOffsets;
    for (const APInt &v : offsets.getValues<APInt>())
      laneOffsets.push_back(v.getZExtValue());
    int64_t e = laneOffsets[kQuad];
    if ((e != 4 && e != 8 && e != kCodebookEntries) ||
        values.getNumElements() % (kLanes * e) != 0)
      return rewriter.notifyMatchFailure(op, "not 4, 8 or 16 codes per channel");
    for (int64_t byte = 0; byte < kBytes; ++byte)
      if (laneOffsets[byte] != e * (byte / kQuad))
        return rewriter.notifyMatchFailure(op, "lane offsets are not E * (byte / 4)");
    // The index stays below E.
    SplatElementsAttr bound;
    bool below = false;
    if (auto mask = codes.getDefiningOp<arith::AndIOp>())
      below = matchPattern(mask.getRhs(), m_Constant(&bound)) &&
              bound.getSplatValue<APInt>().getZExtValue() <= uint64_t(e - 1);
    else if (auto shift = codes.getDefiningOp<arith::ShRUIOp>())
      below = e == kCodebookEntries && matchPattern(shift.getRhs(), m_Constant(&bound)) &&
              bound.getSplatValue<APInt>().getZExtValue() >= 4 &&
              bound.getSplatValue<APInt>().getZExtValue() < 8;
    if (!below)
      return rewriter.notifyMatchFailure(op, "index not known to be below E");

    Location loc = op.getLoc();
    Value index = add.getResult();
    SmallVector<Value> parts;
    for (int64_t t = 0; t < kLanes * e / kBytes; ++t) {
      Value at = arith::AddIOp::create(rewriter, loc, op.getOffsets()[0],
                                       arith::ConstantIndexOp::create(rewriter, loc, t * kBytes));
      parts.push_back(vector::LoadOp::create(rewriter, loc, type, op.getBase(), ValueRange{at}));
    }
    auto call = [&](StringRef name, ValueRange operands) {
      return LLVM::CallIntrinsicOp::create(rewriter, loc, type, rewriter.getStringAttr(name),
                                           operands)
          .getResult(0);
    };
    StringRef permute2 = "llvm.x86.avx512.vpermi2var.qi.512";
    Value result;
    if (e == 4) {
      result = call("llvm.x86.avx512.permvar.qi.512", {parts[0], index});
    } else if (e == 8) {
      result = call(permute2, {parts[0], index, parts[1]});
    } else {
      Value low = call(permute2, {parts[0], index, parts[1]});
      Value high = call(permute2, {parts[2], index, parts[3]});
      Value zero =
          arith::ConstantOp::create(rewriter, loc, DenseIntElementsAttr::get(type, int8_t{0}));
      Value upper = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, index, zero);
      result = arith::SelectOp::create(rewriter, loc, upper, high, low);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void qc::cpu::populateCodebookLookupX86Patterns(RewritePatternSet &patterns, bool vbmi) {
  if (vbmi)
    patterns.add<GatherToVPermB>(patterns.getContext());
  else
    patterns.add<GatherToPShufB>(patterns.getContext());
}
