//===- Int8PackedActivations.cpp - 4-bit activations two per byte ---------===//
//
// The int8 kernels' side of qc-cpu-pack-int4-activations: a kernel whose
// epilogue ends in the nibble-packing generic stores two 4-bit codes per
// byte (adjacent channels, low nibble = even channel), and a dense 1x1
// kernel whose input is the unpacking generic reads the nibble pairs and
// unpacks them in registers. One 4-byte broadcast holds 8 codes: its low
// nibbles (channels 8p, 8p+2, 8p+4, 8p+6) are one vpdpbusd operand, its
// high nibbles (8p+1, ...) the other, so the constant weights are stored
// with each group of 8 reduction steps in the order 0 2 4 6 1 3 5 7.
//
//===----------------------------------------------------------------------===//
#include "Int8KernelBuilder.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

bool isReshape(Operation *op) {
  return isa_and_present<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op);
}

int64_t lastDim(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() > 0 ? type.getShape().back() : ShapedType::kDynamic;
}

} // namespace

void qc::cpu::matchPackedNibbles(Int8Contraction &c, Epilogue &e) {
  // Output: every user of the last stage's result is a strided slice whose
  // single-use chain (reshapes, pads) ends in one packing generic.
  if (!e.stages.empty() && !e.result.use_empty()) {
    linalg::GenericOp pack;
    bool ok = true;
    for (Operation *user : e.result.getUsers()) {
      Operation *op = user;
      if (!isa<tensor::ExtractSliceOp>(op)) {
        ok = false;
        break;
      }
      while (op && !isa<linalg::GenericOp>(op)) {
        if (!op->hasOneUse() || op->getNumResults() != 1) {
          op = nullptr;
          break;
        }
        op = *op->getUsers().begin();
        if (!isa<linalg::GenericOp, tensor::CollapseShapeOp, tensor::PadOp>(op))
          op = nullptr;
      }
      auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
      if (!generic || !generic->hasAttr(kPackNibblesAttr) || (pack && pack != generic)) {
        ok = false;
        break;
      }
      pack = generic;
    }
    if (ok && pack) {
      e.pack = pack;
      e.result = pack->getResult(0);
      e.elementType = getElementTypeOrSelf(e.result.getType());
    }
  }
  // Input: a dense 1x1 kernel with constant weights whose input is (a
  // reshape keeping the channels innermost of) the unpacking generic.
  // (Codebook weights are looked up per channel block; not combined with
  // the reordered steps of a packed input: the unpacking generic stays.)
  if (c.depthwise || c.kh != 1 || c.kw != 1 || !c.codebook.empty() || c.weightU8 ||
      !getConstantThroughReshapes(c.filter))
    return;
  Value v = c.op.getDpsInputs()[0];
  while (isReshape(v.getDefiningOp()) && lastDim(v) == c.channels)
    v = v.getDefiningOp()->getOperand(0);
  auto unpack = v.getDefiningOp<linalg::GenericOp>();
  if (!unpack || !unpack->hasAttr(kUnpackNibblesAttr) || lastDim(v) != c.channels)
    return;
  c.unpack = unpack;
  c.packedInput = unpack.getDpsInputs()[0];
}

SmallVector<Operation *> qc::cpu::packingOps(const Epilogue &e) {
  SmallVector<Operation *> ops;
  if (!e.pack)
    return ops;
  Value last = e.stages.back()->getResult(0);
  linalg::GenericOp pack = e.pack;
  SmallVector<Value> work(pack.getDpsInputs());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || v == last || llvm::is_contained(ops, def))
      continue;
    ops.push_back(def);
    if (isa<tensor::PadOp, tensor::CollapseShapeOp, tensor::ExtractSliceOp>(def))
      work.push_back(def->getOperand(0));
  }
  // Users before their producers.
  llvm::sort(ops, [](Operation *a, Operation *b) { return b->isBeforeInBlock(a); });
  return ops;
}

SmallVector<Operation *> Int8Kernel::extraOps() const {
  SmallVector<Operation *> ops;
  linalg::GenericOp unpack = contraction.unpack, pack = epilogue.pack;
  if (unpack)
    ops.push_back(unpack);
  if (pack)
    ops.push_back(pack);
  return ops;
}

/// The weights of a 1x1 kernel reading packed input: [1, C8, F] with C8 =
/// C rounded up to 8, each group of 8 reduction steps in the order of the
/// activation's nibbles (0 2 4 6 1 3 5 7), zero past C.
void KernelBuilder::preparePackedInput() {
  int64_t channels = c.channels, filters = c.filters;
  int64_t depth = llvm::alignTo(channels, 2 * kQuad);
  segments = 1;
  quads = depth / kQuad;
  nibbles = c.weightBits == 4;
  SmallVector<int8_t> codes;
  for (const APInt &v : getConstantThroughReshapes(c.filter).getValues<APInt>())
    codes.push_back(int8_t(v.getSExtValue()));
  SmallVector<int8_t> permuted(depth * filters, 0);
  for (int64_t r = 0; r < depth; ++r) {
    int64_t i = r % (2 * kQuad);
    int64_t source = r - i + (i < kQuad ? 2 * i : 2 * (i - kQuad) + 1);
    if (source < channels)
      for (int64_t f = 0; f < filters; ++f)
        permuted[r * filters + f] = codes[source * filters + f];
  }
  auto type = RankedTensorType::get({1, depth, filters}, b.getI8Type());
  Value filter3D = arith::ConstantOp::create(
      b, loc, DenseIntElementsAttr::get(type, ArrayRef<int8_t>(permuted)));
  filter = nibbles ? packFilterNibbles(b, loc, filter3D, c.weightUnsigned)
                   : packFilter(b, loc, filter3D);
  // The packed input carries kPackedSlack zero bytes past its rows: the
  // last step of the last row reads at most 3 bytes past the row.
  input = c.packedInput;
}

/// Packed input: per step, one 4-byte broadcast per row holds 8 codes; its
/// low nibbles and its high nibbles are the two vpdpbusd operands (i4
/// nibbles flipped by 8 first, code + 8 as an unsigned byte; the columns'
/// start took 8 * sum(w) off). Weights: one 64-byte load of nibble pairs,
/// or two of bytes.
SmallVector<Value> KernelBuilder::packedInputReduction(ArrayRef<Value> bases, Value f0,
                                                       int64_t vectors,
                                                       SmallVector<Value> accs) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  int64_t rows = bases.size(), steps = quads / 2;
  Value zeroByte = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  Value firstBlock = arith::DivUIOp::create(b, loc, f0, index(kLanes));
  auto bytes = VectorType::get({kLanes * kQuad}, i8);
  auto splat = [&](int8_t v) -> Value {
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(bytes, b.getI8IntegerAttr(v)));
  };
  Value mask = splat(15), four = splat(4), flip = splat(int8_t(0x88));
  int64_t panelBytes = (nibbles ? quads / 2 : quads) * kLanes * kQuad;
  SmallVector<Value> panels;
  for (int64_t j = 0; j < vectors; ++j)
    panels.push_back(mul(add(firstBlock, index(j)), panelBytes));
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(steps), index(1), accs,
      [&](OpBuilder &, Location, Value q, ValueRange iter) {
        SmallVector<Value> low, high;
        for (int64_t j = 0; j < vectors; ++j) {
          auto load = [&](int64_t k) -> Value {
            Value offset = add(panels[j], mul(q, (nibbles ? 1 : 2) * kLanes * kQuad));
            return vector::TransferReadOp::create(b, loc, bytes, filter,
                                                  ValueRange{add(offset, index(k * kLanes * kQuad))},
                                                  zeroByte, ArrayRef<bool>{true});
          };
          if (nibbles) {
            auto [l, h] = unpackNibbles(load(0), add(firstBlock, index(j)));
            low.push_back(l);
            high.push_back(h);
          } else {
            low.push_back(load(0));
            high.push_back(load(1));
          }
        }
        SmallVector<Value> next(iter);
        for (int64_t i = 0; i < rows; ++i) {
          Value quad = vector::TransferReadOp::create(
              b, loc, VectorType::get({kQuad}, i8), input,
              ValueRange{add(bases[i], mul(q, kQuad))}, zeroByte, ArrayRef<bool>{true});
          Value word = vector::ExtractOp::create(
              b, loc, vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), quad), 0);
          Value a = vector::BitCastOp::create(b, loc, bytes,
                                              vector::BroadcastOp::create(b, loc, lanes(i32), word));
          if (c.inputSigned)
            a = arith::XOrIOp::create(b, loc, a, flip);
          Value aLow = arith::AndIOp::create(b, loc, a, mask);
          Value aHigh = arith::ShRUIOp::create(b, loc, a, four);
          for (int64_t j = 0; j < vectors; ++j) {
            Value &acc = next[i * vectors + j];
            acc = dot(acc, aLow, low[j]);
            acc = dot(acc, aHigh, high[j]);
          }
        }
        scf::YieldOp::create(b, loc, next);
      });
  return loop.getResults();
}

/// One accumulator vector's 16 codes as 8 bytes, channel 2k in the low
/// nibble and 2k + 1 in the high one; `valid` lanes are results (a high
/// nibble past them is 0).
Value KernelBuilder::packNibblePairs(Value codes, int64_t valid) {
  SmallVector<int64_t> even, odd;
  for (int64_t k = 0; k < kLanes / 2; ++k) {
    even.push_back(2 * k);
    odd.push_back(2 * k + 1);
  }
  auto half = VectorType::get({kLanes / 2}, b.getI8Type());
  auto splat = [&](int8_t v) -> Value {
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(half, b.getI8IntegerAttr(v)));
  };
  Value low = vector::ShuffleOp::create(b, loc, codes, codes, even);
  Value high = vector::ShuffleOp::create(b, loc, codes, codes, odd);
  if (valid < kLanes) {
    SmallVector<int8_t> keep;
    for (int64_t k = 0; k < kLanes / 2; ++k)
      keep.push_back(2 * k + 1 < valid ? -1 : 0);
    high = arith::AndIOp::create(
        b, loc, high,
        arith::ConstantOp::create(b, loc, DenseElementsAttr::get(half, ArrayRef<int8_t>(keep))));
  }
  low = arith::AndIOp::create(b, loc, low, splat(15));
  high = arith::ShLIOp::create(b, loc, high, splat(4));
  return arith::OrIOp::create(b, loc, low, high);
}

/// The packed result: [rows, ceil(F/2)] bytes written by the tiles inside
/// a 1-D tensor with kPackedSlack zero bytes after them (the type of the
/// packing generic's result).
Value KernelBuilder::packedOutputView(Value &full) {
  int64_t rows = c.rows(), rowBytes = packedRowBytes(c.filters);
  int64_t size = rows * rowBytes;
  full = tensor::EmptyOp::create(b, loc, {size + kPackedSlack}, b.getI8Type());
  Value zeros = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({kPackedSlack}, b.getI8Type()),
                             b.getI8IntegerAttr(0)));
  full = tensor::InsertSliceOp::create(b, loc, zeros, full, ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
                                       ArrayRef<OpFoldResult>{b.getIndexAttr(kPackedSlack)},
                                       ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  Value body = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({size}, b.getI8Type()), full,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0)}, ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return tensor::ExpandShapeOp::create(b, loc,
                                       RankedTensorType::get({rows, rowBytes}, b.getI8Type()),
                                       body, ArrayRef<ReassociationIndices>{{0, 1}});
}

Value KernelBuilder::finishPackedOutput(Value full, Value out) {
  int64_t size = c.rows() * packedRowBytes(c.filters);
  Value flat = tensor::CollapseShapeOp::create(b, loc, out, ArrayRef<ReassociationIndices>{{0, 1}});
  return tensor::InsertSliceOp::create(b, loc, flat, full, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
                                       ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
                                       ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}
