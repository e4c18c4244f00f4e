//===- Bundle.h - compiled SPIR-V kernels plus their manifest ---*- C++ -*-===//
//
// What the SPIR-V pipeline produces and the Vulkan runtime consumes: one
// SPIR-V binary per kernel and the host program as data (buffers, and the
// ordered dispatches and copies over them). Written to disk as a directory:
// manifest.json, <kernel>.spv, constant_<id>.bin. Free of MLIR types so a
// runtime can load it without the compiler.
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_VULKAN_BUNDLE_H
#define QC_RUNTIME_VULKAN_BUNDLE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace qc::vulkan {

enum class BufferRole { Input, Output, Intermediate, Constant };

struct BufferDesc {
  BufferRole role = BufferRole::Intermediate;
  /// Position among the entry's inputs or outputs; -1 otherwise.
  int64_t argIndex = -1;
  /// MLIR element type spelling: i8, i16, i32, i64, f32, ...
  std::string elementType;
  std::vector<int64_t> shape;
  /// Dense row-major size; device buffers round this up to 4 bytes.
  uint64_t bytes = 0;
  /// Initial contents of a constant buffer (weights, scalar kernel args).
  std::vector<uint8_t> data;
  /// Where the buffer came from (argument, global symbol, alloc) for messages.
  std::string origin;
};

/// A binding the kernel reads through a uniform texel buffer (an
/// `OpTypeImage` of dimension Buffer fetched with `OpImageFetch`) instead of
/// a storage buffer: the runtime binds a buffer view of `format` there.
struct TexelBinding {
  uint32_t binding = 0;
  /// r32_uint, r32g32_uint or r32g32b32a32_uint (texelFormatBytes).
  std::string format;
};

/// Bytes per texel of a texel-buffer format name; 0 for an unknown name.
uint32_t texelFormatBytes(llvm::StringRef format);

struct KernelDesc {
  /// Unique kernel name (the outlined gpu.module's name).
  std::string name;
  /// SPIR-V entry point (the gpu.func's name; shared by many kernels).
  std::string entryPoint;
  std::vector<uint32_t> spirv;
  std::array<uint32_t, 3> workgroupSize = {1, 1, 1};
  /// Storage-buffer bindings 0..numBindings-1 in descriptor set 0.
  uint32_t numBindings = 0;
  /// Capabilities the binary declares (OpCapability), e.g. Int8.
  std::vector<std::string> capabilities;
  /// How the compiler tiled the kernel (qc-spirv-contraction-kernels), for
  /// people reading the manifest; empty for the generic lowering.
  std::string config;
  /// Bindings read as uniform texel buffers (sorted by binding); every other
  /// binding is a storage buffer.
  std::vector<TexelBinding> texelBuffers;
  /// The texel binding at `binding`, or null for a storage buffer.
  const TexelBinding *texelBinding(uint32_t binding) const;
};

struct StepDesc {
  enum class Kind { Dispatch, Copy } kind = Kind::Dispatch;
  uint32_t kernel = 0;
  std::array<uint32_t, 3> grid = {1, 1, 1};
  /// Buffer id bound at binding i.
  std::vector<uint32_t> bindings;
  uint32_t src = 0, dst = 0;
  uint64_t bytes = 0;
};

struct TargetEnvDesc {
  std::string version;
  std::vector<std::string> capabilities;
  std::vector<std::string> extensions;
  bool portable = false;
};

struct Bundle {
  std::string entry;
  TargetEnvDesc targetEnv;
  std::vector<BufferDesc> buffers;
  std::vector<KernelDesc> kernels;
  std::vector<StepDesc> steps;
  /// Buffer ids of the entry's inputs and outputs, in argument order.
  std::vector<uint32_t> inputs, outputs;
};

const char *roleName(BufferRole role);

/// The manifest (everything but the SPIR-V words and constant bytes).
llvm::json::Value manifestToJSON(const Bundle &bundle);
/// Writes manifest.json, one .spv per kernel and one .bin per constant.
llvm::Error writeBundle(const Bundle &bundle, llvm::StringRef dir);
/// Reads a directory written by writeBundle, checking its consistency.
llvm::Expected<Bundle> readBundle(llvm::StringRef dir);
/// The bytes of the file at a path (the directory joined with a name the
/// manifest gives).
using BundleFileReader =
    llvm::function_ref<llvm::Expected<std::vector<char>>(llvm::StringRef)>;
/// readBundle with the files coming from `readFile` instead of the disk (the
/// fuzzer reads bundles from memory).
llvm::Expected<Bundle> readBundle(llvm::StringRef dir,
                                  BundleFileReader readFile);

} // namespace qc::vulkan

#endif // QC_RUNTIME_VULKAN_BUNDLE_H
