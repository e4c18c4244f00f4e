//===- TestMagicDivision.cpp - qc-test-magic-division --------------------===//
//
// A test of Division.cpp alone: marked i64 arith.divui ops become the
// magic-number division or the short quotient of the softmax and layer
// norm lowerings, so that
// the arithmetic can be checked on any (dividend, divisor), not only on
// those a softmax or layer norm row produces.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "qc/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCTESTMAGICDIVISION
#include "qc/Conversion/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {

constexpr llvm::StringLiteral kMaxDivisorBits = "qc.test_max_divisor_bits";
constexpr llvm::StringLiteral kShortBounds = "qc.test_short_bounds";
/// The forms without i64 division (SPIR-V portable mode).
constexpr llvm::StringLiteral kNoWideDivision = "qc.test_no_wide_division";

/// [N, d_min] or [N, d_min, d_max] -> buildShortQuotient, or failure
/// (reported).
LogicalResult rewriteShort(arith::DivUIOp op) {
  auto bounds = op->getAttrOfType<DenseI64ArrayAttr>(kShortBounds);
  std::optional<int64_t> shift;
  if (op.getType().isInteger(64) && bounds && (bounds.size() == 2 || bounds.size() == 3) &&
      bounds[0] > 0 && bounds[1] > 0 && (bounds.size() == 2 || bounds[2] >= bounds[1]))
    shift = lowering::getShortQuotientShift(bounds[0], bounds[1]);
  if (!shift)
    return op.emitError() << "'" << kShortBounds
                          << "' needs an i64 division and bounds [N, d_min] or [N, d_min, "
                             "d_max] that admit the short quotient";
  OpBuilder b(op);
  uint64_t maxDivisor = bounds.size() == 3 ? bounds[2] : uint64_t{1} << 61;
  Value m = lowering::buildShortReciprocal(b, op.getLoc(), op.getRhs(), maxDivisor,
                                           !op->hasAttr(kNoWideDivision));
  op.replaceAllUsesWith(
      lowering::buildShortQuotient(b, op.getLoc(), op.getLhs(), op.getRhs(), m, *shift));
  op.erase();
  return success();
}

struct QCTestMagicDivisionPass final
    : qc::impl::QCTestMagicDivisionBase<QCTestMagicDivisionPass> {
  void runOnOperation() override {
    SmallVector<arith::DivUIOp> marked;
    getOperation().walk([&](arith::DivUIOp op) {
      if (op->hasAttr(kMaxDivisorBits) || op->hasAttr(kShortBounds))
        marked.push_back(op);
    });
    bool anyFailed = false;
    for (arith::DivUIOp op : marked) {
      if (op->hasAttr(kShortBounds)) {
        anyFailed |= failed(rewriteShort(op));
        continue;
      }
      auto bits = op->getAttrOfType<IntegerAttr>(kMaxDivisorBits);
      if (!op.getType().isInteger(64) || !bits || bits.getInt() < 1 || bits.getInt() > 62) {
        op.emitError() << "'" << kMaxDivisorBits
                       << "' needs an i64 division and an integer attribute in [1, 62]";
        anyFailed = true;
        continue;
      }
      OpBuilder b(op);
      lowering::DivisionMagic magic =
          lowering::buildDivisionMagic(b, op.getLoc(), op.getRhs(), bits.getInt(),
                                       !op->hasAttr(kNoWideDivision));
      Value quotient = lowering::buildMagicQuotient(b, op.getLoc(), op.getLhs(),
                                                    magic.multiplier, magic.log2);
      op.replaceAllUsesWith(quotient);
      op.erase();
    }
    if (anyFailed)
      signalPassFailure();
  }
};

} // namespace
