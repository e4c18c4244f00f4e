//===- Int16Kernels.cpp - contractions with a 16-bit side as VNNI tiles ----===//
//
// Mixed-precision models give sensitive layers 16-bit weights while their
// activations stay 8-bit (docs/MixedPrecision.md), and a 16-bit activation
// may meet 8-bit weights. AVX512-VNNI's vpdpwssd adds, per i32 lane, the
// two products of a pair of signed 16-bit elements of each operand:
//
//   acc[n] += a[2n] * w[2n] + a[2n+1] * w[2n+1]      (i32, wrapping)
//
// so such a contraction runs on the int8 kernels' register tiles
// (Int8Kernels.cpp: the forall over tiles, the accumulators in registers,
// the fused epilogue) with a reduction of pairs instead of quads:
//
//   for segment s:
//     for pair q:                        (2 reduction steps)
//       w[j] = packed[f0/16 + j][s][q]   one 64-byte load: 16 channels x 2 i16
//       a[i] = broadcast of x16[base(p0+i) + off(s) + 2q] (two i16, 4 bytes)
//       acc[i][j] = vpdpwssd(acc[i][j], a[i], w[j])
//
// Every code is a signed 16-bit value as it is (i8 and u8 activations
// widened, i16 ones read as they are; i16 weights, and 8- or 4-bit weights of
// a 16-bit activation, widened at compile time: i4 / u4 codes one per byte,
// u4 masked to w & 15, or --qc-pack-weights' nibbles and codebooks decoded by
// matchPackedWeightContraction), so there is no offset and no
// correction term, unlike vpdpbusd's u8 x s8 — except u16 activations,
// read as x ^ 0x8000 = x - 32768 with 32768 * sum_k w[k, n] in the start
// values (buildWideColumnInit), the u8 trick the other way round. 16-bit
// depthwise convolutions run the depthwise kernel (Int8Reduction.cpp) on
// 16-bit lanes; they form no pairs. Zero points stay where the
// lowering put them (the row and column sums in the requantizing consumer),
// as for the int8 kernels. The 8-bit input is widened once per call into a
// 1-D i16 buffer (the padded image where the int8 path would write bytes),
// so that each step's activation pair is one 4-byte broadcast from memory,
// which vpdpwssd takes as its embedded-broadcast operand.
//
//===----------------------------------------------------------------------===//
#include "Int8KernelBuilder.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qc::cpu;

void KernelBuilder::prepareWide() {
  // As prepareDense: a filter row [KW, C] is one run of the input when the
  // width is not dilated, else each tap is a run of C elements.
  runLength = c.dilationW == 1 ? c.kw * c.channels : c.channels;
  segments = c.kh * c.kw * c.channels / runLength;
  quads = llvm::divideCeil(runLength, kPair);
  Value filter3D = tensor::CollapseShapeOp::create(
      b, loc, c.filter,
      c.dilationW == 1 ? SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}}
                       : SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  if (c.weightBits == 4 && c.weightUnsigned) {
    // u4 codes one per byte, which the body reads as `w & 15`: masked here,
    // then widened as they are (0..15).
    auto type = cast<RankedTensorType>(filter3D.getType());
    SmallVector<APInt> codes;
    codes.reserve(type.getNumElements());
    for (const APInt &v : getConstantThroughReshapes(filter3D).getValues<APInt>())
      codes.push_back(v & APInt(v.getBitWidth(), 15));
    filter3D = arith::ConstantOp::create(b, loc, DenseIntElementsAttr::get(type, codes));
  }
  filter = packFilterPairs(b, loc, filter3D, c.weightUnsigned && c.weightBits != 4);

  // The last pair of a run may read one element past it (its weight is
  // zero); past the end of the tensor it needs padding.
  int64_t lastRead = (((c.batch - 1) * c.hp + (c.oh - 1) * c.strideH) * c.wp +
                      (c.ow - 1) * c.strideW) * c.channels;
  int64_t lastSegment = segments - 1;
  lastRead += c.dilationW == 1
                  ? lastSegment * c.dilationH * c.wp * c.channels
                  : ((lastSegment / c.kw) * c.dilationH * c.wp +
                     (lastSegment % c.kw) * c.dilationW) * c.channels;
  lastRead += quads * kPair;
  // The padded input in one parallel pass where the int8 kernels would
  // write it too (bytes, or 16-bit elements); u16 activations offset by
  // 32768 in the same pass (`x ^ 0x8000`, the s16 value x - 32768), which
  // is always written.
  if (Value elements = buildInputBytes(b, loc, c.input,
                                       /*flip=*/c.inputBits == 16 && !c.inputSigned, lastRead))
    input = elements;
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  int64_t size = type.getDimSize(0);
  if (lastRead > size) {
    Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(element, 0));
    input = tensor::PadOp::create(b, loc, RankedTensorType::get({lastRead}, element), input,
                                  ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
                                  ArrayRef<OpFoldResult>{b.getIndexAttr(lastRead - size)},
                                  zero);
    size = lastRead;
  }
  if (c.inputBits == 16)
    return;
  // i8 / u8 codes as i16, once per call.
  Type i16 = b.getIntegerType(16);
  Value empty = tensor::EmptyOp::create(b, loc, {size}, i16);
  AffineMap id = b.getMultiDimIdentityMap(1);
  bool isSigned = c.inputSigned;
  input = linalg::GenericOp::create(
              b, loc, empty.getType(), ValueRange{input}, ValueRange{empty},
              ArrayRef<AffineMap>{id, id},
              ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
              [&](OpBuilder &nb, Location l, ValueRange args) {
                Value wide = isSigned ? arith::ExtSIOp::create(nb, l, i16, args[0]).getResult()
                                      : arith::ExtUIOp::create(nb, l, i16, args[0]).getResult();
                linalg::YieldOp::create(nb, l, ValueRange{wide});
              })
              .getResult(0);
}

/// acc + the sums of two s16 x s16 products per lane, in the portable form
/// that qc-cpu-contract-to-x86-vnni turns into one vpdpwssd.
Value KernelBuilder::wideDot(Value acc, Value a, Value w) {
  return groupedDot(acc, a, /*unsignedA=*/false, w, kPair);
}

SmallVector<Value> KernelBuilder::wideReduction(ArrayRef<Value> bases, Value f0,
                                                int64_t vectors, SmallVector<Value> accs) {
  Type i16 = b.getIntegerType(16), i32 = b.getI32Type();
  int64_t rows = bases.size(), steps = quads;
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(i16, 0));
  Value firstBlock = arith::DivUIOp::create(b, loc, f0, index(kLanes));
  auto pairs = VectorType::get({kLanes * kPair}, i16);
  auto segmentLoop = scf::ForOp::create(
      b, loc, index(0), index(segments), index(1), accs,
      [&](OpBuilder &, Location, Value s, ValueRange iter) {
        Value offset = segmentOffset(s);
        SmallVector<Value> runs, panels;
        for (Value base : bases)
          runs.push_back(add(base, offset));
        for (int64_t j = 0; j < vectors; ++j)
          panels.push_back(
              mul(add(mul(add(firstBlock, index(j)), segments), s), steps * kLanes * kPair));
        auto pairLoop = scf::ForOp::create(
            b, loc, index(0), index(steps), index(1), iter,
            [&](OpBuilder &, Location, Value q, ValueRange iter) {
              SmallVector<Value> w;
              Value wStep = mul(q, kLanes * kPair);
              for (int64_t j = 0; j < vectors; ++j)
                w.push_back(vector::TransferReadOp::create(b, loc, pairs, filter,
                                                           ValueRange{add(panels[j], wStep)},
                                                           zero, ArrayRef<bool>{true}));
              SmallVector<Value> next(iter);
              for (int64_t i = 0; i < rows; ++i) {
                Value pair = vector::TransferReadOp::create(
                    b, loc, VectorType::get({kPair}, i16), input,
                    ValueRange{add(runs[i], mul(q, kPair))}, zero, ArrayRef<bool>{true});
                Value word = vector::ExtractOp::create(
                    b, loc, vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), pair),
                    0);
                Value a = vector::BitCastOp::create(
                    b, loc, pairs, vector::BroadcastOp::create(b, loc, lanes(i32), word));
                for (int64_t j = 0; j < vectors; ++j)
                  next[i * vectors + j] = wideDot(next[i * vectors + j], a, w[j]);
              }
              scf::YieldOp::create(b, loc, next);
            });
        scf::YieldOp::create(b, loc, pairLoop.getResults());
      });
  return segmentLoop.getResults();
}

Value qc::cpu::buildWideColumnInit(OpBuilder &b, Location loc, const Int8Contraction &c,
                                   int64_t init) {
  if (!c.wide || c.depthwise || c.inputBits != 16 || c.inputSigned)
    return {};
  // sum_k x[k] w[k] = sum_k (x[k] - 32768) w[k] + 32768 sum_k w[k]: the
  // kernel multiplies x ^ 0x8000, the second sum starts the accumulator.
  // i32 wrapping, like the accumulator itself.
  DenseIntElementsAttr weights = getConstantThroughReshapes(c.filter);
  if (!weights)
    return {};
  int64_t padded = llvm::alignTo(c.filters, kLanes);
  SmallVector<int32_t> start(padded, int32_t(init));
  int64_t i = 0;
  for (const APInt &w : weights.getValues<APInt>()) {
    // The code the kernel multiplies (packFilterPairs, prepareWide).
    int64_t code = c.weightBits == 4 && c.weightUnsigned ? int64_t(w.getZExtValue() & 15)
                   : c.weightUnsigned                   ? int64_t(w.getZExtValue())
                                                        : w.getSExtValue();
    start[i++ % c.filters] += uint32_t(32768) * uint32_t(code);
  }
  return arith::ConstantOp::create(
      b, loc,
      DenseIntElementsAttr::get(RankedTensorType::get({padded}, b.getI32Type()),
                                ArrayRef<int32_t>(start)));
}

Value qc::cpu::packFilterPairs(OpBuilder &b, Location loc, Value filter3D,
                               bool unsignedCodes) {
  auto type = cast<RankedTensorType>(filter3D.getType());
  int64_t segments = type.getDimSize(0), depth = type.getDimSize(1),
          channels = type.getDimSize(2);
  int64_t blocks = llvm::divideCeil(channels, kLanes), pairs = llvm::divideCeil(depth, kPair);
  SmallVector<int16_t> codes;
  codes.reserve(type.getNumElements());
  for (const APInt &v : getConstantThroughReshapes(filter3D).getValues<APInt>())
    codes.push_back(int16_t(unsignedCodes ? v.getZExtValue() : v.getSExtValue()));
  std::vector<int16_t> packed;
  packed.reserve(blocks * segments * pairs * kLanes * kPair);
  for (int64_t block = 0; block < blocks; ++block)
    for (int64_t s = 0; s < segments; ++s)
      for (int64_t p = 0; p < pairs; ++p)
        for (int64_t lane = 0; lane < kLanes; ++lane)
          for (int64_t i = 0; i < kPair; ++i) {
            int64_t f = block * kLanes + lane, r = p * kPair + i;
            packed.push_back(r < depth && f < channels ? codes[(s * depth + r) * channels + f]
                                                       : int16_t(0));
          }
  auto packedType =
      RankedTensorType::get({int64_t(packed.size())}, b.getIntegerType(16));
  return arith::ConstantOp::create(
      b, loc, DenseIntElementsAttr::get(packedType, ArrayRef<int16_t>(packed)));
}

namespace {

/// The pair dot product of the 16-bit kernels,
///   multi_reduction<add>(shape_cast<16x2>(extsi(a) * extsi(w)), acc) [1],
/// a and w vector<32xi16>, is exactly one vpdpwssd (i32 wrap-around, like
/// arith.addi).
struct WideDotToVNNI final : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    auto sourceType = op.getSourceVectorType();
    if (op.getKind() != vector::CombiningKind::ADD ||
        sourceType.getShape() != ArrayRef<int64_t>{kLanes, kPair} ||
        !sourceType.getElementType().isInteger(32) ||
        op.getReductionMask() != ArrayRef<bool>{false, true})
      return rewriter.notifyMatchFailure(op, "not a reduction of 16x2 i32 lanes");
    auto cast = op.getSource().getDefiningOp<vector::ShapeCastOp>();
    auto mul = cast ? cast.getSource().getDefiningOp<arith::MulIOp>() : nullptr;
    if (!mul)
      return rewriter.notifyMatchFailure(op, "not a reduction of products");
    auto wordsOf = [](Value v) -> Value {
      auto ext = v.getDefiningOp<arith::ExtSIOp>();
      if (!ext)
        return {};
      auto type = dyn_cast<VectorType>(ext.getIn().getType());
      if (!type || type.getShape() != ArrayRef<int64_t>{kLanes * kPair} ||
          !type.getElementType().isInteger(16))
        return {};
      return ext.getIn();
    };
    Value a = wordsOf(mul.getLhs()), w = wordsOf(mul.getRhs());
    if (!a || !w)
      return rewriter.notifyMatchFailure(op, "not s16 x s16 products");
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op.getDestType(), rewriter.getStringAttr("llvm.x86.avx512.vpdpwssd.512"),
        ValueRange{op.getAcc(), a, w});
    return success();
  }
};

} // namespace

void qc::cpu::populateWideDotX86Patterns(RewritePatternSet &patterns) {
  patterns.add<WideDotToVNNI>(patterns.getContext());
}
