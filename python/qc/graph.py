"""A small float graph with fake quantization: what the importers build.

The graph is the common form of the ONNX and PyTorch importers and of
calibration. Every op has one MLIR form (`to_mlir`) and one numpy meaning
(`evaluate`); both follow the same semantics, so evaluating the graph is
evaluating the emitted IR:

  fake_quant        qc.fake_quant to !quant.uniform (half_even, saturating);
                    q = sat(rint(x / s) + z), y = (q - z) * s, the quotient in
                    f32 for run-time values and in f64 for constants (the
                    compile-time quantization of --qc-fold-fake-quant)
  matmul            linalg.matmul [M,K] x [K,N] on a zero linalg.fill
  conv2d            tensor.pad (zero) + linalg.conv_2d_nhwc_hwcf (NHWC, HWCF)
  depthwise_conv2d  tensor.pad (zero) + linalg.depthwise_conv_2d_nhwc_hwc
  bias_add          linalg.generic x[..., c] + b[c]
  add, mul          linalg.generic with numpy broadcasting maps
  clamp             linalg.generic of arith.maximumf / arith.minimumf (ReLU)
  max_pool          tensor.pad (-inf) + linalg.pooling_nhwc_max on a -inf fill
  avg_pool          tensor.pad (0) + linalg.pooling_nhwc_sum, then divf by
                    the count of (valid or all) window elements (attribute
                    `rounding`: the divisor's `qc.rounding`, the ties of the
                    fold's integer average)
  transpose         linalg.transpose
  reshape           tensor.collapse_shape / expand_shape, else tensor.reshape
  concat            tensor.concat

The nonlinear ops (unary, softmax, layer_norm, batch_matmul, reduce_mean,
div, sub) live in graph_ops.py; quantize / dequantize at quantized graph
inputs and outputs in graph_quant.py. This module is the graph itself
(building, evaluation, pruning, the dynamic batch); the core ops' shape
inference and numpy meaning are in graph_core.py, their MLIR text in
graph_emit.py, the error, node and parameter classes in graph_types.py
(their public names are importable from here).
"""
import numpy as np

from . import graph_core
from . import graph_emit
from . import graph_ops
from . import graph_quant
from . import mlir
from .graph_core import (_conv_out, conv2d_nhwc, exact_codes, fake_quant_values,  # noqa: F401
                         pool_counts, pool_nhwc)
from .graph_types import GraphError, Node, QParams  # noqa: F401


class Graph:
    """Inputs, constants and a topologically ordered list of nodes."""

    def __init__(self, name="model"):
        self.name = name
        # to_mlir makes the leading (batch) dimension of the inputs and of
        # every value computed per sample from them `?`; shapes stay those of
        # the batch the graph was built with.
        self.dynamic_batch = False
        self.inputs = []        # value names
        self.outputs = []       # value names
        self.shapes = {}        # value -> tuple
        self.consts = {}        # value -> np.float32 array
        self.qtypes = {}        # quantized value (input, quantize result) -> QParams
        self.nodes = []
        self._counter = 0

    # -- building ----------------------------------------------------------
    def fresh(self, hint="t"):
        self._counter += 1
        return "%s_%d" % (hint, self._counter)

    def add_input(self, name, shape):
        self.inputs.append(name)
        self.shapes[name] = tuple(int(d) for d in shape)
        return name

    def add_const(self, array, hint="cst"):
        name = self.fresh(hint)
        self.consts[name] = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
        self.shapes[name] = self.consts[name].shape
        return name

    def producer(self, value):
        """The node that computes `value`, else None. An index of the node
        list (nodes are only ever appended, or the list replaced), extended
        by the nodes appended since the last call: the importers ask for
        every move op, linearly in the graph's size overall."""
        index = self.__dict__.get("_producers")
        if index is None or index[0] is not self.nodes or index[1] > len(self.nodes):
            index = self._producers = [self.nodes, 0, {}]
        nodes, seen, outputs = index
        for node in nodes[seen:]:
            outputs.setdefault(node.output, node)
        index[1] = len(nodes)
        return outputs.get(value)

    def users(self, value):
        return [n for n in self.nodes if value in n.inputs]

    def add(self, op, inputs, attrs=None, name="", hint=None):
        attrs = dict(attrs or {})
        shape = self._infer(op, [self.shapes[i] for i in inputs], attrs, name)
        out = self.fresh(hint or op)
        self.shapes[out] = shape
        if op == "quantize":
            self.qtypes[out] = attrs["qparams"]
        self.nodes.append(Node(op, inputs, out, attrs, name))
        return out

    def _infer(self, op, shapes, a, name):
        def fail(msg):
            raise GraphError("%s%s: %s" % (op, " (%s)" % name if name else "", msg))
        if op in graph_core.OPS:
            return graph_core.infer(op, shapes, a, fail)
        if op in graph_ops.OPS:
            return tuple(graph_ops.OPS[op].infer(shapes, a, fail))
        if op in graph_quant.OPS:
            return tuple(graph_quant.OPS[op].infer(shapes, a, fail))
        fail("unknown op")

    # -- numpy meaning ------------------------------------------------------
    def evaluate(self, inputs, record=None):
        """Evaluates the graph on numpy inputs (list in self.inputs order or
        dict). Returns the list of outputs; `record` (a dict) receives every
        value."""
        env = dict(self.consts)
        if isinstance(inputs, dict):
            feeds = inputs
        else:
            if len(inputs) != len(self.inputs):
                raise GraphError("expected %d inputs, got %d" % (len(self.inputs), len(inputs)))
            feeds = dict(zip(self.inputs, inputs))
        for name in self.inputs:
            x = np.asarray(feeds[name], dtype=graph_quant.storage_dtype(self.qtypes[name])
                           if name in self.qtypes else np.float32)
            if x.shape != self.shapes[name]:
                raise GraphError("input %s: expected shape %s, got %s" % (name, self.shapes[name], x.shape))
            env[name] = x
        for node in self.nodes:
            args = [env[i] for i in node.inputs]
            y = self._eval(node, args)
            env[node.output] = y if node.output in self.qtypes else y.astype(np.float32)
            assert env[node.output].shape == self.shapes[node.output], node
        if record is not None:
            record.update(env)
        return [env[o] for o in self.outputs]

    def _eval(self, node, args):
        a = node.attrs
        op = node.op
        if op in graph_core.OPS:
            return graph_core.evaluate(node, args, self.consts)
        if op in graph_ops.OPS:
            return graph_ops.OPS[op].evaluate(args, a)
        if op in graph_quant.OPS:
            return graph_quant.OPS[op].evaluate(args, a)
        raise GraphError("cannot evaluate %s" % op)

    # -- MLIR ---------------------------------------------------------------
    def prune(self):
        """Removes nodes whose results are not used (by outputs or live nodes)."""
        live = set(self.outputs)
        kept = []
        for node in reversed(self.nodes):
            if node.output in live:
                kept.append(node)
                live.update(node.inputs)
        self.nodes = list(reversed(kept))
        return self

    def batched_values(self):
        """The values whose leading dimension is the batch (the inputs' and
        what ops compute per sample from them); GraphError for an op that
        mixes samples, which a dynamic batch cannot express."""
        batched = set(self.inputs)
        for node in self.nodes:
            if not any(i in batched for i in node.inputs):
                continue
            src, out = self.shapes[node.inputs[0]], self.shapes[node.output]
            op, a = node.op, node.attrs
            ok = node.inputs[0] in batched
            if op == "matmul":
                ok = ok and node.inputs[1] not in batched
            elif op == "transpose":
                ok = ok and a["perm"][0] == 0
            elif op == "reshape":
                ok = ok and len(out) > 0 and len(src) > 0 and out[0] == src[0]
            elif op == "concat":
                ok = a["axis"] != 0 and all(i in batched for i in node.inputs)
            elif op in ("add", "mul"):
                ranks = [len(self.shapes[i]) for i in node.inputs if i in batched]
                ok = all(r == len(out) for r in ranks)
            elif op in graph_quant.OPS:
                ok = False  # integer inputs/outputs (quantized_io) keep a static batch
            if not ok:
                raise GraphError("%s%s: mixes the samples of a batch; a dynamic batch needs ops "
                                 "that work per sample (import with a fixed batch)" % (
                                     op, " (%s)" % node.name if node.name else ""))
            batched.add(node.output)
        return batched

    def value_type(self, value, dynamic_batch=False):
        """The MLIR tensor type of a value (quantized or f32); with
        `dynamic_batch` its leading dimension is `?`."""
        elem = self.qtypes[value].mlir_type() if value in self.qtypes else "f32"
        return mlir.tensor_type(self.shapes[value], elem, dynamic_batch=dynamic_batch)

    def to_mlir(self):
        """The graph as MLIR text: one func.func, float at its boundary."""
        self.prune()
        batched = self.batched_values() if self.dynamic_batch else set()
        # A fake-quantized constant whose values are codes of its parameters
        # (the int8 initializers of QDQ models) is written as those codes.
        codes = {n.output: c for n in self.nodes if n.op == "fake_quant" and n.inputs[0] in self.consts
                 for c in [exact_codes(self.consts[n.inputs[0]], n.attrs["qparams"])] if c is not None}
        return graph_emit.to_mlir(self, batched, codes)
