//===- SPIRVPipeline.h - linalg on integers to SPIR-V kernels ---*- C++ -*-===//
//
// qc's GPU lowering: bufferized linalg on signless integer tensors -> tiled
// scf.parallel -> gpu.launch -> outlined kernels -> one spirv.module per
// kernel under an explicit target environment. The host function that is
// left (allocs, globals, launches, copies, views) is what
// qc/Target/SPIRV/VulkanBundle.h turns into a manifest.
//
//===----------------------------------------------------------------------===//
#ifndef QC_PIPELINES_SPIRVPIPELINE_H
#define QC_PIPELINES_SPIRVPIPELINE_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace qc {

struct SPIRVPipelineOptions
    : public PassPipelineOptions<SPIRVPipelineOptions> {
  ListOption<int64_t> tileSizes{
      *this, "tile-sizes",
      llvm::cl::desc("Workgroup tile (x, y, ...) over the innermost parallel "
                     "loop dims, innermost first; a tile is one workgroup, "
                     "one element per invocation"),
      llvm::cl::list_init<int64_t>({8, 8})};
  Option<std::string> version{*this, "spirv-version",
                              llvm::cl::desc("SPIR-V version (v1.0 ... v1.6)"),
                              llvm::cl::init("v1.3")};
  ListOption<std::string> capabilities{
      *this, "caps",
      llvm::cl::desc("SPIR-V capabilities of the target (Shader is implied); "
                     "default Int8,Int16,Int64,StorageBuffer8BitAccess,"
                     "StorageBuffer16BitAccess, or none in portable mode")};
  ListOption<std::string> extensions{
      *this, "exts",
      llvm::cl::desc("SPIR-V extensions of the target; default the 8/16-bit "
                     "storage ones, or none in portable mode")};
  Option<bool> portable{
      *this, "portable",
      llvm::cl::desc("Target a device without 8/16/64-bit integer support: "
                     "i64 arithmetic is emulated with i32 pairs and sub-word "
                     "buffers are accessed as i32 words"),
      llvm::cl::init(false)};
  Option<bool> contractionKernels{
      *this, "contraction-kernels",
      llvm::cl::desc("Lower integer contractions (matmul, convolutions) to "
                     "register-tiled kernels with their fill and elementwise "
                     "consumer fused (qc-spirv-contraction-kernels); false: "
                     "the generic one-element-per-invocation loops"),
      llvm::cl::init(true)};
  Option<int64_t> maxWorkgroupInvocations{
      *this, "max-workgroup-invocations",
      llvm::cl::desc("maxComputeWorkGroupInvocations of the target device "
                     "(default: Vulkan's minimum, 128)"),
      llvm::cl::init(128)};
  Option<int64_t> maxSharedMemory{
      *this, "max-shared-memory",
      llvm::cl::desc("maxComputeSharedMemorySize of the target device in "
                     "bytes (default: Vulkan's minimum, 16384)"),
      llvm::cl::init(16384)};
  Option<int64_t> subgroupSize{
      *this, "subgroup-size",
      llvm::cl::desc("Subgroup size of the target device"),
      llvm::cl::init(32)};
  Option<bool> intDotProduct{
      *this, "int-dot-product",
      llvm::cl::desc("The device has shaderIntegerDotProduct: contractions "
                     "use packed 4x8-bit dot products (SPV_KHR_integer_dot_"
                     "product)"),
      llvm::cl::init(false)};
  Option<bool> subgroupBroadcast{
      *this, "subgroup-broadcast",
      llvm::cl::desc("Contractions load each A word once per subgroup and "
                     "broadcast it (GroupNonUniformBallot; pays on lavapipe, "
                     "whose loads are per-lane loops); qc-run and "
                     "VulkanExecutor turn it on where the device has the "
                     "subgroup ballot operations in compute shaders"),
      llvm::cl::init(false)};
  Option<bool> wideLoads{
      *this, "wide-loads",
      llvm::cl::desc("Contractions read both operands in 16-byte quads "
                     "where the reduction allows (constant weights re-laid "
                     "out); qc-run and VulkanExecutor turn it on for CPU "
                     "devices, whose loads are per-lane loops"),
      llvm::cl::init(false)};
  Option<bool> int64Loads{
      *this, "int64-loads",
      llvm::cl::desc("With wide-loads, read 32 bytes per load (vector<4xi64>) "
                     "where the target has Int64 and the reduction allows; off "
                     "by default: on lavapipe (Mesa 22.3.6) resnet18-224 ran "
                     "143 -> 188 ms with it (docs/SPIRV.md)"),
      llvm::cl::init(false)};
  Option<bool> subgroupExtendedTypes{
      *this, "subgroup-extended-types",
      llvm::cl::desc("The device has shaderSubgroupExtendedTypes: with "
                     "int64-loads and subgroup-broadcast, the row broadcast "
                     "hands out 64-bit components instead of 32-bit words; "
                     "qc-run and VulkanExecutor set it from the device"),
      llvm::cl::init(false)};
  Option<bool> subgroupShuffle{
      *this, "subgroup-shuffle",
      llvm::cl::desc("The device has the subgroup SHUFFLE operations: with "
                     "subgroup-broadcast, rows are handed out by "
                     "OpGroupNonUniformShuffle from a constant lane "
                     "(GroupNonUniformShuffle; lavapipe runs a broadcast as "
                     "a loop over the lanes); qc-run and VulkanExecutor set "
                     "it from the device"),
      llvm::cl::init(false)};
  Option<bool> texelBuffers{
      *this, "texel-buffers",
      llvm::cl::desc("Tiled contraction kernels read their read-only operands "
                     "(words, quads, 32-byte loads) through uniform texel "
                     "buffers (capability SampledBuffer; manifest "
                     "texel_buffers); lavapipe runs a storage-buffer load as "
                     "a loop over the lanes and a texel fetch as a gather; "
                     "qc-run and VulkanExecutor turn it on for CPU devices"),
      llvm::cl::init(false)};
  Option<int64_t> maxTexelBufferElements{
      *this, "max-texel-buffer-elements",
      llvm::cl::desc("maxTexelBufferElements: with texel-buffers, a larger "
                     "operand stays a storage buffer (qc-run and "
                     "VulkanExecutor take it from the device)"),
      llvm::cl::init(65536)};
  Option<bool> testMarkBroadcast{
      *this, "test-mark-broadcast",
      llvm::cl::desc("Testing only: the contractions' row broadcast loops "
                     "add 1 to every accumulator (the output shows whether "
                     "the run-time subgroup check took them)"),
      llvm::cl::init(false)};
  Option<bool> sharedMemoryTiles{
      *this, "shared-memory-tiles",
      llvm::cl::desc("Stage contraction operand tiles through workgroup "
                     "memory (pays on GPUs; not on CPU devices)"),
      llvm::cl::init(true)};
  Option<bool> allowFloat{
      *this, "allow-float",
      llvm::cl::desc("Accept floating-point computation in kernels, as the "
                     "float qc.quantize / qc.dequantize boundaries of a model "
                     "with float inputs or outputs need; allow-float=false "
                     "makes the contract check reject any float in kernels"),
      llvm::cl::init(true)};

  /// The capabilities and extensions after applying the defaults above.
  SmallVector<std::string> effectiveCapabilities() const;
  SmallVector<std::string> effectiveExtensions() const;
  /// The SPIR-V version: `spirv-version`, raised to v1.6 with
  /// int-dot-product (MLIR requires v1.6 for the DotProduct capabilities
  /// even with SPV_KHR_integer_dot_product; Vulkan 1.3 devices accept it).
  std::string effectiveVersion() const;
};

/// Stage 1: tensors -> buffers with results as out-params (identity layouts,
/// static allocations hoisted into the out-params).
void buildQCSPIRVBufferizePipeline(OpPassManager &pm);
/// Stage 2: linalg on buffers -> tiled parallel loops (accumulators kept in
/// registers) -> gpu.launch -> outlined gpu.module kernels.
void buildQCSPIRVMapToGPUPipeline(OpPassManager &pm,
                                  const SPIRVPipelineOptions &options);
/// Stage 3: gpu.module kernels -> spirv.module with the target env and each
/// kernel's workgroup size from its launches.
void buildQCSPIRVConvertPipeline(OpPassManager &pm,
                                 const SPIRVPipelineOptions &options);
/// All three stages.
void buildQCSPIRVPipeline(OpPassManager &pm,
                          const SPIRVPipelineOptions &options);

/// Registers --qc-spirv-pipeline and its stages --qc-spirv-bufferize,
/// --qc-spirv-map-to-gpu and --qc-spirv-convert.
void registerQCSPIRVPipelines();

} // namespace qc
} // namespace mlir

#endif // QC_PIPELINES_SPIRVPIPELINE_H
