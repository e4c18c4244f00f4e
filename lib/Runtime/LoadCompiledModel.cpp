//===- LoadCompiledModel.cpp - run a model compiled ahead of time --------===//
//
// Loads what lib/Target/Artifact writes: a shared library through dlopen, a
// Vulkan bundle directory onto a device. Nothing is compiled here.
//
//===----------------------------------------------------------------------===//
#include "qc/Runtime/LoadCompiledModel.h"
#include "qc/Runtime/Heap.h"

#include "qc/Runtime/CPUExecutor.h"
#include "qc/Runtime/ModelManifest.h"
#include "qc/Runtime/VulkanExecutor.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <cstring>
#include <dlfcn.h>

using ::qc::runtime::EntrySignature;
using ::qc::runtime::Executor;
using ::qc::runtime::HostTensor;
using ::qc::runtime::ModelManifest;

namespace {

llvm::Error stringError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Runs a shared library written by compileToSharedLibrary through its
/// `NAME_qc_run(batch, inputs, results)`.
class SharedLibraryExecutor final : public Executor {
public:
  using RunFunction = void (*)(int64_t, void **, void **);
  SharedLibraryExecutor(void *handle, RunFunction function,
                        EntrySignature signature)
      : handle(handle), function(function), signature(std::move(signature)) {}
  ~SharedLibraryExecutor() override { dlclose(handle); }

  llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<HostTensor> callerInputs, int repeat,
      ::qc::runtime::Timing &timing) override {
    int64_t batch = ::qc::runtime::batchOf(signature, callerInputs);
    // Narrow codes go in and come out in the stored form (the manifest
    // records them), as for a model compiled by qc-run.
    std::vector<HostTensor> scratch;
    llvm::ArrayRef<HostTensor> inputs =
        ::qc::runtime::toNarrowStorage(signature, callerInputs, scratch);
    // The library only reads its inputs: no copies per run.
    std::vector<void *> inputPointers;
    for (const HostTensor &input : inputs)
      inputPointers.push_back(const_cast<uint8_t *>(input.data.data()));
    std::vector<HostTensor> results;
    std::vector<void *> resultPointers;
    for (const ::qc::runtime::TensorSpec &spec : signature.results) {
      HostTensor result;
      result.kind = spec.kind;
      result.shape = spec.resolve(batch);
      result.data.resize(result.numElements() * elementSize(spec.kind));
      results.push_back(std::move(result));
    }
    for (HostTensor &result : results)
      resultPointers.push_back(result.data.data());
    for (int i = 0; i < repeat; ++i) {
      auto start = std::chrono::steady_clock::now();
      function(batch, inputPointers.data(), resultPointers.data());
      auto end = std::chrono::steady_clock::now();
      timing.seconds.push_back(
          std::chrono::duration<double>(end - start).count());
    }
    ::qc::runtime::fromNarrowStorage(signature, results);
    return results;
  }

private:
  void *handle;
  RunFunction function;
  EntrySignature signature;
};

llvm::Expected<std::unique_ptr<Executor>>
loadSharedLibrary(llvm::StringRef path, EntrySignature &signature,
                  std::string &target, bool &packedInt4) {
  std::string file = path.str();
  // A name without a slash would be searched for on the library path.
  if (!llvm::StringRef(file).contains('/'))
    file = "./" + file;
  // The library's own constructor sets it too; a library compiled before it
  // did still gets it here.
  ::qc::runtime::keepHeapAcrossCalls();
  // RTLD_LOCAL: two models' symbols never mix.
  void *handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return stringError("cannot load '" + path + "': " + dlerror());
  auto *text = static_cast<const char *>(
      dlsym(handle, ::qc::runtime::kManifestSymbol));
  if (!text) {
    dlclose(handle);
    return stringError("'" + path +
                       "' is not a model compiled by qc-compile (it has no " +
                       ::qc::runtime::kManifestSymbol + ")");
  }
  llvm::Expected<ModelManifest> manifest = ::qc::runtime::parseManifest(text);
  if (!manifest) {
    dlclose(handle);
    return stringError("'" + path +
                       "': " + llvm::toString(manifest.takeError()));
  }
  auto function = reinterpret_cast<SharedLibraryExecutor::RunFunction>(
      dlsym(handle, manifest->runSymbol.c_str()));
  if (manifest->target != "cpu" || !function) {
    dlclose(handle);
    return stringError("'" + path + "': no CPU entry point '" +
                       manifest->runSymbol + "'");
  }
  // Code for a CPU feature this host lacks would fault (SIGILL) on its
  // first instruction: refuse it here with the reason.
  llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
  for (const std::string &feature : manifest->cpuFeatures) {
    std::string why;
    if (llvm::StringRef(feature).starts_with("amx-")
            ? ::qc::runtime::requestHostAMX(&why)
            : hostFeatures.lookup(feature))
      continue;
    dlclose(handle);
    return stringError("'" + path + "' needs the CPU feature " + feature +
                       " (compiled with it: x86-vnni, x86-vbmi or x86-amx) but " +
                       (why.empty() ? "this CPU lacks it" : why) +
                       "; compile the model on this machine or without it");
  }
  signature = manifest->signature;
  packedInt4 = manifest->packedInt4;
  target = "cpu (" + llvm::sys::path::filename(path).str() + ")";
  return std::make_unique<SharedLibraryExecutor>(handle, function,
                                                 manifest->signature);
}

/// The signature a bundle's buffers give when it has no qc-model.txt
/// (qc-vulkan-bundle): signless integers count as signed.
llvm::Expected<EntrySignature>
signatureOfBundle(const ::qc::vulkan::Bundle &bundle) {
  EntrySignature signature;
  signature.name = bundle.entry;
  auto specOf = [&](uint32_t id) -> llvm::Expected<::qc::runtime::TensorSpec> {
    const ::qc::vulkan::BufferDesc &buffer = bundle.buffers[id];
    static const std::pair<const char *, ::qc::runtime::ElementKind> kinds[] = {
        {"i8", ::qc::runtime::ElementKind::I8},
        {"i16", ::qc::runtime::ElementKind::I16},
        {"i32", ::qc::runtime::ElementKind::I32},
        {"i64", ::qc::runtime::ElementKind::I64},
        {"f32", ::qc::runtime::ElementKind::F32},
        {"f64", ::qc::runtime::ElementKind::F64}};
    for (auto [name, kind] : kinds)
      if (buffer.elementType == name)
        return ::qc::runtime::TensorSpec{kind, buffer.shape};
    return stringError("bundle buffer of element type '" + buffer.elementType +
                       "' cannot be exchanged");
  };
  for (uint32_t id : bundle.inputs) {
    auto spec = specOf(id);
    if (!spec)
      return spec.takeError();
    signature.inputs.push_back(*spec);
  }
  for (uint32_t id : bundle.outputs) {
    auto spec = specOf(id);
    if (!spec)
      return spec.takeError();
    signature.results.push_back(*spec);
  }
  return signature;
}

llvm::Expected<std::unique_ptr<Executor>>
loadVulkanBundle(llvm::StringRef path, EntrySignature &signature,
                 std::string &target, bool &packedInt4) {
  llvm::Expected<::qc::vulkan::Bundle> bundle = ::qc::vulkan::readBundle(path);
  if (!bundle)
    return bundle.takeError();
  llvm::SmallString<128> manifestPath(path);
  llvm::sys::path::append(manifestPath, ::qc::runtime::kManifestFile);
  if (llvm::sys::fs::exists(manifestPath)) {
    auto text = llvm::MemoryBuffer::getFile(manifestPath);
    if (!text)
      return stringError("reading " + manifestPath + ": " +
                         text.getError().message());
    llvm::Expected<ModelManifest> manifest =
        ::qc::runtime::parseManifest((*text)->getBuffer());
    if (!manifest)
      return stringError(manifestPath + ": " +
                         llvm::toString(manifest.takeError()));
    signature = manifest->signature;
    packedInt4 = manifest->packedInt4;
  } else {
    llvm::Expected<EntrySignature> derived = signatureOfBundle(*bundle);
    if (!derived)
      return derived.takeError();
    signature = *derived;
  }
  auto executor = ::qc::runtime::createVulkanExecutorFromBundle(
      std::move(*bundle), signature);
  if (!executor)
    return executor.takeError();
  target = "vulkan (" + llvm::sys::path::filename(path).str() + ")";
  return std::move(*executor);
}

} // namespace

llvm::Expected<std::unique_ptr<Executor>>
qc::runtime::loadCompiledModel(llvm::StringRef path,
                               EntrySignature &signature,
                               std::string &target, bool *packedInt4) {
  bool packed = false;
  if (!packedInt4)
    packedInt4 = &packed;
  *packedInt4 = false;
  if (llvm::sys::fs::is_directory(path))
    return loadVulkanBundle(path, signature, target, *packedInt4);
  if (!llvm::sys::fs::exists(path))
    return stringError("'" + path + "' does not exist");
  return loadSharedLibrary(path, signature, target, *packedInt4);
}
