# Whole models through import -> --qc-fold-fake-quant -> integer-only
# compile, on the CPU and on Vulkan:
#  * a small CNN with the ends of torchvision's quantizable resnet (eager QAT
#    exported to ONNX QDQ, read by qc's ONNX importer): its global average
#    pool has no QDQ pair after it and still folds, and so does the
#    classifier after it;
#  * mobilenet_v3's blocks (qc.graph with QAT fake quantization): hardswish,
#    depthwise conv, squeeze-excite with hardsigmoid and a broadcasting
#    multiply, global average pools, classifier;
#  * a BERT-style encoder layer (qc.graph with QAT fake quantization:
#    projections on [1, S, D], batched Q K^T and P V, softmax, residual adds,
#    LayerNorm, GELU): every op folds.
# Each has no float op left between its boundaries; its quantized region
# (codes in, codes out) compiles with qc-cpu-pipeline{integer-only=true},
# gives bit-identical results on CPU and Vulkan, and stays within a few
# output steps of the float QAT model.
# (Full-size resnet18 / mobilenet_v2: scripts/nonlinear_models.py.)
#
# RUN: %python %s | FileCheck %s
#
# CHECK: mini_cnn: 0 float ops, integer-only, cpu == vulkan, argmax agrees
# CHECK: mobilenet_v3_blocks: 0 float ops, integer-only, cpu == vulkan, argmax agrees
# CHECK: bert_layer: 0 float ops, integer-only, cpu == vulkan
import os
import re
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from nonlinear_models import (bert_layer, integer_module, mini_cnn,  # noqa: E402
                              mini_mobilenet_v3)

import qc  # noqa: E402
from qc import reference as ref  # noqa: E402
from qc.importers import onnx as onnx_importer  # noqa: E402


def float_ops(text):
    """The float compute ops left after folding (integer ops are qc.*)."""
    return sorted(set(re.findall(r"= (linalg\.[a-z_0-9]+|math\.[a-z_0-9]+)", text)))


def boundary_qparams(graph):
    """The fake quantization of the graph input and of its output."""
    first = next(n for n in graph.nodes if n.inputs == [graph.inputs[0]])
    last = graph.producer(graph.outputs[0])
    assert first.op == "fake_quant" and last.op == "fake_quant"
    return first.attrs["qparams"], last.attrs["qparams"]


def check(name, graph, x, classify):
    folded = qc.Module.parse(graph.to_mlir())
    folded.run_pipeline("func.func(qc-fold-fake-quant)")
    left = float_ops(str(folded))
    assert not left, "%s: float ops left after folding: %s" % (name, left)
    # The quantized region alone: codes in, codes out, nothing float.
    text, _, _ = integer_module(str(folded))
    cpu = qc.compile(text, pipeline="", target="cpu", pipeline_options="integer-only=true")
    vk = qc.compile(text, pipeline="", target="vulkan")
    qin, qout = boundary_qparams(graph)
    dtype = np.int8 if qin.signed else np.uint8
    codes = ref.quantize(x, qin.scale[0], qin.zero_point[0], qin.qmin, qin.qmax,
                         float_type=np.float32).astype(dtype)
    y_cpu, y_vk = cpu(codes), vk(codes)
    assert np.array_equal(y_cpu, y_vk), "%s: cpu and vulkan differ" % name
    y = ref.dequantize(y_cpu, qout.scale[0], qout.zero_point[0])
    (y_float,) = graph.evaluate([x])
    steps = float(np.max(np.abs(y.astype(np.float64) - y_float))) / qout.scale[0]
    assert steps <= 8, "%s: %.1f output steps from the float QAT model" % (name, steps)
    line = "%s: 0 float ops, integer-only, cpu == vulkan" % name
    if classify:
        assert np.argmax(y) == np.argmax(y_float), name
        line += ", argmax agrees"
    print("%s (%.1f output steps from the float QAT model)" % (line, steps))


data, x = mini_cnn()
check("mini_cnn", onnx_importer.import_model(onnx.load_from_string(data)), x, True)
graph, x = mini_mobilenet_v3()
check("mobilenet_v3_blocks", graph, x, True)
graph, x = bert_layer(seq=8, d=32, heads=2, ff=64)
check("bert_layer", graph, x, False)
