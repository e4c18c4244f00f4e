//===- ContractionStrategy.cpp - tile choice for GPU contractions ---------===//
//
// The register tile is what makes a contraction kernel fast on every device:
// tileRows x tileCols accumulators per invocation turn tileRows + tileCols
// word loads into 4 * tileRows * tileCols multiply-adds per k-step. The
// workgroup then covers as many rows and columns as the output has, up to 64
// invocations (a multiple of every common subgroup size: 8 on lavapipe, 32 on
// NVIDIA/Intel, 64 on AMD) or the device's subgroup size if larger, within
// the device limit.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/ContractionStrategy.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::qc;

std::string ContractionConfig::describe() const {
  std::string out = llvm::formatv("tile {0}x{1}, workgroup {2}x{3}, k-step {4}",
                                  tileRows, tileCols, workgroupX, workgroupY,
                                  kStep)
                        .str();
  if (stageWords)
    out += llvm::formatv(", shared {0} B ({1} k per stage{2})", sharedBytes,
                         stageWords * 4,
                         lastStageWords
                             ? llvm::formatv(", last {0}", lastStageWords * 4)
                                   .str()
                             : std::string())
               .str();
  if (dotProduct)
    out += ", dot";
  if (broadcastRows)
    out += ", rows broadcast";
  if (quadBytes)
    out += llvm::formatv(", {0}-byte loads", quadBytes).str();
  if (broadcast64)
    out += ", 64-bit broadcast";
  if (shuffleRows)
    out += ", shuffle";
  if (subgroupSize)
    out += llvm::formatv(", subgroup {0}", subgroupSize).str();
  return out;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Workgroup memory of one stage: the A rows and the B columns of the
/// workgroup over `words` reduction words.
static int64_t stageBytes(const ContractionConfig &c, const ContractionShape &s,
                          int64_t words) {
  int64_t aWords = c.workgroupRows() * words;
  int64_t bWords = s.b == OperandAccess::ReductionWords
                       ? c.workgroupCols() * words
                       : words * 4 * ceilDiv(c.workgroupCols(), 4);
  return 4 * (aWords + bWords);
}

llvm::Expected<ContractionConfig>
mlir::qc::chooseContractionConfig(const ContractionShape &shape,
                                  const GPUDeviceLimits &limits) {
  if (limits.maxWorkgroupInvocations < 1)
    return llvm::createStringError(
        "maxComputeWorkGroupInvocations %lld leaves no invocation per "
        "workgroup",
        static_cast<long long>(limits.maxWorkgroupInvocations));
  ContractionConfig c;
  bool columnWords = shape.a == OperandAccess::ColumnWords ||
                     shape.b == OperandAccess::ColumnWords;
  // Column words need a multiple of 4 columns per invocation; otherwise 4
  // scalar columns still share each row's loads.
  c.tileCols = columnWords ? 4 : std::min<int64_t>(4, shape.cols);
  c.tileRows = std::min<int64_t>(8, shape.rows);
  if (shape.a == OperandAccess::ReductionWords ||
      shape.b == OperandAccess::ReductionWords)
    c.kStep = 4;
  c.dotProduct = limits.integerDotProduct &&
                 shape.a == OperandAccess::ReductionWords &&
                 shape.b == OperandAccess::ReductionWords;

  // At least one full subgroup where the device allows (a 128-wide subgroup
  // would otherwise run half empty).
  c.subgroupSize = limits.subgroupSize;
  int64_t budget = std::min<int64_t>(std::max<int64_t>(64, limits.subgroupSize),
                                     limits.maxWorkgroupInvocations);
  budget = int64_t(1) << llvm::Log2_64(budget);
  int64_t colGroups = ceilDiv(shape.cols, c.tileCols);
  int64_t rowGroups = ceilDiv(shape.rows, c.tileRows);
  c.workgroupX = std::min<int64_t>(budget, llvm::PowerOf2Ceil(colGroups));
  c.workgroupY = std::min<int64_t>(budget / c.workgroupX,
                                   llvm::PowerOf2Ceil(rowGroups));
  // One subgroup across the columns, the rest of the workgroup across rows:
  // the workgroup's rows then read the same B columns one after another
  // while they are in cache (on lavapipe, whose subgroup is one SIMD batch
  // of 8 invocations run in turn, resnet18's 512-channel 3x3 convs read 2.4
  // MB of weights that a 64-wide row of invocations streams once per row
  // group).
  while (c.workgroupX > std::max<int64_t>(1, limits.subgroupSize) &&
         c.workgroupY * 2 <= static_cast<int64_t>(llvm::PowerOf2Ceil(rowGroups))) {
    c.workgroupX /= 2;
    c.workgroupY *= 2;
  }

  // Workgroup-memory stages: the largest count of reduction words per stage
  // (at most the innermost reduction loop's) that fits the device; a stage
  // that does not divide the loop leaves a shorter last stage.
  if (limits.sharedMemoryTiles && shape.stageable &&
      shape.a == OperandAccess::ReductionWords &&
      shape.b != OperandAccess::Elements) {
    for (int64_t words : {8, 4, 2, 1}) {
      if (words > shape.innerDepth / 4)
        continue;
      int64_t bytes = stageBytes(c, shape, words);
      if (bytes <= limits.maxSharedMemoryBytes) {
        c.stageWords = words;
        c.lastStageWords = (shape.innerDepth / 4) % words;
        c.sharedBytes = bytes;
        break;
      }
    }
  }
  // Every lane of a subgroup must share the tile rows (the subgroup lies
  // in one workgroup row) and a lane must exist for each row.
  c.broadcastRows = limits.subgroupBroadcast &&
                    shape.a == OperandAccess::ReductionWords &&
                    !c.dotProduct && !c.stageWords && c.tileRows > 1 &&
                    c.tileRows <= limits.subgroupSize &&
                    c.workgroupX % limits.subgroupSize == 0;
  if (limits.wideLoads && shape.quadBytes && !c.dotProduct && !c.stageWords) {
    c.quadBytes = shape.quadBytes;
    c.kStep = shape.quadBytes;
  }
  c.broadcast64 = c.broadcastRows && c.quadBytes == 32 &&
                  limits.subgroupExtendedTypes;
  c.shuffleRows = c.broadcastRows && limits.subgroupShuffle;
  c.testMarkBroadcast = c.broadcastRows && limits.testMarkBroadcast;
  return c;
}
