//===- KMeans.h - deterministic 1-D weighted k-means ------------*- C++ -*-===//
//
// The clustering behind --qc-weight-sharing (docs/WeightSharing.md): scalar
// values (weights) with non-negative sample weights, k-means++ seeding with
// a fixed seed, Lloyd iterations to convergence, best of several seedings.
//
//===----------------------------------------------------------------------===//
#ifndef QC_DIALECT_QC_TRANSFORMS_KMEANS_H
#define QC_DIALECT_QC_TRANSFORMS_KMEANS_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace mlir::qc::kmeans {

struct Options {
  int64_t clusters = 16;
  /// Seedings tried; the one with the smallest inertia wins (scikit-learn's
  /// n_init).
  int64_t restarts = 10;
  int64_t maxIterations = 300;
  uint64_t seed = 0;
};

struct Result {
  /// Sorted ascending; at most `clusters` entries (fewer when the data has
  /// fewer distinct values).
  std::vector<double> centroids;
  /// Index into `centroids` of each input value.
  std::vector<int64_t> assignment;
  /// sum_i weight_i * (value_i - centroid(value_i))^2
  double inertia = 0.0;
  /// Lloyd iterations of the winning seeding.
  int64_t iterations = 0;
};

/// Clusters `values` (sample weights `weights`, all 1 when empty).
Result cluster(llvm::ArrayRef<double> values, llvm::ArrayRef<double> weights,
               const Options &options);

/// Assigns each value to the nearest of the sorted `centroids` (ties to the
/// lower one) and returns the weighted inertia.
double assignNearest(llvm::ArrayRef<double> values,
                     llvm::ArrayRef<double> weights,
                     llvm::ArrayRef<double> centroids,
                     std::vector<int64_t> &assignment);

} // namespace mlir::qc::kmeans

#endif // QC_DIALECT_QC_TRANSFORMS_KMEANS_H
