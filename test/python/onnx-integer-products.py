# MatMulInteger and ConvInteger: exact int32 results (no scale), imported as
# integer linalg on the operands' storage codes (docs/Importers.md, "Integer
# products"). Each model goes through the importer, --qc-fold-fake-quant
# (allow-float=false: nothing float may remain) and qc-run with the
# integer-only CPU pipeline, and must equal ONNX Runtime and the graph's numpy
# meaning bit for bit: uint8 and int8, zero points != 0 per tensor, per row of
# A, per column of B and per output channel of W, N-D A, A from a
# QuantizeLinear of a float input, strides, dilations, explicit and SAME
# padding (padding is the zero point), groups, and sums beyond 2^24 (exact in
# i32, not in f32). One case also runs on Vulkan.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: integer products: 10 models bit-exact with ONNX Runtime (cpu, integer-only but for the float input; vulkan: 1)
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from qc.importers.onnx import import_model

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tools", "ort"))
sys.path.insert(0, os.path.join(here, "Inputs"))
from ort import run_ort  # noqa: E402
from qc_test_util import run_qc  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(5)
U8, I8 = np.uint8, np.int8
ONNX_TYPE = {U8: TensorProto.UINT8, I8: TensorProto.INT8, np.float32: TensorProto.FLOAT}


def codes(dtype, shape):
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, size=shape).astype(dtype)


def model(node, inputs, inits, out_shape):
    g = helper.make_graph([node] if not isinstance(node, list) else node, "intprod",
                          [helper.make_tensor_value_info(n, ONNX_TYPE[a.dtype.type], a.shape) for n, a in inputs],
                          [helper.make_tensor_value_info("y", TensorProto.INT32, out_shape)],
                          [numpy_helper.from_array(np.asarray(v), n) for n, v in inits.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def matmul_case(ta, tb, sa, sb, za, zb, b_const):
    a, b = codes(ta, sa), codes(tb, sb)
    inits = {"az": za, "bz": zb}
    inputs = [("A", a)]
    if b_const:
        inits["B"] = b
    else:
        inputs.append(("B", b))
    node = helper.make_node("MatMulInteger", ["A", "B", "az", "bz"], ["y"])
    return model(node, inputs, inits, list(sa[:-1]) + [sb[1]]), inputs


def conv_case(tx, tw, xs, ws, zx, zw, **attrs):
    x = codes(tx, xs)
    node = helper.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"], **attrs)
    m = model(node, [("x", x)], {"w": codes(tw, ws), "xz": zx, "wz": zw}, ["n", "f", "h", "w"])
    return m, [("x", x)]


cases = [
    ("mm_u8_u8", *matmul_case(U8, U8, (5, 7), (7, 3), np.array(131, U8), np.array(17, U8), True)),
    ("mm_i8_col", *matmul_case(I8, I8, (4, 6), (6, 5), np.array(-7, I8), rng.integers(-9, 9, 5).astype(I8),
                               True)),
    # ORT refuses per-row A zero points: checked against the formula below.
    ("mm_i8_row_formula", *matmul_case(I8, I8, (4, 6), (6, 5), rng.integers(-9, 9, 4).astype(I8),
                                       np.array(3, I8), True)),
    ("mm_u8_i8_runtime_b", *matmul_case(U8, I8, (3, 9), (9, 4), np.array(3, U8), np.array(-2, I8), False)),
    ("mm_nd_a", *matmul_case(U8, I8, (2, 3, 8), (8, 6), np.array(128, U8), np.array(0, I8), True)),
    # K = 1200 products of up to 255 * 255: sums near 2e7, beyond f32's exact integers.
    ("mm_large_sums", *matmul_case(U8, U8, (2, 1200), (1200, 3), np.array(0, U8), np.array(0, U8), True)),
    ("conv_pads_strides", *conv_case(U8, U8, (2, 3, 7, 6), (4, 3, 3, 3), np.array(100, U8), np.array(7, U8),
                                     pads=[1, 2, 0, 1], strides=[2, 1])),
    ("conv_i8_perchannel_dilated", *conv_case(I8, I8, (1, 2, 8, 8), (3, 2, 2, 3), np.array(-5, I8),
                                              np.array([1, -3, 4], I8), dilations=[2, 1], pads=[1, 0, 2, 1])),
    ("conv_groups", *conv_case(U8, I8, (1, 6, 5, 5), (4, 3, 3, 3), np.array(128, U8), np.array(0, I8),
                               group=2, auto_pad="SAME_LOWER", strides=[2, 2])),
]

# A from QuantizeLinear of a float input: the codes qc.quantize computes (a
# float step at the function's boundary, so not compiled integer-only).
xf = rng.standard_normal((3, 5)).astype(np.float32)
bq = codes(I8, (5, 4))
nodes = [helper.make_node("QuantizeLinear", ["xf", "s", "z"], ["A"]),
         helper.make_node("MatMulInteger", ["A", "B", "az", "bz"], ["y"])]
m = model(nodes, [("xf", xf)], {"s": np.float32(0.02), "z": np.uint8(120), "B": bq, "az": np.uint8(118),
                               "bz": np.int8(1)}, [3, 4])
cases.append(("mm_from_quantize", m, [("xf", xf)]))

vulkan = 0
for name, m, inputs in cases:
    feeds = dict(inputs)
    if name.endswith("_formula"):
        inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        ort = ((feeds["A"].astype(np.int64) - inits["az"].astype(np.int64)[:, None]) @
               (inits["B"].astype(np.int64) - inits["bz"].astype(np.int64))).astype(np.int32)
    elif "perchannel" in name:
        # ORT takes per-tensor weight zero points only: conv(x - zx, w - zw[f])
        # = conv(x - zx, w) - zw[f] * conv(x - zx, ones), both with zw = 0.
        inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        parts = []
        for w in (inits["w"], np.ones_like(inits["w"])):
            m0 = onnx.ModelProto.FromString(m.SerializeToString())
            for i in m0.graph.initializer:
                if i.name in ("w", "wz"):
                    i.CopyFrom(numpy_helper.from_array(w if i.name == "w" else np.zeros((), w.dtype), i.name))
            parts.append(run_ort(m0, feeds)[0]["y"].astype(np.int64))
        ort = (parts[0] - inits["wz"].astype(np.int64).reshape(1, -1, 1, 1) * parts[1]).astype(np.int32)
    else:
        ort = run_ort(m, feeds)[0]["y"]

    def check(folded, name=name):
        assert "linalg.matmul" in folded or "linalg.conv_2d_nchw_fchw" in folded, (name, folded)
        assert "arith.sitofp" not in folded and "arith.mulf" not in folded, (name, folded)

    targets = ("cpu", "vulkan") if name == "conv_groups" else ("cpu",)
    got = run_qc(m, [a for _, a in inputs], os.path.join(out, name), "allow-float=false", check, targets,
                 pipeline_options=None if name == "mm_from_quantize" else {"cpu": "integer-only=true"})
    per_target = got if isinstance(got, dict) else {"cpu": got}
    want = import_model(m).evaluate([a for _, a in inputs])[0]
    for target, outs in per_target.items():
        y = outs[0]
        assert y.dtype == np.int32 and ort.dtype == np.int32 and y.shape == ort.shape, (name, y.dtype, y.shape)
        assert np.array_equal(y, ort), (name, target, int((y != ort).sum()), y.size)
        vulkan += target == "vulkan"
    assert np.array_equal(want, ort), (name, "numpy meaning")
    if name == "mm_large_sums":
        assert np.abs(ort).max() > 1 << 24, "the sums stay exact in f32: the case tests nothing"
print("integer products: %d models bit-exact with ONNX Runtime (cpu, integer-only but for the float input; "
      "vulkan: %d)" % (
    len(cases), vulkan))
