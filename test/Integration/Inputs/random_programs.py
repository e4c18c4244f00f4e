"""Random valid qc programs and their expected results (differential testing).

`generate(seed)` builds one function `@main` of a few qc ops (matmul, conv2d
incl. depthwise and grouped, add, mul, requantize, quantize, dequantize, max
and average pooling, clamp, reshape, transpose, concat) chained on random
arguments and constants: per-tensor and per-axis types, i4/i8/i16/u8 storage
(i4 only inside the function and in constants, since the host exchanges
whole-byte arrays), zero points anywhere in the storage range, scales from
1e-7 to 1e4 (multipliers that flush to zero and that saturate), odd shapes,
both requantization profiles, all rounding modes. Every op is evaluated with
python/qc/reference.py as it is built, so the program carries its expected
outputs; run_random_programs.py compiles and runs it and compares bit for bit.
Programs respect every verifier rule (docs/Numerics.md), notably the i32
accumulator bound.
"""
import numpy as np

from qc import reference as ref

INT32_LIMIT = (1 << 31) - 1
STORAGE = [(8, True), (8, True), (8, False), (4, True), (16, True)]
PROFILES = [ref.DOUBLE_ROUND, ref.SINGLE_ROUND]
ROUNDINGS = [ref.HALF_EVEN, ref.HALF_AWAY, ref.HALF_UP]


def _float(x):
    """A float literal MLIR parses back to the same double."""
    return "%.17e" % float(x)


class QType:
    """A !quant.uniform<...:f32> element type, per tensor or per axis."""

    def __init__(self, bits, signed, scales, zps, axis=None):
        self.bits, self.signed, self.axis = bits, signed, axis
        self.scales = np.atleast_1d(np.asarray(scales, dtype=np.float64))
        if bits <= 16:
            self.set_scales(self.scales)
        self.zps = np.atleast_1d(np.asarray(zps, dtype=np.int64))
        self.qmin, self.qmax = ref.storage_range(bits, signed)

    def set_scales(self, scales):
        # Data-driven scales compound along a chain; keep them (and the i32
        # bias scales s_in * s_w) inside f32's range.
        self.scales = np.clip(np.broadcast_to(np.asarray(scales, dtype=np.float64),
                                              self.scales.shape), 1e-15, 1e15)

    def mlir(self):
        kind = ("i" if self.signed else "u") + str(self.bits)
        if self.axis is None:
            return "!quant.uniform<%s:f32, %s:%d>" % (kind, _float(self.scales[0]), self.zps[0])
        params = ", ".join("%s:%d" % (_float(s), z) for s, z in zip(self.scales, self.zps))
        return "!quant.uniform<%s:f32:%d, {%s}>" % (kind, self.axis, params)

    def storage(self):
        return "i%d" % self.bits

    def max_offset(self):
        """max |q - z| over codes and zero points: the verifier's bound."""
        return int(max(np.max(self.qmax - self.zps), np.max(self.zps - self.qmin)))

    def per_tensor(self):
        return self.axis is None

    def broadcast(self, values, rank):
        """Scales or zero points shaped to broadcast against a tensor."""
        if self.axis is None:
            return values[0]
        shape = [1] * rank
        shape[self.axis] = -1
        return values.reshape(shape)


class Value:
    def __init__(self, name, qtype, shape, data):
        self.name, self.qtype, self.shape, self.data = name, qtype, tuple(shape), data

    @property
    def is_float(self):
        return self.qtype is None

    def type(self):
        dims = "".join("%dx" % d for d in self.shape)
        return "tensor<%s%s>" % (dims, "f32" if self.is_float else self.qtype.mlir())

    def storage_type(self):
        return "tensor<%s%s>" % ("".join("%dx" % d for d in self.shape), self.qtype.storage())


def _dense(values):
    v = np.asarray(values, dtype=np.int64)
    return "dense<%s>" % np.array2string(v, separator=",", threshold=1 << 30,
                                         max_line_width=1 << 30).replace("\n", "")


def _storage_dtype(qtype):
    width = 8 if qtype.bits <= 8 else 16 if qtype.bits <= 16 else 32
    return np.dtype("%s%d" % ("int" if qtype.signed else "uint", width))


class Program:
    """One function under construction, with its reference values."""

    def __init__(self, seed, storage=STORAGE):
        self.seed = seed
        self.storage = storage
        self.rng = np.random.default_rng(seed)
        self.args = []      # Values that are function arguments
        self.values = []    # every Value, in definition order
        self.body = []
        self.ops = []       # op names, for the summary
        self.results = []
        self._count = 0

    # -- names and parameters ------------------------------------------------

    def fresh(self):
        self._count += 1
        return "%%v%d" % self._count

    def choice(self, items):
        return items[int(self.rng.integers(len(items)))]

    def scale(self):
        """Mostly ordinary scales, sometimes extreme legal ones."""
        r = self.rng.random()
        if r < 0.08:
            return float(self.choice([1.1920929e-07, 2.0 ** -20, 1e-6, 3e3, 1e4, 2.0 ** 10]))
        return float(10 ** self.rng.uniform(-3.5, 0.5))

    def zero_point(self, bits, signed):
        qmin, qmax = ref.storage_range(bits, signed)
        r = self.rng.random()
        if r < 0.1:
            return int(self.choice([qmin, qmax]))
        if r < 0.4:
            return 0 if signed else int((qmin + qmax + 1) // 2)
        return int(self.rng.integers(qmin, qmax + 1))

    def qtype(self, bits=None, signed=None, axis=None, channels=1, storage=None):
        if bits is None:
            bits, signed = storage or self.choice(self.storage)
        n = channels if axis is not None else 1
        spread = self.rng.random() < 0.3
        base = self.scale()
        scales = [base * (10 ** self.rng.uniform(-3, 3) if spread else self.rng.uniform(0.5, 2))
                  for _ in range(n)]
        zps = [self.zero_point(bits, signed) for _ in range(n)]
        return QType(bits, signed, scales, zps, axis)

    def output_qtype(self, estimate, bits=None, signed=None):
        """A per-tensor result type whose scale maps `estimate` (a typical
        real magnitude) to a few dozen codes, or sometimes an extreme one
        (everything saturates or rounds to the zero point)."""
        if bits is None:
            bits, signed = self.choice(self.storage)
        q = self.qtype(bits, signed)
        if self.rng.random() < 0.85 and estimate > 0:
            q.set_scales(estimate / (2 ** (bits - 2)) * 10 ** self.rng.uniform(-0.7, 0.7))
        return q

    def clamp(self, q):
        if self.rng.random() < 0.75:
            return None
        lo = int(self.rng.integers(q.qmin, q.qmax + 1))
        hi = int(self.rng.integers(lo, q.qmax + 1))
        return lo, hi

    def codes(self, q, shape):
        return self.rng.integers(q.qmin, q.qmax + 1, size=shape, dtype=np.int64)

    # -- values ----------------------------------------------------------------

    def argument(self, q, shape, data=None):
        if data is None:
            data = self.codes(q, shape) if q is not None else None
        v = Value("%%arg%d" % len(self.args), q, shape, data)
        self.args.append(v)
        self.values.append(v)
        return v

    def constant(self, q, shape, data=None):
        if data is None:
            data = self.codes(q, shape)
        name = self.fresh()
        storage = Value(name + "_s", q, shape, data).storage_type()
        self.body.append("%s_s = arith.constant %s : %s" % (name, _dense(data), storage))
        v = Value(name, q, shape, data)
        self.body.append("%s = quant.scast %s_s : %s to %s" % (name, name, storage, v.type()))
        self.values.append(v)
        return v

    def operand(self, q, shape):
        """A new argument or constant (i4 only as a constant)."""
        if q.bits == 4 or self.rng.random() < 0.4:
            return self.constant(q, shape)
        return self.argument(q, shape)

    def define(self, op, q, shape, data, text):
        v = Value(self.fresh(), q, shape, data)
        self.body.append(text.replace("{r}", v.name).replace("{t}", v.type()))
        self.ops.append(op)
        self.values.append(v)
        return v

    @staticmethod
    def suffix(profile, clamp):
        text = "" if profile == ref.DOUBLE_ROUND else " profile <%s>" % profile
        return text + ("" if clamp is None else " clamp [%d, %d]" % clamp)

    def real(self, v):
        return float(np.mean(np.abs(v.data - v.qtype.broadcast(v.qtype.zps, len(v.shape)))) *
                     np.max(v.qtype.scales)) + 1e-30

    # -- ops ---------------------------------------------------------------------

    def matmul(self, a):
        m, k = a.shape
        n = int(self.choice([1, 2, 3, 5, 8, 13, 16, 17, 33]))
        for _ in range(8):
            per_axis = self.rng.random() < 0.4
            bq = self.qtype(axis=1 if per_axis else None, channels=n)
            if k * a.qtype.max_offset() * bq.max_offset() <= INT32_LIMIT:
                break
        else:
            return None
        b = self.operand(bq, (k, n))
        acc_real = self.real(a) * float(np.mean(bq.scales)) * 40 * np.sqrt(k)
        yq = self.output_qtype(acc_real)
        profile, clamp = self.choice(PROFILES), self.clamp(yq)
        bias, bias_text, bias_type = None, "", ""
        if self.rng.random() < 0.6:
            bias_q = QType(32, True, a.qtype.scales[0] * bq.scales, np.zeros(len(bq.scales), np.int64),
                           None if bq.axis is None else 0)
            lim = 1 << int(self.choice([8, 16, 20, 31]))
            data = self.rng.integers(-lim, lim, size=(n,), dtype=np.int64)
            bias_v = self.argument(bias_q, (n,), data) if self.rng.random() < 0.5 \
                else self.constant(bias_q, (n,), data)
            bias, bias_text, bias_type = data, " bias " + bias_v.name, ", " + bias_v.type()
        acc = ref.matmul(a.data, a.qtype.zps[0], b.data, bq.zps, bias)
        real = a.qtype.scales[0] * bq.scales / yq.scales[0]
        data = ref.output_stage(acc, real if bq.axis is not None else real[0], yq.zps[0],
                                yq.qmin, yq.qmax, profile, clamp)
        return self.define("matmul", yq, (m, n), data,
                           "{r} = qc.matmul %s, %s%s%s : %s, %s%s -> {t}" % (
                               a.name, b.name, bias_text, self.suffix(profile, clamp),
                               a.type(), b.type(), bias_type))

    def conv2d(self, x):
        n, h, w, c = x.shape
        divisors = [g for g in range(1, c + 1) if c % g == 0]
        groups = int(self.choice(divisors + [c, c]))
        f = groups * int(self.choice([1, 1, 2, 3]))
        kh = int(self.rng.integers(1, min(h, 3) + 1))
        kw = int(self.rng.integers(1, min(w, 3) + 1))
        strides = (int(self.rng.integers(1, 3)), int(self.rng.integers(1, 3)))
        dilations = (int(self.rng.integers(1, 3)) if h > 2 * kh else 1,
                     int(self.rng.integers(1, 3)) if w > 2 * kw else 1)
        padding = tuple(int(self.rng.integers(0, 2)) for _ in range(4))
        oh = (h + padding[0] + padding[1] - dilations[0] * (kh - 1) - 1) // strides[0] + 1
        ow = (w + padding[2] + padding[3] - dilations[1] * (kw - 1) - 1) // strides[1] + 1
        if oh <= 0 or ow <= 0:
            return None
        depth = kh * kw * (c // groups)
        for _ in range(8):
            per_axis = self.rng.random() < 0.4
            wq = self.qtype(axis=3 if per_axis else None, channels=f)
            if depth * x.qtype.max_offset() * wq.max_offset() <= INT32_LIMIT:
                break
        else:
            return None
        wv = self.operand(wq, (kh, kw, c // groups, f))
        bias, bias_text, bias_type = None, "", ""
        if self.rng.random() < 0.6:
            bias_q = QType(32, True, x.qtype.scales[0] * wq.scales, np.zeros(f, np.int64),
                           None if wq.axis is None else 0)
            data = self.rng.integers(-5000, 5000, size=(f,), dtype=np.int64)
            bias_v = self.argument(bias_q, (f,), data)
            bias, bias_text, bias_type = data, " bias " + bias_v.name, ", " + bias_v.type()
        acc = ref.conv2d(x.data, x.qtype.zps[0], wv.data, wq.zps, bias, strides, padding,
                         dilations, groups)
        yq = self.output_qtype(self.real(x) * float(np.mean(wq.scales)) * 40 * np.sqrt(depth))
        profile, clamp = self.choice(PROFILES), self.clamp(yq)
        real = x.qtype.scales[0] * wq.scales / yq.scales[0]
        data = ref.output_stage(acc, real if wq.axis is not None else real[0], yq.zps[0],
                                yq.qmin, yq.qmax, profile, clamp)
        attrs = "{strides = array<i64: %d, %d>, padding = array<i64: %d, %d, %d, %d>, " \
                "dilations = array<i64: %d, %d>, groups = %d : i64}" % (
                    strides + padding + dilations + (groups,))
        return self.define("conv2d" if groups == 1 else "conv2d_dw" if groups == c else "conv2d_g",
                           yq, acc.shape, data,
                           "{r} = qc.conv2d %s, %s%s%s %s : %s, %s%s -> {t}" % (
                               x.name, wv.name, bias_text, self.suffix(profile, clamp), attrs,
                               x.type(), wv.type(), bias_type))

    def binary(self, a, kind):
        bq = self.qtype()
        if kind == "mul":
            for _ in range(8):
                if a.qtype.max_offset() * bq.max_offset() <= INT32_LIMIT:
                    break
                bq = self.qtype()
            else:
                return None
        same = [v for v in self.values if v is not a and not v.is_float and v.shape == a.shape
                and v.qtype.per_tensor()]
        b = self.choice(same) if same and self.rng.random() < 0.3 else self.operand(bq, a.shape)
        if kind == "mul" and a.qtype.max_offset() * b.qtype.max_offset() > INT32_LIMIT:
            return None
        profile = self.choice(PROFILES)
        sa, za, sb, zb = a.qtype.scales[0], a.qtype.zps[0], b.qtype.scales[0], b.qtype.zps[0]
        if kind == "add":
            yq = self.output_qtype(self.real(a) + self.real(b))
            clamp = self.clamp(yq)
            bits = 16 if max(a.qtype.bits, b.qtype.bits) > 8 else 8
            data = ref.add(a.data, sa, za, b.data, sb, zb, yq.scales[0], yq.zps[0], yq.qmin,
                           yq.qmax, bits=bits, profile=profile, clamp=clamp)
        else:
            yq = self.output_qtype(self.real(a) * self.real(b) * 3)
            clamp = self.clamp(yq)
            data = ref.mul(a.data, sa, za, b.data, sb, zb, yq.scales[0], yq.zps[0], yq.qmin,
                           yq.qmax, profile, clamp)
        return self.define(kind, yq, a.shape, data, "{r} = qc.%s %s, %s%s : %s, %s -> {t}" % (
            kind, a.name, b.name, self.suffix(profile, clamp), a.type(), b.type()))

    def requantize(self, x, bits=None, signed=None):
        axis = x.qtype.axis
        if axis is None and self.rng.random() < 0.25:
            axis = int(self.rng.integers(len(x.shape)))
        if axis is not None and self.rng.random() < 0.5 and x.qtype.axis is not None:
            axis = None
        channels = x.shape[axis] if axis is not None else 1
        yq = self.qtype(bits, signed, axis=axis, channels=channels,
                        storage=None if bits else self.choice(self.storage))
        if self.rng.random() < 0.7:
            # Keep the real range: mostly rounding rather than saturation.
            yq.set_scales(np.max(x.qtype.scales) * (2 ** (x.qtype.bits - yq.bits)) *
                          10 ** self.rng.uniform(-0.5, 0.5, size=len(yq.scales)))
        profile, clamp = self.choice(PROFILES), self.clamp(yq)
        rank = len(x.shape)
        if yq.axis is not None:
            bshape = [1] * rank
            bshape[yq.axis] = -1
            sin = np.broadcast_to(x.qtype.scales, (len(yq.scales),)) if x.qtype.axis is None \
                else x.qtype.scales
            real = (sin / yq.scales).reshape(bshape)
        else:
            real = x.qtype.broadcast(x.qtype.scales, rank) / yq.scales[0]
        pairs = [ref.quantize_multiplier(r) for r in np.atleast_1d(real).ravel()]
        mult = np.array([p[0] for p in pairs]).reshape(np.shape(real))
        shift = np.array([p[1] for p in pairs]).reshape(np.shape(real))
        r = ref.apply_multiplier(x.data - x.qtype.broadcast(x.qtype.zps, rank), mult, shift, profile)
        lo, hi = yq.qmin, yq.qmax
        if clamp is not None:
            lo, hi = max(lo, clamp[0]), min(hi, clamp[1])
        data = np.clip(r + yq.broadcast(yq.zps, rank), lo, hi)
        return self.define("requantize", yq, x.shape, data,
                           "{r} = qc.requantize %s%s : %s -> {t}" % (
                               x.name, self.suffix(profile, clamp), x.type()))

    def dequantize(self, x):
        data = ref.dequantize(x.data, x.qtype.scales if x.qtype.axis is not None else x.qtype.scales[0],
                              x.qtype.zps if x.qtype.axis is not None else x.qtype.zps[0],
                              axis=x.qtype.axis, float_type=np.float32)
        return self.define("dequantize", None, x.shape, data,
                           "{r} = qc.dequantize %s : %s -> {t}" % (x.name, x.type()))

    def quantize(self, x, q=None):
        if q is None:
            axis = int(self.rng.integers(len(x.shape))) if self.rng.random() < 0.25 else None
            q = self.qtype(axis=axis, channels=x.shape[axis] if axis is not None else 1)
            if self.rng.random() < 0.7:
                q.set_scales((float(np.max(np.abs(x.data))) + 1e-6) / (2 ** (q.bits - 1)) *
                             10 ** self.rng.uniform(-0.3, 0.3, size=len(q.scales)))
        mode = self.choice(ROUNDINGS)
        data = ref.quantize(x.data, q.scales if q.axis is not None else q.scales[0],
                            q.zps if q.axis is not None else q.zps[0], q.qmin, q.qmax, mode,
                            axis=q.axis, float_type=np.float32)
        rounding = "" if mode == ref.HALF_EVEN else " rounding <%s>" % mode
        return self.define("quantize", q, x.shape, data, "{r} = qc.quantize %s%s : %s -> {t}" % (
            x.name, rounding, x.type()))

    def pool(self, x, kind):
        n, h, w, c = x.shape
        kernel = (int(self.rng.integers(1, min(h, 3) + 1)), int(self.rng.integers(1, min(w, 3) + 1)))
        strides = (int(self.rng.integers(1, 3)), int(self.rng.integers(1, 3)))
        padding = (int(self.rng.integers(0, kernel[0])), int(self.rng.integers(0, kernel[0])),
                   int(self.rng.integers(0, kernel[1])), int(self.rng.integers(0, kernel[1])))
        fn = ref.max_pool2d if kind == "max" else ref.avg_pool2d
        data = fn(x.data, kernel, strides, padding)
        attrs = "{kernel = array<i64: %d, %d>, strides = array<i64: %d, %d>, " \
                "padding = array<i64: %d, %d, %d, %d>}" % (kernel + strides + padding)
        return self.define("%s_pool2d" % kind, x.qtype, data.shape, data,
                           "{r} = qc.%s_pool2d %s %s : %s -> {t}" % (kind, x.name, attrs, x.type()))

    def clamp_op(self, x):
        lo = int(self.rng.integers(x.qtype.qmin, x.qtype.qmax + 1))
        hi = int(self.rng.integers(lo, x.qtype.qmax + 1))
        return self.define("clamp", x.qtype, x.shape, np.clip(x.data, lo, hi),
                           "{r} = qc.clamp %s [%d, %d] : {t}" % (x.name, lo, hi))

    def reshape(self, x, rank=None):
        total = int(np.prod(x.shape))
        rank = rank or int(self.rng.integers(1, 5))
        dims = []
        rest = total
        for _ in range(rank - 1):
            divisors = [d for d in range(1, rest + 1) if rest % d == 0]
            d = int(self.choice(divisors))
            dims.append(d)
            rest //= d
        dims.append(rest)
        self.rng.shuffle(dims)
        shape = tuple(int(d) for d in dims)
        return self.define("reshape", x.qtype, shape, x.data.reshape(shape),
                           "{r} = qc.reshape %s : %s -> {t}" % (x.name, x.type()))

    def transpose(self, x):
        perm = [int(p) for p in self.rng.permutation(len(x.shape))]
        q = x.qtype
        if q.axis is not None:
            q = QType(q.bits, q.signed, q.scales, q.zps, perm.index(q.axis))
        data = np.transpose(x.data, perm)
        return self.define("transpose", q, data.shape, data,
                           "{r} = qc.transpose %s [%s] : %s -> {t}" % (
                               x.name, ", ".join(map(str, perm)), x.type()))

    def concat(self, x):
        axis = int(self.rng.integers(len(x.shape)))
        shape = list(x.shape)
        shape[axis] = int(self.rng.integers(1, 6))
        other = self.operand(x.qtype, tuple(shape)) if x.qtype.bits != 4 else \
            self.constant(x.qtype, tuple(shape))
        parts = [x, other] if self.rng.random() < 0.5 else [other, x]
        data = np.concatenate([p.data for p in parts], axis=axis)
        return self.define("concat", x.qtype, data.shape, data,
                           "{r} = qc.concat %s axis %d : (%s) -> {t}" % (
                               ", ".join(p.name for p in parts), axis,
                               ", ".join(p.type() for p in parts)))

    # -- program ------------------------------------------------------------------

    def step(self, x):
        """Applies one random op that takes `x`; None if the pick does not fit."""
        if x.is_float:
            return self.quantize(x)
        rank, per_tensor = len(x.shape), x.qtype.per_tensor()
        options = ["requantize", "clamp", "transpose", "dequantize"]
        if per_tensor:
            options += ["add", "mul", "reshape", "concat"]
            if rank == 2:
                options += ["matmul"] * 4
            if rank == 4:
                options += ["conv2d"] * 4 + ["max_pool", "avg_pool"]
            elif rank == 2 and int(np.prod(x.shape)) % 4 == 0:
                options += ["to_nhwc"]
        op = self.choice(options)
        if op == "matmul":
            return self.matmul(x)
        if op == "conv2d":
            return self.conv2d(x)
        if op in ("add", "mul"):
            return self.binary(x, op)
        if op == "requantize":
            return self.requantize(x)
        if op == "clamp":
            return self.clamp_op(x)
        if op == "transpose":
            return self.transpose(x)
        if op == "dequantize":
            return self.dequantize(x)
        if op == "reshape":
            return self.reshape(x)
        if op == "to_nhwc":
            return self.reshape(x, rank=4)
        if op == "concat":
            return self.concat(x)
        return self.pool(x, "max" if op == "max_pool" else "avg")

    def finish(self, v):
        """Results must be exchangeable with the host: no i4."""
        if not v.is_float and v.qtype.bits == 4:
            return self.requantize(v, bits=8, signed=True)
        return v

    def text(self):
        params = ", ".join("%s: %s" % (a.name, a.type()) for a in self.args)
        types = ", ".join(r.type() for r in self.results)
        lines = ["func.func @main(%s) -> (%s) {" % (params, types)]
        lines += ["  " + line for line in self.body]
        lines.append("  return %s : %s" % (", ".join(r.name for r in self.results), types))
        lines.append("}")
        return "// qc random program, seed %d: %s\n%s\n" % (self.seed, " ".join(self.ops),
                                                             "\n".join(lines))

    def inputs(self):
        """The arguments as host arrays (storage dtypes, float32)."""
        return [np.asarray(a.data, dtype=np.float32) if a.is_float
                else np.asarray(a.data).astype(_storage_dtype(a.qtype)) for a in self.args]

    def expected(self):
        return [np.asarray(r.data, dtype=np.float32) if r.is_float
                else np.asarray(r.data).astype(_storage_dtype(r.qtype)) for r in self.results]


def _first_value(p):
    rank = int(p.choice([2, 2, 2, 4, 4, 4, 1, 3]))
    if rank == 2:
        shape = (int(p.choice([1, 2, 3, 4, 7, 16, 17])), int(p.choice([1, 3, 5, 8, 16, 31, 64])))
    elif rank == 4:
        shape = (int(p.choice([1, 1, 2])), int(p.rng.integers(1, 9)), int(p.rng.integers(1, 9)),
                 int(p.choice([1, 2, 3, 4, 6, 8])))
    else:
        shape = tuple(int(d) for d in p.rng.integers(1, 7, size=rank))
    r = p.rng.random()
    if r < 0.15:
        data = (p.rng.standard_normal(shape) * 10 ** p.rng.uniform(-2, 2)).astype(np.float32)
        if p.rng.random() < 0.3:
            # Exact ties of the rounding modes for a power-of-two scale.
            data = (p.rng.integers(-300, 300, size=shape) * 0.5).astype(np.float32)
        return p.argument(None, shape, data)
    storage = p.choice([s for s in p.storage if s[0] != 4])
    axis = int(p.rng.integers(rank)) if r < 0.3 else None
    q = p.qtype(*storage, axis=axis, channels=shape[axis] if axis is not None else 1)
    return p.argument(q, shape)


def generate(seed, max_ops=6, storage=STORAGE):
    """A random program of 1..max_ops ops whose quantized types use the
    (bits, signed) pairs of `storage`."""
    p = Program(seed, storage)
    x = _first_value(p)
    goal = int(p.rng.integers(1, max_ops + 1))
    attempts = 0
    while len(p.ops) < goal and attempts < 4 * max_ops:
        attempts += 1
        y = p.step(x)
        if y is not None:
            x = y
    if not p.ops:
        x = p.step(x) or (p.dequantize(x) if not x.is_float else p.quantize(x))
    results = [p.finish(x)]
    others = [v for v in p.values[1:-1] if v not in p.args and v is not x]
    if others and p.rng.random() < 0.3:
        results.append(p.finish(p.choice(others)))
    p.results = results
    return p
