"""Helpers that print MLIR text: types, exact float literals, dense constants.

Floats are printed so that MLIR parses back the very same value: a Python
float (a double) is printed with repr(), the shortest decimal that round-trips;
an f32 value is widened to double first (exact), so the double MLIR parses
converts back to the same f32. Large tensors use MLIR's hex form
(dense<"0x...">, the raw little-endian bytes), which is exact by construction.
"""
import math

import numpy as np

_ELEMENT_TYPES = {
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
    np.dtype(np.int8): "i8",
    np.dtype(np.int16): "i16",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.bool_): "i1",
}

HEX_THRESHOLD = 64  # tensors with more elements are printed in hex


def element_type(dtype):
    dtype = np.dtype(dtype)
    if dtype not in _ELEMENT_TYPES:
        raise ValueError("no MLIR element type for numpy dtype %s" % dtype)
    return _ELEMENT_TYPES[dtype]


def tensor_type(shape, elem="f32", dynamic_batch=False):
    """tensor<2x3xf32>; a rank-0 shape gives tensor<f32>; with
    `dynamic_batch` the leading dimension is `?` (tensor<?x3xf32>)."""
    dims = "".join(("?x" if i == 0 and dynamic_batch else "%dx" % int(d))
                   for i, d in enumerate(shape))
    return "tensor<%s%s>" % (dims, elem)


def format_float(value):
    """Exact decimal literal of a float (f32 values stay exact)."""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError("non-finite float %r has no decimal literal" % value)
    text = repr(value)
    if "." not in text:  # "1e-05" is no MLIR float literal: "1.0e-05"
        mantissa, e, exponent = text.partition("e")
        text = mantissa + ".0" + e + exponent
    return text


def format_f32_scalar(value):
    """A float literal for an f32 attribute; +-inf use the hex bit pattern."""
    value = np.float32(value)
    if np.isfinite(value):
        return format_float(value)
    return "0x%08X" % np.array(value, dtype=np.float32).view(np.uint32)


def format_int(value):
    return str(int(value))


def _nested(values, shape, fmt):
    if len(shape) == 0:
        return fmt(values.reshape(()).item())
    if len(shape) == 1:
        return "[" + ", ".join(fmt(v) for v in values.reshape(-1).tolist()) + "]"
    return "[" + ", ".join(_nested(values[i], shape[1:], fmt) for i in range(shape[0])) + "]"


def dense_attr(array, elem=None):
    """dense<...> : tensor<...> for a numpy array (exact)."""
    array = np.asarray(array)
    if elem is None:
        elem = element_type(array.dtype)
    ttype = tensor_type(array.shape, elem)
    is_float = array.dtype.kind == "f"
    if is_float and not np.all(np.isfinite(array)):
        raise ValueError("constant contains inf or NaN")
    fmt = format_float if is_float else format_int
    flat = array.reshape(-1)
    if flat.size > 0 and np.all(flat == flat[0]) and (not is_float or
                                                    np.all(np.signbit(flat) == np.signbit(flat[0]))):
        return "dense<%s> : %s" % (fmt(flat[0].item()), ttype)
    if flat.size > HEX_THRESHOLD and array.dtype.kind in "fiu":
        raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False)
        return 'dense<"0x%s"> : %s' % (raw.tobytes().hex().upper(), ttype)
    return "dense<%s> : %s" % (_nested(array, array.shape, fmt), ttype)


def storage_type(bits, signed, qmin, qmax):
    """i8, u8, or i8<-127:127> when the range is narrower than the storage."""
    base = ("i%d" if signed else "u%d") % bits
    if signed:
        full = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    else:
        full = (0, (1 << bits) - 1)
    if (qmin, qmax) == full:
        return base
    return "%s<%d:%d>" % (base, qmin, qmax)


def quant_type(scale, zero_point, bits=8, signed=True, qmin=None, qmax=None,
               axis=None, expressed="f32"):
    """!quant.uniform<...> per tensor (scalar scale) or per axis."""
    if qmin is None or qmax is None:
        lo, hi = ((-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed
                  else (0, (1 << bits) - 1))
        qmin = lo if qmin is None else qmin
        qmax = hi if qmax is None else qmax
    storage = storage_type(bits, signed, int(qmin), int(qmax))
    scale = np.atleast_1d(np.asarray(scale, dtype=np.float64))
    zero_point = np.atleast_1d(np.asarray(zero_point, dtype=np.int64))
    if axis is None:
        return "!quant.uniform<%s:%s, %s:%d>" % (storage, expressed,
                                                 format_float(scale[0]), int(zero_point[0]))
    params = ", ".join("%s:%d" % (format_float(s), int(z)) for s, z in zip(scale, zero_point))
    return "!quant.uniform<%s:%s:%d, {%s}>" % (storage, expressed, int(axis), params)


def affine_map(rank, results):
    dims = ", ".join("d%d" % i for i in range(rank))
    res = ", ".join("d%d" % r if isinstance(r, int) else r for r in results)
    return "affine_map<(%s) -> (%s)>" % (dims, res)


class FunctionWriter:
    """Accumulates the body of one func.func with fresh SSA names."""

    def __init__(self, name, args, results):
        self.name = name
        self.args = args          # [(ssa_name, type)]
        self.results = results    # [type]
        self.lines = []
        self.top = []   # constants hoisted to the function entry
        self._counter = 0

    def fresh(self, hint="v"):
        self._counter += 1
        return "%%%s%d" % (hint, self._counter)

    def emit(self, text):
        self.lines.append("    " + text)

    def emit_top(self, text):
        self.top.append("    " + text)

    def emit_block(self, lines):
        for line in lines:
            self.emit(line)

    def text(self, returns):
        args = ", ".join("%s: %s" % a for a in self.args)
        res = ", ".join(self.results)
        if len(self.results) != 1:
            res = "(" + res + ")"
        out = ["  func.func @%s(%s) -> %s {" % (self.name, args, res)]
        out += self.top + self.lines
        out.append("    return %s : %s" % (", ".join(returns), ", ".join(self.results)))
        out.append("  }")
        return "\n".join(out)


def module(functions):
    return "module {\n" + "\n".join(functions) + "\n}\n"
