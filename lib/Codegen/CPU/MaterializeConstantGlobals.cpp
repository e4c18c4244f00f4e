//===- MaterializeConstantGlobals.cpp - constant globals in IR order ------===//
//
// One-shot module bufferization creates the memref.global of a tensor
// constant when it reaches the constant's function, and it reaches the
// functions in an order that depends on their addresses (MLIR 22 picks the
// next callee-free function from a DenseMap keyed by func.func). The
// globals' order and names (`__constant_8xi32_3`) then changed from run to
// run. Creating them here, in IR order, before the bufferization makes them
// a function of the input alone: the bufferization looks each constant up
// with the same helper and reuses the global it finds.
//
//===----------------------------------------------------------------------===//
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/Transforms/BufferUtils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCMATERIALIZECONSTANTGLOBALS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
struct MaterializeConstantGlobalsPass final
    : qc::impl::QCMaterializeConstantGlobalsBase<
          MaterializeConstantGlobalsPass> {
  using QCMaterializeConstantGlobalsBase::QCMaterializeConstantGlobalsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Globals that exist already (from the input) are looked up, not made.
    unsigned before = llvm::range_size(module.getOps<memref::GlobalOp>());
    SymbolTableCollection symbolTables;
    // The walk visits functions, and the constants in each, in IR order.
    WalkResult result = module.walk([&](arith::ConstantOp constant) {
      // Exactly the constants that one-shot-bufferize turns into globals.
      if (!isa<RankedTensorType>(constant.getType()))
        return WalkResult::advance();
      if (failed(bufferization::getGlobalFor(constant, symbolTables,
                                             alignment))) {
        constant.emitOpError("cannot create a memref.global for the constant");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    unsigned made = llvm::range_size(module.getOps<memref::GlobalOp>()) - before;
    mlir::qc::addStatistic(*this, numGlobals, "globals", made);
    // Only new globals change the module (the constants stay as they are).
    if (made == 0)
      markAllAnalysesPreserved();
  }
};
} // namespace
