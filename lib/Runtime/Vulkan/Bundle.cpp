//===- Bundle.cpp - manifest.json + .spv + .bin directory I/O -------------===//
#include "qc/Runtime/Vulkan/Bundle.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace qc::vulkan {

/// Version 1: every binding a storage buffer. Version 2 adds a kernel's
/// optional `texel_buffers`; a bundle is written as version 2 only when a
/// kernel has one, so that an older runtime refuses it instead of binding
/// storage buffers there, and bundles without them stay version 1.
static constexpr int kManifestVersion = 1, kTexelManifestVersion = 2;

uint32_t texelFormatBytes(StringRef format) {
  return StringSwitch<uint32_t>(format)
      .Case("r32_uint", 4)
      .Case("r32g32_uint", 8)
      .Case("r32g32b32a32_uint", 16)
      .Default(0);
}

const TexelBinding *KernelDesc::texelBinding(uint32_t binding) const {
  for (const TexelBinding &texel : texelBuffers)
    if (texel.binding == binding)
      return &texel;
  return nullptr;
}

const char *roleName(BufferRole role) {
  switch (role) {
  case BufferRole::Input:
    return "input";
  case BufferRole::Output:
    return "output";
  case BufferRole::Intermediate:
    return "intermediate";
  case BufferRole::Constant:
    return "constant";
  }
  llvm_unreachable("unknown buffer role");
}

static std::string spirvFile(const KernelDesc &kernel) {
  return kernel.name + ".spv";
}
static std::string constantFile(size_t id) {
  return "constant_" + std::to_string(id) + ".bin";
}

json::Value manifestToJSON(const Bundle &bundle) {
  json::Array buffers;
  for (auto [id, buffer] : llvm::enumerate(bundle.buffers)) {
    json::Object obj{{"id", static_cast<int64_t>(id)},
                     {"role", roleName(buffer.role)},
                     {"element_type", buffer.elementType},
                     {"shape", json::Array(buffer.shape)},
                     {"bytes", static_cast<int64_t>(buffer.bytes)},
                     {"origin", buffer.origin}};
    if (buffer.argIndex >= 0)
      obj["arg"] = buffer.argIndex;
    if (buffer.role == BufferRole::Constant)
      obj["file"] = constantFile(id);
    buffers.push_back(std::move(obj));
  }
  json::Array kernels;
  for (const KernelDesc &kernel : bundle.kernels) {
    json::Object obj{{"name", kernel.name},
                     {"spirv", spirvFile(kernel)},
                     {"entry_point", kernel.entryPoint},
                     {"workgroup_size", json::Array(kernel.workgroupSize)},
                     {"bindings", kernel.numBindings},
                     {"capabilities", json::Array(kernel.capabilities)}};
    if (!kernel.config.empty())
      obj["config"] = kernel.config;
    if (!kernel.texelBuffers.empty()) {
      json::Array texels;
      for (const TexelBinding &texel : kernel.texelBuffers)
        texels.push_back(json::Object{{"binding", texel.binding},
                                      {"format", texel.format}});
      obj["texel_buffers"] = std::move(texels);
    }
    kernels.push_back(std::move(obj));
  }
  json::Array steps;
  for (const StepDesc &step : bundle.steps) {
    if (step.kind == StepDesc::Kind::Dispatch)
      steps.push_back(json::Object{{"op", "dispatch"},
                                   {"kernel", step.kernel},
                                   {"grid", json::Array(step.grid)},
                                   {"bindings", json::Array(step.bindings)}});
    else
      steps.push_back(json::Object{{"op", "copy"},
                                   {"src", step.src},
                                   {"dst", step.dst},
                                   {"bytes", static_cast<int64_t>(step.bytes)}});
  }
  return json::Object{
      {"format", "qc-vulkan-bundle"},
      {"version", llvm::any_of(bundle.kernels,
                               [](const KernelDesc &kernel) {
                                 return !kernel.texelBuffers.empty();
                               })
                      ? kTexelManifestVersion
                      : kManifestVersion},
      {"entry", bundle.entry},
      {"target_env",
       json::Object{{"spirv_version", bundle.targetEnv.version},
                    {"capabilities", json::Array(bundle.targetEnv.capabilities)},
                    {"extensions", json::Array(bundle.targetEnv.extensions)},
                    {"portable", bundle.targetEnv.portable}}},
      {"buffers", std::move(buffers)},
      {"kernels", std::move(kernels)},
      {"steps", std::move(steps)},
      {"inputs", json::Array(bundle.inputs)},
      {"outputs", json::Array(bundle.outputs)}};
}

static Error writeFile(StringRef path, ArrayRef<char> bytes) {
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return createStringError(ec, "cannot write '%s': %s", path.str().c_str(),
                             ec.message().c_str());
  os.write(bytes.data(), bytes.size());
  os.close();
  if (os.has_error())
    return createStringError(os.error(), "cannot write '%s'",
                             path.str().c_str());
  return Error::success();
}

Error writeBundle(const Bundle &bundle, StringRef dir) {
  if (std::error_code ec = sys::fs::create_directories(dir))
    return createStringError(ec, "cannot create directory '%s': %s",
                             dir.str().c_str(), ec.message().c_str());
  auto join = [&](StringRef name) {
    SmallString<256> path(dir);
    sys::path::append(path, name);
    return std::string(path);
  };
  for (const KernelDesc &kernel : bundle.kernels) {
    ArrayRef<char> bytes(reinterpret_cast<const char *>(kernel.spirv.data()),
                         kernel.spirv.size() * sizeof(uint32_t));
    if (Error err = writeFile(join(spirvFile(kernel)), bytes))
      return err;
  }
  for (auto [id, buffer] : llvm::enumerate(bundle.buffers))
    if (buffer.role == BufferRole::Constant)
      if (Error err = writeFile(
              join(constantFile(id)),
              ArrayRef<char>(reinterpret_cast<const char *>(buffer.data.data()),
                             buffer.data.size())))
        return err;
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", manifestToJSON(bundle)) << "\n";
  return writeFile(join("manifest.json"), ArrayRef<char>(text.data(), text.size()));
}

namespace {
/// Reads typed fields out of a manifest, remembering the first problem with
/// its JSON path so the error names the offending field.
class Reader {
public:
  explicit Reader(StringRef file) : file(file) {}

  Error error(const Twine &message) const {
    return createStringError(inconvertibleErrorCode(), "%s: %s",
                             file.c_str(), message.str().c_str());
  }

  template <typename T>
  Error get(const json::Object &obj, StringRef key, T &out,
            StringRef where) const {
    const json::Value *value = obj.get(key);
    json::Path::Root root;
    if (!value)
      return error(where + ": missing field '" + key + "'");
    if (!json::fromJSON(*value, out, json::Path(root)))
      return error(where + ": field '" + key + "' has the wrong type");
    return Error::success();
  }

private:
  std::string file;
};
} // namespace

static Expected<std::vector<char>> readDiskFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return createStringError(buffer.getError(), "cannot read '%s': %s",
                             path.str().c_str(),
                             buffer.getError().message().c_str());
  StringRef bytes = (*buffer)->getBuffer();
  return std::vector<char>(bytes.begin(), bytes.end());
}

/// A name writeBundle can produce: one path component of identifier
/// characters. Anything else in a manifest (a path, "..") is refused rather
/// than read from or written to outside the bundle directory.
static bool isPlainName(StringRef name) {
  return !name.empty() && name.front() != '.' &&
         llvm::all_of(name, [](char c) {
           return llvm::isAlnum(c) || c == '_' || c == '.' || c == '-' ||
                  c == '$';
         });
}

static std::optional<BufferRole> parseRole(StringRef name) {
  for (BufferRole role : {BufferRole::Input, BufferRole::Output,
                          BufferRole::Intermediate, BufferRole::Constant})
    if (name == roleName(role))
      return role;
  return std::nullopt;
}

Expected<Bundle> readBundle(StringRef dir) {
  return readBundle(dir, readDiskFile);
}

Expected<Bundle> readBundle(StringRef dir, BundleFileReader readFile) {
  auto join = [&](StringRef name) {
    SmallString<256> path(dir);
    sys::path::append(path, name);
    return std::string(path);
  };
  std::string manifestPath = join("manifest.json");
  Expected<std::vector<char>> text = readFile(manifestPath);
  if (!text)
    return text.takeError();
  Expected<json::Value> parsed =
      json::parse(StringRef(text->data(), text->size()));
  if (!parsed)
    return createStringError(inconvertibleErrorCode(), "%s: %s",
                             manifestPath.c_str(),
                             toString(parsed.takeError()).c_str());
  Reader r(manifestPath);
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return r.error("top level is not an object");
  Bundle bundle;
  std::string format;
  int64_t version = 0;
  if (Error err = r.get(*root, "format", format, "manifest"))
    return std::move(err);
  if (Error err = r.get(*root, "version", version, "manifest"))
    return std::move(err);
  if (format != "qc-vulkan-bundle" ||
      (version != kManifestVersion && version != kTexelManifestVersion))
    return r.error("not a qc-vulkan-bundle manifest of version " +
                   Twine(kManifestVersion) + " or " +
                   Twine(kTexelManifestVersion));
  if (Error err = r.get(*root, "entry", bundle.entry, "manifest"))
    return std::move(err);

  const json::Object *env = root->getObject("target_env");
  if (!env)
    return r.error("missing object 'target_env'");
  if (Error err = r.get(*env, "spirv_version", bundle.targetEnv.version,
                        "target_env"))
    return std::move(err);
  if (Error err = r.get(*env, "capabilities", bundle.targetEnv.capabilities,
                        "target_env"))
    return std::move(err);
  if (Error err = r.get(*env, "extensions", bundle.targetEnv.extensions,
                        "target_env"))
    return std::move(err);
  if (Error err =
          r.get(*env, "portable", bundle.targetEnv.portable, "target_env"))
    return std::move(err);

  const json::Array *buffers = root->getArray("buffers");
  if (!buffers)
    return r.error("missing array 'buffers'");
  for (auto [id, value] : llvm::enumerate(*buffers)) {
    std::string where = "buffers[" + std::to_string(id) + "]";
    const json::Object *obj = value.getAsObject();
    if (!obj)
      return r.error(where + " is not an object");
    BufferDesc buffer;
    std::string role;
    int64_t bytes = 0;
    if (Error err = r.get(*obj, "role", role, where))
      return std::move(err);
    std::optional<BufferRole> parsedRole = parseRole(role);
    if (!parsedRole)
      return r.error(where + ": unknown role '" + role + "'");
    buffer.role = *parsedRole;
    if (Error err = r.get(*obj, "element_type", buffer.elementType, where))
      return std::move(err);
    if (Error err = r.get(*obj, "shape", buffer.shape, where))
      return std::move(err);
    if (Error err = r.get(*obj, "bytes", bytes, where))
      return std::move(err);
    if (bytes < 0)
      return r.error(where + ": negative size");
    buffer.bytes = static_cast<uint64_t>(bytes);
    if (obj->get("arg"))
      if (Error err = r.get(*obj, "arg", buffer.argIndex, where))
        return std::move(err);
    if (obj->get("origin"))
      if (Error err = r.get(*obj, "origin", buffer.origin, where))
        return std::move(err);
    if (buffer.role == BufferRole::Constant) {
      std::string file;
      if (Error err = r.get(*obj, "file", file, where))
        return std::move(err);
      if (!isPlainName(file))
        return r.error(where + ": file '" + file +
                       "' is not a file name in the bundle directory");
      Expected<std::vector<char>> data = readFile(join(file));
      if (!data)
        return data.takeError();
      if (data->size() != buffer.bytes)
        return r.error(where + ": '" + file + "' holds " +
                       Twine(data->size()) + " bytes, expected " +
                       Twine(buffer.bytes));
      buffer.data.assign(data->begin(), data->end());
    }
    bundle.buffers.push_back(std::move(buffer));
  }

  const json::Array *kernels = root->getArray("kernels");
  if (!kernels)
    return r.error("missing array 'kernels'");
  for (auto [index, value] : llvm::enumerate(*kernels)) {
    std::string where = "kernels[" + std::to_string(index) + "]";
    const json::Object *obj = value.getAsObject();
    if (!obj)
      return r.error(where + " is not an object");
    KernelDesc kernel;
    std::string file;
    std::vector<uint32_t> size;
    if (Error err = r.get(*obj, "name", kernel.name, where))
      return std::move(err);
    if (Error err = r.get(*obj, "entry_point", kernel.entryPoint, where))
      return std::move(err);
    if (Error err = r.get(*obj, "spirv", file, where))
      return std::move(err);
    // Kernel names are file names (<name>.spv) when the bundle is written.
    if (!isPlainName(kernel.name) || !isPlainName(file))
      return r.error(where + ": kernel name '" + kernel.name + "' or file '" +
                     file + "' is not a file name in the bundle directory");
    if (llvm::any_of(bundle.kernels, [&](const KernelDesc &other) {
          return other.name == kernel.name;
        }))
      return r.error(where + ": duplicate kernel name '" + kernel.name + "'");
    if (Error err = r.get(*obj, "workgroup_size", size, where))
      return std::move(err);
    if (size.size() != 3)
      return r.error(where + ": workgroup_size needs 3 entries");
    std::copy(size.begin(), size.end(), kernel.workgroupSize.begin());
    if (Error err = r.get(*obj, "bindings", kernel.numBindings, where))
      return std::move(err);
    if (Error err = r.get(*obj, "capabilities", kernel.capabilities, where))
      return std::move(err);
    // Optional: only tiled contraction kernels describe their tiling.
    if (obj->get("config"))
      if (Error err = r.get(*obj, "config", kernel.config, where))
        return std::move(err);
    // Optional (version 2): bindings read as uniform texel buffers.
    if (obj->get("texel_buffers")) {
      if (version < kTexelManifestVersion)
        return r.error(where + ": 'texel_buffers' needs manifest version " +
                       Twine(kTexelManifestVersion));
      const json::Array *texels = obj->getArray("texel_buffers");
      if (!texels)
        return r.error(where + ": field 'texel_buffers' has the wrong type");
      for (auto [t, texelValue] : llvm::enumerate(*texels)) {
        std::string at = where + ".texel_buffers[" + std::to_string(t) + "]";
        const json::Object *texelObj = texelValue.getAsObject();
        if (!texelObj)
          return r.error(at + " is not an object");
        TexelBinding texel;
        if (Error err = r.get(*texelObj, "binding", texel.binding, at))
          return std::move(err);
        if (Error err = r.get(*texelObj, "format", texel.format, at))
          return std::move(err);
        if (texel.binding >= kernel.numBindings)
          return r.error(at + ": binding " + Twine(texel.binding) +
                         " out of range (" + Twine(kernel.numBindings) +
                         " bindings)");
        if (!kernel.texelBuffers.empty() &&
            kernel.texelBuffers.back().binding >= texel.binding)
          return r.error(at + ": bindings must be increasing");
        if (!texelFormatBytes(texel.format))
          return r.error(at + ": unknown texel format '" + texel.format + "'");
        kernel.texelBuffers.push_back(std::move(texel));
      }
    }
    Expected<std::vector<char>> words = readFile(join(file));
    if (!words)
      return words.takeError();
    if (words->empty() || words->size() % 4 != 0)
      return r.error(where + ": '" + file + "' is not a SPIR-V binary");
    kernel.spirv.resize(words->size() / 4);
    std::memcpy(kernel.spirv.data(), words->data(), words->size());
    bundle.kernels.push_back(std::move(kernel));
  }

  const json::Array *steps = root->getArray("steps");
  if (!steps)
    return r.error("missing array 'steps'");
  for (auto [index, value] : llvm::enumerate(*steps)) {
    std::string where = "steps[" + std::to_string(index) + "]";
    const json::Object *obj = value.getAsObject();
    if (!obj)
      return r.error(where + " is not an object");
    StepDesc step;
    std::string op;
    if (Error err = r.get(*obj, "op", op, where))
      return std::move(err);
    if (op == "dispatch") {
      std::vector<uint32_t> grid;
      if (Error err = r.get(*obj, "kernel", step.kernel, where))
        return std::move(err);
      if (Error err = r.get(*obj, "grid", grid, where))
        return std::move(err);
      if (grid.size() != 3)
        return r.error(where + ": grid needs 3 entries");
      std::copy(grid.begin(), grid.end(), step.grid.begin());
      if (Error err = r.get(*obj, "bindings", step.bindings, where))
        return std::move(err);
      if (step.kernel >= bundle.kernels.size())
        return r.error(where + ": kernel index out of range");
      if (step.bindings.size() != bundle.kernels[step.kernel].numBindings)
        return r.error(where + ": binds " + Twine(step.bindings.size()) +
                       " buffers, the kernel has " +
                       Twine(bundle.kernels[step.kernel].numBindings));
      for (uint32_t id : step.bindings)
        if (id >= bundle.buffers.size())
          return r.error(where + ": buffer id out of range");
    } else if (op == "copy") {
      step.kind = StepDesc::Kind::Copy;
      int64_t bytes = 0;
      if (Error err = r.get(*obj, "src", step.src, where))
        return std::move(err);
      if (Error err = r.get(*obj, "dst", step.dst, where))
        return std::move(err);
      if (Error err = r.get(*obj, "bytes", bytes, where))
        return std::move(err);
      if (step.src >= bundle.buffers.size() ||
          step.dst >= bundle.buffers.size())
        return r.error(where + ": buffer id out of range");
      step.bytes = static_cast<uint64_t>(bytes);
      if (bytes < 0 || step.bytes > bundle.buffers[step.src].bytes ||
          step.bytes > bundle.buffers[step.dst].bytes)
        return r.error(where + ": copy size exceeds a buffer");
    } else {
      return r.error(where + ": unknown op '" + op + "'");
    }
    bundle.steps.push_back(std::move(step));
  }
  if (Error err = r.get(*root, "inputs", bundle.inputs, "manifest"))
    return std::move(err);
  if (Error err = r.get(*root, "outputs", bundle.outputs, "manifest"))
    return std::move(err);
  for (uint32_t id : bundle.inputs)
    if (id >= bundle.buffers.size())
      return r.error("inputs: buffer id out of range");
  for (uint32_t id : bundle.outputs)
    if (id >= bundle.buffers.size())
      return r.error("outputs: buffer id out of range");
  return bundle;
}

} // namespace qc::vulkan
