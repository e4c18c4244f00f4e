"""Compile qc models and run them from numpy, through qc's C API.

    import numpy as np, qc
    run = qc.compile("model.onnx", target="cpu")      # or "vulkan"
    y = run(np.random.rand(1, 64).astype(np.float32))

`compile` takes MLIR text, a .mlir or .onnx path, an onnx.ModelProto, a
torch.fx QAT GraphModule (with input_shapes), a qc.graph.Graph (what the
importers and calibration produce) or a Module; runs
`pipeline` (default: fold fake quantization into integer ops); compiles the
entry function with the target's pipeline (qc-cpu-pipeline + JIT, or
qc-spirv-pipeline + qc's Vulkan runtime); and returns an Executable, a
callable taking and returning numpy arrays. A failing step raises
CompileError with the diagnostics, the IR the step started from and the
qc-opt command that reproduces it.
"""
import ctypes
import os
import re

import numpy as np

from . import _capi

DEFAULT_PIPELINE = "qc-fold-fake-quant"
# How many lines of IR a CompileError shows; the whole IR is in its file.
IR_LINES_SHOWN = 60


class CompileError(RuntimeError):
    """A qc step failed.

    message      everything, as the C API reports it
    diagnostics  the diagnostics, "file:line:col: error: ..." lines
    ir           the IR the failing pipeline started from (None when the
                 failure was not in a pipeline)
    ir_path      the file holding that IR (kept for the reproducer)
    reproducer   the qc-opt command line that reproduces the failure
    """

    def __init__(self, message, diagnostics="", ir=None, ir_path=None, reproducer=None):
        self.message = message
        self.diagnostics = diagnostics
        self.ir = ir
        self.ir_path = ir_path
        self.reproducer = reproducer
        super().__init__(self._describe())

    def _describe(self):
        text = self.message
        if self.ir is not None:
            lines = self.ir.splitlines()
            shown = "\n".join(lines[:IR_LINES_SHOWN])
            if len(lines) > IR_LINES_SHOWN:
                shown += "\n... (%d more lines in %s)" % (len(lines) - IR_LINES_SHOWN, self.ir_path)
            text += "\n--- IR the failing pipeline ran on (%s) ---\n%s" % (self.ir_path, shown)
        return text

    @staticmethod
    def take(error):
        """Builds the exception from a QcError and releases the error."""
        lib = _capi.lib()
        message = lib.qcErrorGetMessage(error).decode()
        diagnostics = lib.qcErrorGetDiagnostics(error).decode()
        path = lib.qcErrorGetReproducerPath(error).decode() or None
        command = lib.qcErrorGetReproducerCommand(error).decode() or None
        lib.qcErrorDestroy(error)
        ir = None
        if path and os.path.exists(path):
            with open(path) as f:
                ir = f.read()
        return CompileError(message, diagnostics, ir, path, command)


class Context:
    """An MLIR context with qc's dialect, passes and pipelines registered.

    The C context is destroyed only after every Module and Executable made
    in it: the garbage collector finalizes objects of a reference cycle (an
    exception's traceback, say) in no particular order."""

    def __init__(self):
        self._lib = _capi.lib()
        self._handle = self._lib.qcContextCreate()
        self._users = 1  # this object, plus each live module and executable

    def _acquire(self):
        self._users += 1

    def _release(self):
        self._users -= 1
        if self._users == 0 and self._handle is not None:
            self._lib.mlirContextDestroy(self._handle)
            self._handle = None

    def __del__(self):
        if getattr(self, "_handle", None) is not None:
            self._release()


_default_context = None


def default_context():
    global _default_context
    if _default_context is None:
        _default_context = Context()
    return _default_context


class Module:
    """A builtin.module owned by Python; keeps its context alive."""

    def __init__(self, handle, context):
        self._lib = _capi.lib()
        self._handle = handle
        self.context = context
        context._acquire()

    @staticmethod
    def parse(text, name="<python>", context=None):
        context = context or default_context()
        lib = _capi.lib()
        error = _capi.QcError()
        handle = lib.qcModuleParse(context._handle, _capi.MlirStringRef.of(text),
                                   _capi.MlirStringRef.of(name), ctypes.byref(error))
        if not handle.ptr:
            raise CompileError.take(error)
        return Module(handle, context)

    def __del__(self):
        if getattr(self, "_handle", None) is not None:
            self._lib.mlirModuleDestroy(self._handle)
            self._handle = None
            self.context._release()

    def __str__(self):
        chunks = []

        def append(ref, _):
            if ref.length:
                chunks.append(ctypes.string_at(ref.data, ref.length))

        callback = _capi.MlirStringCallback(append)
        self._lib.mlirOperationPrint(self._lib.mlirModuleGetOperation(self._handle), callback, None)
        return b"".join(chunks).decode()

    def clone(self):
        op = self._lib.mlirOperationClone(self._lib.mlirModuleGetOperation(self._handle))
        return Module(self._lib.mlirModuleFromOperation(op), self.context)

    def run_pipeline(self, pipeline):
        """Runs a pass pipeline in place, written as for qc-opt:
        "qc-fold-fake-quant,qc-remove-zero-channels" or "builtin.module(...)". Returns self."""
        error = _capi.QcError()
        result = self._lib.qcModuleRunPipeline(self._handle, _capi.MlirStringRef.of(pipeline),
                                               ctypes.byref(error))
        if not result.value:
            raise CompileError.take(error)
        return self


    def emit_object(self, path, pipeline_options=""):
        """Ahead-of-time compilation for this CPU: lowers a copy with
        qc-cpu-pipeline and writes a relocatable object file (whole or not at
        all) whose public functions C calls as `_mlir_ciface_<name>`."""
        error = _capi.QcError()
        result = self._lib.qcModuleEmitObjectFile(
            self._handle, _capi.MlirStringRef.of(os.fspath(path)),
            _capi.MlirStringRef.of(pipeline_options), ctypes.byref(error))
        if not result.value:
            raise CompileError.take(error)


def pack_int4(codes):
    """Packs 4-bit codes two per byte, as qc exchanges them with packed_int4
    (docs/Numerics.md, "Packed int4 at the boundary"): `codes` holds one i4
    code (int8, -8..7) or u4 code (uint8, 0..15) per element, shape
    [..., n]; the result is uint8 [..., ceil(n / 2)], code 2j of a row in the
    low nibble of byte j and code 2j + 1 in its high nibble (0 for odd n)."""
    codes = np.asarray(codes)
    if codes.ndim == 0:
        raise ValueError("pack_int4 needs an array with a last dimension, not a scalar")
    if codes.dtype not in (np.int8, np.uint8):
        raise TypeError("pack_int4 takes int8 (i4) or uint8 (u4) codes, not %s" % codes.dtype.name)
    lo, hi = (-8, 7) if codes.dtype == np.int8 else (0, 15)
    if codes.size and (codes.min() < lo or codes.max() > hi):
        raise ValueError("pack_int4: codes outside [%d, %d]" % (lo, hi))
    nibbles = codes.view(np.uint8) & 15
    if nibbles.shape[-1] % 2:
        nibbles = np.concatenate([nibbles, np.zeros(nibbles.shape[:-1] + (1,), np.uint8)], axis=-1)
    return np.ascontiguousarray(nibbles[..., 0::2] | (nibbles[..., 1::2] << 4))


def unpack_int4(packed, n, signed):
    """The inverse of pack_int4: the first `n` codes of each row of the uint8
    array `packed` (last dimension ceil(n / 2)), as int8 i4 codes
    (sign-extended) when `signed`, else as uint8 u4 codes."""
    packed = np.asarray(packed)
    if packed.dtype != np.uint8 or packed.ndim == 0 or packed.shape[-1] != (n + 1) // 2:
        raise ValueError("unpack_int4: expected uint8[..., %d] for %d codes a row, got %s%s"
                         % ((n + 1) // 2, n, packed.dtype.name, list(packed.shape)))
    nibbles = np.stack([packed & 15, packed >> 4], axis=-1).reshape(packed.shape[:-1] + (-1,))
    nibbles = nibbles[..., :n]
    if signed:
        return ((nibbles.astype(np.int16) ^ 8) - 8).astype(np.int8)
    return np.ascontiguousarray(nibbles, np.uint8)


class TensorSpec:
    """dtype and shape of an argument or result; None is the dynamic
    (batch) dimension. `bits` is the width N of narrow integer codes (an i4
    tensor is int8 data, one code in [-8, 7] per element; a u4 one uint8 in
    [0, 15]), None for whole-width elements. `packed` says that the
    executable exchanges it two codes per byte (packed_int4): as uint8 of
    packed_shape."""

    def __init__(self, dtype, shape, bits=None, packed=False):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(None if d < 0 else int(d) for d in shape)
        self.bits = bits or None
        self.packed = packed

    def resolve(self, batch):
        return tuple(batch if d is None else d for d in self.shape)

    def packable(self):
        """An i4/u4 tensor with a last dimension: packed under packed_int4."""
        return self.bits == 4 and len(self.shape) > 0

    def exchanged(self, batch):
        """(dtype, shape) of the array a call takes or returns."""
        shape = self.resolve(batch)
        if self.packed:
            return np.dtype(np.uint8), shape[:-1] + ((shape[-1] + 1) // 2,)
        return self.dtype, shape

    def code_range(self):
        """(lo, hi) of the narrow codes (bits is not None)."""
        if self.dtype.kind == "u":
            return 0, (1 << self.bits) - 1
        return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1

    def __repr__(self):
        text = "%s[%s]" % (self.dtype.name,
                           ", ".join("?" if d is None else str(d) for d in self.shape))
        if self.packed:
            return "uint8[%s] (%s%d%s packed two per byte)" % (
                ", ".join("?" if d is None else str(d) for d in
                          self.shape[:-1] + ((self.shape[-1] + 1) // 2,)),
                "u" if self.dtype.kind == "u" else "i", self.bits,
                text[text.index("["):])
        if self.bits is not None:
            text += " of %s%d codes" % ("u" if self.dtype.kind == "u" else "i", self.bits)
        return text


class Executable:
    """A compiled entry function: call it with numpy arrays (one per
    argument, in order); returns one array, or a tuple for several results."""

    def __init__(self, handle, module=None):
        lib = self._lib = _capi.lib()
        self._handle = handle
        # A compiled executable refers to its module's context, which must
        # outlive it; a loaded one (qc.load) needs none.
        self._context = module.context if module is not None else None
        if self._context is not None:
            self._context._acquire()
        self.entry = lib.qcExecutableGetEntryName(handle).decode()
        self.target = lib.qcExecutableGetTarget(handle).decode()

        def spec(kind_of, rank_of, shape_of, bits_of, i):
            rank = rank_of(handle, i)
            shape = shape_of(handle, i)
            return TensorSpec(_capi.ELEMENT_DTYPES[kind_of(handle, i)], [shape[d] for d in range(rank)],
                              bits_of(handle, i))

        self.inputs = [spec(lib.qcExecutableGetInputElementType, lib.qcExecutableGetInputRank,
                            lib.qcExecutableGetInputShape, lib.qcExecutableGetInputCodeBits, i)
                       for i in range(lib.qcExecutableGetNumInputs(handle))]
        self.results = [spec(lib.qcExecutableGetResultElementType, lib.qcExecutableGetResultRank,
                             lib.qcExecutableGetResultShape, lib.qcExecutableGetResultCodeBits, i)
                        for i in range(lib.qcExecutableGetNumResults(handle))]

        self.dynamic_batch = bool(lib.qcExecutableHasDynamicBatch(handle))
        self._set_packed(bool(lib.qcExecutableGetExchangeFlags(handle) & _capi.EXCHANGE_PACKED_INT4))

    def _set_packed(self, packed):
        self.packed_int4 = packed
        for spec in self.inputs + self.results:
            spec.packed = packed and spec.packable()

    def __del__(self):
        if getattr(self, "_handle", None) is not None:
            self._lib.qcExecutableDestroy(self._handle)
            self._handle = None
            if self._context is not None:
                self._context._release()

    def __repr__(self):
        return "<qc.Executable @%s on %s: %s -> %s>" % (self.entry, self.target, self.inputs, self.results)

    def _arguments(self, arrays):
        if len(arrays) != len(self.inputs):
            raise TypeError("@%s takes %d argument(s) (%s), got %d" % (
                self.entry, len(self.inputs), ", ".join(map(repr, self.inputs)), len(arrays)))
        converted = []
        batch = None
        for i, (array, spec) in enumerate(zip(arrays, self.inputs)):
            array = np.asarray(array)
            if batch is None and None in spec.shape and len(array.shape) == len(spec.shape):
                batch = array.shape[spec.shape.index(None)]
            dtype, shape = spec.exchanged(batch)
            if array.dtype != dtype:
                raise TypeError("argument #%d of @%s: expected %r, got %s%s" % (
                    i, self.entry, spec, array.dtype.name, list(array.shape)))
            if array.shape != shape or batch == 0:
                raise ValueError("argument #%d of @%s: expected %r%s, got %s%s" % (
                    i, self.entry, spec, "" if batch is None else " with batch %d" % batch,
                    array.dtype.name, list(array.shape)))
            if spec.packed:
                # Odd n: the high nibble of each row's last byte is unused
                # and must be 0 (the C API checks too).
                if spec.shape[-1] % 2:
                    bad = np.flatnonzero(array[..., -1] >> 4)
                    if bad.size:
                        index = np.unravel_index(bad[0], array.shape[:-1]) + (array.shape[-1] - 1,)
                        raise ValueError(
                            "argument #%d of @%s: packed byte [%s] is %d, but the high nibble of a "
                            "row's last byte must be 0 (the last dimension, %d, is odd)" % (
                                i, self.entry, ", ".join(map(str, index)), array[index],
                                spec.shape[-1]))
            elif spec.bits is not None:
                # Narrow codes: an out-of-range one would break the N-bit
                # arithmetic of the compiled code (the C API checks too).
                lo, hi = spec.code_range()
                bad = np.flatnonzero((array < lo) | (array > hi))
                if bad.size:
                    index = np.unravel_index(bad[0], array.shape)
                    raise ValueError("argument #%d of @%s: element [%s] is %d, outside the %s%d range "
                                     "[%d, %d]" % (i, self.entry, ", ".join(map(str, index)),
                                                   array[index], "u" if spec.dtype.kind == "u" else "i",
                                                   spec.bits, lo, hi))
            converted.append(np.ascontiguousarray(array))
        return converted, 1 if batch is None else batch

    def _invoke(self, arrays, repeat):
        arguments, batch = self._arguments(arrays)
        outputs = [np.empty(spec.exchanged(batch)[1], spec.exchanged(batch)[0]) for spec in self.results]
        inputs = (ctypes.c_void_p * max(1, len(arguments)))(*[a.ctypes.data for a in arguments])
        results = (ctypes.c_void_p * max(1, len(outputs)))(*[o.ctypes.data for o in outputs])
        seconds = ctypes.c_double(0.0)
        error = _capi.QcError()
        ok = self._lib.qcExecutableInvokeBatch(self._handle, batch, inputs, results, repeat,
                                               ctypes.byref(seconds), ctypes.byref(error))
        if not ok.value:
            raise CompileError.take(error)
        return outputs, seconds.value

    def __call__(self, *arrays):
        outputs, _ = self._invoke(arrays, 1)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def time(self, *arrays, repeat=10):
        """The fastest of `repeat` runs in seconds (copies excluded; device
        time on Vulkan)."""
        if repeat < 1:
            raise ValueError("repeat must be at least 1")
        return self._invoke(arrays, repeat)[1]


def _is_onnx_model(model):
    return type(model).__name__ == "ModelProto" and hasattr(model, "graph")


def _is_fx_graph_module(model):
    return any(c.__name__ == "GraphModule" and c.__module__.startswith("torch.fx")
               for c in type(model).__mro__)


def _imported(what, importer):
    """Runs an importer; a model it rejects is a CompileError like any other
    failing step (the importer's own exception is its __cause__)."""
    from .graph import GraphError
    from .importers.common import ImportError_
    try:
        return importer()
    except (ImportError_, GraphError) as e:
        raise CompileError("cannot import %s: %s" % (what, e), diagnostics=str(e)) from e


def to_module(model, context=None, batch=1, name=None, input_shapes=None):
    """A Module from MLIR text, a .mlir/.onnx path, an onnx.ModelProto, a
    torch.fx.GraphModule from prepare_qat_fx (with `input_shapes`), a
    qc.graph.Graph or a Module (returned as it is). A path's suffix is
    matched in any case (model.ONNX is ONNX). `name` names an imported
    model's function (default: the model's name, see
    qc.importers.common.entry_name)."""
    from .graph import Graph
    if isinstance(model, Module):
        return model
    if _is_fx_graph_module(model):
        if input_shapes is None:
            raise TypeError("qc.compile of a torch.fx.GraphModule needs input_shapes=[(...), ...]")
        from .importers.torch import import_fx_to_mlir
        text = _imported("the torch.fx model",
                         lambda: import_fx_to_mlir(model, input_shapes, name=name))
        return Module.parse(text, "<torch.fx>", context)
    if isinstance(model, Graph):
        return Module.parse(_imported("the graph", model.to_mlir), "<%s>" % model.name, context)
    if _is_onnx_model(model):
        from .importers.onnx import import_to_mlir
        text = _imported("the ONNX model", lambda: import_to_mlir(model, batch=batch, name=name))
        return Module.parse(text, "<onnx>", context)
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        suffix = os.path.splitext(path)[1].lower() if "\n" not in path else ""
        if suffix == ".onnx":
            from .importers.onnx import import_to_mlir
            text = _imported("'%s'" % path, lambda: import_to_mlir(path, batch=batch, name=name))
            return Module.parse(text, path, context)
        if suffix in (".mlir", ".mlirbc"):
            with open(path, "rb") as f:
                return Module.parse(f.read(), path, context)
        return Module.parse(path, "<python>", context)
    raise TypeError("qc.compile takes MLIR text, a .mlir/.onnx path, an onnx.ModelProto, a "
                    "torch.fx.GraphModule, a qc.graph.Graph or a qc.Module, not %s"
                    % type(model).__name__)


def _integer_only_pipeline(pipeline):
    """`pipeline` with allow-float=false on each qc-fold-fake-quant in it."""
    def fold(match):
        options = match.group(1)
        if options is None:
            return "qc-fold-fake-quant{allow-float=false}"
        inner = re.sub(r"\s*allow-float=\S*", "", options[1:-1]).strip()
        return "qc-fold-fake-quant{%s}" % " ".join(filter(None, [inner, "allow-float=false"]))
    return re.sub(r"qc-fold-fake-quant(\{[^}]*\})?", fold, pipeline)


def compile(module_or_model, pipeline=DEFAULT_PIPELINE, target="cpu", entry=None,
            pipeline_options="", context=None, batch=1, input_shapes=None, output=None,
            name=None, header=None, integer_only=False, threads=None, packed_int4=False):
    """Compiles a model for `target` ("cpu" or "vulkan") and returns an
    Executable. `pipeline` runs first (None or "" for none); the caller's
    Module is not modified. `pipeline_options` go to the target's pipeline
    (e.g. "vectorize=false", "portable"). `batch` sizes imported ONNX models
    (None keeps their batch dimension dynamic: the executable then takes any
    batch); `input_shapes` gives a torch.fx model's input shapes.

    With `output`, the model is compiled once to a file instead of the JIT:
    a shared library for "cpu" (entry exported as the C function `name`,
    default the function's name or the file's stem when that is `main`;
    C header at `header`, default `output` with .h) or a bundle directory for
    "vulkan". The returned Executable is that file loaded (qc.load).

    `integer_only=True` promises integer code between the quantization
    boundaries: every qc-fold-fake-quant of `pipeline` runs with
    allow-float=false, so an op that would stay in float between a
    dequantize and a quantize raises CompileError naming it and the reason.
    (Float inputs and outputs keep their float qc.quantize / qc.dequantize
    boundaries; for code without any float, integer inputs and outputs, add
    pipeline_options="integer-only=true" on the CPU.)

    `threads` (CPU) sets the compiled code's threads: None uses every core,
    1 runs without OpenMP.

    `packed_int4=True` exchanges every i4/u4 argument and result two codes
    per byte (docs/Numerics.md, "Packed int4 at the boundary"): a uint8
    array whose last dimension is ceil(n / 2), low nibble first (pack_int4,
    unpack_int4); with `output`, the model's manifest records it, so
    qc.load exchanges packed too. CompileError when the entry has no i4/u4
    argument or result, or one without a static last dimension."""
    if threads is not None:
        if target != "cpu":
            raise ValueError("threads= applies to the cpu target only")
        if int(threads) < 1:
            raise ValueError("threads must be at least 1, not %r" % (threads,))
        pipeline_options = ("%s threads=%d" % (pipeline_options, int(threads))).strip()
    module = to_module(module_or_model, context, batch=batch, input_shapes=input_shapes)
    if integer_only and pipeline:
        pipeline = _integer_only_pipeline(pipeline)
    if pipeline:
        module = module.clone() if module is module_or_model else module
        module.run_pipeline(pipeline)
    lib = _capi.lib()
    error = _capi.QcError()
    if output is not None:
        output = os.fspath(output)
        if header is None and target == "cpu":
            header = os.path.splitext(output)[0] + ".h"
        ok = lib.qcModuleCompileToFileWithFlags(
            module._handle, _capi.MlirStringRef.of(target), _capi.MlirStringRef.of(output),
            _capi.MlirStringRef.of(entry or ""), _capi.MlirStringRef.of(name or ""),
            _capi.MlirStringRef.of(os.fspath(header) if header else ""),
            _capi.MlirStringRef.of(pipeline_options),
            _capi.EXCHANGE_PACKED_INT4 if packed_int4 else 0, ctypes.byref(error))
        if not ok.value:
            raise CompileError.take(error)
        return load(output)
    handle = lib.qcExecutableCreate(module._handle, _capi.MlirStringRef.of(target),
                                    _capi.MlirStringRef.of(entry or ""),
                                    _capi.MlirStringRef.of(pipeline_options), ctypes.byref(error))
    if not handle.ptr:
        raise CompileError.take(error)
    executable = Executable(handle, module)
    if packed_int4:
        ok = lib.qcExecutableSetExchangeFlags(handle, _capi.EXCHANGE_PACKED_INT4, ctypes.byref(error))
        if not ok.value:
            raise CompileError.take(error)
        executable._set_packed(True)
    return executable


def load(path):
    """Loads a model compiled once to a file (qc.compile(..., output=path),
    qc-compile): a shared library for the CPU or a Vulkan bundle directory.
    Nothing is compiled. Returns an Executable; one compiled with
    packed_int4 (qc-compile --packed-int4) exchanges i4/u4 packed
    (Executable.packed_int4)."""
    lib = _capi.lib()
    error = _capi.QcError()
    handle = lib.qcExecutableLoad(_capi.MlirStringRef.of(os.fspath(path)), ctypes.byref(error))
    if not handle.ptr:
        raise CompileError.take(error)
    return Executable(handle)
