"""ONNX Runtime (tools/ort/run.js under node) from Python: run a model on numpy inputs.

    from ort import run_ort, ort_compatible
    outputs, info = run_ort("model.onnx", {"x": x}, threads=1, repeat=1)

Used by the zoo agreement tests and benchmarks. `tools/ort/setup.sh` installs
the package (scripts/setup.sh calls it). `ort_compatible(model)` returns the
copy ORT 1.30 accepts: torch exports QLinearAdd/QLinearMul/... with 1-element
per-tensor scales and zero points, which ORT refuses ("Scale and Zero-point
must be a scalar"); the copy makes every 1-element quantization parameter of
a QLinear*, QuantizeLinear or DequantizeLinear node a scalar (same values).
"""
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run.js")


class OrtError(Exception):
    pass


def available():
    """None when ORT can run here, else the reason."""
    if shutil.which("node") is None:
        return "node is not installed (run scripts/setup.sh)"
    if not os.path.isdir(os.path.join(HERE, "node_modules", "onnxruntime-node")):
        return "onnxruntime-node is not installed (run tools/ort/setup.sh)"
    return None


# Inputs of each op that are quantization parameters (scales, zero points).
_PARAM_INPUTS = {
    "QuantizeLinear": (1, 2), "DequantizeLinear": (1, 2),
    "QLinearAdd": (1, 2, 4, 5, 6, 7), "QLinearMul": (1, 2, 4, 5, 6, 7),
    "QLinearGlobalAveragePool": (1, 2, 3, 4), "QLinearSigmoid": (1, 2, 3, 4),
    "QLinearLeakyRelu": (1, 2, 3, 4), "QLinearAveragePool": (1, 2, 3, 4),
    "QLinearMatMul": (1, 2, 4, 5, 6, 7), "QLinearConv": (1, 2, 6, 7),
}


def ort_compatible(model):
    """A copy of `model` (onnx.ModelProto) whose 1-element quantization
    parameters are scalars. Per-axis parameters (more than one element) stay."""
    import onnx
    from onnx import numpy_helper
    model = onnx.ModelProto.FromString(model.SerializeToString())
    inits = {i.name: i for i in model.graph.initializer}
    renamed = {}
    for node in model.graph.node:
        positions = list(_PARAM_INPUTS.get(node.op_type, ()))
        if node.op_type == "QLinearConcat":
            positions = [0, 1] + [i for i in range(2, len(node.input)) if (i - 2) % 3 != 0]
        for pos in positions:
            if pos >= len(node.input) or node.input[pos] not in inits:
                continue
            name = node.input[pos]
            array = numpy_helper.to_array(inits[name])
            if array.ndim == 0 or array.size != 1:
                continue
            if name not in renamed:
                renamed[name] = name + "_scalar"
                model.graph.initializer.append(numpy_helper.from_array(array.reshape(()), renamed[name]))
            node.input[pos] = renamed[name]
    return model


def run_ort(model, feeds, threads=1, repeat=1, warmup=0, opt_level="all", work=None):
    """Runs `model` (a path or an onnx.ModelProto) on `feeds` (name -> array).
    Returns ({output name: array}, {"min_ms", "median_ms", "times_ms", ...})."""
    reason = available()
    if reason:
        raise OrtError(reason)
    tmp = tempfile.mkdtemp(prefix="qc-ort-", dir=work)
    try:
        path = model
        if not isinstance(model, str):
            path = os.path.join(tmp, "model.onnx")
            with open(path, "wb") as f:
                f.write(model.SerializeToString())
        cmd = ["node", RUNNER, path, "--output-dir", os.path.join(tmp, "out"), "--threads", str(threads),
               "--repeat", str(repeat), "--warmup", str(warmup), "--opt-level", opt_level]
        for i, (name, array) in enumerate(feeds.items()):
            file = os.path.join(tmp, "in%d.npy" % i)
            np.save(file, np.ascontiguousarray(array))
            cmd += ["--input", "%s=%s" % (name, file)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise OrtError(r.stderr.strip() or "node exited with %d" % r.returncode)
        info = json.loads(r.stdout.strip().splitlines()[-1])
        outputs = {name: np.load(file) for name, file in info["outputs"].items()}
        return outputs, info
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
