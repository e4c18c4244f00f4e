//===- CheckLoopIterations.cpp - kernels within the loop limiter ---------===//
//
// llvmpipe stops every loop of a shader invocation after 65535 iterations in
// all, silently (docs/SPIRV.md, "Loop limiter"). This pass bounds the loop
// iterations of every gpu.func and rejects a kernel over the bound, naming it,
// instead of letting it compute wrong values on lavapipe.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCHECKLOOPITERATIONS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// A constant upper bound of `v`: a constant, or min/select/max of values
/// that have one (the bounds of a clamped last tile or stage).
static std::optional<int64_t> upperBound(Value v, unsigned depth = 0) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return c;
  Operation *def = v.getDefiningOp();
  if (!def || depth > 8)
    return std::nullopt;
  auto both = [&](Value a, Value b, bool takeMin) -> std::optional<int64_t> {
    std::optional<int64_t> x = upperBound(a, depth + 1);
    std::optional<int64_t> y = upperBound(b, depth + 1);
    if (takeMin) {
      if (x && y)
        return std::min(*x, *y);
      return x ? x : y;
    }
    if (x && y)
      return std::max(*x, *y);
    return std::nullopt;
  };
  if (auto op = dyn_cast<arith::MinSIOp>(def))
    return both(op.getLhs(), op.getRhs(), true);
  if (auto op = dyn_cast<arith::MinUIOp>(def))
    return both(op.getLhs(), op.getRhs(), true);
  if (auto op = dyn_cast<arith::MaxSIOp>(def))
    return both(op.getLhs(), op.getRhs(), false);
  if (auto op = dyn_cast<arith::SelectOp>(def))
    return both(op.getTrueValue(), op.getFalseValue(), false);
  if (auto op = dyn_cast<arith::IndexCastOp>(def))
    return upperBound(op.getIn(), depth + 1);
  return std::nullopt;
}

/// `v` as base + constant (peeling arith.addi with constants).
static std::pair<Value, int64_t> peelOffset(Value v) {
  int64_t offset = 0;
  while (auto add = v.getDefiningOp<arith::AddIOp>()) {
    if (std::optional<int64_t> c = getConstantIntValue(add.getRhs())) {
      offset += *c;
      v = add.getLhs();
    } else if (std::optional<int64_t> c = getConstantIntValue(add.getLhs())) {
      offset += *c;
      v = add.getRhs();
    } else {
      break;
    }
  }
  return {v, offset};
}

/// At most how often `loop` iterates: constant bounds; a constant upper
/// bound over a lower bound of at least 0; or an upper bound
/// `min(lb + c, ...)` (a chunk or a clamped tile).
static std::optional<int64_t> maxTrips(scf::ForOp loop) {
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!step || *step <= 0)
    return std::nullopt;
  auto trips = [&](int64_t span) -> int64_t {
    return span > 0 ? llvm::divideCeil(span, *step) : 0;
  };
  Value ubValue = loop.getUpperBound();
  std::optional<int64_t> result;
  auto consider = [&](int64_t n) {
    result = result ? std::min(*result, n) : n;
  };
  // Terms of the upper bound's min that are lb + constant.
  SmallVector<Value> terms{ubValue};
  for (unsigned i = 0; i < terms.size() && i < 16; ++i) {
    Value t = terms[i];
    if (auto m = t.getDefiningOp<arith::MinSIOp>()) {
      terms.push_back(m.getLhs());
      terms.push_back(m.getRhs());
      continue;
    }
    if (auto m = t.getDefiningOp<arith::MinUIOp>()) {
      terms.push_back(m.getLhs());
      terms.push_back(m.getRhs());
      continue;
    }
    auto [ubBase, ubOff] = peelOffset(t);
    auto [lbBase, lbOff] = peelOffset(loop.getLowerBound());
    if (ubBase == lbBase)
      consider(trips(ubOff - lbOff));
  }
  std::optional<int64_t> ub = upperBound(ubValue);
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  // A lower bound that is not a constant is taken as 0: loop bounds here
  // are offsets, never negative.
  if (ub)
    consider(trips(*ub - (lb ? *lb : 0)));
  return result;
}

struct QCCheckLoopIterationsPass final
    : qc::impl::QCCheckLoopIterationsBase<QCCheckLoopIterationsPass> {
  using QCCheckLoopIterationsBase::QCCheckLoopIterationsBase;

  void runOnOperation() override {
    bool failed = false;
    getOperation()->walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel())
        return;
      int64_t total = 0;
      scf::ForOp unknown;
      func.walk([&](scf::ForOp loop) {
        std::optional<int64_t> n = maxTrips(loop);
        if (!n) {
          unknown = loop;
          return;
        }
        int64_t count = *n + 1;
        for (Operation *p = loop->getParentOp(); p && p != func;
             p = p->getParentOp())
          if (auto outer = dyn_cast<scf::ForOp>(p))
            count *= std::max<int64_t>(maxTrips(outer).value_or(1), 1);
        total += count;
      });
      if (report && !unknown)
        func.emitRemark() << "kernel '" << func.getName() << "': " << total
                          << " loop iterations per invocation";
      if (unknown) {
        unknown.emitError()
            << "kernel '" << func.getName()
            << "': loop with no constant bound; cannot check it against the "
               "bound of "
            << static_cast<int64_t>(maxIterations)
            << " loop iterations per invocation (llvmpipe stops an "
               "invocation's loops after 65535 in all)";
        failed = true;
      } else if (total > maxIterations) {
        func.emitError() << "kernel '" << func.getName() << "' may run "
                         << total
                         << " loop iterations per invocation, over the bound "
                            "of "
                         << static_cast<int64_t>(maxIterations)
                         << " (llvmpipe stops an invocation's loops after "
                            "65535 in all, silently; a reduction that "
                            "qc-split-long-reductions cannot split)";
        failed = true;
      }
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
