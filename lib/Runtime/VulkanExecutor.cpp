//===- VulkanExecutor.cpp - compile and run a qc function on Vulkan -------===//
#include "qc/Runtime/VulkanExecutor.h"
#include "qc/Support/StderrCapture.h"
#include "qc/Target/SPIRV/VulkanBundle.h"

using namespace mlir;
using namespace mlir::qc;

void mlir::qc::adaptToDevice(SPIRVPipelineOptions &options,
                             const ::qc::vulkan::DeviceTraits &traits) {
  auto set = [](auto &option, auto value) {
    if (option.getNumOccurrences() == 0)
      option = value;
  };
  set(options.maxWorkgroupInvocations, traits.maxWorkgroupInvocations);
  set(options.maxSharedMemory, traits.maxSharedMemoryBytes);
  set(options.subgroupSize, traits.subgroupSize);
  set(options.sharedMemoryTiles, !traits.cpu);
  set(options.intDotProduct, traits.integerDotProductAccelerated);
  // Safe wherever the device has the operations: each kernel checks at run
  // time that its subgroup shares the tile rows and loads them itself
  // otherwise (ContractionBroadcast.cpp).
  set(options.subgroupBroadcast, traits.subgroupBallot);
  // A constant-lane shuffle gives the broadcast's value; lavapipe (Mesa
  // 22.3) runs a broadcast as a loop over the lanes per component and the
  // shuffle as one permute (docs/SPIRV.md).
  set(options.subgroupShuffle, traits.subgroupShuffle);
  // One load instruction per lane whatever its width on CPU devices
  // (ContractionQuad.cpp); unmeasured on GPUs.
  set(options.wideLoads, traits.cpu);
  // The 32-byte loads pay on lavapipe only where the row broadcast hands
  // out their 64-bit components (resnet18-224: 0.76-0.86x the 16-byte
  // loads' CPU time; with 32-bit word broadcasts 1.35-1.45x, docs/SPIRV.md),
  // which needs shaderSubgroupExtendedTypes: without it, 16-byte loads.
  set(options.subgroupExtendedTypes, traits.subgroupExtendedTypes);
  set(options.int64Loads, traits.cpu && traits.subgroupExtendedTypes);
  // A texel fetch is a gather on lavapipe, a storage-buffer load a loop over
  // the lanes (784x576x64 matmul: 0.75x the instructions, docs/SPIRV.md);
  // unmeasured on GPUs.
  set(options.texelBuffers, traits.cpu);
  set(options.maxTexelBufferElements, traits.maxTexelBufferElements);
}

/// Compiles for the device of an existing runtime and loads the result.
/// `onFailure` gets the options the pipeline ran with (the caller's plus
/// those adaptToDevice filled in), so that a reproducer compiles the same.
static llvm::Expected<std::unique_ptr<VulkanExecutor>>
compileFor(std::unique_ptr<::qc::vulkan::Runtime> runtime, ModuleOp module,
           StringRef entry, SPIRVPipelineOptions &options,
           function_ref<llvm::Error(StringRef effectiveOptions)> onFailure);

llvm::Expected<std::unique_ptr<VulkanExecutor>>
VulkanExecutor::fromBundle(::qc::vulkan::Bundle bundle,
                           const ::qc::vulkan::RuntimeOptions &runtimeOptions) {
  auto runtime = ::qc::vulkan::Runtime::create(runtimeOptions);
  if (!runtime)
    return runtime.takeError();
  return fromBundle(std::move(bundle), std::move(*runtime));
}

llvm::Expected<std::unique_ptr<VulkanExecutor>>
VulkanExecutor::fromBundle(::qc::vulkan::Bundle bundle,
                           std::unique_ptr<::qc::vulkan::Runtime> runtime) {
  std::unique_ptr<VulkanExecutor> executor(new VulkanExecutor());
  executor->bundle = std::move(bundle);
  executor->runtime = std::move(runtime);
  auto program = executor->runtime->load(executor->bundle);
  if (!program)
    return program.takeError();
  executor->program = std::move(*program);
  return executor;
}

llvm::Expected<std::unique_ptr<VulkanExecutor>>
VulkanExecutor::compile(ModuleOp module, StringRef entry,
                        SPIRVPipelineOptions &pipelineOptions,
                        const ::qc::vulkan::RuntimeOptions &runtimeOptions) {
  auto runtime = ::qc::vulkan::Runtime::create(runtimeOptions);
  if (!runtime)
    return runtime.takeError();
  return compileFor(std::move(*runtime), module, entry, pipelineOptions,
                    [&](StringRef) {
    // The diagnostics themselves went to the context's handler.
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "compiling @%s for Vulkan failed",
                                   entry.str().c_str());
  });
}

static llvm::Expected<std::unique_ptr<VulkanExecutor>>
compileFor(std::unique_ptr<::qc::vulkan::Runtime> runtime, ModuleOp module,
           StringRef entry, SPIRVPipelineOptions &options,
           function_ref<llvm::Error(StringRef effectiveOptions)> onFailure) {
  adaptToDevice(options, runtime->deviceTraits());
  FailureOr<::qc::vulkan::Bundle> bundle =
      compileToVulkanBundle(module, entry, options);
  if (failed(bundle)) {
    std::string printed;
    llvm::raw_string_ostream os(printed);
    options.print(os);
    // print() wraps the options in braces; the pipeline text adds its own.
    return onFailure(
        StringRef(printed).trim().drop_front().drop_back().trim());
  }
  return VulkanExecutor::fromBundle(std::move(*bundle), std::move(runtime));
}

llvm::Expected<std::vector<::qc::runtime::HostTensor>>
VulkanExecutor::run(const std::vector<::qc::runtime::HostTensor> &inputs) {
  return program->run(inputs);
}

namespace qc::runtime {

std::string spirvPipelineReproducer(llvm::StringRef pipelineOptions,
                                    llvm::StringRef sourcePath) {
  std::string pipeline = "builtin.module(qc-spirv-pipeline";
  if (!pipelineOptions.empty())
    pipeline += "{" + pipelineOptions.str() + "}";
  pipeline += ")";
  return "qc-opt --pass-pipeline='" + pipeline + "' " + sourcePath.str();
}

namespace {

/// Adapts VulkanExecutor to qc-run's Executor interface.
class VulkanTargetExecutor final : public Executor {
public:
  VulkanTargetExecutor(std::unique_ptr<mlir::qc::VulkanExecutor> executor,
                       EntrySignature signature)
      : executor(std::move(executor)), signature(std::move(signature)) {}

  llvm::Expected<std::vector<HostTensor>> run(llvm::ArrayRef<HostTensor> inputs,
                                              int repeat,
                                              Timing &timing) override {
    std::vector<HostTensor> scratch;
    llvm::ArrayRef<HostTensor> stored = toNarrowStorage(signature, inputs, scratch);
    std::vector<HostTensor> args(stored.begin(), stored.end());
    std::vector<HostTensor> results;
    for (int i = 0; i < repeat; ++i) {
      llvm::Expected<std::vector<HostTensor>> ran = executor->run(args);
      if (!ran)
        return ran.takeError();
      results = std::move(*ran);
      timing.seconds.push_back(executor->lastDeviceSeconds());
    }
    if (results.size() != signature.results.size())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "the Vulkan bundle returns %zu result(s), @%s has %zu",
          results.size(), signature.name.c_str(), signature.results.size());
    // The device computes on signless storage; the signature says whether
    // the bytes are int8 or uint8.
    for (auto [result, spec] : llvm::zip(results, signature.results)) {
      if (elementSize(result.kind) != elementSize(spec.kind) ||
          result.shape != spec.shape)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "the Vulkan bundle returns %s where @%s declares %s",
            result.describe().c_str(), signature.name.c_str(),
            spec.describe().c_str());
      result.kind = spec.kind;
    }
    fromNarrowStorage(signature, results);
    return results;
  }

private:
  std::unique_ptr<mlir::qc::VulkanExecutor> executor;
  EntrySignature signature;
};

} // namespace

llvm::Expected<std::unique_ptr<Executor>>
createVulkanExecutor(mlir::ModuleOp module, const EntrySignature &signature,
                     const VulkanExecutorOptions &options) {
  if (signature.isDynamic())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "@" + signature.name +
            " has a dynamic batch dimension; the Vulkan target compiles "
            "static shapes only (import or compile with a fixed batch)");
  mlir::qc::SPIRVPipelineOptions pipelineOptions;
  std::string parseErrors;
  if (!::qc::parseReportingOptionErrors(
          [&](llvm::raw_ostream &errors) {
            return succeeded(
                pipelineOptions.parseFromString(options.pipelineOptions, errors));
          },
          parseErrors))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "bad qc-spirv-pipeline options '" +
                                       options.pipelineOptions +
                                       "': " + parseErrors);
  auto runtime = ::qc::vulkan::Runtime::create(options.runtime);
  if (!runtime)
    return runtime.takeError();
  llvm::Expected<std::unique_ptr<mlir::qc::VulkanExecutor>> executor =
      compileFor(std::move(*runtime), module, signature.name, pipelineOptions,
                 [&](StringRef effectiveOptions) -> llvm::Error {
                   return llvm::make_error<PipelineError>(
                       "compiling @" + signature.name + " for Vulkan failed",
                       spirvPipelineReproducer(effectiveOptions,
                                               options.sourcePath));
                 });
  if (!executor)
    return executor.takeError();
  return std::make_unique<VulkanTargetExecutor>(std::move(*executor),
                                                signature);
}

llvm::Expected<std::unique_ptr<Executor>>
createVulkanExecutorFromBundle(::qc::vulkan::Bundle bundle,
                               const EntrySignature &signature,
                               const ::qc::vulkan::RuntimeOptions &options) {
  llvm::Expected<std::unique_ptr<mlir::qc::VulkanExecutor>> executor =
      mlir::qc::VulkanExecutor::fromBundle(std::move(bundle), options);
  if (!executor)
    return executor.takeError();
  return std::make_unique<VulkanTargetExecutor>(std::move(*executor),
                                                signature);
}

} // namespace qc::runtime
