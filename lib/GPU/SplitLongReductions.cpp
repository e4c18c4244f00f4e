//===- SplitLongReductions.cpp - no reduction loop past the loop limiter -===//
//
// llvmpipe stops every loop of a shader invocation after 65535 iterations in
// all (docs/SPIRV.md, "Loop limiter"). A generic kernel reduces each output
// element in one invocation, so a long reduction (a global pool over 300x300,
// a reduce over 100000 elements) would be cut short there. This pass splits
// such a reduction into partial results over chunks (one kernel, the chunks
// on the grid) and the reduction of the partials (the original loop, now over
// the chunks). Integer combiners are associative and commutative (wrapping
// arithmetic), so the result is bit-identical.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSPLITLONGREDUCTIONS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// Trip count of `loop` if its bounds and step are constants.
static std::optional<int64_t> tripCount(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return *ub > *lb ? llvm::divideCeil(*ub - *lb, *step) : 0;
}

/// Loop iterations one run of the body of `root` takes: every scf.for counts
/// its trip count plus one (the exit test), times the trip counts of the
/// loops around it inside `root`. None if a trip count is unknown.
static std::optional<int64_t> bodyIterations(Operation *root) {
  int64_t total = 0;
  bool known = true;
  root->walk([&](scf::ForOp loop) {
    std::optional<int64_t> n = tripCount(loop);
    if (!n) {
      known = false;
      return;
    }
    int64_t count = *n + 1;
    for (Operation *p = loop->getParentOp(); p && p != root;
         p = p->getParentOp())
      if (auto outer = dyn_cast<scf::ForOp>(p)) {
        std::optional<int64_t> m = tripCount(outer);
        count *= m ? *m : 0;
      }
    total += count;
  });
  if (!known)
    return std::nullopt;
  return total;
}

static bool isCombiner(Operation *op) {
  return isa<arith::AddIOp, arith::MulIOp, arith::AndIOp, arith::OrIOp,
             arith::XOrIOp, arith::MaxSIOp, arith::MinSIOp, arith::MaxUIOp,
             arith::MinUIOp>(op);
}

/// A reduction nest: loops[0] is a direct child of the scf.parallel body,
/// each further loop the only loop of the one before, each carrying one
/// accumulator into the next; the innermost yields `combine(acc, x)`.
struct ReductionNest {
  SmallVector<scf::ForOp> loops;
  SmallVector<int64_t> trips;
  Operation *combine = nullptr;
};

static bool writesMemory(Operation *op) {
  if (auto effects = dyn_cast<MemoryEffectOpInterface>(op))
    if (!effects.hasEffect<MemoryEffects::Write>() &&
        !effects.hasEffect<MemoryEffects::Free>() &&
        !effects.hasEffect<MemoryEffects::Allocate>())
      return false;
  return !isMemoryEffectFree(op);
}

static std::optional<ReductionNest> matchNest(scf::ParallelOp par) {
  ReductionNest nest;
  scf::ForOp loop;
  for (Operation &op : par.getBody()->without_terminator()) {
    if (auto f = dyn_cast<scf::ForOp>(op)) {
      if (loop)
        return std::nullopt;
      loop = f;
    } else if (op.getNumRegions() != 0) {
      return std::nullopt;
    }
  }
  while (loop) {
    std::optional<int64_t> n = tripCount(loop);
    if (!n || loop.getNumRegionIterArgs() != 1 ||
        !isa<IntegerType>(loop.getRegionIterArgs()[0].getType()))
      return std::nullopt;
    nest.loops.push_back(loop);
    nest.trips.push_back(*n);
    BlockArgument acc = loop.getRegionIterArgs()[0];
    if (!acc.hasOneUse())
      return std::nullopt;
    Operation *user = *acc.getUsers().begin();
    Value yielded = loop.getBody()->getTerminator()->getOperand(0);
    scf::ForOp inner;
    for (Operation &op : loop.getBody()->without_terminator()) {
      if (auto f = dyn_cast<scf::ForOp>(op)) {
        if (inner)
          return std::nullopt;
        inner = f;
      } else if (op.getNumRegions() != 0 || writesMemory(&op)) {
        return std::nullopt;
      }
    }
    if (inner) {
      // The accumulator flows through the inner loop unchanged otherwise;
      // ops beside it must be pure (they are cloned into both stages).
      if (user != inner || inner.getInitArgs()[0] != acc ||
          yielded != inner.getResult(0))
        return std::nullopt;
      for (Operation &op : loop.getBody()->without_terminator())
        if (&op != inner.getOperation() && !isMemoryEffectFree(&op))
          return std::nullopt;
    } else {
      if (!isCombiner(user) || yielded != user->getResult(0) ||
          !arith::getNeutralElement(user))
        return std::nullopt;
      nest.combine = user;
    }
    loop = inner;
  }
  if (!nest.combine)
    return std::nullopt;
  return nest;
}

/// Values used inside `outer` and defined between `par`'s body start and `op`
/// before it must come from pure ops (they are cloned into the partial
/// kernel); its bounds too.
static bool operandsClonable(scf::ParallelOp par, scf::ForOp outer) {
  bool ok = true;
  outer->walk([&](Operation *op) {
    // The outer loop's accumulator start stays with the original loop.
    if (op == outer.getOperation())
      return;
    for (Value v : op->getOperands()) {
      Operation *def = v.getDefiningOp();
      if (def && def->getParentOp() == par.getOperation() &&
          !isMemoryEffectFree(def))
        ok = false;
    }
  });
  return ok;
}

/// Splits `par`'s reduction nest; returns the loop that now reduces the
/// partials (to be checked again) or null if `par` was left alone.
static scf::ParallelOp split(scf::ParallelOp par, int64_t bound) {
  SmallVector<int64_t> sizes;
  for (auto [lb, ub, step] :
       llvm::zip(par.getLowerBound(), par.getUpperBound(), par.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb);
    std::optional<int64_t> u = getConstantIntValue(ub);
    std::optional<int64_t> s = getConstantIntValue(step);
    if (!l || !u || !s || *l != 0 || *s != 1 || *u <= 0)
      return nullptr;
    sizes.push_back(*u);
  }
  std::optional<ReductionNest> nest = matchNest(par);
  if (!nest || !operandsClonable(par, nest->loops[0]))
    return nullptr;
  unsigned depth = nest->loops.size();
  // cost[i]: iterations one run of loops[i] takes (inner loops included).
  SmallVector<int64_t> cost(depth + 1, 0);
  for (int i = depth - 1; i >= 0; --i)
    cost[i] = nest->trips[i] + 1 + nest->trips[i] * cost[i + 1];
  if (cost[0] <= bound)
    return nullptr;
  // The outermost level whose iteration (with the loops in it) fits a few
  // times into the bound is chunked; the levels above it go to the grid.
  unsigned level = 0;
  while (level + 1 < depth && 2 * (1 + cost[level + 1]) + 1 > bound)
    ++level;
  int64_t perIteration = 1 + cost[level + 1];
  int64_t chunk = (bound - 1) / perIteration;
  if (chunk < 1)
    return nullptr;
  int64_t trips = nest->trips[level];
  int64_t chunks = llvm::divideCeil(trips, chunk);
  chunk = llvm::divideCeil(trips, chunks);
  int64_t partials = chunks;
  for (unsigned i = 0; i < level; ++i)
    partials *= nest->trips[i];

  Location loc = par.getLoc();
  OpBuilder b(par);
  auto elemType = cast<IntegerType>(nest->combine->getResult(0).getType());
  SmallVector<int64_t> shape(sizes);
  shape.push_back(partials);
  Value partial =
      memref::AllocOp::create(b, loc, MemRefType::get(shape, elemType));
  auto cIdx = [&](OpBuilder &bb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(bb, loc, v);
  };

  // Stage 1: partial[p..., j] = chunk j's reduction.
  SmallVector<Value> lbs(sizes.size() + 1, cIdx(b, 0));
  SmallVector<Value> ubs;
  for (int64_t s : shape)
    ubs.push_back(cIdx(b, s));
  SmallVector<Value> steps(sizes.size() + 1, cIdx(b, 1));
  TypedAttr neutral = *arith::getNeutralElement(nest->combine);
  scf::ParallelOp::create(
      b, loc, lbs, ubs, steps,
      [&](OpBuilder &pb, Location l, ValueRange ivs) {
        IRMapping map;
        for (auto [from, to] :
             llvm::zip(par.getInductionVars(), ivs.drop_back()))
          map.map(from, to);
        // Pure ops before the nest (index arithmetic the loops use).
        for (Operation &op : par.getBody()->without_terminator()) {
          if (&op == nest->loops[0].getOperation())
            break;
          if (isMemoryEffectFree(&op))
            pb.clone(op, map);
        }
        // j = ((i_0 * n_1 + i_1) ... ) * chunks + c
        Value rest = ivs.back();
        Value chunkIdx = arith::RemUIOp::create(pb, l, rest, cIdx(pb, chunks));
        rest = arith::DivUIOp::create(pb, l, rest, cIdx(pb, chunks));
        SmallVector<Value> outerIdx(level);
        for (int i = level - 1; i >= 0; --i) {
          Value n = cIdx(pb, nest->trips[i]);
          outerIdx[i] = arith::RemUIOp::create(pb, l, rest, n);
          rest = arith::DivUIOp::create(pb, l, rest, n);
        }
        for (unsigned i = 0; i < level; ++i) {
          scf::ForOp loop = nest->loops[i];
          Value iv = arith::AddIOp::create(
              pb, l, map.lookupOrDefault(loop.getLowerBound()),
              arith::MulIOp::create(pb, l, outerIdx[i],
                                    map.lookupOrDefault(loop.getStep())));
          map.map(loop.getInductionVar(), iv);
          for (Operation &op : loop.getBody()->without_terminator())
            if (&op != nest->loops[i + 1].getOperation())
              pb.clone(op, map);
        }
        scf::ForOp loop = nest->loops[level];
        Value lb = map.lookupOrDefault(loop.getLowerBound());
        Value step = map.lookupOrDefault(loop.getStep());
        Value first = arith::MulIOp::create(
            pb, l, chunkIdx, cIdx(pb, chunk));
        Value newLb = arith::AddIOp::create(
            pb, l, lb, arith::MulIOp::create(pb, l, first, step));
        std::optional<int64_t> stepConst = getConstantIntValue(step);
        Value end = arith::AddIOp::create(pb, l, newLb,
                                          cIdx(pb, chunk * *stepConst));
        Value newUb = arith::MinSIOp::create(
            pb, l, end, map.lookupOrDefault(loop.getUpperBound()));
        Value start = arith::ConstantOp::create(pb, l, neutral);
        auto cloned = cast<scf::ForOp>(pb.clone(*loop, map));
        cloned.getLowerBoundMutable().assign(newLb);
        cloned.getUpperBoundMutable().assign(newUb);
        cloned.getInitArgsMutable().assign(start);
        SmallVector<Value> idx(ivs.begin(), ivs.end());
        memref::StoreOp::create(pb, l, cloned.getResult(0), partial, idx);
      });

  // Stage 2: the original loop reduces the partials into its accumulator.
  scf::ForOp outer = nest->loops[0];
  b.setInsertionPoint(outer);
  auto reduce = scf::ForOp::create(
      b, loc, cIdx(b, 0), cIdx(b, partials), cIdx(b, 1),
      outer.getInitArgs(),
      [&](OpBuilder &fb, Location l, Value j, ValueRange args) {
        SmallVector<Value> idx(par.getInductionVars());
        idx.push_back(j);
        Value v = memref::LoadOp::create(fb, l, partial, idx);
        IRMapping map;
        Operation *combine = nest->combine;
        for (Value operand : combine->getOperands())
          map.map(operand, operand == nest->loops.back().getRegionIterArgs()[0]
                               ? args[0]
                               : v);
        Operation *c = fb.clone(*combine, map);
        scf::YieldOp::create(fb, l, c->getResult(0));
      });
  outer.getResult(0).replaceAllUsesWith(reduce.getResult(0));
  outer.erase();
  return par;
}

struct QCSplitLongReductionsPass final
    : qc::impl::QCSplitLongReductionsBase<QCSplitLongReductionsPass> {
  using QCSplitLongReductionsBase::QCSplitLongReductionsBase;

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> work;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>() &&
          op.getNumReductions() == 0)
        work.push_back(op);
    });
    while (!work.empty()) {
      scf::ParallelOp op = work.pop_back_val();
      std::optional<int64_t> count = bodyIterations(op);
      if (!count || *count <= maxIterations)
        continue;
      if (scf::ParallelOp again = split(op, maxIterations))
        work.push_back(again);
    }
  }
};

} // namespace
