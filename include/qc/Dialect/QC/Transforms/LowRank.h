//===- LowRank.h - truncated-SVD factorization used by --qc-low-rank -*- C++ -*-===//
//
// The numerical core of --qc-low-rank, kept free of MLIR and Eigen types so
// that other compilers can reuse it and so that Eigen stays an implementation
// detail of one translation unit.
//
//===----------------------------------------------------------------------===//
#ifndef QC_DIALECT_QC_TRANSFORMS_LOWRANK_H
#define QC_DIALECT_QC_TRANSFORMS_LOWRANK_H

#include <cstdint>
#include <vector>

namespace mlir::qc::lowrank {

/// How the rank is chosen from the singular values.
enum class RankCriterion { Rank, Energy, MaxRelError };

/// Thin SVD W = U diag(sigma) V^T of a rows x cols matrix (row-major),
/// singular values in non-increasing order.
struct SVD {
  int64_t rows = 0, cols = 0;
  std::vector<double> u;     // rows x p, row-major, p = min(rows, cols)
  std::vector<double> sigma; // p
  std::vector<double> v;     // cols x p, row-major
};

/// Computes the thin SVD with Eigen's divide-and-conquer BDCSVD (Jacobi below
/// its small-size threshold). `w` holds rows * cols finite values.
SVD computeSVD(const std::vector<double> &w, int64_t rows, int64_t cols);

/// The smallest rank r >= 1 that satisfies the criterion:
/// * Energy:      sum_{i<r} sigma_i^2 >= value * sum_i sigma_i^2;
/// * MaxRelError: sqrt(sum_{i>=r} sigma_i^2 / sum_i sigma_i^2) <= value;
/// * Rank:        `value` itself.
/// The result is at most sigma.size().
int64_t selectRank(const std::vector<double> &sigma, RankCriterion criterion,
                   double value);

/// Relative Frobenius error of the optimal rank-r approximation (Eckart-Young):
/// sqrt(sum_{i>=r} sigma_i^2 / sum_i sigma_i^2).
double optimalRelativeError(const std::vector<double> &sigma, int64_t rank);

/// Balanced factors of the rank-r truncation: a = U_r sqrt(S_r) (rows x r),
/// b = sqrt(S_r) V_r^T (r x cols), both row-major. Splitting sqrt(sigma) into
/// both factors gives column j of `a` and row j of `b` the same Euclidean
/// norm sqrt(sigma_j), so neither factor's quantization range is dominated by
/// the singular values.
void buildFactors(const SVD &svd, int64_t rank, std::vector<double> &a,
                  std::vector<double> &b);

/// ||w - a * b||_F / ||w||_F for row-major w (rows x cols), a (rows x r),
/// b (r x cols); 0 when w is zero.
double relativeError(const std::vector<double> &w, const std::vector<double> &a,
                     const std::vector<double> &b, int64_t rows, int64_t cols,
                     int64_t rank);

} // namespace mlir::qc::lowrank

#endif // QC_DIALECT_QC_TRANSFORMS_LOWRANK_H
