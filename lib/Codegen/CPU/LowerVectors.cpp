//===- LowerVectors.cpp - n-D vector ops to 1-D ops for LLVM --------------===//
#include "PatternConfig.h"
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPULOWERVECTORS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {
struct LowerVectorsPass final
    : qc::impl::QCCPULowerVectorsBase<LowerVectorsPass> {
  using QCCPULowerVectorsBase::QCCPULowerVectorsBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    func::FuncOp func = getOperation();

    // Contractions and reductions first, while they still see whole tiles;
    // the unrolling patterns below would otherwise split them piecemeal.
    {
      RewritePatternSet patterns(context);
      vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerParallel);
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
      vector::ReductionOp::getCanonicalizationPatterns(patterns, context);
      if (failed(applyPatternsGreedily(func, std::move(patterns),
                                       qc::cpuPatternConfig())))
        return signalPassFailure();
    }
    {
      RewritePatternSet patterns(context);
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
      vector::populateVectorGatherLoweringPatterns(patterns);
      vector::populateVectorStepLoweringPatterns(patterns);
      vector::populateVectorInterleaveLoweringPatterns(patterns);
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns),
                                       qc::cpuPatternConfig())))
        return signalPassFailure();
    }
  }
};
} // namespace
