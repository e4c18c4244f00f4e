/*===- qc-c/Pipeline.h - C API: errors, parsing, pass pipelines ---*- C -*-===*\
|*                                                                            *|
|* Parsing and pass pipelines with errors a caller can show: the diagnostics  *|
|* (with locations), and, when a pipeline fails, a file holding the IR it ran *|
|* on and the qc-opt command line that reproduces the failure.                *|
|*                                                                            *|
|* Functions that can fail take a `QcError *error`. On failure they store an  *|
|* error the caller owns (release it with qcErrorDestroy); on success they    *|
|* store a null error. A NULL `error` prints the message to stderr instead.  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef QC_C_PIPELINE_H
#define QC_C_PIPELINE_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct QcError {
  void *ptr;
} QcError;

static inline bool qcErrorIsNull(QcError error) { return !error.ptr; }

/// Everything there is to say: the diagnostics, what failed and, for a
/// pipeline failure, where the IR was saved and how to reproduce it.
MLIR_CAPI_EXPORTED MlirStringRef qcErrorGetMessage(QcError error);
/// Only the diagnostics, one per line ("loc: error: message"), notes
/// included; empty when the failure emitted none.
MLIR_CAPI_EXPORTED MlirStringRef qcErrorGetDiagnostics(QcError error);
/// The path of a file holding the IR the failing step started from; empty
/// when the failure was not in a pipeline. The file is left for the caller.
MLIR_CAPI_EXPORTED MlirStringRef qcErrorGetReproducerPath(QcError error);
/// The qc-opt command line (or, for a runtime failure, the qc-run one) that
/// reproduces the failure on that file; empty when there is none.
MLIR_CAPI_EXPORTED MlirStringRef qcErrorGetReproducerCommand(QcError error);
MLIR_CAPI_EXPORTED void qcErrorDestroy(QcError error);

/// Parses `source` (MLIR assembly or bytecode) into a module; `sourceName`
/// names it in diagnostics. Returns a null module on failure.
MLIR_CAPI_EXPORTED MlirModule qcModuleParse(MlirContext context,
                                            MlirStringRef source,
                                            MlirStringRef sourceName,
                                            QcError *error);

/// Runs the textual pass pipeline `pipeline` on `module` in place. It is
/// written as for qc-opt: either a comma-separated list of passes and
/// pipelines ("qc-fold-fake-quant,qc-prune{pattern=channel},
/// qc-remove-zero-channels"; passes that run on functions are nested automatically) or an anchored pipeline
/// ("builtin.module(func.func(cse))"). The IR is verified after each pass.
/// On failure the module may be partly transformed; the error's reproducer
/// file holds the module as it was before the pipeline started.
MLIR_CAPI_EXPORTED MlirLogicalResult qcModuleRunPipeline(MlirModule module,
                                                         MlirStringRef pipeline,
                                                         QcError *error);

/// Options of qcModuleFoldFakeQuant: those of --qc-fold-fake-quant.
typedef struct QcFoldOptions {
  /// TOSA single rounding (`profile=single_round`) instead of gemmlowp's
  /// double rounding.
  bool singleRound;
  /// When false (integer-only compilation), an op that would stay in float
  /// between a dequantize and a quantize is an error naming the op and the
  /// reason, and the fold fails.
  bool allowFloat;
  /// Remarks: every requantization's multipliers, every op left in float
  /// with the reason, a summary per function.
  bool report;
} QcFoldOptions;

/// The defaults of --qc-fold-fake-quant: double rounding, float allowed, no
/// report.
MLIR_CAPI_EXPORTED QcFoldOptions qcFoldOptionsGetDefault(void);

/// Folds fake quantization and QDQ pairs of every function of `module` into
/// qc integer ops (--qc-fold-fake-quant with `options`), in place. With
/// `allowFloat` false a module that would keep float ops between its
/// quantization boundaries fails, with one diagnostic per such op; the
/// error's reproducer is that of qcModuleRunPipeline.
MLIR_CAPI_EXPORTED MlirLogicalResult qcModuleFoldFakeQuant(MlirModule module,
                                                           QcFoldOptions options,
                                                           QcError *error);

#ifdef __cplusplus
}
#endif

#endif /* QC_C_PIPELINE_H */
