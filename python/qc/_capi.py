"""ctypes declarations of libQCCAPI.so (include/qc-c plus the MLIR C API core).

Debian packages no MLIR Python bindings for LLVM 22, so qc reaches MLIR
through its C API. The library is found, in order, at:

  $QC_CAPI_LIBRARY                      the file itself (and nowhere else when set)
  $QC_BUILD_DIR/lib/libQCCAPI.so        a build tree
  <this package>/../../../libQCCAPI.so  an installed tree (<prefix>/lib/qc/python/qc)
  <this package>/../../build/lib/...    the source tree's default build
  the dynamic linker's search path
"""
import ctypes
import ctypes.util
import os

_LIBRARY_NAME = "libQCCAPI.so"


class MlirStringRef(ctypes.Structure):
    # A pointer, not c_char_p: reading a c_char_p field runs strlen, and a
    # string ref is not NUL-terminated (ASan: a read past the printer's
    # buffer in every mlirOperationPrint callback).
    _fields_ = [("data", ctypes.c_void_p), ("length", ctypes.c_size_t)]

    @staticmethod
    def of(text):
        data = text.encode() if isinstance(text, str) else bytes(text)
        buffer = ctypes.create_string_buffer(data, len(data) + 1)
        ref = MlirStringRef(ctypes.cast(buffer, ctypes.c_void_p), len(data))
        ref._keep = buffer  # the bytes must outlive the call
        return ref

    def decode(self):
        return ctypes.string_at(self.data, self.length).decode(errors="replace") if self.length else ""


def _handle(name):
    return type(name, (ctypes.Structure,), {"_fields_": [("ptr", ctypes.c_void_p)]})


MlirContext = _handle("MlirContext")
MlirModule = _handle("MlirModule")
MlirOperation = _handle("MlirOperation")
MlirDialectHandle = _handle("MlirDialectHandle")
QcError = _handle("QcError")
QcExecutable = _handle("QcExecutable")


class MlirLogicalResult(ctypes.Structure):
    _fields_ = [("value", ctypes.c_int8)]


MlirStringCallback = ctypes.CFUNCTYPE(None, MlirStringRef, ctypes.c_void_p)

# QcElementType, in enum order.
ELEMENT_DTYPES = ["int8", "uint8", "int16", "uint16", "int32", "int64", "float32", "float64"]
# QcExchangeFlags.
EXCHANGE_PACKED_INT4 = 1

_SIGNATURES = {
    # MLIR C API core (mlir-c/IR.h)
    "mlirContextDestroy": (None, [MlirContext]),
    "mlirModuleDestroy": (None, [MlirModule]),
    "mlirModuleGetOperation": (MlirOperation, [MlirModule]),
    "mlirModuleFromOperation": (MlirModule, [MlirOperation]),
    "mlirOperationClone": (MlirOperation, [MlirOperation]),
    "mlirOperationPrint": (None, [MlirOperation, MlirStringCallback, ctypes.c_void_p]),
    "mlirOperationVerify": (ctypes.c_bool, [MlirOperation]),
    "mlirGetDialectHandle__qc__": (MlirDialectHandle, []),
    "mlirDialectHandleGetNamespace": (MlirStringRef, [MlirDialectHandle]),
    # qc-c/Registration.h
    "qcContextCreate": (MlirContext, []),
    "qcRegisterAllPasses": (None, []),
    # qc-c/Pipeline.h
    "qcErrorGetMessage": (MlirStringRef, [QcError]),
    "qcErrorGetDiagnostics": (MlirStringRef, [QcError]),
    "qcErrorGetReproducerPath": (MlirStringRef, [QcError]),
    "qcErrorGetReproducerCommand": (MlirStringRef, [QcError]),
    "qcErrorDestroy": (None, [QcError]),
    "qcModuleParse": (MlirModule, [MlirContext, MlirStringRef, MlirStringRef, ctypes.POINTER(QcError)]),
    "qcModuleRunPipeline": (MlirLogicalResult, [MlirModule, MlirStringRef, ctypes.POINTER(QcError)]),
    # qc-c/Execution.h
    "qcElementTypeGetName": (ctypes.c_char_p, [ctypes.c_int]),
    "qcExecutableCreate": (QcExecutable, [MlirModule, MlirStringRef, MlirStringRef, MlirStringRef,
                                          ctypes.POINTER(QcError)]),
    "qcExecutableDestroy": (None, [QcExecutable]),
    "qcModuleEmitObjectFile": (MlirLogicalResult, [MlirModule, MlirStringRef, MlirStringRef,
                                                   ctypes.POINTER(QcError)]),
    "qcExecutableGetEntryName": (MlirStringRef, [QcExecutable]),
    "qcExecutableGetTarget": (MlirStringRef, [QcExecutable]),
    "qcExecutableGetNumInputs": (ctypes.c_ssize_t, [QcExecutable]),
    "qcExecutableGetNumResults": (ctypes.c_ssize_t, [QcExecutable]),
    "qcExecutableGetInputElementType": (ctypes.c_int, [QcExecutable, ctypes.c_ssize_t]),
    "qcExecutableGetInputRank": (ctypes.c_ssize_t, [QcExecutable, ctypes.c_ssize_t]),
    "qcExecutableGetInputShape": (ctypes.POINTER(ctypes.c_int64), [QcExecutable, ctypes.c_ssize_t]),
    "qcExecutableGetResultElementType": (ctypes.c_int, [QcExecutable, ctypes.c_ssize_t]),
    "qcExecutableGetResultRank": (ctypes.c_ssize_t, [QcExecutable, ctypes.c_ssize_t]),
    "qcExecutableGetResultShape": (ctypes.POINTER(ctypes.c_int64), [QcExecutable, ctypes.c_ssize_t]),
    "qcExecutableGetInputCodeBits": (ctypes.c_uint, [QcExecutable, ctypes.c_ssize_t]),
    "qcExecutableGetResultCodeBits": (ctypes.c_uint, [QcExecutable, ctypes.c_ssize_t]),
    "qcExecutableHasDynamicBatch": (ctypes.c_bool, [QcExecutable]),
    "qcExecutableSetExchangeFlags": (MlirLogicalResult, [QcExecutable, ctypes.c_uint,
                                                         ctypes.POINTER(QcError)]),
    "qcExecutableGetExchangeFlags": (ctypes.c_uint, [QcExecutable]),
    "qcModuleCompileToFileWithFlags": (MlirLogicalResult, [MlirModule, MlirStringRef, MlirStringRef,
                                                           MlirStringRef, MlirStringRef, MlirStringRef,
                                                           MlirStringRef, ctypes.c_uint,
                                                           ctypes.POINTER(QcError)]),
    "qcExecutableLoad": (QcExecutable, [MlirStringRef, ctypes.POINTER(QcError)]),
    "qcModuleCompileToFile": (MlirLogicalResult, [MlirModule, MlirStringRef, MlirStringRef,
                                                  MlirStringRef, MlirStringRef, MlirStringRef,
                                                  MlirStringRef, ctypes.POINTER(QcError)]),
    "qcExecutableInvokeBatch": (MlirLogicalResult, [QcExecutable, ctypes.c_int64,
                                                    ctypes.POINTER(ctypes.c_void_p),
                                                    ctypes.POINTER(ctypes.c_void_p), ctypes.c_int,
                                                    ctypes.POINTER(ctypes.c_double),
                                                    ctypes.POINTER(QcError)]),
    "qcExecutableInvoke": (MlirLogicalResult, [QcExecutable, ctypes.POINTER(ctypes.c_void_p),
                                               ctypes.POINTER(ctypes.c_void_p), ctypes.c_int,
                                               ctypes.POINTER(ctypes.c_double), ctypes.POINTER(QcError)]),
}


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get("QC_CAPI_LIBRARY"):
        yield os.environ["QC_CAPI_LIBRARY"]
        return
    if os.environ.get("QC_BUILD_DIR"):
        yield os.path.join(os.environ["QC_BUILD_DIR"], "lib", _LIBRARY_NAME)
    yield os.path.normpath(os.path.join(here, "..", "..", "..", _LIBRARY_NAME))
    yield os.path.normpath(os.path.join(here, "..", "..", "build", "lib", _LIBRARY_NAME))
    found = ctypes.util.find_library("QCCAPI")
    if found:
        yield found


_lib = None


def lib():
    """The loaded library with argument and result types declared."""
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        if os.path.sep in path and not os.path.exists(path):
            tried.append(path + " (missing)")
            continue
        try:
            loaded = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(loaded, name)
            function.restype = restype
            function.argtypes = argtypes
        _lib = loaded
        return _lib
    raise OSError("qc: cannot load %s; build qc (scripts/check.sh or ninja QCCAPI) and set "
                  "QC_BUILD_DIR or QC_CAPI_LIBRARY. Tried:\n  %s" % (_LIBRARY_NAME, "\n  ".join(tried)))
