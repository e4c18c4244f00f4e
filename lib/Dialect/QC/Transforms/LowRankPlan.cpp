//===- LowRankPlan.cpp - rank selection and remarks of --qc-low-rank ------===//
#include "LowRankRewriter.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowrank;

LogicalResult LowRankRewriter::decide(Operation *op, const WeightMatrix &w,
                                      std::optional<Plan> &result) {
  FailureOr<Settings> settingsOr = getOpSettings(op, global);
  if (failed(settingsOr))
    return failure();
  const Settings &settings = *settingsOr;
  // Without a pass-wide rule only ops that carry their own are rewritten.
  if (settings.disabled || !settings.criterion)
    return success();
  ++summary.considered;
  for (double x : w.values)
    if (!std::isfinite(x))
      return op->emitError("qc-low-rank: the weight contains NaN or Inf; "
                           "cannot factorize it");
  int64_t fullRank = std::min(w.rows, w.cols);
  if (*settings.criterion == RankCriterion::Rank && settings.value > fullRank)
    return op->emitError() << "qc-low-rank: rank " << static_cast<int64_t>(settings.value)
                           << " exceeds min(rows, cols) = " << fullRank
                           << " of the " << w.rows << "x" << w.cols
                           << " weight matrix";
  if (llvm::all_of(w.values, [](double x) { return x == 0.0; })) {
    op->emitRemark("qc-low-rank: unchanged: the weight is zero");
    return success();
  }
  const lowrank::SVD &svd = getSVD(w);
  Plan plan;
  plan.fullRank = fullRank;
  plan.rank = lowrank::selectRank(svd.sigma, *settings.criterion, settings.value);
  plan.optimalError = lowrank::optimalRelativeError(svd.sigma, plan.rank);
  plan.reduction = static_cast<double>(w.rows * w.cols) /
                   static_cast<double>(plan.rank * (w.rows + w.cols));
  if (settings.minFlopReduction > 0.0 && plan.reduction < settings.minFlopReduction) {
    op->emitRemark() << "qc-low-rank: unchanged: rank " << plan.rank << " of "
                     << fullRank << " (relative error "
                     << formatDouble(plan.optimalError)
                     << ") would cut FLOPs and weight size only "
                     << formatDouble(plan.reduction, "%.2f")
                     << "x, below min-flop-reduction = "
                     << formatDouble(settings.minFlopReduction, "%g");
    return success();
  }
  lowrank::buildFactors(svd, plan.rank, plan.a, plan.b);
  result = std::move(plan);
  return success();
}

void LowRankRewriter::remarkRewritten(Operation *op, const Plan &plan,
                                      double error,
                                      std::optional<double> quantizedError,
                                      int64_t outerSize, const WeightMatrix &w) {
  ++summary.factorized;
  summary.rankSum += plan.rank;
  int64_t before = w.rows * w.cols, after = plan.rank * (w.rows + w.cols);
  InFlightDiagnostic diag = op->emitRemark();
  diag << "qc-low-rank: rank " << plan.rank << " of " << plan.fullRank
       << ", relative error " << formatDouble(error) << " (optimal "
       << formatDouble(plan.optimalError) << ")";
  if (quantizedError)
    diag << ", with quantized factors " << formatDouble(*quantizedError);
  if (ShapedType::isDynamic(outerSize))
    diag << ", FLOPs per output row " << 2 * before << " -> " << 2 * after;
  else
    diag << ", FLOPs " << 2 * outerSize * before << " -> " << 2 * outerSize * after;
  diag << " (" << formatDouble(plan.reduction, "%.2f") << "x fewer), weight "
       << before << " -> " << after << " elements";
}
