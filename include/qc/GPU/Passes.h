//===- Passes.h - qc passes on the GPU (SPIR-V) lowering path ---*- C++ -*-===//
#ifndef QC_GPU_PASSES_H
#define QC_GPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace qc {
#define GEN_PASS_DECL
#include "qc/GPU/Passes.h.inc"

/// Patterns that turn a reduction loop's load/modify/store of one memory
/// element into an scf.for iter_arg (see qc-promote-loop-accumulators).
void populatePromoteLoopAccumulatorsPatterns(RewritePatternSet &patterns);
/// math.roundeven / math.round as exact floor arithmetic (qc-expand-rounding).
void populateExpandRoundingPatterns(RewritePatternSet &patterns);
/// memref.copy of strided views as linalg.copy (qc-strided-copies-to-linalg).
void populateStridedCopiesToLinalgPatterns(RewritePatternSet &patterns);
/// A linalg pooling op reading a tensor.pad as one linalg.generic reading the
/// pad's source with bound checks (qc-fuse-pooling-padding).
void populateFusePoolingPaddingPatterns(RewritePatternSet &patterns);
/// A pool reading a widening cast of its input reads the narrow input and
/// widens in its body (qc-fuse-pooling-widening).
void populateFusePoolingWideningPatterns(RewritePatternSet &patterns);
/// A linalg.generic on buffers reading a padded buffer (a fill, then a copy
/// into its interior) reads the copy's source with bound checks instead
/// (qc-fuse-padded-buffer-reads).
void populateFusePaddedBufferReadsPatterns(RewritePatternSet &patterns);
/// A linalg op on buffers without parallel dims (rank-0 outputs) with a unit
/// parallel dim over memref<1xT> views (qc-expand-rank-zero-linalg).
void populateExpandRankZeroLinalgPatterns(RewritePatternSet &patterns);
/// Replaces the uses of `shift` (an arith.shrui / arith.shli of integers
/// wider than 32 bits) by `amount == 0 ? value : shift`, inserted after it
/// (qc-guard-wide-shifts).
void guardWideShiftByZero(OpBuilder &b, Operation *shift);

#define GEN_PASS_REGISTRATION
#include "qc/GPU/Passes.h.inc"
} // namespace qc
} // namespace mlir

#endif // QC_GPU_PASSES_H
