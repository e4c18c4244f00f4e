# Grouped (not depthwise) convolutions: the importer makes the constant
# weight block-diagonal (zero outside each group's block, exact: the zeros
# are the weights' zero point) and the fold an ordinary qc.conv2d. Checked
# bit for bit against ONNX Runtime on codes in, codes out (QOperator
# QLinearConv with group, and the QDQ form ORT fuses into it; int32 bias,
# per-channel weights, zero points != 0, padding and stride, the
# single_round profile), and the float meaning against ORT's float Conv.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: grouped conv: 3 quantized models bit-exact with ONNX Runtime, float within 1e-5
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from qc.importers.onnx import import_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "ort"))
from ort import run_ort  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import run_qc as qc_run  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(11)


def qlinear(c, f, groups, k, hw, strides, pads, qdq):
    """uint8 codes in and out; int8 per-channel weights; int32 bias."""
    w = rng.integers(-127, 128, size=(f, c // groups, k, k)).astype(np.int8)
    ws = (0.002 + 0.004 * rng.random(f)).astype(np.float32)
    xs, xz, ys, yz = np.float32(0.05), np.uint8(131), np.float32(0.07), np.uint8(120)
    bias = rng.integers(-3000, 3000, size=f).astype(np.int32)
    inits = {"xs": xs, "xz": xz, "w": w, "ws": ws, "wz": np.zeros(f, np.int8), "ys": ys, "yz": yz,
             "b": bias, "bs": (xs * ws).astype(np.float32), "bz": np.zeros(f, np.int32)}
    attrs = dict(group=groups, kernel_shape=[k, k], strides=list(strides), pads=list(pads))
    if qdq:
        nodes = [helper.make_node("DequantizeLinear", ["x", "xs", "xz"], ["xd"]),
                 helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"], axis=0),
                 helper.make_node("DequantizeLinear", ["b", "bs", "bz"], ["bd"], axis=0),
                 helper.make_node("Conv", ["xd", "wd", "bd"], ["yf"], **attrs),
                 helper.make_node("QuantizeLinear", ["yf", "ys", "yz"], ["y"])]
    else:
        nodes = [helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"],
                                  **attrs)]
    oh = (hw[0] + pads[0] + pads[2] - k) // strides[0] + 1
    ow = (hw[1] + pads[1] + pads[3] - k) // strides[1] + 1
    g = helper.make_graph(nodes, "gconv", [helper.make_tensor_value_info("x", TensorProto.UINT8, [2, c] + hw)],
                          [helper.make_tensor_value_info("y", TensorProto.UINT8, [2, f, oh, ow])],
                          [numpy_helper.from_array(np.asarray(v), n) for n, v in inits.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), \
        rng.integers(0, 256, size=[2, c] + hw).astype(np.uint8)


def run_qc(m, x, name):
    def check(folded):
        assert "qc.conv2d" in folded and "linalg" not in folded, (name, folded)
    return qc_run(m, [x], os.path.join(out, name), "profile=single_round allow-float=false", check)[0]


cases = [("qlinear_g2", 4, 6, 2, 3, [5, 6], (1, 1), (1, 1, 1, 1), False),
         ("qdq_g3", 6, 9, 3, 3, [6, 5], (2, 1), (0, 1, 1, 0), True),
         ("qlinear_g4_1x1", 8, 4, 4, 1, [3, 3], (1, 1), (0, 0, 0, 0), False)]
for name, c, f, groups, k, hw, strides, pads, qdq in cases:
    m, x = qlinear(c, f, groups, k, hw, strides, pads, qdq)
    ort = run_ort(m, {"x": x})[0]["y"]
    got = run_qc(m, x, name)
    assert got.dtype == ort.dtype and got.shape == ort.shape, (name, got.shape, ort.shape)
    assert np.array_equal(got, ort), (name, int((got != ort).sum()), got.size)

# Float: the graph's meaning (what the IR computes) against ORT's Conv.
w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
b = rng.standard_normal(6).astype(np.float32)
g = helper.make_graph([helper.make_node("Conv", ["x", "w", "b"], ["y"], group=3, pads=[1, 1, 1, 1])], "fconv",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 6, 5, 5])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 5, 5])],
                      [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
x = rng.standard_normal((1, 6, 5, 5)).astype(np.float32)
want = run_ort(m, {"x": x})[0]["y"]
have = import_model(m).evaluate([x])[0]
assert np.allclose(have, want, atol=1e-5), np.abs(have - want).max()
print("grouped conv: %d quantized models bit-exact with ONNX Runtime, float within 1e-5" % len(cases))
