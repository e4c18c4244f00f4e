//===- ContractionStrategy.h - tile choice for GPU contractions -*- C++ -*-===//
//
// Strategy apart from mechanism: this header decides how an integer
// contraction (matmul, convolution, depthwise convolution, fully connected
// layer) is tiled on a GPU from its shape and the device's limits;
// qc-spirv-contraction-kernels only applies the decision.
//
//===----------------------------------------------------------------------===//
#ifndef QC_GPU_CONTRACTIONSTRATEGY_H
#define QC_GPU_CONTRACTIONSTRATEGY_H

#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace mlir::qc {

/// What the compiler knows about the target device. Defaults are Vulkan's
/// guaranteed minimums, so a kernel compiled without a device runs anywhere.
struct GPUDeviceLimits {
  int64_t maxWorkgroupInvocations = 128;
  int64_t maxSharedMemoryBytes = 16384;
  int64_t subgroupSize = 32;
  /// shaderIntegerDotProduct: OpSDot/OpSUDot on 4x8-bit packed words.
  bool integerDotProduct = false;
  /// Stage operand tiles through workgroup (shared) memory. Pays on GPUs
  /// (one global read per tile element instead of one per use); on CPU
  /// devices such as lavapipe shared memory is ordinary memory and staging
  /// only adds copies and barriers.
  bool sharedMemoryTiles = true;
  /// OpGroupNonUniformBroadcast may hand A words between the lanes of a
  /// subgroup (the device has the BASIC and BALLOT subgroup operations). A
  /// kernel uses it only where its run-time check finds the subgroup inside
  /// one workgroup row (ContractionBroadcast.cpp); off by default because a
  /// bundle compiled without a device must not need the capabilities.
  bool subgroupBroadcast = false;
  /// Read 16 reduction elements per operand load where both operands allow
  /// it (vector<4xi32>): pays where a load instruction costs far more than
  /// its width (lavapipe), so on for CPU devices.
  bool wideLoads = false;
  /// With wideLoads: 32 reduction elements per load (vector<4xi64>) where
  /// aligned; the target has the Int64 capability.
  bool int64Loads = false;
  /// shaderSubgroupExtendedTypes: group operations may take 64-bit
  /// integers, so the row broadcast of a 32-byte load hands out its
  /// vector<4xi64> whole instead of eight 32-bit words.
  bool subgroupExtendedTypes = false;
  /// The device has the subgroup SHUFFLE operations: the row broadcast
  /// hands rows out with OpGroupNonUniformShuffle from a constant lane
  /// instead of OpGroupNonUniformBroadcast. Same values; on lavapipe (Mesa
  /// 22.3) a broadcast runs a loop over the lanes per component to find an
  /// active one, a shuffle with a constant lane is one vector permute.
  bool subgroupShuffle = false;
  /// Testing only: the broadcast loops add 1 to every accumulator, so that
  /// an output shows whether a kernel's run-time check took them or the
  /// plain loads (test/Integration/Vulkan/broadcast-fallback.mlir).
  bool testMarkBroadcast = false;
};

/// How each operand of a contraction is read, decided by its memory layout.
enum class OperandAccess {
  /// 4 consecutive reduction elements (k) from one 32-bit word.
  ReductionWords,
  /// 4 consecutive output columns from one 32-bit word.
  ColumnWords,
  /// One element per load.
  Elements,
};

/// A contraction as rows x columns of outputs over a reduction: rows are all
/// output dims but the innermost, columns the innermost (contiguous) one.
struct ContractionShape {
  int64_t rows = 1, cols = 1;
  /// Size of the innermost reduction loop and of all reduction loops.
  int64_t innerDepth = 1, depth = 1;
  OperandAccess a = OperandAccess::Elements, b = OperandAccess::Elements;
  /// A does not depend on the column and B not on the row: a workgroup's
  /// operand words can be staged as rows of A and columns of B.
  bool stageable = false;
  /// Both operands are read along the reduction in aligned units of this
  /// many bytes (16: vector<4xi32>, 32: vector<4xi64>; 0: not).
  int64_t quadBytes = 0;
};

/// The tiling of one contraction kernel.
struct ContractionConfig {
  /// Outputs per invocation, held in registers: tileRows x tileCols.
  int64_t tileRows = 1, tileCols = 1;
  /// Invocations per workgroup along columns (x) and rows (y).
  int64_t workgroupX = 1, workgroupY = 1;
  /// Reduction elements per step of the innermost reduction loop.
  int64_t kStep = 1;
  /// Staged through workgroup memory: reduction words per stage (0: not
  /// staged) and the bytes of workgroup memory the stage takes.
  int64_t stageWords = 0, sharedBytes = 0;
  /// Words of the shorter last stage where stageWords does not divide the
  /// innermost reduction's words (0: every stage is full).
  int64_t lastStageWords = 0;
  /// Packed 4x8-bit integer dot products (both operands ReductionWords).
  bool dotProduct = false;
  /// Lane l of each subgroup loads tile row l's A word (l < tileRows) and
  /// the rows are broadcast from those lanes: 1 A load per step instead of
  /// tileRows.
  bool broadcastRows = false;
  /// Operands read as vector<4xi32> quads (16 reduction elements per step)
  /// or vector<4xi64> (32); 0: not.
  int64_t quadBytes = 0;
  /// With broadcastRows and 32-byte loads: the row's vector<4xi64> is
  /// broadcast whole (needs shaderSubgroupExtendedTypes), not as 32-bit words.
  bool broadcast64 = false;
  /// With broadcastRows: OpGroupNonUniformShuffle instead of
  /// OpGroupNonUniformBroadcast (GPUDeviceLimits::subgroupShuffle).
  bool shuffleRows = false;
  /// GPUDeviceLimits::testMarkBroadcast (not in describe()).
  bool testMarkBroadcast = false;
  /// The device's subgroup size the workgroup was shaped for (recorded so a
  /// bundle says which device it was tuned for).
  int64_t subgroupSize = 0;

  int64_t workgroupRows() const { return tileRows * workgroupY; }
  int64_t workgroupCols() const { return tileCols * workgroupX; }
  /// "tile 8x4, workgroup 16x4, k-step 4, shared 2048 B, dot, subgroup 32".
  std::string describe() const;
};

/// Chooses the tiling of `shape` within `limits`; an error names the limit
/// that no tiling fits.
llvm::Expected<ContractionConfig>
chooseContractionConfig(const ContractionShape &shape,
                        const GPUDeviceLimits &limits);

} // namespace mlir::qc

#endif // QC_GPU_CONTRACTIONSTRATEGY_H
