//===- ContractionEmitter.h - builds tiled contraction kernels --*- C++ -*-===//
//
// Private to lib/GPU: the mechanism of qc-spirv-contraction-kernels. The
// direct path (ContractionEmitter.cpp) reads operands from global memory into
// registers; the staged path (ContractionStaging.cpp) copies a workgroup's
// operand words to workgroup memory first.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_GPU_CONTRACTIONEMITTER_H
#define QC_LIB_GPU_CONTRACTIONEMITTER_H

#include "ContractionAnalysis.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

#include <map>

namespace mlir::qc {

/// Builds the body of one contraction kernel.
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, Contraction &c,
                const ContractionConfig &cfg)
      : b(b), loc(loc), c(c), cfg(cfg) {}

  /// Host side: 1-D views of A and B (i32 words where read as words).
  void createViews();
  /// The gpu.launch at the builder's insertion point.
  gpu::LaunchOp createLaunch(StringRef name);

private:
  struct Operand {
    const LinearAccess *access;
    bool isSigned;
    Value view;
    SmallVector<Value> rowOffset; // per tile row (or one if row-independent)
    Value redOffset;              // of the current reduction step
    /// Loaded words and extracted elements of the current step. A std::map:
    /// fetch holds a reference to one entry while it inserts another (a
    /// DenseMap rehash would leave it dangling; found by ASan).
    std::map<std::tuple<int64_t, int64_t, int64_t>, Value> cache;
  };

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) {
    if (y == 1)
      return x;
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value linear(ArrayRef<int64_t> coef, ArrayRef<unsigned> dims,
               ArrayRef<Value> values, Value base);
  /// Indices of the row dims of (flattened) row `row`.
  SmallVector<Value> rowIndices(Value row);
  bool dependsOnRows(const LinearAccess &access) const;
  Value extractByte(Value word, int64_t byte, bool isSigned);
  /// acc + sum of the products of the four bytes of `aWord` and `bWord`.
  Value dot(Value acc, Value aWord, Value bWord);
  /// The subgroup row broadcast (ContractionBroadcast.cpp): tile row r's A
  /// word of the current step from lane r.
  Value broadcastRowWord(int64_t r);
  /// `value` of lane `lane` (a constant): OpGroupNonUniformShuffle where
  /// cfg.shuffleRows, OpGroupNonUniformBroadcast otherwise.
  Value fromLane(Value value, int64_t lane);
  /// Lane l's load of tile row l's A word or quad (`unitBytes` 4 or 16) of
  /// the current step, once per step (kept in laneAWord).
  Value laneRowUnit(int64_t unitBytes);
  /// Whether this invocation's subgroup can share A words: all its active
  /// lanes are in one workgroup row and lanes 0 .. tileRows-1 are active
  /// (subgroup-uniform, from ballots). Also sets `laneId`.
  Value subgroupSharesRows();
  /// The reduction loops twice, under a uniform branch on
  /// subgroupSharesRows(): with the row broadcast and with plain loads.
  SmallVector<Value> emitBroadcastOrLoads(ValueRange accs);
  /// 16-byte quads (ContractionQuad.cpp; the operands' vector<4xi32> views
  /// are made by createViews): row r / column j's quad of the current step
  /// (loaded, or broadcast from lane r), and the element (r, kk, j) from it.
  Value loadQuad(Operand &x, int64_t r, int64_t j);
  Value broadcastRowQuad(int64_t r);
  Value fetchQuad(Operand &x, int64_t r, int64_t kk, int64_t j);
  Value fetch(Operand &x, int64_t r, int64_t kk, int64_t j);
  /// Whether A's element (tile row r, reduction sub-step kk) of the current
  /// step is inside a fused padding's source (c.pad).
  Value inSource(int64_t r, int64_t kk);
  /// Loads `index` of A's view, or the pad value (an element, or 4 of them
  /// in a word) where `inSource` says it is padding.
  Value loadPadded(Value index, int64_t r, int64_t kk, bool word);
  /// Before the innermost reduction loop: the checks of the bounds that do
  /// not depend on its index, per tile row; where that is all of them, A's
  /// row offsets for the loop become safe addresses (0 outside the source).
  void hoistPaddingChecks(ArrayRef<Value> outerIvs);
  Value loadWord(Operand &x, int64_t r, int64_t j, int64_t kk);
  /// B stored two codes per byte (ContractionNibbles.cpp): the int8 word
  /// `word` of B's layout, unpacked from its half of a packed word; with
  /// (r, j, kk), the k-step's row pairs share one packed load.
  Value loadNibbleWord(Value word);
  Value loadNibbleWord(Value word, int64_t r, int64_t j, int64_t kk);
  /// The 4 bytes of the nibbles of `packed` at bit `shift` (null: 0).
  Value unpackNibbles(Value packed, Value shift);
  /// B read by elements two codes per byte: element `addr` of B's int8
  /// layout, extended to i32 (i4 sign-extended, u4 masked).
  Value loadNibbleElement(Value addr);
  SmallVector<Value> emitLoops(unsigned level, SmallVector<Value> &ivs,
                               ValueRange accs);
  SmallVector<Value> emitStep(ArrayRef<Value> ivs, ValueRange accs);
  /// Workgroup memory and each invocation's share of the cooperative copy
  /// (ContractionStaging.cpp).
  void prepareStaging();
  /// The innermost reduction loop in workgroup-memory stages.
  SmallVector<Value> emitStagedLoop(SmallVector<Value> &ivs, ValueRange accs);
  /// One stage of `count` <= stageWords words from reduction element
  /// `kStart`: copy, barrier, compute, barrier.
  SmallVector<Value> emitStage(SmallVector<Value> &ivs, Value kStart,
                               ValueRange accs, int64_t count);
  void emitStores(ValueRange accs);
  void emitEpilogue(Value acc, int64_t r, int64_t j);
  /// The element's offset in a buffer of `type` (strides and offset).
  Value flatPosition(MemRefType type, ValueRange indices);
  /// One fused elementwise stage on the register `value`, which it reads as
  /// input `input` at offset `flat` of that input's buffer: its other inputs
  /// loaded, its body cloned; returns its result and sets `initIndices` to
  /// where it stores it.
  Value emitStage(linalg::GenericOp consumer, unsigned input, Value flat,
                  Value value, SmallVector<Value> &initIndices);

  OpBuilder &b;
  Location loc;
  Contraction &c;
  const ContractionConfig &cfg;
  Operand a, bOp;
  Value rowBase, colBase;
  /// Workgroup and invocation ids (x: columns, y: rows).
  Value blockX, blockY, threadX, threadY;
  /// Row-dim indices per tile row (clamped to the last row), column index
  /// per tile column and first column of each column word (clamped).
  SmallVector<DenseMap<unsigned, Value>> rowIdx;
  SmallVector<Value> colIdx, colWord;
  /// A fused padding's bound indices: the row part per tile row and bound,
  /// the reduction part of the current step per bound, and the checks of
  /// the current step by (r, kk).
  SmallVector<SmallVector<Value>> boundRow;
  SmallVector<Value> boundRed;
  DenseMap<std::pair<int64_t, int64_t>, Value> inSourceCache;
  /// Hoisted checks per tile row, and whether A's addresses in the
  /// innermost loop are already safe (A's row offsets include the outer
  /// reduction dims then, and its step offset only the innermost one).
  SmallVector<Value> hoistedOk;
  bool safeAddresses = false;
  /// This lane's A word of the current step (broadcastRows), its
  /// SubgroupLocalInvocationId, and whether the loops being emitted are the
  /// broadcast ones.
  Value laneAWord, laneId;
  bool useBroadcast = false;

  /// One word an invocation copies to workgroup memory per stage: its
  /// element offset in the operand (without the stage's reduction offset),
  /// its index in workgroup memory, whether this invocation has it, and its
  /// first reduction element's position in the stage.
  struct StageSlot {
    Value offset, index, valid, position;
  };
  Value sharedA, sharedB;
  SmallVector<StageSlot> slotsA, slotsB;
};

} // namespace mlir::qc

#endif // QC_LIB_GPU_CONTRACTIONEMITTER_H
