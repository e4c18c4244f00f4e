"""Data-movement operators of the ONNX importer (a mixin of OnnxImporter):
Slice (constant starts / ends / axes / steps), Resize and Upsample in
nearest mode with integer scales (the upsampling torch's nn.Upsample and
YOLO-style necks export), and the integer form of Pad.

A moved tensor that lies on a per-tensor quantization grid (the output of
a fake_quant or a dequantized integer input) moves as its codes:
`dequantize(move(quantize(x)))` with the graph ops of graph_move.py, which
--qc-fold-fake-quant turns into integer code (the quantize folds into its
producer, the dequantize into its consumer). Other tensors move in f32.
"""
import numpy as np

from ..graph import QParams
from .common import TO_NHWC, ImportError_
from .onnx_quant import where

# Consumers that take a zero pad in f32 as their own padding in the fold
# (directly, or through a QuantizeLinear -> DequantizeLinear pair).
WINDOW_OPS = {"Conv", "AveragePool", "QLinearConv", "QLinearAveragePool"}


def moved_qparams(qp, op, attrs, in_shape):
    """The parameters of `qp`-quantized codes after move `op` (logical
    axes): a per-axis tensor sliced, reversed or upsampled along its
    quantized axis keeps the scales of the channels it moves. None when the
    move creates channels no scale describes (a pad of the quantized axis)."""
    if qp is None or qp.axis is None:
        return qp
    ax = qp.axis
    if op == "slice":
        o, n, st = attrs["offsets"][ax], attrs["sizes"][ax], attrs["strides"][ax]
        idx = np.arange(o, o + (n - 1) * st + 1, st)
        if ax in attrs.get("reverse", []):
            idx = idx[::-1]
    elif op == "upsample":
        idx = np.repeat(np.arange(in_shape[ax]), attrs["scales"][ax])
    elif op == "pad_codes":
        if tuple(attrs["pads"][ax]) != (0, 0):
            return None
        return qp
    else:
        raise ValueError(op)
    return QParams(qp.scale[idx], qp.zero_point[idx], qp.qmin, qp.qmax, qp.bits, qp.signed, ax)


class MoveOps:
    def _grid(self, x):
        """The per-tensor QParams whose grid holds every value of float
        tensor `x` (its producer is a fake_quant or a dequantize), else None."""
        qp = self._grid_any(x)
        return qp if qp is not None and qp.axis is None else None

    def _grid_any(self, x):
        """Like _grid, per-axis parameters too (their axis a logical one)."""
        node = self.b.g.producer(x.value)
        if node is None or node.op not in ("fake_quant", "dequantize"):
            return None
        qp = node.attrs["qparams"]
        if qp.axis is not None and x.nhwc:
            qp = qp.with_axis(TO_NHWC[qp.axis])
        return qp

    def _move(self, x, op, attrs, shape, node, qp=None):
        """`op` of graph_move.py applied to float tensor `x` (logical
        layout), on its codes when it lies on a grid (or `qp` is given)."""
        w = where(node)
        qp = qp or self._grid_any(x)
        out_qp = moved_qparams(qp, op, attrs, x.shape)
        if qp is not None and out_qp is None:
            raise ImportError_("%s: %s of the quantized axis %d of a per-axis quantized tensor: the new channels "
                               "have no scale" % (w, op, qp.axis))
        x = self.b.plain(x, w)
        if qp is None:
            return self.b.op(op, [x], dict(attrs, qparams=None), shape, False, w)
        q = self.b.op("quantize", [x], {"qparams": qp}, x.shape, False, w)
        moved = self.b.op(op, [q], dict(attrs, qparams=qp, out_qparams=out_qp), shape, False, w)
        self.b.g.qtypes[moved.value] = out_qp
        return self.b.op("dequantize", [moved], {"qparams": out_qp}, shape, False, w)

    def _ints(self, node, index, what, default=None):
        if len(node.input) <= index or not node.input[index]:
            return default
        v = self._const(node.input[index], node, what)
        v = np.asarray(v)
        if v.dtype.kind not in "iu":
            raise ImportError_("%s: %s must be integers, got %s" % (where(node), what, v.dtype))
        return [int(i) for i in v.reshape(-1)]

    def _slice_spec(self, node, a, shape):
        """offsets, sizes, strides, reverse of an ONNX Slice of `shape`
        (clamped as ONNX says; a negative step reads back to front: the
        positive-step slice of the same elements, then reversed)."""
        rank = len(shape)
        if self.opset < 10:
            starts, ends = list(a.get("starts", [])), list(a.get("ends", []))
            axes, steps = a.get("axes"), None
        else:
            starts = self._ints(node, 1, "starts")
            ends = self._ints(node, 2, "ends")
            axes = self._ints(node, 3, "axes")
            steps = self._ints(node, 4, "steps")
        axes = list(range(len(starts))) if axes is None else list(axes)
        steps = [1] * len(starts) if steps is None else steps
        if not (len(starts) == len(ends) == len(axes) == len(steps)):
            raise ImportError_("%s: starts, ends, axes and steps differ in length" % where(node))
        offsets, sizes, strides, reverse = [0] * rank, list(shape), [1] * rank, []
        seen = set()
        for s, e, ax, st in zip(starts, ends, axes, steps):
            if not -rank <= ax < rank or ax % rank in seen:
                raise ImportError_("%s: axis %d is out of range or repeated for rank %d" % (where(node), ax, rank))
            ax %= rank
            seen.add(ax)
            if st == 0:
                raise ImportError_("%s: step 0 on axis %d (ONNX requires a non-zero step)" % (where(node), ax))
            d = shape[ax]
            s, e = s + d if s < 0 else s, e + d if e < 0 else e
            if st > 0:
                s, e = min(max(s, 0), d), min(max(e, 0), d)
                n = max(0, -(-(e - s) // st))
            else:
                s, e = min(max(s, 0), d - 1), min(max(e, -1), d - 1)
                n = max(0, -(-(s - e) // -st))
            if n == 0:
                raise ImportError_("%s: the slice of axis %d is empty; qc does not support zero-size tensors" % (
                    where(node), ax))
            if st < 0:
                s, st = s + (n - 1) * st, -st
                reverse.append(ax)
            offsets[ax], sizes[ax], strides[ax] = s, n, st
        return {"offsets": offsets, "sizes": sizes, "strides": strides, "reverse": sorted(reverse)}

    def _op_Slice(self, node, a):
        x = self._float(node.input[0], node)
        spec = self._slice_spec(node, a, x.shape)
        return self._move(x, "slice", spec, tuple(spec["sizes"]), node)

    def _nearest_scales(self, node, x, scales, sizes):
        """Integer scales per axis from Resize's scales or sizes input."""
        w = where(node)
        if sizes is not None:
            if len(sizes) != len(x.shape) or any(s % d for s, d in zip(sizes, x.shape)):
                raise ImportError_("%s: sizes %s are not integer multiples of the input shape %s" % (
                    w, list(sizes), list(x.shape)))
            return [int(s) // d for s, d in zip(sizes, x.shape)]
        if scales is None or len(scales) != len(x.shape):
            raise ImportError_("%s: expected one scale per axis of the input shape %s" % (w, list(x.shape)))
        out = [int(round(float(s))) for s in scales]
        if any(abs(float(s) - o) > 0 or o < 1 for s, o in zip(scales, out)):
            raise ImportError_("%s: scales %s: only integer scales >= 1 are supported (nearest upsampling)" % (
                w, [float(s) for s in scales]))
        return out

    def _op_Resize(self, node, a):
        w = where(node)
        mode = a.get("mode", b"nearest")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if mode != "nearest":
            raise ImportError_("%s: mode '%s' is not supported: qc imports Resize in mode 'nearest' with integer "
                               "scales (upsampling); resize with another mode in a preprocessing step or use "
                               "nearest" % (w, mode))
        ctm = a.get("coordinate_transformation_mode", b"half_pixel")
        ctm = ctm.decode() if isinstance(ctm, bytes) else ctm
        nearest = a.get("nearest_mode", b"round_prefer_floor")
        nearest = nearest.decode() if isinstance(nearest, bytes) else nearest
        # Modes under which output index i reads input index i // s for an
        # integer scale s (half_pixel: (i + 0.5) / s - 0.5 rounds to i // s).
        if not ((ctm == "asymmetric" and nearest == "floor") or
                (ctm in ("half_pixel", "pytorch_half_pixel") and nearest in ("round_prefer_floor",
                                                                              "round_prefer_ceil"))):
            raise ImportError_("%s: coordinate_transformation_mode '%s' with nearest_mode '%s' is not supported "
                               "(asymmetric + floor, or half_pixel + round_prefer_floor/ceil)" % (w, ctm, nearest))
        x = self._float(node.input[0], node)
        if self.opset < 11:
            scales = np.asarray(self._const(node.input[1], node, "scales")).reshape(-1)
            sizes = None
        else:
            scales = np.asarray(self._const(node.input[2], node, "scales")).reshape(-1) \
                if len(node.input) > 2 and node.input[2] else None
            sizes = self._ints(node, 3, "sizes")
            if scales is not None and scales.size == 0:
                scales = None
        s = self._nearest_scales(node, x, scales, sizes)
        return self._move(x, "upsample", {"scales": s}, tuple(d * k for d, k in zip(x.shape, s)), node)

    def _feeds_window_ops(self, name, depth=0):
        """Every consumer of `name` (through QuantizeLinear / DequantizeLinear)
        is a convolution or average pool: a zero pad becomes their padding."""
        users = self.consumers.get(name, [])
        if not users or depth > 4 or name in self.graph_outputs:
            return False
        for n in users:
            if n.op_type in ("QuantizeLinear", "DequantizeLinear"):
                if not self._feeds_window_ops(n.output[0], depth + 1):
                    return False
            elif n.op_type not in WINDOW_OPS:
                return False
        return True

    def _pad_codes(self, x, pads, code, qp, node):
        """Pad of float tensor `x` on grid `qp` with the code `code` (or, per
        axis, a list: each channel's code)."""
        shape = tuple(d + lo + hi for d, (lo, hi) in zip(x.shape, pads))
        code = [int(c) for c in code] if isinstance(code, (list, tuple)) else int(code)
        return self._move(x, "pad_codes", {"pads": pads, "code": code}, shape, node, qp)

    def _code_of(self, qp, value):
        """The code whose real value is exactly `value` on grid qp, else
        None; per axis, one code when every channel has the same, else the
        list of the channels' codes (a pad of the other axes then writes
        each channel's own code)."""
        codes = []
        for s, z in zip(qp.scale, qp.zero_point):
            s, z = np.float32(s), int(z)
            code = int(np.rint(np.float32(value) / s)) + z
            if not (qp.qmin <= code <= qp.qmax and float(np.float32((code - z) * s)) == float(np.float32(value))):
                return None
            codes.append(code)
        return codes[0] if len(set(codes)) == 1 else codes
