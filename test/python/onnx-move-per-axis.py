# Slice with negative steps (ONNX reads the axis back to front) and Slice /
# Resize / Pad of per-axis quantized tensors, on the codes: a per-axis
# tensor sliced or upsampled along its quantized axis keeps the scales of
# the channels it moves (a channel slice slices the scales too; a reversed
# channel axis reverses them). Each model (uint8 codes in and out, odd
# shapes, zero points != 0, QDQ and the QuantizeLinear -> op ->
# DequantizeLinear form on codes) compiles integer-only on the CPU and
# equals ONNX Runtime and the graph's numpy meaning bit for bit; three run
# on Vulkan too. A pad with real 0 of a tensor whose channels have different
# zero points writes each channel's own code. Float inputs slice back to front in f32. Padding the quantized
# axis is an error naming the node.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: per-axis moves: 8 quantized models bit-exact with ONNX Runtime (integer-only; vulkan: 3), float exact, 2 errors
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from qc.importers.common import ImportError_
from qc.importers.onnx import import_model

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tools", "ort"))
sys.path.insert(0, os.path.join(here, "Inputs"))
from ort import run_ort  # noqa: E402
from qc_test_util import run_qc  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(13)
U8 = TensorProto.UINT8
SHAPE = [1, 5, 6, 7]
N = helper.make_node


def make(nodes, inits, in_type=U8, out_type=U8):
    g = helper.make_graph(nodes, "move", [helper.make_tensor_value_info("x0", in_type, SHAPE)],
                          [helper.make_tensor_value_info("y", out_type, ["a", "b", "c", "d"])],
                          [numpy_helper.from_array(np.asarray(v), n) for n, v in inits.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


s = rng.uniform(0.01, 0.1, 5).astype(np.float32)
z = rng.integers(90, 160, 5).astype(np.uint8)
per_axis = {"s": s, "z": z}
per_tensor = {"s": np.float32(0.05), "z": np.uint8(131)}
# Axis 3 reversed whole, axis 2 from 5 down by 2 (5, 3, 1), axis 1 from 4
# down by 2 to the clamped end (channels 4, 2, 0).
neg = {"st": np.array([-1, 5, 4], np.int64), "en": np.array([-100, 0, -10], np.int64),
       "ax": np.array([3, 2, 1], np.int64), "sp": np.array([-1, -2, -2], np.int64)}
channels = [4, 2, 0]
# Channels 1..3 forward, W from 6 down to 2 (INT64 bounds as exporters write them).
fwd = {"st": np.array([1, 6], np.int64), "en": np.array([4, 1], np.int64), "ax": np.array([1, -1], np.int64),
       "sp": np.array([1, -1], np.int64)}
resize = {"roi": np.zeros(0, np.float32), "sc": np.array([1, 2, 2, 1], np.float32)}
pad = {"pads": np.array([0, 0, 1, 2, 0, 0, 2, 0], np.int64)}
dq = N("DequantizeLinear", ["x0", "s", "z"], ["d"], axis=1)


def q_out(src, idx):
    return {"s2": s[idx], "z2": z[idx]}, N("QuantizeLinear", [src, "s2", "z2"], ["y"], axis=1)


qa, qnode = q_out("t", channels)
qf, qfnode = q_out("t", [1, 2, 3])
qr, qrnode = q_out("t", np.repeat(np.arange(5), 2))
z_equal = {"s": s, "z": np.full(5, 77, np.uint8)}
models = {
    "per_tensor_negative_steps": make([N("DequantizeLinear", ["x0", "s", "z"], ["d"]),
                                       N("Slice", ["d", "st", "en", "ax", "sp"], ["t"]),
                                       N("QuantizeLinear", ["t", "s", "z"], ["y"])], dict(per_tensor, **neg)),
    "per_axis_channels_reversed": make([dq, N("Slice", ["d", "st", "en", "ax", "sp"], ["t"]), qnode],
                                       dict(per_axis, **neg, **qa)),
    "per_axis_channels_forward": make([dq, N("Slice", ["d", "st", "en", "ax", "sp"], ["t"]), qfnode],
                                      dict(per_axis, **fwd, **qf)),
    # Upsampling the channel axis repeats each channel's scale.
    "per_axis_resize": make([dq, N("Resize", ["d", "roi", "sc"], ["t"], mode="nearest",
                                   coordinate_transformation_mode="asymmetric", nearest_mode="floor"), qrnode],
                            dict(per_axis, **resize, **qr)),
    # Pad of H and W with real 0: one code when the zero points are equal.
    "per_axis_pad": make([dq, N("Pad", ["d", "pads"], ["t"]), N("QuantizeLinear", ["t", "s", "z"], ["y"], axis=1)],
                         dict(z_equal, **pad)),
    # Different zero points: real 0 is a different code per channel; each
    # padded position gets its channel's code.
    "per_axis_pad_codes_differ": make([dq, N("Pad", ["d", "pads"], ["t"]),
                                       N("QuantizeLinear", ["t", "s", "z"], ["y"], axis=1)], dict(per_axis, **pad)),
    # On codes (QuantizeLinear -> op -> DequantizeLinear): the code pads.
    "codes_per_axis_pad": make([dq, N("QuantizeLinear", ["d", "s", "z"], ["q"], axis=1),
                                N("Pad", ["q", "pads", "c"], ["p"]),
                                N("DequantizeLinear", ["p", "s", "z"], ["t"], axis=1),
                                N("QuantizeLinear", ["t", "s", "z"], ["y"], axis=1)],
                               dict(per_axis, **pad, c=np.uint8(200))),
    "codes_per_axis_slice": make([dq, N("QuantizeLinear", ["d", "s", "z"], ["q"], axis=1),
                                  N("Slice", ["q", "st", "en", "ax", "sp"], ["p"]),
                                  N("DequantizeLinear", ["p", "s2", "z2"], ["t"], axis=1), qnode],
                                 dict(per_axis, **neg, **qa)),
}
vulkan = 0
for name, m in models.items():
    x = rng.integers(0, 256, size=SHAPE).astype(np.uint8)
    ort = run_ort(m, {"x0": x})[0]["y"]

    def check(folded, name=name):
        for op in ("xf32>", "qc.dequantize", "qc.quantize"):
            assert op not in folded, (name, op, folded)

    targets = ("cpu", "vulkan") if name in ("per_axis_channels_reversed", "per_axis_resize",
                                            "per_axis_pad_codes_differ") else ("cpu",)
    got = run_qc(m, [x], os.path.join(out, name), "profile=single_round allow-float=false", check, targets,
                 {"cpu": "integer-only=true"})
    per_target = got if isinstance(got, dict) else {"cpu": got}
    for target, outs in per_target.items():
        y = outs[0]
        assert y.dtype == ort.dtype and y.shape == ort.shape, (name, target, y.dtype, y.shape, ort.shape)
        assert np.array_equal(y, ort), (name, target, int((y != ort).sum()), y.size)
        vulkan += target == "vulkan"
    assert np.array_equal(import_model(m).evaluate([x])[0], ort), (name, "numpy meaning")

# A float tensor slices back to front in f32.
fm = make([N("Slice", ["x0", "st", "en", "ax", "sp"], ["y"])], neg, TensorProto.FLOAT, TensorProto.FLOAT)
xf = rng.standard_normal(SHAPE).astype(np.float32)
assert np.array_equal(import_model(fm).evaluate([xf])[0], run_ort(fm, {"x0": xf})[0]["y"])

errors = 0
bad_pad = {"pads": np.array([0, 1, 0, 0, 0, 0, 0, 0], np.int64), "c": np.uint8(200)}
for nodes, inits, want in (
        ([dq, N("QuantizeLinear", ["d", "s", "z"], ["q"], axis=1), N("Pad", ["q", "pads", "c"], ["p"], name="pc"),
          N("DequantizeLinear", ["p", "s", "z"], ["y"], axis=1)], dict(per_axis, **bad_pad),
         "node 'pc' (Pad): padding the quantized axis 1 of a per-axis quantized tensor is not supported"),
        ([N("Slice", ["x0", "st", "en", "ax", "sp"], ["y"], name="sl")],
         {"st": np.array([0], np.int64), "en": np.array([3], np.int64), "ax": np.array([2], np.int64),
          "sp": np.array([0], np.int64)}, "node 'sl' (Slice): step 0 on axis 2")):
    try:
        import_model(make(nodes, inits, TensorProto.FLOAT if nodes[0].op_type == "Slice" else U8,
                          TensorProto.FLOAT))
        raise AssertionError("imported: %s" % want)
    except ImportError_ as e:
        assert want in str(e), (str(e), want)
        errors += 1
print("per-axis moves: %d quantized models bit-exact with ONNX Runtime (integer-only; vulkan: %d), float exact, "
      "%d errors" % (len(models), vulkan, errors))
