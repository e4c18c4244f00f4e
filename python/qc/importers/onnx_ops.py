"""Float operators of the ONNX importer (a mixin of OnnxImporter), and the
constant folding of nodes whose inputs are all constants (shape arithmetic,
Cast, ConstantOfShape, ...: torch writes bias zero points and reshape
targets that way)."""
import numpy as np

from ..graph import QParams, fake_quant_values
from .common import ImportError_, Tensor
from .onnx_quant import _IntConst, _NonFinite, where

UNARY = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Erf": "erf", "Sqrt": "sqrt", "Exp": "exp", "Neg": "neg",
         "Abs": "abs", "Reciprocal": "reciprocal", "HardSwish": "hardswish", "Gelu": "gelu_erf"}

# Ties of the integer average pool the fold makes of AveragePool,
# GlobalAveragePool and QLinearGlobalAveragePool: ONNX Runtime computes them
# (QLinearAveragePool / QLinearGlobalAveragePool, also what it fuses QDQ
# pools into) as one rounding of the real average to nearest, ties to even.
AVG_POOL_ROUNDING = "half_even"


def _axis(node, axis, rank, inclusive=False):
    """A non-negative axis in [0, rank) ([0, rank] when inclusive), else an error."""
    axis = int(axis)
    hi = rank + 1 if inclusive else rank
    if not -rank <= axis < hi:
        raise ImportError_("%s: axis %d is outside the valid range [%d, %d] for rank %d" % (
            where(node), axis, -rank, hi - 1, rank))
    return axis + rank if axis < 0 else axis


def _positive(node, name, values, rank=2):
    """`rank` integers >= 1 (kernel sizes, strides, dilations), else an error."""
    values = [int(v) for v in values]
    if len(values) != rank or any(v < 1 for v in values):
        raise ImportError_("%s: %s %s: expected %d integers >= 1" % (where(node), name, values, rank))
    return values


# -- constant folding -------------------------------------------------------
def _const_value(importer, name):
    v = importer.env.get(name)
    if isinstance(v, _IntConst):
        return v.array
    if isinstance(v, Tensor) and v.const is not None and v.fq_const is None:
        return v.const
    return None


def _fold(op, x, a, opset):
    """numpy value of a node on constant inputs, or None if not folded here."""
    if op == "Identity":
        return x[0]
    if op == "Cast":
        from onnx import mapping
        return x[0].astype(mapping.TENSOR_TYPE_TO_NP_TYPE[int(a["to"])])
    if op == "ConstantOfShape":
        value = a["value"] if "value" in a else np.zeros(1, np.float32)
        return np.full(tuple(int(d) for d in x[0]), value.reshape(-1)[0], dtype=value.dtype)
    if op in ("Add", "Sub", "Mul", "Div") and x[0].dtype.kind in "iu" and x[1].dtype.kind in "iu":
        fn = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
              "Div": lambda p, q: np.trunc(p / q).astype(p.dtype)}[op]
        return fn(x[0], x[1]).astype(x[0].dtype)
    if op == "Gather":
        return np.take(x[0], x[1], axis=int(a.get("axis", 0)))
    if op == "Unsqueeze":
        axes = a.get("axes") if opset < 13 else x[1].tolist()
        out = x[0]
        for ax in sorted(int(v) % (x[0].ndim + len(axes)) for v in axes):
            out = np.expand_dims(out, ax)
        return out
    if op == "Squeeze":
        axes = a.get("axes") if opset < 13 else (x[1].tolist() if len(x) > 1 else None)
        return np.squeeze(x[0], axis=None if axes is None else tuple(int(v) for v in axes))
    if op == "Concat" and all(v.dtype.kind in "iu" for v in x):
        return np.concatenate(x, axis=int(a["axis"]))
    if op == "Reshape" and x[0].dtype.kind in "iu":
        shape = [x[0].shape[i] if d == 0 else int(d) for i, d in enumerate(x[1])]
        return x[0].reshape(shape)
    if op == "Range":
        return np.arange(x[0], x[1], x[2]).astype(x[0].dtype)
    return None


def fold_constant(importer, node, a):
    """The folded value of `node` when all its inputs are constants."""
    if node.op_type in ("Constant", "QuantizeLinear", "DequantizeLinear") or not node.input:
        return None
    values = [_const_value(importer, i) for i in node.input if i]
    if any(v is None for v in values):
        return None
    y = _fold(node.op_type, values, a, importer.opset)
    if y is None:
        return None
    y = np.asarray(y)
    return importer._from_array(y, node.output[0]) if y.dtype.kind == "f" else _IntConst(y)



def _equal_count_runs(size, k, stride, lo, hi):
    """[(first, end, count)]: the maximal runs of pooling output positions
    along one axis whose windows hold the same number of input elements."""
    out = (size + lo + hi - k) // stride + 1
    counts = [min(i * stride - lo + k, size) - max(i * stride - lo, 0) for i in range(out)]
    runs, first = [], 0
    for i in range(1, out + 1):
        if i == out or counts[i] != counts[first]:
            runs.append((first, i, counts[first]))
            first = i
    return runs


def _window_span(first, end, k, stride, lo, size):
    """The input range [start, stop) that outputs first..end-1 read, and the
    padding (before, after) they need beyond it."""
    a, b = first * stride - lo, (end - 1) * stride - lo + k
    return max(a, 0), min(b, size), max(0, -a), max(0, b - size)

class FloatOps:
    # -- contractions ---------------------------------------------------------
    def _op_MatMul(self, node, a):
        return self.b.matmul(self._float(node.input[0], node), self._float(node.input[1], node), where(node))

    def _op_Gemm(self, node, a):
        w = where(node)
        A = self._float(node.input[0], node)
        B = self._float(node.input[1], node)
        if len(A.shape) != 2 or len(B.shape) != 2:
            raise ImportError_("%s: Gemm needs 2-D operands, got %s and %s" % (w, A.shape, B.shape))
        if a.get("transA", 0):
            A = self.b.transpose(A, (1, 0), w)
        if a.get("transB", 0):
            B = self.b.transpose(B, (1, 0), w)
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        if alpha != 1.0 and B.const is not None:
            B, alpha = self.b.const(B.const * np.float32(alpha)), 1.0
        elif alpha > 0 and alpha != 1.0 and B.fq_const is not None:
            # alpha scales the weight's quantization scale: same codes, and the
            # product stays one integer contraction.
            c, qp = B.fq_const
            scaled = QParams(qp.scale * alpha, qp.zero_point, qp.qmin, qp.qmax, qp.bits, qp.signed, qp.axis)
            values = fake_quant_values((c.astype(np.float64) * alpha).astype(np.float32), scaled, constant=True)
            B, alpha = self.b.fake_quant(self.b.const(values), scaled, w), 1.0
        y = self.b.matmul(A, B, w)
        if alpha != 1.0:
            y = self.b.binary("mul", y, self.b.const(np.float32(alpha)), w)
        if len(node.input) > 2 and node.input[2]:
            C = self._float(node.input[2], node)
            if beta != 1.0:
                C = self.b.const(C.const * np.float32(beta)) if C.const is not None else \
                    self.b.binary("mul", C, self.b.const(np.float32(beta)), w)
            y = self.b.binary("add", y, C, w)
        return y

    def _conv(self, node, a, x, w, bias):
        if len(w.shape) != 4:
            raise ImportError_("%s: only 2-D convolutions are supported (weight shape %s)" % (where(node), w.shape))
        if len(x.shape) != 4:
            raise ImportError_("%s: only 2-D convolutions (rank-4 input) are supported, got %s" % (
                where(node), x.shape))
        kh, kw = w.shape[2:]
        strides = _positive(node, "strides", a.get("strides", [1, 1]))
        dil = _positive(node, "dilations", a.get("dilations", [1, 1]))
        pads = self._pads(node, a, x.shape[2:], (kh, kw), strides, dil)
        return self.b.conv2d(x, w, bias, strides, dil, pads, int(a.get("group", 1)), where(node))

    def _op_Conv(self, node, a):
        x = self._float(node.input[0], node)
        w = self._float(node.input[1], node)
        bias = self._float(node.input[2], node) if len(node.input) > 2 and node.input[2] else None
        return self._conv(node, a, x, w, bias)

    def _pads(self, node, a, spatial, kernel, strides, dil):
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto == "NOTSET":
            p = a.get("pads", [0, 0, 0, 0])
            if len(p) != 4 or any(int(v) < 0 for v in p):
                raise ImportError_("%s: pads %s: expected 4 non-negative values" % (where(node), list(p)))
            return [int(p[0]), int(p[1]), int(p[2]), int(p[3])]
        if auto == "VALID":
            return [0, 0, 0, 0]
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            out = []
            for size, k, s, d in zip(spatial, kernel, strides, dil):
                o = -(-size // s)
                total = max(0, (o - 1) * s + (k - 1) * d + 1 - size)
                small = total // 2
                out.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
            return [out[0][0], out[1][0], out[0][1], out[1][1]]
        raise ImportError_("%s: auto_pad %s is not supported" % (where(node), auto))

    # -- elementwise ------------------------------------------------------------
    def _op_Relu(self, node, a):
        return self.b.clamp(self._float(node.input[0], node), 0.0, np.inf, where(node))

    def _binary(self, node, op):
        x, y = self._float(node.input[0], node), self._float(node.input[1], node)
        if op in ("add", "mul") and x.const is not None and y.const is None:
            x, y = y, x      # the constant second: the bias add form
        return self.b.binary(op, x, y, where(node))

    def _op_Add(self, node, a):
        return self._binary(node, "add")

    def _op_Mul(self, node, a):
        return self._binary(node, "mul")

    def _op_Sub(self, node, a):
        return self._binary(node, "sub")

    def _op_Div(self, node, a):
        return self._binary(node, "div")

    def _op_Pow(self, node, a):
        x = self._float(node.input[0], node)
        e = np.asarray(self._const(node.input[1], node, "exponent"))
        if e.size != 1 or float(e.reshape(-1)[0]) not in (1.0, 2.0, 0.5):
            raise ImportError_("%s: only the exponents 1, 2 and 0.5 are supported, got %s" % (
                where(node), e.reshape(-1).tolist()))
        e = float(e.reshape(-1)[0])
        if e == 1.0:
            return x
        if e == 0.5:
            return self._unary(x, "sqrt", node)
        return self.b.binary("mul", x, x, where(node))

    def _unary(self, x, fn, node, **attrs):
        return self.b.op("unary", [x], dict(attrs, fn=fn), x.shape, x.nhwc, where(node))

    def _op_HardSigmoid(self, node, a):
        return self._unary(self._float(node.input[0], node), "hardsigmoid", node,
                           alpha=float(a.get("alpha", 0.2)), beta=float(a.get("beta", 0.5)))

    def _op_BatchNormalization(self, node, a):
        """A BatchNormalization the rewrite could not fold into a convolution:
        its per-channel multiply-add."""
        x = self._float(node.input[0], node)
        gamma, beta, mean, var = (np.asarray(self._const(i, node, "parameter"), np.float64)
                                  for i in node.input[1:5])
        if a.get("training_mode", 0):
            raise ImportError_("%s: training_mode=1 is not supported (export in eval mode)" % where(node))
        m = gamma / np.sqrt(var + float(a.get("epsilon", 1e-5)))
        shape = (-1,) + (1,) * (len(x.shape) - 2)
        y = self.b.binary("mul", x, self.b.const(m.astype(np.float32).reshape(shape)), where(node))
        return self.b.binary("add", y, self.b.const((beta - mean * m).astype(np.float32).reshape(shape)),
                             where(node))

    def _op_Softmax(self, node, a):
        x = self._float(node.input[0], node)
        axis = _axis(node, a.get("axis", -1 if self.opset >= 13 else 1), len(x.shape))
        if self.opset < 13 and axis != len(x.shape) - 1:
            raise ImportError_("%s: Softmax before opset 13 flattens from axis %d; only the last axis is "
                               "supported" % (where(node), axis))
        return self.b.op("softmax", [self.b.plain(x, where(node))], {"axis": axis}, x.shape, False, where(node))

    def _op_LayerNormalization(self, node, a):
        x = self._float(node.input[0], node)
        axis = _axis(node, a.get("axis", -1), len(x.shape))
        if axis != len(x.shape) - 1:
            raise ImportError_("%s: LayerNormalization over axes %d.. is not supported (the last axis only)" % (
                where(node), axis))
        if len(node.output) > 1 and any(node.output[1:]):
            raise ImportError_("%s: the Mean / InvStdDev outputs are not supported" % where(node))
        d = x.shape[-1]
        gamma = np.asarray(self._const(node.input[1], node, "scale"), np.float32).reshape(-1)
        beta = np.asarray(self._const(node.input[2], node, "bias"), np.float32).reshape(-1) \
            if len(node.input) > 2 and node.input[2] else np.zeros(d, np.float32)
        if gamma.size != d or beta.size != d:
            raise ImportError_("%s: scale/bias of %d/%d elements for a last axis of %d" % (
                where(node), gamma.size, beta.size, d))
        x = self.b.plain(x, where(node))
        return self.b.op("layer_norm", [x, self.b.const(gamma), self.b.const(beta)],
                         {"axis": axis, "eps": float(a.get("epsilon", 1e-5))}, x.shape, False, where(node))

    # -- pooling and reductions -------------------------------------------------
    def _pool(self, node, a, op, x=None, out_qp=None):
        """x: the (dequantized) input when the caller read it (QLinearAveragePool);
        out_qp: its output parameters (else those of a QuantizeLinear after it)."""
        w = where(node)
        if a.get("ceil_mode", 0):
            raise ImportError_("%s: ceil_mode=1 is not supported" % w)
        if any(d != 1 for d in a.get("dilations", [1, 1])):
            raise ImportError_("%s: dilated pooling is not supported" % w)
        x = self._float(node.input[0], node) if x is None else x
        k = a.get("kernel_shape")
        if k is None or len(k) != 2:
            raise ImportError_("%s: only 2-D pooling is supported (kernel_shape %s)" % (w, k))
        k = _positive(node, "kernel_shape", k)
        strides = _positive(node, "strides", a.get("strides", [1, 1]))
        pads = self._pads(node, a, x.shape[2:], k, strides, [1, 1])
        if len(x.shape) == 4:
            # ONNX Runtime's rule: a pad as large as the kernel makes windows
            # of padding alone (and output sizes unbounded by the input).
            for i, (size, kk) in enumerate(zip(x.shape[2:], k)):
                lo, hi = pads[i], pads[i + 2]
                if lo >= kk or hi >= kk:
                    raise ImportError_("%s: pads %s: each pad must be smaller than the kernel %s" % (w, pads, k))
                if kk > size + lo + hi:
                    raise ImportError_("%s: kernel_shape %s is larger than the padded input %s" % (
                        w, k, [d + pads[j] + pads[j + 2] for j, d in enumerate(x.shape[2:])]))
        if len(node.output) > 1 and node.output[1]:
            raise ImportError_("%s: the Indices output is not supported" % w)
        if op == "avg_pool":
            if a.get("count_include_pad", 0) or not any(pads):
                y = self._requantizing_average(x, k, strides, pads, node, out_qp)
            else:
                y = self._requantizing_average_by_blocks(x, k, strides, pads, node, out_qp)
            if y is not None:
                return y
        return self.b.pool(op, x, k, strides, pads, w, a.get("count_include_pad", 0),
                           AVG_POOL_ROUNDING if op == "avg_pool" else None)

    def _op_MaxPool(self, node, a):
        return self._pool(node, a, "max_pool")

    def _op_AveragePool(self, node, a):
        return self._pool(node, a, "avg_pool")

    def _quantized_after(self, node):
        """The per-tensor parameters of the one QuantizeLinear that reads
        `node`'s output (the QDQ form's output quantization), else None."""
        users = self.consumers.get(node.output[0], [])
        if len(users) != 1 or users[0].op_type != "QuantizeLinear" or node.output[0] in self.graph_outputs:
            return None
        q = users[0]
        try:
            qp = self._qparams(q, q.input[1], q.input[2] if len(q.input) > 2 else "", 1, 4)
        except ImportError_:
            return None     # the QuantizeLinear reports its own problem
        return qp if qp.axis is None else None

    def _requantizing_average(self, x, kernel, strides, pads, node, out_qp):
        """An average pool whose output parameters differ from its input's, as
        a depthwise convolution with the weight 1/n (code 1 at scale 1/n):
        the fold makes it one qc.conv2d, whose requantization by
        s_x / (n s_y) rounds once, as ONNX Runtime's QLinearAveragePool and
        QLinearGlobalAveragePool do (qc.avg_pool2d + qc.requantize would round
        twice). Padding holds the zero point and counts (count_include_pad,
        or no padding). None when x is on no per-tensor grid or the
        parameters are equal (then qc.avg_pool2d rounds once itself)."""
        qp_in = self._grid(x)
        out_qp = out_qp or self._quantized_after(node)
        if qp_in is None or out_qp is None or out_qp.same(qp_in) and out_qp.signed == qp_in.signed:
            return None
        c, n = x.shape[1], int(kernel[0]) * int(kernel[1])
        wq = QParams(1.0 / n, 0, -127, 127, 8, True)
        values = fake_quant_values(np.full((c, 1) + tuple(kernel), np.float32(1.0 / n), np.float32), wq, constant=True)
        weight = self.b.fake_quant(self.b.const(values), wq, where(node))
        return self.b.conv2d(x, weight, None, strides, (1, 1), pads, c, where(node))

    def _requantizing_average_by_blocks(self, x, kernel, strides, pads, node, out_qp):
        """A requantizing average pool whose padding does not count: the
        divisor n is the number of input elements in each window, so the
        requantization s_x / (n s_y) varies with the position. The outputs
        split into blocks of equal n (runs of rows times runs of columns:
        the border rows and columns, the interior); each block is the
        one-rounding depthwise convolution of _requantizing_average on the
        slice of x its windows read (with the padding it needs, which holds
        the zero point and so adds nothing to the sum), quantized to the
        output parameters; the blocks are concatenated. None as for
        _requantizing_average."""
        qp_in = self._grid(x)
        out_qp = out_qp or self._quantized_after(node)
        if qp_in is None or out_qp is None or out_qp.same(qp_in) and out_qp.signed == qp_in.signed:
            return None
        w = where(node)
        c = x.shape[1]
        pt, pl, pb, pr = pads
        rows = _equal_count_runs(x.shape[2], kernel[0], strides[0], pt, pb)
        cols = _equal_count_runs(x.shape[3], kernel[1], strides[1], pl, pr)
        band = []
        for r0, r1, nr in rows:
            blocks = []
            for c0, c1, nc in cols:
                (i0, i1, top, bottom), (j0, j1, left, right) = (
                    _window_span(r0, r1, kernel[0], strides[0], pt, x.shape[2]),
                    _window_span(c0, c1, kernel[1], strides[1], pl, x.shape[3]))
                part = x
                if (i0, i1, j0, j1) != (0, x.shape[2], 0, x.shape[3]):
                    spec = {"offsets": [0, 0, i0, j0], "sizes": [x.shape[0], c, i1 - i0, j1 - j0],
                            "strides": [1, 1, 1, 1]}
                    part = self._move(x, "slice", spec, tuple(spec["sizes"]), node, qp_in)
                n = nr * nc
                wq = QParams(1.0 / n, 0, -127, 127, 8, True)
                values = fake_quant_values(np.full((c, 1) + tuple(kernel), np.float32(1.0 / n), np.float32), wq,
                                           constant=True)
                weight = self.b.fake_quant(self.b.const(values), wq, w)
                y = self.b.conv2d(part, weight, None, strides, (1, 1), (top, left, bottom, right), c, w)
                blocks.append(self.b.fake_quant(y, out_qp, w))
            band.append(blocks[0] if len(blocks) == 1 else self.b.concat(blocks, 3, w))
        return band[0] if len(band) == 1 else self.b.concat(band, 2, w)

    def _global_average(self, x, node, out_qp=None):
        if len(x.shape) != 4:
            raise ImportError_("%s: only rank-4 inputs are supported, got %s" % (where(node), x.shape))
        y = self._requantizing_average(x, x.shape[2:], (1, 1), (0, 0, 0, 0), node, out_qp)
        if y is not None:
            return y
        return self.b.pool("avg_pool", x, x.shape[2:], (1, 1), (0, 0, 0, 0), where(node),
                           rounding=AVG_POOL_ROUNDING)

    def _op_GlobalAveragePool(self, node, a):
        return self._global_average(self._float(node.input[0], node), node)

    def _op_ReduceMean(self, node, a):
        x = self._float(node.input[0], node)
        rank = len(x.shape)
        axes = sorted(_axis(node, v, rank) for v in a.get("axes", range(rank)))
        keep = bool(a.get("keepdims", 1))
        if rank == 4 and axes == [2, 3] and keep:
            return self._global_average(x, node)      # the global average pool, NHWC
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes or keep) if not keep else \
            tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        # ORT runs ReduceMean in float and quantizes once: ties to even,
        # relative to the zero point when the parameters are kept.
        return self.b.op("reduce_mean", [self.b.plain(x, where(node))],
                         {"axes": axes, "keepdims": keep, "rounding": "half_even"}, shape, False, where(node))

    # -- shapes ---------------------------------------------------------------
    def _op_Flatten(self, node, a):
        x = self._float(node.input[0], node)
        axis = _axis(node, a.get("axis", 1), len(x.shape), inclusive=True)
        shape = (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))
        return self.b.reshape(x, shape, where(node))

    def _op_Reshape(self, node, a):
        x = self._float(node.input[0], node)
        target = [int(d) for d in np.asarray(self._const(node.input[1], node, "shape")).reshape(-1)]
        if a.get("allowzero", 0):
            raise ImportError_("%s: allowzero=1 is not supported" % where(node))
        if any(d < -1 for d in target):
            raise ImportError_("%s: shape %s has a negative size other than -1" % (where(node), target))
        if any(d == 0 and i >= len(x.shape) for i, d in enumerate(target)):
            raise ImportError_("%s: shape %s copies (0) a dimension the input %s lacks" % (
                where(node), target, x.shape))
        shape = [x.shape[i] if d == 0 else d for i, d in enumerate(target)]
        if shape.count(-1) > 1:
            raise ImportError_("%s: more than one -1 in shape %s" % (where(node), target))
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1]))
            shape[shape.index(-1)] = int(np.prod(x.shape)) // max(known, 1)
        return self.b.reshape(x, shape, where(node))

    def _axes_input(self, node, a, rank):
        if self.opset < 13:
            axes = a.get("axes")
        else:
            axes = self._const(node.input[1], node, "axes").tolist() if len(node.input) > 1 and node.input[1] \
                else None
        return None if axes is None else [_axis(node, v, rank) for v in axes]

    def _op_Squeeze(self, node, a):
        x = self._float(node.input[0], node)
        axes = self._axes_input(node, a, len(x.shape))
        if axes is None:
            axes = [i for i, d in enumerate(x.shape) if d == 1]
        if any(x.shape[i] != 1 for i in axes):
            raise ImportError_("%s: cannot squeeze axes %s of shape %s" % (where(node), axes, x.shape))
        return self.b.reshape(x, [d for i, d in enumerate(x.shape) if i not in axes], where(node))

    def _op_Unsqueeze(self, node, a):
        x = self._float(node.input[0], node)
        rank = len(x.shape) + len(self._const(node.input[1], node, "axes").reshape(-1) if self.opset >= 13
                                  else a.get("axes", []))
        axes = self._axes_input(node, a, rank)
        shape, it = [], iter(x.shape)
        for i in range(rank):
            shape.append(1 if i in axes else next(it))
        return self.b.reshape(x, shape, where(node))

    def _op_Transpose(self, node, a):
        x = self._float(node.input[0], node)
        perm = [int(p) for p in a.get("perm", list(reversed(range(len(x.shape)))))]
        if sorted(perm) != list(range(len(x.shape))):
            raise ImportError_("%s: perm %s is not a permutation of the %d axes of input shape %s" % (
                where(node), perm, len(x.shape), x.shape))
        return self.b.transpose(x, perm, where(node))

    def _concat(self, node, a, xs):
        if "axis" not in a:
            raise ImportError_("%s: the required attribute 'axis' is missing" % where(node))
        axis = _axis(node, a["axis"], len(xs[0].shape))
        for x in xs[1:]:
            if len(x.shape) != len(xs[0].shape) or any(
                    d != e for i, (d, e) in enumerate(zip(x.shape, xs[0].shape)) if i != axis):
                raise ImportError_("%s: input shapes %s do not concatenate on axis %d" % (
                    where(node), [t.shape for t in xs], axis))
        return self.b.concat(xs, axis, where(node))

    def _op_Concat(self, node, a):
        return self._concat(node, a, [self._float(i, node) for i in node.input])

    def _op_Shape(self, node, a):
        v = self._get(node.input[0], node)
        shape = getattr(v, "shape", None) or getattr(getattr(v, "src", None), "shape", None)
        if shape is None:
            shape = np.shape(v.array)
        return _IntConst(np.array(shape, np.int64))

    # -- plain values -----------------------------------------------------------
    def _op_Identity(self, node, a):
        return self._get(node.input[0], node)

    def _op_Dropout(self, node, a):
        if len(node.output) > 1 and node.output[1]:
            raise ImportError_("%s: the mask output is not supported (export in eval mode)" % where(node))
        return self._get(node.input[0], node)

    def _op_Constant(self, node, a):
        if "value" not in a:
            raise ImportError_("%s: only the 'value' form of Constant is supported" % where(node))
        return self._from_array(a["value"], node.output[0])

    def _op_ConstantOfShape(self, node, a):
        raise ImportError_("%s: the shape must be a constant" % where(node))


for _onnx_name, _fn in UNARY.items():
    def _handler(self, node, a, fn=_fn):
        return self._unary(self._float(node.input[0], node), fn, node)
    setattr(FloatOps, "_op_" + _onnx_name, _handler)
