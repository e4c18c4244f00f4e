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

/// The constant weight of an i8 x i8 -> i32 matmul on static tensors.
struct RawMatmul {
  linalg::MatmulOp op;
  DenseIntElementsAttr weight;
  int64_t k, n;
  bool isUnsigned;
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
  return RawMatmul{op, weight, rhsType.getDimSize(0), rhsType.getDimSize(1),
                   op.getCast() == linalg::TypeFn::cast_unsigned};
}

/// The sparsest N:M structure (M in 4, 8, 16 dividing K) that every group of
/// every column satisfies, as (N, M); (0, 0) if none has N <= M / 2.
std::pair<int64_t, int64_t> detectNM(ArrayRef<int8_t> w, int64_t k, int64_t n) {
  std::pair<int64_t, int64_t> best{0, 0};
  for (int64_t m : {4, 8, 16}) {
    if (k % m != 0)
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
  AffineExpr m, n, j;
  bindDims(ctx, m, n, j);
  auto weightMap = AffineMap::get(3, 0, {n, j}, ctx);
  auto outMap = AffineMap::get(3, 0, {m, n}, ctx);
  Value lhs = mm.op.getInputs()[0];
  Value init = mm.op.getOutputs()[0];
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                utils::IteratorType::parallel,
                                                utils::IteratorType::reduction};
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{init.getType()}, ValueRange{values, indices},
      ValueRange{init}, ArrayRef<AffineMap>{weightMap, weightMap, outMap},
      iterators, [&](OpBuilder &b, Location l, ValueRange args) {
        Value row = linalg::IndexOp::create(b, l, 0);
        Value entry = linalg::IndexOp::create(b, l, 2);
        Value k = kOf(b, l, entry, args[1]);
        Value a = tensor::ExtractOp::create(b, l, lhs, ValueRange{row, k});
        Type i32 = b.getI32Type();
        Value a32 = mm.isUnsigned ? Value(arith::ExtUIOp::create(b, l, i32, a))
                                  : Value(arith::ExtSIOp::create(b, l, i32, a));
        Value w32 =
            mm.isUnsigned ? Value(arith::ExtUIOp::create(b, l, i32, args[0]))
                          : Value(arith::ExtSIOp::create(b, l, i32, args[0]));
        Value prod = arith::MulIOp::create(b, l, a32, w32);
        Value sum = arith::AddIOp::create(b, l, args[2], prod);
        linalg::YieldOp::create(b, l, sum);
      });
  return generic.getResult(0);
}

/// Replaces the matmul by the kernel result and drops the dense weight if
/// nothing else reads it.
void replaceMatmul(RawMatmul &mm, Value result) {
  Operation *weight = mm.op.getInputs()[1].getDefiningOp();
  mm.op.getResult(0).replaceAllUsesWith(result);
  mm.op.erase();
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

void rewriteNM(RawMatmul &mm, ArrayRef<int8_t> w, int64_t nKeep,
               int64_t m) {
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
  Location loc = mm.op.getLoc();
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
  Location loc = mm.op.getLoc();
  Value vals = columnConstant(builder, loc, mm.n, l, builder.getI8Type(), values);
  Value idx = columnConstant(builder, loc, mm.n, l,
                             builder.getIntegerType(indexBits), rows);
  Value result = buildGatherKernel(
      builder, loc, mm, vals, idx,
      [](OpBuilder &b, Location lc, Value, Value row) -> Value {
        return arith::IndexCastUIOp::create(b, lc, b.getIndexType(), row);
      });
  replaceMatmul(mm, result);
}

} // namespace

void mlir::qc::encodeSparseMatmuls(ModuleOp module,
                                   const SparseKernelOptions &options) {
  SmallVector<linalg::MatmulOp> matmuls;
  module.walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
  for (linalg::MatmulOp op : matmuls) {
    FailureOr<RawMatmul> mm = matchRawMatmul(op);
    if (failed(mm))
      continue;
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
        op.emitRemark() << "qc-sparsify: weight is all zero; kept dense";
      else
        op.emitRemark() << "qc-sparsify: sparsity " << sp
                        << " below min-sparsity "
                        << llvm::formatv("{0:F3}", options.minSparsity).str()
                        << "; kept dense";
      continue;
    }
    // Cost per output element, in dense multiply-adds (docs/Sparsity.md).
    // With fewer than kVectorRows rows the kernel runs as scalar loops, whose
    // cost per entry and row stays while dense gets cheaper per
    // multiply-add with every row that shares a read of the weight. From
    // kVectorRows on, qc-cpu-vectorize-gathers runs it on 16-lane row
    // vectors: an entry costs the same for 1 to 16 rows of a block.
    auto [nKeep, m] = detectNM(w, mm->k, mm->n);
    int64_t rows =
        cast<RankedTensorType>(op.getInputs()[0].getType()).getDimSize(0);
    auto perEntry = [&](double vectorCost, double scalarCost) {
      if (rows < kVectorRows)
        return scalarCost * double(rows);
      return vectorCost * double(llvm::alignTo(rows, kRowLanes)) /
             double(rows);
    };
    double dense = double(mm->k);
    double nm = m ? double(mm->k / m * nKeep) *
                        perEntry(options.nmCost, options.nmCostGemv)
                  : INFINITY;
    // The row-vectorized kernel stops each column at its last stored entry,
    // the scalar loops run every column to the longest.
    double ellEntries = rows < kVectorRows ? double(longest)
                                           : double(nnz) / double(mm->n);
    double ell = ellEntries * perEntry(options.ellCost, options.ellCostGemv);
    bool ellAllowed = !options.gpu;
    if (nm < dense && nm <= (ellAllowed ? ell : INFINITY)) {
      op.emitRemark() << "qc-sparsify: " << nKeep << ":" << m << " (sparsity "
                      << sp << "), cost " << llvm::formatv("{0:F1}", nm).str()
                      << " vs dense " << llvm::formatv("{0:F1}", dense).str()
                      << ": N:M kernel";
      rewriteNM(*mm, w, nKeep, m);
      continue;
    }
    if (ellAllowed && ell < dense) {
      op.emitRemark() << "qc-sparsify: unstructured (sparsity " << sp
                      << ", longest column " << longest << " of " << mm->k
                      << "), cost " << llvm::formatv("{0:F1}", ell).str()
                      << " vs dense " << llvm::formatv("{0:F1}", dense).str()
                      << ": ELL kernel";
      rewriteELL(*mm, w, longest);
      continue;
    }
    if (!ellAllowed && ell < dense)
      op.emitRemark() << "qc-sparsify: unstructured sparsity " << sp
                      << " has no GPU kernel; kept dense";
    else
      op.emitRemark() << "qc-sparsify: sparsity " << sp << " does not pay (cost "
                      << llvm::formatv("{0:F1}", std::min(nm, ell)).str()
                      << " vs dense " << llvm::formatv("{0:F1}", dense).str()
                      << "); kept dense";
  }
}
