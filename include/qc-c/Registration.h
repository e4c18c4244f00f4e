/*===- qc-c/Registration.h - C API: dialects, passes, contexts ----*- C -*-===*\
|*                                                                            *|
|* Everything qc's pipelines need registered in one call: the qc dialect, the *|
|* upstream dialects and extensions qc lowers through, the LLVM IR            *|
|* translations, and qc's passes and pipelines (qc-fold-fake-quant,           *|
|* qc-cpu-pipeline, ...) plus every upstream pass, as qc-opt has them.        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef QC_C_REGISTRATION_H
#define QC_C_REGISTRATION_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Adds the qc dialect, every upstream dialect and extension, and the LLVM IR
/// translations to `registry`.
MLIR_CAPI_EXPORTED void qcRegisterAllDialects(MlirDialectRegistry registry);

/// Registers qc's passes and pipelines and every upstream pass in the global
/// pass registry, so that textual pipelines can name them. Safe to call more
/// than once and from several threads.
MLIR_CAPI_EXPORTED void qcRegisterAllPasses(void);

/// A context with everything qcRegisterAllDialects adds, all of it loaded,
/// after qcRegisterAllPasses. Destroy it with mlirContextDestroy.
MLIR_CAPI_EXPORTED MlirContext qcContextCreate(void);

#ifdef __cplusplus
}
#endif

#endif /* QC_C_REGISTRATION_H */
