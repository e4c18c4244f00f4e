//===- HadamardMatrix.cpp - Sylvester and Paley Hadamard blocks -----------===//
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

/// Whether m is a dense order of our range: in [12, kMaxPaleyOrder], even,
/// not a power of two (Sylvester covers those).
static bool inPaleyRange(int64_t m) {
  return m >= 12 && m <= kMaxPaleyOrder && !llvm::isPowerOf2_64(m);
}

/// Paley I: m = q + 1, q prime, q = 3 (mod 4).
static bool isPaleyIOrder(int64_t m) {
  return inPaleyRange(m) && (m - 1) % 4 == 3 && isPrime(m - 1);
}

/// Paley II: m = 2 (q + 1), q prime, q = 1 (mod 4).
static bool isPaleyIIOrder(int64_t m) {
  return inPaleyRange(m) && m % 2 == 0 && (m / 2 - 1) % 4 == 1 &&
         isPrime(m / 2 - 1);
}

static bool isPaleyOrder(int64_t m) {
  return isPaleyIOrder(m) || isPaleyIIOrder(m);
}

/// The smallest order m accepted by `isOrder` with block / m a power of two.
static int64_t smallestDenseOrder(int64_t block, bool (*isOrder)(int64_t)) {
  for (int64_t m = 12; m <= kMaxPaleyOrder && m <= block; ++m)
    if (block % m == 0 && llvm::isPowerOf2_64(uint64_t(block / m)) &&
        isOrder(m))
      return m;
  return 0;
}

int64_t mlir::qc::hadamardDenseOrder(int64_t block) {
  if (block < 2)
    return 0;
  if (llvm::isPowerOf2_64(uint64_t(block)))
    return 1;
  // Paley I first: the blocks it serves keep the matrices they had before
  // Paley II was added (IR written then means the same now).
  if (int64_t m = smallestDenseOrder(block, isPaleyIOrder))
    return m;
  return smallestDenseOrder(block, isPaleyIIOrder);
}

int64_t mlir::qc::largestHadamardBlock(int64_t n) {
  for (int64_t b = n; b >= 2; --b)
    if (n % b == 0 && isSupportedHadamardBlock(b))
      return b;
  return 0;
}

/// chi(x) for x in [0, q): +1 for nonzero squares mod q, -1 for the other
/// nonzero residues, 0 for 0 (the quadratic character).
static llvm::SmallVector<int8_t> quadraticCharacter(int64_t q) {
  llvm::SmallVector<int8_t> chi(q, -1);
  chi[0] = 0;
  for (int64_t x = 1; x < q; ++x)
    chi[(x * x) % q] = 1;
  return chi;
}

/// Paley I of order m = q + 1: H = I + S, S = [[0, 1^T], [-1, J]],
/// J[i][j] = chi(j - i) (antisymmetric since chi(-1) = -1 for q = 3 mod 4).
static llvm::SmallVector<int8_t> paleyIHadamard(int64_t m) {
  int64_t q = m - 1;
  llvm::SmallVector<int8_t> chi = quadraticCharacter(q);
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

/// Paley II of order m = 2 (q + 1): H = C (x) [[1, 1], [1, -1]] +
/// I (x) [[1, -1], [-1, -1]], with the symmetric conference matrix
/// C = [[0, 1^T], [1, J]], J[i][j] = chi(j - i) (q = 1 mod 4).
static llvm::SmallVector<int8_t> paleyIIHadamard(int64_t m) {
  int64_t n = m / 2, q = n - 1;
  llvm::SmallVector<int8_t> chi = quadraticCharacter(q);
  llvm::SmallVector<int8_t> h(m * m, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t c;
      if (i == j)
        c = 0;
      else if (i == 0 || j == 0)
        c = 1;
      else
        c = chi[((j - 1 - (i - 1)) % q + q) % q];
      // The 2 x 2 block at (i, j): c * [[1, 1], [1, -1]] off the diagonal,
      // [[1, -1], [-1, -1]] on it (c = 0 there).
      int8_t block[2][2] = {{1, 1}, {1, -1}};
      if (i == j) {
        block[0][1] = block[1][0] = block[1][1] = -1;
      } else {
        for (auto &row : block)
          for (int8_t &v : row)
            v = int8_t(v * c);
      }
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 2; ++b)
          h[(2 * i + a) * m + 2 * j + b] = block[a][b];
    }
  return h;
}

llvm::SmallVector<int8_t> mlir::qc::paleyHadamard(int64_t m) {
  return isPaleyIOrder(m) ? paleyIHadamard(m) : paleyIIHadamard(m);
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
