# ONNX Pad (constant mode). On quantized codes (the QOperator form: Pad of
# uint8 codes with the zero point) and on dequantized values (QDQ: Pad with
# 0.0 between DequantizeLinear and Conv) the pad of H and W becomes the
# convolution's padding in the fold: one qc.conv2d, integer-only, bit-exact
# with ONNX Runtime (codes out, single_round). A float Pad with another
# constant and on other axes is checked against ORT through the graph's
# meaning; unsupported modes and negative pads are clear errors.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: pad: 2 quantized models bit-exact with ONNX Runtime, float exact, 2 errors
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from qc.importers.common import ImportError_
from qc.importers.onnx import import_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "ort"))
from ort import run_ort  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import run_qc as qc_run  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(3)


def make(nodes, inits, x_shape, y_shape, y_type=TensorProto.UINT8, opset=13):
    g = helper.make_graph(nodes, "pad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                          [helper.make_tensor_value_info("y", y_type, y_shape)],
                          [numpy_helper.from_array(np.asarray(v), n) for n, v in inits.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def run_qc(m, x, name):
    def check(folded):
        assert "qc.conv2d" in folded and "padding = array<i64: 1, 2, 2, 1>" in folded and \
            "tensor.pad" not in folded, (name, folded)
    return qc_run(m, [x], os.path.join(out, name), "profile=single_round allow-float=false", check)[0]


c, f = 3, 4
inits = {"xs": np.float32(0.05), "xz": np.uint8(131),
         "w": rng.integers(-127, 128, size=(f, c, 3, 3)).astype(np.int8),
         "ws": (0.002 + 0.004 * rng.random(f)).astype(np.float32), "wz": np.zeros(f, np.int8),
         "ys": np.float32(0.0731), "yz": np.uint8(120),
         "pads": np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64), "code": np.uint8(131), "zero": np.float32(0.0)}
quantize = helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"])
models = {
    # QOperator: the codes padded with the zero point, then QLinearConv.
    "qoperator": [quantize, helper.make_node("Pad", ["xq", "pads", "code"], ["p"], mode="constant"),
                  helper.make_node("QLinearConv", ["p", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["y"],
                                   kernel_shape=[3, 3])],
    # QDQ: the dequantized values padded with 0.0, then Conv (ORT fuses it into QLinearConv).
    "qdq": [quantize, helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
            helper.make_node("Pad", ["xd", "pads", "zero"], ["p"], mode="constant"),
            helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"], axis=0),
            helper.make_node("Conv", ["p", "wd"], ["yf"], kernel_shape=[3, 3]),
            helper.make_node("QuantizeLinear", ["yf", "ys", "yz"], ["y"])],
}
for name, nodes in models.items():
    m = make(nodes, inits, [2, c, 5, 6], [2, f, 6, 7])
    x = (rng.standard_normal((2, c, 5, 6)) * 3).astype(np.float32)
    ort = run_ort(m, {"x": x})[0]["y"]
    got = run_qc(m, x, name)
    assert got.dtype == ort.dtype and np.array_equal(got, ort), (name, int((got != ort).sum()))

# Float Pad on the channel and width axes with 1.5 (opset 11 inputs), and
# the opset-2 attribute form: the graph's meaning equals ORT exactly.
for opset, nodes, ins in (
        (13, [helper.make_node("Pad", ["x", "p", "v"], ["y"])],
         {"p": np.array([0, 1, 0, 2, 0, 2, 0, 0], np.int64), "v": np.float32(1.5)}),
        (10, [helper.make_node("Pad", ["x"], ["y"], pads=[1, 0, 2, 0, 0, 1, 0, 3], value=-2.0)], {})):
    m = make(nodes, ins, [2, 3, 4, 5], None, TensorProto.FLOAT, opset)
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    want = run_ort(m, {"x": x})[0]["y"]
    m.graph.output[0].CopyFrom(helper.make_tensor_value_info("y", TensorProto.FLOAT, list(want.shape)))
    have = import_model(m).evaluate([x])[0]
    assert have.shape == want.shape and np.array_equal(have, want), (opset, have.shape, want.shape)

errors = 0
for attrs, pads, text in ((dict(mode="reflect"), [0, 0, 1, 1, 0, 0, 1, 1], "mode 'reflect' is not supported"),
                          ({}, [0, 0, -1, 1, 0, 0, 1, 1], "negative pads crop")):
    m = make([helper.make_node("Pad", ["x", "p"], ["y"], name="pad", **attrs)],
             {"p": np.array(pads, np.int64)}, [1, 1, 4, 4], [1, 1, 6, 6], TensorProto.FLOAT)
    try:
        import_model(m)
        raise AssertionError("imported: %s" % text)
    except ImportError_ as e:
        assert "node 'pad' (Pad)" in str(e) and text in str(e), str(e)
        errors += 1
print("pad: %d quantized models bit-exact with ONNX Runtime, float exact, %d errors" % (len(models), errors))
