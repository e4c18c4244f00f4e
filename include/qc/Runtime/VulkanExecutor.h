//===- VulkanExecutor.h - compile and run a qc function on Vulkan -*- C++ -*-===//
//
// The Vulkan execution target over HostTensor: compiles a module's entry with
// qc-spirv-pipeline (or takes a prebuilt bundle), loads it on a device, and
// runs it on host tensors. This is what `qc-run --target=vulkan` plugs into.
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_VULKANEXECUTOR_H
#define QC_RUNTIME_VULKANEXECUTOR_H

#include "qc/Pipelines/SPIRVPipeline.h"
#include "qc/Runtime/Executor.h"
#include "qc/Runtime/Vulkan/Bundle.h"
#include "qc/Runtime/Vulkan/VulkanRuntime.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::qc {

/// Sets the pipeline options that depend on the device and that the user did
/// not give: the workgroup limits and subgroup size, workgroup-memory stages
/// (not on CPU devices, where they cost more than they save), and packed dot
/// products (where the device reports them accelerated).
void adaptToDevice(SPIRVPipelineOptions &options,
                   const ::qc::vulkan::DeviceTraits &traits);

class VulkanExecutor {
public:
  /// Compiles `entry` of `module` (modified in place) for the device the
  /// runtime options select (`pipelineOptions` adapted to it in place by
  /// adaptToDevice); diagnostics go to the module's
  /// context, runtime errors are returned as llvm::Error.
  static llvm::Expected<std::unique_ptr<VulkanExecutor>>
  compile(ModuleOp module, StringRef entry,
          SPIRVPipelineOptions &pipelineOptions,
          const ::qc::vulkan::RuntimeOptions &runtimeOptions = {});
  /// Loads a prebuilt bundle.
  static llvm::Expected<std::unique_ptr<VulkanExecutor>>
  fromBundle(::qc::vulkan::Bundle bundle,
             const ::qc::vulkan::RuntimeOptions &runtimeOptions = {});
  /// Loads a bundle on an existing runtime's device.
  static llvm::Expected<std::unique_ptr<VulkanExecutor>>
  fromBundle(::qc::vulkan::Bundle bundle,
             std::unique_ptr<::qc::vulkan::Runtime> runtime);

  /// Runs once; inputs in argument order, outputs in result order.
  llvm::Expected<std::vector<::qc::runtime::HostTensor>>
  run(const std::vector<::qc::runtime::HostTensor> &inputs);
  /// Device time of the last run, in seconds.
  double lastDeviceSeconds() const { return program->lastDeviceSeconds(); }
  /// Per-step device times of the last run (profiling runtimes only).
  llvm::ArrayRef<double> lastStepSeconds() const {
    return program->lastStepSeconds();
  }
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

namespace qc::runtime {

struct VulkanExecutorOptions {
  /// Options of qc-spirv-pipeline, as written inside `qc-spirv-pipeline{...}`.
  std::string pipelineOptions;
  /// The input file, named in the reproducer printed when the pipeline fails.
  std::string sourcePath = "<input.mlir>";
  /// Device selection and validation (also from QC_VULKAN_DEVICE,
  /// QC_VULKAN_VALIDATION, QC_VULKAN_MASK_FEATURES).
  ::qc::vulkan::RuntimeOptions runtime;
};

/// qc-run's Vulkan target: compiles `module` (modified in place) with
/// qc-spirv-pipeline for `signature.name` and loads it on a Vulkan device.
/// Results come back with the signature's element kinds (uint8 stays uint8).
/// Each run's time is the device time from submission to completion.
llvm::Expected<std::unique_ptr<Executor>>
createVulkanExecutor(mlir::ModuleOp module, const EntrySignature &signature,
                     const VulkanExecutorOptions &options);

/// An executor for a bundle compiled earlier (qc-compile --target=vulkan,
/// qc-vulkan-bundle): nothing is compiled. `signature` gives the element
/// kinds the device's signless buffers hold.
llvm::Expected<std::unique_ptr<Executor>>
createVulkanExecutorFromBundle(::qc::vulkan::Bundle bundle,
                               const EntrySignature &signature,
                               const ::qc::vulkan::RuntimeOptions &options = {});

/// The `qc-opt` command line that reproduces running qc-spirv-pipeline with
/// `pipelineOptions` on `sourcePath`.
std::string spirvPipelineReproducer(llvm::StringRef pipelineOptions,
                                    llvm::StringRef sourcePath);

} // namespace qc::runtime

#endif // QC_RUNTIME_VULKANEXECUTOR_H
