# qc.calibration: observers on known distributions, parameter computation,
# and the insertion of qc.fake_quant into a float graph (verified by qc-opt).
#
# RUN: %python %s | FileCheck %s
#
# CHECK: minmax: ok
# CHECK: qparams: ok
# CHECK: percentile: ok
# CHECK: entropy: ok
# CHECK: mse: ok
# CHECK: per_channel: ok
# CHECK: calibrate: ok
# CHECK-LABEL: func.func @model
# CHECK: %[[X:.*]] = qc.fake_quant %arg0 to !quant.uniform<i8:f32, {{.*}}>
# CHECK: %[[W:.*]] = qc.fake_quant %{{.*}} to !quant.uniform<i8<-127:127>:f32:1, {
# CHECK: linalg.matmul ins(%[[X]], %[[W]]
# CHECK: arith.addf
# CHECK: arith.maximumf
# CHECK: qc.fake_quant %{{.*}} to !quant.uniform<i8:f32, {{.*}}:-128>
# CHECK: return
# CHECK: cli: ok
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import qc_opt  # noqa: E402

from qc import calibration as cal  # noqa: E402
from qc.graph import Graph, fake_quant_values  # noqa: E402

rng = np.random.default_rng(0)

# min-max is exact.
x = np.array([-1.5, 0.25, 3.0, 2.0], np.float32)
lo, hi = cal.observe(x, "minmax")
assert lo[0] == np.float32(-1.5) and hi[0] == np.float32(3.0), (lo, hi)
print("minmax: ok")

# Parameters: asymmetric int8 on [-1.5, 3.0]: s = 4.5 / 255, z = -128 - rint(-1.5 / s) = -43.
qp = cal.qparams_from_range(-1.5, 3.0)
assert abs(qp.scale[0] - np.float32(4.5 / 255)) == 0 and qp.zero_point[0] == -43, qp
# The range always contains 0: [0.5, 2] -> [0, 2], z = qmin.
qp = cal.qparams_from_range(0.5, 2.0)
assert qp.zero_point[0] == -128 and qp.scale[0] == np.float32(2.0 / 255), qp
# Symmetric narrow int8: s = max|x| / 127, z = 0.
qp = cal.qparams_from_range(-2.54, 1.0, symmetric=True, narrow=True)
assert qp.zero_point[0] == 0 and qp.qmin == -127 and qp.scale[0] == np.float32(2.54 / 127), qp
# Unsigned symmetric: z = 128.
assert cal.qparams_from_range(-1, 1, signed=False, symmetric=True).zero_point[0] == 128
print("qparams: ok")

# Percentile on 0..10000: the 1st and 99th percentiles are 100 and 9900.
a = np.arange(10001, dtype=np.float32)
lo, hi = cal.observe(a, "percentile", percentile=99.0)
assert lo[0] == 100.0 and hi[0] == 9900.0, (lo, hi)
print("percentile: ok")

# Entropy: a Gaussian with a few huge outliers. Min-max would take +-50; the
# KL threshold lands in the bulk of the distribution (between 2.5 and 6 sigma).
g = rng.normal(0, 1, 200000).astype(np.float32)
g[:10] = 50.0
g[10:20] = -50.0
t = cal.kl_threshold(g)
assert 2.5 < t < 6.0, t
lo, hi = cal.observe(g, "entropy")
assert -6.0 < lo[0] < -2.5 and 2.5 < hi[0] < 6.0, (lo, hi)
# Without outliers on a uniform distribution nothing is worth clipping.
u = rng.uniform(-1, 1, 100000).astype(np.float32)
assert cal.kl_threshold(u) > 0.95, cal.kl_threshold(u)
print("entropy: ok")

# MSE: on a heavy-tailed distribution the chosen range is narrower than
# min-max and its fake-quantization error lower: for 8 bits and Laplace(0, b)
# the optimal clipping is about 9.89 b (Banner et al., "ACIQ"); on a uniform
# distribution it is (nearly) the whole range.
lap = rng.laplace(0, 1, 100000).astype(np.float32)
lo, hi = cal.observe(lap, "mse")
mlo, mhi = cal.observe(lap, "minmax")
assert hi[0] < mhi[0] and lo[0] > mlo[0], (lo, hi, mlo, mhi)
assert 9.0 < hi[0] < 10.8 and -10.8 < lo[0] < -7.5, (lo, hi)
err = lambda q: float(np.mean((fake_quant_values(lap, q) - lap) ** 2))
assert err(cal.qparams_from_range(lo, hi)) < err(cal.qparams_from_range(mlo, mhi))
lo, hi = cal.observe(u, "mse")
assert hi[0] > 0.95 and lo[0] < -0.95, (lo, hi)
print("mse: ok")

# Per channel: one range per slice of the axis.
w = np.array([[1.0, -2.0, 0.5], [4.0, 0.0, -0.25]], np.float32)
lo, hi = cal.observe(w, "minmax", axis=1)
assert list(lo) == [1.0, -2.0, -0.25] and list(hi) == [4.0, 0.0, 0.5], (lo, hi)
lo, hi = cal.observe(w, "minmax", axis=0)
assert list(lo) == [-2.0, -0.25] and list(hi) == [1.0, 4.0], (lo, hi)
print("per_channel: ok")

# calibrate(): x -> matmul(w) -> bias -> relu, on 16 samples.
graph = Graph()
xin = graph.add_input("x", (4, 6))
wv = graph.add_const(rng.normal(size=(6, 3)).astype(np.float32))
bv = graph.add_const(np.array([0.1, -0.2, 0.3], np.float32))
y = graph.add("matmul", [xin, wv])
y = graph.add("bias_add", [y, bv])
y = graph.add("clamp", [y], {"lo": 0.0, "hi": np.inf})
graph.outputs = [y]
samples = [rng.normal(size=(4, 6)).astype(np.float32) for _ in range(16)]
q = cal.calibrate(graph, samples, "minmax")
ops = [n.op for n in q.nodes]
assert ops == ["fake_quant", "fake_quant", "matmul", "bias_add", "clamp", "fake_quant"], ops
# The input range is the min/max over all samples; the weight per column.
xs = np.stack(samples)
assert q.nodes[0].attrs["qparams"].same(cal.qparams_from_range(xs.min(), xs.max()))
wq = q.nodes[1].attrs["qparams"]
assert wq.axis == 1 and np.allclose(wq.scale, np.abs(graph.consts[wv]).max(0) / 127, rtol=1e-6)
# The quantized graph stays close to the float one.
f = graph.evaluate([samples[0]])[0]
qo = q.evaluate([samples[0]])[0]
assert np.abs(f - qo).max() < 0.1 * np.abs(f).max(), np.abs(f - qo).max()
text = q.to_mlir()
qc_opt(text)
print("calibrate: ok")
print(text)

# The command line on a float ONNX model (a Relu only, so the graph is
# input fake_quant -> clamp -> output fake_quant).
import onnx  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

with tempfile.TemporaryDirectory() as d:
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(d, "m.onnx"))
    np.save(os.path.join(d, "x.npy"), np.linspace(-2, 2, 32, dtype=np.float32).reshape(8, 4))
    r = subprocess.run([sys.executable, "-m", "qc.calibration", os.path.join(d, "m.onnx"), "--samples",
                        os.path.join(d, "x.npy"), "--batch", "2", "--method", "percentile"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("qc.fake_quant") == 2 and "tensor<2x4xf32>" in r.stdout, r.stdout
    qc_opt(r.stdout)
    r = subprocess.run([sys.executable, "-m", "qc.calibration", os.path.join(d, "m.onnx"), "--samples",
                        os.path.join(d, "missing.npy")], capture_output=True, text=True)
    assert r.returncode == 1 and "qc-calibrate: error:" in r.stderr, (r.returncode, r.stderr)
print("cli: ok")
