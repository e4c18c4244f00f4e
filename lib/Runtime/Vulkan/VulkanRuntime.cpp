//===- VulkanRuntime.cpp - replay a qc Vulkan bundle on a device ----------===//
//
// libvulkan is opened with dlopen so that a machine without a loader gets a
// clear error. Every Vulkan call is checked; every failure becomes an
// llvm::Error naming the call and the VkResult.
//
//===----------------------------------------------------------------------===//
#include "qc/Runtime/Vulkan/VulkanRuntime.h"

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

using namespace llvm;

namespace qc::vulkan {
namespace {

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

const char *resultName(VkResult result) {
  switch (result) {
#define CASE(r)                                                                \
  case r:                                                                      \
    return #r;
    CASE(VK_SUCCESS)
    CASE(VK_NOT_READY)
    CASE(VK_TIMEOUT)
    CASE(VK_INCOMPLETE)
    CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    CASE(VK_ERROR_INITIALIZATION_FAILED)
    CASE(VK_ERROR_DEVICE_LOST)
    CASE(VK_ERROR_MEMORY_MAP_FAILED)
    CASE(VK_ERROR_LAYER_NOT_PRESENT)
    CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    CASE(VK_ERROR_TOO_MANY_OBJECTS)
    CASE(VK_ERROR_INVALID_SHADER_NV)
#undef CASE
  default:
    return "VkResult";
  }
}

Error vkError(const char *call, VkResult result) {
  return createStringError(inconvertibleErrorCode(),
                           "Vulkan: %s failed: %s (%d)", call,
                           resultName(result), static_cast<int>(result));
}

#define VK_CHECK(call, ...)                                                    \
  do {                                                                         \
    VkResult vkCheckResult = vk.call(__VA_ARGS__);                             \
    if (vkCheckResult != VK_SUCCESS)                                           \
      return vkError(#call, vkCheckResult);                                    \
  } while (false)

Error error(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "Vulkan: %s",
                           message.str().c_str());
}

/// Counts validation-layer messages; a run with any is a failed run.
struct ValidationLog {
  unsigned errors = 0, warnings = 0;
  std::string first;
};

VKAPI_ATTR VkBool32 VKAPI_CALL
onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                    VkDebugUtilsMessageTypeFlagsEXT,
                    const VkDebugUtilsMessengerCallbackDataEXT *data,
                    void *user) {
  auto *log = static_cast<ValidationLog *>(user);
  if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
    ++log->errors;
  else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
    ++log->warnings;
  else
    return VK_FALSE;
  if (log->first.empty() && data && data->pMessage)
    log->first = data->pMessage;
  return VK_FALSE;
}

/// Capability -> the device feature that must be enabled for it.
struct FeatureSet {
  bool int8 = false, int16 = false, int64 = false;
  bool storage8 = false, storage16 = false, dotProduct = false;
};

} // namespace

struct Runtime::Impl {
  void *library = nullptr;
  Dispatch vk;
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties{};
  VkPhysicalDeviceMemoryProperties memory{};
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queueFamily = 0;
  uint32_t timestampBits = 0;
  FeatureSet enabled;
  DeviceTraits traits;
  bool profiling = false;
  ValidationLog validation;
  bool validating = false;

  ~Impl() {
    if (device)
      vk.vkDestroyDevice(device, nullptr);
    if (messenger)
      vk.vkDestroyDebugUtilsMessengerEXT(instance, messenger, nullptr);
    if (instance)
      vk.vkDestroyInstance(instance, nullptr);
    if (library)
      dlclose(library);
  }

  std::vector<std::string> masked;

  Error init(const RuntimeOptions &options);
  Error pickDevice(StringRef selector);
  Error createDevice();
};

Error Runtime::Impl::init(const RuntimeOptions &options) {
  library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return error(Twine("no Vulkan loader: cannot open libvulkan.so.1 (") +
                 dlerror() + "); install libvulkan1 and a Vulkan driver");
  vk.vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(
      dlsym(library, "vkGetInstanceProcAddr"));
  if (!vk.vkGetInstanceProcAddr)
    return error("libvulkan.so.1 has no vkGetInstanceProcAddr");
#define LOAD_GLOBAL(name)                                                      \
  vk.name = reinterpret_cast<PFN_##name>(                                      \
      vk.vkGetInstanceProcAddr(VK_NULL_HANDLE, #name));
  QC_VK_GLOBAL_FUNCS(LOAD_GLOBAL)
#undef LOAD_GLOBAL
  if (!vk.vkCreateInstance || !vk.vkEnumerateInstanceVersion)
    return error("the Vulkan loader is older than Vulkan 1.1");

  uint32_t loaderVersion = 0;
  VK_CHECK(vkEnumerateInstanceVersion, &loaderVersion);
  if (loaderVersion < VK_API_VERSION_1_1)
    return error("the Vulkan loader supports only Vulkan " +
                 Twine(VK_API_VERSION_MAJOR(loaderVersion)) + "." +
                 Twine(VK_API_VERSION_MINOR(loaderVersion)) +
                 "; qc needs 1.1");

  const char *env = std::getenv("QC_VULKAN_VALIDATION");
  validating = options.validation || (env && StringRef(env) == "1");
  const char *profileEnv = std::getenv("QC_VULKAN_PROFILE");
  profiling = options.profile || (profileEnv && StringRef(profileEnv) == "1");
  std::vector<const char *> layers, extensions;
  if (validating) {
    uint32_t count = 0;
    VK_CHECK(vkEnumerateInstanceLayerProperties, &count, nullptr);
    std::vector<VkLayerProperties> available(count);
    VK_CHECK(vkEnumerateInstanceLayerProperties, &count, available.data());
    if (none_of(available, [](const VkLayerProperties &layer) {
          return StringRef(layer.layerName) == "VK_LAYER_KHRONOS_validation";
        }))
      return error("validation requested but VK_LAYER_KHRONOS_validation is "
                   "not installed (package vulkan-validationlayers)");
    layers.push_back("VK_LAYER_KHRONOS_validation");
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }

  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "qc";
  app.apiVersion = std::min<uint32_t>(loaderVersion, VK_API_VERSION_1_3);
  VkDebugUtilsMessengerCreateInfoEXT messengerInfo{};
  messengerInfo.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
  messengerInfo.messageSeverity =
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messengerInfo.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                              VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                              VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  messengerInfo.pfnUserCallback = onValidationMessage;
  messengerInfo.pUserData = &validation;
  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  info.enabledLayerCount = layers.size();
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = extensions.size();
  info.ppEnabledExtensionNames = extensions.data();
  // Also catches messages from vkCreateInstance itself.
  if (validating)
    info.pNext = &messengerInfo;
  VkResult created = vk.vkCreateInstance(&info, nullptr, &instance);
  if (created == VK_ERROR_INCOMPATIBLE_DRIVER)
    return error("no Vulkan driver (ICD) found: vkCreateInstance returned "
                 "VK_ERROR_INCOMPATIBLE_DRIVER; check VK_DRIVER_FILES / "
                 "VK_ICD_FILENAMES or install mesa-vulkan-drivers");
  if (created != VK_SUCCESS)
    return vkError("vkCreateInstance", created);
#define LOAD_INSTANCE(name)                                                    \
  vk.name =                                                                    \
      reinterpret_cast<PFN_##name>(vk.vkGetInstanceProcAddr(instance, #name));
  QC_VK_INSTANCE_FUNCS(LOAD_INSTANCE)
#undef LOAD_INSTANCE
  if (validating) {
    if (!vk.vkCreateDebugUtilsMessengerEXT)
      return error("VK_EXT_debug_utils is not available");
    VK_CHECK(vkCreateDebugUtilsMessengerEXT, instance, &messengerInfo, nullptr,
             &messenger);
  }
  masked = options.maskedFeatures;
  if (const char *fromEnv = std::getenv("QC_VULKAN_MASK_FEATURES")) {
    SmallVector<StringRef> names;
    StringRef(fromEnv).split(names, ',', -1, /*KeepEmpty=*/false);
    for (StringRef name : names)
      masked.push_back(name.trim().str());
  }
  for (const std::string &name : masked)
    if (!is_contained({"shaderInt8", "shaderInt16", "shaderInt64",
                       "storageBuffer8BitAccess", "storageBuffer16BitAccess",
                       "shaderIntegerDotProduct"},
                      StringRef(name)))
      return error("cannot mask unknown feature '" + name + "'");
  std::string selector = options.device;
  if (selector.empty())
    if (const char *fromEnv = std::getenv("QC_VULKAN_DEVICE"))
      selector = fromEnv;
  if (Error err = pickDevice(selector))
    return err;
  return createDevice();
}

Error Runtime::Impl::pickDevice(StringRef selector) {
  uint32_t count = 0;
  VK_CHECK(vkEnumeratePhysicalDevices, instance, &count, nullptr);
  if (count == 0)
    return error("no Vulkan device found (the loader found no usable driver; "
                 "check VK_DRIVER_FILES / VK_ICD_FILENAMES)");
  std::vector<VkPhysicalDevice> devices(count);
  VK_CHECK(vkEnumeratePhysicalDevices, instance, &count, devices.data());
  std::vector<VkPhysicalDeviceProperties> props(count);
  for (uint32_t i = 0; i < count; ++i)
    vk.vkGetPhysicalDeviceProperties(devices[i], &props[i]);
  auto list = [&] {
    std::string names;
    for (uint32_t i = 0; i < count; ++i)
      names += formatv("{0}{1}: {2}", i ? ", " : "", i, props[i].deviceName);
    return names;
  };
  std::optional<uint32_t> chosen;
  if (!selector.empty()) {
    unsigned index = 0;
    if (!selector.getAsInteger(10, index)) {
      if (index >= count)
        return error(formatv("QC_VULKAN_DEVICE={0} but there are {1} "
                             "devices ({2})",
                             index, count, list()));
      chosen = index;
    } else {
      for (uint32_t i = 0; i < count && !chosen; ++i)
        if (StringRef(props[i].deviceName).contains_insensitive(selector))
          chosen = i;
      if (!chosen)
        return error(formatv("no device name contains '{0}' (devices: {1})",
                             selector, list()));
    }
  } else {
    // Real GPUs first: lavapipe (a CPU device) is the fallback.
    for (VkPhysicalDeviceType type :
         {VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU,
          VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU,
          VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU, VK_PHYSICAL_DEVICE_TYPE_CPU,
          VK_PHYSICAL_DEVICE_TYPE_OTHER})
      for (uint32_t i = 0; i < count && !chosen; ++i)
        if (props[i].deviceType == type)
          chosen = i;
  }
  physical = devices[*chosen];
  properties = props[*chosen];
  if (properties.apiVersion < VK_API_VERSION_1_1)
    return error(Twine("device '") + properties.deviceName +
                 "' supports only Vulkan 1.0; qc needs 1.1");
  vk.vkGetPhysicalDeviceMemoryProperties(physical, &memory);

  uint32_t families = 0;
  vk.vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, nullptr);
  std::vector<VkQueueFamilyProperties> familyProps(families);
  vk.vkGetPhysicalDeviceQueueFamilyProperties(physical, &families,
                                              familyProps.data());
  for (uint32_t i = 0; i < families; ++i)
    if (familyProps[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      queueFamily = i;
      timestampBits = familyProps[i].timestampValidBits;
      return Error::success();
    }
  return error(Twine("device '") + properties.deviceName +
               "' has no compute queue");
}

Error Runtime::Impl::createDevice() {
  uint32_t count = 0;
  VK_CHECK(vkEnumerateDeviceExtensionProperties, physical, nullptr, &count,
           nullptr);
  std::vector<VkExtensionProperties> available(count);
  VK_CHECK(vkEnumerateDeviceExtensionProperties, physical, nullptr, &count,
           available.data());
  auto hasExtension = [&](StringRef name) {
    return any_of(available, [&](const VkExtensionProperties &ext) {
      return name == ext.extensionName;
    });
  };

  // Query what the device supports, then enable exactly the integer features
  // qc kernels may need; load() checks a bundle against this set.
  VkPhysicalDevice8BitStorageFeatures storage8{};
  storage8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES;
  VkPhysicalDevice16BitStorageFeatures storage16{};
  storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  VkPhysicalDeviceShaderFloat16Int8Features int8{};
  int8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES;
  VkPhysicalDeviceShaderIntegerDotProductFeatures dot{};
  dot.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES;
  bool v12 = properties.apiVersion >= VK_API_VERSION_1_2;
  bool v13 = properties.apiVersion >= VK_API_VERSION_1_3;
  bool has8 = v12 || hasExtension(VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  bool hasInt8 = v12 || hasExtension(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  bool hasDot =
      v13 || hasExtension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
  void *chain = &storage16;
  if (has8) {
    storage8.pNext = chain;
    chain = &storage8;
  }
  if (hasInt8) {
    int8.pNext = chain;
    chain = &int8;
  }
  if (hasDot) {
    dot.pNext = chain;
    chain = &dot;
  }
  VkPhysicalDeviceFeatures2 features{};
  features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  features.pNext = chain;
  vk.vkGetPhysicalDeviceFeatures2(physical, &features);

  // A masked feature is neither enabled nor reported as available.
  auto unmasked = [&](StringRef name, VkBool32 supported) -> VkBool32 {
    return supported && !is_contained(masked, name);
  };
  features.features.shaderInt16 =
      unmasked("shaderInt16", features.features.shaderInt16);
  features.features.shaderInt64 =
      unmasked("shaderInt64", features.features.shaderInt64);
  storage8.storageBuffer8BitAccess =
      unmasked("storageBuffer8BitAccess", storage8.storageBuffer8BitAccess);
  storage16.storageBuffer16BitAccess =
      unmasked("storageBuffer16BitAccess", storage16.storageBuffer16BitAccess);
  int8.shaderInt8 = unmasked("shaderInt8", int8.shaderInt8);
  dot.shaderIntegerDotProduct =
      unmasked("shaderIntegerDotProduct", dot.shaderIntegerDotProduct);

  VkPhysicalDeviceFeatures2 enable{};
  enable.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  enable.features.shaderInt16 = features.features.shaderInt16;
  enable.features.shaderInt64 = features.features.shaderInt64;
  VkPhysicalDevice8BitStorageFeatures enable8{};
  enable8.sType = storage8.sType;
  enable8.storageBuffer8BitAccess = storage8.storageBuffer8BitAccess;
  VkPhysicalDevice16BitStorageFeatures enable16{};
  enable16.sType = storage16.sType;
  enable16.storageBuffer16BitAccess = storage16.storageBuffer16BitAccess;
  VkPhysicalDeviceShaderFloat16Int8Features enableInt8{};
  enableInt8.sType = int8.sType;
  enableInt8.shaderInt8 = int8.shaderInt8;
  VkPhysicalDeviceShaderIntegerDotProductFeatures enableDot{};
  enableDot.sType = dot.sType;
  enableDot.shaderIntegerDotProduct = dot.shaderIntegerDotProduct;
  std::vector<const char *> extensions;
  void *enableChain = &enable16;
  if (has8) {
    enable8.pNext = enableChain;
    enableChain = &enable8;
    if (!v12)
      extensions.push_back(VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  }
  if (hasInt8) {
    enableInt8.pNext = enableChain;
    enableChain = &enableInt8;
    if (!v12)
      extensions.push_back(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  }
  if (hasDot) {
    enableDot.pNext = enableChain;
    enableChain = &enableDot;
    if (!v13)
      extensions.push_back(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
  }
  enable.pNext = enableChain;
  enabled.int8 = enableInt8.shaderInt8;
  enabled.int16 = enable.features.shaderInt16;
  enabled.int64 = enable.features.shaderInt64;
  enabled.storage8 = enable8.storageBuffer8BitAccess;
  enabled.storage16 = enable16.storageBuffer16BitAccess;
  enabled.dotProduct = enableDot.shaderIntegerDotProduct;

  // What the compiler tiles for (qc-spirv-contraction-kernels).
  VkPhysicalDeviceSubgroupProperties subgroup{};
  subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  VkPhysicalDeviceShaderIntegerDotProductProperties dotProps{};
  dotProps.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES;
  if (hasDot)
    subgroup.pNext = &dotProps;
  VkPhysicalDeviceProperties2 props2{};
  props2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  props2.pNext = &subgroup;
  vk.vkGetPhysicalDeviceProperties2(physical, &props2);
  traits.maxWorkgroupInvocations =
      properties.limits.maxComputeWorkGroupInvocations;
  traits.maxSharedMemoryBytes = properties.limits.maxComputeSharedMemorySize;
  traits.subgroupSize = subgroup.subgroupSize;
  traits.integerDotProduct = enabled.dotProduct;
  traits.integerDotProductAccelerated =
      enabled.dotProduct &&
      dotProps.integerDotProduct4x8BitPackedSignedAccelerated;
  traits.cpu = properties.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;

  float priority = 1.0f;
  VkDeviceQueueCreateInfo queueInfo{};
  queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queueInfo.queueFamilyIndex = queueFamily;
  queueInfo.queueCount = 1;
  queueInfo.pQueuePriorities = &priority;
  VkDeviceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  info.pNext = &enable;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queueInfo;
  info.enabledExtensionCount = extensions.size();
  info.ppEnabledExtensionNames = extensions.data();
  VK_CHECK(vkCreateDevice, physical, &info, nullptr, &device);
#define LOAD_DEVICE(name)                                                      \
  vk.name = reinterpret_cast<PFN_##name>(vk.vkGetDeviceProcAddr(device, #name));
  QC_VK_DEVICE_FUNCS(LOAD_DEVICE)
#undef LOAD_DEVICE
  vk.vkGetDeviceQueue(device, queueFamily, 0, &queue);
  return Error::success();
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Runtime::~Runtime() = default;

Expected<std::unique_ptr<Runtime>> Runtime::create(const RuntimeOptions &options) {
  auto impl = std::make_unique<Impl>();
  if (Error err = impl->init(options))
    return std::move(err);
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

const DeviceTraits &Runtime::deviceTraits() const { return impl->traits; }

std::string Runtime::deviceDescription() const {
  const VkPhysicalDeviceProperties &p = impl->properties;
  return formatv("{0}, Vulkan {1}.{2}.{3}", p.deviceName,
                 VK_API_VERSION_MAJOR(p.apiVersion),
                 VK_API_VERSION_MINOR(p.apiVersion),
                 VK_API_VERSION_PATCH(p.apiVersion));
}

//===----------------------------------------------------------------------===//
// Program
//===----------------------------------------------------------------------===//

struct Program::Impl {
  Runtime::Impl &rt;
  Bundle bundle;
  struct DeviceBuffer {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    void *mapped = nullptr;
    VkDeviceSize size = 0;
  };
  std::vector<DeviceBuffer> buffers;
  struct Kernel {
    VkShaderModule shader = VK_NULL_HANDLE;
    VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    VkPipeline pipeline = VK_NULL_HANDLE;
  };
  std::vector<Kernel> kernels;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  VkCommandPool commandPool = VK_NULL_HANDLE;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  /// Timestamps around every step when profiling (RuntimeOptions::profile).
  VkQueryPool timestamps = VK_NULL_HANDLE;
  std::vector<double> stepSeconds;
  double seconds = 0;

  explicit Impl(Runtime::Impl &rt) : rt(rt) {}
  ~Impl() {
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
    for (DeviceBuffer &b : buffers) {
      if (b.mapped)
        vk.vkUnmapMemory(device, b.memory);
      if (b.buffer)
        vk.vkDestroyBuffer(device, b.buffer, nullptr);
      if (b.memory)
        vk.vkFreeMemory(device, b.memory, nullptr);
    }
  }

  Error checkSupport();
  Error createBuffers();
  Error createKernels();
  Error record();
  Error validationResult();
};

/// Cross-checks a kernel's SPIR-V against its manifest entry: the magic
/// number, the entry point name, and that every storage binding the shader
/// declares exists in the descriptor set layout the manifest implies. A
/// mismatch would otherwise be undefined behaviour that only the validation
/// layer reports.
static Error checkSPIRVInterface(const KernelDesc &kernel) {
  ArrayRef<uint32_t> words = kernel.spirv;
  constexpr uint32_t kMagic = 0x07230203;
  constexpr uint32_t kOpEntryPoint = 15, kOpDecorate = 71;
  constexpr uint32_t kDecorationBinding = 33, kDecorationDescriptorSet = 34;
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
    } else if (opcode == kOpDecorate && ops.size() >= 3) {
      if (ops[1] == kDecorationBinding)
        binding[ops[0]] = ops[2];
      else if (ops[1] == kDecorationDescriptorSet)
        set[ops[0]] = ops[2];
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
  }
  return Error::success();
}

Error Program::Impl::checkSupport() {
  const FeatureSet &on = rt.enabled;
  const VkPhysicalDeviceLimits &limits = rt.properties.limits;
  std::string device = rt.properties.deviceName;
  for (const KernelDesc &kernel : bundle.kernels) {
    if (Error err = checkSPIRVInterface(kernel))
      return err;
    for (const std::string &cap : kernel.capabilities) {
      // Each capability comes from one qc-spirv-pipeline option; the hint
      // names the option that compiles kernels without it.
      const char *portable = "'portable'";
      const char *noDot = "'int-dot-product=false'";
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
    if (kernel.numBindings > limits.maxPerStageDescriptorStorageBuffers)
      return error(formatv("kernel '{0}': {1} storage buffers exceed "
                           "maxPerStageDescriptorStorageBuffers {2}",
                           kernel.name, kernel.numBindings,
                           limits.maxPerStageDescriptorStorageBuffers));
  }
  for (const StepDesc &step : bundle.steps)
    if (step.kind == StepDesc::Kind::Dispatch)
      for (int i = 0; i < 3; ++i)
        if (step.grid[i] > limits.maxComputeWorkGroupCount[i])
          return error(formatv("dispatch of '{0}': grid {1} in dimension {2} "
                               "exceeds maxComputeWorkGroupCount {3} of '{4}'",
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

Error Program::Impl::createBuffers() {
  Dispatch &vk = rt.vk;
  for (const BufferDesc &desc : bundle.buffers) {
    DeviceBuffer b;
    // Sub-word buffers are accessed as i32 words when the target has no
    // 8/16-bit storage; a whole last word must exist.
    b.size = std::max<VkDeviceSize>(4, (desc.bytes + 3) / 4 * 4);
    VkBufferCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    info.size = b.size;
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                 VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VK_CHECK(vkCreateBuffer, rt.device, &info, nullptr, &b.buffer);
    buffers.push_back(b);
    DeviceBuffer &placed = buffers.back();
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
  return Error::success();
}

Error Program::Impl::createKernels() {
  Dispatch &vk = rt.vk;
  uint32_t dispatches = 0, descriptors = 0;
  for (const StepDesc &step : bundle.steps)
    if (step.kind == StepDesc::Kind::Dispatch) {
      ++dispatches;
      descriptors += step.bindings.size();
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
      bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
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
    VK_CHECK(vkCreateComputePipelines, rt.device, VK_NULL_HANDLE, 1, &pipeline,
             nullptr, &k.pipeline);
  }
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                            std::max<uint32_t>(descriptors, 1)};
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.maxSets = std::max<uint32_t>(dispatches, 1);
  poolInfo.poolSizeCount = 1;
  poolInfo.pPoolSizes = &size;
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
    std::vector<VkWriteDescriptorSet> writes(step.bindings.size());
    for (auto [i, id] : llvm::enumerate(step.bindings)) {
      infos[i] = {buffers[id].buffer, 0, VK_WHOLE_SIZE};
      writes[i] = {};
      writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      writes[i].dstSet = set;
      writes[i].dstBinding = i;
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[i].pBufferInfo = &infos[i];
    }
    vk.vkUpdateDescriptorSets(rt.device, writes.size(), writes.data(), 0,
                              nullptr);
    vk.vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipeline);
    vk.vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                               k.layout, 0, 1, &set, 0, nullptr);
    vk.vkCmdDispatch(commands, step.grid[0], step.grid[1], step.grid[2]);
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
