//===- ContractionPacking.cpp - weights laid out for dot products ---------===//
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
//===----------------------------------------------------------------------===//
#include "ContractionAnalysis.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::qc;

/// The dims B depends on (size > 1), outermost (largest coefficient) first,
/// and the packed order: the same with the innermost reduction dim k last.
/// False where k is not among them or its size is not a multiple of 4.
static bool packedOrder(const Contraction &c, SmallVector<unsigned> &dims,
                        SmallVector<unsigned> &order) {
  unsigned k = c.redDims.back();
  for (auto [d, coef] : llvm::enumerate(c.b.coef))
    if (coef != 0 && c.sizes[d] != 1)
      dims.push_back(d);
  llvm::sort(dims, [&](unsigned x, unsigned y) {
    return c.b.coef[x] > c.b.coef[y];
  });
  if (!llvm::is_contained(dims, k) || c.sizes[k] % 4 != 0)
    return false;
  order.assign(dims);
  llvm::erase(order, k);
  order.push_back(k);
  return true;
}

/// Row-major coefficients of `order` (innermost last) over all loop dims.
static SmallVector<int64_t> packedCoefficients(const Contraction &c,
                                               ArrayRef<unsigned> order,
                                               int64_t &size) {
  SmallVector<int64_t> coef(c.b.coef.size(), 0);
  size = 1;
  for (unsigned d : llvm::reverse(order)) {
    coef[d] = size;
    size *= c.sizes[d];
  }
  return coef;
}

/// A run-time B: a new buffer in the packed layout, filled by a copy whose
/// iteration space is the packed order (output identity, input B's linear
/// access on its flattened buffer) right before the contraction.
static bool packRuntimeOperand(Contraction &c, OpBuilder &b) {
  SmallVector<unsigned> dims, order;
  if (!packedOrder(c, dims, order))
    return false;
  auto rootType = cast<MemRefType>(c.b.root.getType());
  if (!rootType.hasStaticShape() || !rootType.getLayout().isIdentity())
    return false;
  int64_t size;
  SmallVector<int64_t> coef = packedCoefficients(c, order, size);
  MLIRContext *ctx = b.getContext();
  Location loc = c.op.getLoc();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(c.op);
  Value flat = c.b.root;
  if (rootType.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < rootType.getRank(); ++i)
      all.push_back(i);
    flat = memref::CollapseShapeOp::create(b, loc, flat,
                                           ArrayRef<ReassociationIndices>{all});
  }
  SmallVector<int64_t> shape;
  for (unsigned d : order)
    shape.push_back(c.sizes[d]);
  Value packedBuffer = memref::AllocOp::create(
      b, loc, MemRefType::get(shape, b.getI8Type()));
  AffineExpr source = getAffineConstantExpr(c.b.offset, ctx);
  for (auto [i, d] : llvm::enumerate(order))
    source = source + getAffineDimExpr(i, ctx) * c.b.coef[d];
  unsigned rank = order.size();
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, source),
                                 b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  linalg::GenericOp::create(
      b, loc, ValueRange{flat}, ValueRange{packedBuffer}, maps, iterators,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, args[0]);
      });
  c.b.root = packedBuffer;
  c.b.offset = 0;
  c.b.coef = coef;
  c.b.mode = OperandAccess::ReductionWords;
  return true;
}

bool mlir::qc::packWeightsForDot(Contraction &c, OpBuilder &b,
                                 llvm::StringMap<Value> &packed) {
  if (c.a.mode != OperandAccess::ReductionWords ||
      c.b.mode == OperandAccess::ReductionWords || c.redDims.empty())
    return false;
  auto get = c.b.root.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return packRuntimeOperand(c, b);
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  auto initial = global ? dyn_cast_or_null<DenseElementsAttr>(
                              global.getInitialValue().value_or(Attribute()))
                        : DenseElementsAttr();
  if (!initial || !global.getConstant() || initial.isSplat() ||
      !initial.getElementType().isInteger(8))
    return false;
  // The access must be a bijection onto the buffer: the dims B depends on,
  // by decreasing coefficient, form a row-major layout of all of it. Dims of
  // size 1 (a convolution's single group, 1x1 filter taps) always index 0:
  // their coefficients are arbitrary and would tie with a real dim's.
  SmallVector<unsigned> dims, order;
  if (!packedOrder(c, dims, order))
    return false;
  int64_t stride = 1;
  for (unsigned d : llvm::reverse(dims)) {
    if (c.b.coef[d] != stride)
      return false;
    stride *= c.sizes[d];
  }
  if (c.b.offset != 0 || stride != initial.getNumElements())
    return false;
  SmallVector<int64_t> coef = packedCoefficients(c, order, stride);
  // Some column coefficient must stay 4-aligned for word loads: it is a
  // product of sizes that include k's, a multiple of 4.
  std::string name = (global.getSymName() + "_dot").str();
  Value &view = packed[name];
  if (!view) {
    ArrayRef<char> raw = initial.getRawData();
    std::vector<char> bytes(raw.size());
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
    auto tensorType = RankedTensorType::get({stride}, b.getI8Type());
    auto memrefType = MemRefType::get({stride}, b.getI8Type());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(global);
    auto repacked = memref::GlobalOp::create(
        b, global.getLoc(), name, b.getStringAttr("private"), memrefType,
        DenseElementsAttr::getFromRawBuffer(tensorType, bytes),
        /*constant=*/true, global.getAlignmentAttr());
    SymbolTable(global->getParentOp()).insert(repacked);
    b.setInsertionPointAfter(get);
    view = memref::GetGlobalOp::create(b, get.getLoc(), memrefType,
                                       repacked.getSymName());
  }
  c.b.root = view;
  c.b.coef = coef;
  c.b.mode = OperandAccess::ReductionWords;
  return true;
}
