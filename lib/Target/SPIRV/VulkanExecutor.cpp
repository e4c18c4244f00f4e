//===- VulkanExecutor.cpp - compile and run a qc function on Vulkan -------===//
#include "qc/Target/SPIRV/VulkanExecutor.h"

using namespace mlir;
using namespace mlir::qc;

llvm::Expected<std::unique_ptr<VulkanExecutor>>
VulkanExecutor::fromBundle(::qc::vulkan::Bundle bundle,
                           const ::qc::vulkan::RuntimeOptions &runtimeOptions) {
  std::unique_ptr<VulkanExecutor> executor(new VulkanExecutor());
  executor->bundle = std::move(bundle);
  auto runtime = ::qc::vulkan::Runtime::create(runtimeOptions);
  if (!runtime)
    return runtime.takeError();
  executor->runtime = std::move(*runtime);
  auto program = executor->runtime->load(executor->bundle);
  if (!program)
    return program.takeError();
  executor->program = std::move(*program);
  return executor;
}

llvm::Expected<std::unique_ptr<VulkanExecutor>>
VulkanExecutor::compile(ModuleOp module, StringRef entry,
                        const SPIRVPipelineOptions &pipelineOptions,
                        const ::qc::vulkan::RuntimeOptions &runtimeOptions) {
  FailureOr<::qc::vulkan::Bundle> bundle =
      compileToVulkanBundle(module, entry, pipelineOptions);
  if (failed(bundle))
    // The diagnostics themselves went to the context's handler.
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "compiling @%s for Vulkan failed",
                                   entry.str().c_str());
  return fromBundle(std::move(*bundle), runtimeOptions);
}

llvm::Expected<std::vector<::qc::runtime::HostTensor>>
VulkanExecutor::run(const std::vector<::qc::runtime::HostTensor> &inputs) {
  return program->run(inputs);
}
