//===- HadamardMatrix.cpp - Sylvester and Paley-I Hadamard blocks ---------===//
#include "qc/Dialect/QC/IR/HadamardMatrix.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::qc;

static bool isPrime(int64_t q) {
  if (q < 2)
    return false;
  for (int64_t d = 2; d * d <= q; ++d)
    if (q % d == 0)
      return false;
  return true;
}

/// m = q + 1, q prime, q = 3 (mod 4), m in [12, kMaxPaleyOrder] and not a
/// power of two (Sylvester covers those).
static bool isPaleyOrder(int64_t m) {
  return m >= 12 && m <= kMaxPaleyOrder && !llvm::isPowerOf2_64(m) &&
         (m - 1) % 4 == 3 && isPrime(m - 1);
}

int64_t mlir::qc::hadamardDenseOrder(int64_t block) {
  if (block < 2)
    return 0;
  if (llvm::isPowerOf2_64(uint64_t(block)))
    return 1;
  for (int64_t m = 12; m <= kMaxPaleyOrder && m <= block; ++m)
    if (block % m == 0 && llvm::isPowerOf2_64(uint64_t(block / m)) &&
        isPaleyOrder(m))
      return m;
  return 0;
}

int64_t mlir::qc::largestHadamardBlock(int64_t n) {
  for (int64_t b = n; b >= 2; --b)
    if (n % b == 0 && isSupportedHadamardBlock(b))
      return b;
  return 0;
}

llvm::SmallVector<int8_t> mlir::qc::paleyHadamard(int64_t m) {
  int64_t q = m - 1;
  // chi(x) for x in [0, q): +1 for nonzero squares, -1 otherwise, 0 for 0.
  llvm::SmallVector<int8_t> chi(q, -1);
  chi[0] = 0;
  for (int64_t x = 1; x < q; ++x)
    chi[(x * x) % q] = 1;
  llvm::SmallVector<int8_t> h(m * m, 0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j) {
      int64_t s;
      if (i == 0)
        s = j == 0 ? 0 : 1;
      else if (j == 0)
        s = -1;
      else
        s = chi[((j - i) % q + q) % q];
      h[i * m + j] = int8_t(s + (i == j ? 1 : 0));
    }
  return h;
}

std::string mlir::qc::describeHadamardBlocks() {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "a power of two >= 2, or m * 2^k with a Paley order m in {";
  bool first = true;
  for (int64_t m = 12; m <= kMaxPaleyOrder; ++m)
    if (isPaleyOrder(m)) {
      os << (first ? "" : ", ") << m;
      first = false;
    }
  os << "}";
  return text;
}
