//===- VulkanProgram.cpp - buffers, pipelines and runs of a bundle --------===//
//
// One host-visible buffer per manifest buffer, one pipeline per kernel and
// one command buffer recorded at load; a run copies inputs in, submits and
// waits, and reads outputs back.
//
//===----------------------------------------------------------------------===//
#include "VulkanInternal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <chrono>
#include <cstring>

using namespace llvm;

namespace qc::vulkan {
using namespace detail;

Program::Impl::~Impl() {
  Dispatch &vk = rt.vk;
  VkDevice device = rt.device;
  vk.vkDeviceWaitIdle(device);
  if (timestamps)
    vk.vkDestroyQueryPool(device, timestamps, nullptr);
  if (fence)
    vk.vkDestroyFence(device, fence, nullptr);
  if (commandPool)
    vk.vkDestroyCommandPool(device, commandPool, nullptr);
  if (pool)
    vk.vkDestroyDescriptorPool(device, pool, nullptr);
  destroyTexelViews();
  for (Kernel &k : kernels) {
    if (k.pipeline)
      vk.vkDestroyPipeline(device, k.pipeline, nullptr);
    if (k.layout)
      vk.vkDestroyPipelineLayout(device, k.layout, nullptr);
    if (k.setLayout)
      vk.vkDestroyDescriptorSetLayout(device, k.setLayout, nullptr);
    if (k.shader)
      vk.vkDestroyShaderModule(device, k.shader, nullptr);
  }
  for (DeviceBuffer &b : blocks) {
    if (b.mapped)
      vk.vkUnmapMemory(device, b.memory);
    if (b.buffer)
      vk.vkDestroyBuffer(device, b.buffer, nullptr);
    if (b.memory)
      vk.vkFreeMemory(device, b.memory, nullptr);
  }
}

Error Program::Impl::createBuffers() {
  Dispatch &vk = rt.vk;
  MemoryPlan plan = planMemory(bundle);
  std::vector<bool> texelBound = texelBoundBuffers(bundle);
  std::vector<bool> texelBlock(plan.blockBytes.size(), false);
  for (auto [id, block] : llvm::enumerate(plan.blockOf))
    if (texelBound[id])
      texelBlock[block] = true;
  // A block's first buffer names it in messages.
  std::vector<const BufferDesc *> firstOf(plan.blockBytes.size(), nullptr);
  for (auto [id, block] : llvm::enumerate(plan.blockOf))
    if (!firstOf[block])
      firstOf[block] = &bundle.buffers[id];
  for (auto [block, bytes] : llvm::enumerate(plan.blockBytes)) {
    const BufferDesc &desc = *firstOf[block];
    DeviceBuffer b;
    b.size = bytes;
    // A texel view covers whole texels (VulkanTexels.cpp): up to 16 bytes.
    if (texelBlock[block])
      b.size = alignTo(b.size, 16);
    VkBufferCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    info.size = b.size;
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                 VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    if (texelBlock[block])
      info.usage |= VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VK_CHECK(vkCreateBuffer, rt.device, &info, nullptr, &b.buffer);
    blocks.push_back(b);
    DeviceBuffer &placed = blocks.back();
    VkMemoryRequirements req;
    vk.vkGetBufferMemoryRequirements(rt.device, placed.buffer, &req);
    // Host-visible coherent memory exists on every Vulkan device; prefer a
    // type that is also device-local (integrated GPUs, lavapipe, ReBAR).
    std::optional<uint32_t> type;
    VkMemoryPropertyFlags wanted = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                   VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (VkMemoryPropertyFlags extra :
         {VkMemoryPropertyFlags(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT),
          VkMemoryPropertyFlags(0)})
      for (uint32_t i = 0; i < rt.memory.memoryTypeCount && !type; ++i)
        if ((req.memoryTypeBits & (1u << i)) &&
            (rt.memory.memoryTypes[i].propertyFlags & (wanted | extra)) ==
                (wanted | extra))
          type = i;
    if (!type)
      return error("no host-visible coherent memory type for buffer '" +
                   desc.origin + "'");
    VkMemoryAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = *type;
    VK_CHECK(vkAllocateMemory, rt.device, &alloc, nullptr, &placed.memory);
    VK_CHECK(vkBindBufferMemory, rt.device, placed.buffer, placed.memory, 0);
    VK_CHECK(vkMapMemory, rt.device, placed.memory, 0, VK_WHOLE_SIZE, 0,
             &placed.mapped);
    // Deterministic contents for intermediates and padding.
    std::memset(placed.mapped, 0, placed.size);
    if (desc.role == BufferRole::Constant)
      std::memcpy(placed.mapped, desc.data.data(), desc.data.size());
  }
  for (uint32_t block : plan.blockOf)
    buffers.push_back(blocks[block]);
  return Error::success();
}

Error Program::Impl::createKernels() {
  Dispatch &vk = rt.vk;
  uint32_t dispatches = 0, descriptors = 0, texelDescriptors = 0;
  for (const StepDesc &step : bundle.steps)
    if (step.kind == StepDesc::Kind::Dispatch) {
      ++dispatches;
      uint32_t texels = bundle.kernels[step.kernel].texelBuffers.size();
      descriptors += step.bindings.size() - texels;
      texelDescriptors += texels;
    }
  for (const KernelDesc &desc : bundle.kernels) {
    kernels.emplace_back();
    Kernel &k = kernels.back();
    VkShaderModuleCreateInfo shader{};
    shader.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
    shader.codeSize = desc.spirv.size() * sizeof(uint32_t);
    shader.pCode = desc.spirv.data();
    VK_CHECK(vkCreateShaderModule, rt.device, &shader, nullptr, &k.shader);
    std::vector<VkDescriptorSetLayoutBinding> bindings(desc.numBindings);
    for (uint32_t i = 0; i < desc.numBindings; ++i) {
      bindings[i] = {};
      bindings[i].binding = i;
      bindings[i].descriptorType = descriptorType(desc, i);
      bindings[i].descriptorCount = 1;
      bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo setInfo{};
    setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
    setInfo.bindingCount = bindings.size();
    setInfo.pBindings = bindings.data();
    VK_CHECK(vkCreateDescriptorSetLayout, rt.device, &setInfo, nullptr,
             &k.setLayout);
    VkPipelineLayoutCreateInfo layoutInfo{};
    layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    layoutInfo.setLayoutCount = 1;
    layoutInfo.pSetLayouts = &k.setLayout;
    VK_CHECK(vkCreatePipelineLayout, rt.device, &layoutInfo, nullptr,
             &k.layout);
    VkComputePipelineCreateInfo pipeline{};
    pipeline.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
    pipeline.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    pipeline.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    pipeline.stage.module = k.shader;
    pipeline.stage.pName = desc.entryPoint.c_str();
    pipeline.layout = k.layout;
    // Lets a grid over maxComputeWorkGroupCount run as vkCmdDispatchBase
    // pieces (recordCommands).
    pipeline.flags = VK_PIPELINE_CREATE_DISPATCH_BASE_BIT;
    VK_CHECK(vkCreateComputePipelines, rt.device, VK_NULL_HANDLE, 1, &pipeline,
             nullptr, &k.pipeline);
  }
  VkDescriptorPoolSize sizes[] = {
      {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max<uint32_t>(descriptors, 1)},
      {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, texelDescriptors}};
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.maxSets = std::max<uint32_t>(dispatches, 1);
  poolInfo.poolSizeCount = texelDescriptors ? 2 : 1;
  poolInfo.pPoolSizes = sizes;
  VK_CHECK(vkCreateDescriptorPool, rt.device, &poolInfo, nullptr, &pool);
  return Error::success();
}

Error Program::Impl::record() {
  Dispatch &vk = rt.vk;
  VkCommandPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  poolInfo.queueFamilyIndex = rt.queueFamily;
  VK_CHECK(vkCreateCommandPool, rt.device, &poolInfo, nullptr, &commandPool);
  VkCommandBufferAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  alloc.commandPool = commandPool;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VK_CHECK(vkAllocateCommandBuffers, rt.device, &alloc, &commands);
  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  VK_CHECK(vkCreateFence, rt.device, &fenceInfo, nullptr, &fence);

  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  VK_CHECK(vkBeginCommandBuffer, commands, &begin);
  uint32_t numTimestamps = bundle.steps.size() + 1;
  if (rt.profiling) {
    if (rt.timestampBits == 0)
      return error(Twine("profiling requested but the compute queue of '") +
                   rt.properties.deviceName + "' has no timestamps");
    VkQueryPoolCreateInfo queryInfo{};
    queryInfo.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    queryInfo.queryType = VK_QUERY_TYPE_TIMESTAMP;
    queryInfo.queryCount = numTimestamps;
    VK_CHECK(vkCreateQueryPool, rt.device, &queryInfo, nullptr, &timestamps);
    vk.vkCmdResetQueryPool(commands, timestamps, 0, numTimestamps);
    vk.vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT,
                           timestamps, 0);
  }
  auto stamp = [&](size_t index) {
    if (timestamps)
      vk.vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT,
                             timestamps, index + 1);
  };
  const VkPipelineStageFlags work =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  auto barrier = [&](VkPipelineStageFlags dstStage, VkAccessFlags dstAccess) {
    VkMemoryBarrier b{};
    b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    b.srcAccessMask =
        VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    b.dstAccessMask = dstAccess;
    vk.vkCmdPipelineBarrier(commands, work, dstStage, 0, 1, &b, 0, nullptr, 0,
                            nullptr);
  };
  for (auto [index, step] : llvm::enumerate(bundle.steps)) {
    // Each step may read what any earlier step wrote (compute or transfer).
    if (index > 0)
      barrier(work, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                        VK_ACCESS_TRANSFER_READ_BIT |
                        VK_ACCESS_TRANSFER_WRITE_BIT);
    if (step.kind == StepDesc::Kind::Copy) {
      VkBufferCopy region{0, 0, step.bytes};
      vk.vkCmdCopyBuffer(commands, buffers[step.src].buffer,
                         buffers[step.dst].buffer, 1, &region);
      stamp(index);
      continue;
    }
    Kernel &k = kernels[step.kernel];
    VkDescriptorSetAllocateInfo setAlloc{};
    setAlloc.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    setAlloc.descriptorPool = pool;
    setAlloc.descriptorSetCount = 1;
    setAlloc.pSetLayouts = &k.setLayout;
    VkDescriptorSet set;
    VK_CHECK(vkAllocateDescriptorSets, rt.device, &setAlloc, &set);
    std::vector<VkDescriptorBufferInfo> infos(step.bindings.size());
    std::vector<VkBufferView> views(step.bindings.size(), VK_NULL_HANDLE);
    std::vector<VkWriteDescriptorSet> writes(step.bindings.size());
    const KernelDesc &kernelDesc = bundle.kernels[step.kernel];
    for (auto [i, id] : llvm::enumerate(step.bindings)) {
      writes[i] = {};
      writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      writes[i].dstSet = set;
      writes[i].dstBinding = i;
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = descriptorType(kernelDesc, i);
      if (const TexelBinding *texel = kernelDesc.texelBinding(i)) {
        Expected<VkBufferView> view = texelView(id, *texel);
        if (!view)
          return view.takeError();
        views[i] = *view;
        writes[i].pTexelBufferView = &views[i];
        continue;
      }
      infos[i] = {buffers[id].buffer, 0, VK_WHOLE_SIZE};
      writes[i].pBufferInfo = &infos[i];
    }
    vk.vkUpdateDescriptorSets(rt.device, writes.size(), writes.data(), 0,
                              nullptr);
    vk.vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipeline);
    vk.vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                               k.layout, 0, 1, &set, 0, nullptr);
    // A grid over the device's maxComputeWorkGroupCount runs as pieces of at
    // most that many workgroups per dimension; vkCmdDispatchBase gives each
    // workgroup its WorkgroupId in the whole grid, so the kernel is unchanged
    // (checkSupport refuses kernels that read NumWorkgroups).
    const uint32_t *most = rt.properties.limits.maxComputeWorkGroupCount;
    if (step.grid[0] <= most[0] && step.grid[1] <= most[1] &&
        step.grid[2] <= most[2]) {
      vk.vkCmdDispatch(commands, step.grid[0], step.grid[1], step.grid[2]);
    } else {
      for (uint64_t z = 0; z < step.grid[2]; z += most[2])
        for (uint64_t y = 0; y < step.grid[1]; y += most[1])
          for (uint64_t x = 0; x < step.grid[0]; x += most[0])
            vk.vkCmdDispatchBase(
                commands, x, y, z,
                std::min<uint64_t>(most[0], step.grid[0] - x),
                std::min<uint64_t>(most[1], step.grid[1] - y),
                std::min<uint64_t>(most[2], step.grid[2] - z));
    }
    stamp(index);
  }
  // Make the results visible to the host's reads of the mapped memory.
  barrier(VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  VK_CHECK(vkEndCommandBuffer, commands);
  return Error::success();
}

Error Program::Impl::validationResult() {
  ValidationLog &log = rt.validation;
  if (!rt.validating || (log.errors == 0 && log.warnings == 0))
    return Error::success();
  return error(formatv("the validation layer reported {0} error(s) and {1} "
                       "warning(s); first: {2}",
                       log.errors, log.warnings, log.first));
}

Expected<std::unique_ptr<Program>> Runtime::load(const Bundle &bundle) {
  auto impl = std::make_unique<Program::Impl>(*this->impl);
  impl->bundle = bundle;
  if (Error err = impl->checkSupport())
    return std::move(err);
  if (Error err = impl->checkTexelLimits())
    return std::move(err);
  if (Error err = impl->createBuffers())
    return std::move(err);
  if (Error err = impl->createKernels())
    return std::move(err);
  // Stop before recording: pipelines the layer rejected may not be usable.
  if (Error err = impl->validationResult())
    return std::move(err);
  if (Error err = impl->record())
    return std::move(err);
  if (Error err = impl->validationResult())
    return std::move(err);
  return std::make_unique<Program>(std::move(impl));
}

Program::Program(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Program::~Program() = default;
double Program::lastDeviceSeconds() const { return impl->seconds; }
ArrayRef<double> Program::lastStepSeconds() const { return impl->stepSeconds; }

/// Host element kinds that may carry a buffer element type: signless
/// integers take signed or unsigned data of the same width.
static bool compatible(runtime::ElementKind kind, StringRef type) {
  using runtime::ElementKind;
  switch (kind) {
  case ElementKind::I8:
  case ElementKind::U8:
    return type == "i8";
  case ElementKind::I16:
  case ElementKind::U16:
    return type == "i16";
  case ElementKind::I32:
    return type == "i32";
  case ElementKind::I64:
    return type == "i64";
  case ElementKind::F32:
    return type == "f32";
  case ElementKind::F64:
    return type == "f64";
  }
  return false;
}

static std::optional<runtime::ElementKind> kindOf(StringRef type) {
  using runtime::ElementKind;
  return StringSwitch<std::optional<ElementKind>>(type)
      .Case("i8", ElementKind::I8)
      .Case("i16", ElementKind::I16)
      .Case("i32", ElementKind::I32)
      .Case("i64", ElementKind::I64)
      .Case("f32", ElementKind::F32)
      .Case("f64", ElementKind::F64)
      .Default(std::nullopt);
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string out;
  raw_string_ostream os(out);
  interleave(shape, os, "x");
  return out;
}

Expected<std::vector<runtime::HostTensor>>
Program::run(const std::vector<runtime::HostTensor> &inputs) {
  Impl &p = *impl;
  Dispatch &vk = p.rt.vk;
  if (inputs.size() != p.bundle.inputs.size())
    return error(formatv("@{0} takes {1} input(s), got {2}", p.bundle.entry,
                         p.bundle.inputs.size(), inputs.size()));
  for (auto [i, input] : llvm::enumerate(inputs)) {
    const BufferDesc &desc = p.bundle.buffers[p.bundle.inputs[i]];
    if (input.shape != desc.shape || !compatible(input.kind, desc.elementType))
      return error(formatv("input {0}: expected {1}[{2}], got {3}[{4}]", i,
                           desc.elementType, shapeString(desc.shape),
                           runtime::elementName(input.kind),
                           shapeString(input.shape)));
    if (input.data.size() != desc.bytes)
      return error(formatv("input {0}: holds {1} bytes, expected {2}", i,
                           input.data.size(), desc.bytes));
    std::memcpy(p.buffers[p.bundle.inputs[i]].mapped, input.data.data(),
                desc.bytes);
  }
  VK_CHECK(vkResetFences, p.rt.device, 1, &p.fence);
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &p.commands;
  auto start = std::chrono::steady_clock::now();
  VK_CHECK(vkQueueSubmit, p.rt.queue, 1, &submit, p.fence);
  VK_CHECK(vkWaitForFences, p.rt.device, 1, &p.fence, VK_TRUE, UINT64_MAX);
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            start)
                  .count();
  if (Error err = p.validationResult())
    return std::move(err);
  if (p.timestamps) {
    std::vector<uint64_t> ticks(p.bundle.steps.size() + 1);
    VK_CHECK(vkGetQueryPoolResults, p.rt.device, p.timestamps, 0, ticks.size(),
             ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t),
             VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    uint64_t mask = p.rt.timestampBits >= 64
                        ? ~uint64_t(0)
                        : (uint64_t(1) << p.rt.timestampBits) - 1;
    double period = p.rt.properties.limits.timestampPeriod * 1e-9;
    p.stepSeconds.resize(p.bundle.steps.size());
    for (size_t i = 0; i < p.stepSeconds.size(); ++i)
      p.stepSeconds[i] = double((ticks[i + 1] - ticks[i]) & mask) * period;
  }
  std::vector<runtime::HostTensor> outputs;
  for (uint32_t id : p.bundle.outputs) {
    const BufferDesc &desc = p.bundle.buffers[id];
    std::optional<runtime::ElementKind> kind = kindOf(desc.elementType);
    if (!kind)
      return error("output element type " + desc.elementType +
                   " has no host equivalent");
    runtime::HostTensor out;
    out.kind = *kind;
    out.shape = desc.shape;
    const auto *bytes = static_cast<const uint8_t *>(p.buffers[id].mapped);
    out.data.assign(bytes, bytes + desc.bytes);
    outputs.push_back(std::move(out));
  }
  return outputs;
}

} // namespace qc::vulkan
