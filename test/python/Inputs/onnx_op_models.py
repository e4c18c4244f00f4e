"""Small QDQ ONNX models, one per importer operator, and the check each goes
through: import, the imported graph's float meaning against ONNX Runtime,
--qc-fold-fake-quant, --qc-cpu-pipeline="integer-only=true" on the integer
core (imported with quantized_io: codes in, codes out), and the CPU run of the
float-I/O model within one output step of the fake-quant graph."""
import os
import subprocess
import sys
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "ort"))
from ort import ort_compatible, run_ort  # noqa: E402

from qc.importers.onnx import import_model  # noqa: E402

S = 0.05  # activation scale of every QDQ pair


class Model:
    """Nodes between a QDQ'd input `x` and a QDQ'd output."""

    def __init__(self, name, shape, opset=13):
        self.name, self.shape, self.opset = name, tuple(shape), opset
        self.nodes, self.inits = [], {}
        # crc32, not hash(): str hashes change with PYTHONHASHSEED per run.
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.qdq("x", "xq")
        self.last = "xq"

    def qdq(self, src, dst, zp=3):
        key = "q%d" % len(self.nodes)
        self.inits[key + "s"], self.inits[key + "z"] = np.float32(S), np.uint8(zp)
        self.nodes += [helper.make_node("QuantizeLinear", [src, key + "s", key + "z"], [key]),
                       helper.make_node("DequantizeLinear", [key, key + "s", key + "z"], [dst])]
        return dst

    def weight(self, shape, axis=0):
        """A per-channel int8 weight through DequantizeLinear."""
        key = "w%d" % len(self.nodes)
        codes = self.rng.integers(-127, 128, size=shape).astype(np.int8)
        self.inits[key], self.inits[key + "s"] = codes, (0.01 + 0.01 * self.rng.random(shape[axis])).astype(np.float32)
        self.inits[key + "z"] = np.zeros(shape[axis], np.int8)
        self.nodes.append(helper.make_node("DequantizeLinear", [key, key + "s", key + "z"], [key + "d"], axis=axis))
        return key + "d"

    def const(self, array):
        key = "c%d_%d" % (len(self.nodes), len(self.inits))
        self.inits[key] = np.asarray(array)
        return key

    def op(self, op_type, inputs, requant=True, **attrs):
        out = "n%d" % len(self.nodes)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out + "_" + op_type, **attrs))
        self.last = self.qdq(out, out + "_dq", zp=0 if op_type in ("Relu", "Softmax", "Sigmoid") else 3) \
            if requant else out
        return self.last

    def build(self, out_shape):
        g = helper.make_graph(self.nodes, self.name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.shape)],
                              [helper.make_tensor_value_info(self.last, TensorProto.FLOAT, out_shape)],
                              [numpy_helper.from_array(v, k) for k, v in self.inits.items()])
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", self.opset)])


def check(model, work, integer_only=True, ort_steps=1):
    """Runs the checks; returns a line for the log. integer_only: the folded
    model must compile with --qc-cpu-pipeline="integer-only=true"."""
    build = os.environ["QC_BUILD_DIR"]
    name = model.graph.name
    rng = np.random.default_rng(1)
    x = (rng.standard_normal([d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]) * 2).astype(
        np.float32)
    graph = import_model(model)
    ref = graph.evaluate([x])[0]
    ort = run_ort(ort_compatible(model), {"x": x})[0][model.graph.output[0].name]
    steps = np.abs(ref.astype(np.float64) - ort) / S
    assert ref.shape == ort.shape and steps.max() <= ort_steps, (name, "vs ORT", steps.max())
    base = os.path.join(work, name)
    with open(base + ".mlir", "w") as f:
        f.write(graph.to_mlir())
    qc_opt = os.path.join(build, "bin", "qc-opt")
    subprocess.run([qc_opt, base + ".mlir", "--qc-fold-fake-quant", "-o", base + "_folded.mlir"], check=True,
                   capture_output=True)
    with open(base + "_qio.mlir", "w") as f:   # the integer core: codes in, codes out
        f.write(import_model(model, quantized_io=True).to_mlir())
    subprocess.run([qc_opt, base + "_qio.mlir", "--qc-fold-fake-quant", "-o", base + "_qio_folded.mlir"], check=True,
                   capture_output=True)
    r = subprocess.run([qc_opt, base + "_qio_folded.mlir", "--qc-cpu-pipeline=integer-only=true", "-o", os.devnull],
                       capture_output=True, text=True)
    assert (r.returncode == 0) == integer_only, (name, "integer-only", r.stderr[-2000:])
    np.save(base + "_x.npy", x)
    subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=cpu", base + "_folded.mlir", "--input",
                    base + "_x.npy", "--output", base + "_y.npy"], check=True)
    y = np.load(base + "_y.npy")
    lsb = np.abs(y.astype(np.float64) - ref) / S
    # One step; 1e-4 for the f32 rounding of the dequantized outputs (1.0000038 seen).
    assert lsb.max() <= 1.0 + 1e-4, (name, "CPU vs fake-quant graph", lsb.max())
    return "%s: ORT %.0f steps, CPU %.0f step(s), integer-only %s" % (name, steps.max(), lsb.max(), integer_only)
