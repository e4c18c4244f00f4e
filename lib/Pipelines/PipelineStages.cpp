//===- PipelineStages.cpp - pass groups shared by qc's pipelines ----------===//
#include "PipelineStages.h"
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void qc::detail::addOneShotBufferize(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Upstream creates the constants' globals in an address-dependent order
  // of functions: make them first, in IR order, for a deterministic output.
  QCMaterializeConstantGlobalsOptions globals;
  globals.alignment = bufferize.bufferAlignment;
  pm.addPass(createQCMaterializeConstantGlobals(globals));
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
}

void qc::detail::addResultsToOutParams(OpPassManager &pm) {
  // Upstream's out-parameter promotion crashes on `return %r, %r`.
  pm.addNestedPass<func::FuncOp>(createQCCopyRepeatedResults());
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  // Per function, on the pass manager's threads: the functions are all
  // that the canonicalizer changes here (on the module it ran on one
  // thread, over every function in turn).
  pm.nest<func::FuncOp>().addPass(createCanonicalizerPass());
}
