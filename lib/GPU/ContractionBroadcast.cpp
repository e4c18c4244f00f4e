//===- ContractionBroadcast.cpp - subgroup row broadcast of A words -------===//
//
// On lavapipe every load whose address depends on the invocation is a loop
// over the SIMD lanes, so a contraction whose tile rows share A words along
// a workgroup row loads each row's word in one lane and broadcasts it to the
// others (OpGroupNonUniformBroadcast): one A load per step instead of
// tileRows.
//
// Correctness must not depend on how the device forms subgroups. The lanes
// are the subgroup's own ids (SubgroupLocalInvocationId, not threadX mod the
// subgroup size), and the kernel checks once, before the reduction loops,
// that the assumption holds for its subgroup: every active lane has lane 0's
// workgroup row (threadY; blockY is the workgroup's) and lanes 0 ..
// tileRows-1, the broadcast sources, are active. Both are computed from
// ballots, so the result is the same in every lane and the branch between
// the broadcast loops and the plain loads is uniform in the subgroup.
//
//===----------------------------------------------------------------------===//
#include "ContractionEmitter.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"

using namespace mlir;
using namespace mlir::qc;

Value KernelEmitter::subgroupSharesRows() {
  Type i32Type = b.getI32Type();
  auto ballotType = VectorType::get({4}, i32Type);
  laneId = gpu::LaneIdOp::create(b, loc, /*upper_bound=*/nullptr);
  Value row = arith::IndexCastOp::create(b, loc, i32Type, threadY);
  // Lane 0's row (undefined where lane 0 is inactive, but then the sources
  // check below fails in every lane anyway).
  Value lane0 = spirv::ConstantOp::create(b, loc, i32Type,
                                          b.getI32IntegerAttr(0));
  Value first = spirv::GroupNonUniformBroadcastOp::create(
      b, loc, i32Type, spirv::Scope::Subgroup, row, lane0);
  Value differs =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, row, first);
  Value differing = spirv::GroupNonUniformBallotOp::create(
      b, loc, ballotType, spirv::Scope::Subgroup, differs);
  Value yes = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  Value active = spirv::GroupNonUniformBallotOp::create(
      b, loc, ballotType, spirv::Scope::Subgroup, yes);
  auto component = [&](Value v, int32_t i) -> Value {
    return spirv::CompositeExtractOp::create(b, loc, v, ArrayRef<int32_t>{i});
  };
  Value anyDiffering = component(differing, 0);
  for (int32_t i = 1; i < 4; ++i)
    anyDiffering =
        arith::OrIOp::create(b, loc, anyDiffering, component(differing, i));
  Value oneRow = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                       anyDiffering, i32(0));
  // The sources: lanes 0 .. tileRows-1 (tileRows <= 8 < 32 bits).
  Value sources = i32((int64_t(1) << cfg.tileRows) - 1);
  Value present = arith::AndIOp::create(b, loc, component(active, 0), sources);
  Value haveSources = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            present, sources);
  return arith::AndIOp::create(b, loc, oneRow, haveSources);
}

SmallVector<Value> KernelEmitter::emitBroadcastOrLoads(ValueRange accs) {
  Value shared = subgroupSharesRows();
  auto branch = scf::IfOp::create(b, loc, accs.getTypes(), shared,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  for (bool broadcast : {true, false}) {
    b.setInsertionPointToStart(broadcast ? branch.thenBlock()
                                         : branch.elseBlock());
    useBroadcast = broadcast;
    SmallVector<Value> ivs;
    SmallVector<Value> results = emitLoops(0, ivs, accs);
    if (broadcast && cfg.testMarkBroadcast)
      for (Value &acc : results)
        acc = arith::AddIOp::create(b, loc, acc, i32(1));
    scf::YieldOp::create(b, loc, results);
  }
  useBroadcast = false;
  return branch.getResults();
}

/// Lane l's (its subgroup id) load of tile row l's A unit (a word or a
/// quad of `unitBytes`) of the current step, made once per step.
Value KernelEmitter::laneRowUnit(int64_t unitBytes) {
  if (!laneAWord) {
    Value offset = a.rowOffset[0];
    for (int64_t q = 1; q < cfg.tileRows; ++q) {
      Value isRow = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                          laneId, index(q));
      offset = arith::SelectOp::create(b, loc, isRow, a.rowOffset[q], offset);
    }
    Value unit = arith::DivUIOp::create(b, loc, add(offset, a.redOffset),
                                        index(unitBytes));
    laneAWord = memref::LoadOp::create(b, loc, a.view, unit);
  }
  return laneAWord;
}

Value KernelEmitter::fromLane(Value value, int64_t lane) {
  Value id = spirv::ConstantOp::create(b, loc, b.getI32Type(),
                                       b.getI32IntegerAttr(lane));
  // The same value either way (lane `lane` is active: the ballot check);
  // lavapipe's broadcast searches the execution mask for an active lane in
  // a loop per component, its shuffle with a constant lane is a permute.
  if (cfg.shuffleRows)
    return spirv::GroupNonUniformShuffleOp::create(
        b, loc, value.getType(), spirv::Scope::Subgroup, value, id);
  return spirv::GroupNonUniformBroadcastOp::create(
      b, loc, value.getType(), spirv::Scope::Subgroup, value, id);
}

/// Tile row r's A word of the current step: lane l loads row l's word once
/// per step and row r comes from lane r.
Value KernelEmitter::broadcastRowWord(int64_t r) {
  Value word = fromLane(laneRowUnit(4), r);
  if (!c.pad)
    return word;
  uint32_t byte = static_cast<uint8_t>(c.pad->value);
  return arith::SelectOp::create(b, loc, inSource(r, 0), word,
                                 i32(static_cast<int32_t>(byte * 0x01010101u)));
}
