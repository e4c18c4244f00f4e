//===- SPIRVPipeline.cpp - linalg on integers to SPIR-V kernels -----------===//
#include "qc/Pipelines/SPIRVPipeline.h"
#include "PipelineStages.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRVPass.h"
#include "mlir/Conversion/MathToSPIRV/MathToSPIRVPass.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "qc/Conversion/Passes.h"
#include "qc/GPU/Passes.h"

using namespace mlir;

SmallVector<std::string>
qc::SPIRVPipelineOptions::effectiveCapabilities() const {
  if (!capabilities.empty())
    return SmallVector<std::string>(capabilities.begin(), capabilities.end());
  SmallVector<std::string> caps;
  if (!portable)
    caps = {"Int8", "Int16", "Int64", "StorageBuffer8BitAccess",
            "StorageBuffer16BitAccess"};
  // Packed 4x8-bit dot products (shaderIntegerDotProduct) on i32 words.
  if (intDotProduct)
    caps.append({"DotProduct", "DotProductInput4x8BitPacked"});
  if (subgroupBroadcast)
    caps.append({"GroupNonUniform", "GroupNonUniformBallot"});
  if (subgroupBroadcast && subgroupShuffle)
    caps.push_back("GroupNonUniformShuffle");
  // Uniform texel buffers (qc-spirv-texel-buffers).
  if (texelBuffers && contractionKernels)
    caps.push_back("SampledBuffer");
  return caps;
}

SmallVector<std::string> qc::SPIRVPipelineOptions::effectiveExtensions() const {
  if (!extensions.empty())
    return SmallVector<std::string>(extensions.begin(), extensions.end());
  SmallVector<std::string> exts = {"SPV_KHR_storage_buffer_storage_class"};
  if (!portable)
    exts = {"SPV_KHR_8bit_storage", "SPV_KHR_16bit_storage",
            "SPV_KHR_storage_buffer_storage_class"};
  if (intDotProduct)
    exts.push_back("SPV_KHR_integer_dot_product");
  return exts;
}

std::string qc::SPIRVPipelineOptions::effectiveVersion() const {
  if (intDotProduct && version < "v1.6")
    return "v1.6";
  return version;
}

void qc::buildQCSPIRVBufferizePipeline(OpPassManager &pm) {
  // A padded pool reads its input with bound checks: no padded buffer, no
  // fill and copy kernels for it.
  pm.addNestedPass<func::FuncOp>(qc::createQCFusePoolingPadding());
  // A u8 average pool widens the codes it reads: no widening kernel.
  pm.addNestedPass<func::FuncOp>(qc::createQCFusePoolingWidening());
  // Elementwise arith on tensors (e.g. a bias add left by the lowering) would
  // stay unbufferizable; as linalg.generic it becomes a kernel like the rest.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  detail::addOneShotBufferize(pm);
  // Padding copies into strided views must run on the device.
  pm.addNestedPass<func::FuncOp>(qc::createQCStridedCopiesToLinalg());
  detail::addResultsToOutParams(pm);
}

void qc::buildQCSPIRVMapToGPUPipeline(OpPassManager &pm,
                                      const SPIRVPipelineOptions &options) {
  if (options.contractionKernels) {
    QCSPIRVContractionKernelsOptions kernels;
    kernels.maxWorkgroupInvocations = options.maxWorkgroupInvocations;
    kernels.maxSharedMemoryBytes = options.maxSharedMemory;
    kernels.subgroupSize = options.subgroupSize;
    kernels.integerDotProduct = options.intDotProduct;
    kernels.sharedMemoryTiles = options.sharedMemoryTiles;
    kernels.subgroupBroadcast = options.subgroupBroadcast;
    kernels.wideLoads = options.wideLoads;
    kernels.int64Loads =
        options.wideLoads && options.int64Loads &&
        llvm::is_contained(options.effectiveCapabilities(), "Int64");
    kernels.subgroupExtendedTypes = options.subgroupExtendedTypes;
    kernels.subgroupShuffle = options.subgroupShuffle;
    kernels.testMarkBroadcast = options.testMarkBroadcast;
    pm.addPass(qc::createQCSPIRVContractionKernels(kernels));
  }
  OpPassManager &func = pm.nest<func::FuncOp>();
  // A padded buffer nothing fused (the stem conv's input, read by its
  // filter-row gather) is read with bound checks: no fill, copy, transpose.
  func.addPass(qc::createQCFusePaddedBufferReads());
  // Ops on rank-0 buffers have no parallel dim to put on the grid.
  func.addPass(qc::createQCExpandRankZeroLinalg());
  func.addPass(createConvertLinalgToParallelLoopsPass());
  func.addPass(qc::createQCPromoteLoopAccumulators());
  // A pool starts from its init value, not from a filled buffer.
  func.addPass(qc::createQCFoldInitFills());
  // llvmpipe's loop limiter (docs/SPIRV.md): long reductions in two stages.
  func.addPass(qc::createQCSplitLongReductions());
  // Portable mode: i64 buffers and loop-carried i64 values as i32 word
  // pairs (the emulation of i64 arithmetic leaves memory and loops alone).
  OpPassManager *loops = &func;
  if (options.portable) {
    pm.addPass(qc::createQCSplitWideBuffers());
    loops = &pm.nest<func::FuncOp>();
  }
  loops->addPass(qc::createQCReverseParallelDims());
  // Dims shorter than the tile are merged with the next ones so that the
  // workgroups are full.
  QCFoldParallelDimsOptions fold;
  fold.tileSizes = SmallVector<int64_t>(options.tileSizes.begin(),
                                        options.tileSizes.end());
  loops->addPass(qc::createQCFoldParallelDims(fold));
  // no-min-max-bounds: with min/max bounds, shapes the tile does not divide
  // produce dynamic inner bounds that convert-parallel-loops-to-gpu skips
  // (no kernel, no error); a guard inside a fixed-size tile maps instead.
  loops->addPass(createParallelLoopTilingPass(
      SmallVector<int64_t>(options.tileSizes.begin(), options.tileSizes.end()),
      /*noMinMaxBounds=*/true));
  loops->addPass(createGpuMapParallelLoopsPass());
  loops->addPass(createConvertParallelLoopToGpuPass());
  loops->addPass(createLowerAffinePass());
  loops->addPass(createCanonicalizerPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createCanonicalizerPass());
  // What could not be split is an error rather than wrong values.
  pm.addPass(qc::createQCCheckLoopIterations());
}

void qc::buildQCSPIRVConvertPipeline(OpPassManager &pm,
                                     const SPIRVPipelineOptions &options) {
  QCAttachSPIRVTargetEnvOptions env;
  env.version = options.effectiveVersion();
  env.capabilities = options.effectiveCapabilities();
  env.extensions = options.effectiveExtensions();
  pm.addPass(qc::createQCAttachSPIRVTargetEnv(env));
  pm.addPass(qc::createQCSetEntryPointABI());
  if (options.portable) {
    arith::ArithEmulateWideIntOptions wide;
    wide.widestIntSupported = 32;
    pm.nest<gpu::GPUModuleOp>().addPass(qc::createQCGuardWideShifts());
    pm.nest<gpu::GPUModuleOp>().addPass(arith::createArithEmulateWideInt(wide));
  }
  // The float qc.quantize boundary rounds with math ops SPIR-V lacks.
  pm.nest<gpu::GPUModuleOp>().addPass(qc::createQCExpandRounding());
  // convert-gpu-to-spirv carries no math patterns (math.floor -> GL.Floor).
  pm.nest<gpu::GPUModuleOp>().addPass(mlir::createConvertMathToSPIRVPass());
  pm.addPass(createConvertGPUToSPIRVPass());
  OpPassManager &spirvModule = pm.nest<spirv::ModuleOp>();
  spirvModule.addPass(spirv::createSPIRVLowerABIAttributesPass());
  if (options.texelBuffers && options.contractionKernels) {
    QCSPIRVTexelBuffersOptions texels;
    texels.maxTexelBufferElements = options.maxTexelBufferElements;
    pm.addPass(qc::createQCSPIRVTexelBuffers(texels));
  }
  OpPassManager &spirvModuleLate = pm.nest<spirv::ModuleOp>();
  spirvModuleLate.addPass(spirv::createSPIRVUpdateVCEPass());
  spirvModuleLate.addPass(qc::createQCSPIRVTargetVersion());
  QCVerifySPIRVContractOptions contract;
  contract.allowFloat = options.allowFloat;
  pm.addPass(qc::createQCVerifySPIRVContract(contract));
}

void qc::buildQCSPIRVPipeline(OpPassManager &pm,
                              const SPIRVPipelineOptions &options) {
  // qc ops (if any) become integer linalg; a no-op on linalg input.
  // Portable mode's i64 emulation has no division: the per-row divisions of
  // qc.softmax and qc.layer_norm become restoring long divisions.
  QCLowerToLinalgOptions lowerOptions;
  lowerOptions.wideDivision = !options.portable;
  pm.addPass(createQCLowerToLinalg(lowerOptions));
  // SPIR-V has no i4/i12: they are stored and computed in i8/i16.
  pm.addPass(createQCWidenNarrowIntegers());
  buildQCSPIRVBufferizePipeline(pm);
  buildQCSPIRVMapToGPUPipeline(pm, options);
  buildQCSPIRVConvertPipeline(pm, options);
}

void qc::registerQCSPIRVPipelines() {
  PassPipelineRegistration<SPIRVPipelineOptions>(
      "qc-spirv-pipeline",
      "Lower linalg on integer tensors to gpu kernels in SPIR-V (one "
      "spirv.module per kernel) and a host function of launches",
      buildQCSPIRVPipeline);
  PassPipelineRegistration<>(
      "qc-spirv-bufferize",
      "qc-spirv-pipeline stage 1: bufferize with results as out-params",
      [](OpPassManager &pm) { buildQCSPIRVBufferizePipeline(pm); });
  PassPipelineRegistration<SPIRVPipelineOptions>(
      "qc-spirv-map-to-gpu",
      "qc-spirv-pipeline stage 2: linalg on buffers to outlined gpu kernels",
      buildQCSPIRVMapToGPUPipeline);
  PassPipelineRegistration<SPIRVPipelineOptions>(
      "qc-spirv-convert",
      "qc-spirv-pipeline stage 3: gpu kernels to spirv.module",
      buildQCSPIRVConvertPipeline);
}
