# qc.graph's nonlinear ops (python/qc/graph_ops.py): shape inference and
# its errors, the numpy meaning against a float64 statement of each op, and
# the emitted float MLIR run on the CPU (qc.compile without folding) against
# that numpy meaning.
#
# RUN: %python %s | FileCheck %s
#
# CHECK: shapes: ok
# CHECK: errors: ok
# CHECK: unary sigmoid: ok
# CHECK: unary silu: ok
# CHECK: unary hardswish: ok
# CHECK: unary reciprocal: ok
# CHECK: softmax: ok
# CHECK: layer_norm: ok
# CHECK: batch_matmul 4-D: ok
# CHECK: batch_matmul 2-D rhs: ok
# CHECK: reduce_mean keepdims: ok
# CHECK: reduce_mean all: ok
# CHECK: div sub: ok
# CHECK: canonical forms: {{.*}}linalg.softmax dimension(1)
# CHECK-SAME: linalg.batch_matmul
import math

import numpy as np

import os
import sys

import qc
from qc.graph import Graph, GraphError
from qc.graph_ops import UNARY_FUNCTIONS, unary_numpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import qc_opt  # noqa: E402

rng = np.random.default_rng(7)


def f64_unary(fn, x, alpha=0.2, beta=0.5):
    x = x.astype(np.float64)
    erf = np.vectorize(math.erf)
    return {
        "sigmoid": lambda: 1 / (1 + np.exp(-x)),
        "tanh": lambda: np.tanh(x),
        "gelu_erf": lambda: 0.5 * x * (1 + erf(x / math.sqrt(2))),
        "gelu_tanh": lambda: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
        "hardswish": lambda: x * np.clip(x + 3, 0, 6) / 6,
        "hardsigmoid": lambda: np.clip(alpha * x + beta, 0, 1),
        "silu": lambda: x / (1 + np.exp(-x)),
        "exp": lambda: np.exp(x),
        "erf": lambda: erf(x),
        "sqrt": lambda: np.sqrt(np.abs(x)),
        "reciprocal": lambda: 1 / x,
        "neg": lambda: -x,
        "abs": lambda: np.abs(x),
    }[fn]()


def close(got, want, rtol=2e-5, atol=2e-6):
    got = np.asarray(got, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    err = np.abs(got - want)
    assert np.all(err <= atol + rtol * np.abs(want)), err.max()


# -- shape inference ----------------------------------------------------------
g = Graph()
x = g.add_input("x", (2, 3, 4, 5))
assert g.shapes[g.add("unary", [x], {"fn": "tanh"})] == (2, 3, 4, 5)
assert g.shapes[g.add("softmax", [x], {"axis": -1})] == (2, 3, 4, 5)
assert g.nodes[-1].attrs["axis"] == 3
assert g.shapes[g.add("reduce_mean", [x], {"axes": [1, -1], "keepdims": True})] == (2, 1, 4, 1)
assert g.nodes[-1].attrs["axes"] == [1, 3]
assert g.shapes[g.add("reduce_mean", [x], {"axes": [2], "keepdims": False})] == (2, 3, 5)
y = g.add_input("y", (2, 3, 5, 7))
assert g.shapes[g.add("batch_matmul", [x, y])] == (2, 3, 4, 7)
w = g.add_const(np.ones((5, 6), np.float32))
assert g.shapes[g.add("batch_matmul", [x, w])] == (2, 3, 4, 6)
c = g.add_const(np.ones((4, 1), np.float32))
assert g.shapes[g.add("div", [x, c])] == (2, 3, 4, 5)
assert g.shapes[g.add("sub", [c, x])] == (2, 3, 4, 5)
gm, bt = g.add_const(np.ones(5, np.float32)), g.add_const(np.zeros(5, np.float32))
assert g.shapes[g.add("layer_norm", [x, gm, bt], {"axis": -1, "eps": 1e-5})] == (2, 3, 4, 5)
print("shapes: ok")

bad = [
    ("unary", [x], {"fn": "cosh"}, "unknown function 'cosh'"),
    ("softmax", [x], {"axis": 4}, "axis 4 outside rank 4"),
    ("reduce_mean", [x], {"axes": [-5]}, "outside rank 4"),
    ("batch_matmul", [x, x], {}, "inner dimensions 5 and 4 differ"),
    ("batch_matmul", [x, g.add_input("z", (3, 3, 5, 2))], {}, "batch dimensions"),
    ("layer_norm", [x, gm, bt], {"axis": 1}, "only the last axis"),
    ("layer_norm", [x, c, bt], {}, "gamma"),
    ("sub", [x, g.add_input("v", (3, 4))], {}, "do not broadcast"),
]
for op, ins, attrs, msg in bad:
    try:
        g.add(op, ins, attrs, name="node")
    except GraphError as e:
        assert msg in str(e) and "(node)" in str(e), (op, str(e))
    else:
        raise AssertionError("%s accepted %s" % (op, attrs))
print("errors: ok")


def run_float(g, inputs):
    """The emitted float IR, compiled for the CPU without folding."""
    return qc.compile(g, pipeline="")(*inputs)


def check(name, build, inputs, f64, run=True):
    g = Graph()
    xs = [g.add_input("x%d" % i, a.shape) for i, a in enumerate(inputs)]
    g.outputs = [build(g, xs)]
    (ev,) = g.evaluate(inputs)
    close(ev, f64)
    if run:
        got = run_float(g, inputs)
        close(got, ev.astype(np.float64), rtol=1e-5, atol=1e-6)
    else:
        qc_opt(g.to_mlir(), "--verify-each")
    print("%s: ok" % name)
    return g


# -- unary: every function's numpy meaning against float64 ----------------------
xs = np.concatenate([np.linspace(-8, 8, 257), rng.normal(0, 3, 200)]).astype(np.float32)
for fn in UNARY_FUNCTIONS:
    arg = np.abs(xs) + 0.25 if fn in ("sqrt", "reciprocal") else xs
    close(unary_numpy(fn, arg), f64_unary(fn, arg), rtol=3e-6, atol=2e-6)
assert np.array_equal(unary_numpy("hardsigmoid", xs, 1 / 6, 0.5),
                      np.clip(xs * np.float32(1 / 6) + np.float32(0.5), 0, 1))
# (qc's float CPU path has no math.erf lowering: gelu_erf's body is checked
# through the fold's tables instead, test/python/nonlinear-numerics.py.)
for fn in ("sigmoid", "silu", "hardswish", "reciprocal"):
    arg = (np.abs(xs) + 0.25 if fn == "reciprocal" else xs).reshape(1, 457)
    check("unary " + fn, lambda g, v, fn=fn: g.add("unary", [v[0]], {"fn": fn}), [arg],
          f64_unary(fn, arg))

# -- softmax, layer norm ------------------------------------------------------------
a = rng.normal(0, 2, (3, 6, 5)).astype(np.float32)
e = np.exp(a.astype(np.float64) - a.max(axis=1, keepdims=True))
# (qc's float CPU path does not decompose linalg.softmax, which is
# upstream's own op: the IR is only verified.)
check("softmax", lambda g, v: g.add("softmax", [v[0]], {"axis": -2}), [a],
      e / e.sum(axis=1, keepdims=True), run=False)
gamma = rng.normal(1, 0.2, 5).astype(np.float32)
beta = rng.normal(0, 0.2, 5).astype(np.float32)
a64 = a.astype(np.float64)
ln = (a64 - a64.mean(-1, keepdims=True)) / np.sqrt(a64.var(-1, keepdims=True) + 1e-5) * gamma + beta
check("layer_norm", lambda g, v: g.add("layer_norm", [v[0], g.add_const(gamma), g.add_const(beta)],
                                       {"eps": 1e-5}), [a], ln)

# -- batch matmul, reduce_mean, div, sub ---------------------------------------------
p = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
q = rng.normal(size=(2, 3, 5, 6)).astype(np.float32)
check("batch_matmul 4-D", lambda g, v: g.add("batch_matmul", v), [p, q],
      p.astype(np.float64) @ q.astype(np.float64))
wc = rng.normal(size=(5, 3)).astype(np.float32)
check("batch_matmul 2-D rhs", lambda g, v: g.add("batch_matmul", [v[0], g.add_const(wc)]), [p],
      p.astype(np.float64) @ wc.astype(np.float64))
check("reduce_mean keepdims",
      lambda g, v: g.add("reduce_mean", [v[0]], {"axes": [1, 3], "keepdims": True}), [p],
      p.astype(np.float64).mean(axis=(1, 3), keepdims=True))
check("reduce_mean all", lambda g, v: g.add("reduce_mean", [v[0]], {"keepdims": False}), [p],
      np.array(p.astype(np.float64).mean()))
d = (np.abs(rng.normal(size=(4, 1))) + 0.5).astype(np.float32)
check("div sub", lambda g, v: g.add("sub", [g.add("div", [v[0], g.add_const(d)]), v[1]]),
      [p, q[0, 0, :4, :5].copy()],
      p.astype(np.float64) / d - q[0, 0, :4, :5].astype(np.float64))

# -- the canonical forms, as text -------------------------------------------------
g = Graph()
v = g.add_input("x", (2, 3, 4))
s = g.add("softmax", [v], {"axis": 1})
g.outputs = [g.add("batch_matmul", [s, g.add_input("y", (2, 4, 2))])]
text = g.to_mlir()
print("canonical forms: " + " ".join(l.strip() for l in text.splitlines()
                                     if "linalg.softmax" in l or "linalg.batch_matmul" in l))
