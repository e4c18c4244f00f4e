//===- VulkanInternal.h - state shared by the Vulkan runtime's files -----===//
//
// The runtime is split by responsibility: VulkanDevice.cpp (loader,
// instance, device choice and features), VulkanChecks.cpp (a bundle against
// the device: SPIR-V interface, features, limits), VulkanProgram.cpp
// (buffers, pipelines, the recorded command buffer, runs). This header holds
// the function table and the two Impl structs they share.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_RUNTIME_VULKAN_VULKANINTERNAL_H
#define QC_LIB_RUNTIME_VULKAN_VULKANINTERNAL_H

#include "qc/Runtime/Vulkan/MemoryPlan.h"
#include "qc/Runtime/Vulkan/VulkanRuntime.h"

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qc::vulkan {
namespace detail {

// Functions resolved through vkGetInstanceProcAddr / vkGetDeviceProcAddr.
#define QC_VK_GLOBAL_FUNCS(X)                                                  \
  X(vkCreateInstance)                                                          \
  X(vkEnumerateInstanceVersion)                                                \
  X(vkEnumerateInstanceLayerProperties)
#define QC_VK_INSTANCE_FUNCS(X)                                                \
  X(vkDestroyInstance)                                                         \
  X(vkEnumeratePhysicalDevices)                                                \
  X(vkGetPhysicalDeviceProperties)                                             \
  X(vkGetPhysicalDeviceFeatures2)                                              \
  X(vkGetPhysicalDeviceProperties2)                                            \
  X(vkGetPhysicalDeviceQueueFamilyProperties)                                  \
  X(vkGetPhysicalDeviceMemoryProperties)                                       \
  X(vkEnumerateDeviceExtensionProperties)                                      \
  X(vkCreateDevice)                                                            \
  X(vkGetDeviceProcAddr)                                                       \
  X(vkCreateDebugUtilsMessengerEXT)                                            \
  X(vkDestroyDebugUtilsMessengerEXT)
#define QC_VK_DEVICE_FUNCS(X)                                                  \
  X(vkDestroyDevice)                                                           \
  X(vkGetDeviceQueue)                                                          \
  X(vkCreateBuffer)                                                            \
  X(vkDestroyBuffer)                                                           \
  X(vkCreateBufferView)                                                        \
  X(vkDestroyBufferView)                                                       \
  X(vkGetBufferMemoryRequirements)                                             \
  X(vkAllocateMemory)                                                          \
  X(vkFreeMemory)                                                              \
  X(vkBindBufferMemory)                                                        \
  X(vkMapMemory)                                                               \
  X(vkUnmapMemory)                                                             \
  X(vkCreateShaderModule)                                                      \
  X(vkDestroyShaderModule)                                                     \
  X(vkCreateDescriptorSetLayout)                                               \
  X(vkDestroyDescriptorSetLayout)                                              \
  X(vkCreatePipelineLayout)                                                    \
  X(vkDestroyPipelineLayout)                                                   \
  X(vkCreateComputePipelines)                                                  \
  X(vkDestroyPipeline)                                                         \
  X(vkCreateDescriptorPool)                                                    \
  X(vkDestroyDescriptorPool)                                                   \
  X(vkAllocateDescriptorSets)                                                  \
  X(vkUpdateDescriptorSets)                                                    \
  X(vkCreateCommandPool)                                                       \
  X(vkDestroyCommandPool)                                                      \
  X(vkAllocateCommandBuffers)                                                  \
  X(vkBeginCommandBuffer)                                                      \
  X(vkEndCommandBuffer)                                                        \
  X(vkCmdBindPipeline)                                                         \
  X(vkCmdBindDescriptorSets)                                                   \
  X(vkCmdDispatch)                                                             \
  X(vkCmdDispatchBase)                                                         \
  X(vkCmdCopyBuffer)                                                           \
  X(vkCmdPipelineBarrier)                                                      \
  X(vkCreateFence)                                                             \
  X(vkDestroyFence)                                                            \
  X(vkResetFences)                                                             \
  X(vkWaitForFences)                                                           \
  X(vkQueueSubmit)                                                             \
  X(vkCreateQueryPool)                                                         \
  X(vkDestroyQueryPool)                                                        \
  X(vkCmdResetQueryPool)                                                       \
  X(vkCmdWriteTimestamp)                                                       \
  X(vkGetQueryPoolResults)                                                     \
  X(vkDeviceWaitIdle)

struct Dispatch {
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
#define DECLARE(name) PFN_##name name = nullptr;
  QC_VK_GLOBAL_FUNCS(DECLARE)
  QC_VK_INSTANCE_FUNCS(DECLARE)
  QC_VK_DEVICE_FUNCS(DECLARE)
#undef DECLARE
};

/// An llvm::Error "Vulkan: CALL failed: RESULT (code)".
llvm::Error vkError(const char *call, VkResult result);
/// An llvm::Error "Vulkan: MESSAGE".
llvm::Error error(const llvm::Twine &message);

#define VK_CHECK(call, ...)                                                    \
  do {                                                                         \
    VkResult vkCheckResult = vk.call(__VA_ARGS__);                             \
    if (vkCheckResult != VK_SUCCESS)                                           \
      return vkError(#call, vkCheckResult);                                    \
  } while (false)

/// Counts validation-layer messages; a run with any is a failed run.
struct ValidationLog {
  unsigned errors = 0, warnings = 0;
  std::string first;
};

VKAPI_ATTR VkBool32 VKAPI_CALL
onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                    VkDebugUtilsMessageTypeFlagsEXT type,
                    const VkDebugUtilsMessengerCallbackDataEXT *data,
                    void *user);

/// Capability -> the device feature that must be enabled for it.
struct FeatureSet {
  bool int8 = false, int16 = false, int64 = false;
  bool storage8 = false, storage16 = false, dotProduct = false;
  /// VkPhysicalDeviceSubgroupProperties: the BASIC and BALLOT operations in
  /// compute shaders (not features to enable: properties to check).
  bool subgroupBasic = false, subgroupBallot = false;
  /// shaderSubgroupExtendedTypes: group operations on 8-, 16- and 64-bit
  /// integers (and vectors of them).
  bool subgroupExtendedTypes = false;
  /// The SHUFFLE operations in compute shaders (a property, like BALLOT).
  bool subgroupShuffle = false;
};

/// Per manifest buffer: whether some dispatch binds it as a uniform texel
/// buffer (its device buffer needs UNIFORM_TEXEL_BUFFER usage).
std::vector<bool> texelBoundBuffers(const Bundle &bundle);
/// The descriptor type of a kernel's binding (storage or uniform texel).
VkDescriptorType descriptorType(const KernelDesc &kernel, uint32_t binding);

} // namespace detail

struct Runtime::Impl {
  void *library = nullptr;
  detail::Dispatch vk;
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties{};
  VkPhysicalDeviceMemoryProperties memory{};
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queueFamily = 0;
  uint32_t timestampBits = 0;
  detail::FeatureSet enabled;
  DeviceTraits traits;
  bool profiling = false;
  detail::ValidationLog validation;
  bool validating = false;
  /// Sanitizer builds only: the shared objects loaded before the Vulkan
  /// loader ran (keepDriversLoaded pins the ones it added).
  std::vector<std::string> objectsBeforeLoader;

  ~Impl();

  std::vector<std::string> masked;

  llvm::Error init(const RuntimeOptions &options);
  llvm::Error pickDevice(llvm::StringRef selector);
  llvm::Error createDevice();
};

struct Program::Impl {
  Runtime::Impl &rt;
  Bundle bundle;
  struct DeviceBuffer {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    void *mapped = nullptr;
    VkDeviceSize size = 0;
  };
  /// The device buffers (owned), and per manifest buffer its block's
  /// handles (MemoryPlan: intermediates with disjoint uses share a block).
  std::vector<DeviceBuffer> blocks, buffers;
  struct Kernel {
    VkShaderModule shader = VK_NULL_HANDLE;
    VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    VkPipeline pipeline = VK_NULL_HANDLE;
  };
  std::vector<Kernel> kernels;
  /// Buffer views of the bindings read as uniform texel buffers
  /// (VulkanTexels.cpp), one per manifest buffer and format, owned.
  struct TexelView {
    uint32_t buffer;
    std::string format;
    VkBufferView view;
  };
  std::vector<TexelView> texelViews;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  VkCommandPool commandPool = VK_NULL_HANDLE;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  /// Timestamps around every step when profiling (RuntimeOptions::profile).
  VkQueryPool timestamps = VK_NULL_HANDLE;
  std::vector<double> stepSeconds;
  double seconds = 0;

  explicit Impl(Runtime::Impl &rt) : rt(rt) {}
  ~Impl();

  llvm::Error checkSupport();
  llvm::Error createBuffers();
  llvm::Error createKernels();
  llvm::Error record();
  /// Uniform texel buffers (VulkanTexels.cpp).
  llvm::Error checkTexelLimits();
  llvm::Expected<VkBufferView> texelView(uint32_t buffer,
                                         const TexelBinding &texel);
  void destroyTexelViews();
  llvm::Error validationResult();
};

} // namespace qc::vulkan

#endif // QC_LIB_RUNTIME_VULKAN_VULKANINTERNAL_H
