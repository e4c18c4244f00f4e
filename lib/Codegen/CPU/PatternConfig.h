//===- PatternConfig.h - greedy rewrite settings of the CPU passes -*- C++ -*-===//
#ifndef QC_LIB_CODEGEN_CPU_PATTERNCONFIG_H
#define QC_LIB_CODEGEN_CPU_PATTERNCONFIG_H

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qc {

/// The greedy driver's settings for the CPU passes' rewrites: no region
/// simplification. A model is one large function; erasing unreachable blocks
/// and merging blocks after every pattern pass cost about a tenth of
/// qc-cpu-pipeline on resnet18 at 224x224 and left the output the same but
/// for the operand order of a few index multiplications (LLVM simplifies the
/// CFG anyway).
inline GreedyRewriteConfig cpuPatternConfig() {
  GreedyRewriteConfig config;
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  return config;
}

} // namespace mlir::qc

#endif // QC_LIB_CODEGEN_CPU_PATTERNCONFIG_H
