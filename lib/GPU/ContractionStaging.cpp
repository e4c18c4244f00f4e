//===- ContractionStaging.cpp - workgroup-memory stages of contractions ---===//
//
// A stage is `stageWords` words of the innermost reduction loop: the
// workgroup's invocations copy the A words of all the workgroup's rows and
// the B words of all its columns for the stage to workgroup memory, wait at
// a barrier, and each computes its register tile from there. Every word is
// read from global memory once per workgroup instead of once per invocation
// that needs it (workgroupX times for A, workgroupY times for B).
//
//===----------------------------------------------------------------------===//
#include "ContractionEmitter.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::qc;

/// Workgroup memory (memory space 3, which convert-gpu-to-spirv maps to the
/// Workgroup storage class).
static Value allocShared(OpBuilder &b, Location loc, int64_t words) {
  auto type = MemRefType::get({words}, b.getI32Type(), AffineMap(),
                              b.getI64IntegerAttr(3));
  return memref::AllocOp::create(b, loc, type);
}

void KernelEmitter::prepareStaging() {
  int64_t words = cfg.stageWords;
  int64_t wgRows = cfg.workgroupRows(), wgCols = cfg.workgroupCols();
  int64_t invocations = cfg.workgroupX * cfg.workgroupY;
  bool bAlongK = c.b.mode == OperandAccess::ReductionWords;
  int64_t bWords = bAlongK ? wgCols * words : 4 * words * (wgCols / 4);
  sharedA = allocShared(b, loc, wgRows * words);
  sharedB = allocShared(b, loc, bWords);
  Value thread = add(mul(threadY, cfg.workgroupX), threadX);
  unsigned k = c.redDims.back();

  // Invocation t copies words t, t + invocations, ... of each tile; `place`
  // gives a word's element offset in the operand.
  auto slots = [&](int64_t total, SmallVectorImpl<StageSlot> &out,
                   function_ref<Value(Value, StageSlot &)> place) {
    for (int64_t i = 0; i * invocations < total; ++i) {
      StageSlot slot;
      slot.index = add(thread, index(i * invocations));
      Value e = slot.index;
      if ((i + 1) * invocations > total) {
        slot.valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           e, index(total));
        e = arith::MinUIOp::create(b, loc, e, index(total - 1));
      }
      slot.offset = place(e, slot);
      out.push_back(slot);
    }
  };
  // A: row-major [workgroup row][word].
  slots(wgRows * words, slotsA, [&](Value e, StageSlot &slot) {
    Value rowInGroup = arith::DivUIOp::create(b, loc, e, index(words));
    Value w = arith::RemUIOp::create(b, loc, e, index(words));
    slot.position = mul(w, 4);
    Value row = arith::MinUIOp::create(
        b, loc, add(mul(blockY, wgRows), rowInGroup), index(c.rows() - 1));
    Value offset = linear(c.a.coef, c.rowDims, rowIndices(row),
                          index(c.a.offset));
    return add(offset, mul(w, 4));
  });
  if (bAlongK) {
    // B along the reduction: [workgroup column][word].
    slots(bWords, slotsB, [&](Value e, StageSlot &slot) {
      Value colInGroup = arith::DivUIOp::create(b, loc, e, index(words));
      Value w = arith::RemUIOp::create(b, loc, e, index(words));
      slot.position = mul(w, 4);
      Value col = arith::MinUIOp::create(
          b, loc, add(mul(blockX, wgCols), colInGroup), index(c.cols() - 1));
      return add(add(index(c.b.offset), mul(col, c.b.coef[c.colDim])),
                 mul(w, 4));
    });
    return;
  }
  // B along the columns: [reduction element][column word].
  slots(bWords, slotsB, [&](Value e, StageSlot &slot) {
    Value kInStage = arith::DivUIOp::create(b, loc, e, index(wgCols / 4));
    slot.position = kInStage;
    Value cw = arith::RemUIOp::create(b, loc, e, index(wgCols / 4));
    Value col = arith::MinUIOp::create(
        b, loc, add(mul(blockX, wgCols), mul(cw, 4)), index(c.cols() - 4));
    return add(add(index(c.b.offset), mul(kInStage, c.b.coef[k])), col);
  });
}

SmallVector<Value> KernelEmitter::emitStagedLoop(SmallVector<Value> &ivs,
                                                 ValueRange accs) {
  // Full stages in a loop, then one shorter stage for the words that remain
  // when the stage does not divide the reduction (K = 52: 8 + 5 words), in
  // the same workgroup memory.
  int64_t words = cfg.stageWords;
  int64_t total = c.sizes[c.redDims.back()] / 4;
  int64_t full = total / words * words, rest = total % words;
  SmallVector<Value> results(accs.begin(), accs.end());
  if (full > 0) {
    auto stages = scf::ForOp::create(b, loc, index(0), index(4 * full),
                                     index(4 * words), accs);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(stages.getBody());
    SmallVector<Value> next = emitStage(ivs, stages.getInductionVar(),
                                        stages.getRegionIterArgs(), words);
    scf::YieldOp::create(b, loc, next);
    results.assign(stages.getResults().begin(), stages.getResults().end());
  }
  if (rest > 0)
    results = emitStage(ivs, index(4 * full), results, rest);
  return results;
}

SmallVector<Value> KernelEmitter::emitStage(SmallVector<Value> &ivs,
                                            Value kStart, ValueRange accs,
                                            int64_t count) {
  int64_t words = cfg.stageWords;
  int64_t wgCols = cfg.workgroupCols();
  bool bAlongK = c.b.mode == OperandAccess::ReductionWords;
  ivs.push_back(kStart);
  Value redA = linear(c.a.coef, c.redDims, ivs, Value());
  Value redB = linear(c.b.coef, c.redDims, ivs, Value());
  ivs.pop_back();
  auto copy = [&](ArrayRef<StageSlot> slots, Value global, Value shared,
                  Value reduction) {
    for (const StageSlot &slot : slots) {
      OpBuilder::InsertionGuard g(b);
      Value valid = slot.valid;
      // A shorter last stage copies only its words: the next ones may be
      // past the operand's end.
      if (count < words) {
        Value inStage =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                  slot.position, index(4 * count));
        valid = valid ? arith::AndIOp::create(b, loc, valid, inStage)
                      : inStage;
      }
      if (valid) {
        auto inside = scf::IfOp::create(b, loc, valid, false);
        b.setInsertionPointToStart(inside.thenBlock());
      }
      Value word = arith::DivUIOp::create(b, loc, add(slot.offset, reduction),
                                          index(4));
      Value value = global == bOp.view && c.nibblePairWords
                        ? loadNibbleWord(word)
                        : Value(memref::LoadOp::create(b, loc, global, word));
      memref::StoreOp::create(b, loc, value, shared, slot.index);
    }
  };
  copy(slotsA, a.view, sharedA, redA);
  copy(slotsB, bOp.view, sharedB, redB);
  gpu::BarrierOp::create(b, loc);

  auto inner =
      scf::ForOp::create(b, loc, index(0), index(count), index(1), accs);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(inner.getBody());
    Value w = inner.getInductionVar();
    SmallVector<Value> next(inner.getRegionIterArgs().begin(),
                            inner.getRegionIterArgs().end());
    SmallVector<Value> aWords;
    Value firstRow = mul(threadY, cfg.tileRows);
    for (int64_t r = 0; r < cfg.tileRows; ++r)
      aWords.push_back(memref::LoadOp::create(
          b, loc, sharedA,
          ValueRange{add(mul(add(firstRow, index(r)), words), w)}));
    if (bAlongK) {
      Value firstCol = mul(threadX, cfg.tileCols);
      for (int64_t j = 0; j < cfg.tileCols; ++j) {
        Value bWord = memref::LoadOp::create(
            b, loc, sharedB,
            ValueRange{add(mul(add(firstCol, index(j)), words), w)});
        for (int64_t r = 0; r < cfg.tileRows; ++r) {
          Value &acc = next[r * cfg.tileCols + j];
          if (cfg.dotProduct) {
            acc = dot(acc, aWords[r], bWord);
            continue;
          }
          for (int64_t kk = 0; kk < 4; ++kk)
            acc = add(acc, arith::MulIOp::create(
                               b, loc, extractByte(aWords[r], kk, c.aSigned),
                               extractByte(bWord, kk, c.bSigned)));
        }
      }
    } else {
      Value firstWord = mul(threadX, cfg.tileCols / 4);
      for (int64_t kk = 0; kk < 4; ++kk) {
        SmallVector<Value> bytes;
        for (int64_t jw = 0; jw < cfg.tileCols / 4; ++jw) {
          Value at = add(mul(add(mul(w, 4), index(kk)), wgCols / 4),
                         add(firstWord, index(jw)));
          Value bWord = memref::LoadOp::create(b, loc, sharedB, ValueRange{at});
          for (int64_t byte = 0; byte < 4; ++byte)
            bytes.push_back(extractByte(bWord, byte, c.bSigned));
        }
        for (int64_t r = 0; r < cfg.tileRows; ++r) {
          Value aByte = extractByte(aWords[r], kk, c.aSigned);
          for (int64_t j = 0; j < cfg.tileCols; ++j) {
            Value &acc = next[r * cfg.tileCols + j];
            acc = add(acc, arith::MulIOp::create(b, loc, aByte, bytes[j]));
          }
        }
      }
    }
    scf::YieldOp::create(b, loc, next);
  }
  // Nobody overwrites the stage while another invocation still reads it.
  gpu::BarrierOp::create(b, loc);
  return SmallVector<Value>(inner.getResults().begin(),
                            inner.getResults().end());
}
