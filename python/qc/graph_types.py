"""The values of `qc.graph.Graph`: its error, its node and the parameters of
one fake quantization (all importable from `qc.graph`)."""
import numpy as np

from . import mlir


class GraphError(Exception):
    pass


class Node:
    def __init__(self, op, inputs, output, attrs, name=""):
        self.op = op
        self.inputs = list(inputs)
        self.output = output
        self.attrs = dict(attrs)
        self.name = name  # the source node (ONNX node / FX node) for messages

    def __repr__(self):
        return "Node(%s %s <- %s %r)" % (self.op, self.output, self.inputs, self.attrs)


class QParams:
    """Parameters of one fake quantization (per tensor or per axis)."""

    def __init__(self, scale, zero_point, qmin, qmax, bits=8, signed=True, axis=None):
        self.scale = np.atleast_1d(np.asarray(scale, dtype=np.float64)).reshape(-1)
        self.zero_point = np.atleast_1d(np.asarray(zero_point, dtype=np.int64)).reshape(-1)
        if self.zero_point.size == 1 and self.scale.size > 1:
            self.zero_point = np.repeat(self.zero_point, self.scale.size)
        self.qmin, self.qmax = int(qmin), int(qmax)
        self.bits, self.signed = int(bits), bool(signed)
        self.axis = None if axis is None else int(axis)
        if self.axis is None and self.scale.size != 1:
            raise GraphError("per-tensor parameters need one scale, got %d" % self.scale.size)
        if self.scale.size != self.zero_point.size:
            raise GraphError("%d scales but %d zero points" % (self.scale.size, self.zero_point.size))
        if not np.all(np.isfinite(self.scale)) or np.any(self.scale <= 0):
            raise GraphError("scales must be finite and > 0, got %s" % self.scale)
        if np.any(self.zero_point < self.qmin) or np.any(self.zero_point > self.qmax):
            raise GraphError("zero point %s outside [%d, %d]" % (self.zero_point, self.qmin, self.qmax))

    def with_axis(self, axis):
        return QParams(self.scale, self.zero_point, self.qmin, self.qmax, self.bits,
                       self.signed, axis)

    def same(self, other):
        return (self.axis == other.axis and self.qmin == other.qmin and
                self.qmax == other.qmax and np.array_equal(self.scale, other.scale) and
                np.array_equal(self.zero_point, other.zero_point))

    def mlir_type(self):
        return mlir.quant_type(self.scale, self.zero_point, self.bits, self.signed,
                               self.qmin, self.qmax, self.axis)

    def __repr__(self):
        return "QParams(%s)" % self.mlir_type()
