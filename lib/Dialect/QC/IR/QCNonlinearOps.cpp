//===- QCNonlinearOps.cpp - verifiers of table, softmax, layer norm, batch matmul ===//
#include "Verifiers.h"
#include "qc/Dialect/QC/IR/QCOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::detail;
using quant::QuantizedType;

/// The rules of every unary qc op: quantized per-tensor input and result of
/// one shape and expressed type. Storage of at most 16 bits, which bounds
/// the table of qc.table and qc.softmax (2^16 entries) and the integers of
/// qc.layer_norm, is the rule of every quantized tensor of qc
/// (verifyAllQuantizedTensors).
static LogicalResult verifyUnary(Operation *op, RankedTensorType input,
                                 RankedTensorType result) {
  if (failed(verifyAllQuantizedTensors(op)) || failed(verifyExpressedTypes(op)) ||
      failed(verifyPerTensor(op, input, "operand")) ||
      failed(verifyPerTensor(op, result, "result")))
    return failure();
  if (input.getShape() != result.getShape())
    return op->emitOpError("operand and result must have the same shape");
  return success();
}

LogicalResult TableOp::verify() {
  RankedTensorType input = getInput().getType(), result = getResult().getType();
  if (failed(verifyUnary(*this, input, result)))
    return failure();
  unsigned bits = getQuantizedElementType(input).getStorageTypeIntegralWidth();
  auto tableType = cast<ShapedType>(getTable().getType());
  int64_t entries = int64_t{1} << bits;
  if (tableType.getRank() != 1 || tableType.getDimSize(0) != entries)
    return emitOpError() << "table must have " << entries << " entries (2^" << bits
                         << " for the operand's storage), got " << tableType;
  auto [qmin, qmax] = getStorageRange(getQuantizedElementType(result));
  int64_t index = 0;
  for (const APInt &value : getTable().getValues<APInt>()) {
    int64_t code = value.getSExtValue();
    if (code < qmin || code > qmax)
      return emitOpError() << "table entry " << index << " = " << code
                           << " is outside the result storage range [" << qmin
                           << ", " << qmax << "]";
    ++index;
  }
  return success();
}

LogicalResult SoftmaxOp::verify() {
  RankedTensorType input = getInput().getType(), result = getResult().getType();
  // Up to 16-bit codes: a table of up to 65536 i32 exponentials; the i64 sum
  // (at most 2^30 N) needs no bound below 2^32 elements.
  if (failed(verifyUnary(*this, input, result)))
    return failure();
  int64_t axis = getAxis(), rank = input.getRank();
  if (axis < 0 || axis >= rank)
    return emitOpError() << "axis " << axis << " is outside the rank " << rank;
  if (input.isDynamicDim(axis))
    return emitOpError("the softmax axis must be static");
  return success();
}

LogicalResult LayerNormOp::verify() {
  RankedTensorType input = getInput().getType(), result = getResult().getType();
  // At most 16-bit codes (the rule of every qc tensor) and 16384 per row
  // keep every integer of the op in its type (QCNonlinearOps.td): |x| <=
  // 2^16 - 1, so S and c_i = D x_i - S fit in i32 (D (2^16 - 1) < 2^30),
  // D sum x^2 and S^2 in i64 (< 2^60), the statistic below 2^61.
  if (failed(verifyUnary(*this, input, result)))
    return failure();
  if (input.getRank() < 1)
    return emitOpError("operand must have rank >= 1");
  int64_t size = input.getDimSize(input.getRank() - 1);
  if (ShapedType::isDynamic(size) || size > 16384)
    return emitOpError("the last axis must be static and at most 16384 long (so "
                       "that D * (q - z) - sum fits in i32 and D * sum (q - z)^2 "
                       "in i64)");
  if (static_cast<int64_t>(getGamma().size()) != size ||
      static_cast<int64_t>(getBeta().size()) != size)
    return emitOpError() << "gamma and beta must have " << size
                         << " entries (the last axis), got " << getGamma().size()
                         << " and " << getBeta().size();
  auto finite = [](double v) { return std::isfinite(v); };
  if (!llvm::all_of(getGamma(), finite) || !llvm::all_of(getBeta(), finite))
    return emitOpError("gamma and beta must be finite");
  double eps = getEpsilon().convertToDouble();
  if (!std::isfinite(eps) || eps < 0.0)
    return emitOpError() << "epsilon must be finite and >= 0, got " << eps;
  return success();
}

LogicalResult BatchMatmulOp::verify() {
  if (failed(verifyAllQuantizedTensors(*this)) || failed(verifyExpressedTypes(*this)))
    return failure();
  RankedTensorType lhs = getLhs().getType(), rhs = getRhs().getType(),
                   result = getResult().getType();
  if (lhs.getRank() != 3 || rhs.getRank() != 3 || result.getRank() != 3)
    return emitOpError("operands and result must have rank 3 ([B, M, K] x [B, K, N])");
  for (auto [type, what] : {std::pair{lhs, "lhs"}, {rhs, "rhs"}, {result, "result"}})
    if (failed(verifyPerTensor(*this, type, what)))
      return failure();
  if (!rhs.hasStaticShape() || lhs.isDynamicDim(2))
    return emitOpError("K, N and the batch of rhs must be static");
  if (lhs.getDimSize(2) != rhs.getDimSize(1))
    return emitOpError() << "K differs: " << lhs.getDimSize(2) << " vs "
                         << rhs.getDimSize(1);
  auto agree = [](int64_t a, int64_t b) {
    return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
  };
  if (!agree(lhs.getDimSize(0), rhs.getDimSize(0)) ||
      !agree(result.getDimSize(0), lhs.getDimSize(0)) ||
      !agree(result.getDimSize(1), lhs.getDimSize(1)) ||
      result.getDimSize(2) != rhs.getDimSize(2))
    return emitOpError("result must be [B, M, N]");
  if (failed(verifyNoAccumulatorOverflow(*this, lhs.getDimSize(2), lhs, rhs)))
    return failure();
  return verifyClamp(*this, getClamp(), result);
}

LogicalResult FloatIslandOp::verify() {
  if (getName().empty())
    return emitOpError("needs a name");
  auto yield = dyn_cast<YieldOp>(getBody().front().getTerminator());
  if (!yield)
    return emitOpError("body must end in qc.yield");
  if (yield.getResults().getTypes() != getResultTypes())
    return emitOpError("qc.yield operand types must be the result types");
  return success();
}
