//===- qc-bundle-fuzzer.cpp - fuzz the Vulkan bundle reader ---------------===//
//
// Input: the files of a bundle directory in split-file form,
//
//   //--- manifest.json
//   { "format": "qc-vulkan-bundle", ... }
//   //--- k0.spv
//   <bytes>
//
// read by readBundle through an in-memory file reader (a name without a
// section does not exist). Contracts: no crash; a bundle that is accepted
// passes the reader's own consistency rules again when its manifest is
// rewritten by manifestToJSON (what writeBundle writes) and read back.
//
//===----------------------------------------------------------------------===//
#include "qc/Runtime/Vulkan/Bundle.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace llvm;
using namespace qc::vulkan;

static constexpr StringLiteral kSection = "//--- ";

[[noreturn]] static void reportBug(const Twine &what) {
  errs() << "qc fuzz: " << what << "\n";
  std::abort();
}

/// Sections of the input by file name; the text before the first section is
/// ignored.
static StringMap<std::string> splitSections(StringRef input) {
  StringMap<std::string> files;
  size_t at = input.starts_with(kSection) ? 0 : input.find("\n" + kSection.str());
  while (at != StringRef::npos) {
    if (input[at] == '\n')
      ++at;
    StringRef rest = input.drop_front(at + kSection.size());
    auto [name, body] = rest.split('\n');
    size_t end = body.find("\n" + kSection.str());
    files[name.rtrim("\r")] = body.take_front(end).str();
    at = end == StringRef::npos ? end : input.size() - body.size() + end;
  }
  return files;
}

static Expected<Bundle> readFrom(const StringMap<std::string> &files) {
  return readBundle("bundle", [&](StringRef path) -> Expected<std::vector<char>> {
    StringRef name = path;
    name.consume_front("bundle/");
    auto it = files.find(name);
    if (it == files.end())
      return createStringError(inconvertibleErrorCode(), "no file '%s'",
                               path.str().c_str());
    return std::vector<char>(it->second.begin(), it->second.end());
  });
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  StringMap<std::string> files =
      splitSections(StringRef(reinterpret_cast<const char *>(data), size));
  Expected<Bundle> bundle = readFrom(files);
  if (!bundle) {
    consumeError(bundle.takeError());
    return 0;
  }
  // What writeBundle would write: the rewritten manifest, one .spv per
  // kernel and one .bin per constant buffer.
  StringMap<std::string> written;
  std::string manifest;
  raw_string_ostream os(manifest);
  os << manifestToJSON(*bundle);
  written["manifest.json"] = manifest;
  for (const KernelDesc &kernel : bundle->kernels)
    written[kernel.name + ".spv"] =
        std::string(reinterpret_cast<const char *>(kernel.spirv.data()),
                    kernel.spirv.size() * sizeof(uint32_t));
  for (auto [id, buffer] : llvm::enumerate(bundle->buffers))
    if (buffer.role == BufferRole::Constant)
      written["constant_" + std::to_string(id) + ".bin"] =
          std::string(buffer.data.begin(), buffer.data.end());
  Expected<Bundle> again = readFrom(written);
  if (!again)
    reportBug("the rewritten bundle is rejected: " +
              toString(again.takeError()));
  for (auto [before, after] : llvm::zip(bundle->kernels, again->kernels))
    if (before.spirv != after.spirv)
      reportBug("kernel '" + before.name + "' reads back other SPIR-V");
  return 0;
}
