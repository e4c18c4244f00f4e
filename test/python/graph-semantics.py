# qc.graph: the numpy meaning of fake quantization (half to even on exact
# ties, saturation, the f32 run-time quotient vs the f64 constant quotient),
# and the IR forms of reshape (collapse / expand / general) and pooling,
# each verified by qc-opt.
#
# RUN: %python %s | FileCheck %s
#
# CHECK: fake_quant_ties: ok
# CHECK: fake_quant_constant_quotient: ok
# CHECK: reshape_forms: ok
# CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
# CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [1, 2, 12] : tensor<2x12xf32> into tensor<1x2x12xf32>
# CHECK: tensor.reshape %{{.*}}(%{{.*}}) : (tensor<1x2x12xf32>, tensor<2xi64>) -> tensor<4x6xf32>
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import qc_opt  # noqa: E402

from qc.graph import Graph, QParams, fake_quant_values  # noqa: E402

# Exact ties with s = 0.5: x / s = k + 0.5 rounds to the even k.
qp = QParams(0.5, 0, -128, 127)
x = np.array([0.25, 0.75, 1.25, -0.25, -0.75, 100.0, -100.0], np.float32)
y = fake_quant_values(x, qp)
assert list(y) == [0.0, 1.0, 1.0, -0.0, -1.0, 63.5, -64.0], y
# Unsigned, narrowed storage u8<0:127> with zero point 3.
qp = QParams(0.25, 3, 0, 127, signed=False)
y = fake_quant_values(np.array([-1.0, -0.875, 0.0, 40.0], np.float32), qp)
assert list(y) == [-0.75, -0.75, 0.0, (127 - 3) * 0.25], y
# Per axis (axis 1), a different scale per column.
qp = QParams([0.5, 0.25], [0, 1], -128, 127, axis=1)
y = fake_quant_values(np.array([[0.3, 0.3], [1.0, -0.2]], np.float32), qp)
assert np.array_equal(y, np.array([[0.5, 0.25], [1.0, -0.25]], np.float32)), y
print("fake_quant_ties: ok")

# Run-time values divide in f32, constants in f64 (docs/Numerics.md): find an
# f32 x whose f32 quotient x / 0.1f is an exact tie (rounded to even) while
# the f64 quotient is not, and check that both paths follow their rule.
s = np.float32(0.1)
found = None
for k in range(1, 2000):
    xv = np.float32((k + 0.5) * float(s))
    q32 = np.float32(xv) / s
    q64 = float(xv) / float(s)
    if q32 == np.float32(k + 0.5) and q64 != k + 0.5 and np.rint(q32) != np.rint(q64):
        found = (xv, k)
        break
assert found is not None
xv, k = found
qp = QParams(s, 0, -(1 << 15), (1 << 15) - 1, bits=16)
g = Graph()
inp = g.add_input("x", (1,))
c = g.add_const(np.array([xv], np.float32))
a = g.add("fake_quant", [inp], {"qparams": qp})
b = g.add("fake_quant", [c], {"qparams": qp})
g.outputs = [a, b]
run_time, constant = g.evaluate([np.array([xv], np.float32)])
assert run_time[0] != constant[0], (run_time, constant)
assert run_time[0] == np.float32(np.rint(np.float32(xv) / s)) * s
assert constant[0] == np.float32(np.rint(float(xv) / float(s))) * s
qc_opt(g.to_mlir())
print("fake_quant_constant_quotient: ok")

g = Graph()
inp = g.add_input("x", (2, 3, 4))
r1 = g.add("reshape", [inp], {"shape": (2, 12)})
r2 = g.add("reshape", [r1], {"shape": (1, 2, 12)})
r3 = g.add("reshape", [r2], {"shape": (4, 6)})
p = g.add("reshape", [r3], {"shape": (1, 4, 6, 1)})
m = g.add("max_pool", [p], {"kernel": (2, 2), "strides": (1, 2), "pads": (1, 0, 0, 1)})
v = g.add("avg_pool", [p], {"kernel": (3, 2), "strides": (2, 2), "pads": (1, 1, 0, 1)})
g.outputs = [r3, m, v]
xin = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
o3, om, ov = g.evaluate([xin])
assert np.array_equal(o3, xin.reshape(4, 6))
img = xin.reshape(4, 6)
# max pool, pads top 1, bottom 0, left 0, right 1; stride (1, 2): row 0 of the
# output sees image row 0 only.
assert om.shape == (1, 4, 3, 1) and om[0, 0, 0, 0] == img[0, 1] and om[0, 3, 2, 0] == img[3, 5], om[0, :, :, 0]
# avg pool counts only valid elements: output (0, 0) covers rows -1..1, cols 0..1.
assert ov[0, 0, 0, 0] == np.float32(img[0:2, 0:2].mean()), ov[0, :, :, 0]
text = g.to_mlir()
qc_opt(text)
print("reshape_forms: ok")
print(text)
