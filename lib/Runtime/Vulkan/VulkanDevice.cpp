//===- VulkanDevice.cpp - loader, instance and device ---------------------===//
//
// libvulkan is opened with dlopen so that a machine without a loader gets a
// clear error. Every Vulkan call is checked; every failure becomes an
// llvm::Error naming the call and the VkResult.
//
//===----------------------------------------------------------------------===//
#include "VulkanInternal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <link.h>

// QC_SANITIZE builds (docs/Testing.md) keep the Vulkan drivers loaded: see
// keepDriversLoaded.
#if defined(__SANITIZE_ADDRESS__)
#define QC_KEEP_VULKAN_DRIVERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define QC_KEEP_VULKAN_DRIVERS 1
#endif
#endif

using namespace llvm;

namespace qc::vulkan {
namespace detail {

static const char *resultName(VkResult result) {
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

Error error(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "Vulkan: %s",
                           message.str().c_str());
}

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

#ifdef QC_KEEP_VULKAN_DRIVERS
/// The file names of the shared objects now loaded.
static std::vector<std::string> loadedObjects() {
  std::vector<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info *info, size_t, void *data) {
        if (info->dlpi_name && *info->dlpi_name)
          static_cast<std::vector<std::string> *>(data)->push_back(
              info->dlpi_name);
        return 0;
      },
      &names);
  return names;
}

/// Marks every shared object loaded since `before` (the drivers and layers
/// the Vulkan loader opened) RTLD_NODELETE, so that vkDestroyInstance does
/// not unmap them. LeakSanitizer checks at exit and needs them mapped: Mesa
/// (22.3.6, lavapipe) keeps a malloc'd table in a static (util_cpu_caps,
/// filled once per load on AMD Zen CPUs) and never frees it; unmapped, that
/// static is gone and the table reads as a leak from an `<unknown module>`
/// (frames in an unmapped driver cannot be attributed, so no suppression
/// can name them). Mapped, it is reachable, and a real leak inside a
/// driver is reported with the driver's name (test/sanitizers/lsan.supp).
static void keepDriversLoaded(const std::vector<std::string> &before) {
  for (const std::string &name : loadedObjects())
    if (!is_contained(before, name))
      dlopen(name.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}
#endif

} // namespace detail

using namespace detail;

Runtime::Impl::~Impl() {
#ifdef QC_KEEP_VULKAN_DRIVERS
  if (library)
    keepDriversLoaded(objectsBeforeLoader);
#endif
  if (device)
    vk.vkDestroyDevice(device, nullptr);
  if (messenger)
    vk.vkDestroyDebugUtilsMessengerEXT(instance, messenger, nullptr);
  if (instance)
    vk.vkDestroyInstance(instance, nullptr);
  if (library)
    dlclose(library);
}

Error Runtime::Impl::init(const RuntimeOptions &options) {
  library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return error(Twine("no Vulkan loader: cannot open libvulkan.so.1 (") +
                 dlerror() + "); install libvulkan1 and a Vulkan driver");
  vk.vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(
      dlsym(library, "vkGetInstanceProcAddr"));
  if (!vk.vkGetInstanceProcAddr)
    return error("libvulkan.so.1 has no vkGetInstanceProcAddr");
#ifdef QC_KEEP_VULKAN_DRIVERS
  objectsBeforeLoader = loadedObjects();
#endif
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
                       "shaderIntegerDotProduct", "shaderSubgroupExtendedTypes",
                       "subgroupBallot", "subgroupShuffle"},
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
  VkPhysicalDeviceShaderSubgroupExtendedTypesFeatures extended{};
  extended.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SUBGROUP_EXTENDED_TYPES_FEATURES;
  bool v12 = properties.apiVersion >= VK_API_VERSION_1_2;
  bool v13 = properties.apiVersion >= VK_API_VERSION_1_3;
  bool has8 = v12 || hasExtension(VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  bool hasInt8 = v12 || hasExtension(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  bool hasDot =
      v13 || hasExtension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
  bool hasExtended =
      v12 ||
      hasExtension(VK_KHR_SHADER_SUBGROUP_EXTENDED_TYPES_EXTENSION_NAME);
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
  if (hasExtended) {
    extended.pNext = chain;
    chain = &extended;
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
  extended.shaderSubgroupExtendedTypes = unmasked(
      "shaderSubgroupExtendedTypes", extended.shaderSubgroupExtendedTypes);

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
  VkPhysicalDeviceShaderSubgroupExtendedTypesFeatures enableExtended{};
  enableExtended.sType = extended.sType;
  enableExtended.shaderSubgroupExtendedTypes =
      extended.shaderSubgroupExtendedTypes;
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
  if (hasExtended) {
    enableExtended.pNext = enableChain;
    enableChain = &enableExtended;
    if (!v12)
      extensions.push_back(
          VK_KHR_SHADER_SUBGROUP_EXTENDED_TYPES_EXTENSION_NAME);
  }
  enable.pNext = enableChain;
  enabled.int8 = enableInt8.shaderInt8;
  enabled.int16 = enable.features.shaderInt16;
  enabled.int64 = enable.features.shaderInt64;
  enabled.storage8 = enable8.storageBuffer8BitAccess;
  enabled.storage16 = enable16.storageBuffer16BitAccess;
  enabled.dotProduct = enableDot.shaderIntegerDotProduct;
  enabled.subgroupExtendedTypes = enableExtended.shaderSubgroupExtendedTypes;

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
  bool computeSubgroups =
      (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) != 0;
  enabled.subgroupBasic =
      computeSubgroups &&
      (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) != 0;
  enabled.subgroupBallot =
      enabled.subgroupBasic &&
      (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BALLOT_BIT) != 0 &&
      !is_contained(masked, "subgroupBallot");
  traits.subgroupBallot = enabled.subgroupBallot && subgroup.subgroupSize > 0;
  enabled.subgroupShuffle =
      enabled.subgroupBasic &&
      (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT) != 0 &&
      !is_contained(masked, "subgroupShuffle");
  traits.subgroupShuffle = enabled.subgroupShuffle;
  traits.subgroupExtendedTypes = enabled.subgroupExtendedTypes;
  traits.maxTexelBufferElements = properties.limits.maxTexelBufferElements;

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

} // namespace qc::vulkan
