//===- Passes.h - qc conversion passes --------------------------*- C++ -*-===//
#ifndef QC_CONVERSION_PASSES_H
#define QC_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qc {
/// Unit attribute on ops that compute in floating point on purpose (the
/// float boundaries qc.quantize / qc.dequantize after lowering).
inline constexpr llvm::StringLiteral kFloatBoundaryAttrName = "qc.float_boundary";

#define GEN_PASS_DECL
#include "qc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qc/Conversion/Passes.h.inc"
} // namespace mlir::qc

#endif // QC_CONVERSION_PASSES_H
