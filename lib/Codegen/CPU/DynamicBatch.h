//===- DynamicBatch.h - static tiles of a dynamic batch ---------*- C++ -*-===//
#ifndef QC_LIB_CODEGEN_CPU_DYNAMICBATCH_H
#define QC_LIB_CODEGEN_CPU_DYNAMICBATCH_H

#include "mlir/IR/Operation.h"

namespace mlir::qc::cpu {

/// Tiles every linalg op on tensors under `root` with two loops or more whose
/// first loop is parallel and dynamic and whose other loops are static (a model compiled
/// with a dynamic batch) by 1 along that loop: each tile is a static op,
/// which the int8 kernels and the vectorizer take (they leave dynamic shapes
/// alone, so a dynamic batch otherwise ran as scalar loops). Every tile
/// computes its elements exactly as the whole op did.
void tileDynamicBatch(Operation *root);

} // namespace mlir::qc::cpu

#endif // QC_LIB_CODEGEN_CPU_DYNAMICBATCH_H
