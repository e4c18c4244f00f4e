//===- Pipelines.h - qc's registered pass pipelines -------------*- C++ -*-===//
#ifndef QC_PIPELINES_PIPELINES_H
#define QC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::qc {

/// Options of `--qc-cpu-pipeline` and its stages.
///
/// Calling convention of the compiled functions: every public function keeps
/// its name and takes its tensor arguments as memrefs (identity layout,
/// row-major), followed by one memref out-parameter per result, which the
/// caller allocates with the result's static shape; it returns nothing. Its
/// C entry point `_mlir_ciface_<name>` takes one pointer to a memref
/// descriptor (StridedMemRefType<T, N>) per argument and out-parameter.
struct QCCPUPipelineOptions
    : public PassPipelineOptions<QCCPUPipelineOptions> {
  PassOptions::Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize linalg ops; false lowers them to "
                     "scalar loops (the plain upstream lowering)"),
      llvm::cl::init(true)};
  PassOptions::ListOption<int64_t> cacheTile{
      *this, "cache-tile",
      llvm::cl::desc("Contraction cache tile sizes (m, n, k), default "
                     "64,256,256")};
  PassOptions::ListOption<int64_t> registerTile{
      *this, "register-tile",
      llvm::cl::desc("Contraction register tile sizes (m, n, k), default "
                     "8,32,16")};
  PassOptions::Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("Vector length of elementwise ops"), llvm::cl::init(16)};
  PassOptions::Option<bool> x86VNNI{
      *this, "x86-vnni",
      llvm::cl::desc("Compute int8 contractions with AVX512-VNNI vpdpbusd; "
                     "the code then needs a CPU with avx512vnni (qc-run "
                     "sets this from the host)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> x86VBMI{
      *this, "x86-vbmi",
      llvm::cl::desc("Look up 256-entry byte tables (qc.table) with "
                     "AVX512-VBMI vpermi2b; the code then needs a CPU with "
                     "avx512vbmi (qc-run sets this from the host)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> x86AMX{
      *this, "x86-amx",
      llvm::cl::desc("Compute GEMM-shaped int8 contractions (matmuls, 1x1 "
                     "convolutions) on AMX tiles (tdpbusd/tdpbssd), the "
                     "others with the VNNI or portable kernels; the code then "
                     "needs a CPU with amx-int8 and amx-tile and the OS's "
                     "permission (qc-run sets this from the host)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> int8Kernels{
      *this, "int8-kernels",
      llvm::cl::desc("Compute int8 matmuls and convolutions with "
                     "qc-cpu-int8-kernels (packed weights, fused epilogue); "
                     "false tiles them like other contractions"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> packInt4Activations{
      *this, "pack-int4-activations",
      llvm::cl::desc("Store a 4-bit (i4/u4) activation two codes per byte "
                     "between int8 kernels that read it packed "
                     "(qc-cpu-pack-int4-activations; with int8-kernels; "
                     "off by default: halves their memory, not yet faster)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> outlineKernels{
      *this, "outline-kernels",
      llvm::cl::desc("Outline each kernel into a private function before "
                     "bufferization (qc-cpu-outline-kernels), so that the "
                     "pass manager's threads and LLVM work per kernel"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> dedupeKernels{
      *this, "dedupe-kernels",
      llvm::cl::desc("With outline-kernels: merge kernels that differ only "
                     "in their weights into one function that takes them as "
                     "arguments (qc-cpu-dedupe-kernels)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> threads{
      *this, "threads",
      llvm::cl::desc("Threads of the parallel loops (scf.forall): 1 runs them "
                     "in sequence and needs no runtime; N > 1 goes through "
                     "OpenMP (the code then calls libomp) with N threads; 0 "
                     "leaves the count to the OpenMP runtime (OMP_NUM_THREADS, "
                     "else all cores)"),
      llvm::cl::init(1)};
  PassOptions::Option<int64_t> parallelMinWork{
      *this, "parallel-min-work",
      llvm::cl::desc("With threads != 1: a parallel loop whose estimated "
                     "work is below this runs on the calling thread "
                     "(qc-cpu-serialize-small-foralls' min-work)"),
      llvm::cl::init(200000)};
  PassOptions::Option<int64_t> rowBlockBytes{
      *this, "row-block-bytes",
      llvm::cl::desc("The int8 kernels' row blocks: a dense kernel whose "
                     "input is larger runs its row tiles in blocks of about "
                     "this many input bytes, each through every column "
                     "panel (qc-cpu-int8-kernels' row-block-bytes; 0: none)"),
      llvm::cl::init(524288)};
  PassOptions::Option<bool> integerOnly{
      *this, "integer-only",
      llvm::cl::desc("Fail if any floating-point computation remains outside "
                     "the qc.quantize/qc.dequantize boundaries after "
                     "qc-lower-to-linalg, or anywhere in the LLVM output"),
      llvm::cl::init(false)};
};

/// Tensor-level tiling and vectorization (`qc-cpu-vectorize`).
void buildQCCPUVectorizePipeline(OpPassManager &pm,
                                 const QCCPUPipelineOptions &options);
/// One-shot bufferization with identity layouts at function boundaries,
/// results turned into out-parameters, deallocation of temporaries
/// (`qc-cpu-bufferize`).
void buildQCCPUBufferizePipeline(OpPassManager &pm,
                                 const QCCPUPipelineOptions &options);
/// Memrefs, vectors, loops to the LLVM dialect, with C wrappers for public
/// functions and the final contract check (`qc-cpu-to-llvm`).
void buildQCCPUToLLVMPipeline(OpPassManager &pm,
                              const QCCPUPipelineOptions &options);
/// qc ops or linalg on tensors to the LLVM dialect (`qc-cpu-pipeline`):
/// recording the entry signatures, `qc-lower-to-linalg` (and with
/// `integer-only` the integer contract check), then the three stages above.
void buildQCCPUPipeline(OpPassManager &pm, const QCCPUPipelineOptions &options);

/// Registers qc-cpu-pipeline and its stages with the pass registry.
void registerQCPipelines();

/// Runs `pm` on `op` for a user's compile (the C API and Python,
/// qc-compile, qc-run and compiled libraries): the IR is verified once,
/// after the last pass, instead of after every pass (a third of
/// qc-cpu-pipeline's time on resnet18), as clang verifies LLVM IR. With
/// QC_VERIFY_EACH=1 in the environment it is verified after every pass, as
/// qc-opt (the tests) always does. Fails on a failed pass or invalid output.
LogicalResult runVerifyingAtEnd(PassManager &pm, Operation *op);

} // namespace mlir::qc

#endif // QC_PIPELINES_PIPELINES_H
