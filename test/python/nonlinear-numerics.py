# The integer nonlinear ops through the whole path (graph.py canonical float
# form -> --qc-fold-fake-quant -> CPU and Vulkan) against
# python/qc/reference.py, bit for bit, and against float math in output
# steps:
#  * qc.table: every input code of 8-bit (signed, unsigned, narrow) and
#    16-bit inputs, for every graph_ops unary function and several parameter
#    sets, equals Q_out(f(D_in(code))) with f evaluated in double;
#  * qc.softmax, qc.layer_norm on random and adversarial inputs;
#  * qc.batch_matmul of two activations.
# The error figures it prints are the ones docs/Numerics.md states.
#
# RUN: %python %s | FileCheck %s
#
# CHECK: isqrt: {{[0-9]+}} values exact, 6 of the 8 Newton iterations suffice
# CHECK: table 8-bit: {{[0-9]+}} function x parameter pairs, all codes bit-exact on cpu (vpermi2b where the host has VBMI, and gather) and vulkan
# CHECK: table 16-bit: all 65536 codes bit-exact on cpu and vulkan
# CHECK: softmax: {{[0-9]+}} cases bit-exact on cpu and vulkan, max error
# CHECK: layer_norm: {{[0-9]+}} cases bit-exact on cpu and vulkan, max error
# CHECK: batch_matmul: bit-exact on cpu and vulkan
# CHECK: batch_matmul same signedness: 3 cases bit-exact on cpu and vulkan
import math

import numpy as np

import qc
from qc import reference as ref
from qc.graph import Graph, QParams
from qc.graph_ops import UNARY_FUNCTIONS, _unary_steps

rng = np.random.default_rng(2024)
F32 = np.float32


def f64_unary(fn, alpha=0.2, beta=0.5):
    """The generic's body evaluated in double, constants as the f32 literals
    the body holds, transcendental functions from libm (what the fold's
    interpreter calls)."""
    steps = _unary_steps(fn, alpha, beta)
    libm = {"exp": math.exp, "tanh": math.tanh, "erf": math.erf, "sqrt": math.sqrt,
            "absf": abs}

    def f(x):
        out = np.empty_like(x)
        for i, xv in enumerate(x.tolist()):
            vals = []
            for op, operands in steps:
                a = [xv if o == "x" else (vals[o] if isinstance(o, int) else float(F32(o)))
                     for o in operands]
                try:
                    if op == "negf":
                        v = -a[0]
                    elif op in libm:
                        v = libm[op](a[0])
                    elif op == "addf":
                        v = a[0] + a[1]
                    elif op == "mulf":
                        v = a[0] * a[1]
                    elif op == "divf":
                        v = a[0] / a[1] if a[1] != 0 else math.copysign(math.inf, a[0]) * math.copysign(1, a[1])
                    elif op == "maximumf":
                        v = max(a[0], a[1])
                    elif op == "minimumf":
                        v = min(a[0], a[1])
                    else:
                        raise ValueError(op)
                except (OverflowError, ValueError):
                    v = math.inf if op == "exp" else math.nan
                vals.append(v)
            out[i] = vals[-1]
        return out
    return f


def compile_both(g):
    return qc.compile(g, target="cpu"), qc.compile(g, target="vulkan")


def quant_graph(shape, qin, build, qout):
    g = Graph()
    x = g.add_input("x", shape)
    xq = g.add("fake_quant", [x], {"qparams": qin})
    g.outputs = [g.add("fake_quant", [build(g, xq)], {"qparams": qout})]
    return g


def codes_to_input(codes, qp):
    return ((np.asarray(codes, np.int64) - qp.zero_point[0]).astype(F32) * F32(qp.scale[0]))


def output_codes(y, qp):
    """Back from the dequantized output to codes (exact: y = (q - z) * s)."""
    q = np.rint(np.asarray(y, np.float64) / float(F32(qp.scale[0]))) + qp.zero_point[0]
    back = ((q - qp.zero_point[0]).astype(F32) * F32(qp.scale[0]))
    assert np.array_equal(back, y), "output is not on the output grid"
    return q.astype(np.int64)


def run_checked(g, inputs, want_codes, qout, what):
    cpu, vk = compile_both(g)
    for target, run in (("cpu", cpu), ("vulkan", vk)):
        got = output_codes(run(*inputs), qout)
        if not np.array_equal(got, want_codes):
            bad = np.argwhere(got != want_codes)[:5]
            raise AssertionError("%s on %s: %d codes differ, first at %s: got %s want %s" % (
                what, target, int(np.sum(got != want_codes)), bad.tolist(),
                got[tuple(bad[0])], want_codes[tuple(bad[0])]))


# -- the integer square root of qc.layer_norm ---------------------------------------
vals = [0, 1, 2, 3, (1 << 62) - 1]
for b in range(1, 63):
    vals += [1 << (b - 1), (1 << b) - 1]
    vals += [int(v) for v in rng.integers(1 << (b - 1), 1 << b, 200, dtype=np.int64)] if b > 1 else []
for k in [int(v) for v in rng.integers(1, 1 << 31, 3000)] + list(range(1, 3000)):
    vals += [v for v in (k * k - 1, k * k, k * k + 1) if 0 <= v < (1 << 62)]
u = np.array(vals, dtype=np.int64)
want = np.array([math.isqrt(v) for v in vals])
assert np.array_equal(ref.isqrt(u), want)
saved, ref.ISQRT_ITERATIONS = ref.ISQRT_ITERATIONS, 6
assert np.array_equal(ref.isqrt(u), want)
ref.ISQRT_ITERATIONS = 5
assert not np.array_equal(ref.isqrt(u), want)
ref.ISQRT_ITERATIONS = saved
print("isqrt: %d values exact, 6 of the 8 Newton iterations suffice" % len(vals))

# -- qc.table on every 8-bit code -------------------------------------------------
PARAMS = [  # (input qparams, output qparams) for sigmoid-like and unbounded ranges
    (QParams(0.05, 3, -128, 127), QParams(1 / 256, -128, -128, 127)),
    (QParams(0.1, 128, 0, 255, signed=False), QParams(0.03, 10, -128, 127)),
    (QParams(0.0173, -20, -127, 127), QParams(0.021, 0, -127, 127)),
    (QParams(0.5, 0, 0, 127, signed=False), QParams(0.25, 64, 0, 255, signed=False)),
]
pairs = 0
for qin, qout in PARAMS:
    # One module per parameter set: every function of the same input codes.
    lo = -128 if qin.signed else 0
    codes = np.clip(np.arange(lo, lo + 256), qin.qmin, qin.qmax)
    g = Graph()
    xq = g.add("fake_quant", [g.add_input("x", (1, 256))], {"qparams": qin})
    wants = []
    for fn in UNARY_FUNCTIONS:
        attrs = {"fn": fn}
        if fn == "hardsigmoid":
            attrs.update(alpha=1 / 6, beta=0.5)
        f = f64_unary(fn, attrs.get("alpha", 0.2), attrs.get("beta", 0.5))
        try:
            entries = ref.table_entries(f, 8, qin.signed, qin.scale[0], qin.zero_point[0],
                                        qout.scale[0], qout.zero_point[0], qout.qmin, qout.qmax)
        except ValueError:   # NaN somewhere (sqrt of negative codes): no table
            continue
        g.outputs.append(g.add("fake_quant", [g.add("unary", [xq], attrs)], {"qparams": qout}))
        wants.append((fn, ref.table(codes, entries, 8, qin.signed).reshape(1, 256)))
    cpu, vk = compile_both(g)
    # qc-run sets x86-vbmi on this host (vpermi2b); the gather must agree too.
    gather = qc.compile(g, target="cpu", pipeline_options="x86-vbmi=false")
    x = codes_to_input(codes, qin).reshape(1, 256)
    for target, run in (("cpu", cpu), ("cpu gather", gather), ("vulkan", vk)):
        for (fn, want), got in zip(wants, run(x)):
            got = output_codes(got, qout)
            assert np.array_equal(got, want), "table %s %s on %s: %d codes differ" % (
                fn, qin, target, int(np.sum(got != want)))
    pairs += len(wants)
print("table 8-bit: %d function x parameter pairs, all codes bit-exact on cpu (vpermi2b "
      "where the host has VBMI, and gather) and vulkan" % pairs)

# -- 16-bit input: the full table ----------------------------------------------------
qin = QParams(0.001, -5, -32768, 32767, bits=16)
qout = QParams(1 / 256, -128, -128, 127)
codes = np.arange(-32768, 32768)
entries = ref.table_entries(f64_unary("tanh"), 16, True, qin.scale[0], qin.zero_point[0],
                            qout.scale[0], qout.zero_point[0], -128, 127)
g = quant_graph((1, 65536), qin, lambda g, v: g.add("unary", [v], {"fn": "tanh"}), qout)
run_checked(g, [codes_to_input(codes, qin).reshape(1, -1)],
            ref.table(codes, entries, 16, True).reshape(1, -1), qout, "table 16-bit")
print("table 16-bit: all 65536 codes bit-exact on cpu and vulkan")


# -- softmax ------------------------------------------------------------------------
def softmax_cases():
    for s_in, z_in in ((0.1, 3), (0.02, -10), (0.5, 0), (0.0039, 100)):
        yield "random", s_in, z_in, rng.integers(-128, 128, (3, 7, 33))
    yield "equal", 0.1, 0, np.full((2, 5, 16), 7)
    spike = np.full((2, 4, 64), -128)
    spike[:, :, 5] = 127
    yield "spike", 0.05, 0, spike
    yield "extremes", 1.0, 0, rng.choice([-128, 127], (2, 3, 40))
    yield "long", 0.08, -3, rng.integers(-128, 128, (1, 2, 3000))
    spike = np.full((1, 2, 3000), -128)
    spike[:, :, 17] = 127
    yield "long spike", 0.0288, 0, spike


max_err = 0.0
n = 0
for name, s_in, z_in, x in softmax_cases():
    qin = QParams(s_in, z_in, -128, 127)
    qout = QParams(1 / 256, -128, -128, 127)
    want = ref.softmax(x, 2, s_in, 8, qout.scale[0], -128, -128, 127)
    g = quant_graph(x.shape, qin, lambda g, v: g.add("softmax", [v], {"axis": -1}), qout)
    run_checked(g, [codes_to_input(x, qin)], want, qout, "softmax " + name)
    real = (x - z_in) * s_in
    e = np.exp(real - real.max(axis=-1, keepdims=True))
    exact = e / e.sum(axis=-1, keepdims=True)
    # Distance of the code to the real value clamped to the output range.
    max_err = max(max_err, float(np.max(np.abs(want - np.clip(exact * 256 - 128, -128, 127)))))
    n += 1
print("softmax: %d cases bit-exact on cpu and vulkan, max error %.3f output steps" % (n, max_err))


# -- layer norm ------------------------------------------------------------------------
def layer_norm_cases():
    for d in (8, 64, 768):
        yield "random %d" % d, rng.integers(-128, 128, (2, 5, d)), 0.05, 3
    yield "constant row", np.full((1, 3, 32), 9), 0.1, 0
    near = np.full((1, 3, 128), 40)
    near[0, :, 3] = 41
    yield "one code apart", near, 0.02, -1
    yield "extremes", rng.choice([-128, 127], (1, 4, 96)), 0.1, 0
    yield "zero point at the edge", rng.integers(-128, -100, (2, 2, 48)), 0.3, -128


max_err = 0.0
n = 0
for name, x, s_in, z_in in layer_norm_cases():
    d = x.shape[-1]
    gamma = rng.normal(1.0, 0.3, d).astype(F32)
    beta = rng.normal(0.0, 0.2, d).astype(F32)
    qin = QParams(s_in, z_in, -128, 127)
    qout = QParams(4.0 / 127, 2, -128, 127)
    eps = 1e-5
    # The fold reads eps as the f32 constant of the graph's body.
    want = ref.layer_norm(x, s_in, z_in, gamma, beta, float(np.float32(eps)), qout.scale[0], 2,
                          -128, 127)
    g = quant_graph(x.shape, qin, lambda g, v: g.add(
        "layer_norm", [v, g.add_const(gamma), g.add_const(beta)], {"eps": eps}), qout)
    run_checked(g, [codes_to_input(x, qin)], want, qout, "layer_norm " + name)
    real = (x - z_in) * s_in
    norm = (real - real.mean(-1, keepdims=True)) / np.sqrt(real.var(-1, keepdims=True) + eps)
    exact = norm * gamma.astype(np.float64) + beta.astype(np.float64)
    ideal = np.clip(exact / qout.scale[0] + 2, -128, 127)
    max_err = max(max_err, float(np.max(np.abs(want - ideal))))
    n += 1
print("layer_norm: %d cases bit-exact on cpu and vulkan, max error %.3f output steps" % (n, max_err))

# -- batch matmul of two activations ---------------------------------------------------
qa, qb = QParams(0.05, 3, -128, 127), QParams(0.1, 130, 0, 255, signed=False)
qy = QParams(0.4, -7, -128, 127)
a = rng.integers(-128, 128, (2, 3, 5, 16))
b = rng.integers(0, 256, (2, 3, 16, 4))
g = Graph()
xa, xb = g.add_input("a", a.shape), g.add_input("b", b.shape)
y = g.add("batch_matmul", [g.add("fake_quant", [xa], {"qparams": qa}),
                           g.add("fake_quant", [xb], {"qparams": qb})])
g.outputs = [g.add("fake_quant", [y], {"qparams": qy})]
acc = ref.batch_matmul(a, 3, b, 130)
want = ref.output_stage(acc, 0.05 * 0.1 / 0.4, -7, -128, 127)
run_checked(g, [codes_to_input(a, qa), codes_to_input(b, qb)], want, qy, "batch_matmul")
print("batch_matmul: bit-exact on cpu and vulkan")

# Same signedness lowers to a named linalg.batch_matmul on the raw codes plus
# row/column-sum corrections: u8 x u8 with the BERT attention's zero points,
# u8 x u8 at the zero-point extremes with saturating codes, and s8 x s8.
cases = [
    (QParams(0.02, 62, 0, 255, signed=False), QParams(0.03, 62, 0, 255, signed=False),
     rng.integers(0, 256, (3, 16, 16)), rng.integers(0, 256, (3, 16, 16))),
    (QParams(0.02, 0, 0, 255, signed=False), QParams(0.03, 255, 0, 255, signed=False),
     np.full((2, 5, 24), 255), np.zeros((2, 24, 7), dtype=np.int64)),
    (QParams(0.05, -128, -128, 127), QParams(0.1, 127, -128, 127),
     rng.integers(-128, 128, (2, 7, 12)), rng.integers(-128, 128, (2, 12, 9))),
]
for qa, qb, a, b in cases:
    g = Graph()
    xa, xb = g.add_input("a", a.shape), g.add_input("b", b.shape)
    y = g.add("batch_matmul", [g.add("fake_quant", [xa], {"qparams": qa}),
                               g.add("fake_quant", [xb], {"qparams": qb})])
    g.outputs = [g.add("fake_quant", [y], {"qparams": qy})]
    acc = ref.batch_matmul(a, qa.zero_point[0], b, qb.zero_point[0])
    want = ref.output_stage(acc, qa.scale[0] * qb.scale[0] / 0.4, -7, -128, 127)
    run_checked(g, [codes_to_input(a, qa), codes_to_input(b, qb)], want, qy, "batch_matmul")
print("batch_matmul same signedness: %d cases bit-exact on cpu and vulkan" % len(cases))
