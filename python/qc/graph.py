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
inputs and outputs in graph_quant.py.
"""
import numpy as np

from . import graph_ops
from . import graph_quant
from . import mlir
from . import reference as ref


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


def fake_quant_values(x, qp, constant=False):
    """The numpy meaning of qc.fake_quant (half_even, saturating)."""
    x = np.asarray(x, dtype=np.float32)
    scale, zp = qp.scale, qp.zero_point
    axis = qp.axis
    if axis is None:
        scale, zp = scale[0], zp[0]
    q = ref.quantize(x, scale, zp, qp.qmin, qp.qmax, ref.HALF_EVEN, axis=axis,
                     float_type=np.float64 if constant else np.float32)
    return ref.dequantize(q, scale, zp, axis=axis, float_type=np.float32)


def exact_codes(values, qp):
    """The 8-bit codes of a constant when qc.fake_quant leaves it unchanged
    (every value is `(q - z) * s` in f32 for a code q in range), as the i8
    storage array (u8 codes reinterpreted); else None. Such a fake-quantized
    constant is written as `quant.dcast(quant.scast(codes))`: the same
    values, and the codes --qc-fold-fake-quant would compute (the quotient
    of an exact value by its scale is within |q - z| * 2^-23 of the code)."""
    if qp.bits != 8 or values.size == 0:
        return None
    # ref.quantize and ref.dequantize, without their saturation and NaN
    # handling: a value they would change is not exact and fails the test.
    shape = [1] * values.ndim
    if qp.axis is not None:
        shape[qp.axis] = -1
    scale = np.asarray(qp.scale, np.float64).reshape(shape)
    zp = np.asarray(qp.zero_point, np.int32).reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        q = np.rint(values / scale)
        if not (np.all(q >= qp.qmin - zp) and np.all(q <= qp.qmax - zp)):
            return None
        q = q.astype(np.int32)
    if not np.array_equal(q.astype(np.float32) * scale.astype(np.float32), values):
        return None
    return (q + zp).astype(np.int8 if qp.signed else np.uint8).view(np.int8)


def _conv_out(size, k, stride, dilation, pad_lo, pad_hi):
    return (size + pad_lo + pad_hi - dilation * (k - 1) - 1) // stride + 1


def _reassociation(src, dst):
    """Groups of consecutive src dims whose products are the dst dims."""
    groups, i = [], 0
    for d in dst:
        group, prod = [], 1
        while i < len(src):
            group.append(i)
            prod *= src[i]
            i += 1
            if prod >= d:
                break
        if prod != d or not group:
            return None
        groups.append(group)
    while i < len(src):
        if src[i] != 1 or not groups:
            return None
        groups[-1].append(i)
        i += 1
    return groups


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
        if op in ("fake_quant", "clamp"):
            if op == "fake_quant":
                qp = a["qparams"]
                if qp.axis is not None:
                    if not 0 <= qp.axis < len(shapes[0]):
                        fail("axis %d outside rank %d" % (qp.axis, len(shapes[0])))
                    if shapes[0][qp.axis] != qp.scale.size:
                        fail("%d scales for axis %d of size %d" % (qp.scale.size, qp.axis,
                                                                  shapes[0][qp.axis]))
            return shapes[0]
        if op == "matmul":
            (m, k), (k2, n) = shapes
            if k != k2:
                fail("inner dimensions %d and %d differ" % (k, k2))
            return (m, n)
        if op in ("conv2d", "depthwise_conv2d"):
            n, h, w, c = shapes[0]
            if op == "conv2d":
                kh, kw, cg, f = shapes[1]
                if cg != c:
                    fail("filter has %d input channels, input %d" % (cg, c))
            else:
                kh, kw, cf = shapes[1]
                f = c
                if cf != c:
                    fail("depthwise filter has %d channels, input %d" % (cf, c))
            (sh, sw), (dh, dw), (pt, pb, pl, pr) = a["strides"], a["dilations"], a["pads"]
            oh, ow = _conv_out(h, kh, sh, dh, pt, pb), _conv_out(w, kw, sw, dw, pl, pr)
            if oh <= 0 or ow <= 0:
                fail("empty output")
            return (n, oh, ow, f)
        if op == "bias_add":
            if shapes[1] != (shapes[0][-1],):
                fail("bias of shape %s for %s" % (shapes[1], shapes[0]))
            return shapes[0]
        if op in ("add", "mul"):
            try:
                return tuple(np.broadcast_shapes(shapes[0], shapes[1]))
            except ValueError:
                fail("shapes %s and %s do not broadcast" % (shapes[0], shapes[1]))
        if op in ("max_pool", "avg_pool"):
            n, h, w, c = shapes[0]
            (kh, kw), (sh, sw), (pt, pb, pl, pr) = a["kernel"], a["strides"], a["pads"]
            if min(kh, kw, sh, sw) < 1 or min(pt, pb, pl, pr) < 0:
                fail("kernel %s, strides %s, pads %s out of range" % (a["kernel"], a["strides"], a["pads"]))
            oh, ow = _conv_out(h, kh, sh, 1, pt, pb), _conv_out(w, kw, sw, 1, pl, pr)
            if oh <= 0 or ow <= 0:
                fail("empty output")
            return (n, oh, ow, c)
        if op == "transpose":
            perm = a["perm"]
            if sorted(perm) != list(range(len(shapes[0]))):
                fail("bad permutation %s" % (perm,))
            return tuple(shapes[0][p] for p in perm)
        if op == "reshape":
            if int(np.prod(a["shape"])) != int(np.prod(shapes[0])):
                fail("cannot reshape %s to %s" % (shapes[0], a["shape"]))
            return tuple(int(d) for d in a["shape"])
        if op == "concat":
            axis = a["axis"]
            base = list(shapes[0])
            for s in shapes[1:]:
                if len(s) != len(base) or any(s[i] != base[i] for i in range(len(s)) if i != axis):
                    fail("shapes %s do not concatenate on axis %d" % (shapes, axis))
            base[axis] = sum(s[axis] for s in shapes)
            return tuple(base)
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
        f32 = np.float32
        if op == "fake_quant":
            return fake_quant_values(args[0], a["qparams"], constant=node.inputs[0] in self.consts)
        if op == "matmul":
            return np.matmul(args[0].astype(f32), args[1].astype(f32))
        if op in ("conv2d", "depthwise_conv2d"):
            x, w = args
            if op == "depthwise_conv2d":
                w = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2])
                groups = x.shape[3]
            else:
                groups = 1
            return conv2d_nhwc(x, w, a["strides"], a["dilations"], a["pads"], groups)
        if op == "bias_add":
            return args[0] + args[1]
        if op == "add":
            return args[0] + args[1]
        if op == "mul":
            return args[0] * args[1]
        if op == "clamp":
            y = args[0]
            if a["lo"] > -np.inf:
                y = np.maximum(y, f32(a["lo"]))
            if a["hi"] < np.inf:
                y = np.minimum(y, f32(a["hi"]))
            return y
        if op in ("max_pool", "avg_pool"):
            return pool_nhwc(args[0], op, a["kernel"], a["strides"], a["pads"],
                             a.get("count_include_pad", False))
        if op == "transpose":
            return np.transpose(args[0], a["perm"])
        if op == "reshape":
            return args[0].reshape(a["shape"])
        if op == "concat":
            return np.concatenate(args, axis=a["axis"])
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
        tt = lambda shape, dyn=False: mlir.tensor_type(shape, dynamic_batch=dyn)
        ssa = {}
        args = []
        for i, name in enumerate(self.inputs):
            ssa[name] = "%%arg%d" % i
            args.append((ssa[name], self.value_type(name, name in batched)))
        fw = mlir.FunctionWriter(self.name, args,
                                 [self.value_type(o, o in batched) for o in self.outputs])
        T = lambda v: tt(self.shapes[v], v in batched)
        batch = None
        if batched:
            fw.emit_top("%c0_index = arith.constant 0 : index")
            fw.emit_top("%%batch = tensor.dim %s, %%c0_index : %s" % (args[0][0], args[0][1]))
            batch = "%batch"
        scalars = {}

        def scalar(value):
            key = float(np.float32(value))
            if key not in scalars:
                s = fw.fresh("c")
                fw.emit_top("%s = arith.constant %s : f32" % (s, mlir.format_f32_scalar(value)))
                scalars[key] = s
            return scalars[key]

        # A fake-quantized constant whose values are codes of its parameters
        # (the int8 initializers of QDQ models) is written as those codes.
        codes = {n.output: c for n in self.nodes if n.op == "fake_quant" and n.inputs[0] in self.consts
                 for c in [exact_codes(self.consts[n.inputs[0]], n.attrs["qparams"])] if c is not None}
        used_consts = {i for n in self.nodes if n.output not in codes for i in n.inputs if i in self.consts}
        used_consts |= {o for o in self.outputs if o in self.consts}
        for name in sorted(used_consts, key=lambda s: int(s.rsplit("_", 1)[1])):
            ssa[name] = fw.fresh("cst")
            fw.emit("%s = arith.constant %s" % (ssa[name], mlir.dense_attr(self.consts[name])))

        def empty(shape, dyn=False):
            e = fw.fresh("e")
            fw.emit("%s = tensor.empty(%s) : %s" % (e, batch if dyn else "", tt(shape, dyn)))
            return e

        def fill(shape, value, dyn=False):
            e = empty(shape, dyn)
            f = fw.fresh("init")
            t = tt(shape, dyn)
            fw.emit("%s = linalg.fill ins(%s : f32) outs(%s : %s) -> %s" % (f, scalar(value), e, t, t))
            return f

        def pad(x, shape, pads, value, dyn=False):
            pt, pb, pl, pr = pads
            if not any(pads):
                return x, shape
            n, h, w, c = shape
            pshape = (n, h + pt + pb, w + pl + pr, c)
            p = fw.fresh("pad")
            fw.emit("%s = tensor.pad %s low[0, %d, %d, 0] high[0, %d, %d, 0] {" % (p, x, pt, pl, pb, pr))
            fw.emit("^bb0(%i0: index, %i1: index, %i2: index, %i3: index):")
            fw.emit("  tensor.yield %s : f32" % scalar(value))
            fw.emit("} : %s to %s" % (tt(shape, dyn), tt(pshape, dyn)))
            return p, pshape

        def generic(out_shape, ins, maps, body, dyn=False, extra=""):
            """body(arg_names) -> list of lines, last value yielded; `extra`:
            more attributes of the op."""
            rank = len(out_shape)
            e = empty(out_shape, dyn)
            y = fw.fresh("g")
            ot = tt(out_shape, dyn)
            amaps = ", ".join([mlir.affine_map(rank, m) for m in maps] +
                              [mlir.affine_map(rank, list(range(rank)))])
            iters = ", ".join(['"parallel"'] * rank)
            fw.emit("%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]%s}" % (
                y, amaps, iters, ", " + extra if extra else ""))
            fw.emit("    ins(%s : %s) outs(%s : %s) {" % (", ".join(v for v, _ in ins),
                                                       ", ".join(t for _, t in ins), e, ot))
            bargs = ["%%b%d" % i for i in range(len(ins))]
            fw.emit("^bb0(%s, %%out: f32):" % ", ".join("%s: f32" % b for b in bargs))
            lines, result = body(bargs)
            for line in lines:
                fw.emit("  " + line)
            fw.emit("  linalg.yield %s : f32" % result)
            fw.emit("} -> %s" % ot)
            return y

        def broadcast_map(shape, out_shape):
            off = len(out_shape) - len(shape)
            return ["0" if (shape[i] == 1 and out_shape[off + i] != 1) else off + i
                    for i in range(len(shape))]

        em = graph_ops.Emitter(fw, self.shapes, scalar, empty, fill, generic, broadcast_map, batched)
        for node in self.nodes:
            a = node.attrs
            ins = [ssa.get(i) for i in node.inputs]
            out_shape = self.shapes[node.output]
            ot = T(node.output)
            dyn = node.output in batched
            y = None
            if node.op == "fake_quant" and node.output in codes:
                qt = mlir.tensor_type(out_shape, a["qparams"].mlir_type())
                c, q, y = fw.fresh("cst"), fw.fresh("q"), fw.fresh("fq")
                fw.emit("%s = arith.constant %s" % (c, mlir.dense_attr(codes[node.output])))
                fw.emit("%s = quant.scast %s : %s to %s" % (q, c, mlir.tensor_type(out_shape, "i8"), qt))
                fw.emit("%s = quant.dcast %s : %s to %s" % (y, q, qt, ot))
            elif node.op == "fake_quant":
                y = fw.fresh("fq")
                fw.emit("%s = qc.fake_quant %s to %s : %s" % (y, ins[0], a["qparams"].mlir_type(), ot))
            elif node.op == "matmul":
                init = fill(out_shape, 0.0, dyn)
                y = fw.fresh("mm")
                fw.emit("%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
                    y, ins[0], ins[1], T(node.inputs[0]), T(node.inputs[1]), init, ot, ot))
            elif node.op in ("conv2d", "depthwise_conv2d"):
                x, xshape = pad(ins[0], self.shapes[node.inputs[0]], a["pads"], 0.0, dyn)
                init = fill(out_shape, 0.0, dyn)
                y = fw.fresh("conv")
                name = "conv_2d_nhwc_hwcf" if node.op == "conv2d" else "depthwise_conv_2d_nhwc_hwc"
                fw.emit("%s = linalg.%s {dilations = dense<[%d, %d]> : tensor<2xi64>, "
                        "strides = dense<[%d, %d]> : tensor<2xi64>}" % ((y, name) + tuple(a["dilations"]) +
                                                                       tuple(a["strides"])))
                fw.emit("    ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
                    x, ins[1], tt(xshape, dyn), T(node.inputs[1]), init, ot, ot))
            elif node.op == "bias_add":
                rank = len(out_shape)
                y = generic(out_shape, [(ins[0], ot), (ins[1], T(node.inputs[1]))],
                            [list(range(rank)), [rank - 1]],
                            lambda b: (["%%s0 = arith.addf %s, %s : f32" % (b[0], b[1])], "%s0"), dyn)
            elif node.op in ("add", "mul"):
                fn = "arith.addf" if node.op == "add" else "arith.mulf"
                s0, s1 = self.shapes[node.inputs[0]], self.shapes[node.inputs[1]]
                y = generic(out_shape, [(ins[0], T(node.inputs[0])), (ins[1], T(node.inputs[1]))],
                            [broadcast_map(s0, out_shape), broadcast_map(s1, out_shape)],
                            lambda b: (["%%s0 = %s %s, %s : f32" % (fn, b[0], b[1])], "%s0"), dyn)
            elif node.op == "clamp":
                lo = scalar(a["lo"]) if a["lo"] > -np.inf else None
                hi = scalar(a["hi"]) if a["hi"] < np.inf else None

                def body(b, lo=lo, hi=hi):
                    lines, cur = [], b[0]
                    if lo is not None:
                        lines.append("%%s0 = arith.maximumf %s, %s : f32" % (cur, lo))
                        cur = "%s0"
                    if hi is not None:
                        lines.append("%%s1 = arith.minimumf %s, %s : f32" % (cur, hi))
                        cur = "%s1"
                    return lines, cur
                y = generic(out_shape, [(ins[0], ot)], [list(range(len(out_shape)))], body, dyn)
            elif node.op in ("max_pool", "avg_pool"):
                is_max = node.op == "max_pool"
                neg_inf = -np.inf
                x, xshape = pad(ins[0], self.shapes[node.inputs[0]], a["pads"],
                                neg_inf if is_max else 0.0, dyn)
                init = fill(out_shape, neg_inf if is_max else 0.0, dyn)
                kh, kw = a["kernel"]
                k = empty((kh, kw))
                y = fw.fresh("pool")
                fw.emit("%s = linalg.pooling_nhwc_%s {dilations = dense<1> : tensor<2xi64>, "
                        "strides = dense<[%d, %d]> : tensor<2xi64>}" % ((y, "max" if is_max else "sum") +
                                                                       tuple(a["strides"])))
                fw.emit("    ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
                    x, k, tt(xshape, dyn), mlir.tensor_type((kh, kw)), init, ot, ot))
                if not is_max:
                    counts = pool_counts(self.shapes[node.inputs[0]], a["kernel"], a["strides"],
                                         a["pads"], a.get("count_include_pad", False))
                    cnt = fw.fresh("cnt")
                    fw.emit("%s = arith.constant %s" % (cnt, mlir.dense_attr(counts)))
                    y = generic(out_shape, [(y, ot), (cnt, mlir.tensor_type(counts.shape))],
                                [[0, 1, 2, 3], [1, 2]],
                                lambda b: (["%%s0 = arith.divf %s, %s : f32" % (b[0], b[1])], "%s0"), dyn,
                                # How the fold's integer average rounds ties.
                                "qc.rounding = #qc.rounding<%s>" % a["rounding"] if a.get("rounding") else "")
            elif node.op == "transpose":
                e = empty(out_shape, dyn)
                y = fw.fresh("tr")
                fw.emit("%s = linalg.transpose ins(%s : %s) outs(%s : %s) permutation = [%s]" % (
                    y, ins[0], T(node.inputs[0]), e, ot, ", ".join(str(p) for p in a["perm"])))
            elif node.op == "reshape":
                src = self.shapes[node.inputs[0]]
                y = fw.fresh("rs")
                if src == out_shape:
                    ssa[node.output] = ins[0]
                    continue
                groups = _reassociation(src, out_shape) if len(out_shape) < len(src) else None
                egroups = _reassociation(out_shape, src) if len(out_shape) > len(src) else None
                fmt = lambda g: "[" + ", ".join("[" + ", ".join(str(i) for i in grp) + "]" for grp in g) + "]"
                if dyn and not (groups or egroups or [[1]])[0] == [0]:
                    raise GraphError("reshape%s: %s -> %s with a dynamic batch keeps the batch "
                                     "dimension apart" % (" (%s)" % node.name if node.name else "",
                                                          src, out_shape))
                if groups is not None:
                    fw.emit("%s = tensor.collapse_shape %s %s : %s into %s" % (
                        y, ins[0], fmt(groups), T(node.inputs[0]), ot))
                elif egroups is not None:
                    fw.emit("%s = tensor.expand_shape %s %s output_shape [%s] : %s into %s" % (
                        y, ins[0], fmt(egroups),
                        ", ".join(batch if dyn and i == 0 else str(d) for i, d in enumerate(out_shape)),
                        T(node.inputs[0]), ot))
                elif dyn:
                    raise GraphError("reshape%s: %s -> %s is not a collapse or expansion of "
                                     "dimensions, which a dynamic batch needs" % (
                                         " (%s)" % node.name if node.name else "", src, out_shape))
                else:
                    sh = fw.fresh("shape")
                    fw.emit("%s = arith.constant %s" % (sh, mlir.dense_attr(np.array(out_shape, dtype=np.int64))))
                    fw.emit("%s = tensor.reshape %s(%s) : (%s, tensor<%dxi64>) -> %s" % (
                        y, ins[0], sh, T(node.inputs[0]), len(out_shape), ot))
            elif node.op == "concat":
                y = fw.fresh("cat")
                fw.emit("%s = tensor.concat dim(%d) %s : (%s) -> %s" % (
                    y, a["axis"], ", ".join(ins), ", ".join(T(i) for i in node.inputs), ot))
            elif node.op in graph_ops.OPS:
                y = graph_ops.OPS[node.op].emit(em, node, ins)
            elif node.op in graph_quant.OPS:
                y = graph_quant.OPS[node.op].emit(em, node, ins)
            else:
                raise GraphError("cannot emit %s" % node.op)
            ssa[node.output] = y
        body = fw.text([ssa[o] for o in self.outputs])
        return mlir.module([body])


def conv2d_nhwc(x, w, strides, dilations, pads, groups):
    """Float NHWC x HWCF grouped convolution (f32 products, f32 sums)."""
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    n, h, wd, c = x.shape
    kh, kw, cg, f = w.shape
    pt, pb, pl, pr = pads
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    sh, sw = strides
    dh, dw = dilations
    oh = _conv_out(h, kh, sh, dh, pt, pb)
    ow = _conv_out(wd, kw, sw, dw, pl, pr)
    fg = f // groups
    out = np.zeros((n, oh, ow, f), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw, :]
            for g in range(groups):
                out[..., g * fg:(g + 1) * fg] += patch[..., g * cg:(g + 1) * cg] @ w[i, j, :, g * fg:(g + 1) * fg]
    return out


def pool_counts(in_shape, kernel, strides, pads, count_include_pad):
    n, h, w, c = in_shape
    kh, kw = kernel
    sh, sw = strides
    pt, pb, pl, pr = pads
    oh, ow = _conv_out(h, kh, sh, 1, pt, pb), _conv_out(w, kw, sw, 1, pl, pr)
    valid = np.pad(np.ones((h, w), dtype=np.float32), ((pt, pb), (pl, pr)),
                   constant_values=1.0 if count_include_pad else 0.0)
    counts = np.zeros((oh, ow), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            counts += valid[i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
    return counts


def pool_nhwc(x, op, kernel, strides, pads, count_include_pad=False):
    x = np.asarray(x, dtype=np.float32)
    n, h, w, c = x.shape
    kh, kw = kernel
    sh, sw = strides
    pt, pb, pl, pr = pads
    oh, ow = _conv_out(h, kh, sh, 1, pt, pb), _conv_out(w, kw, sw, 1, pl, pr)
    fillv = -np.inf if op == "max_pool" else 0.0
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fillv)
    out = np.full((n, oh, ow, c), fillv, dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            win = xp[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]
            out = np.maximum(out, win) if op == "max_pool" else out + win
    if op == "avg_pool":
        counts = pool_counts(x.shape, kernel, strides, pads, count_include_pad)
        out = out / counts[None, :, :, None]
    return out.astype(np.float32)
