"""Shared machinery of the importers: logical (NCHW) tensors on an NHWC graph.

Framework graphs are NCHW; qc convolutions and pools are NHWC/HWCF. A
`Tensor` is a graph value plus its *logical* shape (the framework's) and a
flag `nhwc`: when set, the graph value holds the logical rank-4 tensor
transposed by [0, 2, 3, 1]. Convolutions and pools take NHWC values and
produce NHWC values; every op that needs the logical layout (reshape,
flatten, transpose, graph outputs, ops with plain operands) gets an explicit
linalg.transpose [0, 3, 1, 2] first. Elementwise ops, fake quantization
(per-axis axes are remapped) and channel concatenation stay in NHWC, so a
conv -> relu -> pool -> conv chain has transposes only at its two ends.

Constant weights are re-laid out at import time (not with transposes in the
IR): a fake-quantized constant keeps its float values and parameters, and is
emitted as constant + qc.fake_quant in the layout its consumer needs (as its
8-bit codes, quant.dcast of quant.scast, when the values lie on their grid:
graph.exact_codes).
"""
import re

import numpy as np

from ..graph import Graph, GraphError, QParams

TO_NHWC = (0, 2, 3, 1)
TO_NCHW = (0, 3, 1, 2)


class ImportError_(Exception):
    """An error in the input model; the message names the node."""


class Tensor:
    def __init__(self, value, shape, nhwc=False, const=None, fq_const=None):
        self.value = value            # graph value name
        self.shape = None if shape is None else tuple(int(d) for d in shape)  # logical shape
        self.nhwc = nhwc
        self.const = const            # logical float32 array if a plain constant
        self.fq_const = fq_const      # (logical float32 array, QParams) if fake_quant(const)


# The function name becomes an MLIR symbol and a C symbol (_mlir_ciface_NAME).
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# The entry is named after the model so that a compiled object links into a
# C program (an entry called `main` would clash with the program's). These
# names say nothing about the model (exporters' defaults) or are not usable
# as a C function name; they give the fallback instead.
FALLBACK_NAME = "model"
_NAMELESS = {"", "main", "main_graph", "torch_jit", "torch_jit_export", "graph", "GraphModule"}
_C_KEYWORDS = {"auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
               "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
               "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
               "union", "unsigned", "void", "volatile", "while", "bool"}


def entry_name(model_name):
    """The entry function's default name for a model called `model_name` (a
    file stem, graph or class name): every character outside [A-Za-z0-9_]
    becomes '_', a leading digit gets the prefix `model_`, leading
    underscores are dropped (C reserves `__*`); an empty or exporter-default
    name (torch_jit, main_graph, GraphModule, main, ...), a C keyword or a
    `qc_model_*` name gives FALLBACK_NAME."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", str(model_name or "")).lstrip("_")
    if name[:1].isdigit():
        name = "model_" + name
    if name in _NAMELESS or name in _C_KEYWORDS or name.startswith("qc_model_"):
        return FALLBACK_NAME
    return name


class Builder:
    def __init__(self, name):
        if not isinstance(name, str) or not _FUNCTION_NAME.match(name):
            raise ImportError_("function name %r is not valid: use letters, digits and '_', not starting "
                               "with a digit (it becomes an MLIR and a C symbol)" % (name,))
        self.g = Graph(name)

    # -- values -------------------------------------------------------------
    def input(self, name, shape):
        return Tensor(self.g.add_input(name, shape), shape)

    def quantized_input(self, name, shape, qp, where=""):
        """A !quant.uniform function argument; returns its dequantized value."""
        v = self.g.add_input(name, shape)
        self.g.qtypes[v] = qp
        return self.op("dequantize", [Tensor(v, shape)], {"qparams": qp}, shape, False, where)

    def quantized_output(self, t, qp, where=""):
        """qc.quantize of a logical tensor (a quantized function result)."""
        # fake_quant where the value is computed (the fold's chains end in a
        # quantization), then the layout change, then the quantization that
        # the fold merges with it.
        t = self.plain(self.fake_quant(t, qp, where), where)
        return self.op("quantize", [t], {"qparams": qp}, t.shape, False, where)

    def const(self, array):
        array = np.asarray(array, dtype=np.float32)
        return Tensor(self.g.add_const(array), array.shape, const=array)

    def fake_quant(self, t, qp, where=""):
        """qc.fake_quant of a logical tensor; qp.axis is a logical axis."""
        if qp.axis is not None and not 0 <= qp.axis < len(t.shape):
            raise ImportError_("%s: quantization axis %d outside rank %d" % (where, qp.axis, len(t.shape)))
        if qp.axis is not None and t.shape[qp.axis] != qp.scale.size:
            raise ImportError_("%s: %d scales for axis %d of size %d" % (
                where, qp.scale.size, qp.axis, t.shape[qp.axis]))
        if t.const is not None and qp.signed and qp.bits == 8 and qp.qmin >= -8 and qp.qmax <= 7:
            # A constant quantized into [-8, 7] is an int4 weight (torch and
            # ONNX opset 13 have no 4-bit type: QAT narrows the int8 range):
            # the same values, stored in i4.
            qp = QParams(qp.scale, qp.zero_point, qp.qmin, qp.qmax, 4, True, qp.axis)
        gqp = qp
        if t.nhwc and qp.axis is not None:
            gqp = qp.with_axis(TO_NHWC.index(qp.axis))
        try:
            v = self.g.add("fake_quant", [t.value], {"qparams": gqp}, name=where)
        except GraphError as e:
            raise ImportError_("%s: %s" % (where, e))
        fq = (t.const, qp) if t.const is not None else None
        return Tensor(v, t.shape, t.nhwc, fq_const=fq)

    def plain(self, t, where=""):
        if not t.nhwc:
            return t
        v = self.g.add("transpose", [t.value], {"perm": list(TO_NCHW)}, name=where)
        return Tensor(v, t.shape, False, t.const, t.fq_const)

    def nhwc(self, t, where=""):
        if t.nhwc:
            return t
        if len(t.shape) != 4:
            raise ImportError_("%s: expected a rank-4 NCHW tensor, got shape %s" % (where, t.shape))
        if t.const is not None or t.fq_const is not None:
            return self.relayout(t, TO_NHWC, where, keep_logical=True)
        v = self.g.add("transpose", [t.value], {"perm": list(TO_NHWC)}, name=where)
        return Tensor(v, t.shape, True)

    def relayout(self, t, perm, where="", squeeze=None, keep_logical=False):
        """The logical tensor transposed by perm (and with dim `squeeze` of
        size 1 dropped) as a graph value. Constants and fake-quantized
        constants are rewritten at import time; run-time values get
        linalg.transpose (+ reshape)."""
        def layout(a):
            a = np.transpose(a, perm)
            return a.reshape(tuple(d for i, d in enumerate(a.shape) if i != squeeze)) if squeeze is not None else a

        def new_axis(axis):
            pos = list(perm).index(axis)
            if squeeze is not None:
                if pos == squeeze:
                    raise ImportError_("%s: cannot drop the quantized axis" % where)
                pos -= pos > squeeze
            return pos
        if t.fq_const is not None and not t.nhwc:
            c, qp = t.fq_const
            base = self.g.add_const(layout(c))
            gqp = qp if qp.axis is None else qp.with_axis(new_axis(qp.axis))
            v = self.g.add("fake_quant", [base], {"qparams": gqp}, name=where)
        elif t.const is not None and not t.nhwc:
            v = self.g.add_const(layout(t.const))
        else:
            src = self.plain(t, where)
            v = self.g.add("transpose", [src.value], {"perm": list(perm)}, name=where)
            if squeeze is not None:
                shape = tuple(d for i, d in enumerate(self.g.shapes[v]) if i != squeeze)
                v = self.g.add("reshape", [v], {"shape": shape}, name=where)
        if keep_logical:
            return Tensor(v, t.shape, True)
        return Tensor(v, self.g.shapes[v])

    # -- ops on logical tensors ---------------------------------------------
    def op(self, op, inputs, attrs, shape, nhwc, where):
        try:
            v = self.g.add(op, [i.value for i in inputs], attrs, name=where)
        except GraphError as e:
            raise ImportError_("%s: %s" % (where, e))
        return Tensor(v, shape, nhwc)

    def matmul(self, a, b, where):
        """numpy matmul semantics: 2-D x 2-D is matmul, higher ranks
        batch_matmul (b 2-D, or b with a's batch dimensions)."""
        if len(a.shape) < 2 or len(b.shape) < 2:
            raise ImportError_("%s: 1-D matrix products are not supported, got %s x %s" % (
                where, a.shape, b.shape))
        if a.shape[-1] != b.shape[-2]:
            raise ImportError_("%s: inner dimensions of %s x %s differ" % (where, a.shape, b.shape))
        a = self.plain(a, where)
        b = self.relayout(b, tuple(range(len(b.shape))), where) if (b.const is not None or b.fq_const is not None) \
            else self.plain(b, where)
        if len(a.shape) == 2 and len(b.shape) == 2:
            return self.op("matmul", [a, b], {}, (a.shape[0], b.shape[1]), False, where)
        if len(b.shape) > 2 and tuple(a.shape[:-2]) != tuple(b.shape[:-2]):
            raise ImportError_("%s: batch dimensions of %s x %s differ (batch broadcasting is not supported)" % (
                where, a.shape, b.shape))
        shape = tuple(a.shape[:-1]) + (b.shape[-1],)
        return self.op("batch_matmul", [a, b], {}, shape, False, where)

    def conv2d(self, x, w, bias, strides, dilations, pads, groups, where):
        """ONNX/torch semantics: x [N,C,H,W], w [F,C/groups,KH,KW], pads
        [top, left, bottom, right] (ONNX order)."""
        if len(x.shape) != 4 or len(w.shape) != 4:
            raise ImportError_("%s: only 2-D convolutions (rank-4 input and weight) are supported" % where)
        n, c, h, wd = x.shape
        f, cg, kh, kw = w.shape
        if c % groups or f % groups or cg != c // groups:
            raise ImportError_("%s: weight %s does not match input channels %d with groups %d" % (
                where, w.shape, c, groups))
        if groups != 1 and not (groups == c and f == c):
            w = self._block_diagonal(w, groups, where)
            groups = 1
        x = self.nhwc(x, where)
        pt, pl, pb, pr = pads
        attrs = {"strides": tuple(strides), "dilations": tuple(dilations), "pads": (pt, pb, pl, pr)}
        if groups == 1:
            wv = self.relayout(w, (2, 3, 1, 0), where)
            op = "conv2d"
        elif groups == c and f == c:
            wv = self.relayout(w, (2, 3, 0, 1), where, squeeze=3)
            op = "depthwise_conv2d"
        y = self.op(op, [x, wv], attrs, None, True, where)
        oh, ow = self.g.shapes[y.value][1:3]
        y.shape = (n, f, oh, ow)
        if bias is not None:
            if bias.shape != (f,):
                raise ImportError_("%s: bias of shape %s for %d filters" % (where, bias.shape, f))
            y = self.op("bias_add", [y, bias], {}, y.shape, True, where)
        return y

    def _block_diagonal(self, w, groups, where):
        """A grouped (not depthwise) convolution's constant weight [F, C/g,
        KH, KW] as the dense [F, C, KH, KW] weight that is zero outside each
        group's block: the same sums (the zeros add exact zero products,
        also in integers: real 0 is the weights' zero point), computed as
        one ordinary convolution, at g times the multiply-adds."""
        values, qp = w.fq_const if w.fq_const is not None else (w.const, None)
        if values is None:
            raise ImportError_("%s: a grouped convolution (groups=%d) needs a constant weight" % (where, groups))
        f, cg, kh, kw = values.shape
        fg = f // groups
        dense = np.zeros((f, cg * groups, kh, kw), np.float32)
        for g in range(groups):
            dense[g * fg:(g + 1) * fg, g * cg:(g + 1) * cg] = values[g * fg:(g + 1) * fg]
        t = self.const(dense)
        return t if qp is None else self.fake_quant(t, qp, where)

    def pad(self, x, pads, value, where):
        """Constant padding; `pads`: (low, high) per logical dimension. A
        rank-4 value padded in H and W only is padded in NHWC (the
        tensor.pad a convolution or pool after it takes as its padding)."""
        pads = [(int(lo), int(hi)) for lo, hi in pads]
        if len(pads) == 4 and pads[0] == pads[1] == (0, 0):
            y = self.op("pad", [self.nhwc(x, where)], {"pads": [pads[i] for i in TO_NHWC], "value": float(value)},
                        None, True, where)
        else:
            y = self.op("pad", [self.plain(x, where)], {"pads": pads, "value": float(value)}, None, False, where)
        y.shape = tuple(d + lo + hi for d, (lo, hi) in zip(x.shape, pads))
        return y

    def clamp(self, x, lo, hi, where):
        return self.op("clamp", [x], {"lo": float(lo), "hi": float(hi)}, x.shape, x.nhwc, where)

    def binary(self, op, a, b, where):
        """Element-wise add/mul with numpy broadcasting on logical shapes."""
        try:
            shape = tuple(np.broadcast_shapes(a.shape, b.shape))
        except ValueError:
            raise ImportError_("%s: shapes %s and %s do not broadcast" % (where, a.shape, b.shape))
        if (a.nhwc or b.nhwc) and len(shape) == 4:
            # Stay in NHWC when the other operand can be brought there
            # without a run-time transpose of a lower-rank tensor.
            operands = []
            for t in (a, b):
                if t.nhwc:
                    operands.append(t)
                elif len(t.shape) == 4:
                    operands.append(self.nhwc(t, where))
                elif t.const is not None:
                    full = t.const.reshape((1,) * (4 - t.const.ndim) + t.const.shape)
                    operands.append(self.const(np.transpose(full, TO_NHWC)))
                else:
                    break
            if len(operands) == 2:
                return self.op(op, operands, {}, shape, True, where)
        a, b = self.plain(a, where), self.plain(b, where)
        if b.const is not None and b.const.ndim > 1 and b.const.size == b.const.shape[-1] == shape[-1] \
                and tuple(a.shape) == tuple(shape):
            b = self.const(b.const.reshape(-1))  # a [1, ..., 1, C] constant over the last axis
        if op == "add" and b.const is not None and b.const.ndim == 1 and len(a.shape) >= 1 \
                and b.const.size == a.shape[-1] and shape == a.shape:
            return self.op("bias_add", [a, b], {}, shape, False, where)
        return self.op(op, [a, b], {}, shape, False, where)

    def pool(self, op, x, kernel, strides, pads, where, count_include_pad=False, rounding=None):
        """`rounding` (avg_pool): the ties of the fold's integer average
        (qc.avg_pool2d's mode; None: its default, half_away)."""
        if len(x.shape) != 4:
            raise ImportError_("%s: only 2-D pooling (rank-4 input) is supported" % where)
        x = self.nhwc(x, where)
        pt, pl, pb, pr = pads
        attrs = {"kernel": tuple(kernel), "strides": tuple(strides),
                 "pads": (pt, pb, pl, pr), "count_include_pad": bool(count_include_pad)}
        if rounding:
            attrs["rounding"] = rounding
        y = self.op(op, [x], attrs, None, True, where)
        n, oh, ow, c = self.g.shapes[y.value]
        y.shape = (n, c, oh, ow)
        return y

    def reshape(self, x, shape, where):
        shape = tuple(int(d) for d in shape)
        if int(np.prod(shape)) != int(np.prod(x.shape)):
            raise ImportError_("%s: cannot reshape %s to %s" % (where, x.shape, shape))
        if x.nhwc and len(shape) == 2 and shape[0] == x.shape[0] and x.shape[2] == x.shape[3] == 1:
            # [N, C, 1, 1] -> [N, C]: the NHWC order is the same, no transpose.
            return self.op("reshape", [x], {"shape": shape}, shape, False, where)
        x = self.plain(x, where)
        if x.const is not None:
            return self.const(x.const.reshape(shape))
        return self.op("reshape", [x], {"shape": shape}, shape, False, where)

    def transpose(self, x, perm, where):
        perm = tuple(int(p) for p in perm)
        shape = tuple(x.shape[p] for p in perm)
        if x.nhwc:
            gperm = [TO_NCHW[p] for p in perm]
            return self.op("transpose", [x], {"perm": gperm}, shape, False, where)
        if x.const is not None:
            return self.const(np.transpose(x.const, perm))
        if x.fq_const is not None:
            # A transposed fake-quantized weight: re-laid out at import time.
            c, qp = x.fq_const
            return self.fake_quant(self.const(np.transpose(c, perm)),
                                   qp if qp.axis is None else qp.with_axis(list(perm).index(qp.axis)), where)
        return self.op("transpose", [x], {"perm": list(perm)}, shape, False, where)

    def concat(self, xs, axis, where):
        rank = len(xs[0].shape)
        axis = axis + rank if axis < 0 else axis
        shape = list(xs[0].shape)
        shape[axis] = sum(x.shape[axis] for x in xs)
        if rank == 4 and all(x.nhwc for x in xs):
            return self.op("concat", xs, {"axis": TO_NHWC.index(axis)}, shape, True, where)
        xs = [self.plain(x, where) for x in xs]
        return self.op("concat", xs, {"axis": axis}, shape, False, where)

    def finish(self, outputs):
        for t in outputs:
            t = self.plain(t, "output")
            self.g.outputs.append(t.value)
        return self.g
