//===- Passes.h - CPU code generation passes --------------------*- C++ -*-===//
#ifndef QC_CODEGEN_CPU_PASSES_H
#define QC_CODEGEN_CPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qc {
/// Names of the attributes QCRecordEntryABI attaches.
inline constexpr llvm::StringLiteral kABIInputsAttrName = "qc.abi.inputs";
inline constexpr llvm::StringLiteral kABIResultsAttrName = "qc.abi.results";

#define GEN_PASS_DECL
#include "qc/Codegen/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

#endif // QC_CODEGEN_CPU_PASSES_H
