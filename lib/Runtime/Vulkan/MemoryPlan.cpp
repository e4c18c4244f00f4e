//===- MemoryPlan.cpp - liveness-based sharing of intermediate buffers ----===//
#include "qc/Runtime/Vulkan/MemoryPlan.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <utility>

namespace qc::vulkan {

uint64_t deviceBytes(const BufferDesc &buffer) {
  return std::max<uint64_t>(4, (buffer.bytes + 3) / 4 * 4);
}

MemoryPlan planMemory(const Bundle &bundle) {
  size_t n = bundle.buffers.size();
  constexpr size_t kUnused = ~size_t(0);
  std::vector<size_t> first(n, kUnused), last(n, 0);
  auto use = [&](uint32_t id, size_t step) {
    if (id >= n)
      return;
    first[id] = std::min(first[id], step);
    last[id] = std::max(last[id], step);
  };
  for (auto [step, desc] : llvm::enumerate(bundle.steps)) {
    if (desc.kind == StepDesc::Kind::Copy) {
      use(desc.src, step);
      use(desc.dst, step);
      continue;
    }
    for (uint32_t id : desc.bindings)
      use(id, step);
  }

  MemoryPlan plan;
  plan.blockOf.assign(n, 0);
  // Step after which each block is free again.
  std::vector<size_t> blockLast;
  auto newBlock = [&](uint32_t id) {
    plan.blockOf[id] = plan.blockBytes.size();
    plan.blockBytes.push_back(deviceBytes(bundle.buffers[id]));
    blockLast.push_back(last[id]);
  };
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::make_pair(first[a], a) < std::make_pair(first[b], b);
  });
  std::vector<bool> shareable(n);
  for (uint32_t id : order) {
    plan.unsharedBytes += deviceBytes(bundle.buffers[id]);
    if (bundle.buffers[id].role != BufferRole::Intermediate ||
        first[id] == kUnused) {
      newBlock(id);
      continue;
    }
    uint64_t bytes = deviceBytes(bundle.buffers[id]);
    std::optional<size_t> best;
    for (size_t b = 0; b < plan.blockBytes.size(); ++b) {
      if (!shareable[b] || blockLast[b] >= first[id])
        continue;
      auto better = [&](size_t x, size_t y) {
        bool xFits = plan.blockBytes[x] >= bytes,
             yFits = plan.blockBytes[y] >= bytes;
        if (xFits != yFits)
          return xFits;
        return xFits ? plan.blockBytes[x] < plan.blockBytes[y]
                     : plan.blockBytes[x] > plan.blockBytes[y];
      };
      if (!best || better(b, *best))
        best = b;
    }
    if (!best) {
      newBlock(id);
      shareable[plan.blockOf[id]] = true;
      continue;
    }
    plan.blockOf[id] = *best;
    plan.blockBytes[*best] = std::max(plan.blockBytes[*best], bytes);
    blockLast[*best] = last[id];
  }
  for (uint64_t bytes : plan.blockBytes)
    plan.totalBytes += bytes;
  return plan;
}

} // namespace qc::vulkan
