/*===- qc-c/Execution.h - C API: compile and run on CPU or Vulkan -*- C -*-===*\
|*                                                                            *|
|* Compiles a function of a module for the host CPU (qc-cpu-pipeline and the  *|
|* MLIR JIT) or for Vulkan (qc-spirv-pipeline and qc's Vulkan runtime), and   *|
|* invokes it on caller-owned buffers, as `qc-run` does with .npy files.      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef QC_C_EXECUTION_H
#define QC_C_EXECUTION_H

#include "qc-c/Pipeline.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Element types at a compiled function's boundary. Signedness follows the
/// function's declared types (an argument of !quant.uniform<u8:...> takes
/// uint8 data).
typedef enum QcElementType {
  QC_ELEMENT_INT8,
  QC_ELEMENT_UINT8,
  QC_ELEMENT_INT16,
  QC_ELEMENT_UINT16,
  QC_ELEMENT_INT32,
  QC_ELEMENT_INT64,
  QC_ELEMENT_FLOAT32,
  QC_ELEMENT_FLOAT64,
} QcElementType;

/// numpy's name of the type: "int8", "uint8", ..., "float64".
MLIR_CAPI_EXPORTED const char *qcElementTypeGetName(QcElementType type);
/// Size of one element in bytes.
MLIR_CAPI_EXPORTED intptr_t qcElementTypeGetSize(QcElementType type);

typedef struct QcExecutable {
  void *ptr;
} QcExecutable;

static inline bool qcExecutableIsNull(QcExecutable executable) {
  return !executable.ptr;
}

/// Compiles function `entry` of `module` (an empty `entry` picks the only
/// public function) for `target`, "cpu" or "vulkan". `pipelineOptions` are
/// the options of that target's pipeline as written inside its braces
/// (e.g. "vectorize=false" for qc-cpu-pipeline, "portable" for
/// qc-spirv-pipeline); may be empty. On the CPU, "threads=N" sets the
/// threads of the compiled code (default: the cores of this machine; 1 runs
/// without OpenMP). The function's arguments and results
/// must be statically shaped tensors of the element types above (quantized
/// types count as their storage type). `module` itself is left unchanged.
/// The executable refers to the module's context, which must outlive it.
/// Returns a null executable on failure: bad signature, pipeline failure
/// (with a reproducer), no Vulkan loader or device, ...
MLIR_CAPI_EXPORTED QcExecutable qcExecutableCreate(MlirModule module,
                                                   MlirStringRef target,
                                                   MlirStringRef entry,
                                                   MlirStringRef pipelineOptions,
                                                   QcError *error);
MLIR_CAPI_EXPORTED void qcExecutableDestroy(QcExecutable executable);

/// The compiled function's name, and what it runs on ("cpu (JIT, host
/// features)" or the Vulkan device's name).
MLIR_CAPI_EXPORTED MlirStringRef qcExecutableGetEntryName(QcExecutable executable);
MLIR_CAPI_EXPORTED MlirStringRef qcExecutableGetTarget(QcExecutable executable);

/// The signature: number, element type, rank and shape of the inputs
/// (arguments) and results. The shape pointer stays valid as long as the
/// executable. A dynamic (batch) dimension reads -1: its size is the batch
/// given to qcExecutableInvokeBatch.
MLIR_CAPI_EXPORTED intptr_t qcExecutableGetNumInputs(QcExecutable executable);
MLIR_CAPI_EXPORTED intptr_t qcExecutableGetNumResults(QcExecutable executable);
MLIR_CAPI_EXPORTED QcElementType
qcExecutableGetInputElementType(QcExecutable executable, intptr_t pos);
MLIR_CAPI_EXPORTED intptr_t qcExecutableGetInputRank(QcExecutable executable,
                                                     intptr_t pos);
MLIR_CAPI_EXPORTED const int64_t *
qcExecutableGetInputShape(QcExecutable executable, intptr_t pos);
MLIR_CAPI_EXPORTED QcElementType
qcExecutableGetResultElementType(QcExecutable executable, intptr_t pos);
MLIR_CAPI_EXPORTED intptr_t qcExecutableGetResultRank(QcExecutable executable,
                                                      intptr_t pos);
MLIR_CAPI_EXPORTED const int64_t *
qcExecutableGetResultShape(QcExecutable executable, intptr_t pos);

/// The width N of the narrow integer codes an input or result holds (an
/// `i4` tensor is int8 data with one code in [-8, 7] per element, a `u4` one
/// uint8 data in [0, 15]; docs/Numerics.md, "Storage of narrow types"); 0
/// for whole-width elements. qcExecutableInvoke rejects an input code outside
/// its N-bit range.
MLIR_CAPI_EXPORTED unsigned qcExecutableGetInputCodeBits(QcExecutable executable,
                                                         intptr_t pos);
MLIR_CAPI_EXPORTED unsigned
qcExecutableGetResultCodeBits(QcExecutable executable, intptr_t pos);

/// How an executable exchanges its arguments and results (bit flags).
///
/// QC_EXCHANGE_PACKED_INT4: every i4/u4 input and result (code bits 4, rank
/// >= 1) is exchanged two codes per byte (docs/Numerics.md, "Packed int4 at
/// the boundary"): a buffer of shape [..., n] is uint8 data of shape
/// [..., ceil(n / 2)], code 2j of each row in the low nibble of byte j and
/// code 2j + 1 in its high nibble. For odd n the high nibble of each row's
/// last byte is 0 in results and must be 0 in inputs (an error otherwise).
/// The element type, shape and code bits queries above still describe the
/// codes; the buffers hold `prod(shape[:-1]) * ((shape[-1] + 1) / 2)` bytes.
typedef enum QcExchangeFlags {
  QC_EXCHANGE_DEFAULT = 0,
  QC_EXCHANGE_PACKED_INT4 = 1,
} QcExchangeFlags;

/// Sets the exchange flags (a combination of QcExchangeFlags) for the
/// following invocations. Fails, leaving the flags as they were, for
/// QC_EXCHANGE_PACKED_INT4 on a function without i4/u4 arguments or
/// results, or with one that is a scalar or has a dynamic last dimension,
/// and for unknown flags.
MLIR_CAPI_EXPORTED MlirLogicalResult qcExecutableSetExchangeFlags(
    QcExecutable executable, unsigned flags, QcError *error);
/// The exchange flags: QC_EXCHANGE_DEFAULT unless set, or unless a loaded
/// model's manifest says `packed-int4` (qcModuleCompileToFileWithFlags).
MLIR_CAPI_EXPORTED unsigned
qcExecutableGetExchangeFlags(QcExecutable executable);

/// Whether the function's leading dimension is dynamic (`?`): it then runs
/// through qcExecutableInvokeBatch at any batch size without recompiling.
MLIR_CAPI_EXPORTED bool qcExecutableHasDynamicBatch(QcExecutable executable);

/// Runs the function `repeat` (>= 1) times. `inputs[i]` points at the dense
/// row-major data of argument i, exactly as many bytes as its type and shape
/// say; `results[i]` at writable storage of result i's size, filled from the
/// last run. The buffers are not retained. When `minSeconds` is not NULL it
/// receives the fastest run's time (copies in and out not included; on
/// Vulkan the device time). On failure no result buffer has been written.
MLIR_CAPI_EXPORTED MlirLogicalResult qcExecutableInvoke(
    QcExecutable executable, const void *const *inputs, void *const *results,
    int repeat, double *minSeconds, QcError *error);

/// qcExecutableInvoke for a signature with a dynamic (batch) dimension: the
/// buffers hold `batch` (>= 1) rows. A static signature ignores `batch`
/// unless it is less than 1.
MLIR_CAPI_EXPORTED MlirLogicalResult qcExecutableInvokeBatch(
    QcExecutable executable, int64_t batch, const void *const *inputs,
    void *const *results, int repeat, double *minSeconds, QcError *error);

/// Loads a model compiled ahead of time by qcModuleCompileToFile (or
/// qc-compile): a shared library for the CPU or a Vulkan bundle directory.
/// Nothing is compiled; the executable needs no context. Returns a null
/// executable (and the reason) for a file that is not such a model.
MLIR_CAPI_EXPORTED QcExecutable qcExecutableLoad(MlirStringRef path,
                                                 QcError *error);

/// Compiles function `entry` of `module` (empty: the only public one) once,
/// to a file qcExecutableLoad loads: for `target` "cpu" a shared library at
/// `path` exporting the entry as the C function `name` (empty: the
/// function's name, or `path`'s stem when that is `main`), and a C header
/// declaring it at `headerPath` (empty: none); for "vulkan" a bundle
/// directory at `path`. `pipelineOptions` as for qcExecutableCreate. The
/// module is left unchanged; nothing is written on failure.
MLIR_CAPI_EXPORTED MlirLogicalResult qcModuleCompileToFile(
    MlirModule module, MlirStringRef target, MlirStringRef path,
    MlirStringRef entry, MlirStringRef name, MlirStringRef headerPath,
    MlirStringRef pipelineOptions, QcError *error);

/// qcModuleCompileToFile recording exchange flags (QcExchangeFlags) in the
/// model's manifest, so that qcExecutableLoad (and qc.load, qc-vulkan-run
/// --bundle) exchange that way: QC_EXCHANGE_PACKED_INT4 writes
/// `packed-int4`. A shared library's exported C function still takes one
/// code per element. Fails, writing nothing, where
/// qcExecutableSetExchangeFlags would.
MLIR_CAPI_EXPORTED MlirLogicalResult qcModuleCompileToFileWithFlags(
    MlirModule module, MlirStringRef target, MlirStringRef path,
    MlirStringRef entry, MlirStringRef name, MlirStringRef headerPath,
    MlirStringRef pipelineOptions, unsigned flags, QcError *error);

/// Ahead-of-time compilation for the host CPU: lowers a copy of `module`
/// with qc-cpu-pipeline (`pipelineOptions` as for qcExecutableCreate; AVX-512
/// VNNI where this CPU has it; one thread unless they say "threads=N", and
/// then the object calls libomp) unless it is already in the LLVM dialect, and
/// writes a relocatable object file to `path`, whole or not at all. Every
/// public function is callable from C as `_mlir_ciface_<name>` with memref
/// descriptors (docs/CPUBackend.md). A failing pipeline gives a reproducer.
MLIR_CAPI_EXPORTED MlirLogicalResult qcModuleEmitObjectFile(
    MlirModule module, MlirStringRef path, MlirStringRef pipelineOptions,
    QcError *error);

#ifdef __cplusplus
}
#endif

#endif /* QC_C_EXECUTION_H */
