//===- TableLookupX86VBMI.cpp - 256-entry byte tables with vpermi2b -------===//
//
// qc.table lowers to a linalg.generic reading a constant tensor<256xi8> at
// (code - storage_min); the linalg vectorizer makes that a vector.gather,
// which LLVM scalarizes for bytes on x86 (there is no byte gather). With
// AVX512-VBMI the whole table fits in four zmm registers and a lookup of up
// to 64 codes is two vpermi2b (each selects among 128 bytes by the low 7
// index bits) and one blend on the index's top bit. Runs after
// bufferization: the intrinsic calls have no declared memory effects, which
// one-shot bufferization does not accept inside loops on tensors.
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"
#include "PatternConfig.h"
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/ChangeTracking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUTABLELOOKUPX86VBMI
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

constexpr int64_t kBytes = 64; // one zmm register

/// The 256 bytes of a constant memref.global read by `base`, or nothing.
std::optional<SmallVector<int8_t>> getConstantTable(Value base) {
  auto getGlobal = base.getDefiningOp<memref::GetGlobalOp>();
  if (!getGlobal)
    return std::nullopt;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      getGlobal, getGlobal.getNameAttr());
  if (!global || !global.getConstant())
    return std::nullopt;
  auto values = dyn_cast_or_null<DenseIntElementsAttr>(global.getConstantInitValue());
  if (!values || values.getNumElements() != 256 || !values.getElementType().isInteger(8))
    return std::nullopt;
  SmallVector<int8_t> bytes;
  for (const APInt &v : values.getValues<APInt>())
    bytes.push_back(static_cast<int8_t>(v.getSExtValue()));
  return bytes;
}

/// The byte codes behind a gather's indices `index_cast(ext(codes) - c)`
/// where c is the smallest code of the extension (so every code indexes
/// inside the table), and c.
FailureOr<std::pair<Value, int64_t>> matchCodeIndices(Value indices) {
  auto cast = indices.getDefiningOp<arith::IndexCastOp>();
  if (!cast)
    return failure();
  Value index = cast.getIn();
  int64_t offset = 0;
  APInt c;
  if (auto sub = index.getDefiningOp<arith::SubIOp>();
      sub && matchPattern(sub.getRhs(), m_ConstantInt(&c))) {
    offset = c.getSExtValue();
    index = sub.getLhs();
  } else if (auto add = index.getDefiningOp<arith::AddIOp>();
             add && matchPattern(add.getRhs(), m_ConstantInt(&c))) {
    offset = -c.getSExtValue();
    index = add.getLhs();
  }
  Operation *ext = index.getDefiningOp();
  if (!isa_and_nonnull<arith::ExtSIOp, arith::ExtUIOp>(ext))
    return failure();
  Value codes = ext->getOperand(0);
  auto type = dyn_cast<VectorType>(codes.getType());
  if (!type || !type.getElementType().isInteger(8))
    return failure();
  if (offset != (isa<arith::ExtSIOp>(ext) ? -128 : 0))
    return failure();
  return std::pair{codes, offset};
}

struct GatherToVPermI2B final : OpRewritePattern<vector::GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::GatherOp op,
                                PatternRewriter &rewriter) const override {
    VectorType resultType = op.getVectorType();
    int64_t lanes = resultType.getNumElements();
    if (!resultType.getElementType().isInteger(8) || resultType.isScalable() ||
        lanes > kBytes || !isa<MemRefType>(op.getBase().getType()) ||
        !llvm::all_of(op.getOffsets(), [](Value v) { return matchPattern(v, m_Zero()); }))
      return rewriter.notifyMatchFailure(op, "not a byte gather of at most 64 lanes");
    std::optional<SmallVector<int8_t>> table = getConstantTable(op.getBase());
    if (!table)
      return rewriter.notifyMatchFailure(op, "base is not a constant 256-byte table");
    FailureOr<std::pair<Value, int64_t>> codes = matchCodeIndices(op.getIndices());
    if (failed(codes))
      return rewriter.notifyMatchFailure(op, "indices are not ext(codes) - storage_min");

    Location loc = op.getLoc();
    Type i8 = rewriter.getI8Type();
    auto flatType = VectorType::get({lanes}, i8);
    auto zmmType = VectorType::get({kBytes}, i8);
    // index = code - storage_min (mod 256): bit 7 picks the table half,
    // bits 0-6 the byte within two registers.
    Value flat = vector::ShapeCastOp::create(rewriter, loc, flatType, codes->first);
    Value offset = arith::ConstantOp::create(
        rewriter, loc, DenseIntElementsAttr::get(flatType, static_cast<int8_t>(codes->second)));
    Value index = arith::SubIOp::create(rewriter, loc, flat, offset);
    if (lanes < kBytes) {
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < kBytes; ++i)
        mask.push_back(i < lanes ? i : 0);
      index = vector::ShuffleOp::create(rewriter, loc, index, index, mask);
    }
    SmallVector<Value> parts;
    for (int64_t t = 0; t < 4; ++t)
      parts.push_back(arith::ConstantOp::create(
          rewriter, loc,
          DenseIntElementsAttr::get(zmmType, ArrayRef(*table).slice(t * kBytes, kBytes))));
    StringAttr permute = rewriter.getStringAttr("llvm.x86.avx512.vpermi2var.qi.512");
    auto lookup = [&](Value lo, Value hi) {
      return LLVM::CallIntrinsicOp::create(rewriter, loc, zmmType, permute,
                                           ValueRange{lo, index, hi})
          .getResult(0);
    };
    Value low = lookup(parts[0], parts[1]), high = lookup(parts[2], parts[3]);
    Value zero =
        arith::ConstantOp::create(rewriter, loc, DenseIntElementsAttr::get(zmmType, int8_t{0}));
    Value upper = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, index, zero);
    Value bytes = arith::SelectOp::create(rewriter, loc, upper, high, low);
    if (lanes < kBytes)
      bytes = vector::ExtractStridedSliceOp::create(rewriter, loc, bytes, ArrayRef<int64_t>{0},
                                                    ArrayRef<int64_t>{lanes},
                                                    ArrayRef<int64_t>{1});
    Value result = vector::ShapeCastOp::create(rewriter, loc, resultType, bytes);
    // Masked-off lanes take the pass-through value, as the gather's do.
    if (!matchPattern(op.getMask(), m_One()))
      result = arith::SelectOp::create(rewriter, loc, op.getMask(), result, op.getPassThru());
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TableLookupX86VBMIPass final
    : qc::impl::QCCPUTableLookupX86VBMIBase<TableLookupX86VBMIPass> {
  using QCCPUTableLookupX86VBMIBase::QCCPUTableLookupX86VBMIBase;
  void runOnOperation() override {
    // Most models have no gather: skip the rewrite driver's walks over them.
    if (!getOperation()
             ->walk([](vector::GatherOp) { return WalkResult::interrupt(); })
             .wasInterrupted())
      return markAllAnalysesPreserved();
    RewritePatternSet patterns(&getContext());
    qc::populateTableLookupX86VBMIPatterns(patterns);
    // The int8 kernels' per-channel codebook lookups (vpermb, vpermi2b).
    qc::cpu::populateCodebookLookupX86Patterns(patterns, /*vbmi=*/true);
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

void mlir::qc::populateTableLookupX86VBMIPatterns(RewritePatternSet &patterns) {
  patterns.add<GatherToVPermI2B>(patterns.getContext());
}
