//===- KMeans.cpp - deterministic 1-D weighted k-means --------------------===//
//
// Weights are scalars, so k-means runs on the sorted distinct values with
// their summed sample weights: a cluster is a contiguous range of that
// sorted list, its mean and cost come from prefix sums, and one Lloyd
// iteration is a binary search per centroid boundary (O(k log n)) instead of
// a pass over every weight. k-means++ seeding is scikit-learn's greedy
// variant (2 + ln k candidates per new centre, the one that lowers the
// potential most wins); sampling by D^2 uses a Fenwick tree, and a new
// centre only changes the distances between its two neighbouring centres.
// Plain C++: Eigen has nothing to offer for one dimension.
//
//===----------------------------------------------------------------------===//
#include "qc/Dialect/QC/Transforms/KMeans.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using namespace mlir::qc::kmeans;

namespace {

/// Sums over ranges of a sorted value list, in long double so that the
/// variance S2 - S1^2/S0 of a narrow cluster keeps its digits.
struct Prefix {
  std::vector<long double> s0, s1, s2;
  explicit Prefix(const std::vector<double> &u, const std::vector<double> &c) {
    size_t n = u.size();
    s0.assign(n + 1, 0);
    s1.assign(n + 1, 0);
    s2.assign(n + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      long double w = c[i], x = u[i];
      s0[i + 1] = s0[i] + w;
      s1[i + 1] = s1[i] + w * x;
      s2[i + 1] = s2[i] + w * x * x;
    }
  }
  long double weight(size_t a, size_t b) const { return s0[b] - s0[a]; }
  long double mean(size_t a, size_t b) const {
    return (s1[b] - s1[a]) / (s0[b] - s0[a]);
  }
  /// sum w (x - m)^2 over [a, b) for a centre m.
  long double cost(size_t a, size_t b, long double m) const {
    long double v = (s2[b] - s2[a]) - 2 * m * (s1[b] - s1[a]) +
                    m * m * (s0[b] - s0[a]);
    return std::max<long double>(v, 0);
  }
};

/// Fenwick tree of non-negative doubles with prefix search.
struct Fenwick {
  std::vector<double> tree;
  size_t log2n = 0;
  explicit Fenwick(size_t n) : tree(n + 1, 0.0) {
    while ((size_t(1) << (log2n + 1)) <= n)
      ++log2n;
  }
  void add(size_t i, double delta) {
    for (++i; i < tree.size(); i += i & (~i + 1))
      tree[i] += delta;
  }
  /// The smallest index whose inclusive prefix sum exceeds `target`.
  size_t search(double target) const {
    size_t pos = 0;
    for (size_t step = size_t(1) << log2n; step; step >>= 1)
      if (pos + step < tree.size() && tree[pos + step] <= target) {
        pos += step;
        target -= tree[pos];
      }
    return std::min(pos, tree.size() - 2);
  }
};

/// A double in [0, 1) from 53 random bits: the same on every platform
/// (std::uniform_real_distribution is not).
double uniform(std::mt19937_64 &rng) {
  return double(rng() >> 11) * 0x1.0p-53;
}

/// Greedy k-means++ on sorted distinct values `u` with weights `c`.
std::vector<double> seed(const std::vector<double> &u,
                         const std::vector<double> &c, int64_t k,
                         std::mt19937_64 &rng) {
  size_t n = u.size();
  std::vector<double> centres;
  // First centre: drawn with probability proportional to the sample weight.
  std::vector<double> cumulative(n);
  std::partial_sum(c.begin(), c.end(), cumulative.begin());
  double r = uniform(rng) * cumulative.back();
  size_t first = std::upper_bound(cumulative.begin(), cumulative.end(), r) -
                 cumulative.begin();
  first = std::min(first, n - 1);
  centres.push_back(u[first]);

  std::vector<double> d2(n);
  Fenwick potential(n);
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double d = u[i] - u[first];
    d2[i] = d * d;
    potential.add(i, c[i] * d2[i]);
    total += c[i] * d2[i];
  }
  // Points whose nearest centre a new centre at value x can change lie
  // between x's neighbouring centres.
  auto region = [&](double x) {
    auto it = std::lower_bound(centres.begin(), centres.end(), x);
    size_t lo = it == centres.begin()
                    ? 0
                    : size_t(std::lower_bound(u.begin(), u.end(), *(it - 1)) -
                             u.begin());
    size_t hi = it == centres.end()
                    ? n
                    : size_t(std::upper_bound(u.begin(), u.end(), *it) -
                             u.begin());
    return std::pair<size_t, size_t>(lo, hi);
  };
  int64_t trials = 2 + int64_t(std::log(double(k)));
  while (int64_t(centres.size()) < k && total > 0.0) {
    double bestGain = -1.0;
    size_t best = 0;
    for (int64_t t = 0; t < trials; ++t) {
      size_t cand = potential.search(uniform(rng) * total);
      auto [lo, hi] = region(u[cand]);
      double gain = 0.0;
      for (size_t i = lo; i < hi; ++i) {
        double d = u[i] - u[cand];
        if (d * d < d2[i])
          gain += c[i] * (d2[i] - d * d);
      }
      if (gain > bestGain) {
        bestGain = gain;
        best = cand;
      }
    }
    auto [lo, hi] = region(u[best]);
    for (size_t i = lo; i < hi; ++i) {
      double d = u[i] - u[best];
      if (d * d < d2[i]) {
        potential.add(i, c[i] * (d * d - d2[i]));
        d2[i] = d * d;
      }
    }
    centres.insert(std::lower_bound(centres.begin(), centres.end(), u[best]),
                   u[best]);
    // Recompute the total rather than accumulate rounding errors.
    total = 0.0;
    for (size_t i = 0; i < n; ++i)
      total += c[i] * d2[i];
  }
  return centres;
}

/// Lloyd iterations on sorted distinct values until the partition stops
/// changing. Returns the inertia; `centres` are updated in place.
long double lloyd(const std::vector<double> &u, const Prefix &prefix,
                  std::vector<double> &centres, int64_t maxIterations,
                  int64_t &iterations) {
  size_t n = u.size();
  std::vector<size_t> bounds, previous;
  for (iterations = 0; iterations < maxIterations; ++iterations) {
    std::sort(centres.begin(), centres.end());
    size_t k = centres.size();
    // Cluster j is [bounds[j], bounds[j + 1]); a value on a midpoint goes to
    // the lower centre.
    bounds.assign(k + 1, 0);
    bounds[k] = n;
    for (size_t j = 0; j + 1 < k; ++j) {
      double mid = centres[j] + (centres[j + 1] - centres[j]) / 2;
      bounds[j + 1] =
          std::upper_bound(u.begin(), u.end(), mid) - u.begin();
    }
    // Empty clusters move to the value that is worst served (scikit-learn
    // relocates them to far points as well).
    bool relocated = false;
    for (size_t j = 0; j < k; ++j) {
      if (bounds[j] < bounds[j + 1])
        continue;
      double worst = -1.0;
      size_t at = 0;
      for (size_t q = 0; q < k; ++q)
        for (size_t i = bounds[q]; i < bounds[q + 1]; ++i) {
          double d = u[i] - centres[q];
          if (d * d > worst && u[i] != centres[q]) {
            worst = d * d;
            at = i;
          }
        }
      if (worst <= 0.0)
        break;
      centres[j] = u[at];
      relocated = true;
      break;
    }
    if (relocated)
      continue;
    if (bounds == previous)
      break;
    previous = bounds;
    for (size_t j = 0; j < k; ++j)
      centres[j] = double(prefix.mean(bounds[j], bounds[j + 1]));
  }
  long double inertia = 0;
  for (size_t j = 0; j + 1 < bounds.size(); ++j)
    if (bounds[j] < bounds[j + 1])
      inertia += prefix.cost(bounds[j], bounds[j + 1], centres[j]);
  return inertia;
}

} // namespace

double mlir::qc::kmeans::assignNearest(llvm::ArrayRef<double> values,
                                       llvm::ArrayRef<double> weights,
                                       llvm::ArrayRef<double> centroids,
                                       std::vector<int64_t> &assignment) {
  assignment.resize(values.size());
  double inertia = 0.0;
  for (size_t i = 0; i < values.size(); ++i) {
    double x = values[i];
    size_t hi = std::lower_bound(centroids.begin(), centroids.end(), x) -
                centroids.begin();
    size_t best = hi == centroids.size() ? hi - 1 : hi;
    if (hi > 0 && (hi == centroids.size() ||
                   x - centroids[hi - 1] <= centroids[hi] - x))
      best = hi - 1;
    assignment[i] = int64_t(best);
    double d = x - centroids[best];
    inertia += (weights.empty() ? 1.0 : weights[i]) * d * d;
  }
  return inertia;
}

Result mlir::qc::kmeans::cluster(llvm::ArrayRef<double> values,
                                 llvm::ArrayRef<double> weights,
                                 const Options &options) {
  assert(options.clusters >= 1 && !values.empty());
  // Distinct values with their summed sample weights.
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return values[a] < values[b] || (values[a] == values[b] && a < b);
  });
  std::vector<double> u, c;
  for (size_t i : order) {
    double w = weights.empty() ? 1.0 : weights[i];
    if (!u.empty() && u.back() == values[i])
      c.back() += w;
    else {
      u.push_back(values[i]);
      c.push_back(w);
    }
  }
  Result result;
  if (int64_t(u.size()) <= options.clusters) {
    result.centroids = u;
  } else {
    Prefix prefix(u, c);
    long double best = std::numeric_limits<long double>::infinity();
    for (int64_t r = 0; r < std::max<int64_t>(options.restarts, 1); ++r) {
      std::mt19937_64 rng(options.seed * 1000003u + uint64_t(r));
      std::vector<double> centres = seed(u, c, options.clusters, rng);
      int64_t iterations = 0;
      long double inertia =
          lloyd(u, prefix, centres, options.maxIterations, iterations);
      if (inertia < best) {
        best = inertia;
        result.centroids = centres;
        result.iterations = iterations;
      }
    }
    std::sort(result.centroids.begin(), result.centroids.end());
    result.centroids.erase(
        std::unique(result.centroids.begin(), result.centroids.end()),
        result.centroids.end());
  }
  result.inertia =
      assignNearest(values, weights, result.centroids, result.assignment);
  return result;
}
