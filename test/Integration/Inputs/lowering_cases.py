"""Execution cases for the integer lowering of qc ops, checked bit-exactly.

Each case is one function on !quant.uniform tensors (one qc op, weights either
function arguments or arith.constant + quant.scast constants), its random
inputs and the output that python/qc/reference.py predicts. `build_module`
wraps cases into one module whose @main reads the inputs from mutable
memref.globals (opaque to constant folding), calls every case and prints each
result with printMemrefI32; `parse_outputs` reads them back. The same cases
can drive any runner that executes a function on storage-typed inputs.
"""
import re

import numpy as np

from qc import reference as ref


def _dims(shape):
    """The dimension list of a tensor type; negative sizes are dynamic."""
    return "".join("?x" if d < 0 else "%dx" % d for d in shape)


def dynamic_rows(shape):
    """`shape` with a dynamic first dimension."""
    return (-1,) + tuple(shape[1:])


def _float(x):
    """A float literal MLIR parses back to the same double."""
    return "%.17e" % float(x)


class QType:
    """A !quant.uniform element type, per tensor or per axis."""

    def __init__(self, scale, zp=0, bits=8, signed=True, axis=None, expressed="f32"):
        self.bits, self.signed, self.axis, self.expressed = bits, signed, axis, expressed
        self.scales = np.atleast_1d(np.asarray(scale, dtype=np.float64))
        self.zps = np.broadcast_to(np.atleast_1d(np.asarray(zp, dtype=np.int64)),
                                   self.scales.shape).copy()
        self.qmin, self.qmax = ref.storage_range(bits, signed)

    @property
    def storage(self):
        return "i%d" % self.bits

    def mlir(self):
        kind = ("i" if self.signed else "u") + str(self.bits)
        if self.axis is None:
            return "!quant.uniform<%s:%s, %s:%d>" % (kind, self.expressed,
                                                     _float(self.scales[0]), self.zps[0])
        params = ", ".join("%s:%d" % (_float(s), z) for s, z in zip(self.scales, self.zps))
        return "!quant.uniform<%s:%s:%d, {%s}>" % (kind, self.expressed, self.axis, params)

    def tensor(self, shape):
        return "tensor<%s%s>" % (_dims(shape), self.mlir())

    def storage_tensor(self, shape):
        return "tensor<%s%s>" % (_dims(shape), self.storage)

    def random(self, rng, shape):
        return rng.integers(self.qmin, self.qmax + 1, size=shape, dtype=np.int64)


class F32:
    """The float side of qc.quantize / qc.dequantize. Results are compared
    through their bit patterns (arith.bitcast to i32), so bit-exactly."""
    storage, bits, signed, is_float = "f32", 32, True, True

    def tensor(self, shape):
        return "tensor<%sf32>" % _dims(shape)

    storage_tensor = tensor


def _storage_array(values, qtype):
    if getattr(qtype, "is_float", False):
        return np.asarray(values, dtype=np.float32)
    width = 8 if qtype.bits <= 8 else 16 if qtype.bits <= 16 else 32
    dtype = np.dtype("%s%d" % ("int" if qtype.signed else "uint", width))
    return np.asarray(values).astype(dtype)


def _float_literal(x):
    """An f32 element of a dense literal; NaN and +-inf as their bit pattern
    (MLIR's parser has no name for them)."""
    if np.isfinite(x):
        return "%.9e" % x
    return "0x%08X" % int(np.float32(x).view(np.uint32))


def _dense(values, bits, signed):
    """A dense<...> literal of storage codes (unsigned codes as bit patterns)."""
    if np.asarray(values).dtype == np.float32:
        v = np.asarray(values)
        body = np.array2string(v, separator=",", threshold=1 << 30, max_line_width=1 << 30,
                               formatter={"float_kind": _float_literal})
        return "dense<%s>" % body.replace("\n", "")
    v = np.asarray(values, dtype=np.int64)
    if not signed:
        v = np.where(v >= (1 << (bits - 1)), v - (1 << bits), v)
    if v.ndim == 0:
        return "dense<%d>" % v
    return "dense<%s>" % np.array2string(v, separator=",", threshold=1 << 30,
                                         max_line_width=1 << 30).replace("\n", "")


class Case:
    """One qc op applied to arguments and constants, plus its expected result."""

    def __init__(self, name):
        self.name = name
        self.args = []    # (values, QType, shape)
        self.body = []
        self.result = None  # (QType, shape)
        self.expected = None
        self._tmp = 0
        # Arguments (by index) and result whose first dimension is dynamic in
        # the function signature; @main casts the static inputs to them.
        self.dynamic_args = set()
        self.dynamic_result = False

    def arg_type(self, i):
        values, q = self.args[i]
        return q.tensor(dynamic_rows(values.shape) if i in self.dynamic_args else values.shape)

    def result_shape(self):
        shape = self.result[1]
        return dynamic_rows(shape) if self.dynamic_result else shape

    def arg(self, values, qtype):
        dtype = np.float32 if getattr(qtype, "is_float", False) else np.int64
        self.args.append((np.asarray(values, dtype=dtype), qtype))
        return "%%arg%d" % (len(self.args) - 1)

    def const(self, values, qtype):
        values = np.asarray(values, dtype=np.int64)
        self._tmp += 1
        name = "%%c%d" % self._tmp
        self.body.append("%s_s = arith.constant %s : %s" % (
            name, _dense(values, qtype.bits, qtype.signed), qtype.storage_tensor(values.shape)))
        self.body.append("%s = quant.scast %s_s : %s to %s" % (
            name, name, qtype.storage_tensor(values.shape), qtype.tensor(values.shape)))
        return name

    def storage_inputs(self):
        """The arguments as numpy arrays of their storage dtype (int8, uint8,
        int16, ..., float32), e.g. to write .npy files for a runner."""
        return [_storage_array(v, q) for v, q in self.args]

    def storage_expected(self):
        """The expected result in its storage dtype (float32 results as
        float32, rebuilt from the compared bit patterns)."""
        q, _ = self.result
        if getattr(q, "is_float", False):
            return np.asarray(self.expected, dtype=np.int64).astype(np.int32).view(np.float32)
        return _storage_array(self.expected, q)

    def func_text(self):
        params = ", ".join("%%arg%d: %s" % (i, self.arg_type(i)) for i in range(len(self.args)))
        qt = self.result[0]
        lines = ["func.func @%s(%s) -> %s {" % (self.name, params, qt.tensor(self.result_shape()))]
        lines += ["  " + l for l in self.body]
        lines.append("  return %%r : %s" % qt.tensor(self.result_shape()))
        lines.append("}")
        return "\n".join(lines)


def build_module(cases):
    """MLIR text: every case function, the input globals and @main."""
    out = ["func.func private @printMemrefI32(memref<*xi32>)"]
    main = ["func.func @main() {"]
    for c in cases:
        out.append(c.func_text())
        operands = []
        for i, (values, q) in enumerate(c.args):
            g = "@%s_in%d" % (c.name, i)
            mem = "memref<%s%s>" % ("".join("%dx" % d for d in values.shape), q.storage)
            # Not `constant`: the values stay opaque to constant folding.
            out.append('memref.global "private" %s : %s = %s' % (
                g, mem, _dense(values, q.bits, q.signed)))
            v = "%%%s_%d" % (c.name, i)
            main.append("  %s_m = memref.get_global %s : %s" % (v, g, mem))
            main.append("  %s_t = bufferization.to_tensor %s_m restrict : %s to %s" % (
                v, v, mem, q.storage_tensor(values.shape)))
            if getattr(q, "is_float", False):
                operands.append(v + "_t")
                continue
            storage = q.storage_tensor(values.shape)
            if i in c.dynamic_args:
                dynamic = q.storage_tensor(dynamic_rows(values.shape))
                main.append("  %s_d = tensor.cast %s_t : %s to %s" % (v, v, storage, dynamic))
                main.append("  %s = quant.scast %s_d : %s to %s" % (v, v, dynamic, c.arg_type(i)))
            else:
                main.append("  %s = quant.scast %s_t : %s to %s" % (v, v, storage, c.arg_type(i)))
            operands.append(v)
        qt, shape = c.result
        r = "%%%s_r" % c.name
        main.append("  %s = call @%s(%s) : (%s) -> %s" % (
            r, c.name, ", ".join(operands),
            ", ".join(c.arg_type(i) for i in range(len(c.args))), qt.tensor(c.result_shape())))
        is_float = getattr(qt, "is_float", False)
        if is_float:
            main.append("  %s_s = tensor.cast %s : %s to %s" % (r, r, qt.tensor(shape),
                                                               qt.tensor(shape)))
        elif c.dynamic_result:
            dynamic = qt.storage_tensor(c.result_shape())
            main.append("  %s_q = quant.scast %s : %s to %s" % (r, r, qt.tensor(c.result_shape()),
                                                                dynamic))
            main.append("  %s_s = tensor.cast %s_q : %s to %s" % (r, r, dynamic,
                                                                 qt.storage_tensor(shape)))
        else:
            main.append("  %s_s = quant.scast %s : %s to %s" % (r, r, qt.tensor(shape),
                                                                qt.storage_tensor(shape)))
        rank = len(shape)
        dims = ", ".join("d%d" % i for i in range(rank))
        ext = "arith.bitcast" if is_float else "arith.extsi" if qt.signed else "arith.extui"
        i32 = "tensor<%si32>" % "".join("%dx" % d for d in shape)
        main.append("  %s_e = tensor.empty() : %s" % (r, i32))
        main.append(
            "  %s_w = linalg.generic {indexing_maps = [affine_map<(%s) -> (%s)>, "
            "affine_map<(%s) -> (%s)>], iterator_types = [%s]} ins(%s_s : %s) outs(%s_e : %s)%s {\n"
            "  ^bb0(%%x: %s, %%o: i32):\n    %%y = %s %%x : %s to i32\n    linalg.yield %%y : i32\n"
            "  } -> %s" % (r, dims, dims, dims, dims,
                           ", ".join(['"parallel"'] * rank), r, qt.storage_tensor(shape),
                           r, i32,
                           # Reading float bits for printing is a boundary too.
                           " attrs = {qc.float_boundary}" if is_float else "",
                           qt.storage, ext, qt.storage, i32))
        mem = "memref<%si32>" % "".join("%dx" % d for d in shape)
        main.append("  %s_b = bufferization.to_buffer %s_w : %s to %s" % (r, r, i32, mem))
        main.append("  %s_u = memref.cast %s_b : %s to memref<*xi32>" % (r, r, mem))
        main.append("  call @printMemrefI32(%s_u) : (memref<*xi32>) -> ()" % r)
    main.append("  return\n}")
    return "\n".join(out + ["\n".join(main)]) + "\n"


def parse_outputs(stdout, cases):
    """The printed results, one array per case, in order."""
    chunks = stdout.split("Unranked Memref")[1:]
    if len(chunks) != len(cases):
        raise RuntimeError("expected %d printed results, got %d" % (len(cases), len(chunks)))
    results = []
    for c, chunk in zip(cases, chunks):
        data = chunk.split("data =", 1)[1]
        values = np.array([int(t) for t in re.findall(r"-?\d+", data)], dtype=np.int64)
        results.append(values.reshape(c.result[1]))
    return results


# --------------------------------------------------------------------------
# Case builders: each returns a Case with its expected result.
# --------------------------------------------------------------------------

def _clamp_text(clamp):
    return "" if clamp is None else " clamp [%d, %d]" % clamp


def _profile_text(profile):
    return "" if profile == ref.DOUBLE_ROUND else " profile <%s>" % profile


def matmul_case(name, rng, m, k, n, aq, bq, yq, bias=True, const_weights=False,
                const_bias=False, profile=ref.DOUBLE_ROUND, clamp=None, transposed=False,
                bias_values=None, dynamic=False):
    """`transposed`: the constant weights are stored [N, K] and reach the
    matmul through qc.transpose (folded at compile time)."""
    c = Case(name)
    a = aq.random(rng, (m, k))
    b = bq.random(rng, (k, n))
    rows = -1 if dynamic else m
    bias_scales = aq.scales[0] * bq.scales
    a_name = c.arg(a, aq)
    if transposed:
        tq = QType(bq.scales, bq.zps, bq.bits, bq.signed, None if bq.axis is None else 0)
        stored = c.const(b.T, tq)
        b_name = stored + "_t"
        c.body.append("%s = qc.transpose %s [1, 0] : %s -> %s" % (
            b_name, stored, tq.tensor((n, k)), bq.tensor((k, n))))
    else:
        b_name = c.const(b, bq) if const_weights else c.arg(b, bq)
    operands, types = "%s, %s" % (a_name, b_name), "%s, %s" % (aq.tensor((rows, k)), bq.tensor((k, n)))
    if bias:
        bias_q = QType(bias_scales, 0, bits=32, axis=0 if bq.axis is not None else None)
        if bias_values is None:
            bias_values = rng.integers(-5000, 5000, size=(n,))
        bias_name = c.const(bias_values, bias_q) if const_bias else c.arg(bias_values, bias_q)
        operands += " bias " + bias_name
        types += ", " + bias_q.tensor((n,))
    c.body.append("%%r = qc.matmul %s%s%s : %s -> %s" % (
        operands, _profile_text(profile), _clamp_text(clamp), types, yq.tensor((rows, n))))
    c.result = (yq, (m, n))
    if dynamic:
        c.dynamic_args.add(0)
        c.dynamic_result = True
    acc = ref.matmul(a, aq.zps[0], b, bq.zps, bias_values)
    real = aq.scales[0] * bq.scales / yq.scales[0]
    if bq.axis is None:
        real = real[0]
    c.expected = ref.output_stage(acc, real, yq.zps[0], yq.qmin, yq.qmax, profile, clamp)
    return c


def batch_matmul_case(name, rng, batch, m, k, n, aq, bq, yq, profile=ref.DOUBLE_ROUND,
                      clamp=None, a=None, b=None):
    """qc.batch_matmul of two run-time operands [B, M, K] x [B, K, N]
    (per-tensor parameters; random codes unless `a` / `b` are given)."""
    c = Case(name)
    a = aq.random(rng, (batch, m, k)) if a is None else np.asarray(a, dtype=np.int64)
    b = bq.random(rng, (batch, k, n)) if b is None else np.asarray(b, dtype=np.int64)
    a_name, b_name = c.arg(a, aq), c.arg(b, bq)
    c.body.append("%%r = qc.batch_matmul %s, %s%s%s : %s, %s -> %s" % (
        a_name, b_name, _profile_text(profile), _clamp_text(clamp), aq.tensor((batch, m, k)),
        bq.tensor((batch, k, n)), yq.tensor((batch, m, n))))
    c.result = (yq, (batch, m, n))
    acc = ref.batch_matmul(a, aq.zps[0], b, bq.zps[0])
    real = aq.scales[0] * bq.scales[0] / yq.scales[0]
    c.expected = ref.output_stage(acc, real, yq.zps[0], yq.qmin, yq.qmax, profile, clamp)
    return c


def conv2d_case(name, rng, x_shape, w_shape, xq, wq, yq, strides=(1, 1),
                padding=(0, 0, 0, 0), dilations=(1, 1), groups=1, bias=True,
                const_weights=False, profile=ref.DOUBLE_ROUND, clamp=None, dynamic=False):
    c = Case(name)
    x = xq.random(rng, x_shape)
    w = wq.random(rng, w_shape)
    f = w_shape[3]
    x_name = c.arg(x, xq)
    w_name = c.const(w, wq) if const_weights else c.arg(w, wq)
    x_type_shape = dynamic_rows(x_shape) if dynamic else x_shape
    operands, types = "%s, %s" % (x_name, w_name), "%s, %s" % (xq.tensor(x_type_shape),
                                                               wq.tensor(w_shape))
    bias_values = None
    if bias:
        bias_q = QType(xq.scales[0] * wq.scales, 0, bits=32,
                       axis=0 if wq.axis is not None else None)
        bias_values = rng.integers(-5000, 5000, size=(f,))
        operands += " bias " + c.arg(bias_values, bias_q)
        types += ", " + bias_q.tensor((f,))
    acc = ref.conv2d(x, xq.zps[0], w, wq.zps, bias_values, strides, padding, dilations, groups)
    y_shape = acc.shape
    attrs = "{strides = array<i64: %d, %d>, padding = array<i64: %d, %d, %d, %d>, " \
            "dilations = array<i64: %d, %d>, groups = %d : i64}" % (
                tuple(strides) + tuple(padding) + tuple(dilations) + (groups,))
    c.body.append("%%r = qc.conv2d %s%s%s %s : %s -> %s" % (
        operands, _profile_text(profile), _clamp_text(clamp), attrs, types,
        yq.tensor(dynamic_rows(y_shape) if dynamic else y_shape)))
    c.result = (yq, y_shape)
    if dynamic:
        c.dynamic_args.add(0)
        c.dynamic_result = True
    real = xq.scales[0] * wq.scales / yq.scales[0]
    if wq.axis is None:
        real = real[0]
    c.expected = ref.output_stage(acc, real, yq.zps[0], yq.qmin, yq.qmax, profile, clamp)
    return c


def add_case(name, rng, shape, aq, bq, yq, profile=ref.DOUBLE_ROUND, clamp=None,
             dynamic=False):
    c = Case(name)
    a, b = aq.random(rng, shape), bq.random(rng, shape)
    tshape = dynamic_rows(shape) if dynamic else shape
    c.body.append("%%r = qc.add %s, %s%s%s : %s, %s -> %s" % (
        c.arg(a, aq), c.arg(b, bq), _profile_text(profile), _clamp_text(clamp),
        aq.tensor(tshape), bq.tensor(tshape), yq.tensor(tshape)))
    c.result = (yq, shape)
    if dynamic:
        c.dynamic_args.update((0, 1))
        c.dynamic_result = True
    c.expected = ref.add(a, aq.scales[0], aq.zps[0], b, bq.scales[0], bq.zps[0],
                         yq.scales[0], yq.zps[0], yq.qmin, yq.qmax,
                         bits=max(aq.bits, bq.bits), profile=profile, clamp=clamp)
    return c


def mul_case(name, rng, shape, aq, bq, yq, profile=ref.DOUBLE_ROUND, clamp=None):
    c = Case(name)
    a, b = aq.random(rng, shape), bq.random(rng, shape)
    c.body.append("%%r = qc.mul %s, %s%s%s : %s, %s -> %s" % (
        c.arg(a, aq), c.arg(b, bq), _profile_text(profile), _clamp_text(clamp),
        aq.tensor(shape), bq.tensor(shape), yq.tensor(shape)))
    c.result = (yq, shape)
    c.expected = ref.mul(a, aq.scales[0], aq.zps[0], b, bq.scales[0], bq.zps[0],
                         yq.scales[0], yq.zps[0], yq.qmin, yq.qmax, profile, clamp)
    return c


def requantize_case(name, rng, shape, xq, yq, profile=ref.DOUBLE_ROUND, clamp=None):
    c = Case(name)
    x = xq.random(rng, shape)
    c.body.append("%%r = qc.requantize %s%s%s : %s -> %s" % (
        c.arg(x, xq), _profile_text(profile), _clamp_text(clamp), xq.tensor(shape),
        yq.tensor(shape)))
    c.result = (yq, shape)
    axis = xq.axis if xq.axis is not None else yq.axis
    bshape = [1] * len(shape)
    if axis is not None:
        bshape[axis] = -1
    zin = xq.zps.reshape(bshape) if xq.axis is not None else xq.zps[0]
    real = xq.scales / yq.scales
    real = real.reshape(bshape) if axis is not None else real[0]
    pairs = [ref.quantize_multiplier(r) for r in np.atleast_1d(real).ravel()]
    mult = np.array([p[0] for p in pairs]).reshape(np.shape(real))
    shift = np.array([p[1] for p in pairs]).reshape(np.shape(real))
    r = ref.apply_multiplier(x - zin, mult, shift, profile)
    zy = yq.zps.reshape(bshape) if yq.axis is not None else yq.zps[0]
    lo, hi = yq.qmin, yq.qmax
    if clamp is not None:
        lo, hi = max(lo, clamp[0]), min(hi, clamp[1])
    c.expected = np.clip(r + zy, lo, hi)
    return c


def clamp_case(name, rng, shape, xq, lo, hi):
    c = Case(name)
    x = xq.random(rng, shape)
    c.body.append("%%r = qc.clamp %s [%d, %d] : %s" % (c.arg(x, xq), lo, hi, xq.tensor(shape)))
    c.result = (xq, shape)
    c.expected = np.clip(x, lo, hi)
    return c


def pool_case(name, rng, kind, x_shape, xq, kernel, strides=(1, 1), padding=(0, 0, 0, 0),
              dynamic=False, rounding=None, include_pad=False, extremes=False):
    """`rounding`, `include_pad`: qc.avg_pool2d's tie mode and
    count_include_pad; `extremes`: codes drawn from {qmin, qmax} only (ties
    and negative sums at the storage limits)."""
    c = Case(name)
    x = rng.choice([xq.qmin, xq.qmax], size=x_shape) if extremes else xq.random(rng, x_shape)
    if kind == "max":
        expected = ref.max_pool2d(x, kernel, strides, padding)
    elif include_pad:
        expected = ref.avg_pool2d_include_pad(x, xq.zps[0], kernel, strides, padding,
                                              rounding=rounding or ref.HALF_AWAY)
    else:
        expected = ref.avg_pool2d(x, kernel, strides, padding, rounding=rounding or ref.HALF_AWAY,
                                  zero_point=xq.zps[0])
    attrs = "{kernel = array<i64: %d, %d>, strides = array<i64: %d, %d>, " \
            "padding = array<i64: %d, %d, %d, %d>%s}" % (
                tuple(kernel) + tuple(strides) + tuple(padding) +
                (", count_include_pad" if include_pad else "",))
    if rounding:
        attrs = "rounding <%s> %s" % (rounding, attrs)
    shape_of = dynamic_rows if dynamic else tuple
    c.body.append("%%r = qc.%s_pool2d %s %s : %s -> %s" % (
        kind, c.arg(x, xq), attrs, xq.tensor(shape_of(x_shape)),
        xq.tensor(shape_of(expected.shape))))
    c.result = (xq, expected.shape)
    if dynamic:
        c.dynamic_args.add(0)
        c.dynamic_result = True
    c.expected = expected
    return c


def quantize_case(name, rng, shape, yq, mode=ref.HALF_EVEN, ties=False):
    c = Case(name)
    if ties:
        # Multiples of s/2 with a power-of-two scale: every quotient is exact,
        # half of them ties.
        x = (rng.integers(-300, 300, size=shape) * (yq.scales[0] / 2)).astype(np.float32)
    else:
        x = rng.uniform(-20, 20, size=shape).astype(np.float32)
    rounding = "" if mode == ref.HALF_EVEN else " rounding <%s>" % mode
    c.body.append("%%r = qc.quantize %s%s : %s -> %s" % (
        c.arg(x, F32()), rounding, F32().tensor(shape), yq.tensor(shape)))
    c.result = (yq, shape)
    c.expected = ref.quantize(x, yq.scales if yq.axis is not None else yq.scales[0],
                              yq.zps if yq.axis is not None else yq.zps[0], yq.qmin,
                              yq.qmax, mode, axis=yq.axis, float_type=np.float32)
    return c


def quantize_nonfinite_case(name, rng, yq, mode=ref.HALF_EVEN):
    """qc.quantize of NaN, +-inf, +-FLT_MAX and ordinary values: NaN gives
    the zero point, the rest saturate (docs/Numerics.md)."""
    c = Case(name)
    special = [np.nan, -np.nan, np.inf, -np.inf, np.finfo(np.float32).max,
               -np.finfo(np.float32).max, 0.0, -0.0]
    x = np.concatenate([special, rng.uniform(-20, 20, size=8)]).astype(np.float32)
    x = x.reshape(2, 8)
    rounding = "" if mode == ref.HALF_EVEN else " rounding <%s>" % mode
    c.body.append("%%r = qc.quantize %s%s : %s -> %s" % (
        c.arg(x, F32()), rounding, F32().tensor(x.shape), yq.tensor(x.shape)))
    c.result = (yq, x.shape)
    c.expected = ref.quantize(x, yq.scales if yq.axis is not None else yq.scales[0],
                              yq.zps if yq.axis is not None else yq.zps[0], yq.qmin,
                              yq.qmax, mode, axis=yq.axis, float_type=np.float32)
    return c


def dequantize_case(name, rng, shape, xq):
    c = Case(name)
    q = xq.random(rng, shape)
    c.body.append("%%r = qc.dequantize %s : %s -> %s" % (
        c.arg(q, xq), xq.tensor(shape), F32().tensor(shape)))
    c.result = (F32(), shape)
    real = ref.dequantize(q, xq.scales if xq.axis is not None else xq.scales[0],
                          xq.zps if xq.axis is not None else xq.zps[0], axis=xq.axis,
                          float_type=np.float32)
    c.expected = real.view(np.int32).astype(np.int64)
    return c


def shape_cases(rng):
    q = QType(0.1, 3)
    cases = []
    c = Case("reshape")
    x = q.random(rng, (2, 3, 4))
    c.body.append("%%r = qc.reshape %s : %s -> %s" % (c.arg(x, q), q.tensor((2, 3, 4)), q.tensor((4, 6))))
    c.result, c.expected = (q, (4, 6)), x.reshape(4, 6)
    cases.append(c)
    c = Case("transpose")
    x = q.random(rng, (2, 3, 5))
    c.body.append("%%r = qc.transpose %s [2, 0, 1] : %s -> %s" % (
        c.arg(x, q), q.tensor((2, 3, 5)), q.tensor((5, 2, 3))))
    c.result, c.expected = (q, (5, 2, 3)), np.transpose(x, (2, 0, 1))
    cases.append(c)
    c = Case("concat")
    x, y = q.random(rng, (2, 3)), q.random(rng, (2, 5))
    c.body.append("%%r = qc.concat %s, %s axis 1 : (%s, %s) -> %s" % (
        c.arg(x, q), c.arg(y, q), q.tensor((2, 3)), q.tensor((2, 5)), q.tensor((2, 8))))
    c.result, c.expected = (q, (2, 8)), np.concatenate([x, y], axis=1)
    cases.append(c)
    return cases


def hadamard_case(name, rng, shape, block, xq, yq, negate=False, profile=ref.DOUBLE_ROUND,
                  clamp=None):
    """qc.hadamard (docs/Hadamard.md); `negate`: random sign flips."""
    c = Case(name)
    x = xq.random(rng, shape)
    signs = rng.integers(0, 2, shape[-1]).astype(bool) if negate else None
    negate_text = "" if signs is None else " negate [%s]" % ", ".join(
        "true" if s else "false" for s in signs)
    c.body.append("%%r = qc.hadamard %s block %d%s%s%s : %s -> %s" % (
        c.arg(x, xq), block, negate_text, _profile_text(profile), _clamp_text(clamp),
        xq.tensor(shape), yq.tensor(shape)))
    c.result = (yq, shape)
    c.expected = ref.hadamard(x, xq.zps[0], xq.scales[0], yq.zps[0], yq.scales[0], yq.qmin,
                              yq.qmax, block, signs, profile, clamp)
    return c


def hadamard_cases(rng):
    """Odd row counts, several blocks per row, zero points != 0, 16-bit
    inputs (the calibrated form), unsigned, i4, saturation and clamps."""
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND
    return [
        hadamard_case("hadamard_i8", rng, (3, 16), 8, QType(0.02, 3), QType(0.03, -2),
                      negate=True),
        hadamard_case("hadamard_i16_i8", rng, (2, 64), 64, QType(0.001, -7, bits=16),
                      QType(0.5, 1), negate=True, profile=S),
        hadamard_case("hadamard_u8_clamp", rng, (5, 12), 4, QType(0.05, 128, signed=False),
                      QType(0.06, 120, signed=False), clamp=(100, 200)),
        hadamard_case("hadamard_i4_rank3", rng, (2, 3, 6), 2, QType(0.5, 1, bits=4),
                      QType(0.3, 0), negate=True),
        # A real multiplier of 0.02 / (4 * 0.001) = 5 > 1: most results saturate.
        hadamard_case("hadamard_sat", rng, (3, 16), 16, QType(0.02, 0), QType(0.001, 0),
                      negate=True, profile=S),
        # The largest block the verifier allows for i16 codes of up to 32768.
        hadamard_case("hadamard_i16_2e15", rng, (1, 32768), 32768, QType(1.0, 0, bits=16),
                      QType(181.0, 0, bits=16)),
    ] + paley_hadamard_cases(np.random.default_rng(17)) + padded_hadamard_cases(
        np.random.default_rng(23))


def paley_hadamard_cases(rng):
    """Blocks m * 2^k with a Paley H_m (own generator: the other families keep
    their data): 12, 24 = 12 * 2, 40 = 20 * 2, 96 = 12 * 8 twice per row,
    768 = 12 * 64 (a transformer width), i4 at rank 3, saturation, the
    largest i16 block under the i32 bound, 49152 = 12 * 4096, and Paley II
    blocks."""
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND
    return [
        hadamard_case("hadamard_paley12_i8", rng, (5, 12), 12, QType(0.02, 3),
                      QType(0.05, -2), negate=True),
        hadamard_case("hadamard_paley24_sat", rng, (3, 24), 24, QType(0.02, -4),
                      QType(0.001, 1), negate=True, profile=S),
        hadamard_case("hadamard_paley40_i16", rng, (3, 40), 40, QType(0.001, -9, bits=16),
                      QType(0.3, 2), negate=True),
        hadamard_case("hadamard_paley96_u8_clamp", rng, (3, 192), 96,
                      QType(0.05, 128, signed=False), QType(0.08, 120, signed=False),
                      negate=True, profile=S, clamp=(90, 210)),
        hadamard_case("hadamard_paley768_i16", rng, (3, 768), 768,
                      QType(0.002, -5, bits=16), QType(0.4, 3), negate=True),
        hadamard_case("hadamard_paley12_i4_rank3", rng, (2, 3, 12), 12, QType(0.5, 1, bits=4),
                      QType(0.4, 0), negate=True),
        hadamard_case("hadamard_paley_i16_49152", rng, (1, 49152), 49152,
                      QType(1.0, 0, bits=16), QType(222.0, 0, bits=16), negate=True),
        # Paley II (m = 2 (q + 1), q = 1 mod 4): 28 (q = 13) alone,
        # 56 = 28 * 2 twice per row, 36 = Paley II (q = 17) twice per row, and
        # 196 = 4 * 49 (q = 97) from i16 with saturation.
        hadamard_case("hadamard_paley2_28_i8", rng, (5, 28), 28, QType(0.02, -3),
                      QType(0.06, 4), negate=True),
        hadamard_case("hadamard_paley2_56_u8_clamp", rng, (3, 112), 56,
                      QType(0.05, 128, signed=False), QType(0.09, 125, signed=False),
                      negate=True, profile=S, clamp=(80, 200)),
        hadamard_case("hadamard_paley2_36_i8", rng, (4, 72), 36, QType(0.03, 5),
                      QType(0.07, -1)),
        hadamard_case("hadamard_paley2_196_i16_sat", rng, (2, 196), 196,
                      QType(0.002, -11, bits=16), QType(0.01, 2), negate=True),
    ]


def padded_hadamard_case(name, rng, shape, padded, block, xq, yq, negate=True,
                         profile=ref.DOUBLE_ROUND, clamp=None, low=0):
    """The integer form of a zero-padded rotation (docs/Hadamard.md): the
    codes padded with the zero point on the last dimension (`low` before,
    the rest after: a tensor.pad between quant.scast casts, what
    --qc-fold-fake-quant makes of a zero pad of a dequantized value), then
    qc.hadamard over the padded width."""
    c = Case(name)
    x = xq.random(rng, shape)
    pshape = tuple(shape[:-1]) + (padded,)
    signs = rng.integers(0, 2, padded).astype(bool) if negate else None
    negate_text = "" if signs is None else " negate [%s]" % ", ".join(
        "true" if s else "false" for s in signs)
    zp = int(xq.zps[0])
    stored = zp - (1 << xq.bits) if not xq.signed and zp >= 1 << (xq.bits - 1) else zp
    rank = len(shape)
    high = padded - shape[-1] - low
    c.body.append("%%codes = quant.scast %s : %s to %s" % (
        c.arg(x, xq), xq.tensor(shape), xq.storage_tensor(shape)))
    c.body.append("%%zp = arith.constant %d : %s" % (stored, xq.storage))
    c.body.append("%%padded = tensor.pad %%codes low[%s] high[%s] {" % (
        ", ".join(["0"] * (rank - 1) + [str(low)]), ", ".join(["0"] * (rank - 1) + [str(high)])))
    c.body.append("^bb0(%s):" % ", ".join("%%i%d: index" % i for i in range(rank)))
    c.body.append("  tensor.yield %%zp : %s" % xq.storage)
    c.body.append("} : %s to %s" % (xq.storage_tensor(shape), xq.storage_tensor(pshape)))
    c.body.append("%%pq = quant.scast %%padded : %s to %s" % (
        xq.storage_tensor(pshape), xq.tensor(pshape)))
    c.body.append("%%r = qc.hadamard %%pq block %d%s%s%s : %s -> %s" % (
        block, negate_text, _profile_text(profile), _clamp_text(clamp),
        xq.tensor(pshape), yq.tensor(pshape)))
    c.result = (yq, pshape)
    xp = np.pad(x, [(0, 0)] * (rank - 1) + [(low, high)], constant_values=zp)
    c.expected = ref.hadamard(xp, xq.zps[0], xq.scales[0], yq.zps[0], yq.scales[0], yq.qmin,
                              yq.qmax, block, signs, profile, clamp)
    return c


def padded_hadamard_cases(rng):
    """Odd widths zero-padded to the smallest supported block, as
    --qc-hadamard-rotate and qc.calibration --rotate=hadamard pad them:
    5 -> 8 (the calibrated i16 -> i8 form, zero point != 0), 27 -> 28
    (Paley II), 9 -> 12 (Paley I, u8 with its zero point 200 stored as the
    i8 pattern -56, a clamp), 3 -> 4 at rank 4 (a 1x1 convolution's
    channels, i8), 75 -> 76 (Paley II, q = 37) with saturation, and 1001 ->
    1008 = 63 * 16 from i16 with the largest zero point; both profiles."""
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND
    return [
        padded_hadamard_case("hadamard_pad5_8_i16_i8", rng, (7, 5), 8, 8,
                             QType(0.001, -7, bits=16), QType(0.05, 1)),
        padded_hadamard_case("hadamard_pad27_28_i16", rng, (3, 27), 28, 28,
                             QType(0.002, 13, bits=16), QType(0.4, -2), profile=S),
        padded_hadamard_case("hadamard_pad9_12_u8_clamp", rng, (5, 9), 12, 12,
                             QType(0.02, 200, signed=False), QType(0.03, 120, signed=False),
                             clamp=(90, 220)),
        padded_hadamard_case("hadamard_pad3_4_i8_rank4", rng, (2, 3, 5, 3), 4, 4,
                             QType(0.05, -3), QType(0.06, 2), low=1),
        padded_hadamard_case("hadamard_pad75_76_sat", rng, (3, 75), 76, 76,
                             QType(0.02, 5), QType(0.001, 0), profile=S),
        padded_hadamard_case("hadamard_pad1001_1008_i16", rng, (2, 1001), 1008, 1008,
                             QType(0.001, 32767, bits=16), QType(0.2, -3)),
    ]

def spread_scale(s_in, s_w, reduction, codes=40.0):
    """An output scale that maps the typical accumulator of `reduction`
    products of full-range 8-bit codes to about +-`codes` output codes, so
    that most results are rounded rather than saturated."""
    return s_in * s_w * np.sqrt(reduction) * 74.0 * 74.0 / codes


def all_cases(seed=0):
    """The CPU lowering suite: every op family, both profiles, odd shapes,
    zero points != 0, per-channel weights and saturation at both ends."""
    rng = np.random.default_rng(seed)
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND
    cases = []
    for (m, k, n), profile in [((1, 1, 1), D), ((3, 17, 5), D), ((17, 65, 3), S),
                               ((65, 3, 17), D)]:
        cases.append(matmul_case("mm_%d_%d_%d_%s" % (m, k, n, profile), rng, m, k, n,
                                 QType(0.05, 3), QType(0.02, -2),
                                 QType(spread_scale(0.05, 0.02, k), -5), profile=profile))
    # Per-channel constant weights with per-channel zero points, folded.
    nq = 17
    bq = QType(rng.uniform(0.005, 0.05, nq), rng.integers(-4, 5, nq), axis=1)
    for profile in (D, S):
        cases.append(matmul_case("mm_pc_const_" + profile, rng, 3, 65, nq, QType(0.05, -7), bq,
                                 QType(spread_scale(0.05, 0.03, 65), 4), const_weights=True,
                                 const_bias=True, profile=profile))
        cases.append(matmul_case("mm_pc_arg_" + profile, rng, 5, 17, nq, QType(0.05, -7), bq,
                                 QType(spread_scale(0.05, 0.03, 17), 4), profile=profile,
                                 clamp=(-20, 100)))
    cases.append(matmul_case("mm_pc_transposed", rng, 3, 17, nq, QType(0.05, 5), bq,
                             QType(spread_scale(0.05, 0.03, 17), 4), transposed=True))
    cases.append(matmul_case("mm_dynamic_rows", rng, 9, 17, nq, QType(0.05, -7), bq,
                             QType(spread_scale(0.05, 0.03, 17), 4), const_weights=True,
                             dynamic=True))
    # Saturation at both ends (tiny output scale) and a real multiplier > 1.
    for profile in (D, S):
        cases.append(matmul_case("mm_sat_" + profile, rng, 4, 17, 5, QType(0.5, 1), QType(0.5, 0),
                                 QType(0.1, 0), profile=profile))
    # Accumulators at the ends of i32 (the bias dominates and the sum wraps)
    # through the extreme shifts 30 and -31, in both profiles: the edges of
    # the left shift, SaturatingRoundingDoublingHighMul and the 64-bit
    # single rounding.
    edge_bias = np.concatenate([[ref.INT32_MIN, ref.INT32_MAX, ref.INT32_MIN + 1, ref.INT32_MAX - 1,
                                 -1, 0, 1],
                                rng.integers(ref.INT32_MIN, ref.INT32_MAX, size=57, endpoint=True),
                                rng.integers(-1 << 20, 1 << 20, size=16)])
    sa, sb = 0.5, 0.25
    # Extreme shifts, frexp boundaries (exact powers of two) and the flush
    # threshold 2^-32, plus a few arbitrary multipliers.
    for label, real in (("shift30", 2.0 ** 29.5), ("shiftm31", 1.5 * 2.0 ** -32),
                        ("shift0", 0.75), ("pow2_m32", 2.0 ** -32), ("pow2_m31", 2.0 ** -31),
                        ("one", 1.0), ("half", 0.5), ("r37em6", 3.7e-6), ("r1234", 123.4),
                        ("r0333", 1.0 / 3.0)):
        for profile in (D, S):
            cases.append(matmul_case("mm_edge_%s_%s" % (label, profile), rng, 3, 2, len(edge_bias),
                                     QType(sa, 1), QType(sb, -1), QType(sa * sb / real, 0, bits=16),
                                     profile=profile, bias_values=edge_bias))
    # A multiplier below 2^-32 flushes to zero: the output is the zero point.
    cases.append(matmul_case("mm_flush", rng, 2, 3, 4, QType(1e-6, 0), QType(1e-6, 0),
                             QType(1.0, 7), bias=False))
    # Unsigned storage, alone and mixed with signed weights.
    sy = spread_scale(0.05, 0.02, 17)
    cases.append(matmul_case("mm_u8", rng, 3, 17, 5, QType(0.05, 128, signed=False),
                             QType(0.02, 120, signed=False), QType(sy, 100, signed=False)))
    cases.append(matmul_case("mm_u8_i8", rng, 3, 17, 5, QType(0.05, 128, signed=False),
                             QType(0.02, -3), QType(sy, -1), const_weights=True))
    cases.append(matmul_case("mm_i8_u8_arg", rng, 3, 17, 5, QType(0.05, 1),
                             QType(0.02, 130, signed=False), QType(sy, 2)))
    cases.append(matmul_case("mm_i4", rng, 3, 17, 5, QType(0.5, 1, bits=4), QType(0.25, 0, bits=4),
                             QType(spread_scale(0.5, 0.25, 17) / 8, -1)))
    cases.append(matmul_case("mm_i16", rng, 3, 1, 5, QType(0.001, 10, bits=16),
                             QType(0.002, 0, bits=16), QType(0.005, -3, bits=16)))

    # Convolutions.
    xq, yq = QType(0.05, -3), QType(spread_scale(0.05, 0.02, 18), 2)
    cases.append(conv2d_case("conv_s2_p1", rng, (1, 7, 6, 3), (3, 3, 3, 4), xq, QType(0.02, 1),
                             yq, strides=(2, 2), padding=(1, 1, 1, 1)))
    cases.append(conv2d_case("conv_dil_asym", rng, (2, 9, 8, 2), (2, 3, 2, 5), xq,
                             QType(rng.uniform(0.01, 0.03, 5), rng.integers(-3, 4, 5), axis=3),
                             yq, strides=(1, 2), padding=(0, 2, 1, 0), dilations=(2, 1),
                             const_weights=True, profile=S))
    cases.append(conv2d_case("conv_dw", rng, (1, 6, 6, 4), (3, 3, 1, 4), xq, QType(0.03, 2), yq,
                             padding=(1, 1, 1, 1), groups=4, clamp=(2, 127)))
    cases.append(conv2d_case("conv_dw_m2", rng, (1, 5, 7, 3), (3, 2, 1, 6), xq, QType(0.03, 0),
                             yq, strides=(2, 1), padding=(1, 0, 0, 1), groups=3,
                             const_weights=True))
    cases.append(conv2d_case("conv_dw_m2_pc", rng, (1, 5, 7, 3), (3, 2, 1, 6), xq,
                             QType(rng.uniform(0.01, 0.03, 6), rng.integers(-3, 4, 6), axis=3),
                             yq, strides=(2, 1), padding=(1, 0, 0, 1), dilations=(1, 2),
                             groups=3))
    cases.append(conv2d_case("conv_g2", rng, (1, 5, 5, 4), (3, 3, 2, 6), xq,
                             QType(rng.uniform(0.01, 0.03, 6), rng.integers(-3, 4, 6), axis=3),
                             yq, padding=(1, 1, 1, 1), groups=2, profile=S))
    # 8 groups of 3 channels with a filter zero point: the CPU's 16-wide
    # channel tiles start inside a group (found by differential testing).
    cases.append(conv2d_case("conv_g8_m3_zw", rng, (1, 2, 3, 16), (1, 2, 2, 24), xq,
                             QType(0.02, -9), yq, padding=(0, 1, 1, 1), groups=8))
    cases.append(conv2d_case("conv_dynamic_batch", rng, (3, 6, 5, 2), (3, 3, 2, 3), xq,
                             QType(0.02, 2), yq, strides=(2, 1), padding=(1, 1, 0, 2),
                             const_weights=True, dynamic=True))
    cases.append(conv2d_case("conv_g2_dynamic_batch", rng, (2, 5, 5, 4), (3, 3, 2, 6), xq,
                             QType(0.02, -1), yq, padding=(1, 1, 1, 1), groups=2, dynamic=True))
    cases.append(conv2d_case("conv_u8", rng, (1, 5, 5, 3), (2, 2, 3, 2),
                             QType(0.05, 128, signed=False), QType(0.02, 3), QType(spread_scale(0.05, 0.02, 12), 120, signed=False),
                             padding=(1, 0, 1, 0)))

    # Elementwise.
    shape = (3, 17)
    for profile in (D, S):
        cases.append(add_case("add_" + profile, rng, shape, QType(0.1, 3), QType(0.07, -4),
                              QType(0.15, 1), profile=profile))
        cases.append(mul_case("mul_" + profile, rng, shape, QType(0.1, 3), QType(0.07, -4),
                              QType(spread_scale(0.1, 0.07, 1), 1), profile=profile))
    cases.append(add_case("add_dynamic_rows", rng, (7, 5), QType(0.1, 3), QType(0.07, -4),
                          QType(0.15, 1), dynamic=True))
    cases.append(add_case("add_clamp_sat", rng, shape, QType(0.1, 0), QType(0.1, 0),
                          QType(0.02, -10), clamp=(-10, 100)))
    cases.append(add_case("add_i16", rng, shape, QType(0.001, 0, bits=16), QType(0.002, 5, bits=16),
                          QType(0.003, -1, bits=16)))
    cases.append(mul_case("mul_u8", rng, shape, QType(0.1, 128, signed=False),
                          QType(0.07, 100, signed=False), QType(spread_scale(0.1, 0.07, 1), 128, signed=False)))
    cases.append(requantize_case("requant_up", rng, shape, QType(0.1, 3), QType(0.03, -2)))
    cases.append(requantize_case("requant_pc", rng, (3, 4),
                                 QType([0.1, 0.2, 0.3, 0.05], [1, 2, -3, 0], axis=1),
                                 QType(0.07, 5), profile=S, clamp=(0, 120)))
    cases.append(requantize_case("requant_u16_i8", rng, shape, QType(0.001, 32768, bits=16, signed=False),
                                 QType(0.2, -3)))
    cases.append(requantize_case("requant_i8_u16", rng, shape, QType(0.1, 3),
                                 QType(0.0007, 30000, bits=16, signed=False), profile=S))
    cases.append(add_case("add_u16", rng, shape, QType(0.001, 40000, bits=16, signed=False),
                          QType(0.002, 100, bits=16, signed=False),
                          QType(0.0025, 32768, bits=16, signed=False)))
    cases.append(clamp_case("clamp", rng, shape, QType(0.1, 3), 3, 90))
    cases.append(clamp_case("clamp_u8", rng, shape, QType(0.1, 128, signed=False), 128, 250))

    # Pooling.
    cases.append(pool_case("maxpool", rng, "max", (1, 7, 6, 3), QType(0.1, 0), (3, 3),
                           (2, 2), (1, 1, 1, 0)))
    cases.append(pool_case("maxpool_u8", rng, "max", (2, 4, 4, 2), QType(0.1, 0, signed=False),
                           (2, 2), (2, 2)))
    cases.append(pool_case("avgpool", rng, "avg", (1, 7, 6, 3), QType(0.1, 0), (3, 3),
                           (2, 2), (1, 1, 1, 0)))
    cases.append(pool_case("avgpool_u8", rng, "avg", (1, 5, 5, 2), QType(0.1, 0, signed=False),
                           (2, 3), (1, 2), (1, 0, 0, 2)))
    cases.append(pool_case("maxpool_dynamic_batch", rng, "max", (3, 5, 5, 2), QType(0.1, 0),
                           (2, 2), (2, 2), (0, 1, 0, 1), dynamic=True))
    cases.append(pool_case("avgpool_dynamic_batch", rng, "avg", (3, 5, 5, 2),
                           QType(0.1, 0, signed=False), (3, 3), (2, 2), (1, 1, 1, 1),
                           dynamic=True))
    # Tie rounding of the average: even windows (2x2 stride 2: a quarter of
    # the sums are ties; 3x2 with padding: counts 2, 4, 6 and 3), each mode,
    # negative sums, odd and even zero points (half_even rounds the mean
    # relative to it) with count_include_pad both ways, and codes at the
    # storage limits only.
    for mode in (ref.HALF_AWAY, ref.HALF_EVEN):
        cases.append(pool_case("avgpool_ties_%s" % mode, rng, "avg", (2, 6, 8, 5), QType(0.1, -7),
                               (2, 2), (2, 2), rounding=mode))
        cases.append(pool_case("avgpool_ties_even_zp_%s" % mode, rng, "avg", (1, 6, 6, 4),
                               QType(0.1, 128, signed=False), (2, 2), (2, 2), rounding=mode))
        cases.append(pool_case("avgpool_pad_%s" % mode, rng, "avg", (1, 7, 6, 3), QType(0.1, 5),
                               (3, 2), (2, 1), (1, 2, 1, 0), rounding=mode))
        cases.append(pool_case("avgpool_include_pad_%s" % mode, rng, "avg", (1, 6, 7, 3),
                               QType(0.1, -100), (2, 4), (1, 2), (1, 1, 2, 1), rounding=mode,
                               include_pad=True))
        cases.append(pool_case("avgpool_u8_include_pad_%s" % mode, rng, "avg", (1, 5, 5, 2),
                               QType(0.1, 201, signed=False), (2, 2), (1, 1), (1, 0, 1, 1),
                               rounding=mode, include_pad=True))
        cases.append(pool_case("avgpool_extremes_%s" % mode, rng, "avg", (1, 4, 6, 4), QType(0.1, 0),
                               (1, 2), (1, 1), (0, 0, 1, 0), rounding=mode, extremes=True))
        cases.append(pool_case("avgpool_odd_%s" % mode, rng, "avg", (1, 7, 7, 3), QType(0.1, 9),
                               (3, 3), (2, 2), rounding=mode))
    cases.append(pool_case("avgpool_i16_half_even", rng, "avg", (1, 6, 6, 2),
                           QType(0.001, -300, bits=16), (2, 2), (1, 1), rounding=ref.HALF_EVEN,
                           extremes=True))
    cases.append(pool_case("avgpool_dynamic_batch_half_even", rng, "avg", (3, 4, 4, 2),
                           QType(0.1, 3), (2, 2), (2, 2), dynamic=True, rounding=ref.HALF_EVEN))
    cases.extend(shape_cases(rng))
    cases.extend(hadamard_cases(rng))

    # Float boundaries, bit-exact in float32: every rounding mode on exact
    # ties, per-axis parameters, unsigned storage.
    for mode in (ref.HALF_EVEN, ref.HALF_AWAY, ref.HALF_UP):
        cases.append(quantize_case("quantize_ties_" + mode, rng, (4, 16), QType(0.5, 3),
                                   mode, ties=True))
    cases.append(quantize_case("quantize_pc_u8", rng, (5, 3),
                               QType([0.1, 0.07, 0.3], [128, 100, 3], signed=False, axis=1)))
    cases.append(dequantize_case("dequantize", rng, (3, 17), QType(0.07, -3)))
    for mode in (ref.HALF_EVEN, ref.HALF_AWAY, ref.HALF_UP):
        cases.append(quantize_nonfinite_case("quantize_nonfinite_" + mode, rng,
                                             QType(0.25, -5), mode))
    cases.append(quantize_nonfinite_case("quantize_nonfinite_pc_u8", rng,
                                         QType([0.1, 3.0], [200, 7], signed=False, axis=0)))
    cases.append(dequantize_case("dequantize_pc_u8", rng, (2, 3),
                                 QType([0.1, 0.07, 0.3], [128, 100, 3], signed=False, axis=1)))
    # Their own generator, so that the cases above keep their inputs.
    cases.extend(kernel_cases(np.random.default_rng(seed + 1)))
    cases.extend(batched_kernel_cases(np.random.default_rng(seed + 4)))
    cases.extend(residual_cases(np.random.default_rng(seed + 5)))
    # u4 activations, i4 weights and a u4 result, all arguments: one code per
    # uint8/int8 element at qc-run's boundary (docs/Numerics.md).
    rng4 = np.random.default_rng(seed + 2)
    cases.append(matmul_case("mm_u4_args", rng4, 3, 19, 5, QType(0.5, 5, bits=4, signed=False),
                             QType(0.25, -1, bits=4),
                             QType(spread_scale(0.5, 0.25, 19) / 4, 3, bits=4, signed=False)))
    return cases


def row_block_cases(seed=0):
    """Dense int8 kernels with several 48-column panels and row tiles enough
    to be cut into row blocks at a small qc-cpu-pipeline row-block-bytes
    (names start with rb_; run by int8-row-blocks.test with
    row-block-bytes=640): a matrix product (64 rows, 8 tiles; 2560 input
    bytes: 4 blocks of 2 tiles), the same with run-time weights, and a
    padded 3x3 convolution (120 rows, 15 tiles; about 1350 padded input
    bytes: 3 blocks of 5 tiles); and a padded u8 convolution (the grouped
    generic, whose pad the kernel writes by rows itself)."""
    rng = np.random.default_rng(seed + 3)

    def pc(n, axis):
        return QType(rng.uniform(0.005, 0.05, n), rng.integers(-4, 5, n), axis=axis)

    cases = [
        matmul_case("rb_mm_64_40_112_const", rng, 64, 40, 112, QType(0.05, -7), pc(112, 1),
                    QType(spread_scale(0.05, 0.03, 40), 4), const_weights=True),
        matmul_case("rb_mm_64_40_112_arg", rng, 64, 40, 112, QType(0.05, 3), QType(0.02, 0),
                    QType(spread_scale(0.05, 0.02, 40), -2)),
        conv2d_case("rb_conv_3x3_f112", rng, (1, 10, 12, 8), (3, 3, 8, 112), QType(0.05, -3),
                    pc(112, 3), QType(spread_scale(0.05, 0.03, 72), 2), padding=(1, 1, 1, 1),
                    const_weights=True),
        # A u8 input of zero point 0 (after a ReLU) and symmetric weights,
        # as in PTQ resnet18: the convolution is the grouped generic, which
        # reads its pad through reshapes; the kernel builds the padded bytes
        # by rows itself.
        conv2d_case("rb_conv_u8_pad", rng, (1, 9, 11, 16), (3, 3, 16, 112),
                    QType(0.05, 0, signed=False),
                    QType(rng.uniform(0.005, 0.05, 112), 0, axis=3),
                    QType(spread_scale(0.05, 0.03, 144), 3, signed=False), padding=(1, 1, 1, 1),
                    const_weights=True),
    ]
    return cases


def kernel_cases(rng):
    """Shapes for qc-cpu-int8-kernels: several tiles and remainders in both
    directions, reductions not a multiple of 4, partial 16-channel vectors,
    run-time and constant weights, signed and unsigned inputs, the dense,
    strided, dilated and depthwise convolutions (names start with k_)."""
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND
    cases = []

    def pc(n):
        return QType(rng.uniform(0.005, 0.05, n), rng.integers(-4, 5, n), axis=1)

    def pc_conv(n):
        return QType(rng.uniform(0.005, 0.05, n), rng.integers(-4, 5, n), axis=3)

    cases.append(matmul_case("k_mm_37_70_50_const", rng, 37, 70, 50, QType(0.05, -7), pc(50),
                             QType(spread_scale(0.05, 0.03, 70), 4), const_weights=True,
                             const_bias=True))
    cases.append(matmul_case("k_mm_40_33_20_arg", rng, 40, 33, 20, QType(0.05, 3), pc(20),
                             QType(spread_scale(0.05, 0.03, 33), -2), profile=S))
    cases.append(matmul_case("k_mm_u8_20_64_32", rng, 20, 64, 32, QType(0.05, 128, signed=False),
                             QType(0.02, 0), QType(spread_scale(0.05, 0.02, 64), 100, signed=False),
                             const_weights=True))
    cases.append(matmul_case("k_mm_sat_24_32_16", rng, 24, 32, 16, QType(0.5, 1), QType(0.5, 0),
                             QType(0.1, 0), const_weights=True, clamp=(-100, 90)))
    xq = QType(0.05, -3)
    cases.append(conv2d_case("k_conv_7x7_s2_c3", rng, (1, 17, 15, 3), (7, 7, 3, 20), xq,
                             pc_conv(20), QType(spread_scale(0.05, 0.03, 147), 2), strides=(2, 2),
                             padding=(3, 3, 3, 3), const_weights=True))
    cases.append(conv2d_case("k_conv_1x1", rng, (2, 5, 6, 24), (1, 1, 24, 40), QType(0.05, 5),
                             QType(0.02, 0), QType(spread_scale(0.05, 0.02, 24), -1),
                             const_weights=True, profile=S))
    cases.append(conv2d_case("k_conv_dil2", rng, (1, 9, 9, 8), (3, 3, 8, 16), xq, pc_conv(16),
                             QType(spread_scale(0.05, 0.03, 72), 0), dilations=(2, 2),
                             padding=(2, 1, 2, 1), const_weights=True))
    cases.append(conv2d_case("k_conv_u8", rng, (1, 8, 8, 16), (3, 3, 16, 32),
                             QType(0.05, 128, signed=False), pc_conv(32),
                             QType(spread_scale(0.05, 0.03, 144), 128, signed=False),
                             padding=(1, 1, 1, 1), const_weights=True, clamp=(128, 255)))
    cases.append(conv2d_case("k_conv_arg", rng, (1, 6, 6, 8), (3, 3, 8, 24), xq, QType(0.02, 1),
                             QType(spread_scale(0.05, 0.02, 72), 3)))
    cases.append(conv2d_case("k_dw_s2_c20", rng, (1, 9, 9, 20), (3, 3, 1, 20), xq, pc_conv(20),
                             QType(spread_scale(0.05, 0.03, 9), 1), strides=(2, 2),
                             padding=(1, 1, 1, 1), groups=20, const_weights=True))
    cases.append(conv2d_case("k_dw_u8_c32", rng, (1, 7, 7, 32), (3, 3, 1, 32),
                             QType(0.05, 128, signed=False), QType(0.03, 0),
                             QType(spread_scale(0.05, 0.03, 9), 128, signed=False),
                             padding=(1, 1, 1, 1), groups=32))
    return cases


def batched_kernel_cases(rng):
    """Batched products of run-time operands (attention's Q.K^T and P.V) and
    matrix products with u8 or run-time weights for qc-cpu-int8-kernels
    (names start with bmm_): batches 1, 3 and 12; odd M, N, K (row tiles with a
    remainder, partial 16-channel vectors, reductions not a multiple of 4);
    u8 x u8 (the named linalg.batch_matmul, weights read offset by 128),
    s8 x s8, s8 x u8 and u8 x s8 (the mixed generic); zero points != 0 and
    at the ends; saturation; both profiles and a clamp; convolutions with
    u8 weights; run-time weights of 64k channels (the pack's whole-line
    path)."""
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND
    u8 = lambda scale, zp: QType(scale, zp, signed=False)
    cases = [
        # The BERT layer's attention: 4 heads x 3 samples, seq 16, head 16.
        batch_matmul_case("bmm_u8u8_12x16x16x16", rng, 12, 16, 16, 16, u8(0.03, 62), u8(0.04, 62),
                          u8(spread_scale(0.03, 0.04, 16) * 6, 65)),
        batch_matmul_case("bmm_u8u8_3x19x21x37", rng, 3, 19, 21, 37, u8(0.05, 5), u8(0.02, 200),
                          u8(spread_scale(0.05, 0.02, 21) * 6, 250), profile=S),
        batch_matmul_case("bmm_s8s8_1x17x70x33", rng, 1, 17, 70, 33, QType(0.05, -3),
                          QType(0.02, 7), QType(spread_scale(0.05, 0.02, 70), 2),
                          clamp=(-90, 100)),
        batch_matmul_case("bmm_s8u8_3x9x13x20", rng, 3, 9, 13, 20, QType(0.05, -3),
                          u8(0.02, 131), QType(spread_scale(0.05, 0.02, 13), -4)),
        batch_matmul_case("bmm_u8s8_12x5x33x16", rng, 12, 5, 33, 16, u8(0.05, 126),
                          QType(0.02, 2), QType(spread_scale(0.05, 0.02, 33), 1), profile=S),
        # Zero points at the ends: sums of one sign, most results saturated.
        batch_matmul_case("bmm_s8u8_zp_ends_3x9x13x20", rng, 3, 9, 13, 20, QType(0.05, -128),
                          u8(0.02, 255), QType(spread_scale(0.05, 0.02, 13) * 20, 100)),
        # Saturation at both ends: the largest |sums| of a u8 x u8 product.
        batch_matmul_case("bmm_u8u8_sat_3x8x64x17", rng, 3, 8, 64, 17, u8(0.5, 0), u8(0.5, 128),
                          u8(310.0, 128),
                          a=np.where(rng.integers(0, 2, (3, 8, 64)) == 1, 255, 0),
                          b=np.where(rng.integers(0, 2, (3, 64, 17)) == 1, 255, 0)),
        # 2-D u8 x u8 products (run-time and constant weights) through the
        # same offset weights.
        matmul_case("bmm_mm_u8u8_arg_20x30x24", rng, 20, 30, 24, u8(0.05, 9), u8(0.02, 130),
                    u8(spread_scale(0.05, 0.02, 30), 120)),
        matmul_case("bmm_mm_u8u8_const_33x19x40", rng, 33, 19, 40, u8(0.05, 128),
                    u8(0.02, 3), QType(spread_scale(0.05, 0.02, 19), -6),
                    const_weights=True, const_bias=True),
        matmul_case("bmm_mm_s8u8_const_17x45x20", rng, 17, 45, 20, QType(0.05, 11),
                    u8(0.02, 140), QType(spread_scale(0.05, 0.02, 45), 3),
                    const_weights=True),
        # Run-time weights of 64k channels, packed a 64-byte line at a time
        # (4 panels per step; K = 37: a partial last quad).
        matmul_case("bmm_mm_s8s8_arg_19x37x128", rng, 19, 37, 128, QType(0.05, -6),
                    QType(0.02, 3), QType(spread_scale(0.05, 0.02, 37), 2)),
        # Convolutions with u8 weights: row sums over every segment of the
        # window (3 filter rows of 18 bytes: a partial last quad), and
        # per tap with dilation 2 (run-time weights).
        conv2d_case("bmm_conv_u8w_3x3_c6", rng, (1, 7, 9, 6), (3, 3, 6, 20), QType(0.05, -3),
                    u8(0.02, 131), QType(spread_scale(0.05, 0.02, 54), 2), padding=(1, 1, 1, 1),
                    const_weights=True),
        conv2d_case("bmm_conv_u8w_dil2_arg", rng, (1, 9, 9, 8), (3, 3, 8, 16), u8(0.05, 100),
                    u8(0.02, 120), u8(spread_scale(0.05, 0.02, 72), 128), dilations=(2, 2)),
        matmul_case("bmm_mm_u8u8_arg_33x64x64", rng, 33, 64, 64, u8(0.05, 120), u8(0.02, 7),
                    u8(spread_scale(0.05, 0.02, 64) * 4, 60), profile=S),
    ]
    return cases


class LimitQType(QType):
    """Weights of a 16-bit layer as qc.calibration makes them: symmetric,
    narrow to [-q, q] with q the accumulator limit (K * 255 * q <= 2^30,
    calibration.wide_weight_limit); a quarter of the codes at +-q."""

    def __init__(self, scale, q, **kw):
        QType.__init__(self, scale, 0, bits=16, **kw)
        self.q = q

    def random(self, rng, shape):
        w = rng.integers(-self.q, self.q + 1, size=shape, dtype=np.int64)
        ends = rng.integers(0, 4, size=shape) == 0
        return np.where(ends, np.where(rng.integers(0, 2, size=shape) == 1, self.q, -self.q), w)


def wide_limit(k):
    return min(32767, (1 << 30) // (k * 255))


def wide_kernel_cases(seed=0):
    """Contractions with a 16-bit side for qc-cpu-int8-kernels'
    int16-kernels (vpdpwssd tiles; names start with w16_): i8 and u8
    activations by constant i16 weights (per-channel scales, weights at +-q,
    the accumulator limit), i16 activations by constant i8 / u8 / i16
    weights; odd M, N, K (row tiles with a remainder, partial 16-channel
    vectors, an odd reduction: a last pair half past the run), a GEMV,
    padded, strided, dilated and 1x1 convolutions, zero points at the ends
    (u8 0 and 255, i8 -128 and 127), weight zero points != 0, saturation at
    both ends, both profiles and a clamp."""
    rng = np.random.default_rng(seed + 5)
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND
    u8 = lambda scale, zp: QType(scale, zp, signed=False)

    def w16(n, k, axis):
        return LimitQType(rng.uniform(2e-5, 2e-4, n), wide_limit(k), axis=axis)

    def out(s_in, k, zp, signed=True, codes=40.0):
        # The accumulator of K products of ~74 x ~q/2 codes to ~codes outputs.
        return QType(s_in * 1e-4 * np.sqrt(k) * 74.0 * wide_limit(k) / 2 / codes, zp, signed=signed)

    cases = [
        matmul_case("w16_mm_19x37x21", rng, 19, 37, 21, QType(0.05, -7), w16(21, 37, 1),
                    out(0.05, 37, 4), const_weights=True, const_bias=True),
        matmul_case("w16_mm_u8_zp0_33x130x40", rng, 33, 130, 40, u8(0.05, 0), w16(40, 130, 1),
                    out(0.05, 130, 100, signed=False), const_weights=True, profile=S),
        matmul_case("w16_mm_u8_zp255_17x64x50", rng, 17, 64, 50, u8(0.05, 255), w16(50, 64, 1),
                    out(0.05, 64, -3, codes=10.0), const_weights=True),
        matmul_case("w16_mm_i8_zpmin_9x45x33", rng, 9, 45, 33, QType(0.05, -128), w16(33, 45, 1),
                    out(0.05, 45, 2, codes=10.0), const_weights=True),
        matmul_case("w16_mm_i8_zpmax_9x45x33", rng, 9, 45, 33, QType(0.05, 127), w16(33, 45, 1),
                    out(0.05, 45, 2, codes=10.0), const_weights=True, clamp=(-100, 90)),
        # Saturation at both ends: most results clamp to -128 / 127.
        matmul_case("w16_mm_sat_24x31x19", rng, 24, 31, 19, QType(0.5, 1), w16(19, 31, 1),
                    QType(1e-6, 0), const_weights=True),
        # A GEMV: one row, more accumulator vectors per tile.
        matmul_case("w16_gemv_1x256x70", rng, 1, 256, 70, QType(0.05, 3), w16(70, 256, 1),
                    out(0.05, 256, -1), const_weights=True),
        # Per-tensor i16 weights with a zero point != 0 (row sums in the epilogue).
        matmul_case("w16_mm_zpw_20x21x18", rng, 20, 21, 18, QType(0.05, -2),
                    QType(1e-4, 37, bits=16), out(0.05, 21, 5), const_weights=True),
        conv2d_case("w16_conv_3x3_pad_c5", rng, (2, 7, 9, 5), (3, 3, 5, 19), QType(0.05, -3),
                    w16(19, 45, 3), out(0.05, 45, 2), padding=(1, 1, 1, 1), const_weights=True),
        conv2d_case("w16_conv_7x7_s2_c3", rng, (1, 17, 15, 3), (7, 7, 3, 20), u8(0.05, 128),
                    w16(20, 147, 3), out(0.05, 147, 120, signed=False), strides=(2, 2),
                    padding=(3, 3, 3, 3), const_weights=True),
        conv2d_case("w16_conv_1x1_c24", rng, (2, 5, 6, 24), (1, 1, 24, 40), QType(0.05, 5),
                    w16(40, 24, 3), out(0.05, 24, -1), const_weights=True, profile=S),
        conv2d_case("w16_conv_dil2_c8", rng, (1, 9, 9, 8), (3, 3, 8, 16), QType(0.05, -3),
                    w16(16, 72, 3), out(0.05, 72, 0), dilations=(2, 2), padding=(2, 1, 2, 1),
                    const_weights=True),
        # 16-bit activations by constant 8-bit weights (and by u8 weights
        # with a zero point): the weights widened at compile time.
        matmul_case("w16_a16_mm_19x37x21", rng, 19, 37, 21, QType(2e-4, -300, bits=16),
                    QType(rng.uniform(0.005, 0.05, 21), 0, axis=1),
                    QType(spread_scale(2e-4, 0.03, 37) * 128, 4), const_weights=True),
        matmul_case("w16_a16_u8w_13x50x20", rng, 13, 50, 20, QType(2e-4, 32767, bits=16),
                    u8(0.02, 131), QType(spread_scale(2e-4, 0.02, 50) * 128, -1),
                    const_weights=True),
        conv2d_case("w16_a16_conv_3x3_c6", rng, (1, 6, 7, 6), (3, 3, 6, 21),
                    QType(2e-4, -32768, bits=16), QType(rng.uniform(0.005, 0.05, 21), 0, axis=3),
                    QType(spread_scale(2e-4, 0.03, 54) * 128, 0), padding=(1, 1, 1, 1),
                    const_weights=True, clamp=(-120, 120)),
    ]
    return cases
def residual_case(name, rng, b, s, d, xq, wq, yq, zq, n=None, profile=ref.DOUBLE_ROUND,
                  swap=False):
    """A transformer's projection and residual add: x [B, S, D] -> reshape
    [B*S, D] -> matmul by constant weights [D, N] (+ constant bias) ->
    reshape [B, S, N] -> add with x (N = D; `swap`: the projection is the
    add's first operand). The add reads the product through the reshapes;
    qc-cpu-fold-reshapes-into-epilogues lets the kernel fuse it."""
    n = d if n is None else n
    c = Case(name)
    x = xq.random(rng, (b, s, d))
    w = wq.random(rng, (d, n))
    bias = rng.integers(-3000, 3000, size=(n,))
    bias_q = QType(xq.scales[0] * wq.scales, 0, bits=32, axis=0 if wq.axis is not None else None)
    xa = c.arg(x, xq)
    wc = c.const(w, wq)
    bc = c.const(bias, bias_q)
    c.body.append("%%x2 = qc.reshape %s : %s -> %s" % (xa, xq.tensor((b, s, d)), xq.tensor((b * s, d))))
    c.body.append("%%y2 = qc.matmul %%x2, %s bias %s%s : %s, %s, %s -> %s" % (
        wc, bc, _profile_text(profile), xq.tensor((b * s, d)), wq.tensor((d, n)),
        bias_q.tensor((n,)), yq.tensor((b * s, n))))
    c.body.append("%%y3 = qc.reshape %%y2 : %s -> %s" % (yq.tensor((b * s, n)), yq.tensor((b, s, n))))
    first, second = ("%y3", xa) if swap else (xa, "%y3")
    fq, sq = (yq, xq) if swap else (xq, yq)
    c.body.append("%%r = qc.add %s, %s%s : %s, %s -> %s" % (
        first, second, _profile_text(profile), fq.tensor((b, s, n)), sq.tensor((b, s, n)),
        zq.tensor((b, s, n))))
    c.result = (zq, (b, s, n))
    acc = ref.matmul(x.reshape(b * s, d), xq.zps[0], w, wq.zps, bias)
    real = xq.scales[0] * wq.scales / yq.scales[0]
    if wq.axis is None:
        real = real[0]
    y = ref.output_stage(acc, real, yq.zps[0], yq.qmin, yq.qmax, profile, None).reshape(b, s, n)
    (fa, fqt), (sa, sqt) = ((y, yq), (x, xq)) if swap else ((x, xq), (y, yq))
    c.expected = ref.add(fa, fqt.scales[0], fqt.zps[0], sa, sqt.scales[0], sqt.zps[0],
                         zq.scales[0], zq.zps[0], zq.qmin, zq.qmax, bits=8, profile=profile)
    return c


def residual_cases(rng):
    """Projections whose residual add reads them through reshapes (names
    start with res_): odd S and D (row tiles with a remainder, partial
    16-channel vectors), u8 activations with the BERT layer's zero points,
    i8 ones with zero points != 0, per-channel weights, both profiles, the
    add saturating at both ends, the product as either operand."""
    S = ref.SINGLE_ROUND
    u8 = lambda scale, zp: QType(scale, zp, signed=False)
    pc = lambda d: QType(rng.uniform(0.0008, 0.0012, d), 0, axis=1)
    return [
        # The BERT layer's output projection and first residual add.
        residual_case("res_bert_2x16x64", rng, 2, 16, 64, u8(0.064, 72), pc(64), u8(0.0064, 52),
                      u8(0.066, 73)),
        residual_case("res_odd_3x7x37", rng, 3, 7, 37, QType(0.05, -3), QType(0.01, 0),
                      QType(spread_scale(0.05, 0.01, 37), 5), QType(0.07, -2), profile=S),
        residual_case("res_swap_1x5x19", rng, 1, 5, 19, QType(0.04, 11), pc(19),
                      QType(spread_scale(0.04, 0.001, 19), -9), QType(0.05, 4), swap=True),
        # A small output scale: most sums saturate, at both ends.
        residual_case("res_sat_2x9x48", rng, 2, 9, 48, u8(0.1, 128), QType(0.02, 0),
                      u8(spread_scale(0.1, 0.02, 48), 120), u8(0.004, 128)),
    ]
