//===- Int8ContractionMatch.cpp - recognize int8 matmuls and convolutions -===//
//
// Works on the structure every linalg op shares (indexing maps, iterator
// types, the scalar body), so the named ops and the generics that
// qc-lower-to-linalg builds for mixed signedness or groups are one case.
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"
#include "qc/Conversion/WidenNarrowIntegers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

/// How the body `out + ext(in0) * ext(in1)` extends its two inputs. A
/// widened u4 weight (qc-widen-narrow-integers) is read as
/// `extui(andi(w, 15))`.
struct MultiplyAccumulate {
  bool inputSigned = false, weightSigned = false;
  bool weightMasked4 = false, inputMasked4 = false;
};

std::optional<MultiplyAccumulate> matchMultiplyAccumulate(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1)
    return std::nullopt;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddIOp>();
  if (!add)
    return std::nullopt;
  Value out = body->getArgument(2);
  Value other = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if ((add.getLhs() != out && add.getRhs() != out) || other == out)
    return std::nullopt;
  auto mul = other.getDefiningOp<arith::MulIOp>();
  if (!mul)
    return std::nullopt;
  struct Extension {
    unsigned arg;
    bool isSigned, masked4;
  };
  // Which input a factor extends, whether it sign-extends, and whether it
  // reads the low 4 bits only.
  auto extension = [&](Value v) -> std::optional<Extension> {
    Operation *def = v.getDefiningOp();
    if (!def || !isa<arith::ExtSIOp, arith::ExtUIOp>(def))
      return std::nullopt;
    Value source = def->getOperand(0);
    bool masked4 = false;
    if (auto mask = source.getDefiningOp<arith::AndIOp>();
        mask && isa<arith::ExtUIOp>(def)) {
      IntegerAttr m;
      if (!matchPattern(mask.getRhs(), m_Constant(&m)) || m.getValue() != 15)
        return std::nullopt;
      source = mask.getLhs();
      masked4 = true;
    }
    auto arg = dyn_cast<BlockArgument>(source);
    if (!arg || arg.getOwner() != body || arg.getArgNumber() > 1)
      return std::nullopt;
    return Extension{arg.getArgNumber(), isa<arith::ExtSIOp>(def), masked4};
  };
  auto x = extension(mul.getLhs()), y = extension(mul.getRhs());
  if (!x || !y || x->arg == y->arg)
    return std::nullopt;
  if (x->arg == 1)
    std::swap(x, y);
  return MultiplyAccumulate{x->isSigned && !x->masked4, y->isSigned, y->masked4, x->masked4};
}

/// The codes of a constant weight fit in 4 bits: they were i4/u4 before
/// qc-widen-narrow-integers (its width attribute), or the body masks them.
bool isFourBitConstant(Value weight, bool masked) {
  Value source = weight;
  while (isa_and_present<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
      source.getDefiningOp()))
    source = source.getDefiningOp()->getOperand(0);
  auto constant = source.getDefiningOp<arith::ConstantOp>();
  if (!constant || !isa<DenseIntElementsAttr>(constant.getValue()))
    return false;
  if (masked)
    return true;
  auto width = constant->getAttrOfType<IntegerAttr>(qc::kNarrowWidthAttrName);
  if (!width || width.getInt() != 4)
    return false;
  // The hint agrees with the values (sign-extended 4-bit codes).
  return llvm::all_of(cast<DenseIntElementsAttr>(constant.getValue()).getValues<APInt>(),
                      [](const APInt &v) {
                        int64_t code = v.getSExtValue();
                        return code >= -8 && code <= 7;
                      });
}

/// The coefficient of dimension `dim` in the linear expression `e`.
int64_t coefficient(AffineExpr e, unsigned dim, unsigned numDims) {
  MLIRContext *context = e.getContext();
  SmallVector<AffineExpr> replacements(numDims, getAffineConstantExpr(0, context));
  replacements[dim] = getAffineConstantExpr(1, context);
  auto constant = dyn_cast<AffineConstantExpr>(e.replaceDims(replacements));
  return constant ? constant.getValue() : 0;
}

/// `value` with each group of `groupSizes` consecutive dimensions collapsed
/// into one (the groups hold the unit dimensions to drop).
Value dropUnitDims(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> groupSizes) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<ReassociationIndices> groups;
  int64_t next = 0;
  for (int64_t size : groupSizes) {
    ReassociationIndices group;
    for (int64_t i = 0; i < size; ++i)
      group.push_back(next++);
    groups.push_back(group);
  }
  if (next != type.getRank())
    return {};
  if (groups.size() == size_t(type.getRank()))
    return value;
  return tensor::CollapseShapeOp::create(b, loc, value, groups);
}

/// The convolution window of input dimension `result` of the input map:
/// `out * stride + window * dilation`.
bool windowOf(AffineMap map, unsigned result, unsigned out, unsigned window,
              int64_t &stride, int64_t &dilation) {
  AffineExpr e = map.getResult(result);
  unsigned n = map.getNumDims();
  stride = coefficient(e, out, n);
  dilation = coefficient(e, window, n);
  MLIRContext *context = map.getContext();
  return stride > 0 && dilation > 0 &&
         e == getAffineDimExpr(out, context) * stride +
                  getAffineDimExpr(window, context) * dilation;
}

/// `dims` as the results of a map over `numDims` loops.
AffineMap dimsMap(unsigned numDims, ArrayRef<unsigned> dims, MLIRContext *context) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, context));
  return AffineMap::get(numDims, 0, exprs, context);
}

} // namespace

FailureOr<Int8Contraction> qc::cpu::matchInt8Contraction(linalg::LinalgOp op, bool wide) {
  // --qc-pack-weights' generics (4-bit codes two per byte, codebooks): a
  // 16-bit activation's only with the 16-bit kernels.
  if (FailureOr<Int8Contraction> packed = matchPackedWeightContraction(op, wide);
      succeeded(packed))
    return packed;
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op->getNumResults() != 1)
    return failure();
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
  Value out = op.getDpsInits()[0];
  auto elementIs = [](Value v, unsigned width) {
    return getElementTypeOrSelf(v.getType()).isSignlessInteger(width);
  };
  // The 16-bit kernel (Int16Kernels.cpp): one side 16-bit, the other 8- or
  // 16-bit; constant weights; 16-bit weights signed (vpdpwssd reads s16),
  // u16 activations offset by 32768 with the weights' column sums in the
  // start value (buildWideColumnInit). A u4 weight one code per byte
  // (`extui(w & 15)`) behind a 16-bit activation is masked at compile time
  // too (prepareWide).
  auto bits = [](Value v) { return getElementTypeOrSelf(v.getType()).getIntOrFloatBitWidth(); };
  bool wideCase = wide && elementIs(out, 32) && (elementIs(lhs, 8) || elementIs(lhs, 16)) &&
                  (elementIs(rhs, 8) || elementIs(rhs, 16)) && (bits(lhs) == 16 || bits(rhs) == 16);
  if (!wideCase && (!elementIs(lhs, 8) || !elementIs(rhs, 8) || !elementIs(out, 32)))
    return failure();
  std::optional<MultiplyAccumulate> signs = matchMultiplyAccumulate(op);
  if (wideCase && signs &&
      ((signs->weightMasked4 && bits(lhs) != 16) || signs->inputMasked4 ||
       (bits(rhs) == 16 && !signs->weightSigned) || !getConstantThroughReshapes(rhs)))
    return failure();
  // vpdpbusd multiplies unsigned by signed bytes; signed activations are
  // offset. Unsigned weights: 4-bit constants (codes 0..15 are signed bytes
  // too) as they are, whole bytes offset the other way.
  if (!signs)
    return failure();
  // Unsigned bytes read whole (a u8 x u8 product): the kernel reads them
  // offset to signed bytes and corrects per row (Int8Contraction::weightU8).
  bool u8Weights = !signs->weightSigned && !signs->weightMasked4;
  bool fourBit = !u8Weights && isFourBitConstant(rhs, signs->weightMasked4);
  if (!signs->weightSigned && !u8Weights && !fourBit)
    return failure();
  auto fill = out.getDefiningOp<linalg::FillOp>();
  IntegerAttr initValue;
  if (!fill || !matchPattern(fill.value(), m_Constant(&initValue)))
    return failure();

  Int8Contraction c;
  c.op = op;
  c.inputSigned = signs->inputSigned;
  c.inputMasked4 = signs->inputMasked4;
  c.weightBits = fourBit ? 4 : 8;
  c.weightUnsigned = !signs->weightSigned && !u8Weights;
  c.weightU8 = u8Weights;
  c.init = initValue.getValue().getSExtValue();
  if (wideCase) {
    c.wide = true;
    c.inputBits = bits(lhs);
    c.weightBits = bits(rhs);
    c.weightUnsigned = !signs->weightSigned;
    c.weightU8 = false;
    // A u4 weight one code per byte, read as `w & 15`: 4 bits, masked when
    // the kernel widens them (prepareWide).
    if (signs->weightMasked4)
      c.weightBits = 4;
  }
  Type inputElement = getElementTypeOrSelf(lhs.getType());
  Type filterElement = getElementTypeOrSelf(rhs.getType());
  MLIRContext *context = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  auto iteratorsAre = [&](ArrayRef<utils::IteratorType> expected) {
    return ArrayRef(iterators) == expected;
  };
  constexpr auto par = utils::IteratorType::parallel;
  constexpr auto red = utils::IteratorType::reduction;
  OpBuilder b(op);
  Location loc = op.getLoc();

  if (op.getNumLoops() == 3) {
    // (m, n, k): [M, K] x [K, N] -> [M, N].
    if (!iteratorsAre({par, par, red}) || maps[0] != dimsMap(3, {0, 2}, context) ||
        maps[1] != dimsMap(3, {2, 1}, context) || maps[2] != dimsMap(3, {0, 1}, context))
      return failure();
    c.wp = c.ow = ranges[0];
    c.filters = ranges[1];
    c.channels = ranges[2];
    c.input = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, 1, c.wp, c.channels}, inputElement), lhs,
        ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
    c.filter = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, 1, c.channels, c.filters}, filterElement),
        rhs, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
    return c;
  }

  if (op.getNumLoops() == 4 && iteratorsAre({par, par, par, red}) &&
      maps[0] == dimsMap(4, {0, 1, 3}, context) &&
      maps[1] == dimsMap(4, {0, 3, 2}, context) &&
      maps[2] == dimsMap(4, {0, 1, 2}, context)) {
    // (b, m, n, k): [B, M, K] x [B, K, N] -> [B, M, N], both operands run-
    // time values (attention's products), named or the mixed-signedness
    // generic. The rows of sample b are the 1x1 convolution of image
    // [1, M, K] by filter b: the filters are stacked [B, 1, K, N].
    if (c.wide)
      return failure();
    c.batch = c.filterBatch = ranges[0];
    c.wp = c.ow = ranges[1];
    c.filters = ranges[2];
    c.channels = ranges[3];
    c.input = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({c.batch, 1, c.wp, c.channels}, b.getI8Type()), lhs,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    c.filter = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({c.batch, 1, c.channels, c.filters}, b.getI8Type()),
        rhs, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    return c;
  }

  // Convolutions. Loop positions of (n, oh, ow, kh, kw) and of the channel
  // loops depend on the form; the maps are checked against the expected
  // ones, built from the strides and dilations read off the input map.
  unsigned n = 0, ohL = 1, owL = 2;
  auto finishWindow = [&](unsigned khL, unsigned kwL) {
    return windowOf(maps[0], 1, ohL, khL, c.strideH, c.dilationH) &&
           windowOf(maps[0], 2, owL, kwL, c.strideW, c.dilationW);
  };
  auto inputMap = [&](unsigned khL, unsigned kwL, ArrayRef<unsigned> rest) {
    SmallVector<AffineExpr> exprs = {
        getAffineDimExpr(n, context),
        getAffineDimExpr(ohL, context) * c.strideH +
            getAffineDimExpr(khL, context) * c.dilationH,
        getAffineDimExpr(owL, context) * c.strideW +
            getAffineDimExpr(kwL, context) * c.dilationW};
    for (unsigned d : rest)
      exprs.push_back(getAffineDimExpr(d, context));
    return AffineMap::get(op.getNumLoops(), 0, exprs, context);
  };
  auto inputType = cast<RankedTensorType>(lhs.getType());
  c.batch = ranges[0];
  c.oh = ranges[1];
  c.ow = ranges[2];
  c.hp = inputType.getDimSize(1);
  c.wp = inputType.getDimSize(2);

  if (op.getNumLoops() == 7 &&
      iteratorsAre({par, par, par, par, red, red, red}) && maps.size() == 3 &&
      maps[1] == dimsMap(7, {4, 5, 6, 3}, context)) {
    // conv_2d_nhwc_hwcf: (n, oh, ow, f, kh, kw, c).
    if (!finishWindow(4, 5) || maps[0] != inputMap(4, 5, {6}) ||
        maps[2] != dimsMap(7, {0, 1, 2, 3}, context))
      return failure();
    c.filters = ranges[3];
    c.kh = ranges[4];
    c.kw = ranges[5];
    c.channels = ranges[6];
    c.input = lhs;
    c.filter = rhs;
    return c;
  }
  if (op.getNumLoops() == 7 &&
      iteratorsAre({par, par, par, par, par, red, red}) &&
      maps[1] == dimsMap(7, {5, 6, 3, 4}, context)) {
    // depthwise_conv_2d_nhwc_hwcm: (n, oh, ow, c, m, kh, kw), m = 1.
    if (ranges[4] != 1 || !finishWindow(5, 6) || maps[0] != inputMap(5, 6, {3}) ||
        maps[2] != dimsMap(7, {0, 1, 2, 3, 4}, context))
      return failure();
    c.depthwise = true;
    c.channels = c.filters = ranges[3];
    c.kh = ranges[5];
    c.kw = ranges[6];
    c.input = lhs;
    c.filter = dropUnitDims(b, loc, rhs, {1, 1, 2});
    return c;
  }
  if (op.getNumLoops() == 8 &&
      iteratorsAre({par, par, par, par, par, red, red, red})) {
    // The grouped generic: (n, oh, ow, g, f, kh, kw, c), input
    // [N, Hp, Wp, G, C/G], filter [KH, KW, C/G, G, F/G].
    if (!finishWindow(5, 6) || maps[0] != inputMap(5, 6, {3, 7}) ||
        maps[1] != dimsMap(8, {5, 6, 7, 3, 4}, context) ||
        maps[2] != dimsMap(8, {0, 1, 2, 3, 4}, context))
      return failure();
    int64_t groups = ranges[3], perGroup = ranges[4], groupChannels = ranges[7];
    c.kh = ranges[5];
    c.kw = ranges[6];
    if (groups == 1) {
      c.channels = groupChannels;
      c.filters = perGroup;
      c.input = dropUnitDims(b, loc, lhs, {1, 1, 1, 2});
      c.filter = dropUnitDims(b, loc, rhs, {1, 1, 1, 2});
      return c;
    }
    if (groupChannels == 1 && perGroup == 1) {
      c.depthwise = true;
      c.channels = c.filters = groups;
      c.input = dropUnitDims(b, loc, lhs, {1, 1, 1, 2});
      c.filter = dropUnitDims(b, loc, rhs, {1, 1, 3});
      return c;
    }
  }
  return failure();
}
