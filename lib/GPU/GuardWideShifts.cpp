//===- GuardWideShifts.cpp - wide shifts by zero before i64 emulation -----===//
//
// `arith-emulate-wide-int` (MLIR 22) rebuilds an i64 `shrui` / `shli` by a
// run-time amount s from i32 halves as (lo >> s) | (hi << (32 - s)) (and
// the mirror for `shli`), selecting other forms only for s >= 32. For s = 0
// the second term shifts an i32 by 32: poison in arith, and in SPIR-V a
// result the drivers define by masking the amount (NIR: hi << 0 = hi), so
// the emulated shift ORs the other half in. Its `shrsi` tests s = 0 itself.
// Portable mode (no Int64) therefore selects the unshifted value where the
// amount is zero, before the emulation runs.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCGUARDWIDESHIFTS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

/// Whether `op` is a logical shift of integers wider than 32 bits by an
/// amount that may be zero at run time.
static bool needsZeroGuard(Operation *op) {
  if (!isa<arith::ShRUIOp, arith::ShLIOp>(op))
    return false;
  auto element = dyn_cast<IntegerType>(getElementTypeOrSelf(op->getResult(0).getType()));
  if (!element || element.getWidth() <= 32)
    return false;
  APInt amount;
  return !matchPattern(op->getOperand(1), m_ConstantInt(&amount)) || amount.isZero();
}

void qc::guardWideShiftByZero(OpBuilder &b, Operation *shift) {
  Location loc = shift->getLoc();
  Value value = shift->getOperand(0), amount = shift->getOperand(1);
  b.setInsertionPointAfter(shift);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(amount.getType()));
  Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, amount, zero);
  Value shifted = shift->getResult(0);
  auto guarded = arith::SelectOp::create(b, loc, isZero, value, shifted);
  shifted.replaceAllUsesExcept(guarded, guarded);
}

namespace {
struct QCGuardWideShiftsPass final
    : qc::impl::QCGuardWideShiftsBase<QCGuardWideShiftsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> shifts;
    getOperation()->walk([&](Operation *op) {
      if (needsZeroGuard(op))
        shifts.push_back(op);
    });
    if (shifts.empty())
      return markAllAnalysesPreserved();
    OpBuilder b(&getContext());
    for (Operation *shift : shifts)
      qc::guardWideShiftByZero(b, shift);
  }
};
} // namespace
