//===- Int8Epilogue.cpp - elementwise consumers on the accumulator tile ---===//
//
// The requantization after a contraction (and what follows it elementwise)
// is computed on each accumulator vector right after its reduction loop,
// so the i32 sums never go through memory. The consumers' scalar bodies are
// rewritten op by op on vectors of kLanes columns; their other inputs are
// read at the vector's row and columns.
//
// The requantization's fixed-point multiplies are built on 32-bit lanes
// (FixedPointLanes.cpp).
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

bool isScalar(Type type) { return isa<IntegerType, FloatType>(type); }

/// Ops the vector form keeps exact: elementwise arith and math on scalars.
/// Divisions and remainders are refused where padding lanes of a partial
/// vector could hold a zero divisor.
bool isVectorizable(Operation &op, bool partialLanes) {
  if (!isa<arith::ArithDialect, math::MathDialect>(op.getDialect()) ||
      op.getNumRegions() != 0 || op.getNumResults() != 1)
    return false;
  if (!llvm::all_of(op.getOperandTypes(), isScalar) ||
      !isScalar(op.getResult(0).getType()))
    return false;
  if (partialLanes &&
      isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
          arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(op))
    return false;
  return true;
}

/// A consumer the kernel can compute on its accumulator vectors; the index
/// of the input that reads `value`, or nothing.
std::optional<unsigned> matchStage(linalg::GenericOp op, Value value, int64_t rows,
                                   int64_t cols, bool partialLanes) {
  if (op.getNumDpsInits() != 1 || op->getNumResults() != 1 ||
      !op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op.getNumParallelLoops() != op.getNumLoops() || op.getNumLoops() < 1)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t rowCount = 1;
  for (int64_t r : ArrayRef(ranges).drop_back())
    rowCount *= r;
  if (ranges.back() != cols || rowCount != rows)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  if (!op.getMatchingIndexingMap(init).isIdentity() ||
      !op.getMatchingBlockArgument(init).use_empty())
    return std::nullopt;
  unsigned last = op.getNumLoops() - 1;
  std::optional<unsigned> chain;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (input->get() == value) {
      if (chain || !map.isIdentity())
        return std::nullopt;
      chain = input->getOperandNumber();
      continue;
    }
    if (!isa<RankedTensorType>(input->get().getType()))
      return std::nullopt;
    // Row dimensions anywhere; the column dimension only last, where a
    // vector of columns is one contiguous read.
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      if (isa<AffineConstantExpr>(e))
        continue;
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim || (dim.getPosition() == last && i + 1 != map.getNumResults()))
        return std::nullopt;
    }
  }
  if (!chain)
    return std::nullopt;
  for (Operation &inner : op.getBlock()->without_terminator())
    if (!isVectorizable(inner, partialLanes))
      return std::nullopt;
  return chain;
}

} // namespace

Epilogue qc::cpu::matchEpilogue(const Int8Contraction &contraction,
                                bool partialLanes) {
  Epilogue epilogue;
  Value current = contraction.op->getResult(0);
  epilogue.result = current;
  epilogue.elementType = getElementTypeOrSelf(current.getType());
  int64_t rows = contraction.rows(), cols = contraction.filters;
  while (current.hasOneUse()) {
    Operation *user = *current.getUsers().begin();
    Value read = current;
    // The grouped forms reach the consumer through a collapse_shape of
    // their unit group dimension.
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(user)) {
      if (!epilogue.stages.empty() || !collapse->hasOneUse())
        break;
      read = collapse.getResult();
      user = *read.getUsers().begin();
    }
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic)
      break;
    std::optional<unsigned> chain = matchStage(generic, read, rows, cols, partialLanes);
    if (!chain)
      break;
    epilogue.stages.push_back(generic);
    epilogue.chainOperands.push_back(*chain);
    current = generic->getResult(0);
    epilogue.result = current;
    epilogue.elementType = getElementTypeOrSelf(current.getType());
  }
  return epilogue;
}

Value EpilogueEmitter::readOperand(OpBuilder &b, Location loc, linalg::GenericOp op,
                                   OpOperand &operand, ArrayRef<Value> rowIndices,
                                   Value col, bool inBounds) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  unsigned last = op.getNumLoops() - 1;
  bool alongColumns = false, alongRows = false;
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    if (auto constant = dyn_cast<AffineConstantExpr>(e)) {
      indices.push_back(arith::ConstantIndexOp::create(b, loc, constant.getValue()));
      continue;
    }
    unsigned dim = cast<AffineDimExpr>(e).getPosition();
    alongColumns |= dim == last;
    alongRows |= dim != last;
    indices.push_back(dim == last ? col : rowIndices[dim]);
  }
  std::pair<Operation *, unsigned> key{op, operand.getOperandNumber()};
  if (!alongRows)
    if (Value cached = columnCache.lookup(key))
      return cached;
  Type element = getElementTypeOrSelf(operand.get().getType());
  auto vectorType = VectorType::get({kLanes}, element);
  Value result;
  if (alongColumns) {
    Value pad = arith::ConstantOp::create(b, loc, cast<TypedAttr>(b.getZeroAttr(element)));
    result = vector::TransferReadOp::create(b, loc, vectorType, operand.get(), indices,
                                            pad, ArrayRef<bool>{inBounds});
  } else {
    Value scalar = tensor::ExtractOp::create(b, loc, operand.get(), indices);
    result = vector::BroadcastOp::create(b, loc, vectorType, scalar);
  }
  if (!alongRows)
    columnCache[key] = result;
  return result;
}

Value EpilogueEmitter::emit(OpBuilder &b, Location loc, Value acc,
                            ArrayRef<Value> rowIndices, Value col, bool inBounds) {
  Value value = acc;
  auto vectorOf = [](Type t) { return VectorType::get({kLanes}, t); };
  for (auto [stage, chain] : llvm::zip_equal(epilogue.stages, epilogue.chainOperands)) {
    linalg::GenericOp op = stage;
    Block *body = op.getBlock();
    IRMapping mapping;
    for (OpOperand *input : op.getDpsInputOperands()) {
      BlockArgument arg = op.getMatchingBlockArgument(input);
      if (arg.use_empty())
        continue;
      if (input->getOperandNumber() == chain)
        mapping.map(arg, value);
      else
        mapping.map(arg, readOperand(b, loc, op, *input, rowIndices, col, inBounds));
    }
    auto lookup = [&](Value v) {
      Value mapped = mapping.lookupOrDefault(v);
      if (!isa<VectorType>(mapped.getType()))
        mapped = vector::BroadcastOp::create(b, loc, vectorOf(mapped.getType()), mapped);
      return mapped;
    };
    DenseMap<Operation *, FixedPointMul> fixedPointMuls = matchFixedPointMuls(body);
    // Inputs that are constants without INT32_MIN (the multipliers of a
    // requantization): their comparison with INT32_MIN, the overflow test
    // of SaturatingRoundingDoublingHighMul, is false in every lane.
    DenseSet<Value> neverMin;
    for (OpOperand *input : op.getDpsInputOperands()) {
      BlockArgument arg = op.getMatchingBlockArgument(input);
      if (input->getOperandNumber() == chain || !arg.getType().isInteger(32))
        continue;
      DenseIntElementsAttr values = getConstantThroughReshapes(input->get());
      if (values && llvm::none_of(values.getValues<APInt>(),
                                  [](const APInt &v) { return v.isMinSignedValue(); }))
        neverMin.insert(arg);
    }
    auto isNeverMin = [&](Value v) {
      APInt value;
      return neverMin.contains(v) ||
             (matchPattern(v, m_ConstantInt(&value)) && !value.isMinSignedValue());
    };
    auto isMinTest = [&](Operation &inner) {
      auto cmp = dyn_cast<arith::CmpIOp>(inner);
      int64_t min = std::numeric_limits<int32_t>::min();
      return cmp && cmp.getPredicate() == arith::CmpIPredicate::eq &&
             ((isNeverMin(cmp.getLhs()) && isConstantInt(cmp.getRhs(), min)) ||
              (isNeverMin(cmp.getRhs()) && isConstantInt(cmp.getLhs(), min)));
    };
    for (Operation &inner : body->without_terminator()) {
      Type resultType = vectorOf(inner.getResult(0).getType());
      // The ops only the fixed-point multiply used are left dead for the
      // canonicalizer to erase.
      if (auto it = fixedPointMuls.find(&inner); it != fixedPointMuls.end()) {
        FixedPointMul mul = it->second;
        // An overflow test one of whose comparisons is false needs no fix
        // (a single comparison: the other factor is the constant INT32_MIN).
        if (mul.overflow) {
          Operation *test = mul.overflow.getDefiningOp();
          auto both = dyn_cast<arith::AndIOp>(test);
          if (both ? isMinTest(*both.getLhs().getDefiningOp()) ||
                         isMinTest(*both.getRhs().getDefiningOp())
                   : isMinTest(*test))
            mul.overflow = Value();
        }
        mapping.map(inner.getResult(0), buildFixedPointMul(b, loc, mul, kLanes, lookup));
        continue;
      }
      if (isMinTest(inner)) {
        mapping.map(inner.getResult(0),
                    arith::ConstantOp::create(
                        b, loc, DenseElementsAttr::get(cast<ShapedType>(resultType), false)));
        continue;
      }
      if (auto constant = dyn_cast<arith::ConstantOp>(inner)) {
        mapping.map(constant.getResult(),
                    arith::ConstantOp::create(
                        b, loc, resultType,
                        DenseElementsAttr::get(cast<ShapedType>(resultType),
                                               constant.getValue())));
        continue;
      }
      SmallVector<Value> operands = llvm::map_to_vector(inner.getOperands(), lookup);
      OperationState state(loc, inner.getName(), operands, TypeRange{resultType},
                           inner.getAttrs());
      mapping.map(inner.getResult(0), b.create(state)->getResult(0));
    }
    value = lookup(body->getTerminator()->getOperand(0));
  }
  return value;
}
