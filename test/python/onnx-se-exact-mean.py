# A global average pool read by a 1x1 convolution with no quantize between
# (the squeeze-excite block: DequantizeLinear -> GlobalAveragePool -> Conv ->
# Relu -> QuantizeLinear) folds to one qc.conv2d over the pool's input: the
# 1x1 filter repeated over the H x W window, weight scales s_w / n, the bias
# on the grid s_x s_w / n (docs/FoldFakeQuant.md). The mean is never rounded;
# the requantization is the only rounding, as in ONNX Runtime, which runs
# this block in float. Per case: the folded IR (no qc.avg_pool2d, the tiled
# filter), qc-run on CPU and Vulkan bit-identical and equal to the numpy
# statement of that semantics, and against ORT: at least 99 % equal and
# within one code, where the earlier form (the mean rounded to the input's
# grid first) differs from ORT (so the comparison can fail). Past the
# accumulator bound (n * C * max|x - z_x| * max|w - z_w| > 2^31 - 1) the
# rounded mean stays (qc.avg_pool2d), also checked against numpy.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: exact mean: 4 models, qc = numpy, CPU = Vulkan
# CHECK: past the accumulator bound: qc.avg_pool2d kept, qc = numpy
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import qc.reference as ref

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "ort"))
from ort import run_ort  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import run_qc  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(11)
U8, I8 = TensorProto.UINT8, TensorProto.INT8


def model(n, c, h, w, f, dtype, sx, zx, wq, sw, b, sy, zy):
    """Codes in ([n, c, h, w], `dtype`), u8 codes out ([n, f, 1, 1])."""
    np_type = np.uint8 if dtype == U8 else np.int8
    inits = [numpy_helper.from_array(np.float32(sx), "sx"), numpy_helper.from_array(np_type(zx), "zx"),
             numpy_helper.from_array(wq.astype(np.int8), "wq"), numpy_helper.from_array(sw.astype(np.float32), "sw"),
             numpy_helper.from_array(np.zeros(f, np.int8), "zw"), numpy_helper.from_array(b.astype(np.float32), "b"),
             numpy_helper.from_array(np.float32(sy), "sy"), numpy_helper.from_array(np.uint8(zy), "zy")]
    nodes = [helper.make_node("DequantizeLinear", ["x", "sx", "zx"], ["xd"]),
             helper.make_node("GlobalAveragePool", ["xd"], ["mean"]),
             helper.make_node("DequantizeLinear", ["wq", "sw", "zw"], ["wd"], axis=0),
             helper.make_node("Conv", ["mean", "wd", "b"], ["c"]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("QuantizeLinear", ["r", "sy", "zy"], ["y"])]
    g = helper.make_graph(nodes, "se", [helper.make_tensor_value_info("x", dtype, [n, c, h, w])],
                          [helper.make_tensor_value_info("y", U8, [n, f, 1, 1])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def case(name, n, c, h, w, f, dtype, zx, exact_mean):
    sx, sy, zy = 0.05, 0.02, 0
    wq = rng.integers(-127, 128, size=(f, c, 1, 1))
    sw = rng.uniform(0.002, 0.01, size=f)
    b = rng.normal(0, 0.3, size=f)
    lo, hi = (0, 255) if dtype == U8 else (-128, 127)
    x = rng.integers(lo, hi + 1, size=(n, c, h, w)).astype(np.uint8 if dtype == U8 else np.int8)
    m = model(n, c, h, w, f, dtype, sx, zx, wq, sw, b, sy, zy)

    def check(folded):
        assert "linalg" not in folded, (name, folded)
        if exact_mean:
            assert "qc.avg_pool2d" not in folded and "tensor<%dx%dx%dx%dxi8>" % (h, w, c, f) in folded, (name, folded)
        else:
            assert "qc.avg_pool2d" in folded, (name, folded)
    got = run_qc(m, [x], os.path.join(out, name), fold_flags="profile=single_round", check=check,
                 targets=("cpu", "vulkan") if exact_mean else ("cpu",))
    if exact_mean:
        assert np.array_equal(got["cpu"][0], got["vulkan"][0]), (name, "CPU vs Vulkan")
        got = got["cpu"]
    got = got[0].reshape(n, f)

    # The numpy statement: qc.conv2d over the whole window with the filter
    # repeated, weight scales sw / hw, bias rounded half to even on the grid
    # sx * sw / hw; or (past the bound) the mean rounded half to even on the
    # input's grid, then the 1x1 conv with weight scales sw.
    xn = np.transpose(x.astype(np.int64), (0, 2, 3, 1))
    wn = np.transpose(wq, (2, 3, 1, 0))
    hw = h * w if exact_mean else 1
    if not exact_mean:
        xn = ref.avg_pool2d(xn, (h, w), rounding=ref.HALF_EVEN, zero_point=zx)
    scale = np.float64(np.float32(sx)) * sw.astype(np.float32).astype(np.float64) / hw
    bias = np.rint(b.astype(np.float32).astype(np.float64) / scale).astype(np.int64)
    acc = ref.conv2d(xn, zx, np.tile(wn, (xn.shape[1], xn.shape[2], 1, 1)), np.zeros(f, np.int64), bias)
    want = ref.output_stage(acc, scale / np.float64(np.float32(sy)), zy, 0, 255, ref.SINGLE_ROUND,
                            clamp=(zy, 255)).reshape(n, f)
    assert np.array_equal(got, want), (name, "qc vs numpy", got, want)
    return m, x, got, (sx, wn, sw, b, sy, zy)


CASES = [  # name, N, C, H, W, F, input type, input zero point
    ("u8_8x8", 4, 16, 8, 8, 8, U8, 3),
    ("i8_7x7", 4, 24, 7, 7, 6, I8, -5),
    ("u8_2x2", 8, 32, 2, 2, 16, U8, 128),
    ("u8_14x14_wide", 2, 96, 14, 14, 24, U8, 0),
]
old_differ = 0
for name, n, c, h, w, f, dtype, zx in CASES:
    m, x, got, (sx, wn, sw, b, sy, zy) = case(name, n, c, h, w, f, dtype, zx, True)
    ort = run_ort(m, {"x": x})[0]["y"].reshape(n, f)
    d = np.abs(got.astype(np.int64) - ort)
    assert d.max() <= 1 and np.mean(d == 0) >= 0.99, (name, "qc vs ORT", int((d > 0).sum()), int(d.max()))
    # The rounded mean (qc.avg_pool2d first), the form before: further from ORT.
    mean = ref.avg_pool2d(np.transpose(x.astype(np.int64), (0, 2, 3, 1)), (h, w), rounding=ref.HALF_EVEN,
                          zero_point=zx)
    real = (mean.reshape(n, c) - zx) * sx
    old = np.clip(np.rint(np.maximum((real @ (wn[0, 0] * sw) + b) / sy, 0)) + zy, 0, 255)
    old_differ += int((old != ort).sum())
    print("%s: qc vs ORT %d of %d codes differ; the rounded mean: %d" % (
        name, int((d > 0).sum()), d.size, int((old != ort).sum())))
assert old_differ > 0, "the rounded mean equals ORT everywhere: the cases test nothing"
print("exact mean: %d models, qc = numpy, CPU = Vulkan" % len(CASES))

# 64 * 64 * 17 products of up to 255 * 128: past 2^31 - 1.
case("bound", 1, 17, 64, 64, 4, U8, 0, False)
print("past the accumulator bound: qc.avg_pool2d kept, qc = numpy")
