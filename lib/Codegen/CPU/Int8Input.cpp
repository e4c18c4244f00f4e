//===- Int8Input.cpp - the int8 kernels' input bytes, written in parallel -===//
//
// A padded convolution's input was a tensor.pad (a fill of the whole buffer
// and a strided copy of the interior) and, for a signed input, one more
// pass that offsets every byte by 128 for vpdpbusd: two or three passes
// over the activation on the calling thread, about a tenth of resnet18's
// time at 224x224, which kept two threads well below twice one. Here the
// same bytes come from one scf.forall over the padded image rows: each
// iteration fills its row's margins (or the whole row, above and below the
// image) with the padding value and copies (or offsets) the source row into
// the interior. Its rows are disjoint, so any thread count writes the same
// bytes. An unpadded signed input (a matrix product) gets its offset in
// the same way, in row groups of about 16 KiB.
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

/// Bytes one iteration of an unpadded input's loop offsets, at most.
constexpr int64_t kUnpaddedChunkBytes = 16384;

/// `value ^ sign bit` (0x80, or 0x8000 for 16-bit elements) for every
/// element of `source` into `dest` (both 1-D, i8 or i16), or a plain copy.
Value copyBytes(OpBuilder &b, Location loc, Value source, Value dest, bool flip) {
  if (!flip)
    return linalg::CopyOp::create(b, loc, source, dest).getResult(0);
  AffineMap id = b.getMultiDimIdentityMap(1);
  return linalg::GenericOp::create(
             b, loc, dest.getType(), ValueRange{source}, ValueRange{dest},
             ArrayRef<AffineMap>{id, id},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
             [](OpBuilder &nb, Location l, ValueRange args) {
               Type element = args[0].getType();
               Value bit = arith::ConstantOp::create(
                   nb, l,
                   nb.getIntegerAttr(element, APInt::getSignMask(element.getIntOrFloatBitWidth())));
               linalg::YieldOp::create(nb, l,
                                       ValueRange{arith::XOrIOp::create(nb, l, args[0], bit)});
             })
      .getResult(0);
}

Value slice1D(OpBuilder &b, Location loc, Value t, OpFoldResult offset, int64_t size) {
  return tensor::ExtractSliceOp::create(b, loc, t, ArrayRef<OpFoldResult>{offset},
                                        ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
                                        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

Value insert1D(OpBuilder &b, Location loc, Value part, Value into, OpFoldResult offset) {
  int64_t size = cast<RankedTensorType>(part.getType()).getDimSize(0);
  return tensor::InsertSliceOp::create(b, loc, part, into, ArrayRef<OpFoldResult>{offset},
                                       ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
                                       ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

/// `dest[offset, offset + size)` filled with `value`.
Value fillRange(OpBuilder &b, Location loc, Value dest, int64_t offset, int64_t size,
                Value value) {
  if (size == 0)
    return dest;
  Value part = slice1D(b, loc, dest, b.getIndexAttr(offset), size);
  Value filled = linalg::FillOp::create(b, loc, value, part).getResult(0);
  return insert1D(b, loc, filled, dest, b.getIndexAttr(offset));
}

/// How an input is cut into rows: `rows` iterations of `rowBytes` bytes,
/// each `left` padding bytes, `inner` source bytes, `right` padding bytes;
/// rows `[top, top + innerRows)` of every `rowsPerImage` hold source bytes.
struct RowShape {
  int64_t rows, rowBytes, left, inner, right, rowsPerImage, top, innerRows;
};

} // namespace

Value qc::cpu::buildInputBytes(OpBuilder &b, Location loc, Value input, bool flip,
                                int64_t minBytes) {
  auto type = dyn_cast<RankedTensorType>(input.getType());
  if (!type || !type.hasStaticShape() || type.getRank() != 4)
    return {};
  // Bytes, or the 16-bit kernels' 16-bit elements (the same layout in
  // elements; `flip` then offsets by 32768).
  Type element = type.getElementType();
  if (!element.isSignlessInteger(8) && !element.isSignlessInteger(16))
    return {};
  Value source, padValue;
  RowShape shape;
  auto pad = input.getDefiningOp<tensor::PadOp>();
  // The grouped convolution generic reads its pad through reshapes that
  // split and merge the group dimension (collapse_shape(expand_shape(pad))):
  // reshapes keep the row-major bytes, so a pad of the same shape is the
  // same input.
  if (!pad) {
    Value through = input;
    while (isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(
        through.getDefiningOp()))
      through = through.getDefiningOp()->getOperand(0);
    if (auto reshaped = through.getDefiningOp<tensor::PadOp>();
        reshaped && reshaped.getResultType() == type)
      pad = reshaped;
  }
  if (pad) {
    ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
    padValue = pad.getConstantPaddingValue();
    // A constant yielded from inside the pad's region is rebuilt here.
    TypedAttr constant;
    if (padValue && matchPattern(padValue, m_Constant(&constant)))
      padValue = arith::ConstantOp::create(b, loc, constant);
    if (!padValue || !pad.getSourceType().hasStaticShape() ||
        llvm::any_of(llvm::concat<const int64_t>(low, high), ShapedType::isDynamic) ||
        low[0] || high[0] || low[3] || high[3])
      pad = nullptr;
  }
  if (pad) {
    ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
    ArrayRef<int64_t> src = pad.getSourceType().getShape();
    int64_t c = type.getDimSize(3);
    source = pad.getSource();
    shape = {type.getDimSize(0) * type.getDimSize(1), type.getDimSize(2) * c, low[2] * c,
             src[2] * c, high[2] * c, type.getDimSize(1), low[1], src[1]};
    if (flip)
      padValue = arith::XOrIOp::create(
          b, loc, padValue,
          arith::ConstantOp::create(
              b, loc,
              b.getIntegerAttr(element, APInt::getSignMask(element.getIntOrFloatBitWidth()))));
  } else {
    // Nothing to pad: only a signed input's offset is worth a pass.
    if (!flip)
      return {};
    source = input;
    int64_t rowBytes = type.getDimSize(3), rows = type.getNumElements() / rowBytes;
    int64_t group = 1;
    for (int64_t g = 1; g <= rows && g * rowBytes <= kUnpaddedChunkBytes; ++g)
      if (rows % g == 0)
        group = g;
    rows /= group;
    rowBytes *= group;
    shape = {rows, rowBytes, 0, rowBytes, 0, rows, 0, rows};
  }

  int64_t bytes = shape.rows * shape.rowBytes;
  int64_t total = std::max(bytes, minBytes);
  Value flat = tensor::CollapseShapeOp::create(b, loc, source,
                                               ArrayRef<ReassociationIndices>{{0, 1, 2, 3}});
  Value out = tensor::EmptyOp::create(b, loc, {total}, element);
  // The last quad of a run may read past the image (its weights are zero):
  // those bytes are zeros.
  if (total > bytes)
    out = fillRange(b, loc, out, bytes, total - bytes,
                    arith::ConstantOp::create(b, loc, b.getIntegerAttr(element, 0)));

  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(shape.rows)},
                                      ValueRange{out}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value r = forall.getInductionVar(0);
  Value shared = forall.getRegionIterArgs()[0];
  Value rowOffset = arith::MulIOp::create(b, loc, r, index(shape.rowBytes));
  Value row = slice1D(b, loc, shared, rowOffset, shape.rowBytes);

  // The source row: image n = r / rowsPerImage, row h = r % rowsPerImage - top.
  auto sourceRow = [&](OpBuilder &nb, Location l, Value dest) {
    Value n = arith::DivUIOp::create(nb, l, r, index(shape.rowsPerImage));
    Value h = arith::SubIOp::create(
        nb, l, arith::RemUIOp::create(nb, l, r, index(shape.rowsPerImage)), index(shape.top));
    Value srcRow = arith::AddIOp::create(
        nb, l, arith::MulIOp::create(nb, l, n, index(shape.innerRows)), h);
    Value srcOffset = arith::MulIOp::create(nb, l, srcRow, index(shape.inner));
    Value part = slice1D(nb, l, flat, srcOffset, shape.inner);
    Value into = slice1D(nb, l, dest, nb.getIndexAttr(shape.left), shape.inner);
    Value copied = copyBytes(nb, l, part, into, flip);
    dest = insert1D(nb, l, copied, dest, nb.getIndexAttr(shape.left));
    dest = fillRange(nb, l, dest, 0, shape.left, padValue);
    return fillRange(nb, l, dest, shape.left + shape.inner, shape.right, padValue);
  };

  Value written;
  if (shape.innerRows == shape.rowsPerImage) {
    written = sourceRow(b, loc, row);
  } else {
    Value h = arith::RemUIOp::create(b, loc, r, index(shape.rowsPerImage));
    Value inside = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, h, index(shape.top)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, h,
                              index(shape.top + shape.innerRows)));
    auto ifOp = scf::IfOp::create(
        b, loc, inside,
        [&](OpBuilder &nb, Location l) {
          scf::YieldOp::create(nb, l, sourceRow(nb, l, row));
        },
        [&](OpBuilder &nb, Location l) {
          scf::YieldOp::create(nb, l, fillRange(nb, l, row, 0, shape.rowBytes, padValue));
        });
    written = ifOp.getResult(0);
  }
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, written, shared,
                                        ArrayRef<OpFoldResult>{rowOffset},
                                        ArrayRef<OpFoldResult>{b.getIndexAttr(shape.rowBytes)},
                                        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return forall.getResult(0);
}
