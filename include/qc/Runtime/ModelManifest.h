//===- ModelManifest.h - what a compiled model says about itself -*- C++ -*-===//
//
// A model compiled ahead of time (qc-compile: a shared library for the CPU
// or a Vulkan bundle directory) carries a short text manifest so that it can
// be loaded and called without the IR it came from:
//
//   qc-model 1
//   qc 0.1.0 1a2b3c4d5e6f
//   name digits_mlp
//   target cpu
//   run digits_mlp_qc_run
//   input float32 ?x1x8x8
//   result float32 ?x10
//
// `?` is a dynamic dimension (only the leading one, the batch). Narrow
// integer codes add their type after the shape (`input uint8 3x19 u4`: one
// u4 code in [0, 15] per uint8 element; docs/Numerics.md, "Storage of
// narrow types"), so a loader checks the code range and converts to and
// from the stored form as qc-run does. A line `packed-int4` (qc-compile
// --packed-int4) says that the loaders exchange every i4/u4 argument and
// result two codes per byte (docs/Numerics.md, "Packed int4 at the
// boundary"); the code types stay as above. A line `requires F ...`
// lists the CPU features (LLVM's names) the code's intrinsics need beyond
// the baseline: avx512vnni (x86-vnni), avx512vbmi (x86-vbmi), amx-int8 and
// amx-tile (x86-amx); a loader refuses the library on a host without them
// (and asks Linux for the AMX tile state) instead of faulting. In a shared
// library the text is the NUL-terminated global `qc_model_manifest`; in a
// bundle it is the file `qc-model.txt`.
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_MODELMANIFEST_H
#define QC_RUNTIME_MODELMANIFEST_H

#include "qc/Runtime/Executor.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qc::runtime {

/// Name of the manifest global in a shared library and of its file in a
/// Vulkan bundle.
inline constexpr const char *kManifestSymbol = "qc_model_manifest";
inline constexpr const char *kManifestFile = "qc-model.txt";

struct ModelManifest {
  /// The C name of the entry (the exported function of a shared library).
  std::string name;
  /// "cpu" or "vulkan".
  std::string target;
  /// The exported `void run(int64_t batch, void **inputs, void **results)`
  /// of a shared library; empty for a bundle.
  std::string runSymbol;
  /// qc's version and revision that compiled it.
  std::string producer;
  /// Inputs and results; a dynamic dimension is kDynamicSize.
  EntrySignature signature;
  /// Whether loaders exchange i4/u4 tensors two codes per byte.
  bool packedInt4 = false;
  /// CPU features the code needs (the `requires` line).
  std::vector<std::string> cpuFeatures;
};

/// Prints the manifest in the format above.
std::string printManifest(const ModelManifest &manifest);
/// Parses it; errors name the line.
llvm::Expected<ModelManifest> parseManifest(llvm::StringRef text);

} // namespace qc::runtime

#endif // QC_RUNTIME_MODELMANIFEST_H
