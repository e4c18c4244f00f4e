/*===- qc-c/Dialects.h - C API: the qc dialect --------------------*- C -*-===*\
|*                                                                            *|
|* The qc dialect's handle for the MLIR C API (mlirDialectHandleInsertDialect, *|
|* mlirDialectHandleLoadDialect, ...).                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef QC_C_DIALECTS_H
#define QC_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(QC, qc);

#ifdef __cplusplus
}
#endif

#endif /* QC_C_DIALECTS_H */
