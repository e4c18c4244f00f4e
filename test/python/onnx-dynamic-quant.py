# Dynamic quantization as ONNX Runtime's quantize_dynamic writes it:
# DynamicQuantizeLinear (run-time scale and zero point of the activation:
# qc's one float step) -> MatMulInteger / ConvInteger (u8 activation with its
# run-time zero point, int8 weights per tensor or per output channel, zero
# points != 0) -> Cast to float -> Mul by the activation scale times the
# weight scale -> Add bias. Odd shapes, a 3-D MatMul input, a padded
# strided ConvInteger. qc on the CPU (and Vulkan for one) is compared with
# the graph's numpy meaning and with ONNX Runtime, bit for bit (the same f32
# operations in the same order: Cast exact below 2^24, two multiplies, an
# add).
# Edge inputs of DynamicQuantizeLinear alone (zeros, one sign, huge, tiny,
# ties) equal ORT. The integer-only CPU pipeline refuses the float step,
# naming the node.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: dynamic quantization: 3 models equal to ONNX Runtime and the numpy meaning (vulkan: 1), integer-only refused
import os
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from qc.graph_dynamic import dynamic_codes, dynamic_params
from qc.importers.onnx import import_model

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tools", "ort"))
sys.path.insert(0, os.path.join(here, "Inputs"))
from ort import run_ort  # noqa: E402
from qc_test_util import run_qc  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(5)
N = helper.make_node
F = TensorProto.FLOAT


def make(nodes, inits, x_shape, y_shape):
    g = helper.make_graph(nodes, "dyn", [helper.make_tensor_value_info("x", F, x_shape)],
                          [helper.make_tensor_value_info("y", F, y_shape),
                           helper.make_tensor_value_info("xq", TensorProto.UINT8, x_shape)],
                          [numpy_helper.from_array(np.asarray(v), n) for n, v in inits.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def dyn_matmul(x_shape, k, n, per_channel):
    w = rng.integers(-128, 128, size=(k, n)).astype(np.int8)
    ws = rng.uniform(0.002, 0.02, n if per_channel else ()).astype(np.float32)
    wz = rng.integers(-5, 6, n if per_channel else ()).astype(np.int8)
    inits = {"w": w, "ws": ws, "wz": wz, "b": rng.standard_normal(n).astype(np.float32)}
    nodes = [N("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
             N("MatMulInteger", ["xq", "w", "xz", "wz"], ["acc"]),
             N("Cast", ["acc"], ["accf"], to=F),
             N("Mul", ["xs", "ws"], ["s"]),
             N("Mul", ["accf", "s"], ["m"]),
             N("Add", ["m", "b"], ["y"])]
    return make(nodes, inits, x_shape, list(x_shape[:-1]) + [n])


def dyn_conv():
    f, c = 6, 3
    w = rng.integers(-128, 128, size=(f, c, 3, 3)).astype(np.int8)
    inits = {"w": w, "ws": np.float32(0.01), "wz": np.int8(3),
             "b": rng.standard_normal((1, f, 1, 1)).astype(np.float32)}
    nodes = [N("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"], name="dql"),
             N("ConvInteger", ["xq", "w", "xz", "wz"], ["acc"], pads=[1, 1, 1, 1], strides=[2, 2]),
             N("Cast", ["acc"], ["accf"], to=F),
             N("Mul", ["xs", "ws"], ["s"]),
             N("Mul", ["accf", "s"], ["m"]),
             N("Add", ["m", "b"], ["y"])]
    return make(nodes, inits, [1, c, 7, 9], [1, f, 4, 5])


models = {"matmul_per_tensor": (dyn_matmul([5, 7], 7, 9, False), [5, 7]),
          "matmul_3d_per_channel": (dyn_matmul([2, 3, 11], 11, 5, True), [2, 3, 11]),
          "conv": (dyn_conv(), [1, 3, 7, 9])}
vulkan = 0
for name, (m, shape) in models.items():
    # Shifted so the zero point is neither 0 nor 255.
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    s, z = dynamic_params(x)
    assert 0 < z < 255, (name, z)
    targets = ("cpu", "vulkan") if name == "conv" else ("cpu",)
    got = run_qc(m, [x], os.path.join(out, name), "", None, targets)
    per_target = got if isinstance(got, dict) else {"cpu": got}
    meaning = import_model(m).evaluate([x])
    ort = run_ort(m, {"x": x})[0]
    # The codes: the numpy formula of the ONNX specification, ORT and qc.
    assert np.array_equal(ort["xq"], dynamic_codes(x, s, z)) and np.array_equal(meaning[1], ort["xq"]), name
    for target, (y, xq) in per_target.items():
        assert np.array_equal(xq, ort["xq"]), (name, target)
        assert np.array_equal(y, meaning[0]), (name, target, np.abs(y - meaning[0]).max())
        vulkan += target == "vulkan"
    y = per_target["cpu"][0]
    assert np.array_equal(y, ort["y"]), (name, int((y != ort["y"]).sum()), y.size)

# Edge inputs of DynamicQuantizeLinear alone: all zeros (scale 1, ORT's
# rule), one sign only, one element, huge and tiny ranges, exact ties of
# x / s. The numpy meaning equals ORT on each; qc runs the zeros and the
# ties on the CPU.
edge = {"zeros": np.zeros((3, 5), np.float32), "positive": rng.uniform(1, 9, (3, 5)).astype(np.float32),
        "negative": -rng.uniform(1, 9, (3, 5)).astype(np.float32), "one": np.full((1, 1), -2.5, np.float32),
        "huge": (rng.standard_normal((4, 7)) * 1e6).astype(np.float32),
        "tiny": (rng.standard_normal((4, 7)) * 1e-30).astype(np.float32),
        "ties": np.array([[0, 0.5, 1.5, 2.5, -1, 254.0 / 255 * 2]], np.float32)}
for name, x in edge.items():
    g = helper.make_graph([N("DynamicQuantizeLinear", ["x"], ["q", "s", "z"])], "dql",
                          [helper.make_tensor_value_info("x", F, list(x.shape))],
                          [helper.make_tensor_value_info("q", TensorProto.UINT8, list(x.shape)),
                           helper.make_tensor_value_info("s", F, []),
                           helper.make_tensor_value_info("z", TensorProto.UINT8, [])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    ort = run_ort(m, {"x": x})[0]
    want = [ort["q"], ort["s"], ort["z"]]
    outs = [import_model(m).evaluate([x])]
    if name in ("zeros", "ties"):
        outs.append(run_qc(m, [x], os.path.join(out, "edge_" + name)))
    for got in outs:
        for a, b in zip(got, want):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), (name, a, b)

# integer-only: the float step is refused, naming the node (the folded IR
# printed with its locations, as qc.compile keeps them in memory).
build = os.environ["QC_BUILD_DIR"]
folded = os.path.join(out, "conv_located.mlir")
subprocess.run([os.path.join(build, "bin", "qc-opt"), os.path.join(out, "conv.mlir"), "--qc-fold-fake-quant",
                "--mlir-print-debuginfo", "-o", folded], check=True)
r = subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=cpu", folded,
                    "--input", os.path.join(out, "conv_in0.npy"), "--output", os.path.join(out, "io0.npy"),
                    "--output", os.path.join(out, "io1.npy"), "--pipeline-options", "integer-only=true"],
                   capture_output=True, text=True)
assert r.returncode != 0 and "outside a qc.float_boundary op" in r.stderr, r.stderr[-2000:]
assert "node 'dql' (DynamicQuantizeLinear): dynamic quantization, a float step" in r.stderr, r.stderr[-2000:]
print("dynamic quantization: %d models equal to ONNX Runtime and the numpy meaning (vulkan: %d), integer-only "
      "refused" % (len(models), vulkan))
