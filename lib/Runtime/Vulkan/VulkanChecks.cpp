//===- VulkanChecks.cpp - a bundle against the device's features/limits ---===//
//
// Everything a bundle needs from the device is checked before any Vulkan
// object is created, so that a bundle compiled for another device fails with
// a message naming the kernel, the need and the device's feature or limit.
//
//===----------------------------------------------------------------------===//
#include "VulkanInternal.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <array>
#include <optional>

using namespace llvm;

namespace qc::vulkan {
using namespace detail;

/// What the runtime reads from a kernel's SPIR-V instead of trusting the
/// manifest.
struct ShaderFacts {
  /// Bytes of all Workgroup-storage-class variables (shared memory).
  uint64_t workgroupBytes = 0;
  /// The entry point's LocalSize execution mode, if the shader has one.
  std::optional<std::array<uint32_t, 3>> localSize;
  /// Whether the shader reads the NumWorkgroups built-in: a dispatch split
  /// into pieces (vkCmdDispatchBase) would give it the piece's size.
  bool readsNumWorkgroups = false;
  /// Whether a group operation's result is an 8-, 16- or 64-bit integer or
  /// a vector of them (needs shaderSubgroupExtendedTypes).
  bool groupOpsOnExtendedTypes = false;
};

/// Cross-checks a kernel's SPIR-V against its manifest entry: the magic
/// number, the entry point name, and that every storage binding the shader
/// declares exists in the descriptor set layout the manifest implies. A
/// mismatch would otherwise be undefined behaviour that only the validation
/// layer reports. Also sums the shader's workgroup memory (the manifest's
/// config string is informative only) and reads its LocalSize.
static Expected<ShaderFacts> checkSPIRVInterface(const KernelDesc &kernel) {
  ArrayRef<uint32_t> words = kernel.spirv;
  constexpr uint32_t kMagic = 0x07230203;
  constexpr uint32_t kOpEntryPoint = 15, kOpExecutionMode = 16,
                     kOpDecorate = 71;
  constexpr uint32_t kOpTypeBool = 20, kOpTypeInt = 21, kOpTypeFloat = 22,
                     kOpTypeVector = 23, kOpTypeArray = 28,
                     kOpTypeStruct = 30, kOpTypePointer = 32,
                     kOpConstant = 43, kOpVariable = 59, kOpTypeImage = 25;
  constexpr uint32_t kStorageUniformConstant = 0, kDimBuffer = 5;
  constexpr uint32_t kDecorationBinding = 33, kDecorationDescriptorSet = 34,
                     kDecorationBuiltIn = 11, kBuiltInNumWorkgroups = 24;
  constexpr uint32_t kExecutionModeLocalSize = 17, kStorageWorkgroup = 4;
  ShaderFacts facts;
  // Sizes of the types and values of the integer constants seen so far
  // (SPIR-V declares both before their uses).
  llvm::DenseMap<uint32_t, uint64_t> typeBytes, constants, pointee;
  // Uniform texel buffer types (an image of dimension Buffer, sampled), the
  // UniformConstant pointers to them, and the variables of those pointers:
  // the bindings the shader reads as uniform texel buffers.
  llvm::DenseSet<uint32_t> texelImages, texelPointers, texelVariables;
  // Integer types (and vectors of them) whose components are not 32 bits.
  llvm::DenseSet<uint32_t> extendedTypes;
  // OpGroupNonUniformElect .. OpGroupNonUniformQuadSwap; each has the
  // result type first.
  constexpr uint32_t kFirstGroupNonUniformOp = 333, kLastGroupNonUniformOp = 366;
  if (words.size() < 5 || words[0] != kMagic)
    return error("kernel '" + kernel.name + "' is not a SPIR-V binary");
  bool entryFound = false;
  llvm::DenseMap<uint32_t, uint32_t> binding, set;
  for (size_t at = 5; at < words.size();) {
    uint32_t count = words[at] >> 16, opcode = words[at] & 0xffff;
    if (count == 0 || at + count > words.size())
      return error("kernel '" + kernel.name + "': truncated SPIR-V");
    ArrayRef<uint32_t> ops = words.slice(at + 1, count - 1);
    if (opcode == kOpEntryPoint && ops.size() >= 3) {
      // The name is a nul-terminated UTF-8 literal packed in words.
      StringRef bytes(reinterpret_cast<const char *>(ops.data() + 2),
                      (ops.size() - 2) * sizeof(uint32_t));
      entryFound |= bytes.take_until([](char c) { return c == 0; }) ==
                    kernel.entryPoint;
    } else if (opcode == kOpExecutionMode && ops.size() >= 5 &&
               ops[1] == kExecutionModeLocalSize) {
      facts.localSize = {ops[2], ops[3], ops[4]};
    } else if (opcode == kOpDecorate && ops.size() >= 3) {
      if (ops[1] == kDecorationBinding)
        binding[ops[0]] = ops[2];
      else if (ops[1] == kDecorationDescriptorSet)
        set[ops[0]] = ops[2];
      else if (ops[1] == kDecorationBuiltIn && ops[2] == kBuiltInNumWorkgroups)
        facts.readsNumWorkgroups = true;
    } else if ((opcode == kOpTypeInt || opcode == kOpTypeFloat) &&
               ops.size() >= 2) {
      typeBytes[ops[0]] = ops[1] / 8;
      if (opcode == kOpTypeInt && ops[1] != 32)
        extendedTypes.insert(ops[0]);
    } else if (opcode == kOpTypeBool && !ops.empty()) {
      typeBytes[ops[0]] = 4;
    } else if (opcode == kOpTypeVector && ops.size() >= 3) {
      typeBytes[ops[0]] = typeBytes.lookup(ops[1]) * ops[2];
      if (extendedTypes.contains(ops[1]))
        extendedTypes.insert(ops[0]);
    } else if (opcode == kOpTypeArray && ops.size() >= 3) {
      typeBytes[ops[0]] = typeBytes.lookup(ops[1]) * constants.lookup(ops[2]);
    } else if (opcode == kOpTypeStruct && !ops.empty()) {
      uint64_t bytes = 0;
      for (uint32_t member : ops.drop_front())
        bytes += typeBytes.lookup(member);
      typeBytes[ops[0]] = bytes;
    } else if (opcode == kOpTypeImage && ops.size() >= 7) {
      if (ops[2] == kDimBuffer && ops[6] == 1)
        texelImages.insert(ops[0]);
    } else if (opcode == kOpTypePointer && ops.size() >= 3) {
      if (ops[1] == kStorageWorkgroup)
        pointee[ops[0]] = ops[2];
      if (ops[1] == kStorageUniformConstant && texelImages.contains(ops[2]))
        texelPointers.insert(ops[0]);
    } else if (opcode == kOpConstant && ops.size() >= 3) {
      constants[ops[1]] = ops[2];
    } else if (opcode == kOpVariable && ops.size() >= 3 &&
               ops[2] == kStorageWorkgroup) {
      facts.workgroupBytes += typeBytes.lookup(pointee.lookup(ops[0]));
    } else if (opcode == kOpVariable && ops.size() >= 3 &&
               texelPointers.contains(ops[0])) {
      texelVariables.insert(ops[1]);
    } else if (opcode >= kFirstGroupNonUniformOp &&
               opcode <= kLastGroupNonUniformOp && !ops.empty() &&
               extendedTypes.contains(ops[0])) {
      facts.groupOpsOnExtendedTypes = true;
    }
    at += count;
  }
  if (!entryFound)
    return error("kernel '" + kernel.name + "' has no entry point '" +
                 kernel.entryPoint + "'");
  for (auto [id, index] : binding) {
    auto it = set.find(id);
    if (it == set.end() || it->second != 0 || index >= kernel.numBindings)
      return error(formatv("kernel '{0}': the shader uses descriptor set {1} "
                           "binding {2}, the manifest declares {3} bindings "
                           "in set 0",
                           kernel.name,
                           it == set.end() ? 0u : it->second, index,
                           kernel.numBindings));
    // A descriptor of the wrong type is undefined behaviour as well.
    bool shaderTexel = texelVariables.contains(id);
    if (shaderTexel != (kernel.texelBinding(index) != nullptr))
      return error(formatv("kernel '{0}': binding {1} is a {2} in the shader "
                           "but a {3} in the manifest",
                           kernel.name, index,
                           shaderTexel ? "uniform texel buffer"
                                       : "storage buffer",
                           shaderTexel ? "storage buffer"
                                       : "uniform texel buffer"));
  }
  return facts;
}

Error Program::Impl::checkSupport() {
  const FeatureSet &on = rt.enabled;
  const VkPhysicalDeviceLimits &limits = rt.properties.limits;
  std::string device = rt.properties.deviceName;
  std::vector<bool> readsNumWorkgroups;
  for (const KernelDesc &kernel : bundle.kernels) {
    Expected<ShaderFacts> facts = checkSPIRVInterface(kernel);
    if (!facts)
      return facts.takeError();
    readsNumWorkgroups.push_back(facts->readsNumWorkgroups);
    // The pipeline is created with the shader's LocalSize; the limits below
    // are checked on the manifest's, so both must agree.
    if (facts->localSize && *facts->localSize != kernel.workgroupSize)
      return error(formatv("kernel '{0}': the shader's workgroup size {1}x{2}x"
                           "{3} differs from the manifest's {4}x{5}x{6}",
                           kernel.name, (*facts->localSize)[0],
                           (*facts->localSize)[1], (*facts->localSize)[2],
                           kernel.workgroupSize[0], kernel.workgroupSize[1],
                           kernel.workgroupSize[2]));
    // A bundle compiled for a device with more shared memory (the
    // max-shared-memory option) would fail at pipeline creation at best.
    if (facts->workgroupBytes > limits.maxComputeSharedMemorySize)
      return error(formatv("kernel '{0}' needs {1} bytes of workgroup (shared) "
                           "memory but maxComputeSharedMemorySize of '{2}' is "
                           "{3} (compile with a smaller max-shared-memory or "
                           "shared-memory-tiles=false)",
                           kernel.name, facts->workgroupBytes, device,
                           limits.maxComputeSharedMemorySize));
    // The validation layer's VUID-RuntimeSpirv-None-06275; lavapipe runs
    // such a shader without the feature, so the runtime checks it itself.
    if (facts->groupOpsOnExtendedTypes && !on.subgroupExtendedTypes)
      return error("kernel '" + kernel.name + "' uses group operations on "
                   "8-, 16- or 64-bit integers but device '" + device +
                   "' lacks feature shaderSubgroupExtendedTypes (compile "
                   "with the qc-spirv-pipeline option "
                   "'subgroup-extended-types=false' for such devices)");
    for (const std::string &cap : kernel.capabilities) {
      // Each capability comes from one qc-spirv-pipeline option; the hint
      // names the option that compiles kernels without it.
      const char *portable = "'portable'";
      const char *noDot = "'int-dot-product=false'";
      const char *noBroadcast = "'subgroup-broadcast=false'";
      struct {
        const char *cap;
        bool have;
        const char *feature;
        const char *option;
      } needs[] = {
          {"Int8", on.int8, "shaderInt8", portable},
          {"Int16", on.int16, "shaderInt16", portable},
          {"Int64", on.int64, "shaderInt64", portable},
          {"StorageBuffer8BitAccess", on.storage8, "storageBuffer8BitAccess",
           portable},
          {"StorageBuffer16BitAccess", on.storage16,
           "storageBuffer16BitAccess", portable},
          {"DotProduct", on.dotProduct, "shaderIntegerDotProduct", noDot},
          {"DotProductInput4x8BitPacked", on.dotProduct,
           "shaderIntegerDotProduct", noDot},
          {"GroupNonUniform", on.subgroupBasic,
           "subgroup operations BASIC in compute shaders", noBroadcast},
          {"GroupNonUniformBallot", on.subgroupBallot,
           "subgroup operations BALLOT in compute shaders (subgroupBallot)",
           noBroadcast},
          {"GroupNonUniformShuffle", on.subgroupShuffle,
           "subgroup operations SHUFFLE in compute shaders (subgroupShuffle)",
           "'subgroup-shuffle=false'"},
      };
      for (auto &need : needs)
        if (cap == need.cap && !need.have)
          return error("kernel '" + kernel.name + "' needs SPIR-V capability " +
                       cap + " but device '" + device + "' lacks feature " +
                       need.feature + " (compile with the qc-spirv-pipeline " +
                       "option " + need.option + " for such devices)");
    }
    uint64_t invocations = 1;
    for (int i = 0; i < 3; ++i) {
      invocations *= kernel.workgroupSize[i];
      if (kernel.workgroupSize[i] > limits.maxComputeWorkGroupSize[i])
        return error(formatv("kernel '{0}': workgroup size {1} in dimension "
                             "{2} exceeds maxComputeWorkGroupSize {3} of '{4}'",
                             kernel.name, kernel.workgroupSize[i], i,
                             limits.maxComputeWorkGroupSize[i], device));
    }
    if (invocations > limits.maxComputeWorkGroupInvocations)
      return error(formatv("kernel '{0}': {1} invocations per workgroup exceed "
                           "maxComputeWorkGroupInvocations {2} of '{3}'",
                           kernel.name, invocations,
                           limits.maxComputeWorkGroupInvocations, device));
    uint32_t storageBindings = kernel.numBindings - kernel.texelBuffers.size();
    if (storageBindings > limits.maxPerStageDescriptorStorageBuffers)
      return error(formatv("kernel '{0}': {1} storage buffers exceed "
                           "maxPerStageDescriptorStorageBuffers {2}",
                           kernel.name, storageBindings,
                           limits.maxPerStageDescriptorStorageBuffers));
  }
  // A grid over maxComputeWorkGroupCount is recorded as several
  // vkCmdDispatchBase pieces (VulkanProgram.cpp), which give every workgroup
  // its WorkgroupId in the whole grid; only NumWorkgroups would differ.
  for (const StepDesc &step : bundle.steps)
    if (step.kind == StepDesc::Kind::Dispatch)
      for (int i = 0; i < 3; ++i)
        if (step.grid[i] > limits.maxComputeWorkGroupCount[i] &&
            readsNumWorkgroups[step.kernel])
          return error(formatv("dispatch of '{0}': grid {1} in dimension {2} "
                               "exceeds maxComputeWorkGroupCount {3} of '{4}' "
                               "and the kernel reads NumWorkgroups, so it "
                               "cannot be split",
                               bundle.kernels[step.kernel].name, step.grid[i],
                               i, limits.maxComputeWorkGroupCount[i], device));
  for (const BufferDesc &buffer : bundle.buffers)
    if (buffer.bytes > limits.maxStorageBufferRange)
      return error(formatv("buffer '{0}' of {1} bytes exceeds "
                           "maxStorageBufferRange {2} of '{3}'",
                           buffer.origin, buffer.bytes,
                           limits.maxStorageBufferRange, device));
  return Error::success();
}

} // namespace qc::vulkan
