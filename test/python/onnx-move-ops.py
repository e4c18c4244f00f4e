# Slice, Resize (nearest, integer scales) and a Pad that is no convolution's
# padding, on quantized tensors: the importer moves their codes (integer
# tensor.extract_slice / linalg.broadcast / tensor.pad between quant.scast),
# so --qc-fold-fake-quant=allow-float=false leaves no float op and the
# integer-only CPU pipeline compiles them. Each model (uint8 codes in and
# out, QDQ and QOperator forms) must equal ONNX Runtime and the graph's numpy
# meaning bit for bit; one also runs on Vulkan. Float inputs move in f32
# (checked against ORT through the graph's meaning), and unsupported Resize
# modes are errors naming the node.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: move ops: 7 quantized models bit-exact with ONNX Runtime (integer-only; vulkan: 1), float exact, 2 errors
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
rng = np.random.default_rng(9)
U8 = TensorProto.UINT8
SHAPE = [1, 3, 6, 8]


def make(nodes, inits, n_inputs=1, in_type=U8, out_type=U8, opset=13):
    inputs = [helper.make_tensor_value_info("x%d" % i, in_type, SHAPE) for i in range(n_inputs)]
    g = helper.make_graph(nodes, "move", inputs, [helper.make_tensor_value_info("y", out_type, ["a", "b", "c", "d"])],
                          [numpy_helper.from_array(np.asarray(v), n) for n, v in inits.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)] +
                             [helper.make_opsetid("com.microsoft", 1)])


q = {"s": np.float32(0.05), "z": np.uint8(131)}
slice_inits = {"st": np.array([1, 2], np.int64), "en": np.array([-1, 100], np.int64),
               "ax": np.array([2, 3], np.int64), "sp": np.array([1, 2], np.int64)}
resize_inits = {"roi": np.zeros(0, np.float32), "sc": np.array([1, 1, 2, 3], np.float32)}
pad_inits = {"pads": np.array([0, 1, 2, 0, 0, 0, 1, 3], np.int64), "zero": np.float32(0.0),
             "code": np.uint8(131)}
N = helper.make_node
dq = N("DequantizeLinear", ["x0", "s", "z"], ["d"])
models = {
    "qdq_slice": make([dq, N("Slice", ["d", "st", "en", "ax", "sp"], ["t"]), N("QuantizeLinear", ["t", "s", "z"], ["y"])],
                      dict(q, **slice_inits)),
    "qdq_resize_asym": make([dq, N("Resize", ["d", "roi", "sc"], ["t"], mode="nearest",
                                   coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
                             N("QuantizeLinear", ["t", "s", "z"], ["y"])], dict(q, **resize_inits)),
    "qdq_resize_half_pixel": make([dq, N("Resize", ["d", "roi", "sc"], ["t"], mode="nearest"),
                                   N("QuantizeLinear", ["t", "s", "z"], ["y"])], dict(q, **resize_inits)),
    # Pad of C (not H, W) and a following Relu: no convolution takes it.
    "qdq_pad_relu": make([dq, N("Pad", ["d", "pads", "zero"], ["p"]), N("Relu", ["p"], ["r"]),
                          N("QuantizeLinear", ["r", "s", "z"], ["y"])], dict(q, **pad_inits)),
    # QOperator: QLinearAdd, then Slice / Resize / Pad on its uint8 codes.
    "qop_add_resize_slice": make([N("QLinearAdd", ["x0", "s", "z", "x1", "s", "z", "s", "z"], ["a"],
                                    domain="com.microsoft"),
                                  N("Resize", ["a", "roi", "sc"], ["b"], mode="nearest",
                                    coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
                                  N("Slice", ["b", "st", "en", "ax", "sp"], ["y"])],
                                 dict(q, **slice_inits, **resize_inits), n_inputs=2),
    # The other order: the resize reads a strided slice of a computed tensor.
    "qop_add_slice_resize": make([N("QLinearAdd", ["x0", "s", "z", "x1", "s", "z", "s", "z"], ["a"],
                                    domain="com.microsoft"),
                                  N("Slice", ["a", "st", "en", "ax", "sp"], ["b"]),
                                  N("Resize", ["b", "roi", "sc"], ["y"], mode="nearest",
                                    coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
                                 dict(q, **slice_inits, **resize_inits), n_inputs=2),
    "qop_add_pad": make([N("QLinearAdd", ["x0", "s", "z", "x1", "s", "z", "s", "z"], ["a"], domain="com.microsoft"),
                         N("Pad", ["a", "pads", "code"], ["y"])], dict(q, **pad_inits), n_inputs=2),
}
vulkan = 0
for name, m in models.items():
    xs = [rng.integers(0, 256, size=SHAPE).astype(np.uint8) for _ in m.graph.input]
    ort = run_ort(m, {"x%d" % i: x for i, x in enumerate(xs)})[0]["y"]

    def check(folded, name=name):
        # No f32 tensor left: the movement is on the codes.
        for op in ("xf32>", "qc.dequantize", "qc.quantize"):
            assert op not in folded, (name, op, folded)

    targets = ("cpu", "vulkan") if name == "qop_add_resize_slice" else ("cpu",)
    got = run_qc(m, xs, os.path.join(out, name), "profile=single_round allow-float=false", check, targets,
                 {"cpu": "integer-only=true"})
    per_target = got if isinstance(got, dict) else {"cpu": got}
    for target, outs in per_target.items():
        y = outs[0]
        assert y.dtype == ort.dtype and y.shape == ort.shape, (name, target, y.dtype, y.shape, ort.shape)
        assert np.array_equal(y, ort), (name, target, int((y != ort).sum()), y.size)
        vulkan += target == "vulkan"
    assert np.array_equal(import_model(m).evaluate(xs)[0], ort), (name, "numpy meaning")

# Float tensors move in f32: the graph's meaning against ORT.
fm = make([N("Slice", ["x0", "st", "en", "ax", "sp"], ["t"]), N("Resize", ["t", "roi", "sc"], ["u"], mode="nearest"),
           N("Pad", ["u", "pads", "k"], ["y"])], dict(slice_inits, **resize_inits, pads=pad_inits["pads"],
                                                     k=np.float32(-1.5)),
          in_type=TensorProto.FLOAT, out_type=TensorProto.FLOAT)
x = rng.standard_normal(SHAPE).astype(np.float32)
assert np.array_equal(import_model(fm).evaluate([x])[0], run_ort(fm, {"x0": x})[0]["y"])

errors = 0
for attrs, want in ((dict(mode="linear"), "node 'rs' (Resize): mode 'linear' is not supported"),
                    (dict(mode="nearest", coordinate_transformation_mode="align_corners"),
                     "node 'rs' (Resize): coordinate_transformation_mode 'align_corners'")):
    bad = make([dq, N("Resize", ["d", "roi", "sc"], ["y"], name="rs", **attrs)], dict(q, **resize_inits),
               out_type=TensorProto.FLOAT)
    try:
        import_model(bad)
        raise AssertionError("imported: %s" % attrs)
    except ImportError_ as e:
        assert want in str(e), (str(e), want)
        errors += 1
print("move ops: %d quantized models bit-exact with ONNX Runtime (integer-only; vulkan: %d), float exact, "
      "%d errors" % (len(models), vulkan, errors))
