//===- VulkanBundleDirectory.cpp - a model as a Vulkan bundle directory ---===//
//
// The Vulkan counterpart of SharedLibrary.cpp: compiles with
// qc-spirv-pipeline and writes the bundle (qc/Runtime/Vulkan/Bundle.h) plus
// the model's manifest, which qc::runtime::loadCompiledModel reads back.
//
//===----------------------------------------------------------------------===//
#include "qc/Target/Artifact.h"

#include "qc/Runtime/ModelManifest.h"
#include "qc/Runtime/VulkanExecutor.h"
#include "qc/Support/Version.h"
#include "qc/Target/SPIRV/VulkanBundle.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using ::qc::runtime::EntrySignature;
using ::qc::runtime::ModelManifest;

static llvm::Error stringError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error mlir::qc::compileToVulkanBundleDirectory(
    ModuleOp module, StringRef path, const ArtifactOptions &options) {
  OwningOpRef<ModuleOp> copy = module.clone();
  FailureOr<EntrySignature> signature =
      ::qc::runtime::readEntrySignature(*copy, options.entry);
  if (failed(signature))
    return stringError("cannot compile this function (diagnostics above)");
  if (options.packedInt4)
    if (llvm::Error error = ::qc::runtime::checkPackedInt4(*signature))
      return error;
  if (signature->isDynamic())
    return stringError("@" + signature->name +
                       " has a dynamic batch dimension; the Vulkan target "
                       "compiles static shapes only");
  SPIRVPipelineOptions pipelineOptions;
  std::string parseErrors;
  llvm::raw_string_ostream parseErrorStream(parseErrors);
  if (failed(pipelineOptions.parseFromString(options.pipelineOptions,
                                             parseErrorStream)))
    return stringError("bad qc-spirv-pipeline options '" +
                       options.pipelineOptions + "': " + parseErrors);
  FailureOr<::qc::vulkan::Bundle> bundle =
      compileToVulkanBundle(*copy, signature->name, pipelineOptions);
  if (failed(bundle))
    return llvm::make_error<::qc::runtime::PipelineError>(
        "compiling @" + signature->name + " for Vulkan failed",
        ::qc::runtime::spirvPipelineReproducer(options.pipelineOptions,
                                               options.sourcePath));
  llvm::Expected<std::string> name =
      chooseEntryName(signature->name, path, options.name);
  if (!name)
    return name.takeError();
  ModelManifest manifest;
  manifest.name = *name;
  manifest.target = "vulkan";
  manifest.producer =
      std::string(::qc::getVersion()) + " " + ::qc::getRevision();
  manifest.signature = *signature;
  manifest.packedInt4 = options.packedInt4;
  if (llvm::Error error = ::qc::vulkan::writeBundle(*bundle, path))
    return error;
  llvm::SmallString<128> manifestPath(path);
  llvm::sys::path::append(manifestPath, ::qc::runtime::kManifestFile);
  return llvm::writeToOutput(manifestPath, [&](llvm::raw_ostream &os) {
    os << ::qc::runtime::printManifest(manifest);
    return llvm::Error::success();
  });
}
