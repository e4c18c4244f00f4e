# qc.layer_norm and qc.softmax on 16-bit codes (i16 / u16 storage) through the
# whole path (graph.py float form -> --qc-fold-fake-quant -> CPU and Vulkan),
# bit for bit against python/qc/reference.py, and against float math in
# output steps:
#  * layer norm with rows whose statistic is V = D W (D <= 1290 for 16-bit
#    codes) and W (D = 1291 .. 16384), zero points != 0 at both ends of the
#    range, constant rows (the root from epsilon alone), rows one code apart,
#    rows of the two extreme codes and one extreme code among the other
#    (the largest |c_i| / sqrt(W): the i64 bounds of QCNonlinearOps.td),
#    outputs that saturate, 16-bit outputs of 8-bit inputs;
#  * the reference's integers against exact Python integers on the extreme
#    rows (no i64 overflow), and its one-pass W = D Q - S^2 against the
#    two-pass sum of c_i^2 it replaced;
#  * softmax of 16-bit codes (a 65536-entry exponential table): random rows,
#    a spike over the smallest code, a 3000-long row, into 8-bit codes and
#    into 16-bit codes of step 2^-15 (the op's quotient is Q15: a finer
#    output step gains nothing, docs/Numerics.md).
#
# RUN: %python %s | FileCheck %s
#
# CHECK: one pass: V = D (D Q - S^2) equals the sum of c^2 on 8-bit and 16-bit rows
# CHECK: layer_norm 16-bit: int64 reference equals exact integers on the extreme rows
# CHECK: layer_norm 16-bit: {{[0-9]+}} cases bit-exact on cpu and vulkan, max error {{0\.5[0-9][0-9]}} output steps
# CHECK: softmax 16-bit: {{[0-9]+}} cases bit-exact on cpu and vulkan, max error {{0\.5[0-9][0-9]}} output steps
import math

import numpy as np

import qc
from qc import reference as ref
from qc.graph import Graph, QParams

rng = np.random.default_rng(1616)
F32 = np.float32
I16 = (-32768, 32767)
U16 = (0, 65535)


def quant_graph(shape, qin, build, qout):
    g = Graph()
    xq = g.add("fake_quant", [g.add_input("x", shape)], {"qparams": qin})
    g.outputs = [g.add("fake_quant", [build(g, xq)], {"qparams": qout})]
    return g


def codes_to_input(codes, qp):
    return (np.asarray(codes, np.int64) - qp.zero_point[0]).astype(F32) * F32(qp.scale[0])


def output_codes(y, qp):
    q = np.rint(np.asarray(y, np.float64) / float(F32(qp.scale[0]))) + qp.zero_point[0]
    back = (q - qp.zero_point[0]).astype(F32) * F32(qp.scale[0])
    assert np.array_equal(back, y), "output is not on the output grid"
    return q.astype(np.int64)


def run_checked(g, x, qin, want, qout, what):
    for target in ("cpu", "vulkan"):
        # integer_only: an op left in float (a refused 16-bit input) raises.
        exe = qc.compile(g, target=target, integer_only=True)
        got = output_codes(exe(codes_to_input(x, qin)), qout)
        if not np.array_equal(got, want):
            bad = np.argwhere(got != want)[:5]
            raise AssertionError("%s on %s: %d codes differ, first at %s: got %s want %s" % (
                what, target, int(np.sum(got != want)), bad.tolist(), got[tuple(bad[0])],
                want[tuple(bad[0])]))


# -- the one-pass statistic ------------------------------------------------------------
for bits, d in ((8, 768), (8, 16384), (16, 768), (16, 16384)):
    lo = -(1 << (bits - 1))
    x = rng.integers(lo, lo + (1 << bits), (4, d)).astype(object)  # exact integers
    x[1] = [lo, lo + (1 << bits) - 1] * (d // 2)
    x[2] = lo
    for row in x:
        s = sum(row)
        q = sum(v * v for v in row)
        assert d * (d * q - s * s) == sum((d * v - s) ** 2 for v in row)
print("one pass: V = D (D Q - S^2) equals the sum of c^2 on 8-bit and 16-bit rows")


# -- the reference against exact integers ------------------------------------------------
def exact_layer_norm(x, s_in, z_in, gamma, beta, eps, s_out, z_out, qmin, qmax, in_bits):
    """The op's statement in Python integers, with its i64 bounds asserted."""
    d = x.shape[-1]
    k = ref.layer_norm_variance_shift(d, in_bits)
    e = ref.layer_norm_epsilon_term(eps, s_in, d, k, in_bits)
    m, b, shift = ref.layer_norm_params(gamma, beta, s_out, d, in_bits)
    out = []
    for row in x.reshape(-1, d).tolist():
        xs = [v - z_in for v in row]
        s, q = sum(xs), sum(v * v for v in xs)
        w = d * q - s * s
        p = d * w if ref.layer_norm_uses_v(d, in_bits) else w
        assert abs(s) < 2 ** 31 and d * q < 2 ** 63 and p << k < 2 ** 61
        u = (p << k) + e
        t = max(0, (62 - u.bit_length()) // 2)
        r = max(math.isqrt(u << (2 * t)), 1)
        assert r < 2 ** 31
        for j, v in enumerate(xs):
            c = d * v - s
            num = c << (24 + t + k // 2)
            assert abs(c) < 2 ** 31 and abs(num) + r // 2 < 2 ** 63
            n = (num + r // 2) // r if num >= 0 else -((-num + r // 2) // r)
            acc = n * int(m[j]) + int(b[j]) + (1 << (shift - 1))
            assert abs(acc) < 2 ** 63
            out.append(min(max((acc >> shift) + z_out, qmin), qmax))
    return np.array(out, dtype=np.int64).reshape(x.shape)


def extreme_rows(d, lo, hi):
    rows = np.empty((4, d), dtype=np.int64)
    rows[0] = rng.choice([lo, hi], d)
    rows[1] = lo
    rows[1, d // 3] = hi                # one code far from the others: |c| / sqrt(W) = sqrt(D - 1)
    rows[2] = hi
    rows[2, 0] = lo
    rows[3] = rng.integers(lo, hi + 1, d)
    return rows


checked = 0
for d in (768, 1290, 1291, 4096, 16384):
    for (lo, hi), z in ((I16, -32768), (I16, 32767), (U16, 65535), (U16, 1234)):
        x = extreme_rows(d, lo, hi)
        for gamma_scale, s_out, eps in ((1.0, 1 / 2000, 1e-5), (40.0, 1e-4, 0.0), (1e-3, 1.0, 1e-12)):
            gamma = rng.normal(1.0, 0.3, d) * gamma_scale
            beta = rng.normal(0.0, 0.2, d) * gamma_scale
            args = (x, 0.001, z, gamma, beta, eps, s_out, 7, -32768, 32767, 16)
            assert np.array_equal(ref.layer_norm(*args), exact_layer_norm(*args)), (d, z)
            checked += 1
print("layer_norm 16-bit: int64 reference equals exact integers on the extreme rows")


# -- layer norm, compiled ------------------------------------------------------------------
def layer_norm_cases():
    q16 = lambda s, z, r=I16: QParams(s, z, r[0], r[1], bits=16, signed=r == I16)
    out16 = QParams(1 / 2000, 3, -32768, 32767, bits=16)
    # (name, codes, input params, output params)
    yield "random 64", rng.integers(-32768, 32768, (2, 3, 64)), q16(0.001, -5), out16
    yield "random 768 (V)", rng.integers(-32768, 32768, (2, 768)), q16(3e-4, 1000), out16
    yield "u16 1290 (V, last)", rng.integers(0, 65536, (2, 1290)), q16(0.002, 65535, U16), out16
    yield "u16 1291 (W, first)", rng.integers(0, 65536, (2, 1291)), q16(0.002, 0, U16), out16
    yield "extremes 4096 (W)", extreme_rows(4096, -32768, 32767), q16(0.001, -32768), out16
    yield "extremes 16384 (W)", extreme_rows(16384, 0, 65535), q16(0.001, 31000, U16), out16
    const = np.full((2, 48), 1234)
    const[1] = -32768
    yield "constant rows", const, q16(0.01, 7), out16
    near = np.full((2, 2000), 500)
    near[:, 17] = 501
    yield "one code apart (W)", near, q16(0.0001, -1), out16
    yield "saturating output", rng.integers(-32768, 32768, (3, 96)), q16(0.05, 0), \
        QParams(0.5, 0, -8, 8, bits=16)
    yield "8-bit in, 16-bit out", rng.integers(-128, 128, (3, 200)), QParams(0.05, 3, -128, 127), out16
    yield "16-bit in, u8 out", rng.integers(-32768, 32768, (3, 200)), q16(0.001, 100), \
        QParams(4 / 255, 128, 0, 255, signed=False)


max_err = 0.0
n = 0
for name, x, qin, qout in layer_norm_cases():
    d = x.shape[-1]
    gamma = rng.normal(1.0, 0.3, d).astype(F32)
    beta = rng.normal(0.0, 0.2, d).astype(F32)
    eps = 1e-5
    s_in, z_in = qin.scale[0], int(qin.zero_point[0])
    want = ref.layer_norm(x, s_in, z_in, gamma, beta, float(F32(eps)), qout.scale[0],
                          int(qout.zero_point[0]), qout.qmin, qout.qmax, qin.bits)
    g = quant_graph(x.shape, qin, lambda g, v: g.add(
        "layer_norm", [v, g.add_const(gamma), g.add_const(beta)], {"eps": eps}), qout)
    run_checked(g, x, qin, want, qout, "layer_norm " + name)
    real = (x - z_in) * s_in
    norm = (real - real.mean(-1, keepdims=True)) / np.sqrt(real.var(-1, keepdims=True) + float(F32(eps)))
    exact = norm * gamma.astype(np.float64) + beta.astype(np.float64)
    ideal = np.clip(exact / qout.scale[0] + qout.zero_point[0], qout.qmin, qout.qmax)
    max_err = max(max_err, float(np.max(np.abs(want - ideal))))
    n += 1
print("layer_norm 16-bit: %d cases bit-exact on cpu and vulkan, max error %.3f output steps"
      % (n, max_err))


# -- softmax, compiled -----------------------------------------------------------------------
def softmax_cases():
    yield "random", QParams(0.001, 3, -32768, 32767, bits=16), rng.integers(-32768, 32768, (2, 3, 40))
    yield "narrow differences", QParams(2e-5, -100, -32768, 32767, bits=16), \
        rng.integers(-400, 400, (2, 3, 40))
    spike = np.full((2, 64), 0)
    spike[:, 5] = 65535
    yield "spike", QParams(3e-4, 0, 0, 65535, bits=16, signed=False), spike
    yield "long", QParams(1e-4, 20, -32768, 32767, bits=16), rng.integers(-32768, 32768, (1, 3000))


max_err = 0.0
n = 0
for name, qin, x in softmax_cases():
    for qout in (QParams(1 / 256, -128, -128, 127), QParams(2.0 ** -15, 0, 0, 65535, bits=16, signed=False)):
        want = ref.softmax(x, -1, qin.scale[0], 16, qout.scale[0], int(qout.zero_point[0]),
                           qout.qmin, qout.qmax)
        g = quant_graph(x.shape, qin, lambda g, v: g.add("softmax", [v], {"axis": -1}), qout)
        run_checked(g, x, qin, want, qout, "softmax " + name)
        real = (x - qin.zero_point[0]) * qin.scale[0]
        e = np.exp(real - real.max(axis=-1, keepdims=True))
        exact = e / e.sum(axis=-1, keepdims=True)
        ideal = np.clip(exact / qout.scale[0] + qout.zero_point[0], qout.qmin, qout.qmax)
        max_err = max(max_err, float(np.max(np.abs(want - ideal))))
        n += 1
print("softmax 16-bit: %d cases bit-exact on cpu and vulkan, max error %.3f output steps"
      % (n, max_err))
