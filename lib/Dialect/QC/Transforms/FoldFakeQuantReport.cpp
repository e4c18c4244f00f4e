//===- FoldFakeQuantReport.cpp - what stayed float after the fold, and why ---===//
//
// After the patterns ran, the float ops left in quantized regions are what
// the fold could not make integer. Each gets a reason: the one a pattern
// recorded when it matched the op but found its parameters unsupported, or
// one derived here from the op's place in the graph.
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;

/// Ops that carry float values through a quantized region: anything but qc
/// and quant ops, constants and terminators. Unregistered ops have no
/// dialect; they count like any float op.
static bool isFloatCandidate(Operation *op) {
  return !isa_and_nonnull<QCDialect, quant::QuantDialect>(op->getDialect()) &&
         !op->hasTrait<OpTrait::IsTerminator>() && !op->hasTrait<OpTrait::ConstantLike>();
}

/// A contraction the fold has patterns for in some form: when it stays
/// float without a recorded reason, its surroundings are to blame.
static bool isContraction(Operation *op) {
  if (isa<tosa::MatMulOp, tosa::Conv2DOp, tosa::DepthwiseConv2DOp>(op))
    return true;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() > 0;
}

SmallVector<FloatOp> fold::findFloatOps(func::FuncOp func, const FloatReasons &reasons) {
  // Between a dequantize and a quantize: forward from every dequantize and
  // backward from every quantize through float candidates, intersected; plus
  // the ops that read a dequantize or feed a quantize directly.
  llvm::SetVector<Operation *> fromDequantize, toQuantize;
  func.walk([&](Operation *op) {
    if (isa<DequantizeOp>(op))
      for (Operation *user : op->getUsers())
        if (isFloatCandidate(user))
          fromDequantize.insert(user);
    if (isa<QuantizeOp>(op))
      if (Operation *def = op->getOperand(0).getDefiningOp(); def && isFloatCandidate(def))
        toQuantize.insert(def);
  });
  for (size_t i = 0; i < fromDequantize.size(); ++i)
    for (Operation *user : fromDequantize[i]->getUsers())
      if (isFloatCandidate(user))
        fromDequantize.insert(user);
  for (size_t i = 0; i < toQuantize.size(); ++i)
    for (Value operand : toQuantize[i]->getOperands())
      if (Operation *def = operand.getDefiningOp(); def && isFloatCandidate(def))
        toQuantize.insert(def);

  auto readsDequantize = [](Operation *op) {
    return llvm::any_of(op->getOperands(),
                        [](Value v) { return v.getDefiningOp<DequantizeOp>(); });
  };
  auto feedsQuantize = [](Operation *op) {
    return llvm::any_of(op->getUsers(), [](Operation *u) { return isa<QuantizeOp>(u); });
  };
  SmallVector<FloatOp> result;
  llvm::SmallPtrSet<Operation *, 16> floatOps;
  func.walk([&](Operation *op) {
    if (!isFloatCandidate(op) || isa<func::FuncOp>(op))
      return;
    bool between = fromDequantize.contains(op) && toQuantize.contains(op);
    if (!between && !readsDequantize(op) && !feedsQuantize(op))
      return;
    FloatOp entry{op, "", between};
    if (auto it = reasons.reasons.find(op); it != reasons.reasons.end()) {
      entry.reason = it->second;
    } else if (isContraction(op)) {
      Operation *user = op->hasOneUse() ? *op->getUsers().begin() : nullptr;
      entry.reason = "its result reaches no qc.quantize through ops the fold knows";
      if (user)
        entry.reason += ": it feeds '" + user->getName().getStringRef().str() + "'";
    } else if (Operation *producer = [&]() -> Operation * {
                 for (Value v : op->getOperands())
                   if (Operation *def = v.getDefiningOp(); def && floatOps.contains(def))
                     return def;
                 return nullptr;
               }()) {
      entry.reason = "it follows '" + producer->getName().getStringRef().str() +
                     "', which stays in float";
    } else {
      entry.reason = "no integer form for this op";
    }
    floatOps.insert(op);
    result.push_back(std::move(entry));
  });
  return result;
}
