//===- ContractionQuad.cpp - 16-byte operand loads ------------------------===//
//
// On lavapipe every load whose address depends on the invocation is a loop
// over the SIMD lanes with a branch per lane (docs/SPIRV.md, "lavapipe: load
// instructions bound the contractions"); the loop's cost hardly depends on
// the width of what each lane loads. Where both operands are read along the
// reduction (A in NHWC or [M, K]; constant weights re-laid out with the
// reduction innermost, as for dot products) and 16 reduction elements are
// 16 aligned bytes, each tile row and column is read as one vector<4xi32>
// per 16-element step (`wide-loads`): 4 + 1 loads per step of an 8x4 tile
// with the row broadcast instead of 16 + 4 for four 4-element steps. Where
// the target has Int64 (`int64-loads`) and 32 reduction elements are 32
// aligned bytes, each load is a vector<4xi64> of 32 elements instead (the
// most one SPIR-V load can take: vectors have at most 4 components), and
// each word is the low or high half of a component: half the loads again
// (resnet18-224 on lavapipe: docs/SPIRV.md).
//
//===----------------------------------------------------------------------===//
#include "ContractionEmitter.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"

using namespace mlir;
using namespace mlir::qc;

/// Every element offset of `access` over the loop dims (size > 1) but the
/// innermost reduction `k` is a multiple of `unit` bytes, k's coefficient is
/// 1, and its buffer holds whole units.
static bool quadAlignedAccess(const Contraction &c, const LinearAccess &x,
                              unsigned k, int64_t unit) {
  if (x.mode != OperandAccess::ReductionWords || x.coef[k] != 1 ||
      x.offset % unit != 0)
    return false;
  for (auto [d, coef] : llvm::enumerate(x.coef))
    if (d != k && c.sizes[d] != 1 && coef % unit != 0)
      return false;
  auto type = dyn_cast<MemRefType>(x.root.getType());
  return type && type.hasStaticShape() &&
         type.getElementType().isInteger(8) &&
         type.getNumElements() % unit == 0;
}

bool mlir::qc::prepareQuadWords(Contraction &c, OpBuilder &b,
                                llvm::StringMap<Value> &packed,
                                int64_t maxBytes) {
  if (c.redDims.empty())
    return false;
  unsigned k = c.redDims.back();
  if (c.sizes[k] % 16 != 0 || c.a.mode != OperandAccess::ReductionWords)
    return false;
  // A fused padding must be checkable once per row before the innermost
  // loop (then every A address in it is safe, see hoistPaddingChecks).
  if (c.pad && llvm::any_of(c.pad->bounds, [&](const PaddedInput::Bound &x) {
        return x.coef[k] != 0;
      }))
    return false;
  if (!quadAlignedAccess(c, c.a, k, 16))
    return false;
  // Only constant weights are re-laid out: a run-time B would cost a
  // packing dispatch per contraction.
  if (c.b.mode != OperandAccess::ReductionWords) {
    if (!c.b.root.getDefiningOp<memref::GetGlobalOp>())
      return false;
    // Packed with k innermost, every other coefficient is a multiple of
    // sizes[k]: aligned (checked below all the same).
    if (!packWeightsForDot(c, b, packed))
      return false;
  }
  if (!quadAlignedAccess(c, c.b, k, 16))
    return false;
  c.quadBytes = maxBytes >= 32 && c.sizes[k] % 32 == 0 &&
                        quadAlignedAccess(c, c.a, k, 32) &&
                        quadAlignedAccess(c, c.b, k, 32)
                    ? 32
                    : 16;
  return true;
}

Value KernelEmitter::loadQuad(Operand &x, int64_t r, int64_t j) {
  const LinearAccess &acc = *x.access;
  Value addr = add(x.rowOffset[dependsOnRows(acc) ? r : 0], x.redOffset);
  if (acc.coef[c.colDim])
    addr = add(addr, mul(colIdx[j], acc.coef[c.colDim]));
  // A padded A's addresses are safe: its checks are hoisted
  // (prepareQuadWords); fetchQuad selects the pad value per word.
  Value quad = arith::DivUIOp::create(b, loc, addr, index(cfg.quadBytes));
  return memref::LoadOp::create(b, loc, x.view, quad);
}

Value KernelEmitter::broadcastRowQuad(int64_t r) {
  return fromLane(laneRowUnit(cfg.quadBytes), r);
}

/// Word `w` (0-7) of a vector<4xi64> unit: the low or high half of
/// component w / 2 (little-endian, as the bytes are in memory).
static Value unitWord(OpBuilder &b, Location loc, Value unit, int64_t w) {
  Value half = spirv::CompositeExtractOp::create(
      b, loc, unit, ArrayRef<int32_t>{static_cast<int32_t>(w / 2)});
  if (w % 2)
    half = arith::ShRUIOp::create(
        b, loc, half, arith::ConstantIntOp::create(b, loc, b.getI64Type(), 32));
  return arith::TruncIOp::create(b, loc, b.getI32Type(), half);
}

Value KernelEmitter::fetchQuad(Operand &x, int64_t r, int64_t kk, int64_t j) {
  int64_t rk = dependsOnRows(*x.access) ? r : -1;
  bool dependsOnCols = x.access->coef[c.colDim] != 0;
  int64_t jk = dependsOnCols ? j : -1;
  bool broadcast = &x == &a && rk >= 0 && !dependsOnCols && useBroadcast;
  Value &word = x.cache[std::make_tuple(rk, jk, -3 - kk / 4)];
  if (!word) {
    if (cfg.quadBytes == 32 && broadcast && !cfg.broadcast64) {
      // Group operations on 64-bit types need shaderSubgroupExtendedTypes:
      // without it the lane splits its own unit and the 32-bit words are
      // broadcast.
      Value &laneWord =
          x.cache[std::make_tuple(int64_t(-5), int64_t(-5), -3 - kk / 4)];
      if (!laneWord)
        laneWord = unitWord(b, loc, laneRowUnit(32), kk / 4);
      word = fromLane(laneWord, r);
    } else {
      Value &quad = x.cache[std::make_tuple(rk, jk, int64_t(-2))];
      if (!quad)
        quad = broadcast ? broadcastRowQuad(r) : loadQuad(x, r, j);
      word = cfg.quadBytes == 32
                 ? unitWord(b, loc, quad, kk / 4)
                 : Value(spirv::CompositeExtractOp::create(
                       b, loc, quad,
                       ArrayRef<int32_t>{static_cast<int32_t>(kk / 4)}));
    }
    // SPIR-V 1.3's OpSelect needs a condition per component: the pad value
    // is selected per word.
    if (&x == &a && c.pad) {
      uint32_t byte = static_cast<uint8_t>(c.pad->value);
      word = arith::SelectOp::create(
          b, loc, inSource(r, 0), word,
          i32(static_cast<int32_t>(byte * 0x01010101u)));
    }
  }
  Value &value = x.cache[std::make_tuple(rk, jk, kk)];
  if (!value)
    value = extractByte(word, kk % 4, x.isSigned);
  return value;
}
