//===- qc-pipeline-fuzzer.cpp - fuzz the CPU and SPIR-V pipelines ---------===//
//
// Input: a first line naming one of the choices below (any other line
// selects one by its hash), then MLIR text. The choices are qc-cpu-pipeline
// and qc-spirv-pipeline with their main options, after qc-fold-fake-quant or
// alone, their stages, and the whole Vulkan compile (pipeline plus bundle
// construction, as qc-vulkan-bundle and qc-run do it) of the module's first
// public function. See FuzzSupport.h for the contracts checked.
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "qc/Target/SPIRV/VulkanBundle.h"

using namespace mlir;

static constexpr llvm::StringLiteral kBundlePrefix = "vulkan-bundle:";

static const llvm::StringRef kPipelines[] = {
    "builtin.module(qc-cpu-pipeline)",
    "builtin.module(qc-cpu-pipeline{vectorize=false})",
    "builtin.module(qc-cpu-pipeline{integer-only=true})",
    "builtin.module(qc-cpu-pipeline{x86-vnni=true})",
    "builtin.module(func.func(qc-fold-fake-quant),qc-cpu-pipeline)",
    "builtin.module(qc-cpu-vectorize)",
    "builtin.module(qc-cpu-bufferize)",
    "builtin.module(qc-cpu-to-llvm)",
    "builtin.module(qc-spirv-pipeline)",
    "builtin.module(qc-spirv-pipeline{portable})",
    "builtin.module(func.func(qc-fold-fake-quant),qc-spirv-pipeline)",
    "builtin.module(qc-spirv-bufferize)",
    "builtin.module(qc-spirv-bufferize,qc-spirv-map-to-gpu)",
    "builtin.module(qc-spirv-convert)",
    "vulkan-bundle:",
    "vulkan-bundle:portable",
};

static LogicalResult runChoice(ModuleOp module, llvm::StringRef choice) {
  if (!choice.consume_front(kBundlePrefix))
    return ::qc::fuzz::runPipeline(module, choice);
  auto options = mlir::qc::SPIRVPipelineOptions::createFromString(choice);
  if (!options)
    return module.emitError("bad SPIR-V pipeline options");
  func::FuncOp entry;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal()) {
      entry = func;
      break;
    }
  if (!entry)
    return success();
  return mlir::qc::compileToVulkanBundle(module, entry.getSymName(), *options);
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  ::qc::fuzz::listChoicesIfAsked(kPipelines);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return ::qc::fuzz::fuzzPassPipelines(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), kPipelines,
      runChoice);
}
