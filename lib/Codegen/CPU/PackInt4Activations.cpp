//===- PackInt4Activations.cpp - 4-bit activations two codes per byte -----===//
//
// Decides, on the whole function before the kernels are outlined apart,
// which 4-bit activations are stored two codes per byte: those an int8
// kernel produces and only dense 1x1 int8 kernels with constant weights
// read. The packing and unpacking are exact linalg generics, which
// qc-cpu-int8-kernels then fuses into the producer's epilogue and the
// consumer's reduction (Int8PackedActivations.cpp).
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUPACKINT4ACTIVATIONS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

/// The matchers build reshapes of the operands in front of the op for the
/// kernel builder: erased again after a probe.
template <typename Fn> auto probe(Operation *op, Fn fn) {
  Operation *before = op->getPrevNode();
  auto result = fn();
  while (op->getPrevNode() != before)
    op->getPrevNode()->erase();
  return result;
}

bool isConstantInt(Value v, int64_t expected) {
  APInt value;
  return matchPattern(v, m_ConstantInt(&value)) && value.getSExtValue() == expected;
}

/// The stage yields a 4-bit code in an i8 (the widened store of an i4/u4
/// result: `(x << 4) >>s 4`), so the byte is its low nibble sign-extended.
bool yieldsFourBitCode(linalg::GenericOp stage) {
  Value yielded = stage.getBlock()->getTerminator()->getOperand(0);
  auto shr = yielded.getDefiningOp<arith::ShRSIOp>();
  if (!shr || !shr.getType().isInteger(8) || !isConstantInt(shr.getRhs(), 4))
    return false;
  auto shl = shr.getLhs().getDefiningOp<arith::ShLIOp>();
  return shl && isConstantInt(shl.getRhs(), 4);
}

int64_t lastDim(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  return type.getRank() ? type.getShape().back() : ShapedType::kDynamic;
}

/// The consumer a use of the result reaches through single-use reshapes
/// that keep the channels innermost: a dense 1x1 kernel with constant
/// weights reading it as its input; else null.
Operation *packedConsumer(OpOperand &use, int64_t channels) {
  Operation *user = use.getOwner();
  Value value = use.get();
  while (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(user)) {
    value = user->getResult(0);
    if (!value.hasOneUse() || lastDim(value) != channels)
      return nullptr;
    user = *value.getUsers().begin();
  }
  auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
  if (!linalgOp || linalgOp.getNumDpsInputs() != 2 || linalgOp.getDpsInputs()[0] != value ||
      linalgOp.getDpsInputs()[1] == value)
    return nullptr;
  bool ok = probe(user, [&] {
    FailureOr<Int8Contraction> c = matchInt8Contraction(linalgOp);
    return succeeded(c) && !c->depthwise && c->kh == 1 && c->kw == 1 &&
           c->channels == channels && getConstantThroughReshapes(c->filter);
  });
  return ok ? user : nullptr;
}

void pack(OpBuilder &b, Value result) {
  Location loc = result.getLoc();
  auto type = cast<RankedTensorType>(result.getType());
  int64_t rank = type.getRank(), channels = type.getShape().back();
  int64_t rowBytes = packedRowBytes(channels), rows = type.getNumElements() / channels;
  int64_t bytes = rows * rowBytes;
  Type i8 = b.getI8Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  auto attrs = [&](ArrayRef<int64_t> v) {
    return llvm::map_to_vector(v, [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); });
  };
  SmallVector<int64_t> outer(type.getShape().drop_back());
  auto slice = [&](int64_t first, int64_t count) -> Value {
    SmallVector<int64_t> offsets(rank, 0), sizes(outer), strides(rank, 1);
    offsets.back() = first;
    sizes.push_back(count ? count : rowBytes);
    strides.back() = 2;
    auto sliceType = RankedTensorType::get(sizes, i8);
    // One channel: no odd channels, their nibbles are 0.
    Value v = count ? tensor::ExtractSliceOp::create(b, loc, sliceType, result, attrs(offsets),
                                                     attrs(sizes), attrs(strides))
                          .getResult()
                    : arith::ConstantOp::create(b, loc, DenseElementsAttr::get(
                                                            sliceType, b.getI8IntegerAttr(0)))
                          .getResult();
    if (count && count < rowBytes) {
      SmallVector<int64_t> low(rank, 0), high(rank, 0);
      high.back() = rowBytes - count;
      sizes.back() = rowBytes;
      v = tensor::PadOp::create(b, loc, RankedTensorType::get(sizes, i8), v, attrs(low),
                                attrs(high), zero);
    }
    if (rank > 1) {
      ReassociationIndices all;
      for (int64_t d = 0; d < rank; ++d)
        all.push_back(d);
      v = tensor::CollapseShapeOp::create(b, loc, v, ArrayRef<ReassociationIndices>{all});
    }
    return tensor::PadOp::create(b, loc, RankedTensorType::get({bytes + kPackedSlack}, i8), v,
                                 attrs({0}), attrs({kPackedSlack}), zero);
  };
  Value even = slice(0, rowBytes), odd = slice(1, channels / 2);
  auto packedType = RankedTensorType::get({bytes + kPackedSlack}, i8);
  Value empty = tensor::EmptyOp::create(b, loc, packedType.getShape(), i8);
  AffineMap id = b.getMultiDimIdentityMap(1);
  auto packOp = linalg::GenericOp::create(
      b, loc, packedType, ValueRange{even, odd}, ValueRange{empty},
      ArrayRef<AffineMap>{id, id, id},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [](OpBuilder &nb, Location l, ValueRange args) {
        Value fifteen = arith::ConstantOp::create(nb, l, nb.getI8IntegerAttr(15));
        Value four = arith::ConstantOp::create(nb, l, nb.getI8IntegerAttr(4));
        Value low = arith::AndIOp::create(nb, l, args[0], fifteen);
        Value high = arith::ShLIOp::create(nb, l, args[1], four);
        linalg::YieldOp::create(nb, l, ValueRange{arith::OrIOp::create(nb, l, low, high)});
      });
  packOp->setAttr(kPackNibblesAttr, b.getUnitAttr());
  Value packed = packOp->getResult(0);

  // Each consumer reads the codes back through its own unpacking generic:
  // element (r..., c) is the nibble c % 2 of byte (row(r...) * rowBytes +
  // c / 2), sign-extended (the widened byte of the 4-bit code).
  SmallVector<OpOperand *> uses(llvm::make_pointer_range(result.getUses()));
  for (OpOperand *use : uses) {
    if (use->getOwner() == packOp || isa<tensor::ExtractSliceOp>(use->getOwner()))
      continue;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(use->getOwner());
    MLIRContext *context = b.getContext();
    AffineExpr flat = getAffineDimExpr(rank - 1, context).floorDiv(2);
    int64_t stride = rowBytes;
    for (int64_t d = rank - 2; d >= 0; --d) {
      flat = flat + getAffineDimExpr(d, context) * stride;
      stride *= type.getDimSize(d);
    }
    AffineMap in = AffineMap::get(rank, 0, flat, context);
    Value out = tensor::EmptyOp::create(b, loc, type.getShape(), i8);
    auto unpack = linalg::GenericOp::create(
        b, loc, type, ValueRange{packed}, ValueRange{out},
        ArrayRef<AffineMap>{in, b.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [rank](OpBuilder &nb, Location l, ValueRange args) {
          Value c = linalg::IndexOp::create(nb, l, rank - 1);
          Value two = arith::ConstantIndexOp::create(nb, l, 2);
          Value zeroIndex = arith::ConstantIndexOp::create(nb, l, 0);
          Value isHigh = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne,
                                               arith::RemUIOp::create(nb, l, c, two), zeroIndex);
          Value four = arith::ConstantOp::create(nb, l, nb.getI8IntegerAttr(4));
          Value high = arith::ShRSIOp::create(nb, l, args[0], four);
          Value low = arith::ShRSIOp::create(nb, l, arith::ShLIOp::create(nb, l, args[0], four),
                                             four);
          linalg::YieldOp::create(nb, l,
                                  ValueRange{arith::SelectOp::create(nb, l, isHigh, high, low)});
        });
    unpack->setAttr(kUnpackNibblesAttr, b.getUnitAttr());
    use->set(unpack->getResult(0));
  }
}

struct PackInt4ActivationsPass final
    : qc::impl::QCCPUPackInt4ActivationsBase<PackInt4ActivationsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) { candidates.push_back(op); });
    for (linalg::LinalgOp op : candidates) {
      // The producer: a kernel whose fused epilogue ends in a 4-bit code.
      auto producer = probe(op, [&]() -> std::pair<Value, int64_t> {
        FailureOr<Int8Kernel> kernel = matchInt8Kernel(op, /*fuseEpilogue=*/true);
        if (failed(kernel) || kernel->epilogue.stages.empty() || kernel->epilogue.pack ||
            !yieldsFourBitCode(kernel->epilogue.stages.back()))
          return {};
        return {kernel->epilogue.result, kernel->contraction.filters};
      });
      Value result = producer.first;
      if (!result || result.use_empty())
        continue;
      auto type = cast<RankedTensorType>(result.getType());
      if (!type.hasStaticShape() || !type.getElementType().isInteger(8) ||
          lastDim(result) != producer.second)
        continue;
      if (!llvm::all_of(result.getUses(), [&](OpOperand &use) {
            return packedConsumer(use, producer.second) != nullptr;
          }))
        continue;
      OpBuilder b(result.getContext());
      b.setInsertionPointAfterValue(result);
      pack(b, result);
    }
  }
};

} // namespace
