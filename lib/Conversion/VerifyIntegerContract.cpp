//===- VerifyIntegerContract.cpp - the --qc-verify-integer-contract pass --===//
#include "qc/Conversion/Passes.h"
#include "qc/Dialect/QC/IR/QCOps.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCVERIFYINTEGERCONTRACT
#include "qc/Conversion/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {

bool isFloatLike(Type type) {
  return isa<FloatType>(getElementTypeOrSelf(type));
}

bool isQuantized(Type type) {
  return isa<quant::QuantizedType>(getElementTypeOrSelf(type));
}

bool touchesType(Operation *op, function_ref<bool(Type)> pred) {
  return llvm::any_of(op->getOperandTypes(), pred) ||
         llvm::any_of(op->getResultTypes(), pred);
}

/// Whether `op` is, or is nested in, an op marked as a float boundary.
bool isInFloatBoundary(Operation *op) {
  for (; op; op = op->getParentOp())
    if (op->hasAttr(kFloatBoundaryAttrName))
      return true;
  return false;
}

/// Dialects whose ops compute on their operands (as opposed to moving or
/// allocating data, whose float types are harmless).
bool isComputeDialect(Dialect *dialect) {
  return isa_and_nonnull<arith::ArithDialect, math::MathDialect,
                         linalg::LinalgDialect, vector::VectorDialect>(dialect);
}

struct QCVerifyIntegerContractPass final
    : qc::impl::QCVerifyIntegerContractBase<QCVerifyIntegerContractPass> {
  using QCVerifyIntegerContractBase::QCVerifyIntegerContractBase;

  void runOnOperation() override {
    bool violated = false;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) -> WalkResult {
      if (op->hasAttr(kFloatBoundaryAttrName))
        return WalkResult::skip();
      if (isa<QCDialect>(op->getDialect())) {
        op->emitError() << "qc op '" << op->getName()
                        << "' remains; run --qc-lower-to-linalg first";
        violated = true;
        return WalkResult::skip();
      }
      bool quantizedSignature = false;
      if (auto function = dyn_cast<FunctionOpInterface>(op))
        quantizedSignature = llvm::any_of(function.getArgumentTypes(), isQuantized) ||
                             llvm::any_of(function.getResultTypes(), isQuantized);
      if (quantizedSignature || touchesType(op, isQuantized)) {
        op->emitError() << "'" << op->getName()
                        << "' still has a !quant type; the lowering must leave "
                           "storage integer types only";
        violated = true;
        return WalkResult::advance();
      }
      if (!isComputeDialect(op->getDialect()) || !touchesType(op, isFloatLike))
        return WalkResult::advance();
      if (isa<arith::ConstantOp>(op)) {
        // A float constant may feed the float boundaries only.
        for (Operation *user : op->getUsers()) {
          if (isInFloatBoundary(user))
            continue;
          InFlightDiagnostic diag = op->emitError(
              "float constant used by integer compute outside a "
              "qc.float_boundary op");
          diag.attachNote(user->getLoc()) << "used here by '" << user->getName() << "'";
          violated = true;
          break;
        }
        return WalkResult::advance();
      }
      op->emitError() << "'" << op->getName()
                      << "' computes on floating-point values outside a "
                         "qc.float_boundary op";
      violated = true;
      // One error per offending op, not one more per op of its body.
      return WalkResult::skip();
    });
    if (violated)
      return signalPassFailure();
    // A check: the pass manager need not verify the module again.
    markAllAnalysesPreserved();
  }
};

} // namespace
