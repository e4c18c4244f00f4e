//===- WeightSharing.cpp - k-means weight sharing (--qc-weight-sharing) ---===//
//
// Replaces each constant contraction weight by its k-means clustering (Han
// et al., Deep Compression): every element becomes the centroid of its
// cluster, so the weight has at most `clusters` distinct values per tensor
// or per output channel. Float weights (before --qc-fold-fake-quant) get
// float centroids; quantized weights are clustered in the quantized domain
// (codes, weighted by scale^2 so that the error is the real one) and the
// centroids rounded to codes, so the integer kernels keep their numerics and
// --qc-pack-weights can store the weight as 4-bit indices into a codebook
// after lowering. docs/WeightSharing.md has the rule and the measurements.
//
//===----------------------------------------------------------------------===//
#include "ConstantWeights.h"
#include "OpOverride.h"
#include "qc/Dialect/QC/Transforms/KMeans.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace mlir::qc {
#define GEN_PASS_DEF_QCWEIGHTSHARING
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {

constexpr StringLiteral kOverrideAttr = "qc.weight_sharing";
constexpr int64_t kMaxClusters = 256; // what u8 indices address

struct Settings {
  int64_t clusters = 16;
  bool perChannel = false;
  bool disabled = false;
};

std::string checkClusters(int64_t clusters) {
  if (clusters < 2)
    return "clusters=" + std::to_string(clusters) +
           " is below 2 (one cluster would make every weight equal)";
  if (clusters > kMaxClusters)
    return "clusters=" + std::to_string(clusters) +
           " exceeds 256, the most that u8 indices address";
  return "";
}

FailureOr<bool> parseGranularity(StringRef text,
                                 function_ref<InFlightDiagnostic()> emitError) {
  if (text == "tensor")
    return false;
  if (text == "channel")
    return true;
  return emitError() << "qc-weight-sharing: granularity must be 'tensor' or "
                        "'channel', got '"
                     << text << "'";
}

/// Reads the `qc.weight_sharing` override of `op` on top of the pass-wide
/// settings.
FailureOr<Settings> getOpSettings(Operation *op, const Settings &global) {
  auto apply = [&](const OpOverride &override,
                   Settings &settings) -> LogicalResult {
    FailureOr<std::optional<int64_t>> clusters =
        override.getInteger("clusters");
    if (failed(clusters))
      return failure();
    if (*clusters) {
      settings.clusters = **clusters;
      if (std::string msg = checkClusters(settings.clusters); !msg.empty())
        return override.emitOptionError("clusters") << msg;
    }
    FailureOr<std::optional<StringRef>> granularity =
        override.getString("granularity");
    if (failed(granularity))
      return failure();
    if (*granularity) {
      FailureOr<bool> perChannel =
          parseGranularity(**granularity, [&] { return op->emitError(); });
      if (failed(perChannel))
        return failure();
      settings.perChannel = *perChannel;
    }
    return success();
  };
  return OpOverride::readSettings(op, "qc-weight-sharing", kOverrideAttr,
                                  {"clusters", "granularity"},
                                  "{clusters = 8}", global, apply);
}

/// One weight to cluster, seen as [rows, cols] with the output channels in
/// the last dimension (the weight's own row-major layout).
struct Site : ConstantWeight {
  Settings settings;
  int64_t cols = 0;
  /// Float weights: the values; quantized weights: the codes.
  std::vector<double> data;
  /// Quantized weights: scale^2 per element (the real error weight).
  std::vector<double> weights;
};

std::optional<Site> matchSite(Operation *op, unsigned index) {
  std::optional<ConstantWeight> weight = matchConstantWeight(op, index);
  if (!weight)
    return std::nullopt;
  Site site;
  static_cast<ConstantWeight &>(site) = *weight;
  site.cols = cast<RankedTensorType>(site.constant.getType()).getShape().back();
  if (!site.qtype) {
    for (const APFloat &v : site.values.getValues<APFloat>()) {
      bool lost;
      APFloat d = v;
      d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      site.data.push_back(d.convertToDouble());
    }
    return site;
  }
  SmallVector<double> scales = getScales(site.qtype);
  bool isSigned = site.qtype.isSigned();
  for (auto [i, v] : llvm::enumerate(site.values.getValues<APInt>())) {
    site.data.push_back(
        double(isSigned ? v.getSExtValue() : int64_t(v.getZExtValue())));
    double s = scales.size() == 1 ? scales[0] : scales[i % site.cols];
    site.weights.push_back(s * s);
  }
  return site;
}

/// Bytes of one element of the weight's own type (i4 counts half a byte).
double elementBytes(Type type) {
  return double(type.getIntOrFloatBitWidth()) / 8.0;
}

struct Outcome {
  std::vector<double> clustered; // the new value of each element
  double inertia = 0.0, energy = 0.0;
  int64_t codebookEntries = 0, largestCodebook = 0, iterations = 0;
  int64_t alreadyShared = 0; // groups with <= clusters distinct values
  int64_t groups = 0;
};

/// Clusters each group (the whole tensor, or one output channel).
Outcome clusterSite(const Site &site, const kmeans::Options &base) {
  Outcome out;
  out.clustered.resize(site.data.size());
  int64_t n = int64_t(site.data.size());
  int64_t groups = site.settings.perChannel ? site.cols : 1;
  out.groups = groups;
  for (int64_t g = 0; g < groups; ++g) {
    std::vector<int64_t> members;
    for (int64_t i = 0; i < n; ++i)
      if (!site.settings.perChannel || i % site.cols == g)
        members.push_back(i);
    std::vector<double> x, w;
    for (int64_t i : members) {
      x.push_back(site.data[i]);
      if (!site.weights.empty())
        w.push_back(site.weights[i]);
    }
    kmeans::Options options = base;
    options.clusters = site.settings.clusters;
    kmeans::Result result = kmeans::cluster(x, w, options);
    out.iterations = std::max(out.iterations, result.iterations);
    std::vector<double> centroids = result.centroids;
    if (site.qtype) {
      // Codebook in the quantized domain: centroids rounded to codes, then
      // every code re-assigned to the nearest remaining one.
      for (double &c : centroids)
        c = std::clamp(std::nearbyint(c),
                       double(site.qtype.getStorageTypeMin()),
                       double(site.qtype.getStorageTypeMax()));
      centroids.erase(std::unique(centroids.begin(), centroids.end()),
                      centroids.end());
      kmeans::assignNearest(x, w, centroids, result.assignment);
    }
    int64_t distinct = 0;
    {
      std::vector<double> sorted = x;
      std::sort(sorted.begin(), sorted.end());
      distinct = std::unique(sorted.begin(), sorted.end()) - sorted.begin();
    }
    if (distinct <= site.settings.clusters)
      ++out.alreadyShared;
    out.codebookEntries += int64_t(centroids.size());
    out.largestCodebook =
        std::max(out.largestCodebook, int64_t(centroids.size()));
    for (auto [j, i] : llvm::enumerate(members)) {
      double v = centroids[result.assignment[j]];
      out.clustered[i] = v;
      double weight = w.empty() ? 1.0 : w[j];
      out.inertia += weight * (x[j] - v) * (x[j] - v);
      out.energy += weight * x[j] * x[j];
    }
  }
  return out;
}

void rewrite(Site &site, const Outcome &out) {
  DenseElementsAttr values = site.values;
  DenseElementsAttr result;
  if (auto floatType = dyn_cast<FloatType>(values.getElementType())) {
    SmallVector<APFloat> elems;
    for (double v : out.clustered) {
      APFloat f(v);
      bool lost;
      f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      elems.push_back(f);
    }
    result = DenseElementsAttr::get(values.getType(), elems);
  } else {
    unsigned width = values.getElementType().getIntOrFloatBitWidth();
    SmallVector<APInt> elems;
    for (double v : out.clustered)
      elems.push_back(APInt(width, uint64_t(int64_t(v)), /*isSigned=*/true,
                            /*implicitTrunc=*/true));
    result = DenseElementsAttr::get(values.getType(), elems);
  }
  replaceConstantWeight(site, result);
}

struct WeightSharingPass final
    : qc::impl::QCWeightSharingBase<WeightSharingPass> {
  using QCWeightSharingBase::QCWeightSharingBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto moduleError = [&] { return mlir::emitError(module.getLoc()); };
    Settings global;
    global.clusters = clusters;
    if (std::string msg = checkClusters(clusters); !msg.empty()) {
      moduleError() << "qc-weight-sharing: option 'clusters': " << msg;
      return signalPassFailure();
    }
    FailureOr<bool> perChannel = parseGranularity(granularity, moduleError);
    if (failed(perChannel))
      return signalPassFailure();
    global.perChannel = *perChannel;
    if (restarts < 1) {
      moduleError() << "qc-weight-sharing: option 'restarts' must be >= 1, got "
                    << int64_t(restarts);
      return signalPassFailure();
    }

    // Every site and every error first: a failing pass leaves the IR as it
    // was.
    std::vector<Site> sites;
    bool failedAny = false;
    module.walk([&](Operation *op) {
      std::optional<unsigned> index = contractionWeightOperand(op);
      if (!index)
        return;
      FailureOr<Settings> settings = getOpSettings(op, global);
      if (failed(settings)) {
        failedAny = true;
        return;
      }
      if (settings->disabled)
        return;
      std::optional<Site> site = matchSite(op, *index);
      if (!site)
        return;
      site->settings = *settings;
      sites.push_back(std::move(*site));
    });
    if (failedAny)
      return signalPassFailure();

    kmeans::Options options;
    options.restarts = restarts;
    options.seed = seed;
    uint64_t clustered = 0, unchanged = 0, centroids = 0;
    double bytesBefore = 0.0, bytesAfter = 0.0;
    for (Site &site : sites) {
      Outcome out = clusterSite(site, options);
      Type elementType = site.values.getElementType();
      int64_t n = int64_t(site.data.size());
      int64_t k = site.settings.clusters;
      double before = double(n) * elementBytes(elementType);
      double indexBytes = k <= 16 ? 0.5 : 1.0;
      double after = double(n) * indexBytes +
                     double(out.codebookEntries) * elementBytes(elementType);
      InFlightDiagnostic remark = site.consumer->emitRemark();
      remark << "qc-weight-sharing: " << k << " clusters per "
             << (site.settings.perChannel ? "channel" : "tensor") << " ("
             << (k <= 16 ? "u4" : "u8") << " indices, "
             << (site.qtype ? "codebook of codes" : "float codebook")
             << "): " << n << " weights, "
             << llvm::formatv("{0:F1} -> {1:F1} bytes", before, after).str()
             << ", inertia " << llvm::formatv("{0:e}", out.inertia).str()
             << " (relative "
             << llvm::formatv("{0:e}", out.energy > 0.0
                                           ? out.inertia / out.energy
                                           : 0.0)
                    .str()
             << "), largest codebook " << out.largestCodebook;
      if (out.alreadyShared == out.groups) {
        remark << "; already at most " << k << " distinct values, unchanged";
        ++unchanged;
        continue;
      }
      rewrite(site, out);
      ++clustered;
      centroids += uint64_t(out.codebookEntries);
      bytesBefore += before;
      bytesAfter += after;
    }
    addStatistic(*this, numClustered, "clustered-weights", clustered);
    addStatistic(*this, numUnchanged, "unchanged-weights", unchanged);
    addStatistic(*this, numCentroids, "codebook-entries", centroids);
    // Fractional bytes come from u4 indices and i4 codes (half a byte each).
    addStatistic(*this, numBytesSaved, "bytes-saved",
                 bytesBefore > bytesAfter
                     ? uint64_t(std::floor(bytesBefore - bytesAfter))
                     : 0);
  }
};

} // namespace
