//===- VulkanTexels.cpp - bindings read as uniform texel buffers ----------===//
//
// A kernel may read a binding through a uniform texel buffer (manifest
// `texel_buffers`, docs/SPIRV.md) instead of a storage buffer: on lavapipe a
// texel fetch is a branch-free gather while a storage-buffer load whose
// address depends on the invocation is a loop over the lanes. The buffer is
// the same device buffer (created with UNIFORM_TEXEL_BUFFER usage); the
// binding gets a buffer view of the manifest's format over it.
//
//===----------------------------------------------------------------------===//
#include "VulkanInternal.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

using namespace llvm;

namespace qc::vulkan {
using namespace detail;

std::vector<bool> detail::texelBoundBuffers(const Bundle &bundle) {
  std::vector<bool> bound(bundle.buffers.size(), false);
  for (const StepDesc &step : bundle.steps)
    if (step.kind == StepDesc::Kind::Dispatch)
      for (const TexelBinding &texel :
           bundle.kernels[step.kernel].texelBuffers)
        bound[step.bindings[texel.binding]] = true;
  return bound;
}

VkDescriptorType detail::descriptorType(const KernelDesc &kernel,
                                        uint32_t binding) {
  return kernel.texelBinding(binding) ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                      : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
}

static VkFormat texelFormat(StringRef format) {
  return StringSwitch<VkFormat>(format)
      .Case("r32_uint", VK_FORMAT_R32_UINT)
      .Case("r32g32_uint", VK_FORMAT_R32G32_UINT)
      .Case("r32g32b32a32_uint", VK_FORMAT_R32G32B32A32_UINT)
      .Default(VK_FORMAT_UNDEFINED);
}

/// Texels of a view over a manifest buffer: its bytes rounded up to whole
/// texels (createBuffers rounds texel-bound blocks up to 16 bytes, so the
/// view stays inside the device buffer).
static uint64_t texelCount(const BufferDesc &buffer, const TexelBinding &t) {
  uint64_t texelBytes = texelFormatBytes(t.format);
  return alignTo(std::max<uint64_t>(buffer.bytes, 1), texelBytes) / texelBytes;
}

Error Program::Impl::checkTexelLimits() {
  const VkPhysicalDeviceLimits &limits = rt.properties.limits;
  std::string device = rt.properties.deviceName;
  for (const KernelDesc &kernel : bundle.kernels)
    if (kernel.texelBuffers.size() >
        limits.maxPerStageDescriptorSampledImages)
      return error(formatv("kernel '{0}': {1} uniform texel buffers exceed "
                           "maxPerStageDescriptorSampledImages {2} of '{3}'",
                           kernel.name, kernel.texelBuffers.size(),
                           limits.maxPerStageDescriptorSampledImages, device));
  for (const StepDesc &step : bundle.steps) {
    if (step.kind != StepDesc::Kind::Dispatch)
      continue;
    const KernelDesc &kernel = bundle.kernels[step.kernel];
    for (const TexelBinding &texel : kernel.texelBuffers) {
      const BufferDesc &buffer = bundle.buffers[step.bindings[texel.binding]];
      uint64_t texels = texelCount(buffer, texel);
      if (texels > limits.maxTexelBufferElements)
        return error(formatv(
            "kernel '{0}' reads buffer '{1}' ({2} bytes) at binding {3} as a "
            "uniform texel buffer of {4} {5} texels, over "
            "maxTexelBufferElements {6} of '{7}' (compile with the "
            "qc-spirv-pipeline option 'texel-buffers=false' or a smaller "
            "'max-texel-buffer-elements')",
            kernel.name, buffer.origin, buffer.bytes, texel.binding, texels,
            texel.format, limits.maxTexelBufferElements, device));
    }
  }
  return Error::success();
}

Expected<VkBufferView> Program::Impl::texelView(uint32_t buffer,
                                               const TexelBinding &texel) {
  for (const TexelView &view : texelViews)
    if (view.buffer == buffer && view.format == texel.format)
      return view.view;
  VkBufferViewCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO;
  info.buffer = buffers[buffer].buffer;
  info.format = texelFormat(texel.format);
  info.offset = 0;
  info.range = texelCount(bundle.buffers[buffer], texel) *
               texelFormatBytes(texel.format);
  VkBufferView view;
  Dispatch &vk = rt.vk;
  VK_CHECK(vkCreateBufferView, rt.device, &info, nullptr, &view);
  texelViews.push_back({buffer, texel.format, view});
  return view;
}

void Program::Impl::destroyTexelViews() {
  for (const TexelView &view : texelViews)
    rt.vk.vkDestroyBufferView(rt.device, view.view, nullptr);
  texelViews.clear();
}

} // namespace qc::vulkan
