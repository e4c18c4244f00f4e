//===- VulkanExecutor.h - compile and run a qc function on Vulkan -*- C++ -*-===//
//
// The Vulkan execution target over HostTensor: compiles a module's entry with
// qc-spirv-pipeline (or takes a prebuilt bundle), loads it on a device, and
// runs it on host tensors. This is what `qc-run --target=vulkan` plugs into.
//
//===----------------------------------------------------------------------===//
#ifndef QC_TARGET_SPIRV_VULKANEXECUTOR_H
#define QC_TARGET_SPIRV_VULKANEXECUTOR_H

#include "qc/Runtime/Vulkan/VulkanRuntime.h"
#include "qc/Target/SPIRV/VulkanBundle.h"

namespace mlir::qc {

class VulkanExecutor {
public:
  /// Compiles `entry` of `module` (modified in place); diagnostics go to the
  /// module's context, runtime errors are returned as llvm::Error.
  static llvm::Expected<std::unique_ptr<VulkanExecutor>>
  compile(ModuleOp module, StringRef entry,
          const SPIRVPipelineOptions &pipelineOptions,
          const ::qc::vulkan::RuntimeOptions &runtimeOptions = {});
  /// Loads a prebuilt bundle.
  static llvm::Expected<std::unique_ptr<VulkanExecutor>>
  fromBundle(::qc::vulkan::Bundle bundle,
             const ::qc::vulkan::RuntimeOptions &runtimeOptions = {});

  /// Runs once; inputs in argument order, outputs in result order.
  llvm::Expected<std::vector<::qc::runtime::HostTensor>>
  run(const std::vector<::qc::runtime::HostTensor> &inputs);
  /// Device time of the last run, in seconds.
  double lastDeviceSeconds() const { return program->lastDeviceSeconds(); }
  std::string deviceDescription() const {
    return runtime->deviceDescription();
  }
  const ::qc::vulkan::Bundle &getBundle() const { return bundle; }

private:
  VulkanExecutor() = default;
  ::qc::vulkan::Bundle bundle;
  std::unique_ptr<::qc::vulkan::Runtime> runtime;
  std::unique_ptr<::qc::vulkan::Program> program;
};

} // namespace mlir::qc

#endif // QC_TARGET_SPIRV_VULKANEXECUTOR_H
