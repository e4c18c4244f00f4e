//===- PipelineStages.cpp - pass groups shared by qc's pipelines ----------===//
#include "PipelineStages.h"
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void qc::detail::addOneShotBufferize(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
}

void qc::detail::addResultsToOutParams(OpPassManager &pm) {
  // Upstream's out-parameter promotion crashes on `return %r, %r`.
  pm.addNestedPass<func::FuncOp>(createQCCopyRepeatedResults());
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());
}
