# tools/ort: ONNX Runtime under node on .npy inputs, and the copy of a model
# with scalar quantization parameters that ORT 1.30 needs for QLinearAdd.
#
# RUN: %python %s
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "ort"))
from ort import OrtError, ort_compatible, run_ort  # noqa: E402


def model(nodes, inits, inputs, outputs, opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs,
                          [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


vi = helper.make_tensor_value_info
rng = np.random.default_rng(0)

# Float MatMul, timed: outputs equal numpy's f32 product to rounding.
w = rng.standard_normal((16, 8)).astype(np.float32)
x = rng.standard_normal((4, 16)).astype(np.float32)
m = model([helper.make_node("MatMul", ["x", "w"], ["y"])], {"w": w}, [vi("x", 1, [4, 16])], [vi("y", 1, [4, 8])])
out, info = run_ort(m, {"x": x}, threads=1, repeat=3, warmup=1)
assert out["y"].dtype == np.float32 and out["y"].shape == (4, 8)
assert np.allclose(out["y"], x @ w, rtol=1e-5, atol=1e-5)
assert len(info["times_ms"]) == 3 and info["min_ms"] <= info["median_ms"] and info["threads"] == 1

# QuantizeLinear to uint8: round half to even, saturation; integer outputs keep their dtype.
q = model([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"])], {"s": np.float32(0.1), "z": np.uint8(3)},
          [vi("x", 1, [5])], [vi("q", TensorProto.UINT8, [5])])
out, _ = run_ort(q, {"x": np.array([0.05, 0.15, 0.25, -1.0, 30.0], np.float32)})
assert out["q"].dtype == np.uint8 and out["q"].tolist() == [3, 5, 5, 0, 255], out["q"]

# QLinearAdd with 1-element parameters (as torch writes them): ORT refuses the
# model, and accepts the copy from ort_compatible with the same results.
one = lambda v, t: np.array([v], t)
inits = {"as": one(0.1, np.float32), "az": one(10, np.uint8), "bs": one(0.2, np.float32), "bz": one(5, np.uint8),
         "ys": one(0.25, np.float32), "yz": one(7, np.uint8)}
qadd = model([helper.make_node("QLinearAdd", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"],
                               domain="com.microsoft")], inits,
             [vi("a", TensorProto.UINT8, [6]), vi("b", TensorProto.UINT8, [6])], [vi("y", TensorProto.UINT8, [6])])
qadd.opset_import.append(helper.make_opsetid("com.microsoft", 1))
a = np.array([0, 10, 20, 255, 100, 3], np.uint8)
b = np.array([5, 0, 255, 255, 40, 9], np.uint8)
try:
    run_ort(qadd, {"a": a, "b": b})
    refused = False
except OrtError as e:
    refused = "scalar" in str(e)
assert refused, "ORT 1.30 accepted 1-element QLinearAdd parameters; ort_compatible may be unnecessary now"
out, _ = run_ort(ort_compatible(qadd), {"a": a, "b": b})
real = (a.astype(np.float64) - 10) * 0.1 + (b.astype(np.float64) - 5) * 0.2
assert np.abs(out["y"].astype(np.int64) - np.clip(np.rint(real / 0.25) + 7, 0, 255)).max() <= 1

# Errors are OrtError with ORT's message, not a crash.
try:
    run_ort(m, {"x": np.zeros((3, 3), np.float32)})
    raise AssertionError("a wrong input shape was accepted")
except OrtError as e:
    assert "ort: error:" in str(e), e
print("ort driver: ok")
