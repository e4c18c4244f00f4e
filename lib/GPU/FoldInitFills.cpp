//===- FoldInitFills.cpp - a reduction starts from the fill value ---------===//
//
// A pool or a contraction on the generic loop path writes its output buffer
// twice: a linalg.fill kernel stores the init value (the identity) in every
// element, then the reduction kernel loads that element, reduces into it in
// a register (qc-promote-loop-accumulators) and stores it. When nothing else
// touches the buffer in between and the reduction stores every element, the
// load always returns the fill value: it becomes that constant and the fill
// kernel goes. Same values in the same order, so the same bits.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCFOLDINITFILLS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// True when the stores `indices` of one iteration of `par` address each
/// element of `type` exactly once over the whole loop: every index is either
/// a distinct induction variable running 0..size step 1, or the constant 0
/// of a unit dim, and every induction variable not used runs once.
bool coversBufferOnce(scf::ParallelOp par, ValueRange indices,
                      MemRefType type) {
  if (!type.hasStaticShape() ||
      static_cast<int64_t>(indices.size()) != type.getRank())
    return false;
  SmallVector<bool> used(par.getNumLoops(), false);
  for (auto [index, size] : llvm::zip(indices, type.getShape())) {
    auto iv = dyn_cast<BlockArgument>(index);
    if (iv && iv.getOwner() == par.getBody()) {
      unsigned n = iv.getArgNumber();
      std::optional<int64_t> lb = getConstantIntValue(par.getLowerBound()[n]);
      std::optional<int64_t> ub = getConstantIntValue(par.getUpperBound()[n]);
      std::optional<int64_t> step = getConstantIntValue(par.getStep()[n]);
      if (used[n] || !lb || !ub || !step || *lb != 0 || *step != 1 ||
          *ub != size)
        return false;
      used[n] = true;
      continue;
    }
    std::optional<int64_t> c = getConstantIntValue(index);
    if (!c || *c != 0 || size != 1)
      return false;
  }
  for (auto [n, isUsed] : llvm::enumerate(used)) {
    if (isUsed)
      continue;
    std::optional<int64_t> lb = getConstantIntValue(par.getLowerBound()[n]);
    std::optional<int64_t> ub = getConstantIntValue(par.getUpperBound()[n]);
    std::optional<int64_t> step = getConstantIntValue(par.getStep()[n]);
    if (!lb || !ub || !step || *step <= 0 || *ub - *lb > *step)
      return false;
  }
  return true;
}

/// The store of a fill loop: an scf.parallel whose body is one memref.store
/// of a value defined outside it, covering the buffer once.
memref::StoreOp matchFill(scf::ParallelOp par) {
  if (par.getNumReductions() != 0)
    return nullptr;
  Block *body = par.getBody();
  if (!llvm::hasSingleElement(body->without_terminator()))
    return nullptr;
  auto store = dyn_cast<memref::StoreOp>(body->front());
  if (!store || par.getRegion().isAncestor(
                    store.getValueToStore().getParentRegion()))
    return nullptr;
  if (!coversBufferOnce(par, store.getIndices(), store.getMemRefType()))
    return nullptr;
  return store;
}

bool mayWriteMemory(Operation *op) {
  if (auto effects = dyn_cast<MemoryEffectOpInterface>(op))
    if (!effects.hasEffect<MemoryEffects::Write>() &&
        !effects.hasEffect<MemoryEffects::Free>())
      return false;
  return !isMemoryEffectFree(op);
}

/// Folds the fill loop `fill` (storing into `buffer`) into the next loop
/// that touches the buffer, if that loop stores every element once and
/// reads at most the element it stores, before storing it.
bool foldFill(scf::ParallelOp fill, memref::StoreOp fillStore) {
  Value buffer = fillStore.getMemRef();
  // A buffer the function allocated can be reached only through its uses;
  // a function argument may alias another one, so then nothing between the
  // fill and its reader may write memory at all.
  bool allocated = isa_and_nonnull<memref::AllocOp>(buffer.getDefiningOp());
  auto arg = dyn_cast<BlockArgument>(buffer);
  bool argument = arg && isa<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!allocated && !argument)
    return false;

  // Ops of the block that use the buffer, with their position.
  Block *block = fill->getBlock();
  for (OpOperand &use : buffer.getUses())
    if (!block->findAncestorOpInBlock(*use.getOwner()))
      return false;
  scf::ParallelOp reader;
  for (Operation *op = fill->getNextNode(); op; op = op->getNextNode()) {
    bool usesBuffer = false;
    for (OpOperand &use : buffer.getUses())
      if (op->isAncestor(use.getOwner()))
        usesBuffer = true;
    if (!usesBuffer) {
      if (argument && mayWriteMemory(op))
        return false;
      continue;
    }
    reader = dyn_cast<scf::ParallelOp>(op);
    break;
  }
  if (!reader || reader.getNumReductions() != 0)
    return false;
  // Every use before the reader is the fill's own store (views included:
  // a view taken earlier is a use and stops the fold).
  for (OpOperand &use : buffer.getUses()) {
    Operation *top = block->findAncestorOpInBlock(*use.getOwner());
    if (top != reader && top != fill && top->isBeforeInBlock(reader))
      return false;
  }

  // In the reader: one store into the buffer and at most one load of the
  // same element before it, both directly in the loop body.
  memref::StoreOp store;
  memref::LoadOp load;
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (!reader->isAncestor(user))
      continue;
    if (user->getBlock() != reader.getBody())
      return false;
    if (auto s = dyn_cast<memref::StoreOp>(user); s && !store &&
                                                  s.getMemRef() == buffer)
      store = s;
    else if (auto l = dyn_cast<memref::LoadOp>(user); l && !load)
      load = l;
    else
      return false;
  }
  if (!store ||
      !coversBufferOnce(reader, store.getIndices(), store.getMemRefType()))
    return false;
  if (load) {
    if (!llvm::equal(load.getIndices(), store.getIndices()) ||
        !load->isBeforeInBlock(store))
      return false;
    load.getResult().replaceAllUsesWith(fillStore.getValueToStore());
    load->erase();
  }
  fill->erase();
  return true;
}

struct QCFoldInitFillsPass final
    : qc::impl::QCFoldInitFillsBase<QCFoldInitFillsPass> {
  using QCFoldInitFillsBase::QCFoldInitFillsBase;

  void runOnOperation() override {
    SmallVector<std::pair<scf::ParallelOp, memref::StoreOp>> fills;
    getOperation()->walk([&](scf::ParallelOp par) {
      if (par->getParentOfType<scf::ParallelOp>())
        return;
      if (memref::StoreOp store = matchFill(par))
        fills.push_back({par, store});
    });
    for (auto [fill, store] : fills)
      (void)foldFill(fill, store);
  }
};

} // namespace
