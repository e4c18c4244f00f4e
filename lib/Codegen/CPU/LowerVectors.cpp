//===- LowerVectors.cpp - n-D vector ops to 1-D ops for LLVM --------------===//
#include "PatternConfig.h"
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/ChangeTracking.h"

#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPULOWERVECTORS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

/// Contractions and reductions first, while they still see whole tiles; the
/// unrolling patterns of the second stage would otherwise split them
/// piecemeal.
void qc::populateLowerVectorContractionsPatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorContractLoweringPatterns(
      patterns, vector::VectorContractLowering::OuterProduct);
  vector::populateVectorMultiReductionLoweringPatterns(
      patterns, vector::VectorMultiReductionLowering::InnerParallel);
  vector::populateVectorMaskOpLoweringPatterns(patterns);
  vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
  vector::ReductionOp::getCanonicalizationPatterns(patterns, context);
}

void qc::populateLowerVectorsTo1DPatterns(RewritePatternSet &patterns) {
  vector::populateVectorOuterProductLoweringPatterns(patterns);
  vector::populateVectorBroadcastLoweringPatterns(patterns);
  // One shufflevector per transpose tile: LLVM selects vpermt2* for it,
  // where extracting and inserting each element costs ~4 instructions
  // (measured on the transposes of qc-cpu-vectorize-gathers).
  vector::populateVectorTransposeLoweringPatterns(
      patterns, vector::VectorTransposeLowering::Shuffle1D);
  vector::populateVectorShapeCastLoweringPatterns(patterns);
  vector::populateVectorTransferLoweringPatterns(patterns,
                                                 /*maxTransferRank=*/1);
  // One element read or written through a memref whose innermost stride is
  // not 1 (a broadcast from a strided slice): the patterns above make
  // vector.load/store only for unit strides, and convert-vector-to-llvm has
  // no lowering for transfer ops left over; one element needs no stride.
  vector::populateScalarVectorTransferLoweringPatterns(
      patterns, /*benefit=*/1, /*allowMultipleUses=*/false);
  vector::populateVectorGatherLoweringPatterns(patterns);
  vector::populateVectorStepLoweringPatterns(patterns);
  vector::populateVectorInterleaveLoweringPatterns(patterns);
  vector::populateVectorMaskOpLoweringPatterns(patterns);
}

namespace {
struct LowerVectorsPass final
    : qc::impl::QCCPULowerVectorsBase<LowerVectorsPass> {
  using QCCPULowerVectorsBase::QCCPULowerVectorsBase;

  void runOnOperation() override {
    bool anyChanged = false;
    for (auto populate : {qc::populateLowerVectorContractionsPatterns,
                          qc::populateLowerVectorsTo1DPatterns}) {
      RewritePatternSet patterns(&getContext());
      populate(patterns);
      bool changed = false;
      if (failed(qc::applyPatternsTrackingChanges(
              getOperation(), std::move(patterns), qc::cpuPatternConfig(),
              changed)))
        return signalPassFailure();
      anyChanged |= changed;
    }
    if (!anyChanged)
      markAllAnalysesPreserved();
  }
};
} // namespace
