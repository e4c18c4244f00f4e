//===- PaddedReads.cpp - a linalg body reading around padding -------------===//
#include "PaddedReads.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::qc;

PaddingGuard::PaddingGuard(OpBuilder &b, Location loc) : b(b), loc(loc) {
  zero = arith::ConstantIndexOp::create(b, loc, 0);
}

Value PaddingGuard::inBounds(Value index, Value size) {
  // Below the start wraps to a large unsigned value: one compare.
  Value in =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, index, size);
  inside = inside ? arith::AndIOp::create(b, loc, inside, in) : in;
  // Outside the source the read still stays in bounds.
  return arith::SelectOp::create(b, loc, in, index, zero);
}

Value PaddingGuard::selectPadding(Value element, Value padding) {
  if (!inside)
    return element;
  return arith::SelectOp::create(b, loc, inside, element, padding);
}

void mlir::qc::cloneBodyReplacingArgument(OpBuilder &b, Location loc,
                                          Block &body, unsigned replaced,
                                          Value element, ValueRange args) {
  IRMapping mapping;
  unsigned next = 0;
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    if (i == replaced)
      mapping.map(arg, element);
    else
      mapping.map(arg, args[next++]);
  }
  for (Operation &inner : body.without_terminator())
    b.clone(inner, mapping);
  SmallVector<Value> yielded;
  for (Value v : body.getTerminator()->getOperands())
    yielded.push_back(mapping.lookupOrDefault(v));
  linalg::YieldOp::create(b, loc, yielded);
}
