//===- QC.td - qc dialect umbrella -------------------------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_IR_QC_TD
#define QC_DIALECT_QC_IR_QC_TD

include "qc/Dialect/QC/IR/QCDialect.td"
include "qc/Dialect/QC/IR/QCAttrs.td"
include "qc/Dialect/QC/IR/QCOps.td"
include "qc/Dialect/QC/IR/QCNonlinearOps.td"

#endif // QC_DIALECT_QC_IR_QC_TD
