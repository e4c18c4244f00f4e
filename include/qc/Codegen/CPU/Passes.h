//===- Passes.h - CPU code generation passes --------------------*- C++ -*-===//
#ifndef QC_CODEGEN_CPU_PASSES_H
#define QC_CODEGEN_CPU_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qc {
/// Names of the attributes QCRecordEntryABI attaches.
inline constexpr llvm::StringLiteral kABIInputsAttrName = "qc.abi.inputs";
inline constexpr llvm::StringLiteral kABIResultsAttrName = "qc.abi.results";

#define GEN_PASS_DECL
#include "qc/Codegen/CPU/Passes.h.inc"

//===----------------------------------------------------------------------===//
// The CPU code generation passes as patterns and functions, for compilers
// that embed qc (docs/Embedding.md): each pass is a thin wrapper over what
// is declared here, with the same options, diagnostics and results.
//===----------------------------------------------------------------------===//

/// --qc-cpu-tile-and-vectorize on `func`. Fails after an error for invalid
/// tile sizes (empty lists mean the defaults, 64,256,256 and 8,32,16).
LogicalResult tileAndVectorize(func::FuncOp func,
                               const QCCPUTileAndVectorizeOptions &options);
/// --qc-cpu-vectorize-gathers on `func`. Fails after an error for invalid
/// options. Sets `changed` (if given) to whether it rewrote a gather.
LogicalResult vectorizeGathers(func::FuncOp func,
                               const QCCPUVectorizeGathersOptions &options,
                               bool *changed = nullptr);
/// --qc-cpu-int8-kernels on `func`: register-tile kernels for int8
/// contractions, then the folding of constant weight packs.
LogicalResult buildInt8Kernels(func::FuncOp func,
                               const QCCPUInt8KernelsOptions &options);
/// The work estimate of --qc-cpu-serialize-small-foralls for one execution
/// of `block` (operations; a memory-bound copy or fill counts the cache
/// lines it moves).
int64_t estimateWork(Block &block);
/// What --qc-cpu-serialize-small-foralls saw in one function, in the units
/// of estimateWork: the loops it left parallel and their work, the loops it
/// made sequential, and the work of everything else (the serial part).
struct SerializeSmallForallsStats {
  int64_t parallelLoops = 0, serializedLoops = 0, parallelWork = 0, serialWork = 0;
};
/// --qc-cpu-serialize-small-foralls on the scf.forall ops nested in `op`.
LogicalResult serializeSmallForalls(Operation *op, int64_t minWork = 200000,
                                    SerializeSmallForallsStats *stats = nullptr);

/// --qc-cpu-lower-vectors in two greedy applications, in this order:
/// contractions, multi-reductions and masks first (while they see whole
/// tiles), then everything else down to 1-D vectors.
void populateLowerVectorContractionsPatterns(RewritePatternSet &patterns);
void populateLowerVectorsTo1DPatterns(RewritePatternSet &patterns);
/// --qc-cpu-requantize-on-lanes: the i64 fixed-point multiplies of
/// vectorized requantizations rebuilt on i32 lanes.
void populateRequantizeOnLanesPatterns(RewritePatternSet &patterns);
/// --qc-cpu-contract-to-x86-vnni: u8 x s8 -> i32 contractions (and dots) to
/// llvm.x86.avx512.vpdpbusd.512.
void populateContractToX86VNNIPatterns(RewritePatternSet &patterns);
/// --qc-cpu-table-lookup-x86-vbmi: gathers from 256-entry byte tables to
/// vpermi2b.
void populateTableLookupX86VBMIPatterns(RewritePatternSet &patterns);
/// --qc-cpu-split-strided-copies: strided memref.copy ops to loops of
/// contiguous copies.
void populateSplitStridedCopiesPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

#endif // QC_CODEGEN_CPU_PASSES_H
