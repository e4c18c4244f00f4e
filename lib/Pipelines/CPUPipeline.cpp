//===- CPUPipeline.cpp - linalg on tensors to LLVM dialect for CPUs -------===//
#include "qc/Codegen/CPU/Passes.h"
#include "qc/Conversion/Passes.h"
#include "qc/Pipelines/Pipelines.h"
#include "PipelineStages.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// The canonicalizer without region simplification: on a model's single
/// large function, erasing unreachable blocks and merging identical ones
/// after every run cost about a tenth of the pipeline (resnet18 at 224x224)
/// and changed nothing there; LLVM simplifies the CFG anyway.
static std::unique_ptr<Pass> createCPUCanonicalizer() {
  GreedyRewriteConfig config;
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  return createCanonicalizerPass(config);
}

void qc::buildQCCPUVectorizePipeline(OpPassManager &pm,
                                     const QCCPUPipelineOptions &options) {
  QCCPUTileAndVectorizeOptions tiling;
  tiling.cacheTile = llvm::to_vector(options.cacheTile);
  tiling.registerTile = llvm::to_vector(options.registerTile);
  tiling.vectorWidth = options.vectorWidth;
  OpPassManager &funcPM = pm.nest<func::FuncOp>();
  if (options.int8Kernels) {
    QCCPUInt8KernelsOptions kernels;
    kernels.rowBlockBytes = options.rowBlockBytes;
    kernels.amx = options.x86AMX;
    // One 16-bit side (mixed precision): vpdpwssd tiles on AVX512-VNNI.
    kernels.int16Kernels = options.x86VNNI;
    // register-tile=m,n,k: m rows of n/16 accumulator vectors (k is the
    // reduction step of the other contractions' tiles).
    if (options.registerTile.size() >= 2) {
      kernels.tileRows = options.registerTile[0];
      kernels.tileVectors = std::max<int64_t>(1, options.registerTile[1] / 16);
    }
    funcPM.addPass(createQCCPUInt8Kernels(kernels));
  }
  // Before tiling: it leaves loops of vector ops and transposes, which the
  // next pass vectorizes.
  funcPM.addPass(createQCCPUVectorizeGathers());
  funcPM.addPass(createQCCPUTileAndVectorize(tiling));
  // Masked remainder tiles: fold each vector.mask into its transfer's mask
  // operand now; folders that later touch ops inside a vector.mask region
  // leave it with more than one op, which does not verify.
  funcPM.addPass(vector::createLowerVectorMaskPass());
  funcPM.addPass(createCPUCanonicalizer());
  funcPM.addPass(createQCCPURequantizeOnLanes());
  funcPM.addPass(createCSEPass());
}

void qc::buildQCCPUBufferizePipeline(OpPassManager &pm,
                                     const QCCPUPipelineOptions &options) {
  detail::addOneShotBufferize(pm);
  // Folds the loops' memref iter_args, so that a function returns its
  // result allocation itself and the next stage hands it to the caller
  // instead of copying into the out-parameter. Passes that work inside
  // one function at a time run nested, on the pass manager's threads (one
  // function per kernel); the module-wide ones (bufferization across
  // calls, out-parameters, deallocation across calls and its helper
  // function) stay on the module.
  pm.nest<func::FuncOp>().addPass(createCPUCanonicalizer());
  detail::addResultsToOutParams(pm);
  // An outlined kernel's result was copied into the out-parameter.
  pm.nest<func::FuncOp>().addPass(createQCCPUForwardOutParams());
  // Upstream's buffer-deallocation-pipeline, less the canonicalizer it runs
  // after expand-realloc: nothing here makes a realloc, and the IR was just
  // canonicalized by addResultsToOutParams.
  memref::ExpandReallocPassOptions expandRealloc;
  expandRealloc.emitDeallocs = false;
  pm.nest<func::FuncOp>().addPass(memref::createExpandReallocPass(expandRealloc));
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  OpPassManager &simplify = pm.nest<func::FuncOp>();
  simplify.addPass(createCPUCanonicalizer());
  simplify.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  OpPassManager &cleanup = pm.nest<func::FuncOp>();
  cleanup.addPass(createCSEPass());
  cleanup.addPass(createCPUCanonicalizer());
}

void qc::buildQCCPUToLLVMPipeline(OpPassManager &pm,
                                  const QCCPUPipelineOptions &options) {
  pm.addPass(createQCEmitCInterface());
  OpPassManager &funcPM = pm.nest<func::FuncOp>();
  // The kernels' tiles are independent (each writes its own outputs), so a
  // threaded run computes every value exactly as a sequential one does.
  if (options.threads == 1) {
    funcPM.addPass(createForallToForLoopPass());
  } else {
    // A thread team's fork and join cost more than a small layer's work.
    funcPM.addPass(createQCCPUSerializeSmallForalls(
        QCCPUSerializeSmallForallsOptions{options.parallelMinWork}));
    funcPM.addPass(createForallToParallelLoopPass());
  }
  funcPM.addPass(createQCCPUHoistVectorTransfers());
  if (options.x86VNNI)
    funcPM.addPass(createQCCPUContractToX86VNNI());
  if (options.x86VBMI)
    funcPM.addPass(createQCCPUTableLookupX86VBMI());
  funcPM.addPass(createConvertLinalgToLoopsPass());
  // Padded convolutions copy their input into a strided interior: memcpy
  // runs instead of the runtime's element-by-element memrefCopy.
  funcPM.addPass(createQCCPUSplitStridedCopies());
  funcPM.addPass(createQCCPULowerVectors());
  // Transfers the patterns could not unroll (masked or n-D ones) become
  // 1-D transfers, fully unrolled: the loop form stages the vector in a
  // memref.alloca placed inside the enclosing loops, which LLVM cannot
  // always promote (register tiles with k = 32) and which then grows the
  // stack on every iteration until it overflows.
  funcPM.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  funcPM.addPass(createCPUCanonicalizer());
  if (options.threads != 1) {
    // omp.parallel + omp.wsloop with a static schedule over the tiles;
    // translated to libomp calls (__kmpc_fork_call) with the LLVM IR.
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = std::max<int64_t>(options.threads, 0);
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
    // Inlines the memref.alloca_scope it wraps each loop body in (there are
    // no allocas in them): scf-to-cf would otherwise split the scope's body
    // into blocks, which alloca_scope does not allow.
    pm.addPass(createCPUCanonicalizer());
  }
  OpPassManager &lower = pm.nest<func::FuncOp>();
  lower.addPass(memref::createExpandStridedMetadataPass());
  lower.addPass(createLowerAffinePass());
  // convert-to-llvm does not lower scf; it must become cf first.
  lower.addPass(createSCFToControlFlowPass());
  lower.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // Per function, on the pass manager's threads: the functions are all the
  // module holds that it changes (on the module it ran on one thread).
  pm.nest<LLVM::LLVMFuncOp>().addPass(createCPUCanonicalizer());

  QCVerifyCPUContractOptions contract;
  contract.integerOnly = options.integerOnly;
  pm.addPass(createQCVerifyCPUContract(contract));
}

void qc::buildQCCPUPipeline(OpPassManager &pm,
                            const QCCPUPipelineOptions &options) {
  // Upstream's LLVM lowering crashes on unranked types: refuse them first.
  pm.addPass(createQCVerifyCPUInput());
  // First, while argument types still carry signedness and quantization.
  pm.addPass(createQCRecordEntryABI());
  // qc ops (if any) become integer linalg; a no-op on linalg input. Rows
  // of layer norms and softmaxes reduce in lanes: one vector of partial
  // results instead of a reduction across every vector's lanes.
  QCLowerToLinalgOptions lowerOptions;
  lowerOptions.splitRowReductions = true;
  pm.addPass(createQCLowerToLinalg(lowerOptions));
  if (options.integerOnly)
    pm.addPass(createQCVerifyIntegerContract());
  // LLVM packs vector<N x i4> but addresses scalar i4 per byte: one layout.
  pm.addPass(createQCWidenNarrowIntegers());
  // Elementwise arith on tensors (rank 0 too) would stay unbufferizable;
  // as linalg.generic it is tiled and bufferized like the lowering's ops.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  // Elementwise consumers read across reshapes (a transformer's residual
  // add) so the int8 kernels fuse them: paid off once the epilogue's
  // requantization ran on 32-bit lanes (docs/CPUKernels.md).
  if (options.vectorize && options.int8Kernels)
    pm.addNestedPass<func::FuncOp>(createQCCPUFoldReshapesIntoEpilogues());
  // Before tiling too, grouped as the int8 kernels fuse: the tiling and
  // vectorization passes then run on the kernels in parallel.
  // 4-bit activations two per byte, decided on the whole function (the
  // producer and its consumers) before they are outlined apart.
  if (options.vectorize && options.int8Kernels && options.packInt4Activations)
    pm.addNestedPass<func::FuncOp>(createQCCPUPackInt4Activations());
  if (options.outlineKernels && options.vectorize) {
    QCCPUOutlineKernelsOptions early;
    early.beforeTiling = true;
    pm.addPass(createQCCPUOutlineKernels(early));
  }
  if (options.vectorize)
    buildQCCPUVectorizePipeline(pm, options);
  // One function per kernel: the function passes from here on run on the
  // kernels in parallel, bufferization's analysis and LLVM see small ones.
  if (options.outlineKernels) {
    pm.addPass(createQCCPUOutlineKernels());
    // Equal layers are then compiled once, by the rest of the pipeline and
    // by LLVM (an N-layer MLP: N kernels become one).
    if (options.dedupeKernels)
      pm.addPass(createQCCPUDedupeKernels());
  }
  buildQCCPUBufferizePipeline(pm, options);
  buildQCCPUToLLVMPipeline(pm, options);
}

void qc::registerQCPipelines() {
  PassPipelineRegistration<QCCPUPipelineOptions>(
      "qc-cpu-pipeline",
      "Lower qc ops or linalg on tensors to the LLVM dialect for the host "
      "CPU: qc-lower-to-linalg, tile, vectorize, bufferize, convert to LLVM",
      buildQCCPUPipeline);
  PassPipelineRegistration<QCCPUPipelineOptions>(
      "qc-cpu-vectorize",
      "Tile and vectorize linalg ops on tensors (stage 1 of qc-cpu-pipeline)",
      buildQCCPUVectorizePipeline);
  PassPipelineRegistration<QCCPUPipelineOptions>(
      "qc-cpu-bufferize",
      "Bufferize with identity layouts and out-parameters (stage 2 of "
      "qc-cpu-pipeline)",
      buildQCCPUBufferizePipeline);
  PassPipelineRegistration<QCCPUPipelineOptions>(
      "qc-cpu-to-llvm",
      "Lower memrefs, vectors and loops to the LLVM dialect (stage 3 of "
      "qc-cpu-pipeline)",
      buildQCCPUToLLVMPipeline);
}
