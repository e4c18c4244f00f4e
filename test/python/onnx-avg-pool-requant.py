# Average pools whose output parameters differ from their input's
# (QLinearGlobalAveragePool / QLinearAveragePool with s_y != s_x, and the QDQ
# form DQ -> GlobalAveragePool / AveragePool -> Q that ORT fuses into them):
# the importer makes them a depthwise convolution with the weight 1/n, which
# the fold turns into one qc.conv2d that requantizes by s_x / (n s_y) and
# rounds once, as ONNX Runtime does (qc.avg_pool2d + qc.requantize rounded
# twice). A windowed pool whose padding does not count (count_include_pad=0:
# the divisor n varies at the borders) becomes such a convolution per block
# of outputs with equal n, concatenated: one rounding too. Codes in, codes
# out, integer-only on the CPU (one also on Vulkan), bit-exact with the
# numpy reference of the documented semantics (the qc.conv2d accumulator,
# the sum of x - z_x over the window's valid elements, requantized once by
# s_x / (n s_y), single_round), and compared with ORT
# bit for bit except where the exact average s_x (S - n z_x) / (n s_y) lies
# within 1e-6 of a tie k + 1/2: ORT computes it in f32 and may land on the
# tie (rint: to even), qc's fixed-point requantization sees the value (one
# such output in qdq_window: 22.50000024 with f32 scales; qc 23, ORT 22).
# Each case also differs somewhere from the two-rounding result, so the
# check can fail.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: requantizing avg pools: 7 models equal to ONNX Runtime (one rounding) but 1 of {{[0-9]+}} outputs at f32 ties
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tools", "ort"))
sys.path.insert(0, os.path.join(here, "Inputs"))
from ort import run_ort  # noqa: E402
from qc_test_util import run_qc  # noqa: E402

from qc import reference as ref  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(21)
N = helper.make_node
U8, I8 = TensorProto.UINT8, TensorProto.INT8


def make(nodes, inits, shape, elem):
    g = helper.make_graph(nodes, "pool", [helper.make_tensor_value_info("x", elem, shape)],
                          [helper.make_tensor_value_info("y", elem, ["n", "c", "h", "w"])],
                          [numpy_helper.from_array(np.asarray(v), n) for n, v in inits.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])


def params(elem, sx, zx, sy, zy):
    t = np.uint8 if elem == U8 else np.int8
    return {"sx": np.float32(sx), "zx": t(zx), "sy": np.float32(sy), "zy": t(zy)}


ms = "com.microsoft"
pool = dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
# Not counting the padding; uneven pads, so the last rows' windows hold 1 row.
nocount = dict(kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 2, 1])
CASES = [
    ("qlinear_global_u8", [2, 8, 7, 7], U8, N("QLinearGlobalAveragePool", ["x", "sx", "zx", "sy", "zy"], ["y"],
                                                domain=ms), params(U8, 0.05, 131, 0.021, 119)),
    ("qlinear_global_i8", [1, 16, 4, 6], I8, N("QLinearGlobalAveragePool", ["x", "sx", "zx", "sy", "zy"], ["y"],
                                                 domain=ms), params(I8, 0.1, -3, 0.043, 5)),
    ("qlinear_window_pad", [1, 4, 9, 8], U8, N("QLinearAveragePool", ["x", "sx", "zx", "sy", "zy"], ["y"],
                                                 domain=ms, **pool), params(U8, 0.05, 128, 0.031, 100)),
    ("qdq_global", [1, 8, 5, 5], U8, [N("DequantizeLinear", ["x", "sx", "zx"], ["d"]),
                                      N("GlobalAveragePool", ["d"], ["p"]),
                                      N("QuantizeLinear", ["p", "sy", "zy"], ["y"])], params(U8, 0.05, 131, 0.017, 125)),
    ("qdq_window", [1, 4, 8, 8], U8, [N("DequantizeLinear", ["x", "sx", "zx"], ["d"]),
                                      N("AveragePool", ["d"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
                                      N("QuantizeLinear", ["p", "sy", "zy"], ["y"])], params(U8, 0.05, 128, 0.07, 128)),
    ("qdq_window_nocount", [1, 3, 9, 7], U8, [N("DequantizeLinear", ["x", "sx", "zx"], ["d"]),
                                              N("AveragePool", ["d"], ["p"], **nocount),
                                              N("QuantizeLinear", ["p", "sy", "zy"], ["y"])],
     params(U8, 0.05, 131, 0.031, 100)),
    ("qlinear_window_nocount", [2, 5, 8, 9], I8, N("QLinearAveragePool", ["x", "sx", "zx", "sy", "zy"], ["y"],
                                                   domain=ms, **dict(pool, count_include_pad=0)),
     params(I8, 0.1, -3, 0.043, 5)),
]


def window_sums(x, z, kernel, strides, pads, count_pad=True):
    """The sums of x - z over each window (padding adds 0) and the divisor
    n of each output (the kernel size, or the valid elements' count)."""
    xc = np.pad(x.astype(np.int64) - z, [(0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])])
    valid = np.pad(np.ones(x.shape, np.int64), [(0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])])
    oh = (xc.shape[2] - kernel[0]) // strides[0] + 1
    ow = (xc.shape[3] - kernel[1]) // strides[1] + 1
    s = np.zeros(x.shape[:2] + (oh, ow), np.int64)
    n = np.zeros_like(s)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            window = (slice(None), slice(None), slice(i, i + strides[0] * (oh - 1) + 1, strides[0]),
                      slice(j, j + strides[1] * (ow - 1) + 1, strides[1]))
            s += xc[window]
            n += valid[window]
    return s, (np.full_like(s, kernel[0] * kernel[1]) if count_pad else n)


def reference(x, p, window):
    """The documented semantics: qc.conv2d's accumulator requantized once by
    s_x / (n s_y) (docs/Numerics.md, single_round), per divisor n."""
    sums, n = window_sums(x, int(p["zx"]), *window)
    info = np.iinfo(x.dtype)
    y = np.zeros_like(sums)
    for k in np.unique(n):
        at = n == k
        y[at] = ref.output_stage(sums[at], float(p["sx"]) * (1.0 / int(k)) / float(p["sy"]), int(p["zy"]),
                                 info.min, info.max, ref.SINGLE_ROUND)
    return y.astype(x.dtype)


def two_roundings(x, p, window):
    """qc.avg_pool2d (mean of the codes, half_even relative to z) then a
    requantization: the old form, which these cases must not equal."""
    sums, n = window_sums(x, int(p["zx"]), *window)
    mean = np.round(sums / n)      # half to even
    info = np.iinfo(x.dtype)
    y = np.rint(mean * (float(p["sx"]) / float(p["sy"]))) + int(p["zy"])
    return np.clip(y, info.min, info.max).astype(x.dtype)


near_ties, total = 0, 0
for name, shape, elem, nodes, p in CASES:
    m = make(nodes if isinstance(nodes, list) else [nodes], p, shape, elem)
    dtype = np.uint8 if elem == U8 else np.int8
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max + 1, size=shape).astype(dtype)
    ort = run_ort(m, {"x": x})[0]["y"]

    def check(folded, name=name):
        assert "qc.conv2d" in folded and "qc.avg_pool2d" not in folded and "qc.requantize" not in folded, (
            name, folded)

    targets = ("cpu", "vulkan") if name == "qdq_window_nocount" else ("cpu",)
    runs = run_qc(m, [x], os.path.join(out, name), "profile=single_round allow-float=false", check, targets,
                  pipeline_options={"cpu": "integer-only=true"})
    got = runs["cpu"][0] if len(targets) > 1 else runs[0]
    if len(targets) > 1:     # the blocks of a non-counting pool on Vulkan: the same codes
        assert np.array_equal(runs["vulkan"][0], got), (name, "vulkan")
    assert got.dtype == ort.dtype and got.shape == ort.shape, (name, got.shape, ort.shape)
    if "global" in name:
        window = (shape[2:], (1, 1), (0, 0, 0, 0))
    elif name == "qdq_window":
        window = ((2, 2), (2, 2), (0, 0, 0, 0))
    elif name == "qdq_window_nocount":
        window = ((3, 2), (2, 1), (1, 0, 2, 1), False)
    elif name == "qlinear_window_nocount":
        window = ((3, 3), (2, 2), (1, 1, 1, 1), False)
    else:
        window = ((3, 3), (2, 2), (1, 1, 1, 1))
    assert np.array_equal(got, reference(x, p, window)), (name, "numpy reference")
    sums, n = window_sums(x, int(p["zx"]), *window)
    exact = sums * float(p["sx"]) / (n * float(p["sy"]))
    tie = np.abs(exact - np.floor(exact) - 0.5) < 1e-6
    differ = got != ort
    assert not np.any(differ & ~tie), (name, int((differ & ~tie).sum()), got.size)
    near_ties += int(differ.sum())
    total += got.size
    old = two_roundings(x, p, window)
    assert not np.array_equal(old, ort), (name, "two roundings agree with ORT: the case tests nothing")
print("requantizing avg pools: %d models equal to ONNX Runtime (one rounding) but %d of %d outputs at f32 ties" % (
    len(CASES), near_ties, total))
