//===- LowRank.cpp - --qc-low-rank: factorize constant weights by SVD -----===//
//
// Each candidate contraction is decided once and rewritten once, with one
// remark (or error) per op, so the pass walks the function itself instead of
// running a greedy pattern driver that could revisit ops and repeat remarks;
// the rewrite never creates new candidates. docs/LowRank.md has the rationale.
//
//===----------------------------------------------------------------------===//
#include "LowRankRewriter.h"
#include "qc/Support/PassStatistics.h"

#include "llvm/ADT/TypeSwitch.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCLOWRANK
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowrank;

namespace {

FailureOr<LowRankSummary> runLowRank(func::FuncOp func,
                                     const QCLowRankOptions &options,
                                     std::array<bool, 3> given) {
  FailureOr<Settings> settings = validateOptions(func, options, given);
  if (failed(settings))
    return failure();
  SmallVector<Operation *> candidates;
  func.walk([&](Operation *op) {
    if (isa<linalg::MatmulOp, linalg::MatvecOp, linalg::VecmatOp,
            linalg::Conv2DNhwcHwcfOp, qc::MatmulOp, qc::Conv2DOp>(op))
      candidates.push_back(op);
  });
  LowRankRewriter rewriter(*settings, options.intermediateBits);
  for (Operation *op : candidates) {
    LogicalResult result =
        TypeSwitch<Operation *, LogicalResult>(op)
            .Case<linalg::MatmulOp, linalg::MatvecOp, linalg::VecmatOp,
                  linalg::Conv2DNhwcHwcfOp, qc::MatmulOp, qc::Conv2DOp>(
                [&](auto typed) { return rewriter.rewrite(typed); })
            .Default([](Operation *) { return success(); });
    if (failed(result))
      return failure();
  }
  return rewriter.getSummary();
}

struct QCLowRankPass final
    : qc::impl::QCLowRankBase<QCLowRankPass> {
  using QCLowRankBase::QCLowRankBase;

  void runOnOperation() override {
    QCLowRankOptions options;
    options.rank = rank;
    options.energy = energy;
    options.maxRelError = maxRelError;
    options.minFlopReduction = minFlopReduction;
    options.intermediateBits = intermediateBits;
    // Written on the command line counts as given even when it equals the
    // "unset" default, so that rank=0 is an error rather than no rule.
    std::array<bool, 3> given = {rank.hasValue() || rank != 0,
                                 energy.hasValue() || energy != 0.0,
                                 maxRelError.hasValue() || maxRelError != 0.0};
    FailureOr<LowRankSummary> summary =
        runLowRank(getOperation(), options, given);
    if (failed(summary))
      return signalPassFailure();
    addStatistic(*this, numConsidered, "considered-ops", summary->considered);
    addStatistic(*this, numFactorized, "factorized-ops", summary->factorized);
    addStatistic(*this, rankSum, "rank-sum", summary->rankSum);
  }
};

} // namespace

FailureOr<LowRankSummary>
mlir::qc::factorizeLowRank(func::FuncOp func, const QCLowRankOptions &options) {
  return runLowRank(func, options,
                    {options.rank != 0, options.energy != 0.0,
                     options.maxRelError != 0.0});
}
