"""Exact integer products of the ONNX importer (a mixin of OnnxImporter):
MatMulInteger and ConvInteger.

Their int32 result is `sum (a - a_zp) * (b - b_zp)` with no scale, so they
have no fake-quant form: they become the graph ops `matmul_integer` /
`conv_integer` (graph_quant.py), which emit integer linalg on the operands'
storage codes and return a !quant.uniform<i32:f32, 1.0> value, the int32
itself: a graph output, or read by a Cast to float (`int_to_float`,
graph_dynamic.py), after which ONNX Runtime's dynamic quantization
multiplies by the run-time scale product (an ordinary float Mul). Operands:
uint8/int8 graph inputs (bound as !quant.uniform arguments with scale 1
unless a DequantizeLinear gave them parameters; the codes are what counts),
QuantizeLinear / QLinear outputs (their codes, qc.quantize),
DynamicQuantizeLinear outputs (codes computed at run time) and integer
constants. Zero points are constants: per tensor, or per row of A / per
column of B (MatMulInteger), per tensor for ConvInteger's input and per
output channel for its weight; or the run-time zero point of a
DynamicQuantizeLinear (per tensor, for a run-time operand).
"""
import numpy as np

from ..graph import QParams
from ..graph_quant import i32_params
from .common import ImportError_, Tensor
from .onnx_ops import _positive
from .onnx_quant import _IntConst, _IntInput, _Quantized, where


class _Int32:
    """The int32 result of MatMulInteger / ConvInteger (a graph value)."""

    def __init__(self, tensor, node):
        self.tensor, self.node = tensor, node
        self.shape = tensor.shape


class _Codes(_Int32):
    """The uint8 codes (or rank-0 zero point) of DynamicQuantizeLinear: a
    !quant.uniform<u8:f32, 1.0> graph value computed at run time."""

    def __init__(self, tensor, node):
        super().__init__(tensor, node)
        self.qp = QParams(1.0, 0, 0, 255, 8, False)


class IntegerOps:
    def _op_DynamicQuantizeLinear(self, node, a):
        """Dynamic quantization, qc's one float step (graph_dynamic.py): the
        codes, the f32 scale and the zero point of x, computed at run time."""
        x = self.b.plain(self._float(node.input[0], node), where(node))
        ops = [("dyn_quantize", x.shape), ("dyn_scale", ()), ("dyn_zero_point", ())]
        codes, scale, zp = (self.b.op(op, [x], {}, shape, False, where(node)) for op, shape in ops)
        for t in (codes, zp):
            self.b.g.qtypes[t.value] = QParams(1.0, 0, 0, 255, 8, False)
        return _Codes(codes, node), scale, _Codes(zp, node)

    def _int_zero_point(self, node, index, dtype, size, what):
        """Zero points at input `index` (default 0): an int64 array of 1 or
        `size` values of `dtype`."""
        if len(node.input) <= index or not node.input[index]:
            return np.zeros(1, np.int64)
        v = self._get(node.input[index], node)
        if isinstance(v, _Codes) and v.shape == ():
            return v        # DynamicQuantizeLinear's run-time zero point (uint8)
        if not isinstance(v, _IntConst):
            raise ImportError_("%s: the %s zero point '%s' must be an integer constant or the zero point of a "
                               "DynamicQuantizeLinear" % (
                                   where(node), what, node.input[index]))
        zp = np.asarray(v.array)
        if zp.dtype != dtype:
            raise ImportError_("%s: the %s zero point is %s, the operand %s" % (where(node), what, zp.dtype, dtype))
        zp = zp.astype(np.int64).reshape(-1)
        if zp.size not in (1, size):
            raise ImportError_("%s: %d %s zero points; expected 1 or %d" % (where(node), zp.size, what, size))
        return zp

    def _int_operand(self, node, index, inputs):
        """(kind, codes dtype, shape, payload) of integer operand `index`:
        ("const", dtype, shape, int64 codes) or ("value", dtype, shape,
        (Tensor of the !quant.uniform value, its QParams))."""
        name = node.input[index]
        v = self._get(name, node)
        if isinstance(v, _IntConst):
            if v.array.dtype not in (np.uint8, np.int8):
                raise ImportError_("%s: operand '%s' is %s; expected uint8 or int8" % (
                    where(node), name, v.array.dtype))
            return "const", v.array.dtype, v.array.shape, v.array.astype(np.int64)
        if isinstance(v, _IntInput):
            if v.bound is None:
                info = np.iinfo(v.dtype)
                qp = QParams(1.0, 0, info.min if v.range is None else v.range[0],
                             info.max if v.range is None else v.range[1], 8, v.dtype == np.int8)
                v.bound = (qp, self.b.quantized_input(v.name, v.shape, qp, where(node)))
            return "value", v.dtype, v.shape, (Tensor(v.name, v.shape), v.bound[0])
        if isinstance(v, _Codes):
            return "value", np.dtype(np.uint8), v.shape, (v.tensor, v.qp)
        if isinstance(v, _Quantized):
            if v.clamp is not None:
                raise ImportError_("%s: operand '%s' is clipped to a range without its zero point; not "
                                   "supported" % (where(node), name))
            t = self.b.plain(self.b.fake_quant(v.src, v.qp, where(node)), where(node))
            q = self.b.op("quantize", [t], {"qparams": v.qp}, t.shape, False, where(node))
            return "value", np.dtype(np.int8 if v.qp.signed else np.uint8), t.shape, (q, v.qp)
        raise ImportError_("%s: operand '%s' is not integer (uint8/int8 codes: an integer graph input, a "
                           "QuantizeLinear output or an initializer)" % (where(node), name))

    @staticmethod
    def _spec(operand, zp, axis, inputs, node=None):
        kind, _, shape, payload = operand
        if isinstance(zp, _Codes):
            if kind == "const" or operand[1] != np.uint8:
                raise ImportError_("%s: a run-time zero point needs a run-time uint8 operand" % where(node))
            inputs.append(payload[0])
            inputs.append(zp.tensor)
            return ("input", len(inputs) - 2, payload[1], ("input", len(inputs) - 1), None)
        if kind == "const":
            if axis is None:
                return ("const", payload - zp[0])
            s = [1] * len(shape)
            s[axis] = -1
            return ("const", payload - zp.reshape(s))
        tensor, qp = payload
        inputs.append(tensor)
        return ("input", len(inputs) - 1, qp, zp, axis)

    def _int32_result(self, op, inputs, attrs, shape, node):
        t = self.b.op(op, inputs, attrs, shape, False, where(node))
        self.b.g.qtypes[t.value] = i32_params()
        return _Int32(t, node)

    def _op_MatMulInteger(self, node, a):
        inputs = []
        A, B = self._int_operand(node, 0, inputs), self._int_operand(node, 1, inputs)
        sa, sb = tuple(A[2]), tuple(B[2])
        if len(sa) < 2 or len(sb) != 2:
            raise ImportError_("%s: operands %s x %s: qc supports A of rank >= 2 and a 2-D B" % (
                where(node), list(sa), list(sb)))
        if sa[-1] != sb[0]:
            raise ImportError_("%s: inner dimensions of %s x %s differ" % (where(node), list(sa), list(sb)))
        za = self._int_zero_point(node, 2, A[1], sa[-2], "A")
        zb = self._int_zero_point(node, 3, B[1], sb[1], "B")
        za_n = 1 if isinstance(za, _Codes) else za.size
        zb_n = 1 if isinstance(zb, _Codes) else zb.size
        if za_n > 1 and len(sa) != 2:
            raise ImportError_("%s: a per-row A zero point needs a 2-D A, got %s" % (where(node), list(sa)))
        spec_a = self._spec(A, za, len(sa) - 2 if za_n > 1 else None, inputs, node)
        spec_b = self._spec(B, zb, 1 if zb_n > 1 else None, inputs, node)
        return self._int32_result("matmul_integer", inputs, {"a": spec_a, "b": spec_b, "a_shape": sa,
                                                              "b_shape": sb}, sa[:-1] + (sb[1],), node)

    def _op_ConvInteger(self, node, a):
        inputs = []
        X, W = self._int_operand(node, 0, inputs), self._int_operand(node, 1, inputs)
        if W[0] != "const":
            raise ImportError_("%s: the weight '%s' must be an initializer" % (where(node), node.input[1]))
        xs, ws = tuple(X[2]), tuple(W[2])
        if len(xs) != 4 or len(ws) != 4:
            raise ImportError_("%s: only 2-D convolutions are supported (input %s, weight %s)" % (
                where(node), list(xs), list(ws)))
        zx = self._int_zero_point(node, 2, X[1], 1, "x")
        zw = self._int_zero_point(node, 3, W[1], ws[0], "w")
        if isinstance(zw, _Codes):
            raise ImportError_("%s: the weight zero point must be a constant" % where(node))
        groups = int(a.get("group", 1))
        n, c, h, wd = xs
        f, cg, kh, kw = ws
        if groups < 1 or c % groups or f % groups or cg != c // groups:
            raise ImportError_("%s: weight %s does not match %d input channels with group %d" % (
                where(node), list(ws), c, groups))
        strides = _positive(node, "strides", a.get("strides", [1, 1]))
        dil = _positive(node, "dilations", a.get("dilations", [1, 1]))
        if "kernel_shape" in a and [int(k) for k in a["kernel_shape"]] != [kh, kw]:
            raise ImportError_("%s: kernel_shape %s differs from the weight's %s" % (
                where(node), list(a["kernel_shape"]), [kh, kw]))
        pt, pl, pb, pr = self._pads(node, a, (h, wd), (kh, kw), strides, dil)
        w = self._spec(W, zw, 0 if zw.size > 1 else None, inputs)[1]
        if groups > 1:
            # Block-diagonal dense weight: the zeros outside each group's
            # block are exact zero products.
            dense = np.zeros((f, c, kh, kw), np.int64)
            fg = f // groups
            for g in range(groups):
                dense[g * fg:(g + 1) * fg, g * cg:(g + 1) * cg] = w[g * fg:(g + 1) * fg]
            w = dense
        attrs = {"x": self._spec(X, zx, None, inputs, node), "w": ("const", w), "x_shape": xs,
                 "strides": tuple(strides), "dilations": tuple(dil), "pads": (pt, pl, pb, pr)}
        oh = (h + pt + pb - dil[0] * (kh - 1) - 1) // strides[0] + 1
        ow = (wd + pl + pr - dil[1] * (kw - 1) - 1) // strides[1] + 1
        if oh < 1 or ow < 1:
            raise ImportError_("%s: the kernel %s is larger than the padded input" % (where(node), [kh, kw]))
        return self._int32_result("conv_integer", inputs, attrs, (n, f, oh, ow), node)
