# Average-pool ties against ONNX Runtime: the ONNX importer marks its average
# pools half_even (docs/Numerics.md), and qc.avg_pool2d then equals ORT's
# QLinearGlobalAveragePool (the QOperator form, and the fusion of QDQ
# GlobalAveragePool) and QLinearAveragePool (QDQ AveragePool) bit for bit:
# codes in, codes out, odd and even zero points, negative centered sums, u8
# and i8, windows with 2, 4 and 8 elements (ties) and 49 (none), padding with
# count_include_pad both ways. Each model: import, --qc-fold-fake-quant (the
# pool must become qc.avg_pool2d rounding <half_even>), qc-run on the CPU,
# compared with ORT and with the numpy reference; and every case has ties
# where half_away (the default rule) differs from ORT, so the check can fail.
#
# ORT computes windowed pools in float (ties to even in code space, with f32
# noise), global ones with an f32 scale s_x / (s_y n): the cases use equal
# parameters in and out, power-of-two windows for the global pools and a
# power-of-two scale with even zero points for the windowed ones, where ORT's
# float arithmetic is exact (docs/Numerics.md says what differs otherwise).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: avg-pool ties: 8 models bit-exact with ONNX Runtime
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import qc.reference as ref

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "ort"))
from ort import run_ort  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import run_qc as qc_run  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(7)


def model(kind, shape, dtype, s, z, kernel=None, pads=(0, 0, 0, 0), strides=(1, 1), include_pad=0):
    np_type = np.uint8 if dtype == TensorProto.UINT8 else np.int8
    inits = [numpy_helper.from_array(np.float32(s), "s"), numpy_helper.from_array(np_type(z), "z")]
    attrs = {}
    if kernel is not None:   # ONNX pads: [top, left, bottom, right]
        attrs = dict(kernel_shape=list(kernel), pads=list(pads), strides=list(strides),
                     count_include_pad=include_pad)
    if kind.startswith("QLinear"):
        nodes = [helper.make_node(kind, ["x", "s", "z", "s", "z"], ["y"], domain="com.microsoft", **attrs)]
    else:
        nodes = [helper.make_node("DequantizeLinear", ["x", "s", "z"], ["xd"]),
                 helper.make_node(kind, ["xd"], ["p"], **attrs),
                 helper.make_node("QuantizeLinear", ["p", "s", "z"], ["y"])]
    k = kernel or shape[2:]
    out_shape = list(shape[:2]) + [(shape[2 + i] + pads[i] + pads[i + 2] - k[i]) // strides[i] + 1
                                   for i in range(2)]
    g = helper.make_graph(nodes, kind, [helper.make_tensor_value_info("x", dtype, shape)],
                          [helper.make_tensor_value_info("y", dtype, out_shape)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])


U8, I8 = TensorProto.UINT8, TensorProto.INT8
CASES = [  # kind, NCHW shape, type, scale, zero point, (kernel, ONNX pads, strides, count_include_pad)
    ("QLinearGlobalAveragePool", (2, 16, 2, 2), U8, 0.0123, 77, None),
    ("QLinearGlobalAveragePool", (2, 16, 4, 2), I8, 0.05, -3, None),
    ("QLinearGlobalAveragePool", (1, 16, 7, 7), U8, 0.3, 128, None),
    ("GlobalAveragePool", (2, 16, 2, 2), I8, 0.5, 0, None),
    ("GlobalAveragePool", (2, 16, 4, 4), U8, 0.0123, 131, None),
    ("AveragePool", (2, 8, 5, 6), U8, 0.5, 128, ((2, 2), (1, 0, 1, 1), (1, 1), 0)),
    ("AveragePool", (2, 8, 5, 6), I8, 0.25, -4, ((2, 4), (1, 1, 1, 2), (2, 1), 1)),
    ("QLinearAveragePool", (2, 8, 6, 6), I8, 0.5, 6, ((2, 2), (0, 1, 1, 0), (2, 1), 0)),
]
for i, (kind, shape, dtype, s, z, window) in enumerate(CASES):
    name = "%d_%s" % (i, kind)
    kernel, pads, strides, include_pad = window if window else (shape[2:], (0, 0, 0, 0), (1, 1), 0)
    m = model(kind, list(shape), dtype, s, z, *(window or ()))
    lo, hi = (0, 255) if dtype == U8 else (-128, 127)
    x = rng.integers(lo, hi + 1, size=shape).astype(np.uint8 if dtype == U8 else np.int8)
    ort = run_ort(m, {"x": x})[0]["y"]

    def check(folded, name=name):
        assert "qc.avg_pool2d" in folded and "rounding <half_even>" in folded and "linalg" not in folded, (
            name, folded)
    got = qc_run(m, [x], os.path.join(out, name), check=check)[0]
    assert got.dtype == ort.dtype and got.shape == ort.shape, (name, got.dtype, got.shape, ort.shape)
    assert np.array_equal(got, ort), (name, "qc vs ORT", int((got != ort).sum()), got.size)

    # The numpy statement of the semantics (NHWC, ONNX pads -> top, bottom, left, right).
    padding = (pads[0], pads[2], pads[1], pads[3])
    xn = np.transpose(x.astype(np.int64), (0, 2, 3, 1))
    for mode in (ref.HALF_EVEN, ref.HALF_AWAY):
        if include_pad:
            y = ref.avg_pool2d_include_pad(xn, z, kernel, strides, padding, rounding=mode)
        else:
            y = ref.avg_pool2d(xn, kernel, strides, padding, rounding=mode, zero_point=z)
        y = np.transpose(y, (0, 3, 1, 2))
        if mode == ref.HALF_EVEN:
            assert np.array_equal(y, got), (name, "reference")
        elif kernel[0] * kernel[1] % 2 == 0:
            assert not np.array_equal(y, got), (name, "no tie where half_away differs: the case tests nothing")
print("avg-pool ties: %d models bit-exact with ONNX Runtime" % len(CASES))
