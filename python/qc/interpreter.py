"""A numpy evaluator of qc IR: the whole-graph golden model of a compiled model.

    from qc.interpreter import run_mlir
    outputs = run_mlir(folded_generic_text, [x])        # or run_file(path, [x], build)

It runs a function of the module that `qc-opt --qc-fold-fake-quant` writes
(printed with `--mlir-print-op-generic`, read by qc.ir): every qc op with the
integer semantics of docs/Numerics.md through python/qc/reference.py, the
constants (`arith.constant` + `quant.scast`), and the float `linalg` /
`tensor` / `arith` ops a fold may leave (float islands) with IEEE f32
arithmetic in their definition's order (reductions run sequentially in loop
order, as the lowering without fast-math must keep them). Quantized values
are int64 codes; function results are returned as qc-run writes them (codes
in the storage dtype, floats as float32).

Transcendental float functions (`math.exp`, `math.tanh`, `math.erf`, ...)
are evaluated with numpy / libm, whose last bit may differ from the compiled
polynomial approximations: `Interpreter.inexact` lists the ops that made a
result not bit-exact by construction (empty for an integer model).

`Interpreter.requantize` is the one place where accumulators are scaled to
output codes; tests subclass it to model other engines (ONNX Runtime's
float requantization, for instance).
"""
import itertools
import math
import os
import subprocess

import numpy as np

from qc import ir
from qc import reference as ref


class EvalError(Exception):
    pass


def _f32(x):
    return np.asarray(x, dtype=np.float32)


_CMPF = {
    1: lambda a, b: a == b, 2: lambda a, b: a > b, 3: lambda a, b: a >= b, 4: lambda a, b: a < b,
    5: lambda a, b: a <= b, 6: lambda a, b: (a != b) & ~np.isnan(a) & ~np.isnan(b),
    7: lambda a, b: ~np.isnan(a) & ~np.isnan(b), 8: lambda a, b: (a == b) | np.isnan(a) | np.isnan(b),
    9: lambda a, b: ~(a <= b), 10: lambda a, b: ~(a < b), 11: lambda a, b: ~(a >= b),
    12: lambda a, b: ~(a > b), 13: lambda a, b: a != b, 14: lambda a, b: np.isnan(a) | np.isnan(b),
}
_CMPI = {0: np.equal, 1: np.not_equal, 2: np.less, 3: np.less_equal, 4: np.greater, 5: np.greater_equal,
         6: np.less, 7: np.less_equal, 8: np.greater, 9: np.greater_equal}

_TRANSCENDENTAL = {
    "math.exp": np.exp, "math.tanh": np.tanh, "math.log": np.log, "math.sqrt": np.sqrt,
    "math.rsqrt": lambda x: _f32(1) / np.sqrt(x), "math.erf": np.vectorize(math.erf, otypes=[np.float64]),
}


def _multipliers(reals):
    """(multiplier, shift) arrays of the shape of `reals` (TFLite QuantizeMultiplier)."""
    reals = np.asarray(reals, np.float64)
    pairs = [ref.quantize_multiplier(r) for r in reals.reshape(-1)]
    m = np.array([p[0] for p in pairs], np.int64).reshape(reals.shape)
    s = np.array([p[1] for p in pairs], np.int64).reshape(reals.shape)
    return m, s


def fma_f32(a, b, c):
    """f32 fused multiply-add a * b + c with one rounding (vector.fma, what the
    CPU's float contractions compute), exactly: the product is exact in f64,
    the sum's f64 rounding error is recovered (TwoSum) and decides the f32
    rounding where the f64 sum lies exactly on an f32 midpoint."""
    a, b, c = (np.asarray(v, np.float32).astype(np.float64) for v in (a, b, c))
    p = a * b
    s = p + c
    bp = s - c
    err = (p - bp) + (c - (s - bp))
    r = s.astype(np.float32)
    r64 = r.astype(np.float64)
    other = np.nextafter(r, np.where(s > r64, np.float32(np.inf), np.float32(-np.inf)).astype(np.float32))
    tie = (r64 != s) & (s == (r64 + other.astype(np.float64)) / 2) & (err != 0)
    # At a tie, the exact value lies on the side of the f64 sum's error.
    toward_other = tie & ((other.astype(np.float64) > r64) == (err > 0))
    return np.where(toward_other, other, r).astype(np.float32)


class Interpreter:
    def __init__(self):
        self.inexact = set()

    # ------------------------------------------------------------ driver

    def run(self, func, inputs):
        block = func.regions[0][0]
        if len(inputs) != len(block.args):
            raise EvalError("function takes %d inputs, got %d" % (len(block.args), len(inputs)))
        env = {}
        for (name, ty), x in zip(block.args, inputs):
            t = ir.parse_type(ty)
            x = np.asarray(x)
            if isinstance(t, ir.TensorType) and tuple(x.shape) != t.shape:
                raise EvalError("input %s: shape %s, expected %s" % (name, x.shape, t.shape))
            env[name] = x.astype(np.int64) if isinstance(t, ir.TensorType) and t.quant else x
        for op in block.ops:
            if op.name == "func.return":
                return [self._result(env[v], ir.parse_type(t)) for v, t in zip(op.operands, op.operand_types)]
            self.execute(op, env)
        raise EvalError("function has no func.return")

    @staticmethod
    def _result(value, ty):
        if isinstance(ty, ir.TensorType) and ty.quant:
            q = ty.quant
            return value.astype(ir.numpy_dtype("%si%d" % ("" if q.signed else "u", q.bits)))
        return value

    def execute(self, op, env):
        handler = getattr(self, "op_" + op.name.replace(".", "_"), None)
        if handler is None:
            raise EvalError("the evaluator does not know '%s'" % op.name)
        args = [env[v] for v in op.operands]
        try:
            types = [ir.parse_type(t) for t in op.result_types]
            out = handler(op, args, types, env)
        except EvalError:
            raise
        except Exception as e:  # a model the evaluator cannot follow: name the op
            raise EvalError("%s (%s): %s: %s" % (op.name, ", ".join(op.results), type(e).__name__, e))
        if len(op.results) == 1:
            out = [out]
        for name, value in zip(op.results, out):
            env[name] = value

    # ------------------------------------------------------------ qc ops

    def requantize(self, acc, reals, zp, qtype, profile, clamp):
        """output_stage of docs/Numerics.md: acc (int64 array) scaled by the
        real multipliers `reals` (broadcast along the output's quantized axis
        or the last axis), plus zp, clamped to the storage range and `clamp`."""
        lo, hi = qtype.qmin, qtype.qmax
        if clamp is not None:
            lo, hi = max(lo, clamp[0]), min(hi, clamp[1])
        r = ref.apply_multiplier(acc, *_multipliers(reals), profile)
        return np.clip(r + zp, lo, hi).astype(np.int64)

    @staticmethod
    def _profile(op):
        return ir.attr_enum(op.attrs["profile"]) if "profile" in op.attrs else ref.DOUBLE_ROUND

    @staticmethod
    def _clamp(op):
        return ir.attr_array(op.attrs["clamp"]) if "clamp" in op.attrs else None

    @staticmethod
    def _qtype(op, i):
        return ir.parse_type(op.operand_types[i]).quant

    def _channel_reals(self, reals, qtype, rank, channel_axis):
        """Per-channel multipliers shaped to broadcast along `channel_axis`."""
        reals = np.asarray(reals, np.float64)
        if reals.size == 1:
            return float(reals.reshape(-1)[0])
        shape = [1] * rank
        shape[channel_axis] = -1
        return reals.reshape(shape)

    def _contraction(self, op, acc, lhs, rhs, out):
        s_in = lhs.scales[0]
        n = max(rhs.scales.size, out.scales.size)
        s_w = np.broadcast_to(rhs.scales, (n,))
        s_o = np.broadcast_to(out.scales, (n,))
        reals = np.array([s_in * s_w[c] / s_o[c] for c in range(n)])
        rank = acc.ndim
        zp = out.along(out.zero_points, rank) if out.axis is not None else int(out.zero_points[0])
        return self.requantize(acc, self._channel_reals(reals, out, rank, rank - 1), zp, out,
                               self._profile(op), self._clamp(op))

    def op_qc_quantize(self, op, args, types, env):
        q = types[0].quant
        rank = len(types[0].shape)
        mode = ir.attr_enum(op.attrs["rounding"]) if "rounding" in op.attrs else ref.HALF_EVEN
        x = _f32(args[0])
        scale = _f32(q.along(q.scales, rank))
        quotient = (x / scale).astype(np.float64)
        # NaN quantizes to the zero point, +-inf saturate (docs/Numerics.md).
        rounded = np.nan_to_num(ref.round_real(quotient, mode), nan=0.0, posinf=np.inf, neginf=-np.inf)
        return np.clip(rounded + q.along(q.zero_points, rank), q.qmin, q.qmax).astype(np.int64)

    def op_qc_dequantize(self, op, args, types, env):
        q = self._qtype(op, 0)
        rank = args[0].ndim
        centered = (args[0] - q.along(q.zero_points, rank)).astype(np.float32)
        return centered * _f32(q.along(q.scales, rank))

    def op_qc_requantize(self, op, args, types, env):
        qi, qo = self._qtype(op, 0), types[0].quant
        rank = args[0].ndim
        n = max(qi.scales.size, qo.scales.size)
        s_i, s_o = np.broadcast_to(qi.scales, (n,)), np.broadcast_to(qo.scales, (n,))
        reals = np.array([s_i[c] / s_o[c] for c in range(n)])
        axis = qi.axis if qi.axis is not None else qo.axis
        centered = args[0] - qi.along(qi.zero_points, rank)
        zp = qo.along(qo.zero_points, rank)
        return self.requantize(centered, self._channel_reals(reals, qo, rank, axis if axis is not None else 0),
                               zp, qo, self._profile(op), self._clamp(op))

    def op_qc_matmul(self, op, args, types, env):
        a, b = self._qtype(op, 0), self._qtype(op, 1)
        bias = args[2] if len(args) > 2 else None
        acc = ref.matmul(args[0], int(a.zero_points[0]), args[1], b.zero_points, bias)
        return self._contraction(op, acc, a, b, types[0].quant)

    def op_qc_conv2d(self, op, args, types, env):
        a, w = self._qtype(op, 0), self._qtype(op, 1)
        bias = args[2] if len(args) > 2 else None
        acc = ref.conv2d(args[0], int(a.zero_points[0]), args[1], w.zero_points, bias,
                         strides=ir.attr_array(op.attrs["strides"]), padding=ir.attr_array(op.attrs["padding"]),
                         dilations=ir.attr_array(op.attrs["dilations"]), groups=ir.attr_int(op.attrs["groups"]))
        return self._contraction(op, acc, a, w, types[0].quant)

    def op_qc_add(self, op, args, types, env):
        a, b, y = self._qtype(op, 0), self._qtype(op, 1), types[0].quant
        left = 15 if max(a.bits, b.bits) > 8 else 20
        sa, sb = a.scales[0], b.scales[0]
        twice = 2.0 * max(sa, sb)
        profile = self._profile(op)
        a1 = ref.requantize_real(ref._wrap32((args[0] - int(a.zero_points[0])) << left), sa / twice, profile)
        b1 = ref.requantize_real(ref._wrap32((args[1] - int(b.zero_points[0])) << left), sb / twice, profile)
        return self.requantize(ref._wrap32(a1 + b1), twice / ((1 << left) * y.scales[0]), int(y.zero_points[0]), y,
                               profile, self._clamp(op))

    def op_qc_mul(self, op, args, types, env):
        a, b, y = self._qtype(op, 0), self._qtype(op, 1), types[0].quant
        acc = (args[0] - int(a.zero_points[0])) * (args[1] - int(b.zero_points[0]))
        return self.requantize(acc, a.scales[0] * b.scales[0] / y.scales[0], int(y.zero_points[0]), y,
                               self._profile(op), self._clamp(op))

    def op_qc_clamp(self, op, args, types, env):
        lo, hi = ir.attr_array(op.attrs["clamp"])
        return np.clip(args[0], lo, hi)

    def _pool_args(self, op):
        return dict(kernel=ir.attr_array(op.attrs["kernel"]), strides=ir.attr_array(op.attrs["strides"]),
                    padding=ir.attr_array(op.attrs["padding"]))

    def op_qc_max_pool2d(self, op, args, types, env):
        return ref.max_pool2d(args[0], **self._pool_args(op))

    def op_qc_avg_pool2d(self, op, args, types, env):
        rounding = ir.attr_enum(op.attrs["rounding"]) if "rounding" in op.attrs else ref.HALF_AWAY
        zero_point = int(self._qtype(op, 0).zero_points[0])
        if "count_include_pad" in op.attrs:
            return ref.avg_pool2d_include_pad(args[0], zero_point, rounding=rounding,
                                              **self._pool_args(op))
        return ref.avg_pool2d(args[0], rounding=rounding, zero_point=zero_point, **self._pool_args(op))

    # The nonlinear ops (docs/Numerics.md, "Nonlinear ops").

    @staticmethod
    def _f64_array(a):
        """array<f64: 1.5, 0x3FF8000000000000> -> [float] (hex: the f64 bits)."""
        _, _, values = a.strip()[len("array<"):-1].partition(":")
        return [float(ir._scalar(v.strip(), np.dtype(np.float64))) for v in values.split(",") if v.strip()]

    def op_qc_table(self, op, args, types, env):
        q = self._qtype(op, 0)
        return ref.table(args[0], ir.dense(op.attrs["table"]).reshape(-1), q.bits, q.signed)

    def op_qc_softmax(self, op, args, types, env):
        q, y = self._qtype(op, 0), types[0].quant
        return ref.softmax(args[0], ir.attr_int(op.attrs["axis"]), q.scales[0], q.bits, y.scales[0],
                           int(y.zero_points[0]), y.qmin, y.qmax, self._profile(op))

    def op_qc_layer_norm(self, op, args, types, env):
        q, y = self._qtype(op, 0), types[0].quant
        eps = float(ir.scalar_attr(op.attrs["epsilon"])[0])
        return ref.layer_norm(args[0], q.scales[0], int(q.zero_points[0]), self._f64_array(op.attrs["gamma"]),
                              self._f64_array(op.attrs["beta"]), eps, y.scales[0], int(y.zero_points[0]),
                              y.qmin, y.qmax, in_bits=q.bits)

    def op_qc_batch_matmul(self, op, args, types, env):
        a, b, y = self._qtype(op, 0), self._qtype(op, 1), types[0].quant
        acc = ref.batch_matmul(args[0], int(a.zero_points[0]), args[1], int(b.zero_points[0]))
        return self.requantize(acc, a.scales[0] * b.scales[0] / y.scales[0], int(y.zero_points[0]), y,
                               self._profile(op), self._clamp(op))

    def op_qc_hadamard(self, op, args, types, env):
        """The quantized form (docs/Hadamard.md); a float qc.hadamard is left
        to the float evaluation of the model, which qc does not fold."""
        if types[0].quant is None:
            raise EvalError("the evaluator does not know float 'qc.hadamard'")
        q, y = self._qtype(op, 0), types[0].quant
        negate = None
        if "negate" in op.attrs:
            body = op.attrs["negate"].strip()[len("array<"):-1].partition(":")[2]
            negate = [v.strip() in ("true", "1") for v in body.split(",") if v.strip()]
        return ref.hadamard(args[0], int(q.zero_points[0]), q.scales[0], int(y.zero_points[0]),
                            y.scales[0], y.qmin, y.qmax, ir.attr_int(op.attrs["block"]), negate,
                            self._profile(op), self._clamp(op)).astype(np.int64)

    def op_qc_float_island(self, op, args, types, env):
        """The island's ops in place; its results are the qc.yield operands."""
        for inner in op.regions[0][0].ops:
            if inner.name == "qc.yield":
                out = [env[v] for v in inner.operands]
                return out[0] if len(out) == 1 else out
            self.execute(inner, env)
        raise EvalError("qc.float_island without qc.yield")

    def op_qc_reshape(self, op, args, types, env):
        return args[0].reshape(types[0].shape)

    def op_qc_transpose(self, op, args, types, env):
        return np.transpose(args[0], ir.attr_array(op.attrs["permutation"]))

    def op_qc_concat(self, op, args, types, env):
        return np.concatenate(args, axis=ir.attr_int(op.attrs["axis"]))

    def op_quant_scast(self, op, args, types, env):
        t = types[0]
        if isinstance(t, ir.TensorType) and t.quant:
            codes = args[0].astype(np.int64)
            if not t.quant.signed:
                # unsigned codes live in signless storage (u8 200 is the i8
                # pattern -56, as MLIR prints it)
                codes &= (1 << t.quant.bits) - 1
            return codes
        return args[0].astype(ir.numpy_dtype(t.element))

    # ------------------------------------------------------------ constants, tensor ops

    def op_arith_constant(self, op, args, types, env):
        value = op.attrs["value"]
        if value.strip().startswith("dense<"):
            return ir.dense(value)
        return ir.scalar_attr(value)[0]

    def op_tensor_empty(self, op, args, types, env):
        t = types[0]
        return np.zeros(t.shape, ir.numpy_dtype(t.element) if not t.quant else np.int64)

    def op_tensor_collapse_shape(self, op, args, types, env):
        return args[0].reshape(types[0].shape)

    op_tensor_expand_shape = op_tensor_collapse_shape

    def op_tensor_reshape(self, op, args, types, env):
        return args[0].reshape(types[0].shape)

    def op_tensor_concat(self, op, args, types, env):
        return np.concatenate(args, axis=ir.attr_int(op.attrs["dim"]))

    def op_tensor_pad(self, op, args, types, env):
        lo, hi = ir.attr_array(op.attrs["static_low"]), ir.attr_array(op.attrs["static_high"])
        body = op.regions[0][0]
        yielded = body.ops[-1]
        if len(body.ops) != 1 or yielded.operands[0] not in env:
            raise EvalError("tensor.pad: only a constant padding value is supported")
        return np.pad(args[0], list(zip(lo, hi)), constant_values=env[yielded.operands[0]])

    def op_tensor_extract_slice(self, op, args, types, env):
        off, size, stride = (ir.attr_array(op.attrs[k]) for k in ("static_offsets", "static_sizes", "static_strides"))
        return args[0][tuple(slice(o, o + s * st, st) for o, s, st in zip(off, size, stride))].reshape(types[0].shape)

    # ------------------------------------------------------------ linalg

    def op_linalg_fill(self, op, args, types, env):
        return np.full(types[0].shape, args[0], dtype=args[1].dtype)

    def op_linalg_transpose(self, op, args, types, env):
        return np.transpose(args[0], ir.attr_array(op.attrs["permutation"])).copy()

    def op_linalg_broadcast(self, op, args, types, env):
        dims = ir.attr_array(op.attrs["dimensions"])
        x = args[0]
        for d in sorted(dims):
            x = np.expand_dims(x, d)
        return np.broadcast_to(x, types[0].shape).copy()

    def op_linalg_softmax(self, op, args, types, env):
        self.inexact.add(op.name)
        d = ir.attr_int(op.attrs["dimension"])
        x = _f32(args[0])
        e = np.exp(x - x.max(axis=d, keepdims=True))
        return (e / e.sum(axis=d, keepdims=True)).astype(np.float32)

    def op_linalg_generic(self, op, args, types, env):
        maps = [ir.affine_map(m) for m in ir._split_top(op.attrs["indexing_maps"].strip()[1:-1])]
        iters = [ir.attr_enum(t) for t in ir._split_top(op.attrs["iterator_types"].strip()[1:-1])]
        n_in = ir.attr_array(op.attrs["operandSegmentSizes"])[0]
        return self._generic(args[:n_in], args[n_in:], maps, iters, op.regions[0][0], env)

    def op_linalg_matmul(self, op, args, types, env):
        if "indexing_maps" in op.attrs:
            maps = [ir.affine_map(m) for m in ir._split_top(op.attrs["indexing_maps"].strip()[1:-1])]
        else:
            maps = [(3, [({0: 1}, 0), ({2: 1}, 0)]), (3, [({2: 1}, 0), ({1: 1}, 0)]), (3, [({0: 1}, 0), ({1: 1}, 0)])]
        return self._generic(args[:2], args[2:], maps, ["parallel", "parallel", "reduction"], op.regions[0][0], env,
                             fma=True)

    def op_linalg_batch_matmul(self, op, args, types, env):
        d = lambda i: ({i: 1}, 0)  # noqa: E731
        maps = [(4, [d(0), d(1), d(3)]), (4, [d(0), d(3), d(2)]), (4, [d(0), d(1), d(2)])]
        return self._generic(args[:2], args[2:], maps, ["parallel"] * 3 + ["reduction"], op.regions[0][0], env,
                             fma=True)

    @staticmethod
    def _window_maps(op):
        """Strides and dilations of a sliding-window op."""
        sh, sw = ir.attr_array(op.attrs["strides"]) if "strides" in op.attrs else (1, 1)
        dh, dw = ir.attr_array(op.attrs["dilations"]) if "dilations" in op.attrs else (1, 1)
        return sh, sw, dh, dw

    def _pooling(self, op, args, env):
        sh, sw, dh, dw = self._window_maps(op)
        d = lambda i: ({i: 1}, 0)  # noqa: E731
        inp = (6, [d(0), ({1: sh, 4: dh}, 0), ({2: sw, 5: dw}, 0), d(3)])
        maps = [inp, (6, [d(4), d(5)]), (6, [d(0), d(1), d(2), d(3)])]
        return self._generic(args[:2], args[2:], maps, ["parallel"] * 4 + ["reduction"] * 2, op.regions[0][0], env)

    def op_linalg_pooling_nhwc_sum(self, op, args, types, env):
        return self._pooling(op, args, env)

    op_linalg_pooling_nhwc_max = op_linalg_pooling_nhwc_sum

    def op_linalg_conv_2d_nhwc_hwcf(self, op, args, types, env):
        sh, sw, dh, dw = self._window_maps(op)
        d = lambda i: ({i: 1}, 0)  # noqa: E731
        # dims (n, oh, ow, f, kh, kw, c)
        maps = [(7, [d(0), ({1: sh, 4: dh}, 0), ({2: sw, 5: dw}, 0), d(6)]), (7, [d(4), d(5), d(6), d(3)]),
                (7, [d(0), d(1), d(2), d(3)])]
        return self._generic(args[:2], args[2:], maps, ["parallel"] * 4 + ["reduction"] * 3, op.regions[0][0], env)

    def op_linalg_depthwise_conv_2d_nhwc_hwc(self, op, args, types, env):
        sh, sw, dh, dw = self._window_maps(op)
        d = lambda i: ({i: 1}, 0)  # noqa: E731
        maps = [(6, [d(0), ({1: sh, 4: dh}, 0), ({2: sw, 5: dw}, 0), d(3)]), (6, [d(4), d(5), d(3)]),
                (6, [d(0), d(1), d(2), d(3)])]
        return self._generic(args[:2], args[2:], maps, ["parallel"] * 4 + ["reduction"] * 2, op.regions[0][0], env)

    def op_linalg_reduce(self, op, args, types, env):
        dims = ir.attr_array(op.attrs["dimensions"])
        n = len(args) // 2
        rank = args[0].ndim
        ident = (rank, [({i: 1}, 0) for i in range(rank)])
        out = (rank, [({i: 1}, 0) for i in range(rank) if i not in dims])
        iters = ["reduction" if i in dims else "parallel" for i in range(rank)]
        # linalg.reduce's block takes (inputs..., inits...) like a generic's.
        return self._generic(args[:n], args[n:], [ident] * n + [out] * n, iters, op.regions[0][0], env)

    # ------------------------------------------------------------ the generic engine

    def _generic(self, ins, outs, maps, iters, body, env, fma=False):
        """Runs a linalg op given as indexing maps + iterator types + body:
        vectorized over the parallel dims, sequentially over the reduction
        dims in loop order. `fma`: a float multiply-accumulate body
        (mulf, addf) is one fused multiply-add, as the CPU's vector.contract
        lowering computes float contractions."""
        fused = fma and [o.name for o in body.ops] == ["arith.mulf", "arith.addf", "linalg.yield"] and \
            body.args[0][1] == "f32"
        n_dims = maps[0][0]
        bounds = [None] * n_dims
        for array, (_, exprs) in zip(list(ins) + list(outs), maps):
            for axis, (coeffs, const) in enumerate(exprs):
                if len(coeffs) == 1 and const == 0 and list(coeffs.values()) == [1]:
                    dim = next(iter(coeffs))
                    if bounds[dim] is None:
                        bounds[dim] = np.shape(array)[axis]
        if any(b is None for b in bounds):
            raise EvalError("linalg: cannot infer the loop bounds from the indexing maps")
        par = [i for i in range(n_dims) if iters[i] == "parallel"]
        red = [i for i in range(n_dims) if iters[i] != "parallel"]
        grid_shape = [bounds[i] for i in par]
        grids = {}
        for k, dim in enumerate(par):
            shape = [1] * len(par)
            shape[k] = bounds[dim]
            grids[dim] = np.arange(bounds[dim]).reshape(shape)

        def gather(array, exprs, point):
            idx = []
            for coeffs, const in exprs:
                v = const
                for dim, c in coeffs.items():
                    v = v + c * (grids[dim] if dim in grids else point[dim])
                idx.append(np.broadcast_to(v, grid_shape) if np.ndim(v) else v)
            if not idx:
                return np.broadcast_to(np.asarray(array), grid_shape)
            return np.broadcast_to(np.asarray(array)[tuple(idx)], grid_shape)

        n_in = len(ins)
        out_maps = maps[n_in:]
        for _, exprs in out_maps:
            for coeffs, const in exprs:
                if len(coeffs) != 1 or const or next(iter(coeffs)) in red:
                    raise EvalError("linalg: output maps must be projections of the parallel dims")
        accs = [gather(o, m[1], {}).copy() for o, m in zip(outs, out_maps)]
        points = itertools.product(*[range(bounds[i]) for i in red]) if red else [()]
        for values in points:
            point = dict(zip(red, values))
            operands = [gather(a, m[1], point) for a, m in zip(ins, maps[:n_in])]
            index_of = lambda dim: grids[dim] if dim in grids else point[dim]  # noqa: E731
            if fused:
                accs = [fma_f32(operands[0], operands[1], accs[0])]
                continue
            accs = [np.broadcast_to(r, grid_shape).astype(a.dtype) for r, a in
                    zip(self._body(body, operands + accs, env, index_of), accs)]
        results = []
        for acc, out, (_, exprs) in zip(accs, outs, out_maps):
            order = [par.index(next(iter(c))) for c, _ in exprs]
            # Parallel dims an output does not index are broadcast; take index 0.
            drop = tuple(slice(None) if k in order else 0 for k in range(len(par)))
            kept = [k for k in range(len(par)) if k in order]
            results.append(np.transpose(acc[drop], [kept.index(k) for k in order]).copy())
        return results[0] if len(results) == 1 else results

    def _body(self, block, values, outer, index_of):
        env = dict(outer)
        for (name, _), v in zip(block.args, values):
            env[name] = v
        for op in block.ops:
            if op.name == "linalg.yield":
                return [env[v] for v in op.operands]
            env[op.results[0]] = self._scalar_op(op, [env[v] for v in op.operands], env, index_of)
        raise EvalError("linalg body without linalg.yield")

    def _scalar_op(self, op, a, env, index_of):
        name = op.name
        ty = op.result_types[0] if op.result_types else None
        floating = ty in ("f16", "f32", "f64")
        if name == "arith.constant":
            return ir.scalar_attr(op.attrs["value"])[0]
        if name == "linalg.index":
            return index_of(ir.attr_int(op.attrs["dim"]))
        if name in _TRANSCENDENTAL:
            self.inexact.add(name)
            return np.asarray(_TRANSCENDENTAL[name](_f32(a[0]))).astype(np.float32)
        binary = {"arith.addf": np.add, "arith.subf": np.subtract, "arith.mulf": np.multiply,
                  "arith.divf": np.divide, "arith.maximumf": np.maximum, "arith.minimumf": np.minimum,
                  "arith.maxnumf": np.fmax, "arith.minnumf": np.fmin}
        if name in binary:
            return binary[name](_f32(a[0]), _f32(a[1])) if floating else binary[name](a[0], a[1])
        ibinary = {"arith.addi": np.add, "arith.subi": np.subtract, "arith.muli": np.multiply,
                   "arith.maxsi": np.maximum, "arith.minsi": np.minimum, "arith.andi": np.bitwise_and,
                   "arith.ori": np.bitwise_or, "arith.shrsi": np.right_shift, "arith.shli": np.left_shift}
        if name in ibinary:
            dt = ir.numpy_dtype(ty)
            return ibinary[name](np.asarray(a[0]).astype(dt), np.asarray(a[1]).astype(dt))
        if name == "arith.negf":
            return -_f32(a[0])
        if name == "math.absf":
            return np.abs(_f32(a[0]))
        if name == "math.floor":
            return np.floor(_f32(a[0]))
        if name == "math.roundeven":
            return np.rint(_f32(a[0]))
        if name == "math.round":
            return ref.round_real(a[0], ref.HALF_AWAY).astype(np.float32)
        if name == "arith.cmpf":
            return _CMPF[ir.attr_int(op.attrs["predicate"])](_f32(a[0]), _f32(a[1]))
        if name == "arith.cmpi":
            return _CMPI[ir.attr_int(op.attrs["predicate"])](a[0], a[1])
        if name == "arith.select":
            return np.where(a[0], a[1], a[2])
        if name in ("arith.sitofp", "arith.uitofp"):
            return np.asarray(a[0]).astype(ir.numpy_dtype(ty))
        if name in ("arith.fptosi", "arith.fptoui", "arith.extsi", "arith.extui", "arith.trunci",
                    "arith.index_cast", "arith.extf", "arith.truncf"):
            return np.asarray(a[0]).astype(ir.numpy_dtype(ty))
        raise EvalError("the evaluator does not know '%s' in a linalg body" % name)


def run_mlir(text, inputs, function=None):
    """Evaluates `function` (default: the only one) of a generic-form module."""
    funcs = ir.functions(ir.parse_module(text))
    if function is None:
        if len(funcs) != 1:
            raise EvalError("the module has %d functions; name one" % len(funcs))
        function = next(iter(funcs))
    interp = Interpreter()
    return interp.run(funcs[function], inputs), interp.inexact


def generic_text(path, build=None):
    """The module at `path` printed in generic form by qc-opt."""
    build = build or os.environ.get("QC_BUILD_DIR", "build")
    r = subprocess.run([os.path.join(build, "bin", "qc-opt"), path, "--mlir-print-op-generic",
                        "--mlir-print-local-scope"], capture_output=True, text=True)
    if r.returncode:
        raise EvalError("qc-opt could not print %s: %s" % (path, r.stderr.strip()[-2000:]))
    return r.stdout


def run_file(path, inputs, build=None, function=None):
    """Evaluates an MLIR file (any qc-opt-readable form); returns (outputs, inexact ops)."""
    return run_mlir(generic_text(path, build), inputs, function)
