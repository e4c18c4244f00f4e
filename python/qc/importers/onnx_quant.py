"""Quantization operators of the ONNX importer (a mixin of OnnxImporter).

Quantized tensors are never materialized as integers inside the function:
`_Quantized(src, qp)` stands for the codes Q(src) of a float graph tensor,
and reading it dequantized gives qc.fake_quant(src) -- exactly ONNX's
DequantizeLinear(QuantizeLinear(src)). So the QDQ form and the QOperator
form (QLinearConv = DQ -> Conv -> Q, ...) import to the same float graph
with fake quantization, which --qc-fold-fake-quant turns into integer ops.
Integer graph inputs become !quant.uniform function arguments (with the
parameters of the operator that dequantizes them); quantized graph outputs
qc.quantize results.
"""
import numpy as np

from ..graph import GraphError, QParams
from .common import ImportError_, Tensor


class _Quantized:
    """The output of QuantizeLinear or of a QLinear operator: integer codes
    Q(src) with parameters qp, never materialized."""

    def __init__(self, src, qp, node, clamp=None):
        self.src, self.qp, self.node, self.clamp = src, qp, node, clamp
        self.deq = None


class _IntConst:
    def __init__(self, array):
        self.array = array


class _NonFinite:
    """A float initializer with NaN or inf: usable as a Clip bound, never as data."""

    def __init__(self, name, array):
        self.name, self.array = name, array


class _IntInput:
    """A uint8/int8 graph input; it becomes a !quant.uniform function argument
    once an operator that dequantizes it gives its parameters."""

    def __init__(self, name, shape, dtype):
        self.name, self.shape, self.dtype = name, tuple(shape), dtype
        self.bound = None     # (QParams, dequantized Tensor)
        self.range = None     # (lo, hi) when a Clip narrows the codes (a narrow storage range)


def where(node):
    return "node '%s' (%s)" % (node.name or (node.output[0] if node.output else "?"), node.op_type)


def _qrange(dtype, where_):
    if dtype == np.uint8:
        return 0, 255, False
    if dtype == np.int8:
        return -128, 127, True
    raise ImportError_("%s: quantized type %s is not supported (int8 or uint8)" % (where_, dtype))


# Operators that move or select quantized values without changing them (the
# QOperator form applies them to uint8/int8 tensors directly): they run on the
# dequantized values and their result keeps the input's parameters.
PASSTHROUGH = {"MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity",
               "Dropout", "Slice", "Resize"}


class QuantOps:
    # -- parameters ---------------------------------------------------------
    def _qparams(self, node, scale_name, zp_name, axis_attr, rank):
        w = where(node)
        scale = np.asarray(self._const(scale_name, node, "scale"), dtype=np.float32)
        if zp_name:
            zp = np.asarray(self._const(zp_name, node, "zero point"))
            dtype = zp.dtype
        else:
            zp, dtype = np.zeros(scale.shape, np.uint8), np.dtype(np.uint8)
        qmin, qmax, signed = _qrange(np.dtype(dtype), w)
        axis = None
        if scale.ndim > 1:
            raise ImportError_("%s: scale of shape %s (blocked quantization) is not supported" % (w, scale.shape))
        if scale.ndim == 1 and scale.size > 1:
            axis = int(axis_attr)
            if not -rank <= axis < rank:
                raise ImportError_("%s: axis %d is outside the rank %d of the quantized tensor" % (w, axis, rank))
            axis = axis + rank if axis < 0 else axis
        if zp.size != scale.size and zp.size != 1:
            raise ImportError_("%s: %d zero points for %d scales" % (w, zp.size, scale.size))
        try:
            return QParams(scale.astype(np.float64).reshape(-1), zp.astype(np.int64).reshape(-1),
                           qmin, qmax, 8, signed, axis)
        except GraphError as e:
            raise ImportError_("%s: %s" % (w, e))

    def _params_at(self, node, first, axis_attr, rank):
        """QParams from inputs `first` (scale) and `first + 1` (zero point)."""
        zp = node.input[first + 1] if len(node.input) > first + 1 else ""
        return self._qparams(node, node.input[first], zp, axis_attr, rank)

    # -- quantized values ---------------------------------------------------
    def _deq(self, v, node):
        """The dequantized float tensor of a quantized value."""
        if isinstance(v, _IntInput):
            if v.bound is None:
                raise ImportError_("%s: integer graph input '%s' is read before its parameters are known" % (
                    where(node), v.name))
            return v.bound[1]
        if v.deq is None:
            v.deq = self.b.fake_quant(v.src, v.qp, where(v.node))
            if v.clamp is not None:
                v.deq = self.b.clamp(v.deq, *v.clamp, where=where(v.node))
        return v.deq

    def _read_quantized(self, name, node, first, axis_attr=1):
        """Input `name` of a DequantizeLinear / QLinear operator, dequantized
        with the parameters at inputs `first`, `first + 1`. Returns the float
        tensor and the parameters."""
        v = self._get(name, node)
        if isinstance(v, _IntConst):
            return self._dequantize_const(v.array, node, first, axis_attr), None
        if not isinstance(v, (_Quantized, _IntInput)):
            raise ImportError_("%s: input '%s' is not quantized (%s of a float tensor)" % (
                where(node), name, node.op_type))
        rank = len(v.shape) if isinstance(v, _IntInput) else len(v.src.shape)
        qp = self._params_at(node, first, axis_attr, rank)
        if isinstance(v, _IntInput):
            if v.range is not None:
                qp = QParams(qp.scale, qp.zero_point, v.range[0], v.range[1], qp.bits, qp.signed, qp.axis)
            if np.dtype(np.int8 if qp.signed else np.uint8) != v.dtype:
                raise ImportError_("%s: zero point type %s differs from input '%s' (%s)" % (
                    where(node), "int8" if qp.signed else "uint8", name, v.dtype))
            if v.bound is None:
                v.bound = (qp, self.b.quantized_input(v.name, v.shape, qp, where(node)))
            elif not v.bound[0].same(qp):
                raise ImportError_("%s: integer graph input '%s' is read with parameters %s and %s" % (
                    where(node), name, v.bound[0].mlir_type(), qp.mlir_type()))
            return v.bound[1], qp
        src = v.qp
        if not (np.array_equal(src.scale, qp.scale) and np.array_equal(src.zero_point, qp.zero_point)
                and src.axis == qp.axis and src.signed == qp.signed):
            raise ImportError_("%s: parameters differ from those of %s (%s vs %s); a requantizing "
                               "QDQ pair is not supported" % (where(node), where(v.node), qp.mlir_type(),
                                                              src.mlir_type()))
        return self._deq(v, node), src

    def _dequantize_const(self, codes, node, first, axis_attr):
        w = where(node)
        if codes.dtype == np.int32:
            qp_scale = np.asarray(self._const(node.input[first], node, "scale"), dtype=np.float32)
            zp_name = node.input[first + 1] if len(node.input) > first + 1 else ""
            zp = np.asarray(self._const(zp_name, node, "zero point")).astype(np.int64) if zp_name \
                else np.zeros(qp_scale.shape, np.int64)
            if not np.all(np.isfinite(qp_scale)) or np.any(qp_scale <= 0):
                raise ImportError_("%s: scales must be finite and > 0, got %s" % (w, qp_scale))
            if qp_scale.size > 1:
                shape = [1] * codes.ndim
                shape[int(axis_attr) % max(codes.ndim, 1)] = -1
                qp_scale, zp = qp_scale.reshape(shape), zp.reshape(shape)
            else:
                qp_scale, zp = qp_scale.reshape(()), zp.reshape(())
            return self.b.const(((codes.astype(np.int64) - zp).astype(np.float32) * qp_scale).astype(np.float32))
        if codes.dtype not in (np.int8, np.uint8):
            raise ImportError_("%s: cannot dequantize an initializer of type %s" % (w, codes.dtype))
        qp = self._params_at(node, first, axis_attr, codes.ndim)
        if np.dtype(np.int8 if qp.signed else np.uint8) != codes.dtype:
            raise ImportError_("%s: zero point type differs from the codes' type %s" % (w, codes.dtype))
        shape = [1] * codes.ndim
        if qp.axis is not None:
            shape[qp.axis] = -1
        # (q - z) of 8-bit codes is exact in f32: f32 throughout, one rounding (the product).
        vals = (codes.astype(np.float32) - qp.zero_point.astype(np.float32).reshape(shape)) * \
            qp.scale.astype(np.float32).reshape(shape)
        return self.b.fake_quant(self.b.const(vals), qp, w)

    def _quantized_output(self, name, v):
        if v.clamp is not None:
            raise ImportError_("graph output '%s' is quantized with a Clip that excludes its zero point; "
                               "qc cannot return these codes" % name)
        return self.b.quantized_output(v.src, v.qp, "output '%s'" % name)

    def _passthrough(self, node, handler, a):
        """Runs a handler; a PASSTHROUGH operator on quantized inputs runs on
        their dequantized values and keeps their parameters."""
        if node.op_type in PASSTHROUGH and node.input and isinstance(self.env.get(node.input[0]), _Quantized):
            q = self.env[node.input[0]]
            self.env[node.input[0]] = self._deq(q, node)
            try:
                y = handler(node, a)
            finally:
                self.env[node.input[0]] = q
            y = y[0] if isinstance(y, tuple) else y
            return _Quantized(y, self._moved_params(q.qp, node, a, len(q.src.shape), y), node)
        return handler(node, a)

    def _moved_params(self, qp, node, a, rank, y):
        if qp.axis is None:
            return qp
        if node.op_type == "Transpose":
            perm = [int(p) for p in a.get("perm", list(reversed(range(rank))))]
            return qp.with_axis(perm.index(qp.axis))
        if node.op_type in ("MaxPool", "Identity", "Dropout"):
            return qp
        if node.op_type in ("Slice", "Resize"):
            # The handler moved the codes (MoveOps._move): its dequantize
            # holds the moved parameters.
            moved = self._grid_any(y)
            if moved is not None and moved.axis is not None:
                return moved
        raise ImportError_("%s: a per-axis quantized tensor cannot go through %s" % (where(node), node.op_type))

    # -- QDQ ------------------------------------------------------------------
    def _op_QuantizeLinear(self, node, a):
        x = self._float(node.input[0], node)
        zp = node.input[2] if len(node.input) > 2 else ""
        return _Quantized(x, self._qparams(node, node.input[1], zp, a.get("axis", 1), len(x.shape)), node)

    def _op_DequantizeLinear(self, node, a):
        return self._read_quantized(node.input[0], node, 1, a.get("axis", 1))[0]

    def _op_Cast(self, node, a):
        from onnx import mapping
        v = self._get(node.input[0], node)
        to = np.dtype(mapping.TENSOR_TYPE_TO_NP_TYPE[int(a["to"])])
        if isinstance(v, _Quantized):
            have = np.dtype(np.int8 if v.qp.signed else np.uint8)
            if to != have:
                raise ImportError_("%s: Cast of %s quantized codes to %s changes them; not supported" % (
                    where(node), have, to))
            return v
        if isinstance(v, _IntInput):
            if to != v.dtype:
                raise ImportError_("%s: Cast of integer graph input '%s' to %s is not supported" % (
                    where(node), v.name, to))
            return v
        if to.kind == "f":
            from .onnx_integer import _Codes, _Int32
            if isinstance(v, _Int32) and not isinstance(v, _Codes):
                # MatMulInteger / ConvInteger's accumulator to float
                # (dynamic quantization then multiplies by its scales).
                return self.b.op("int_to_float", [v.tensor], {}, v.shape, False, where(node))
            return self._float(node.input[0], node)
        raise ImportError_("%s: Cast of a float tensor to %s is not supported (qc computes integers only "
                           "through quantization)" % (where(node), to))

    def _op_Clip(self, node, a):
        x = self._get(node.input[0], node)
        lo = hi = None
        if len(node.input) > 1 and node.input[1]:
            lo = self._const(node.input[1], node, "min")
        elif "min" in a:
            lo = a["min"]
        if len(node.input) > 2 and node.input[2]:
            hi = self._const(node.input[2], node, "max")
        elif "max" in a:
            hi = a["max"]
        for what, bound in (("min", lo), ("max", hi)):
            if bound is not None and np.asarray(bound).size != 1:
                raise ImportError_("%s: the %s bound has %d values; Clip needs a scalar" % (
                    where(node), what, np.asarray(bound).size))
            if bound is not None and np.isnan(np.asarray(bound, np.float64)).any():
                raise ImportError_("%s: the %s bound is NaN; give a number, or leave the input empty for "
                                   "no bound" % (where(node), what))
        if isinstance(x, _IntInput):
            # The codes a caller passes stay inside the clipped range: a narrow storage type.
            info = np.iinfo(x.dtype)
            lo_c = info.min if lo is None else max(int(info.min), int(np.asarray(lo)))
            hi_c = info.max if hi is None else min(int(info.max), int(np.asarray(hi)))
            if x.bound is not None or x.range is not None or lo_c > hi_c:
                raise ImportError_("%s: Clip of integer graph input '%s' must come first, with a non-empty "
                                   "range" % (where(node), x.name))
            x.range = (lo_c, hi_c)
            return x
        if isinstance(x, _Quantized):
            qp = x.qp
            lo_c = qp.qmin if lo is None else max(qp.qmin, int(np.asarray(lo)))
            hi_c = qp.qmax if hi is None else min(qp.qmax, int(np.asarray(hi)))
            if lo_c > hi_c:
                raise ImportError_("%s: empty clip range [%d, %d] on codes" % (where(node), lo_c, hi_c))
            if np.all((lo_c <= qp.zero_point) & (qp.zero_point <= hi_c)):
                # Narrowed storage range: exactly sat(round(x/s)+z, lo, hi),
                # per tensor or per axis (4-bit weights are exported that way).
                nq = QParams(qp.scale, qp.zero_point, lo_c, hi_c, qp.bits, qp.signed, qp.axis)
                return _Quantized(x.src, nq, x.node)
            if qp.axis is not None:
                raise ImportError_("%s: Clip of per-axis quantized codes to [%d, %d] excludes a zero point "
                                   "(%s)" % (where(node), lo_c, hi_c, qp.zero_point))
            s, z = qp.scale[0], int(qp.zero_point[0])
            # Otherwise: clamp the dequantized values (exact: bounds representable).
            return _Quantized(x.src, qp, x.node, clamp=(float(np.float32((lo_c - z) * np.float32(s))),
                                                        float(np.float32((hi_c - z) * np.float32(s)))))
        x = self._float(node.input[0], node)
        return self.b.clamp(x, -np.inf if lo is None else float(np.asarray(lo)),
                            np.inf if hi is None else float(np.asarray(hi)), where(node))

    def _op_Pad(self, node, a):
        """Constant-mode Pad. On a quantized tensor (the QOperator form pads
        uint8/int8 codes) the constant is a code: the result keeps the
        parameters and pads with the real value (c - z) * s; ONNX Runtime's
        quantizer pads with the zero point (real 0), the padding a following
        convolution or average pool folds into."""
        w = where(node)
        mode = a.get("mode", b"constant")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if mode != "constant":
            raise ImportError_("%s: mode '%s' is not supported (only constant)" % (w, mode))
        v = self._get(node.input[0], node)
        rank = len(v.src.shape) if isinstance(v, _Quantized) else None
        if self.opset >= 11:
            pads = np.asarray(self._const(node.input[1], node, "pads")).reshape(-1) \
                if len(node.input) > 1 and node.input[1] else None
            value = np.asarray(self._const(node.input[2], node, "constant_value")).reshape(-1) \
                if len(node.input) > 2 and node.input[2] else np.zeros(1)
            if len(node.input) > 3 and node.input[3]:
                raise ImportError_("%s: the axes input is not supported; give pads for every axis" % w)
        else:
            pads, value = np.asarray(a.get("pads", []), np.int64), np.asarray([a.get("value", 0.0)])
        if pads is None or value.size != 1:
            raise ImportError_("%s: expected pads and one constant value" % w)
        if isinstance(v, _Quantized):
            qp = v.qp
            code = int(value[0])
            if not qp.qmin <= code <= qp.qmax:
                raise ImportError_("%s: constant %d outside the codes' range [%d, %d]" % (w, code, qp.qmin, qp.qmax))
            x = self._deq(v, node)
            real = float(np.float32((code - int(qp.zero_point[0])) * np.float32(qp.scale[0])))
        else:
            x = self._float(node.input[0], node)
            rank, real = len(x.shape), float(value[0])
        if pads.size != 2 * rank or np.any(pads < 0):
            raise ImportError_("%s: pads %s: expected %d non-negative values (negative pads crop; not "
                               "supported)" % (w, pads.tolist(), 2 * rank))
        pairs = list(zip(pads[:rank].tolist(), pads[rank:].tolist()))
        if isinstance(v, _Quantized) and v.qp.axis is not None:
            # Every channel's codes padded with the one code: there is no
            # one real value to pad with in f32, so only the integer form.
            if any(pairs[v.qp.axis]):
                raise ImportError_("%s: padding the quantized axis %d of a per-axis quantized tensor is not "
                                   "supported (the new channels would have no scale)" % (w, v.qp.axis))
            q = _Quantized(self._pad_codes(x, pairs, code, v.qp, node), v.qp, node)
            q.deq = q.src
            return q
        if not self._feeds_window_ops(node.output[0]):
            # Not a convolution's or average pool's padding: pad the codes
            # (integer), when x lies on a per-tensor grid that holds the value.
            grid = v.qp if isinstance(v, _Quantized) else self._grid_any(x)
            if grid is not None and grid.axis is not None and any(pairs[grid.axis]):
                grid = None     # padding the quantized axis: f32 (the new channels have no scale)
            code = self._code_of(grid, real) if grid is not None else None
            if code is not None:
                y = self._pad_codes(x, pairs, code, grid, node)
                if not isinstance(v, _Quantized):
                    return y
                q = _Quantized(y, v.qp, node)
                q.deq = y
                return q
        y = self.b.pad(x, pairs, real, w)
        if not isinstance(v, _Quantized):
            return y
        q = _Quantized(y, v.qp, node)
        q.deq = y    # codes and constant on the grid already: no second fake_quant
        return q

    # -- QOperator ------------------------------------------------------------
    def _quantize_result(self, y, node, first, rank):
        return _Quantized(y, self._params_at(node, first, 1, rank), node)

    def _op_QLinearConv(self, node, a):
        x, xq = self._read_quantized(node.input[0], node, 1)
        w = self._read_quantized(node.input[3], node, 4, 0)[0]
        bias = None
        if len(node.input) > 8 and node.input[8]:
            b = self._const(node.input[8], node, "bias")
            if b.dtype != np.int32:
                raise ImportError_("%s: the bias must be int32, got %s" % (where(node), b.dtype))
            if xq is None:
                raise ImportError_("%s: a constant input with an int32 bias is not supported" % where(node))
            ws = np.asarray(self._const(node.input[4], node, "scale"), np.float32).reshape(-1)
            scale = (np.float32(xq.scale[0]) * ws).astype(np.float32)
            bias = self.b.const((b.astype(np.float32) * scale).astype(np.float32))
        y = self._conv(node, a, x, w, bias)
        return self._quantize_result(y, node, 6, 4)

    def _op_QLinearMatMul(self, node, a):
        A = self._read_quantized(node.input[0], node, 1)[0]
        B = self._read_quantized(node.input[3], node, 4, -1)[0]
        y = self.b.matmul(A, B, where(node))
        return self._quantize_result(y, node, 6, len(y.shape))

    def _qlinear_binary(self, node, op):
        A = self._read_quantized(node.input[0], node, 1)[0]
        B = self._read_quantized(node.input[3], node, 4)[0]
        y = self.b.binary(op, A, B, where(node))
        return self._quantize_result(y, node, 6, len(y.shape))

    def _op_QLinearAdd(self, node, a):
        return self._qlinear_binary(node, "add")

    def _op_QLinearMul(self, node, a):
        return self._qlinear_binary(node, "mul")

    def _op_QLinearGlobalAveragePool(self, node, a):
        if a.get("channels_last", 0):
            raise ImportError_("%s: channels_last=1 is not supported" % where(node))
        x = self._read_quantized(node.input[0], node, 1)[0]
        y = self._global_average(x, node, self._params_at(node, 3, 1, 4))
        return self._quantize_result(y, node, 3, 4)

    def _op_QLinearAveragePool(self, node, a):
        if a.get("channels_last", 0):
            raise ImportError_("%s: channels_last=1 is not supported" % where(node))
        x = self._read_quantized(node.input[0], node, 1)[0]
        y = self._pool(node, a, "avg_pool", x, self._params_at(node, 3, 1, 4))
        return self._quantize_result(y, node, 3, 4)

    def _op_QLinearSigmoid(self, node, a):
        x = self._read_quantized(node.input[0], node, 1)[0]
        y = self.b.op("unary", [x], {"fn": "sigmoid"}, x.shape, x.nhwc, where(node))
        return self._quantize_result(y, node, 3, len(y.shape))

    def _op_QLinearConcat(self, node, a):
        if (len(node.input) - 2) % 3 or len(node.input) < 5:
            raise ImportError_("%s: expected Y_scale, Y_zero_point and (X, X_scale, X_zero_point) triples" %
                               where(node))
        xs = [self._read_quantized(node.input[i], node, i + 1)[0] for i in range(2, len(node.input), 3)]
        y = self._concat(node, a, xs)
        return self._quantize_result(y, node, 0, len(y.shape))
