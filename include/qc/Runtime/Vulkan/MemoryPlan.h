//===- MemoryPlan.h - device buffers shared by intermediates ----*- C++ -*-===//
//
// Intermediate buffers whose uses (the steps that bind or copy them) do not
// overlap can live in the same device buffer: a model's activations then
// take about the memory of its two or three largest live ones instead of
// the sum of all. Inputs, outputs and constants keep their own buffers
// (the host writes or reads them around every run).
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_VULKAN_MEMORYPLAN_H
#define QC_RUNTIME_VULKAN_MEMORYPLAN_H

#include "qc/Runtime/Vulkan/Bundle.h"

#include <cstdint>
#include <vector>

namespace qc::vulkan {

struct MemoryPlan {
  /// Device block of each manifest buffer.
  std::vector<uint32_t> blockOf;
  /// Bytes of each block: the largest of its buffers, rounded up to whole
  /// 32-bit words (portable kernels access sub-word buffers as words).
  std::vector<uint64_t> blockBytes;
  /// Bytes of all blocks, and of one block per buffer (without reuse).
  uint64_t totalBytes = 0, unsharedBytes = 0;
};

/// Device bytes of a manifest buffer.
uint64_t deviceBytes(const BufferDesc &buffer);

/// Assigns buffers to blocks: an intermediate takes a block whose buffers'
/// last use precedes its first (the smallest such block that holds it,
/// otherwise the largest, grown), in the order of first use; every other
/// buffer gets its own. Steps run in order with a full memory barrier
/// between them, so a block's old contents are dead when a new buffer is
/// first written. An intermediate no step uses still gets its own block.
MemoryPlan planMemory(const Bundle &bundle);

} // namespace qc::vulkan

#endif // QC_RUNTIME_VULKAN_MEMORYPLAN_H
