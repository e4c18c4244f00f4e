# ONNX ReduceMean between QDQ pairs, over any axes (adjacent or not, keepdims
# both ways, int8 and uint8, zero points != 0, the same or new parameters
# after it): the fold makes it one qc.avg_pool2d (FoldFakeQuantReduceMean.cpp),
# the integer core compiles integer-only for the CPU and for SPIR-V, and the
# CPU and Vulkan outputs equal the numpy interpreter of the folded IR bit for
# bit, and the fake-quant graph within 1/2 + max(1, s_in/s_out)/2 output
# steps (one step when the parameters are kept).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK-COUNT-6: integer-only, CPU = Vulkan = numpy
# CHECK: reduce-mean-fold: 6 cases
import os
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from qc import interpreter
from qc.importers.onnx import import_model

out = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]
qc_opt = os.path.join(build, "bin", "qc-opt")
ONNX_TYPE = {np.int8: TensorProto.INT8, np.uint8: TensorProto.UINT8}

CASES = [  # (shape, axes, keepdims, dtype, (s_in, z_in), (s_out, z_out))
    ((2, 3, 8), [1], 0, np.uint8, (0.05, 3), (0.05, 3)),
    ((2, 3, 8), [1], 1, np.int8, (0.05, -7), (0.02, 11)),
    ((4, 5, 6), [0, 2], 0, np.int8, (0.1, 5), (0.03, -2)),
    ((2, 4, 4, 3), [1, 2], 1, np.uint8, (0.04, 128), (0.01, 120)),
    ((3, 7), [1], 0, np.int8, (0.2, 0), (0.2, 0)),
    ((3, 5, 2), [0, 1, 2], 1, np.uint8, (0.07, 200), (0.05, 10)),
]


def model(shape, axes, keepdims, dtype, qin, qout):
    inits = [numpy_helper.from_array(np.array(qin[0], np.float32), "s1"),
             numpy_helper.from_array(np.array(qin[1], dtype), "z1"),
             numpy_helper.from_array(np.array(qout[0], np.float32), "s2"),
             numpy_helper.from_array(np.array(qout[1], dtype), "z2")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "s1", "z1"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "s1", "z1"], ["xd"]),
             helper.make_node("ReduceMean", ["xd"], ["m"], axes=axes, keepdims=keepdims),
             helper.make_node("QuantizeLinear", ["m", "s2", "z2"], ["mq"]),
             helper.make_node("DequantizeLinear", ["mq", "s2", "z2"], ["y"])]
    kept = [1 if d in axes else n for d, n in enumerate(shape)] if keepdims else \
        [n for d, n in enumerate(shape) if d not in axes]
    g = helper.make_graph(nodes, "reduce_mean", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, kept)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


rng = np.random.default_rng(7)
for n, (shape, axes, keepdims, dtype, qin, qout) in enumerate(CASES):
    m = model(shape, axes, keepdims, dtype, qin, qout)
    base = os.path.join(out, "case%d" % n)
    graph = import_model(m)
    with open(base + ".mlir", "w") as f:
        f.write(graph.to_mlir())
    subprocess.run([qc_opt, base + ".mlir", "--qc-fold-fake-quant", "-o", base + "_folded.mlir"], check=True)
    folded = open(base + "_folded.mlir").read()
    assert "qc.avg_pool2d" in folded and "linalg.reduce" not in folded, (n, folded)
    # The integer core (codes in, codes out) on both backends' contracts.
    with open(base + "_qio.mlir", "w") as f:
        f.write(import_model(m, quantized_io=True).to_mlir())
    subprocess.run([qc_opt, base + "_qio.mlir", "--qc-fold-fake-quant", "-o", base + "_qio_folded.mlir"], check=True)
    for pipeline in ("--qc-cpu-pipeline=integer-only=true", "--qc-spirv-pipeline=allow-float=false"):
        subprocess.run([qc_opt, base + "_qio_folded.mlir", pipeline, "-o", os.devnull], check=True)
    # Values across the whole input grid, saturating at both ends.
    x = (rng.standard_normal(shape) * 3 * qin[0] * 40).astype(np.float32)
    np.save(base + "_x.npy", x)
    outs = {}
    for target in ("cpu", "vulkan"):
        subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=" + target, base + "_folded.mlir",
                        "--input", base + "_x.npy", "--output", base + "_" + target + ".npy"], check=True)
        outs[target] = np.load(base + "_" + target + ".npy")
    (want,), inexact = interpreter.run_file(base + "_folded.mlir", [x], build)
    assert outs["cpu"].tobytes() == outs["vulkan"].tobytes() == want.tobytes(), (n, outs, want)
    steps = np.abs(outs["cpu"].astype(np.float64) - graph.evaluate([x])[0]) / qout[0]
    # The mean is rounded at the input's scale, then requantized (docs/Numerics.md).
    bound = 0.5 + 0.5 * max(1.0, qin[0] / qout[0])
    assert steps.max() <= bound + 1e-4, (n, steps.max(), bound)
    print("case %d %s axes %s keepdims %d %s: integer-only, CPU = Vulkan = numpy, %.0f step(s) from the fake-quant "
          "graph (bound %.1f)" % (n, shape, axes, keepdims, np.dtype(dtype).name, steps.max(), bound))
print("reduce-mean-fold: %d cases" % len(CASES))
