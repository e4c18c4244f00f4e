//===- LowRankSettings.cpp - --qc-low-rank options and overrides ----------===//
#include "LowRankRewriter.h"
#include "OpOverride.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;

namespace mlir::qc::lowrank {

std::string formatDouble(double x, const char *fmt) {
  return llvm::formatv("{0}", llvm::format(fmt, x)).str();
}

/// Checks a setting's value against its domain; returns the message or "".
std::string checkValue(StringRef name, double value) {
  if (name == "rank") {
    if (!(value >= 1.0) || value != std::floor(value))
      return "rank must be an integer >= 1, got " + formatDouble(value, "%g");
  } else if (name == "energy") {
    if (!(value > 0.0 && value <= 1.0))
      return "energy must be in (0, 1], got " + formatDouble(value, "%g");
  } else if (name == "max-rel-error") {
    if (!(value >= 0.0 && value < 1.0))
      return "max-rel-error must be in [0, 1), got " + formatDouble(value, "%g");
  } else if (name == "min-flop-reduction") {
    if (!(value >= 0.0) || !std::isfinite(value))
      return "min-flop-reduction must be a finite factor >= 0 (0 disables the "
             "check), got " +
             formatDouble(value, "%g");
  }
  return "";
}

/// Reads the `qc.low_rank` override of `op` on top of the pass settings.
FailureOr<Settings> getOpSettings(Operation *op, const Settings &global) {
  static constexpr StringLiteral kKeys[] = {"rank", "energy", "max_rel_error",
                                            "min_flop_reduction"};
  SmallVector<StringRef> keys(std::begin(kKeys), std::end(kKeys));
  auto apply = [&](const OpOverride &override,
                   Settings &settings) -> LogicalResult {
    bool criterionSet = false;
    for (StringRef key : keys) {
      FailureOr<std::optional<double>> value = override.getNumber(key);
      if (failed(value))
        return failure();
      if (!*value)
        continue;
      std::string optionName = key.str();
      std::replace(optionName.begin(), optionName.end(), '_', '-');
      if (std::string msg = checkValue(optionName, **value); !msg.empty())
        return override.emitOptionError(key) << msg;
      if (key == "min_flop_reduction") {
        settings.minFlopReduction = **value;
        continue;
      }
      if (criterionSet)
        return op->emitError() << "qc-low-rank: '" << kOverrideAttr
                               << "' sets more than one of rank, energy and "
                                  "max_rel_error";
      criterionSet = true;
      settings.value = **value;
      settings.criterion = key == "rank"     ? RankCriterion::Rank
                           : key == "energy" ? RankCriterion::Energy
                                             : RankCriterion::MaxRelError;
    }
    return success();
  };
  return OpOverride::readSettings(op, "qc-low-rank", kOverrideAttr, keys,
                                  "{rank = 8}", global, apply);
}

/// The settings of `options`; an option counts as given when its flag in
/// `given` (rank, energy, max-rel-error) is set.
FailureOr<Settings> validateOptions(func::FuncOp func,
                                    const QCLowRankOptions &options,
                                    std::array<bool, 3> given) {
  Settings settings;
  auto fail = [&](const std::string &msg) {
    func.emitError() << "qc-low-rank: " << msg;
    return failure();
  };
  int criteria = 0;
  if (given[0]) {
    if (options.rank < 1)
      return fail("rank must be >= 1, got " + std::to_string(options.rank));
    settings.criterion = RankCriterion::Rank;
    settings.value = static_cast<double>(options.rank);
    ++criteria;
  }
  if (given[1]) {
    if (std::string msg = checkValue("energy", options.energy); !msg.empty())
      return fail(msg);
    settings.criterion = RankCriterion::Energy;
    settings.value = options.energy;
    ++criteria;
  }
  if (given[2]) {
    if (std::string msg = checkValue("max-rel-error", options.maxRelError);
        !msg.empty())
      return fail(msg);
    settings.criterion = RankCriterion::MaxRelError;
    settings.value = options.maxRelError;
    ++criteria;
  }
  if (criteria > 1)
    return fail("rank=, energy= and max-rel-error= are mutually exclusive");
  if (std::string msg = checkValue("min-flop-reduction", options.minFlopReduction);
      !msg.empty())
    return fail(msg);
  settings.minFlopReduction = options.minFlopReduction;
  if (options.intermediateBits < 2 || options.intermediateBits > 16)
    return fail("intermediate-bits must be in [2, 16], got " +
                std::to_string(options.intermediateBits));
  return settings;
}

} // namespace mlir::qc::lowrank
