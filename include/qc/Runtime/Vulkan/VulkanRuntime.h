//===- VulkanRuntime.h - run a qc Vulkan bundle on a Vulkan device -*- C++ -*-===//
//
// Loads libvulkan at run time (a machine without a Vulkan loader gets an
// error, not a failure to start), picks a device, enables the integer
// features qc kernels use, and replays a Bundle's dispatches and copies.
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_VULKAN_VULKANRUNTIME_H
#define QC_RUNTIME_VULKAN_VULKANRUNTIME_H

#include "qc/Runtime/HostTensor.h"
#include "qc/Runtime/Vulkan/Bundle.h"
#include "llvm/ADT/ArrayRef.h"

#include <memory>

namespace qc::vulkan {

struct RuntimeOptions {
  /// Device index or a substring of its name; empty: the QC_VULKAN_DEVICE
  /// environment variable, else the first GPU (discrete, integrated,
  /// virtual), else the first device.
  std::string device;
  /// Enable VK_LAYER_KHRONOS_validation and fail a run on any validation
  /// warning or error. Also turned on by QC_VULKAN_VALIDATION=1.
  bool validation = false;
  /// Device features to treat as unsupported even if the device has them
  /// (shaderInt8, shaderInt16, shaderInt64, storageBuffer8BitAccess,
  /// storageBuffer16BitAccess, shaderIntegerDotProduct,
  /// shaderSubgroupExtendedTypes, and subgroupBallot:
  /// the BALLOT bit of the compute stage's subgroup operations), e.g. to check on a
  /// capable device that a bundle runs on a device without them. Also read
  /// from QC_VULKAN_MASK_FEATURES (comma-separated).
  std::vector<std::string> maskedFeatures;
  /// Record a timestamp after every step, so Program::lastStepSeconds()
  /// reports where a run spends its time. Also turned on by
  /// QC_VULKAN_PROFILE=1.
  bool profile = false;
};

/// The device properties the compiler adapts kernels to.
struct DeviceTraits {
  int64_t maxWorkgroupInvocations = 128;
  int64_t maxSharedMemoryBytes = 16384;
  int64_t subgroupSize = 32;
  /// shaderIntegerDotProduct is enabled; ...Accelerated: the device reports
  /// packed signed 4x8-bit dot products as fast.
  bool integerDotProduct = false, integerDotProductAccelerated = false;
  /// VK_PHYSICAL_DEVICE_TYPE_CPU (lavapipe, SwiftShader).
  bool cpu = false;
  /// Compute shaders have the subgroup BASIC and BALLOT operations
  /// (SubgroupLocalInvocationId, OpGroupNonUniformBroadcast, -Ballot): the
  /// contraction kernels' row broadcast (subgroup-broadcast).
  bool subgroupBallot = false;
  /// shaderSubgroupExtendedTypes is enabled: group operations may take 8-,
  /// 16- and 64-bit integers (the 32-byte loads' 64-bit row broadcast).
  bool subgroupExtendedTypes = false;
  /// Compute shaders have the subgroup SHUFFLE operations: the row
  /// broadcast by OpGroupNonUniformShuffle (subgroup-shuffle).
  bool subgroupShuffle = false;
  /// maxTexelBufferElements (texel-buffers; 65536 is Vulkan's minimum).
  int64_t maxTexelBufferElements = 65536;
};

class Program;

class Runtime {
public:
  static llvm::Expected<std::unique_ptr<Runtime>>
  create(const RuntimeOptions &options = {});
  ~Runtime();

  /// "llvmpipe (LLVM 15.0.6, 256 bits), Vulkan 1.3.230".
  std::string deviceDescription() const;
  /// Limits and features of the device, for the compiler.
  const DeviceTraits &deviceTraits() const;

  /// Uploads kernels and constants and records the command buffer. Fails if
  /// the bundle needs a device feature or a limit the device lacks.
  llvm::Expected<std::unique_ptr<Program>> load(const Bundle &bundle);

  struct Impl;

private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

class Program {
public:
  ~Program();
  /// Uploads `inputs` (checked against the bundle's input shapes and element
  /// types), runs every step in order, and returns the outputs.
  llvm::Expected<std::vector<runtime::HostTensor>>
  run(const std::vector<runtime::HostTensor> &inputs);
  /// Seconds between submission and completion of the last run.
  double lastDeviceSeconds() const;
  /// Device time of each step (in bundle order) in the last run, measured
  /// with timestamp queries; empty unless RuntimeOptions::profile.
  llvm::ArrayRef<double> lastStepSeconds() const;

  struct Impl;
  explicit Program(std::unique_ptr<Impl> impl);

private:
  std::unique_ptr<Impl> impl;
};

} // namespace qc::vulkan

#endif // QC_RUNTIME_VULKAN_VULKANRUNTIME_H
