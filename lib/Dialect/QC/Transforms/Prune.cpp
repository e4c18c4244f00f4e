//===- Prune.cpp - magnitude pruning of constant weights (--qc-prune) -----===//
//
// The selection rule (units, scores, tie-breaking, target) is specified in
// docs/Sparsity.md and mirrored by python/qc/prune.py, which the lit tests
// use to check the pruned constants element by element.
//
//===----------------------------------------------------------------------===//
#include "ConstantWeights.h"
#include "OpOverride.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Support/PassStatistics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include <cmath>
#include <numeric>

namespace mlir::qc {
#define GEN_PASS_DEF_QCPRUNE
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {

/// A parsed pruning pattern with its target sparsity.
struct PruneSpec {
  enum class Kind { None, Unstructured, NM, Block, Channel };
  Kind kind = Kind::Unstructured;
  int64_t n = 0, m = 0;           // N:M
  int64_t rows = 1, cols = 1;     // RxC blocks
  double sparsity = 0.5;

  std::string str() const {
    switch (kind) {
    case Kind::None:
      return "none";
    case Kind::Unstructured:
      return "unstructured";
    case Kind::NM:
      return std::to_string(n) + ":" + std::to_string(m);
    case Kind::Block:
      return std::to_string(rows) + "x" + std::to_string(cols);
    case Kind::Channel:
      return "channel";
    }
    llvm_unreachable("covered switch");
  }
};

/// Parses `pattern` and the requested sparsity, if any. Errors go through
/// `emitError` so that options and per-op attributes share them.
FailureOr<PruneSpec>
parseSpec(StringRef pattern, std::optional<double> sparsity,
          llvm::function_ref<InFlightDiagnostic()> emitError) {
  PruneSpec spec;
  auto parsePair = [](StringRef text, char sep, int64_t &a, int64_t &b) {
    auto [lhs, rhs] = text.split(sep);
    return !rhs.empty() && !lhs.getAsInteger(10, a) && !rhs.getAsInteger(10, b);
  };
  if (pattern == "none") {
    spec.kind = PruneSpec::Kind::None;
    return spec;
  }
  if (pattern == "unstructured") {
    spec.kind = PruneSpec::Kind::Unstructured;
  } else if (pattern == "channel") {
    spec.kind = PruneSpec::Kind::Channel;
  } else if (pattern.contains(':')) {
    spec.kind = PruneSpec::Kind::NM;
    if (!parsePair(pattern, ':', spec.n, spec.m) || spec.m < 2 || spec.n < 1 ||
        spec.n >= spec.m)
      return emitError() << "qc-prune: pattern '" << pattern
                         << "' is not N:M with 1 <= N < M";
  } else if (pattern.contains('x')) {
    spec.kind = PruneSpec::Kind::Block;
    if (!parsePair(pattern, 'x', spec.rows, spec.cols) || spec.rows < 1 ||
        spec.cols < 1)
      return emitError() << "qc-prune: block pattern '" << pattern
                         << "' is not RxC with R, C >= 1";
  } else {
    return emitError() << "qc-prune: unknown pattern '" << pattern
                       << "' (expected unstructured, N:M, RxC, channel or none)";
  }
  if (sparsity && !(*sparsity >= 0.0 && *sparsity < 1.0))
    return emitError() << "qc-prune: sparsity must be in [0, 1), got "
                       << *sparsity;
  if (spec.kind == PruneSpec::Kind::NM) {
    double implied = double(spec.m - spec.n) / double(spec.m);
    if (sparsity && std::abs(*sparsity - implied) > 1e-9)
      return emitError() << "qc-prune: sparsity " << *sparsity
                         << " contradicts pattern " << pattern
                         << ", which fixes it to " << implied;
    spec.sparsity = implied;
  } else if (sparsity) {
    spec.sparsity = *sparsity;
  }
  return spec;
}

/// One constant weight operand of a contraction, seen as an [R, F] matrix
/// (F = output channels = last dimension, R = the other dimensions).
struct WeightSite : ConstantWeight {
  int64_t rows = 0, cols = 0;
  /// Size of the innermost reduction dimension (N:M groups run along it).
  int64_t innerReduction = 0;
  /// |real value| of each element, row-major.
  std::vector<double> magnitude;
  PruneSpec spec;
  /// Set by a `qc.prune` attribute: a per-layer target even under global scope.
  bool local = false;
  std::vector<bool> pruned;
};

/// Recognizes the constant behind a weight operand; emits a remark and fails
/// for quantized weights with a non-zero zero point. Returns std::nullopt
/// (silently) when the weight is simply not a constant.
FailureOr<std::optional<WeightSite>> matchSite(Operation *op, unsigned index) {
  std::optional<ConstantWeight> weight = matchConstantWeight(op, index);
  if (!weight)
    return std::optional<WeightSite>();
  WeightSite site;
  static_cast<ConstantWeight &>(site) = *weight;
  auto type = cast<RankedTensorType>(site.constant.getType());
  DenseElementsAttr values = site.values;
  bool isFloat = !site.qtype;
  site.cols = type.getShape().back();
  site.rows = type.getNumElements() / std::max<int64_t>(site.cols, 1);
  site.innerReduction = type.getShape()[type.getRank() - 2];
  site.magnitude.resize(type.getNumElements());
  if (isFloat) {
    for (auto [i, v] : llvm::enumerate(values.getValues<APFloat>())) {
      bool lost;
      APFloat d = v;
      d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      site.magnitude[i] = std::abs(d.convertToDouble());
    }
    return std::optional<WeightSite>(std::move(site));
  }
  quant::QuantizedType qtype = site.qtype;
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  if (llvm::any_of(zeroPoints, [](int64_t z) { return z != 0; })) {
    op->emitRemark() << "qc-prune: weight has a non-zero zero point; not "
                        "pruned (prune before quantization instead)";
    return failure();
  }
  SmallVector<double> scales = getScales(qtype);
  bool isSigned = qtype.isSigned();
  for (auto [i, v] : llvm::enumerate(values.getValues<APInt>())) {
    double code = double(isSigned ? v.getSExtValue() : int64_t(v.getZExtValue()));
    double scale = scales.size() == 1 ? scales[0] : scales[i % site.cols];
    site.magnitude[i] = std::abs(code) * scale;
  }
  return std::optional<WeightSite>(std::move(site));
}

/// A group of elements pruned together, with its score.
struct Unit {
  double score;
  unsigned site;
  int64_t index;
  int64_t size;
};

/// Why the pattern does not fit the weight, or an empty string.
std::string misfit(const WeightSite &site) {
  const PruneSpec &spec = site.spec;
  if (spec.kind == PruneSpec::Kind::NM && site.innerReduction % spec.m != 0)
    return "pattern " + spec.str() +
           " needs the innermost reduction dimension (size " +
           std::to_string(site.innerReduction) + ") to be a multiple of " +
           std::to_string(spec.m);
  if (spec.kind == PruneSpec::Kind::Block &&
      (site.rows % spec.rows != 0 || site.cols % spec.cols != 0))
    return "block " + spec.str() + " does not tile the " +
           std::to_string(site.rows) + "x" + std::to_string(site.cols) +
           " weight (reduction positions x output channels)";
  return "";
}

/// The rows and columns of one unit of a site: an element (unstructured), a
/// block, or a whole column (channel).
std::pair<int64_t, int64_t> unitShape(const WeightSite &site) {
  const PruneSpec &spec = site.spec;
  if (spec.kind == PruneSpec::Kind::Block)
    return {spec.rows, spec.cols};
  if (spec.kind == PruneSpec::Kind::Channel)
    return {site.rows, 1};
  return {1, 1};
}

/// Appends the units of a site (unstructured, block or channel) with their
/// mean magnitude, summed in increasing element order.
void collectUnits(const WeightSite &site, unsigned siteIndex,
                  std::vector<Unit> &units) {
  auto [unitRows, unitCols] = unitShape(site);
  int64_t gridCols = site.cols / unitCols;
  int64_t gridRows = site.rows / unitRows;
  int64_t size = unitRows * unitCols;
  for (int64_t br = 0; br < gridRows; ++br)
    for (int64_t bc = 0; bc < gridCols; ++bc) {
      double sum = 0.0;
      for (int64_t r = br * unitRows; r < (br + 1) * unitRows; ++r)
        for (int64_t c = bc * unitCols; c < (bc + 1) * unitCols; ++c)
          sum += site.magnitude[r * site.cols + c];
      units.push_back({sum / double(size), siteIndex, br * gridCols + bc, size});
    }
}

/// Marks every element of a unit as pruned.
void pruneUnit(WeightSite &site, int64_t index) {
  auto [unitRows, unitCols] = unitShape(site);
  int64_t gridCols = site.cols / unitCols;
  int64_t br = index / gridCols, bc = index % gridCols;
  for (int64_t r = br * unitRows; r < (br + 1) * unitRows; ++r)
    for (int64_t c = bc * unitCols; c < (bc + 1) * unitCols; ++c)
      site.pruned[r * site.cols + c] = true;
}

/// Ranks units by (score, site, index) ascending and prunes them until
/// `target` elements are pruned.
void pruneLowest(std::vector<Unit> &units, int64_t target,
                 MutableArrayRef<WeightSite> sites) {
  llvm::sort(units, [](const Unit &a, const Unit &b) {
    if (a.score != b.score)
      return a.score < b.score;
    if (a.site != b.site)
      return a.site < b.site;
    return a.index < b.index;
  });
  int64_t done = 0;
  for (const Unit &unit : units) {
    if (done >= target)
      break;
    pruneUnit(sites[unit.site], unit.index);
    done += unit.size;
  }
}

/// N:M: in every group of M consecutive positions of the innermost reduction
/// dimension, prunes the M - N smallest (ties: lower index first).
void pruneNM(WeightSite &site) {
  int64_t m = site.spec.m, drop = site.spec.m - site.spec.n;
  SmallVector<int64_t> order(m);
  for (int64_t g = 0; g < site.rows / m; ++g)
    for (int64_t c = 0; c < site.cols; ++c) {
      std::iota(order.begin(), order.end(), 0);
      auto at = [&](int64_t j) {
        return site.magnitude[(g * m + j) * site.cols + c];
      };
      llvm::sort(order, [&](int64_t a, int64_t b) {
        return at(a) < at(b) || (at(a) == at(b) && a < b);
      });
      for (int64_t j = 0; j < drop; ++j)
        site.pruned[(g * m + order[j]) * site.cols + c] = true;
    }
}

/// Writes the pruned constant and rewires the consumer to it, cloning the
/// constant (and the cast) when they have other users.
void rewrite(WeightSite &site) {
  DenseElementsAttr values = site.values;
  DenseElementsAttr pruned;
  if (isa<FloatType>(values.getElementType())) {
    SmallVector<APFloat> elems(values.getValues<APFloat>());
    for (auto [i, e] : llvm::enumerate(elems))
      if (site.pruned[i])
        e = APFloat::getZero(e.getSemantics());
    pruned = DenseElementsAttr::get(values.getType(), elems);
  } else {
    SmallVector<APInt> elems(values.getValues<APInt>());
    for (auto [i, e] : llvm::enumerate(elems))
      if (site.pruned[i])
        e = APInt::getZero(e.getBitWidth());
    pruned = DenseElementsAttr::get(values.getType(), elems);
  }
  replaceConstantWeight(site, pruned);
}

} // namespace

FailureOr<PruneSummary> mlir::qc::pruneWeights(ModuleOp module,
                                               StringRef pattern,
                                               std::optional<double> sparsity,
                                               StringRef scope) {
  // Option errors have no op to point at: report them at the module's
  // location without dumping the whole module as a note.
  auto moduleError = [&] { return mlir::emitError(module.getLoc()); };
  std::optional<double> requested = sparsity;
  FailureOr<PruneSpec> defaults = parseSpec(pattern, requested, moduleError);
  if (failed(defaults))
    return failure();
  if (scope != "layer" && scope != "global") {
    moduleError() << "qc-prune: scope must be 'layer' or 'global', got '"
                  << scope << "'";
    return failure();
  }

  std::vector<WeightSite> sites;
  bool failedAny = false;
  module.walk([&](Operation *op) {
    std::optional<unsigned> index = contractionWeightOperand(op);
    if (!index)
      return;
    PruneSpec spec = *defaults;
    bool overridden = false;
    FailureOr<std::optional<OpOverride>> override =
        OpOverride::read(op, "qc-prune", "qc.prune", {"pattern", "sparsity"},
                         "{pattern = \"2:4\"}");
    if (failed(override)) {
      failedAny = true;
      return;
    }
    if (*override) {
      if ((*override)->disabled())
        return;
      FailureOr<std::optional<StringRef>> pat =
          (*override)->getString("pattern");
      if (failed(pat)) {
        failedAny = true;
        return;
      }
      FailureOr<std::optional<double>> sp = (*override)->getNumber("sparsity");
      if (failed(sp)) {
        failedAny = true;
        return;
      }
      FailureOr<PruneSpec> parsed =
          parseSpec(*pat ? **pat : StringRef(pattern),
                    *sp ? *sp : (*pat ? std::nullopt : requested),
                    [&] { return op->emitError(); });
      if (failed(parsed)) {
        failedAny = true;
        return;
      }
      spec = *parsed;
      overridden = true;
    }
    if (spec.kind == PruneSpec::Kind::None)
      return;
    FailureOr<std::optional<WeightSite>> site = matchSite(op, *index);
    if (failed(site) || !*site)
      return;
    (*site)->spec = spec;
    // A pattern asked for on this op must fit it; the pass-wide pattern
    // skips the weights it cannot apply to (say a depthwise filter under
    // 2:4) so that one option can be used on a whole model.
    if (std::string why = misfit(**site); !why.empty()) {
      if (overridden) {
        op->emitError() << "qc-prune: " << why;
        failedAny = true;
      } else {
        op->emitRemark() << "qc-prune: " << why << "; not pruned";
      }
      return;
    }
    (*site)->pruned.assign((*site)->magnitude.size(), false);
    (*site)->local = overridden;
    sites.push_back(std::move(**site));
  });
  if (failedAny)
    return failure();

  // Global scope: one ranking over every non-overridden, non-N:M weight.
  std::vector<Unit> globalUnits;
  int64_t globalElements = 0;
  double globalSparsity = defaults->sparsity;
  for (auto [i, site] : llvm::enumerate(sites)) {
    if (site.spec.kind == PruneSpec::Kind::NM) {
      pruneNM(site);
      continue;
    }
    if (scope == "global" && !site.local) {
      collectUnits(site, i, globalUnits);
      globalElements += int64_t(site.magnitude.size());
      continue;
    }
    std::vector<Unit> units;
    collectUnits(site, i, units);
    pruneLowest(units,
                int64_t(std::nearbyint(site.spec.sparsity *
                                       double(site.magnitude.size()))),
                sites);
  }
  if (!globalUnits.empty())
    pruneLowest(
        globalUnits,
        int64_t(std::nearbyint(globalSparsity * double(globalElements))),
        sites);

  PruneSummary summary;
  for (WeightSite &site : sites) {
    int64_t zeros = 0;
    for (auto [i, p] : llvm::enumerate(site.pruned))
      zeros += p || site.magnitude[i] == 0.0;
    int64_t total = int64_t(site.pruned.size());
    site.consumer->emitRemark()
        << "qc-prune: " << site.spec.str() << ", sparsity "
        << llvm::formatv("{0:F3}", double(zeros) / double(total)).str() << " ("
        << zeros << " of " << total << " weights zero)";
    rewrite(site);
    ++summary.weights;
    summary.elements += total;
    summary.zeros += zeros;
  }
  return summary;
}

namespace {
struct PrunePass final : qc::impl::QCPruneBase<PrunePass> {
  using QCPruneBase::QCPruneBase;

  void runOnOperation() override {
    std::optional<double> requested;
    if (sparsity.hasValue())
      requested = sparsity;
    FailureOr<PruneSummary> summary =
        pruneWeights(getOperation(), pattern, requested, scope);
    if (failed(summary))
      return signalPassFailure();
    addStatistic(*this, numPrunedWeights, "pruned-weights", summary->weights);
    addStatistic(*this, numWeightElements, "weight-elements",
                 summary->elements);
    addStatistic(*this, numZeroElements, "zero-elements", summary->zeros);
  }
};

} // namespace
