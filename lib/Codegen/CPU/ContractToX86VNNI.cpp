//===- ContractToX86VNNI.cpp - int8 vector.contract to vpdpbusd -----------===//
#include "Int8Kernels.h"
#include "PatternConfig.h"
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/ChangeTracking.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUCONTRACTTOX86VNNI
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

constexpr int64_t kLanes = 16;      // i32 lanes of a zmm register.
constexpr int64_t kBytesPerLane = 4; // k values one vpdpbusd lane sums.

bool isMatmulContract(vector::ContractionOp op) {
  MLIRContext *context = op.getContext();
  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  using MapList = ArrayRef<ArrayRef<AffineExpr>>;
  SmallVector<AffineMap> maps = AffineMap::inferFromExprList(
      MapList{{m, k}, {k, n}, {m, n}}, context);
  return op.getIndexingMapsArray() == maps &&
         op.getKind() == vector::CombiningKind::ADD;
}

struct ContractToVNNI final : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (isa<vector::MaskOp>(op->getParentOp()))
      return rewriter.notifyMatchFailure(op, "masked contraction");
    if (!isMatmulContract(op))
      return rewriter.notifyMatchFailure(op, "not (m,k)x(k,n)->(m,n) add");
    auto lhsType = dyn_cast<VectorType>(op.getLhsType());
    auto rhsType = dyn_cast<VectorType>(op.getRhsType());
    auto accType = dyn_cast<VectorType>(op.getAccType());
    if (!lhsType || !rhsType || !accType || lhsType.isScalable() ||
        rhsType.isScalable() || accType.isScalable())
      return rewriter.notifyMatchFailure(op, "needs fixed-size vectors");
    if (!lhsType.getElementType().isInteger(8) ||
        !rhsType.getElementType().isInteger(8) ||
        !accType.getElementType().isInteger(32))
      return rewriter.notifyMatchFailure(op, "needs i8 x i8 -> i32");
    int64_t rows = lhsType.getDimSize(0), depth = lhsType.getDimSize(1);
    int64_t cols = rhsType.getDimSize(1);
    if (depth % kBytesPerLane != 0 || cols % kLanes != 0)
      return rewriter.notifyMatchFailure(
          op, "k must be a multiple of 4 and n of 16");

    Location loc = op.getLoc();
    Type i8 = rewriter.getI8Type(), i32 = rewriter.getI32Type();
    auto laneType = VectorType::get({kLanes}, i32);
    auto bytesType = VectorType::get({kLanes * kBytesPerLane}, i8);
      StringAttr dotName = rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512");
    auto dot = [&](Value acc, Value unsignedBytes, Value signedBytes) {
      return LLVM::CallIntrinsicOp::create(rewriter, loc, laneType, dotName,
                                           ValueRange{acc, unsignedBytes,
                                                      signedBytes})
          .getResult(0);
    };
    auto slice = [&](Value vector, int64_t offset, int64_t size) {
      return vector::ExtractStridedSliceOp::create(rewriter, loc, vector,
                                                   ArrayRef<int64_t>{offset},
                                                   ArrayRef<int64_t>{size},
                                                   ArrayRef<int64_t>{1})
          .getResult();
    };

    SmallVector<Value> lhsRows, rhsRows, accRows;
    for (int64_t m = 0; m < rows; ++m) {
      lhsRows.push_back(
          vector::ExtractOp::create(rewriter, loc, op.getLhs(), m));
      accRows.push_back(vector::ExtractOp::create(rewriter, loc, op.getAcc(), m));
    }
    for (int64_t k = 0; k < depth; ++k)
      rhsRows.push_back(
          vector::ExtractOp::create(rewriter, loc, op.getRhs(), k));

    Value offsetBytes = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(bytesType, rewriter.getI8IntegerAttr(-128)));
    Value zeroLanes = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(laneType, rewriter.getI32IntegerAttr(0)));

    // Two-way interleaves: bytes, then byte pairs, give each i32 lane the
    // four rows k..k+3 of one column, the layout vpdpbusd reads.
    SmallVector<int64_t> bytePairs, wordPairs;
    for (int64_t i = 0; i < kLanes; ++i)
      bytePairs.append({i, i + kLanes});
    for (int64_t i = 0; i < kLanes; ++i)
      wordPairs.append({2 * i, 2 * i + 1, 2 * kLanes + 2 * i,
                        2 * kLanes + 2 * i + 1});

    // Offset lhs rows once: a ^ 0x80 is a + 128 as an unsigned byte.
    SmallVector<Value> unsignedLhs;
    for (Value row : lhsRows) {
      Value offsets = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(cast<VectorType>(row.getType()),
                                 rewriter.getI8IntegerAttr(-128)));
      unsignedLhs.push_back(arith::XOrIOp::create(rewriter, loc, row, offsets));
    }

    // k outermost: each broadcast lhs quad feeds every column block right
    // away, so only one broadcast is live at a time next to the
    // rows x blocks accumulators.
    int64_t blocks = cols / kLanes;
    SmallVector<SmallVector<Value>> acc(rows);
    for (int64_t m = 0; m < rows; ++m)
      for (int64_t block = 0; block < blocks; ++block)
        acc[m].push_back(slice(accRows[m], block * kLanes, kLanes));
    SmallVector<Value> correction(blocks, zeroLanes);
    for (int64_t k = 0; k < depth; k += kBytesPerLane) {
      SmallVector<Value> packed;
      for (int64_t block = 0; block < blocks; ++block) {
        SmallVector<Value> quadRows;
        for (int64_t j = 0; j < kBytesPerLane; ++j)
          quadRows.push_back(slice(rhsRows[k + j], block * kLanes, kLanes));
        Value rows01 = vector::ShuffleOp::create(rewriter, loc, quadRows[0],
                                                 quadRows[1], bytePairs);
        Value rows23 = vector::ShuffleOp::create(rewriter, loc, quadRows[2],
                                                 quadRows[3], bytePairs);
        packed.push_back(vector::ShuffleOp::create(rewriter, loc, rows01,
                                                   rows23, wordPairs));
        correction[block] = dot(correction[block], offsetBytes, packed[block]);
      }
      for (int64_t m = 0; m < rows; ++m) {
        Value quad = slice(unsignedLhs[m], k, kBytesPerLane);
        Value word = vector::BitCastOp::create(
            rewriter, loc, VectorType::get({1}, i32), quad);
        Value scalar = vector::ExtractOp::create(rewriter, loc, word, 0);
        Value splat =
            vector::BroadcastOp::create(rewriter, loc, laneType, scalar);
        Value splatBytes =
            vector::BitCastOp::create(rewriter, loc, bytesType, splat);
        for (int64_t block = 0; block < blocks; ++block)
          acc[m][block] = dot(acc[m][block], splatBytes, packed[block]);
      }
    }
    SmallVector<SmallVector<Value>> results(rows);
    for (int64_t m = 0; m < rows; ++m)
      for (int64_t block = 0; block < blocks; ++block)
        results[m].push_back(arith::SubIOp::create(rewriter, loc, acc[m][block],
                                                   correction[block]));

    Value result = op.getAcc();
    for (int64_t m = 0; m < rows; ++m) {
      Value row = accRows[m];
      for (auto [block, piece] : llvm::enumerate(results[m]))
        row = vector::InsertStridedSliceOp::create(
            rewriter, loc, piece, row,
            ArrayRef<int64_t>{int64_t(block) * kLanes}, ArrayRef<int64_t>{1});
      result = vector::InsertOp::create(rewriter, loc, row, result, m);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The four-byte dot product of qc-cpu-int8-kernels,
///   multi_reduction<add>(shape_cast<16x4>(extui(a) * extsi(w)), acc) [1],
/// a and w vector<64xi8>, is exactly one vpdpbusd; so is the sum
/// multi_reduction<add>(shape_cast<16x4>(extui(a)), acc) [1] (w = 1).
struct DotToVNNI final : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    auto sourceType = op.getSourceVectorType();
    if (op.getKind() != vector::CombiningKind::ADD ||
        sourceType.getShape() != ArrayRef<int64_t>{kLanes, kBytesPerLane} ||
        !sourceType.getElementType().isInteger(32) ||
        op.getReductionMask() != ArrayRef<bool>{false, true})
      return rewriter.notifyMatchFailure(op, "not a reduction of 16x4 i32 lanes");
    auto cast = op.getSource().getDefiningOp<vector::ShapeCastOp>();
    auto bytesOf = [](Value v) -> Value {
      Value source = v.getDefiningOp() ? v.getDefiningOp()->getOperand(0) : Value();
      auto type = source ? dyn_cast<VectorType>(source.getType()) : VectorType();
      if (!type || type.getShape() != ArrayRef<int64_t>{kLanes * kBytesPerLane} ||
          !type.getElementType().isInteger(8))
        return {};
      return source;
    };
    // The unsigned side may have been folded into a constant (the 0x80
    // bytes that take a signed input's offset back out).
    auto unsignedBytesOf = [&](Value v) -> Value {
      if (v.getDefiningOp<arith::ExtUIOp>())
        return bytesOf(v);
      SplatElementsAttr splat;
      if (!matchPattern(v, m_Constant(&splat)))
        return {};
      int64_t value = splat.getSplatValue<APInt>().getSExtValue();
      if (value < 0 || value > 255)
        return {};
      return arith::ConstantOp::create(
          rewriter, op.getLoc(),
          DenseElementsAttr::get(VectorType::get({kLanes * kBytesPerLane}, rewriter.getI8Type()),
                                 rewriter.getI8IntegerAttr(int8_t(value))));
    };
    // Products by weights of 1 folded away: the sums of four unsigned bytes
    // (a row's input sum, for u8 weights read offset by 128).
    if (cast && cast.getSource().getDefiningOp<arith::ExtUIOp>())
      if (Value a = bytesOf(cast.getSource())) {
        Value ones = arith::ConstantOp::create(
            rewriter, op.getLoc(),
            DenseElementsAttr::get(VectorType::get({kLanes * kBytesPerLane}, rewriter.getI8Type()),
                                   rewriter.getI8IntegerAttr(1)));
        rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
            op, op.getDestType(), rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
            ValueRange{op.getAcc(), a, ones});
        return success();
      }
    auto mul = cast ? cast.getSource().getDefiningOp<arith::MulIOp>() : nullptr;
    if (!mul)
      return rewriter.notifyMatchFailure(op, "not a reduction of products");
    Value a, w;
    for (auto [x, y] : {std::pair{mul.getLhs(), mul.getRhs()},
                        std::pair{mul.getRhs(), mul.getLhs()}}) {
      if (y.getDefiningOp<arith::ExtSIOp>() && (w = bytesOf(y)) && (a = unsignedBytesOf(x)))
        break;
      a = w = Value();
    }
    if (!a || !w)
      return rewriter.notifyMatchFailure(op, "not u8 x s8 products");
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op.getDestType(), rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
        ValueRange{op.getAcc(), a, w});
    return success();
  }
};

struct ContractToX86VNNIPass final
    : qc::impl::QCCPUContractToX86VNNIBase<ContractToX86VNNIPass> {
  using QCCPUContractToX86VNNIBase::QCCPUContractToX86VNNIBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateContractToX86VNNIPatterns(patterns);
    // The int8 kernels' codebook lookups: vpshufb is AVX512BW, which every
    // CPU with AVX512-VNNI has.
    qc::cpu::populateCodebookLookupX86Patterns(patterns, /*vbmi=*/false);
    // The 16-bit kernels' pairs: vpdpwssd.
    qc::cpu::populateWideDotX86Patterns(patterns);
    bool changed = false;
    if (failed(qc::applyPatternsTrackingChanges(
            getOperation(), std::move(patterns), qc::cpuPatternConfig(),
            changed)))
      return signalPassFailure();
    if (!changed)
      markAllAnalysesPreserved();
  }
};

} // namespace

void mlir::qc::populateContractToX86VNNIPatterns(RewritePatternSet &patterns) {
  patterns.add<ContractToVNNI, DotToVNNI>(patterns.getContext());
}
