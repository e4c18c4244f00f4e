//===- SparsifyKernels.cpp - N:M and ELL kernels for sparse int8 matmuls --===//
//
// After --qc-lower-to-linalg a quantized matmul is a raw i8 x i8 -> i32
// linalg.matmul whose zero points are handled outside it, so skipping the
// zero codes of the weight changes nothing in the integer result: both
// encodings below compute exactly sum_k a[m, k] * b[k, n].
//
// Both store the weight column by column ([N, L], L entries per column, so
// the innermost loop reads contiguous memory) and gather the activations of
// row m by index:
//   N:M  values + i8 offsets inside each group of M:  k = (j / N) * M + off
//   ELL  values + absolute row indices (i16 if K fits, else i32), columns
//        padded with zero values up to the longest column.
//
// A conv_2d_nhwc_hwcf filter [KH, KW, C, F] is the [KH*KW*C, F] weight of
// the same scheme; its kernel gathers the input window element instead.
//
//===----------------------------------------------------------------------===//
#include "Sparsify.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::qc;

namespace {

/// qc-cpu-vectorize-gathers' defaults: kernels with this many rows or more
/// run on row vectors of kRowLanes i32 lanes.
constexpr int64_t kVectorRows = 4;
constexpr int64_t kRowLanes = 16;

/// An i8 x constant-i8 -> i32 contraction on static tensors whose weight is
/// a [K, N] matrix in row-major order: a linalg.matmul's [K, N], or a
/// conv_2d_nhwc_hwcf filter [KH, KW, C, F] read as [R = KH*KW*C, F] with
/// r = (kh*KW + kw)*C + c (the same bytes).
struct RawMatmul {
  Operation *op;
  Value input, init;
  DenseIntElementsAttr weight;
  int64_t k, n;
  bool isUnsigned;
  /// Output elements per column: M for a matmul, N*OH*OW for a conv.
  int64_t rows;
  /// N:M groups must not straddle this many reduction positions: K for a
  /// matmul, C for a conv (a group stays inside one filter tap).
  int64_t groupSpan;
  /// Convolutions only: filter width and depth, strides, dilations.
  bool isConv = false;
  int64_t kw = 0, c = 0;
  int64_t strides[2] = {1, 1}, dilations[2] = {1, 1};
};

FailureOr<RawMatmul> matchRawMatmul(linalg::MatmulOp op) {
  if (op.hasUserDefinedMaps())
    return failure();
  auto lhsType = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
  auto rhsType = dyn_cast<RankedTensorType>(op.getInputs()[1].getType());
  auto outType = dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (!lhsType || !rhsType || !outType || !lhsType.hasStaticShape() ||
      !rhsType.hasStaticShape() || !outType.hasStaticShape() ||
      !lhsType.getElementType().isInteger(8) ||
      !rhsType.getElementType().isInteger(8) ||
      !outType.getElementType().isInteger(32))
    return failure();
  DenseIntElementsAttr weight;
  if (!matchPattern(op.getInputs()[1], m_Constant(&weight)))
    return failure();
  RawMatmul mm{op.getOperation(),
               op.getInputs()[0],
               op.getOutputs()[0],
               weight,
               rhsType.getDimSize(0),
               rhsType.getDimSize(1),
               op.getCast() == linalg::TypeFn::cast_unsigned,
               lhsType.getDimSize(0),
               rhsType.getDimSize(0)};
  return mm;
}

FailureOr<RawMatmul> matchRawConv(linalg::Conv2DNhwcHwcfOp op) {
  auto xType = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wType = dyn_cast<RankedTensorType>(op.getInputs()[1].getType());
  auto outType = dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (!xType || !wType || !outType || !xType.hasStaticShape() ||
      !wType.hasStaticShape() || !outType.hasStaticShape() ||
      !xType.getElementType().isInteger(8) ||
      !wType.getElementType().isInteger(8) ||
      !outType.getElementType().isInteger(32))
    return failure();
  DenseIntElementsAttr weight;
  if (!matchPattern(op.getInputs()[1], m_Constant(&weight)))
    return failure();
  int64_t kh = wType.getDimSize(0), kw = wType.getDimSize(1),
          c = wType.getDimSize(2), f = wType.getDimSize(3);
  // The named convolution always sign-extends its operands.
  RawMatmul mm{op.getOperation(),
               op.getInputs()[0],
               op.getOutputs()[0],
               weight,
               kh * kw * c,
               f,
               /*isUnsigned=*/false,
               outType.getDimSize(0) * outType.getDimSize(1) *
                   outType.getDimSize(2),
               c};
  mm.isConv = true;
  mm.kw = kw;
  mm.c = c;
  for (int i = 0; i < 2; ++i) {
    mm.strides[i] = op.getStrides().getValues<int64_t>()[i];
    mm.dilations[i] = op.getDilations().getValues<int64_t>()[i];
  }
  return mm;
}

/// The sparsest N:M structure (M in 4, 8, 16 dividing K) that every group of
/// every column satisfies, as (N, M); (0, 0) if none has N <= M / 2.
/// `span` (a multiple of every accepted M) keeps groups inside one conv tap.
std::pair<int64_t, int64_t> detectNM(ArrayRef<int8_t> w, int64_t k, int64_t n,
                                     int64_t span) {
  std::pair<int64_t, int64_t> best{0, 0};
  for (int64_t m : {4, 8, 16}) {
    if (k % m != 0 || span % m != 0)
      continue;
    int64_t worst = 0;
    for (int64_t g = 0; g < k / m; ++g)
      for (int64_t c = 0; c < n; ++c) {
        int64_t count = 0;
        for (int64_t j = 0; j < m; ++j)
          count += w[(g * m + j) * n + c] != 0;
        worst = std::max(worst, count);
      }
    if (2 * worst > m)
      continue;
    // Prefer the smaller stored fraction, then the smaller group.
    if (best.second == 0 || worst * best.second < best.first * m)
      best = {worst, m};
  }
  return best;
}

/// Builds the gather kernel over [N, L] values and indices.
/// `kOf(builder, j, index)` turns the stored index at entry j into k.
Value buildGatherKernel(
    OpBuilder &builder, Location loc, RawMatmul &mm, Value values,
    Value indices,
    function_ref<Value(OpBuilder &, Location, Value, Value)> kOf) {
  MLIRContext *ctx = builder.getContext();
  // Matmul loops (m, n, j); conv loops (n, oh, ow, f, j).
  unsigned numLoops = mm.isConv ? 5 : 3;
  SmallVector<AffineExpr> d;
  for (unsigned i = 0; i < numLoops; ++i)
    d.push_back(getAffineDimExpr(i, ctx));
  AffineExpr col = d[numLoops - 2], j = d[numLoops - 1];
  auto weightMap = AffineMap::get(numLoops, 0, {col, j}, ctx);
  auto outMap = AffineMap::get(numLoops, 0, ArrayRef(d).drop_back(), ctx);
  SmallVector<utils::IteratorType> iterators(numLoops - 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{mm.init.getType()}, ValueRange{values, indices},
      ValueRange{mm.init}, ArrayRef<AffineMap>{weightMap, weightMap, outMap},
      iterators, [&](OpBuilder &b, Location l, ValueRange args) {
        Value entry = linalg::IndexOp::create(b, l, numLoops - 1);
        Value k = kOf(b, l, entry, args[1]);
        Value a;
        if (!mm.isConv) {
          Value row = linalg::IndexOp::create(b, l, 0);
          a = tensor::ExtractOp::create(b, l, mm.input, ValueRange{row, k});
        } else {
          // The stored reduction index is decoded with constant div/rem
          // rather than stored as (kh, kw, c): the index constants keep
          // the matmul's size and form, and division by a constant lowers
          // to a multiply and shift.
          auto cst = [&](int64_t v) -> Value {
            return arith::ConstantIndexOp::create(b, l, v);
          };
          Value tap = arith::DivUIOp::create(b, l, k, cst(mm.c));
          Value ch = arith::RemUIOp::create(b, l, k, cst(mm.c));
          Value kh = arith::DivUIOp::create(b, l, tap, cst(mm.kw));
          Value kw = arith::RemUIOp::create(b, l, tap, cst(mm.kw));
          auto pos = [&](unsigned dim, Value tapIndex, int i) -> Value {
            Value o = linalg::IndexOp::create(b, l, dim);
            Value os = arith::MulIOp::create(b, l, o, cst(mm.strides[i]));
            Value td =
                arith::MulIOp::create(b, l, tapIndex, cst(mm.dilations[i]));
            return arith::AddIOp::create(b, l, os, td);
          };
          Value batch = linalg::IndexOp::create(b, l, 0);
          a = tensor::ExtractOp::create(
              b, l, mm.input,
              ValueRange{batch, pos(1, kh, 0), pos(2, kw, 1), ch});
        }
        Type i32 = b.getI32Type();
        Value a32 = mm.isUnsigned ? Value(arith::ExtUIOp::create(b, l, i32, a))
                                  : Value(arith::ExtSIOp::create(b, l, i32, a));
        Value w32 = mm.isUnsigned
                        ? Value(arith::ExtUIOp::create(b, l, i32, args[0]))
                        : Value(arith::ExtSIOp::create(b, l, i32, args[0]));
        Value prod = arith::MulIOp::create(b, l, a32, w32);
        Value sum = arith::AddIOp::create(b, l, args[2], prod);
        linalg::YieldOp::create(b, l, sum);
      });
  return generic.getResult(0);
}

/// Replaces the contraction by the kernel result and drops the dense weight
/// if nothing else reads it.
void replaceMatmul(RawMatmul &mm, Value result) {
  Operation *weight = mm.op->getOperand(1).getDefiningOp();
  mm.op->getResult(0).replaceAllUsesWith(result);
  mm.op->erase();
  if (weight && weight->use_empty())
    weight->erase();
}

/// Column-major [N, L] constant of the given element type.
Value columnConstant(OpBuilder &builder, Location loc, int64_t n, int64_t l,
                     Type elementType, ArrayRef<APInt> data) {
  auto type = RankedTensorType::get({n, l}, elementType);
  return arith::ConstantOp::create(builder, loc,
                                   DenseElementsAttr::get(type, data));
}

void rewriteNM(RawMatmul &mm, ArrayRef<int8_t> w, int64_t nKeep, int64_t m) {
  int64_t groups = mm.k / m, l = groups * nKeep;
  SmallVector<APInt> values, offsets;
  values.reserve(mm.n * l);
  offsets.reserve(mm.n * l);
  for (int64_t c = 0; c < mm.n; ++c)
    for (int64_t g = 0; g < groups; ++g) {
      int64_t stored = 0;
      for (int64_t j = 0; j < m && stored < nKeep; ++j) {
        int8_t v = w[(g * m + j) * mm.n + c];
        if (v == 0)
          continue;
        values.push_back(APInt(8, uint64_t(v), /*isSigned=*/true));
        offsets.push_back(APInt(8, j));
        ++stored;
      }
      // Groups with fewer than N non-zeros are padded with zero values.
      for (; stored < nKeep; ++stored) {
        values.push_back(APInt(8, 0));
        offsets.push_back(APInt(8, 0));
      }
    }
  OpBuilder builder(mm.op);
  Location loc = mm.op->getLoc();
  Type i8 = builder.getI8Type();
  Value vals = columnConstant(builder, loc, mm.n, l, i8, values);
  Value offs = columnConstant(builder, loc, mm.n, l, i8, offsets);
  Value result = buildGatherKernel(
      builder, loc, mm, vals, offs,
      [&](OpBuilder &b, Location lc, Value entry, Value off) -> Value {
        Value nConst = arith::ConstantIndexOp::create(b, lc, nKeep);
        Value mConst = arith::ConstantIndexOp::create(b, lc, m);
        Value group = arith::DivUIOp::create(b, lc, entry, nConst);
        Value base = arith::MulIOp::create(b, lc, group, mConst);
        Value offIndex =
            arith::IndexCastUIOp::create(b, lc, b.getIndexType(), off);
        return arith::AddIOp::create(b, lc, base, offIndex);
      });
  replaceMatmul(mm, result);
}

void rewriteELL(RawMatmul &mm, ArrayRef<int8_t> w, int64_t l) {
  unsigned indexBits = mm.k <= (1 << 16) ? 16 : 32;
  SmallVector<APInt> values, rows;
  values.reserve(mm.n * l);
  rows.reserve(mm.n * l);
  for (int64_t c = 0; c < mm.n; ++c) {
    int64_t stored = 0;
    for (int64_t r = 0; r < mm.k; ++r) {
      int8_t v = w[r * mm.n + c];
      if (v == 0)
        continue;
      values.push_back(APInt(8, uint64_t(v), /*isSigned=*/true));
      rows.push_back(APInt(indexBits, r));
      ++stored;
    }
    // Padding entries multiply row 0 by a zero value.
    for (; stored < l; ++stored) {
      values.push_back(APInt(8, 0));
      rows.push_back(APInt(indexBits, 0));
    }
  }
  OpBuilder builder(mm.op);
  Location loc = mm.op->getLoc();
  Value vals =
      columnConstant(builder, loc, mm.n, l, builder.getI8Type(), values);
  Value idx = columnConstant(builder, loc, mm.n, l,
                             builder.getIntegerType(indexBits), rows);
  Value result = buildGatherKernel(
      builder, loc, mm, vals, idx,
      [](OpBuilder &b, Location lc, Value, Value row) -> Value {
        return arith::IndexCastUIOp::create(b, lc, b.getIndexType(), row);
      });
  replaceMatmul(mm, result);
}

/// Takes the cost model's decision for one contraction and rewrites it.
/// A conv counts as a matmul with N*OH*OW rows and K = KH*KW*C.
SparseEncoding encodeOne(FailureOr<RawMatmul> mm,
                         const QCSparsifyOptions &options) {
  Operation *op = (*mm).op;
  SmallVector<int8_t> w;
  w.reserve(mm->k * mm->n);
  for (APInt v : mm->weight.getValues<APInt>())
    w.push_back(int8_t(v.getSExtValue()));
  int64_t nnz = 0, longest = 0;
  for (int64_t c = 0; c < mm->n; ++c) {
    int64_t count = 0;
    for (int64_t r = 0; r < mm->k; ++r)
      count += w[r * mm->n + c] != 0;
    nnz += count;
    longest = std::max(longest, count);
  }
  double sparsity = 1.0 - double(nnz) / double(mm->k * mm->n);
  std::string sp = llvm::formatv("{0:F3}", sparsity).str();
  if (sparsity < options.minSparsity || nnz == 0) {
    if (nnz == 0)
      op->emitRemark() << "qc-sparsify: weight is all zero; kept dense";
    else
      op->emitRemark() << "qc-sparsify: sparsity " << sp
                       << " below min-sparsity "
                       << llvm::formatv("{0:F3}", options.minSparsity).str()
                       << "; kept dense";
    return SparseEncoding::Dense;
  }
  // Cost per output element, in dense multiply-adds (docs/Sparsity.md).
  // With fewer than kVectorRows rows the kernel runs as scalar loops, whose
  // cost per entry and row stays while dense gets cheaper per
  // multiply-add with every row that shares a read of the weight. From
  // kVectorRows on, qc-cpu-vectorize-gathers runs it on 16-lane row
  // vectors: an entry costs the same for 1 to 16 rows of a block.
  auto [nKeep, m] = detectNM(w, mm->k, mm->n, mm->groupSpan);
  int64_t rows = mm->rows;
  auto perEntry = [&](double vectorCost, double scalarCost) {
    if (rows < kVectorRows)
      return scalarCost * double(rows);
    return vectorCost * double(llvm::alignTo(rows, kRowLanes)) / double(rows);
  };
  double dense = double(mm->k);
  double nm = m ? double(mm->k / m * nKeep) *
                      perEntry(options.nmCost, options.nmCostGemv)
                : INFINITY;
  // The row-vectorized kernel stops each column at its last stored entry,
  // the scalar loops run every column to the longest.
  double ellEntries =
      rows < kVectorRows ? double(longest) : double(nnz) / double(mm->n);
  double ell = ellEntries * perEntry(options.ellCost, options.ellCostGemv);
  bool ellAllowed = options.target != "gpu";
  if (nm < dense && nm <= (ellAllowed ? ell : INFINITY)) {
    op->emitRemark() << "qc-sparsify: " << nKeep << ":" << m << " (sparsity "
                     << sp << "), cost " << llvm::formatv("{0:F1}", nm).str()
                     << " vs dense " << llvm::formatv("{0:F1}", dense).str()
                     << ": N:M kernel";
    rewriteNM(*mm, w, nKeep, m);
    return SparseEncoding::NM;
  }
  if (ellAllowed && ell < dense) {
    op->emitRemark() << "qc-sparsify: unstructured (sparsity " << sp
                     << ", longest column " << longest << " of " << mm->k
                     << "), cost " << llvm::formatv("{0:F1}", ell).str()
                     << " vs dense " << llvm::formatv("{0:F1}", dense).str()
                     << ": ELL kernel";
    rewriteELL(*mm, w, longest);
    return SparseEncoding::ELL;
  }
  if (!ellAllowed && ell < dense)
    op->emitRemark() << "qc-sparsify: unstructured sparsity " << sp
                     << " has no GPU kernel; kept dense";
  else
    op->emitRemark() << "qc-sparsify: sparsity " << sp << " does not pay (cost "
                     << llvm::formatv("{0:F1}", std::min(nm, ell)).str()
                     << " vs dense " << llvm::formatv("{0:F1}", dense).str()
                     << "); kept dense";
  return SparseEncoding::Dense;
}

/// The constant behind `v`, looking through reshapes (the depthwise and
/// grouped lowerings reshape the filter).
bool isConstantFilter(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      v = def->getOperand(0);
      continue;
    }
    return matchPattern(v, m_Constant());
  }
  return false;
}

/// Number of groups of the generic that --qc-lower-to-linalg emits for a
/// grouped (or unsigned) conv: loops (n, oh, ow, g, f, kh, kw, c) with the
/// filter expanded to [KH, KW, C/G, G, F/G]; 0 if `op` is not that form.
int64_t groupedConvGroups(linalg::GenericOp op) {
  if (op.getNumLoops() != 8 || op.getNumReductionLoops() != 3 ||
      op.getNumDpsInputs() != 2)
    return 0;
  auto expand = op.getDpsInputs()[1].getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand || expand.getResultType().getRank() != 5 ||
      !isConstantFilter(expand.getSrc()))
    return 0;
  return expand.getResultType().getDimSize(3);
}

} // namespace

SparseEncodingCounts
mlir::qc::encodeSparseMatmuls(ModuleOp module,
                              const QCSparsifyOptions &options) {
  SparseEncodingCounts counts;
  auto count = [&](SparseEncoding encoding) {
    switch (encoding) {
    case SparseEncoding::Dense:
      ++counts.dense;
      break;
    case SparseEncoding::NM:
      ++counts.nm;
      break;
    case SparseEncoding::ELL:
      ++counts.ell;
      break;
    }
  };
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<linalg::MatmulOp, linalg::Conv2DNhwcHwcfOp,
            linalg::DepthwiseConv2DNhwcHwcmOp, linalg::DepthwiseConv2DNhwcHwcOp,
            linalg::GenericOp>(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    if (auto matmul = dyn_cast<linalg::MatmulOp>(op)) {
      if (FailureOr<RawMatmul> mm = matchRawMatmul(matmul); succeeded(mm))
        count(encodeOne(mm, options));
    } else if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op)) {
      if (FailureOr<RawMatmul> mm = matchRawConv(conv); succeeded(mm))
        count(encodeOne(mm, options));
    } else if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      int64_t groups = groupedConvGroups(generic);
      if (groups > 1)
        op->emitRemark()
            << "qc-sparsify: grouped convolution kept dense: each filter "
               "reduces over only C/groups channels of its group, and the "
               "gather kernels cover groups = 1";
      else if (groups == 1)
        op->emitRemark()
            << "qc-sparsify: convolution on unsigned codes kept dense: it is "
               "lowered to a generic, and the gather kernels cover "
               "linalg.conv_2d_nhwc_hwcf only";
    } else if (isConstantFilter(op->getOperand(1))) {
      op->emitRemark()
          << "qc-sparsify: depthwise convolution kept dense: each output "
             "channel reduces over only KH*KW taps of one channel, too few "
             "for N:M groups along C or for a stored index per entry to pay";
    }
  }
  return counts;
}
