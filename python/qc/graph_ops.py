"""The nonlinear graph ops: shape inference, numpy meaning and MLIR form.

Ops of `qc.graph.Graph` whose float MLIR form is the canonical form that
`--qc-fold-fake-quant` matches (docs/Importers.md, "Canonical float forms"):

  unary         one elementwise linalg.generic (identity maps) whose body
                computes `fn` with arith/math ops on f32; the fold evaluates
                that body at compile time to build an 8-bit table
  softmax       linalg.softmax dimension(axis)
  layer_norm    linalg.reduce (sum) + mean generic, centring generic, square
                generic, linalg.reduce + mean generic, and one final generic
                (xc / sqrt(var + eps)) * gamma + beta, over the last axis
  batch_matmul  linalg.batch_matmul (batch dims collapsed to one), or
                linalg.matmul when b is 2-D (a's batch dims collapse into M)
  reduce_mean   linalg.reduce (addf) on a zero fill, a generic dividing by the
                element count, tensor.expand_shape for keepdims
  div, sub      linalg.generic with numpy broadcasting maps
  pad           tensor.pad with a constant (ONNX Pad, constant mode); a zero
                pad of an NHWC value in H and W before a convolution or an
                average pool is the form the fold takes as their padding

Each op is an `OpDef` with `infer(shapes, attrs, fail)`, `evaluate(args,
attrs)` (float32 numpy, the same operation order as the emitted body) and
`emit(em, node, ins)` (em: the `Emitter` of Graph.to_mlir).
"""
import math

import numpy as np

from . import mlir, reference

F32 = np.float32

# Unary functions: (body lines, numpy) built from the same step list so that
# the emitted body and the numpy meaning cannot drift apart. A step is
# (opname, operands) with operands "x", a previous step index, or a float.
_SQRT1_2 = F32(1.0 / math.sqrt(2.0))
_GELU_TANH_C = F32(math.sqrt(2.0 / math.pi))


def _unary_steps(fn, alpha, beta):
    if fn == "sigmoid":       # 1 / (1 + exp(-x))
        return [("negf", ["x"]), ("exp", [0]), ("addf", [1, 1.0]), ("divf", [1.0, 2])]
    if fn == "tanh":
        return [("tanh", ["x"])]
    if fn == "gelu_erf":      # x * 0.5 * (1 + erf(x / sqrt(2))), torch's order
        return [("mulf", ["x", _SQRT1_2]), ("erf", [0]), ("addf", [1, 1.0]),
                ("mulf", ["x", 2]), ("mulf", [3, 0.5])]
    if fn == "gelu_tanh":     # 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
        return [("mulf", ["x", "x"]), ("mulf", [0, "x"]), ("mulf", [1, 0.044715]),
                ("addf", ["x", 2]), ("mulf", [3, _GELU_TANH_C]), ("tanh", [4]),
                ("addf", [5, 1.0]), ("mulf", ["x", 6]), ("mulf", [7, 0.5])]
    if fn == "hardswish":     # x * relu6(x + 3) / 6, torch's order
        return [("addf", ["x", 3.0]), ("maximumf", [0, 0.0]), ("minimumf", [1, 6.0]),
                ("mulf", ["x", 2]), ("divf", [3, 6.0])]
    if fn == "hardsigmoid":   # max(0, min(1, alpha * x + beta))
        return [("mulf", ["x", alpha]), ("addf", [0, beta]), ("minimumf", [1, 1.0]),
                ("maximumf", [2, 0.0])]
    if fn == "silu":          # x * (1 / (1 + exp(-x)))
        return [("negf", ["x"]), ("exp", [0]), ("addf", [1, 1.0]), ("divf", [1.0, 2]),
                ("mulf", ["x", 3])]
    if fn in ("exp", "erf", "sqrt", "tanh", "absf"):
        return [(fn, ["x"])]
    if fn == "abs":
        return [("absf", ["x"])]
    if fn == "reciprocal":
        return [("divf", [1.0, "x"])]
    if fn == "neg":
        return [("negf", ["x"])]
    return None


UNARY_FUNCTIONS = ("sigmoid", "tanh", "gelu_erf", "gelu_tanh", "hardswish", "hardsigmoid",
                   "silu", "exp", "erf", "sqrt", "reciprocal", "neg", "abs")

_MATH = {"exp", "erf", "sqrt", "tanh", "absf"}


def _np_step(op, vals):
    with np.errstate(all="ignore"):
        if op == "negf":
            return -vals[0]
        if op == "exp":
            return np.exp(vals[0])
        if op == "tanh":
            return np.tanh(vals[0])
        if op == "erf":
            v = np.asarray(vals[0], dtype=np.float64)
            return np.vectorize(math.erf, otypes=[np.float64])(v).astype(F32)
        if op == "sqrt":
            return np.sqrt(vals[0])
        if op == "absf":
            return np.abs(vals[0])
        a, b = vals
        if op == "addf":
            return a + b
        if op == "mulf":
            return a * b
        if op == "divf":
            return a / b
        if op == "maximumf":   # NaN-propagating, like arith.maximumf
            return np.maximum(a, b)
        if op == "minimumf":
            return np.minimum(a, b)
    raise ValueError(op)


def unary_numpy(fn, x, alpha=0.2, beta=0.5):
    """The float32 meaning of `unary` (the emitted body, step by step)."""
    steps = _unary_steps(fn, alpha, beta)
    x = np.asarray(x, dtype=F32)
    vals = []
    for op, operands in steps:
        args = [x if o == "x" else (vals[o] if isinstance(o, int) else F32(o)) for o in operands]
        vals.append(np.asarray(_np_step(op, args), dtype=F32))
    return vals[-1]


class OpDef:
    def infer(self, shapes, a, fail):
        raise NotImplementedError

    def evaluate(self, args, a):
        raise NotImplementedError

    def emit(self, em, node, ins):
        raise NotImplementedError


class Unary(OpDef):
    def infer(self, shapes, a, fail):
        if a.get("fn") not in UNARY_FUNCTIONS:
            fail("unknown function %r (one of %s)" % (a.get("fn"), ", ".join(UNARY_FUNCTIONS)))
        return shapes[0]

    def evaluate(self, args, a):
        return unary_numpy(a["fn"], args[0], a.get("alpha", 0.2), a.get("beta", 0.5))

    def emit(self, em, node, ins):
        a = node.attrs
        steps = _unary_steps(a["fn"], a.get("alpha", 0.2), a.get("beta", 0.5))
        shape = em.shape(node.output)

        def body(b):
            lines, names = [], []
            for i, (op, operands) in enumerate(steps):
                args = [b[0] if o == "x" else ("%%s%d" % o if isinstance(o, int) else em.scalar(o))
                        for o in operands]
                dialect = "math" if op in _MATH else "arith"
                lines.append("%%s%d = %s.%s %s : f32" % (i, dialect, op, ", ".join(args)))
                names.append("%%s%d" % i)
            return lines, names[-1]
        return em.generic(shape, [(ins[0], em.T(node.inputs[0]))], [list(range(len(shape)))], body)


class Softmax(OpDef):
    def infer(self, shapes, a, fail):
        rank = len(shapes[0])
        axis = a["axis"]
        if not -rank <= axis < rank:
            fail("axis %d outside rank %d" % (axis, rank))
        a["axis"] = axis % rank
        return shapes[0]

    def evaluate(self, args, a):
        x = args[0]
        m = np.max(x, axis=a["axis"], keepdims=True)
        e = np.exp(x - m)
        return e / np.sum(e, axis=a["axis"], keepdims=True, dtype=F32)

    def emit(self, em, node, ins):
        shape = em.shape(node.output)
        e = em.empty(shape)
        y = em.fw.fresh("sm")
        t = em.T(node.output)
        em.fw.emit("%s = linalg.softmax dimension(%d) ins(%s : %s) outs(%s : %s) -> %s" % (
            y, node.attrs["axis"], ins[0], t, e, t, t))
        return y


def _reduce_sum(em, x, shape, axes):
    """linalg.reduce (addf) of x over `axes` on a zero fill."""
    out_shape = tuple(d for i, d in enumerate(shape) if i not in axes)
    init = em.fill(out_shape, 0.0)
    y = em.fw.fresh("red")
    em.fw.emit("%s = linalg.reduce ins(%s : %s) outs(%s : %s) dimensions = [%s]" % (
        y, x, mlir.tensor_type(shape), init, mlir.tensor_type(out_shape),
        ", ".join(str(i) for i in sorted(axes))))
    em.fw.emit("  (%in: f32, %acc: f32) {")
    em.fw.emit("    %sum = arith.addf %in, %acc : f32")
    em.fw.emit("    linalg.yield %sum : f32")
    em.fw.emit("  }")
    return y, out_shape


def _mean(em, x, shape, axes, rounding=None):
    """reduce_mean without keepdims: the sum divided by the element count.
    `rounding`: the divisor's `qc.rounding`, the ties of the integer mean
    the fold makes of it (qc.avg_pool2d)."""
    s, out_shape = _reduce_sum(em, x, shape, axes)
    count = em.scalar(float(np.prod([shape[i] for i in axes])))
    return em.generic(out_shape, [(s, mlir.tensor_type(out_shape))], [list(range(len(out_shape)))],
                      lambda b: (["%%s0 = arith.divf %s, %s : f32" % (b[0], count)], "%s0"), False,
                      "qc.rounding = #qc.rounding<%s>" % rounding if rounding else ""), out_shape


class ReduceMean(OpDef):
    def infer(self, shapes, a, fail):
        rank = len(shapes[0])
        axes = a.get("axes")
        axes = list(range(rank)) if axes is None else list(axes)
        if any(not -rank <= ax < rank for ax in axes):
            fail("axes %s outside rank %d" % (axes, rank))
        axes = sorted(set(ax % rank for ax in axes))
        a["axes"] = axes
        a["keepdims"] = bool(a.get("keepdims", True))
        if a["keepdims"]:
            return tuple(1 if i in axes else d for i, d in enumerate(shapes[0]))
        return tuple(d for i, d in enumerate(shapes[0]) if i not in axes)

    def evaluate(self, args, a):
        x = args[0]
        count = F32(np.prod([x.shape[i] for i in a["axes"]]))
        s = np.sum(x, axis=tuple(a["axes"]), keepdims=a["keepdims"], dtype=F32)
        return s / count

    def emit(self, em, node, ins):
        shape = em.shape(node.inputs[0])
        y, red_shape = _mean(em, ins[0], shape, node.attrs["axes"], node.attrs.get("rounding"))
        out_shape = em.shape(node.output)
        if tuple(red_shape) == tuple(out_shape):
            return y
        # keepdims: re-insert the unit dims (each reduced dim joins a group).
        groups, cur = [], []
        kept = [i for i in range(len(shape)) if i not in node.attrs["axes"]]
        for i in range(len(shape)):
            cur.append(i)
            if i in kept:
                groups.append(cur)
                cur = []
        if cur:
            if groups:
                groups[-1].extend(cur)
            else:
                groups = [cur]
        r = em.fw.fresh("rs")
        if not red_shape:
            em.fw.emit("%s = tensor.expand_shape %s [] output_shape [%s] : %s into %s" % (
                r, y, ", ".join(str(d) for d in out_shape), mlir.tensor_type(red_shape),
                em.T(node.output)))
            return r
        em.fw.emit("%s = tensor.expand_shape %s %s output_shape [%s] : %s into %s" % (
            r, y, _fmt_groups(groups), ", ".join(str(d) for d in out_shape), mlir.tensor_type(red_shape),
            em.T(node.output)))
        return r


class LayerNorm(OpDef):
    def infer(self, shapes, a, fail):
        x, gamma, beta = shapes
        rank = len(x)
        axis = a.get("axis", -1)
        if rank == 0 or not -rank <= axis < rank or axis % rank != rank - 1:
            fail("only the last axis is supported, got axis %d of rank %d" % (axis, rank))
        a["axis"] = rank - 1
        a["eps"] = float(a.get("eps", 1e-5))
        if gamma != (x[-1],) or beta != (x[-1],):
            fail("gamma %s and beta %s must have shape (%d,)" % (gamma, beta, x[-1]))
        return x

    def evaluate(self, args, a):
        x, gamma, beta = args
        d = F32(x.shape[-1])
        mean = np.sum(x, axis=-1, dtype=F32) / d
        xc = x - mean[..., None]
        var = np.sum(xc * xc, axis=-1, dtype=F32) / d
        r = np.sqrt(var + F32(a["eps"]))
        return (xc / r[..., None]) * gamma + beta

    def emit(self, em, node, ins):
        shape = em.shape(node.inputs[0])
        rank = len(shape)
        last = rank - 1
        ident = list(range(rank))
        red = list(range(rank - 1))
        xt = mlir.tensor_type(shape)
        mean, red_shape = _mean(em, ins[0], shape, [last])
        rt = mlir.tensor_type(red_shape)
        xc = em.generic(shape, [(ins[0], xt), (mean, rt)], [ident, red],
                        lambda b: (["%%s0 = arith.subf %s, %s : f32" % (b[0], b[1])], "%s0"))
        sq = em.generic(shape, [(xc, xt)], [ident],
                        lambda b: (["%%s0 = arith.mulf %s, %s : f32" % (b[0], b[0])], "%s0"))
        var, _ = _mean(em, sq, shape, [last])
        eps = em.scalar(node.attrs["eps"])
        gt, bt = em.T(node.inputs[1]), em.T(node.inputs[2])
        return em.generic(shape, [(xc, xt), (var, rt), (ins[1], gt), (ins[2], bt)],
                          [ident, red, [last], [last]],
                          lambda b: (["%%s0 = arith.addf %s, %s : f32" % (b[1], eps),
                                      "%s1 = math.sqrt %s0 : f32",
                                      "%%s2 = arith.divf %s, %%s1 : f32" % b[0],
                                      "%%s3 = arith.mulf %%s2, %s : f32" % b[2],
                                      "%%s4 = arith.addf %%s3, %s : f32" % b[3]], "%s4"))


class BatchMatmul(OpDef):
    def infer(self, shapes, a, fail):
        sa, sb = shapes
        if len(sa) < 2 or len(sb) < 2:
            fail("operands must have rank >= 2, got %s and %s" % (sa, sb))
        if sa[-1] != sb[-2]:
            fail("inner dimensions %d and %d differ" % (sa[-1], sb[-2]))
        if len(sb) > 2 and tuple(sa[:-2]) != tuple(sb[:-2]):
            fail("batch dimensions %s and %s differ (no batch broadcasting)" % (sa[:-2], sb[:-2]))
        return tuple(sa[:-1]) + (sb[-1],)

    def evaluate(self, args, a):
        return np.matmul(args[0].astype(F32), args[1].astype(F32))

    def emit(self, em, node, ins):
        sa, sb = em.shape(node.inputs[0]), em.shape(node.inputs[1])
        so = em.shape(node.output)
        batch = int(np.prod(sa[:-2])) if len(sa) > 2 else 1
        m, k, n = sa[-2], sa[-1], sb[-1]
        if len(sb) == 2:
            a2 = em.collapse(ins[0], sa, (batch * m, k))
            init = em.fill((batch * m, n), 0.0)
            y = em.fw.fresh("mm")
            t = mlir.tensor_type((batch * m, n))
            em.fw.emit("%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
                y, a2, ins[1], mlir.tensor_type((batch * m, k)), em.T(node.inputs[1]), init, t, t))
            return em.expand(y, (batch * m, n), so)
        a3 = em.collapse(ins[0], sa, (batch, m, k))
        b3 = em.collapse(ins[1], sb, (batch, k, n))
        init = em.fill((batch, m, n), 0.0)
        y = em.fw.fresh("bmm")
        t = mlir.tensor_type((batch, m, n))
        em.fw.emit("%s = linalg.batch_matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
            y, a3, b3, mlir.tensor_type((batch, m, k)), mlir.tensor_type((batch, k, n)),
            init, t, t))
        return em.expand(y, (batch, m, n), so)


class Broadcasting(OpDef):
    def __init__(self, arith, fn):
        self.arith, self.fn = arith, fn

    def infer(self, shapes, a, fail):
        try:
            return tuple(np.broadcast_shapes(shapes[0], shapes[1]))
        except ValueError:
            fail("shapes %s and %s do not broadcast" % (shapes[0], shapes[1]))

    def evaluate(self, args, a):
        with np.errstate(all="ignore"):
            return self.fn(args[0], args[1])

    def emit(self, em, node, ins):
        out = em.shape(node.output)
        s0, s1 = em.shape(node.inputs[0]), em.shape(node.inputs[1])
        op = self.arith
        return em.generic(out, [(ins[0], em.T(node.inputs[0])), (ins[1], em.T(node.inputs[1]))],
                          [em.broadcast_map(s0, out), em.broadcast_map(s1, out)],
                          lambda b: (["%%s0 = arith.%s %s, %s : f32" % (op, b[0], b[1])], "%s0"))


class Hadamard(OpDef):
    """qc.hadamard along the last axis (docs/Hadamard.md): sign flips
    `negate`, f32 butterfly stages on chunks of 2^k, the dense f32 Paley
    stage when block = m * 2^k, one multiply by f32(1/sqrt(block)): the
    float semantics of the op's lowering."""

    def infer(self, shapes, a, fail):
        n, b = shapes[0][-1], int(a["block"])
        if not reference.hadamard_dense_order(b) or n % b:
            fail("block %d is not a supported Hadamard size (a power of two >= 2 or m * 2^k "
                 "with a Paley order m) dividing %d" % (b, n))
        if len(a["negate"]) != n:
            fail("%d negate flags for dimension %d" % (len(a["negate"]), n))
        return shapes[0]

    def evaluate(self, args, a):
        x = np.asarray(args[0], dtype=F32)
        u = np.where(np.asarray(a["negate"], dtype=bool), -x, x).astype(F32)
        b = int(a["block"])
        m = reference.hadamard_dense_order(b)
        p = b // m
        lead = u.shape[:-1] + (u.shape[-1] // p,)
        h = 1
        while h < p:
            v = u.reshape(lead + (p // (2 * h), 2, h))
            u = np.stack([v[..., 0, :] + v[..., 1, :], v[..., 0, :] - v[..., 1, :]], axis=-2)
            h *= 2
        u = u.reshape(x.shape)
        if m > 1:
            u = reference.hadamard_dense_stage(u, b, m)
        return u * F32(1.0 / math.sqrt(b))

    def emit(self, em, node, ins):
        a = node.attrs
        y = em.fw.fresh("had")
        neg = ""
        if any(a["negate"]):
            neg = " negate [%s]" % ", ".join("true" if f else "false" for f in a["negate"])
        t = mlir.tensor_type(em.shape(node.output), dynamic_batch=node.output in em.batched)
        em.fw.emit("%s = qc.hadamard %s block %d%s : %s -> %s" % (y, ins[0], int(a["block"]), neg, t, t))
        return y


class Pad(OpDef):
    """tensor.pad with a constant: attrs `pads` ((low, high) per dimension,
    >= 0) and `value` (f32)."""

    def infer(self, shapes, a, fail):
        if len(a["pads"]) != len(shapes[0]) or any(lo < 0 or hi < 0 for lo, hi in a["pads"]):
            fail("pads %s for rank %d: expected non-negative (low, high) per dimension" % (
                a["pads"], len(shapes[0])))
        return tuple(d + lo + hi for d, (lo, hi) in zip(shapes[0], a["pads"]))

    def evaluate(self, args, a):
        return np.pad(np.asarray(args[0], F32), a["pads"], constant_values=F32(a["value"])).astype(F32)

    def emit(self, em, node, ins):
        y = em.fw.fresh("pad")
        pads = node.attrs["pads"]
        rank = len(pads)
        em.fw.emit("%s = tensor.pad %s low[%s] high[%s] {" % (
            y, ins[0], ", ".join(str(lo) for lo, _ in pads), ", ".join(str(hi) for _, hi in pads)))
        em.fw.emit("^bb0(%s):" % ", ".join("%%i%d: index" % i for i in range(rank)))
        em.fw.emit("  tensor.yield %s : f32" % em.scalar(node.attrs["value"]))
        t = lambda v: mlir.tensor_type(em.shape(v), dynamic_batch=v in em.batched)
        em.fw.emit("} : %s to %s" % (t(node.inputs[0]), t(node.output)))
        return y


class Emitter:
    """What an op's `emit` may use: the function writer and the helpers of
    Graph.to_mlir, plus reshapes between batched and collapsed forms."""

    def __init__(self, fw, shapes, scalar, empty, fill, generic, broadcast_map, batched=()):
        self.fw, self.shapes, self.batched = fw, shapes, batched
        self.scalar, self.empty, self.fill = scalar, empty, fill
        self.generic, self.broadcast_map = generic, broadcast_map

    def shape(self, value):
        return self.shapes[value]

    def T(self, value):
        return mlir.tensor_type(self.shapes[value])

    def _groups(self, long, short):
        """Reassociation of `long` onto `short` where the leading dims of
        `long` merge into the first dim of `short`."""
        lead = len(long) - len(short) + 1
        return [list(range(lead))] + [[lead + i] for i in range(len(short) - 1)]

    def collapse(self, x, shape, to):
        if tuple(shape) == tuple(to):
            return x
        y = self.fw.fresh("cl")
        g = self._groups(shape, to)
        self.fw.emit("%s = tensor.collapse_shape %s %s : %s into %s" % (
            y, x, _fmt_groups(g), mlir.tensor_type(shape), mlir.tensor_type(to)))
        return y

    def expand(self, x, shape, to):
        if tuple(shape) == tuple(to):
            return x
        y = self.fw.fresh("ex")
        g = self._groups(to, shape)
        self.fw.emit("%s = tensor.expand_shape %s %s output_shape [%s] : %s into %s" % (
            y, x, _fmt_groups(g), ", ".join(str(d) for d in to), mlir.tensor_type(shape),
            mlir.tensor_type(to)))
        return y


def _fmt_groups(groups):
    return "[" + ", ".join("[" + ", ".join(str(i) for i in g) + "]" for g in groups) + "]"


OPS = {
    "unary": Unary(),
    "softmax": Softmax(),
    "layer_norm": LayerNorm(),
    "batch_matmul": BatchMatmul(),
    "reduce_mean": ReduceMean(),
    "div": Broadcasting("divf", lambda a, b: a / b),
    "sub": Broadcasting("subf", lambda a, b: a - b),
    "hadamard": Hadamard(),
    "pad": Pad(),
}
