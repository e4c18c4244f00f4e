//===- ContractionPacking.cpp - operand layouts for word loads ------------===//
//
// A packed 4x8-bit dot product needs four consecutive reduction elements of
// both operands in one word. Activations in NHWC (and matmul A) have them;
// weights in HWCF (and matmul B, [K, N]) are contiguous along the output
// channels instead. Constant weights are therefore re-laid out at compile
// time into a new global with the innermost reduction dim innermost; a
// run-time B (BERT's attention.V, a transposed K materialized by the model)
// is copied into that layout by a packing kernel (a linalg.generic the
// generic lowering turns into one dispatch) before the contraction.
//
// Word loads also need the innermost reduction to be a multiple of 4 (a stem
// conv has 3 channels): A is then copied with its innermost dim padded to a
// multiple of 4 and B re-laid out with zeros in the padding, so the padded
// products are 0 whatever A's padding holds.
//
//===----------------------------------------------------------------------===//
#include "ContractionAnalysis.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::qc;

/// The dims B depends on (size > 1), outermost (largest coefficient) first;
/// false where the innermost reduction dim k is not among them.
static bool bDims(const Contraction &c, SmallVector<unsigned> &dims) {
  for (auto [d, coef] : llvm::enumerate(c.b.coef))
    if (coef != 0 && c.sizes[d] != 1)
      dims.push_back(d);
  llvm::sort(dims, [&](unsigned x, unsigned y) {
    return c.b.coef[x] > c.b.coef[y];
  });
  return llvm::is_contained(dims, c.redDims.back());
}

static Value flatten(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1)
    return buffer;
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  return memref::CollapseShapeOp::create(b, loc, buffer,
                                         ArrayRef<ReassociationIndices>{all});
}

/// Copies `source` (read through `sourceMap` over the copy's iteration space,
/// the shape of `target`) into `target` with an identity map.
static void copyInto(OpBuilder &b, Location loc, Value source,
                     AffineMap sourceMap, Value target) {
  unsigned rank = cast<MemRefType>(target.getType()).getRank();
  SmallVector<AffineMap> maps = {sourceMap, b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  linalg::GenericOp::create(
      b, loc, ValueRange{source}, ValueRange{target}, maps, iterators,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, args[0]);
      });
}

/// The part of `buffer` (shape `shape`) whose dim `dim` has `size` elements.
static Value leading(OpBuilder &b, Location loc, Value buffer,
                     ArrayRef<int64_t> shape, unsigned dim, int64_t size) {
  SmallVector<int64_t> sizes(shape);
  sizes[dim] = size;
  SmallVector<int64_t> zeros(shape.size(), 0), ones(shape.size(), 1);
  return memref::SubViewOp::create(b, loc, buffer, zeros, sizes, ones);
}

/// Re-lays out B row-major over `order` (outermost first, every dim B
/// depends on) with the innermost reduction dim k padded to `paddedK`
/// elements of zeros: constant weights into a new global (cached in `packed`
/// by name), any other B by a copy into a new buffer before the contraction.
static bool relayoutB(Contraction &c, OpBuilder &b,
                      llvm::StringMap<Value> &packed,
                      ArrayRef<unsigned> dims, ArrayRef<unsigned> order,
                      int64_t paddedK) {
  unsigned k = c.redDims.back();
  auto newSize = [&](unsigned d) { return d == k ? paddedK : c.sizes[d]; };
  SmallVector<int64_t> coef(c.b.coef.size(), 0), shape;
  int64_t total = 1;
  for (unsigned d : llvm::reverse(order)) {
    coef[d] = total;
    total *= newSize(d);
  }
  for (unsigned d : order)
    shape.push_back(newSize(d));
  unsigned kPos = llvm::find(order, k) - order.begin();
  Location loc = c.op.getLoc();
  MLIRContext *ctx = b.getContext();
  OpBuilder::InsertionGuard guard(b);

  if (auto get = c.b.root.getDefiningOp<memref::GetGlobalOp>()) {
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
        get, get.getNameAttr());
    auto initial = global ? dyn_cast_or_null<DenseElementsAttr>(
                                global.getInitialValue().value_or(Attribute()))
                          : DenseElementsAttr();
    if (!initial || !global.getConstant() || initial.isSplat() ||
        !initial.getElementType().isInteger(8))
      return false;
    // The access must be a bijection onto the buffer: the dims B depends
    // on, by decreasing coefficient, form a row-major layout of all of it.
    // Dims of size 1 (a convolution's single group, 1x1 filter taps) always
    // index 0: their coefficients are arbitrary and would tie with a real
    // dim's.
    int64_t stride = 1;
    for (unsigned d : llvm::reverse(dims)) {
      if (c.b.coef[d] != stride)
        return false;
      stride *= c.sizes[d];
    }
    if (c.b.offset != 0 || stride != initial.getNumElements())
      return false;
    std::string name = (global.getSymName() +
                        (order.back() == k ? "_dot" : "") +
                        (paddedK != c.sizes[k] ? "_pad" : ""))
                           .str();
    Value &view = packed[name];
    if (!view) {
      ArrayRef<char> raw = initial.getRawData();
      std::vector<char> bytes(total, 0);
      SmallVector<int64_t> idx(dims.size(), 0);
      for (int64_t n = 0; n < stride; ++n) {
        int64_t from = 0, to = 0;
        for (auto [i, d] : llvm::enumerate(dims)) {
          from += idx[i] * c.b.coef[d];
          to += idx[i] * coef[d];
        }
        bytes[to] = raw[from];
        for (int64_t i = dims.size() - 1; i >= 0; --i) {
          if (++idx[i] < c.sizes[dims[i]])
            break;
          idx[i] = 0;
        }
      }
      view = createByteGlobal(b, global, get, name, bytes);
      b.setInsertionPointAfter(view.getDefiningOp());
    }
    c.b.root = view;
  } else {
    // A run-time B: the copy's iteration space is the new layout (output
    // identity, input B's linear access on its flattened buffer).
    auto rootType = cast<MemRefType>(c.b.root.getType());
    if (!rootType.hasStaticShape() || !rootType.getLayout().isIdentity())
      return false;
    b.setInsertionPoint(c.op);
    Value flat = flatten(b, loc, c.b.root);
    Value buffer = memref::AllocOp::create(
        b, loc, MemRefType::get(shape, b.getI8Type()));
    Value target = buffer;
    if (paddedK != c.sizes[k]) {
      Value zero = arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0);
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{buffer});
      target = leading(b, loc, buffer, shape, kPos, c.sizes[k]);
    }
    AffineExpr source = getAffineConstantExpr(c.b.offset, ctx);
    for (auto [i, d] : llvm::enumerate(order))
      source = source + getAffineDimExpr(i, ctx) * c.b.coef[d];
    copyInto(b, loc, flat, AffineMap::get(order.size(), 0, source), target);
    c.b.root = buffer;
  }
  c.b.offset = 0;
  c.b.coef = coef;
  return true;
}

bool mlir::qc::packWeightsForDot(Contraction &c, OpBuilder &b,
                                 llvm::StringMap<Value> &packed) {
  if (c.a.mode != OperandAccess::ReductionWords ||
      c.b.mode == OperandAccess::ReductionWords || c.redDims.empty())
    return false;
  unsigned k = c.redDims.back();
  SmallVector<unsigned> dims;
  if (!bDims(c, dims) || c.sizes[k] % 4 != 0)
    return false;
  SmallVector<unsigned> order(dims);
  llvm::erase(order, k);
  order.push_back(k);
  // Every coefficient but k's is a product of sizes that include k's, a
  // multiple of 4: the words stay aligned.
  if (!relayoutB(c, b, packed, dims, order, c.sizes[k]))
    return false;
  c.b.mode = OperandAccess::ReductionWords;
  return true;
}

bool mlir::qc::padReductionToWords(Contraction &c, OpBuilder &b,
                                   llvm::StringMap<Value> &packed,
                                   bool dotLayout) {
  if (c.redDims.empty())
    return false;
  unsigned k = c.redDims.back();
  int64_t size = c.sizes[k], padded = llvm::alignTo(size, 4);
  if (size % 4 == 0 || c.a.coef[k] != 1)
    return false;
  // A's innermost dim must be the reduction (its buffer [..., size]), so the
  // padded copy [..., padded] scales every other coefficient by
  // padded / size.
  auto aType = cast<MemRefType>(c.a.root.getType());
  if (!aType.hasStaticShape() || !aType.getLayout().isIdentity() ||
      aType.getRank() == 0 || aType.getShape().back() != size ||
      c.a.offset % size != 0 ||
      llvm::any_of(llvm::enumerate(c.a.coef), [&](auto dc) {
        return dc.index() != k && dc.value() % size != 0;
      }))
    return false;
  SmallVector<unsigned> dims;
  if (!bDims(c, dims))
    return false;
  SmallVector<unsigned> order(dims);
  if (dotLayout) {
    llvm::erase(order, k);
    order.push_back(k);
  }
  if (!relayoutB(c, b, packed, dims, order, padded))
    return false;

  Location loc = c.op.getLoc();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(c.op);
  SmallVector<int64_t> shape(aType.getShape());
  shape.back() = padded;
  Value buffer = memref::AllocOp::create(
      b, loc, MemRefType::get(shape, aType.getElementType()));
  copyInto(b, loc, c.a.root, b.getMultiDimIdentityMap(shape.size()),
           leading(b, loc, buffer, shape, shape.size() - 1, size));
  c.a.root = buffer;
  c.a.offset = c.a.offset / size * padded;
  for (auto [d, coef] : llvm::enumerate(c.a.coef))
    if (d != k)
      coef = coef / size * padded;
  c.sizes[k] = padded;
  c.a.mode = accessMode(c.a, c.sizes, k, c.colDim);
  c.b.mode = accessMode(c.b, c.sizes, k, c.colDim);
  return true;
}

bool mlir::qc::gatherFilterRows(Contraction &c, OpBuilder &b,
                                llvm::StringMap<Value> &packed) {
  if (c.redDims.size() < 2 || c.fourBit != FourBitWeights::None)
    return false;
  unsigned k = c.redDims.back(), kw = c.redDims[c.redDims.size() - 2];
  int64_t channels = c.sizes[k], taps = c.sizes[kw];
  // Each tap's channels take a power of two of at least 4 bytes, so that
  // the taps divide the 32-byte row.
  int64_t slot = std::max<int64_t>(4, llvm::PowerOf2Ceil(channels));
  // Only where the channels alone cannot be read in 16-byte units and the
  // gathered row stays small (the copy is taps * slot / stride times A).
  if (channels % 16 == 0 || channels > 16 || taps < 2 || taps * slot > 64 ||
      c.a.coef[k] != 1 || c.a.coef[kw] != channels)
    return false;
  auto aType = cast<MemRefType>(c.a.root.getType());
  if (!aType.hasStaticShape() || !aType.getLayout().isIdentity() ||
      aType.getRank() < 2 || aType.getShape().back() != channels)
    return false;
  int64_t width = aType.getShape()[aType.getRank() - 2];
  int64_t plane = width * channels;
  // Every other dim must move A by whole input rows (plane) or, for exactly
  // one parallel dim (the output column), by whole pixels within a row.
  std::optional<unsigned> colDim;
  int64_t stride = 0;
  for (auto [d, coef] : llvm::enumerate(c.a.coef)) {
    if (d == k || d == kw || c.sizes[d] == 1 || coef % plane == 0)
      continue;
    if (colDim || coef >= plane || coef % channels != 0 ||
        llvm::is_contained(c.redDims, d))
      return false;
    colDim = d;
    stride = coef / channels;
  }
  if (!colDim || c.a.offset % channels != 0)
    return false;
  int64_t outerOffset = c.a.offset / plane;
  int64_t pixelOffset = c.a.offset % plane / channels;
  int64_t outCols = c.sizes[*colDim];
  // The last column's taps stay inside the input row.
  if (pixelOffset + (outCols - 1) * stride + taps > width)
    return false;
  int64_t rowBytes = llvm::alignTo(taps * slot, 32);

  // B: the dims it depends on (size > 1) must cover its constant exactly,
  // row-major by decreasing coefficient (as relayoutB checks).
  auto get = c.b.root.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return false;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  auto initial = global ? dyn_cast_or_null<DenseElementsAttr>(
                              global.getInitialValue().value_or(Attribute()))
                        : DenseElementsAttr();
  if (!initial || !global.getConstant() || initial.isSplat() ||
      !initial.getElementType().isInteger(8) || c.b.offset != 0)
    return false;
  SmallVector<unsigned> dims;
  if (!bDims(c, dims) || !llvm::is_contained(dims, kw))
    return false;
  int64_t count = 1;
  for (unsigned d : llvm::reverse(dims)) {
    if (c.b.coef[d] != count)
      return false;
    count *= c.sizes[d];
  }
  if (count != initial.getNumElements())
    return false;
  // New B: row-major over the same dims without kw, k holding rowBytes
  // (tap t, channel ch at t * slot + ch; zeros elsewhere).
  SmallVector<unsigned> order(dims);
  llvm::erase(order, kw);
  SmallVector<int64_t> coef(c.b.coef.size(), 0);
  int64_t total = 1;
  for (unsigned d : llvm::reverse(order)) {
    coef[d] = total;
    total *= d == k ? rowBytes : c.sizes[d];
  }
  Location loc = c.op.getLoc();
  OpBuilder::InsertionGuard guard(b);
  std::string name = (global.getSymName() + "_rows").str();
  Value &view = packed[name];
  if (!view) {
    ArrayRef<char> raw = initial.getRawData();
    std::vector<char> bytes(total, 0);
    SmallVector<int64_t> idx(dims.size(), 0);
    for (int64_t n = 0; n < count; ++n) {
      int64_t from = 0, to = 0;
      for (auto [i, d] : llvm::enumerate(dims)) {
        from += idx[i] * c.b.coef[d];
        to += d == kw ? idx[i] * slot * coef[k] : idx[i] * coef[d];
      }
      bytes[to] = raw[from];
      for (int64_t i = dims.size() - 1; i >= 0; --i) {
        if (++idx[i] < c.sizes[dims[i]])
          break;
        idx[i] = 0;
      }
    }
    view = createByteGlobal(b, global, get, name, bytes);
  }

  // A: the copy [outer, outCols, rowBytes] of every output column's filter
  // row, taps * slot bytes (channels padded to slot) of it written; the
  // rest only meets B's zeros.
  int64_t outer = aType.getNumElements() / plane;
  b.setInsertionPoint(c.op);
  Value buffer = memref::AllocOp::create(
      b, loc, MemRefType::get({outer, outCols, rowBytes}, b.getI8Type()));
  SmallVector<int64_t> expanded = {outer, outCols, rowBytes / slot, slot};
  Value quads = memref::ExpandShapeOp::create(
      b, loc, MemRefType::get(expanded, b.getI8Type()), buffer,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  SmallVector<int64_t> sizes = {outer, outCols, taps, channels};
  SmallVector<int64_t> zeros(4, 0), ones(4, 1);
  Value target = memref::SubViewOp::create(b, loc, quads, zeros, sizes, ones);
  MLIRContext *ctx = b.getContext();
  AffineExpr o = getAffineDimExpr(0, ctx), col = getAffineDimExpr(1, ctx),
             t = getAffineDimExpr(2, ctx), ch = getAffineDimExpr(3, ctx);
  AffineExpr source =
      o * plane + (col * stride + t + pixelOffset) * channels + ch;
  copyInto(b, loc, flatten(b, loc, c.a.root), AffineMap::get(4, 0, source),
           target);

  LinearAccess a = c.a;
  a.root = buffer;
  a.offset = outerOffset * outCols * rowBytes;
  for (auto [d, x] : llvm::enumerate(a.coef)) {
    if (d == k)
      x = 1;
    else if (d == kw)
      x = 0;
    else if (d == *colDim)
      x = rowBytes;
    else
      x = x / plane * outCols * rowBytes;
  }
  c.a = a;
  c.b.root = view;
  c.b.coef = coef;
  c.sizes[kw] = 1;
  c.sizes[k] = rowBytes;
  c.a.mode = accessMode(c.a, c.sizes, k, c.colDim);
  c.b.mode = accessMode(c.b, c.sizes, k, c.colDim);
  return true;
}
