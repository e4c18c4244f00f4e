//===- SplitWideBuffers.cpp - i64 buffers as pairs of i32 words -----------===//
//
// SPIR-V portable mode emulates i64 arithmetic with pairs of i32
// (arith-emulate-wide-int), which leaves i64 memory alone: a kernel that
// stores an i64 fails to legalize. Here every i64 buffer of the host
// function (alloc, alloca, global) gets a trailing dim of 2 in i32, the low
// word first: the bytes of the little-endian i64, so sizes and constants do
// not change. Loads read both words and rebuild the value, stores write
// both halves; an scf.for carrying i64 values (promoted accumulators, split
// reductions' partials) carries word pairs. The arithmetic between them
// stays i64 for the emulation.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSPLITWIDEBUFFERS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

bool isWide(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getElementType().isInteger(64);
}

/// memref<S x i64> -> memref<S x 2 x i32> (identity layout).
MemRefType splitType(MemRefType type) {
  SmallVector<int64_t> shape(type.getShape());
  shape.push_back(2);
  return MemRefType::get(shape, IntegerType::get(type.getContext(), 32), AffineMap(),
                         type.getMemorySpace());
}

/// An i64 buffer that can be split: static shape, identity layout, every use
/// (through expand/collapse_shape views) a load, store or dealloc.
LogicalResult checkUses(Value root) {
  auto type = cast<MemRefType>(root.getType());
  Operation *owner = root.getDefiningOp();
  if (!type.hasStaticShape() || !type.getLayout().isIdentity())
    return owner->emitError()
           << "portable mode stores i64 buffers as pairs of i32 words: this one needs a "
              "static shape and an identity layout, not "
           << type;
  SmallVector<Value> work{root};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::LoadOp, memref::DeallocOp>(user))
        continue;
      if (auto store = dyn_cast<memref::StoreOp>(user); store && use.getOperandNumber() == 1)
        continue;
      if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(user)) {
        work.push_back(user->getResult(0));
        continue;
      }
      return user->emitError()
             << "portable mode stores i64 buffers as pairs of i32 words; '"
             << user->getName() << "' on an i64 buffer is not supported there";
    }
  }
  return success();
}

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Rewrites the uses of `old` (i64) onto `split` (i32 pairs), then erases
/// the ops that used `old`.
void rewriteUses(Value old, Value split) {
  for (Operation *user : llvm::make_early_inc_range(old.getUsers())) {
    OpBuilder b(user);
    Location loc = user->getLoc();
    IntegerType i32 = b.getI32Type(), i64 = b.getI64Type();
    auto words = [&](ValueRange indices) {
      SmallVector<Value> lo(indices), hi(indices);
      lo.push_back(index(b, loc, 0));
      hi.push_back(index(b, loc, 1));
      return std::make_pair(lo, hi);
    };
    if (auto load = dyn_cast<memref::LoadOp>(user)) {
      auto [lo, hi] = words(load.getIndices());
      Value low = arith::ExtUIOp::create(b, loc, i64, memref::LoadOp::create(b, loc, split, lo));
      Value high = arith::ExtUIOp::create(b, loc, i64, memref::LoadOp::create(b, loc, split, hi));
      Value v = arith::OrIOp::create(
          b, loc, low,
          arith::ShLIOp::create(b, loc, high,
                                arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32))));
      load.getResult().replaceAllUsesWith(v);
    } else if (auto store = dyn_cast<memref::StoreOp>(user)) {
      auto [lo, hi] = words(store.getIndices());
      Value v = store.getValueToStore();
      Value high = arith::ShRUIOp::create(
          b, loc, v, arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32)));
      memref::StoreOp::create(b, loc, arith::TruncIOp::create(b, loc, i32, v), split, lo);
      memref::StoreOp::create(b, loc, arith::TruncIOp::create(b, loc, i32, high), split, hi);
    } else if (isa<memref::DeallocOp>(user)) {
      memref::DeallocOp::create(b, loc, split);
    } else if (auto expand = dyn_cast<memref::ExpandShapeOp>(user)) {
      auto resultType = cast<MemRefType>(expand.getType());
      SmallVector<ReassociationIndices> groups = expand.getReassociationIndices();
      int64_t words = resultType.getRank();
      if (groups.empty()) // rank 0 -> unit dims: one group with the words
        groups.push_back(llvm::to_vector(llvm::seq<int64_t>(0, words + 1)));
      else
        groups.push_back({words});
      Value view = memref::ExpandShapeOp::create(b, loc, splitType(resultType), split, groups);
      rewriteUses(expand.getResult(), view);
    } else if (auto collapse = dyn_cast<memref::CollapseShapeOp>(user)) {
      auto sourceType = cast<MemRefType>(collapse.getSrcType());
      SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
      int64_t words = sourceType.getRank();
      if (groups.empty()) // unit dims -> rank 0
        groups.push_back(llvm::to_vector(llvm::seq<int64_t>(0, words + 1)));
      else
        groups.push_back({words});
      Value view = memref::CollapseShapeOp::create(b, loc, split, groups);
      rewriteUses(collapse.getResult(), view);
    }
    user->erase();
  }
}

Value high32(OpBuilder &b, Location loc, Value v) {
  return arith::TruncIOp::create(
      b, loc, b.getI32Type(),
      arith::ShRUIOp::create(b, loc, v, arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32))));
}
Value join64(OpBuilder &b, Location loc, Value lo, Value hi) {
  IntegerType i64 = b.getI64Type();
  return arith::OrIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, i64, lo),
      arith::ShLIOp::create(b, loc, arith::ExtUIOp::create(b, loc, i64, hi),
                            arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32))));
}

/// Appends `v` to `out`: an i64 as its two i32 words (low, high), anything
/// else as it is.
void appendWords(OpBuilder &b, Location loc, Value v, SmallVectorImpl<Value> &out) {
  if (!v.getType().isInteger(64)) {
    out.push_back(v);
    return;
  }
  out.push_back(arith::TruncIOp::create(b, loc, b.getI32Type(), v));
  out.push_back(high32(b, loc, v));
}

/// An scf.for carrying i64 values (a promoted accumulator, a split
/// reduction's partial) carries each as two i32 words instead; the body
/// and the users of the results see the rebuilt i64.
void splitLoop(scf::ForOp loop) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  SmallVector<Value> inits;
  for (Value init : loop.getInitArgs())
    appendWords(b, loc, init, inits);
  auto split = scf::ForOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(),
                                  loop.getStep(), inits);
  Block *body = split.getBody();
  if (!body->empty()) // a default terminator
    body->getTerminator()->erase();
  OpBuilder in = OpBuilder::atBlockBegin(body);
  SmallVector<Value> args{split.getInductionVar()};
  unsigned next = 0;
  for (Value init : loop.getInitArgs()) {
    ValueRange iter = split.getRegionIterArgs();
    if (init.getType().isInteger(64)) {
      args.push_back(join64(in, loc, iter[next], iter[next + 1]));
      next += 2;
    } else {
      args.push_back(iter[next++]);
    }
  }
  Block *old = loop.getBody();
  body->getOperations().splice(body->end(), old->getOperations());
  for (auto [from, to] : llvm::zip(old->getArguments(), args))
    from.replaceAllUsesWith(to);
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  OpBuilder y(yield);
  SmallVector<Value> yielded;
  for (Value v : yield.getOperands())
    appendWords(y, loc, v, yielded);
  scf::YieldOp::create(y, loc, yielded);
  yield.erase();
  b.setInsertionPointAfter(split);
  next = 0;
  for (Value result : loop.getResults()) {
    if (result.getType().isInteger(64)) {
      result.replaceAllUsesWith(join64(b, loc, split.getResult(next), split.getResult(next + 1)));
      next += 2;
    } else {
      result.replaceAllUsesWith(split.getResult(next++));
    }
  }
  loop.erase();
}

/// The initial value of a split global: (low, high) i32 per element.
FailureOr<Attribute> splitInitialValue(memref::GlobalOp global, MemRefType type) {
  std::optional<Attribute> init = global.getInitialValue();
  if (!init || isa<UnitAttr>(*init))
    return init ? *init : Attribute();
  auto dense = dyn_cast<DenseIntElementsAttr>(*init);
  if (!dense)
    return global.emitError()
           << "portable mode stores i64 buffers as pairs of i32 words: this global's "
              "initial value is not dense integer data";
  SmallVector<APInt> words;
  for (const APInt &v : dense.getValues<APInt>()) {
    words.push_back(v.trunc(32));
    words.push_back(v.lshr(32).trunc(32));
  }
  auto tensor = RankedTensorType::get(type.getShape(), type.getElementType());
  return Attribute(DenseElementsAttr::get(tensor, words));
}

struct QCSplitWideBuffersPass final
    : qc::impl::QCSplitWideBuffersBase<QCSplitWideBuffersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Value> roots;
    module.walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::AllocaOp>(op) && isWide(op->getResult(0).getType()))
        roots.push_back(op->getResult(0));
    });
    SmallVector<memref::GlobalOp> globals;
    DenseMap<StringAttr, SmallVector<memref::GetGlobalOp>> getters;
    module.walk([&](memref::GetGlobalOp get) {
      if (isWide(get.getType()))
        getters[get.getNameAttr().getAttr()].push_back(get);
    });
    for (auto global : module.getOps<memref::GlobalOp>())
      if (isWide(global.getType()))
        globals.push_back(global);
    bool failed = false;
    for (Value root : roots)
      failed |= mlir::failed(checkUses(root));
    for (auto &[name, gets] : getters)
      for (memref::GetGlobalOp get : gets)
        failed |= mlir::failed(checkUses(get.getResult()));
    if (failed)
      return signalPassFailure();

    for (Value root : roots) {
      Operation *op = root.getDefiningOp();
      OpBuilder b(op);
      MemRefType type = splitType(cast<MemRefType>(root.getType()));
      Value split = isa<memref::AllocOp>(op)
                        ? memref::AllocOp::create(b, op->getLoc(), type).getResult()
                        : memref::AllocaOp::create(b, op->getLoc(), type).getResult();
      if (auto alignment = op->getAttrOfType<IntegerAttr>("alignment"))
        split.getDefiningOp()->setAttr("alignment", alignment);
      rewriteUses(root, split);
      op->erase();
    }
    for (memref::GlobalOp global : globals) {
      MemRefType type = splitType(global.getType());
      FailureOr<Attribute> init = splitInitialValue(global, type);
      if (mlir::failed(init))
        return signalPassFailure();
      global.setType(type);
      if (*init)
        global.setInitialValueAttr(*init);
      for (memref::GetGlobalOp get : getters.lookup(global.getSymNameAttr())) {
        OpBuilder b(get);
        Value split = memref::GetGlobalOp::create(b, get.getLoc(), type, global.getSymName());
        rewriteUses(get.getResult(), split);
        get->erase();
      }
    }
    SmallVector<scf::ForOp> loops;
    module.walk([&](scf::ForOp loop) {
      if (llvm::any_of(loop.getInitArgs().getTypes(), [](Type t) { return t.isInteger(64); }))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops)
      splitLoop(loop);
  }
};

} // namespace
