//===- HadamardMatrix.h - the Hadamard blocks of qc.hadamard ----*- C++ -*-===//
//
// A qc.hadamard block b is either a power of two (Sylvester, H_b) or
// b = m * 2^k with m a Paley order, 12 <= m <= 256, m not a power of two:
// m = q + 1 for a prime q = 3 (mod 4) (Paley I) or m = 2 (q + 1) for a prime
// q = 1 (mod 4) (Paley II). Then H_b = H_m (x) H_(2^k) with H_m the Paley
// matrix (Paley I where both apply), so the transform is the fast
// Walsh-Hadamard stages on each contiguous chunk of 2^k followed by one
// dense m x m stage across the chunks (docs/Hadamard.md). The verifier, the lowering and the rotation
// pass share these helpers; python/qc/reference.py mirrors them.
//
//===----------------------------------------------------------------------===//
#ifndef QC_DIALECT_QC_IR_HADAMARDMATRIX_H
#define QC_DIALECT_QC_IR_HADAMARDMATRIX_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <string>

namespace mlir::qc {

/// The largest Paley order supported (the dense stage costs m additions per
/// element).
constexpr int64_t kMaxPaleyOrder = 256;

/// The dense factor m of block `block`: 1 for a power of two >= 2, otherwise
/// the smallest Paley-I order m with block / m a power of two, else the
/// smallest such Paley-II order (Paley I first keeps the matrices of the
/// blocks supported before Paley II); 0 when `block` is not supported.
int64_t hadamardDenseOrder(int64_t block);

/// Whether qc.hadamard supports `block`.
inline bool isSupportedHadamardBlock(int64_t block) {
  return hadamardDenseOrder(block) != 0;
}

/// The largest supported block dividing n (n itself when supported), 0 when
/// none does (n odd, or n = 2 * odd with no Paley order for the odd part).
int64_t largestHadamardBlock(int64_t n);

/// The Paley Hadamard matrix of order m (row-major, entries +-1), with
/// chi the quadratic character mod q: Paley I (m = q + 1) H = I + S,
/// S = [[0, 1^T], [-1, J]], J[i][j] = chi(j - i); otherwise Paley II
/// (m = 2 (q + 1)) H = C (x) [[1, 1], [1, -1]] + I (x) [[1, -1], [-1, -1]],
/// C = [[0, 1^T], [1, J]]. `m` must be a Paley order.
llvm::SmallVector<int8_t> paleyHadamard(int64_t m);

/// One line naming the supported blocks, for diagnostics.
std::string describeHadamardBlocks();

/// x <- (I (x) H_b) x in place (unscaled, no signs), x.size() a multiple of
/// `block`; the exact product in the arithmetic of T.
template <typename T>
void applyHadamardBlocks(llvm::MutableArrayRef<T> x, int64_t block) {
  int64_t m = hadamardDenseOrder(block), p = block / m;
  for (int64_t h = 1; h < p; h *= 2)
    for (size_t base = 0; base < x.size(); base += 2 * h)
      for (int64_t c = 0; c < h; ++c) {
        T a = x[base + c], b = x[base + h + c];
        x[base + c] = a + b;
        x[base + h + c] = a - b;
      }
  if (m == 1)
    return;
  llvm::SmallVector<int8_t> hm = paleyHadamard(m);
  llvm::SmallVector<T> chunk(block);
  for (size_t base = 0; base < x.size(); base += block) {
    for (int64_t a = 0; a < m; ++a)
      for (int64_t r = 0; r < p; ++r) {
        T sum = 0;
        for (int64_t a2 = 0; a2 < m; ++a2)
          sum += hm[a * m + a2] > 0 ? x[base + a2 * p + r] : -x[base + a2 * p + r];
        chunk[a * p + r] = sum;
      }
    for (int64_t i = 0; i < block; ++i)
      x[base + i] = chunk[i];
  }
}

} // namespace mlir::qc

#endif // QC_DIALECT_QC_IR_HADAMARDMATRIX_H
