//===- QCOps.h - qc operations ----------------------------------*- C++ -*-===//
#ifndef QC_DIALECT_QC_IR_QCOPS_H
#define QC_DIALECT_QC_IR_QCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qc/Dialect/QC/IR/QCAttrs.h"
#include "qc/Dialect/QC/IR/QCDialect.h"

#define GET_OP_CLASSES
#include "qc/Dialect/QC/IR/QC.h.inc"

namespace mlir::qc {
/// Storage range [min, max] of a quantized element type.
std::pair<int64_t, int64_t> getStorageRange(quant::QuantizedType type);
/// Scales of a per-tensor (one entry) or per-axis quantized type.
SmallVector<double> getScales(quant::QuantizedType type);
/// Zero points of a per-tensor (one entry) or per-axis quantized type.
SmallVector<int64_t> getZeroPoints(quant::QuantizedType type);
/// The quantized element type of a tensor value, or null.
quant::QuantizedType getQuantizedElementType(Type type);
} // namespace mlir::qc

#endif // QC_DIALECT_QC_IR_QCOPS_H
