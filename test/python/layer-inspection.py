# qc.inspect / qc-inspect: per-layer parameters of a quantized model and the
# error of each layer's integer output (computed by qc) against the float
# model, as data and as a table.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: layer op shape out bits out scale out zp w bits w scales err max err mean SQNR dB
# CHECK: node '/Flatten' (Flatten) reshape 64x64 8
# CHECK: node '/fc1/Gemm' (Gemm) matmul 64x32 8
# CHECK: node '/fc2/Gemm' (Gemm) matmul 64x10 8
# CHECK: mlp: 3 layers, last layer == qc.compile's output, float reference and SQNR recomputed
# CHECK: cnn: conv2d max_pool conv2d reshape matmul
# CHECK: float model calibrated: 2 layers
#
# RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.load('%qc_src_root/examples/digits_test_x.npy')[:16])"
# RUN: qc-inspect %qc_src_root/examples/digits_cnn.onnx --data %t/x.npy --json %t/cnn.json | FileCheck %s --check-prefix=CLI
# CLI: node '/conv1/Conv' (Conv) conv2d 16x8x8x8
# RUN: %python -c "import json; r = json.load(open('%t/cnn.json')); print(len(r), sorted(r[0]))" | FileCheck %s --check-prefix=JSON
# JSON: 5 ['bits', 'codes_max', 'codes_min', 'error_max', 'error_mean', 'name', 'op', 'scale', 'shape', 'signed', 'sqnr_db', 'weight_bits', 'weight_scales', 'weight_zero_points', 'zero_point']
# RUN: not qc-inspect %t/x.npy --data %t/x.npy 2>&1 | FileCheck %s --check-prefix=BAD
# BAD: qc-inspect: error: cannot read ONNX model
import os
import sys

import numpy as np

import qc
from qc.importers.onnx import import_model

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
x = np.load(os.path.join(root, "examples", "digits_test_x.npy"))[:64]
mlp = os.path.join(root, "examples", "digits_mlp.onnx")

report = qc.inspect(mlp, x)
print(report.table())
last = report.layers[-1]
# The last layer is the model's output: its codes, dequantized, are what
# the compiled model returns.
deq = (report.codes[-1] - last["zero_point"][0]) * np.float32(last["scale"][0])
assert np.array_equal(deq.astype(np.float32), qc.compile(mlp, batch=64)(x))
# The float model: the imported graph with every fake quantization skipped.
graph = import_model(mlp, batch=64)
values = {name: value for name, value in zip(graph.inputs, [x])}
for node in graph.nodes:
    args = [values[i] if i in values else graph.consts[i] for i in node.inputs]
    values[node.output] = args[0] if node.op == "fake_quant" else graph._eval(node, args)
producer = [n for n in graph.nodes if n.op == "fake_quant" and n.inputs[0] not in graph.consts][-1]
y = values[producer.inputs[0]]
assert np.array_equal(report.floats[-1], y)
error = deq.astype(np.float64) - y
sqnr = 10 * np.log10(np.sum(y.astype(np.float64) ** 2) / np.sum(error ** 2))
assert abs(sqnr - last["sqnr_db"]) < 1e-9, (sqnr, last["sqnr_db"])
assert abs(np.abs(error).max() / last["scale"][0] - last["error_max"]) < 1e-9
assert 0 < last["error_mean"] <= last["error_max"] and last["sqnr_db"] > 20
print("mlp: %d layers, last layer == qc.compile's output, float reference and SQNR recomputed"
      % len(report.layers))

cnn = qc.inspect(os.path.join(root, "examples", "digits_cnn.onnx"), x[:8])
print("cnn: %s" % " ".join(layer["op"] for layer in cnn.layers))
calibrated = qc.inspect(os.path.join(root, "examples", "digits_mlp_fp32.onnx"), x)
print("float model calibrated: %d layers" % len(calibrated.layers))
