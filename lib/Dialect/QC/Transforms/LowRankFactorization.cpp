//===- LowRankFactorization.cpp - truncated SVD with Eigen ----------------===//
#include "qc/Dialect/QC/Transforms/LowRank.h"

#include <Eigen/Dense>
#include <Eigen/SVD>

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace mlir::qc::lowrank;

namespace {
using RowMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using RowMap = Eigen::Map<RowMatrix>;
} // namespace

SVD mlir::qc::lowrank::computeSVD(const std::vector<double> &w, int64_t rows,
                                  int64_t cols) {
  assert(static_cast<int64_t>(w.size()) == rows * cols && "bad matrix size");
  // BDCSVD: O(n^3) with a small constant and Jacobi's accuracy in practice;
  // JacobiSVD alone takes minutes on 4096 x 4096 weights.
  Eigen::BDCSVD<Eigen::MatrixXd> solver(ConstRowMap(w.data(), rows, cols),
                                        Eigen::ComputeThinU | Eigen::ComputeThinV);
  SVD svd;
  svd.rows = rows;
  svd.cols = cols;
  int64_t p = std::min(rows, cols);
  svd.sigma.assign(solver.singularValues().data(),
                   solver.singularValues().data() + p);
  svd.u.resize(rows * p);
  svd.v.resize(cols * p);
  RowMap(svd.u.data(), rows, p) = solver.matrixU();
  RowMap(svd.v.data(), cols, p) = solver.matrixV();
  return svd;
}

/// sum_{i >= from} sigma_i^2, summed from the smallest value up so the tail
/// is not lost to cancellation against the leading values.
static double tailEnergy(const std::vector<double> &sigma, int64_t from) {
  double sum = 0.0;
  for (int64_t i = static_cast<int64_t>(sigma.size()) - 1; i >= from; --i)
    sum += sigma[i] * sigma[i];
  return sum;
}

int64_t mlir::qc::lowrank::selectRank(const std::vector<double> &sigma,
                                      RankCriterion criterion, double value) {
  int64_t p = static_cast<int64_t>(sigma.size());
  if (criterion == RankCriterion::Rank)
    return std::min<int64_t>(static_cast<int64_t>(value), p);
  double total = tailEnergy(sigma, 0);
  if (criterion == RankCriterion::Energy) {
    double kept = 0.0;
    for (int64_t r = 1; r <= p; ++r) {
      kept += sigma[r - 1] * sigma[r - 1];
      if (kept >= value * total)
        return r;
    }
    return p;
  }
  for (int64_t r = 1; r <= p; ++r)
    if (std::sqrt(tailEnergy(sigma, r) / total) <= value)
      return r;
  return p;
}

double mlir::qc::lowrank::optimalRelativeError(const std::vector<double> &sigma,
                                               int64_t rank) {
  double total = tailEnergy(sigma, 0);
  return total == 0.0 ? 0.0 : std::sqrt(tailEnergy(sigma, rank) / total);
}

void mlir::qc::lowrank::buildFactors(const SVD &svd, int64_t rank,
                                     std::vector<double> &a,
                                     std::vector<double> &b) {
  int64_t p = static_cast<int64_t>(svd.sigma.size());
  a.resize(svd.rows * rank);
  b.resize(rank * svd.cols);
  for (int64_t j = 0; j < rank; ++j) {
    double root = std::sqrt(svd.sigma[j]);
    for (int64_t i = 0; i < svd.rows; ++i)
      a[i * rank + j] = svd.u[i * p + j] * root;
    for (int64_t i = 0; i < svd.cols; ++i)
      b[j * svd.cols + i] = svd.v[i * p + j] * root;
  }
}

double mlir::qc::lowrank::relativeError(const std::vector<double> &w,
                                        const std::vector<double> &a,
                                        const std::vector<double> &b,
                                        int64_t rows, int64_t cols,
                                        int64_t rank) {
  ConstRowMap wm(w.data(), rows, cols);
  double norm = wm.norm();
  if (norm == 0.0)
    return 0.0;
  RowMatrix product = ConstRowMap(a.data(), rows, rank) *
                      ConstRowMap(b.data(), rank, cols);
  return (wm - product).norm() / norm;
}
