"""Real architectures through import -> fold -> integer-only compile.

    PYTHONPATH=python QC_BUILD_DIR=build /usr/bin/python3 scripts/nonlinear_models.py [--size 64]

Builds torchvision 0.14's quantizable resnet18 and mobilenet_v2 (eager QAT,
random weights, fixed seeds, BatchNorm statistics from random batches,
exported to ONNX QDQ and read by qc's ONNX importer), mobilenet_v3's blocks
and a BERT-style encoder layer (qc.graph with QAT fake quantization:
test/python/Inputs/nonlinear_models.py; qc's importers do not read
HardSwish or Softmax yet), folds each with
--qc-fold-fake-quant, counts the integer and float ops, compiles its
quantized region (codes in, codes out) with
qc-cpu-pipeline{integer-only=true} and runs it on the CPU and on Vulkan,
and prints a table: integer ops, float ops left between quantize and
dequantize, integer-only yes/no, CPU == Vulkan, and the distance to the
float QAT model (Graph.evaluate) in output steps and argmax. Takes minutes
(the torch export of resnet18 alone takes most of one): not a lit test.
"""
import argparse
import os
import re
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "python", "Inputs"))

import qc  # noqa: E402
from qc import reference as ref  # noqa: E402
from qc.importers import onnx as onnx_importer  # noqa: E402
from nonlinear_models import (bert_layer, integer_module, mini_mobilenet_v3,  # noqa: E402
                              qat_cnn)


def count_ops(folded_text):
    """(integer qc compute ops, float compute ops) of folded IR."""
    integer = re.findall(r"= qc\.([a-z_0-9]+) ", folded_text)
    integer = [op for op in integer if op not in ("quantize", "dequantize")]
    floats = re.findall(r"= (linalg\.[a-z_0-9]+|math\.[a-z_0-9]+)", folded_text)
    return integer, floats


def boundary_qparams(graph):
    first = next(n for n in graph.nodes if n.inputs == [graph.inputs[0]])
    return first.attrs["qparams"], graph.producer(graph.outputs[0]).attrs["qparams"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=64, help="CNN input height/width")
    ap.add_argument("--models", default="resnet18,mobilenet_v2,mobilenet_v3_blocks,bert_layer")
    args = ap.parse_args(argv)
    rows = []
    for name in args.models.split(","):
        t0 = time.time()
        if name == "bert_layer":
            graph, x = bert_layer(seq=32, d=128, heads=4, ff=256)
        elif name == "mobilenet_v3_blocks":
            graph, x = mini_mobilenet_v3(size=args.size)
        else:
            import onnx
            data, x = qat_cnn(name, size=args.size)
            graph = onnx_importer.import_model(onnx.load_from_string(data))
        folded = qc.Module.parse(graph.to_mlir())
        folded.run_pipeline("func.func(qc-fold-fake-quant)")
        integer, floats = count_ops(str(folded))
        text, _, _ = integer_module(str(folded))
        try:
            cpu = qc.compile(text, pipeline="", target="cpu",
                             pipeline_options="integer-only=true")
            integer_only = "yes"
        except qc.CompileError as e:
            cpu = qc.compile(text, pipeline="", target="cpu")
            integer_only = "no (%s)" % e.diagnostics.splitlines()[0][:80]
        vk = qc.compile(text, pipeline="", target="vulkan")
        qin, qout = boundary_qparams(graph)
        codes = ref.quantize(x, qin.scale[0], qin.zero_point[0], qin.qmin, qin.qmax,
                             float_type=np.float32).astype(np.int8 if qin.signed else np.uint8)
        y_cpu, y_vk = cpu(codes), vk(codes)
        y = ref.dequantize(y_cpu, qout.scale[0], qout.zero_point[0])
        (y_float,) = graph.evaluate([x])
        steps = float(np.max(np.abs(y.astype(np.float64) - y_float))) / qout.scale[0]
        argmax = None if name == "bert_layer" else bool(np.argmax(y) == np.argmax(y_float))
        kinds = sorted(set(integer))
        rows.append((name, len(integer), ", ".join(kinds), len(floats), integer_only,
                     "yes" if np.array_equal(y_cpu, y_vk) else "NO", steps, argmax,
                     time.time() - t0))
    print("| model | integer ops | kinds | float ops | integer-only | CPU == Vulkan | "
          "max diff to float QAT (output steps) | argmax | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, i, kinds, f, io, same, steps, argmax, t in rows:
        print("| %s | %d | %s | %d | %s | %s | %.1f | %s | %.0f s |" % (
            name, i, kinds, f, io, same, steps,
            "-" if argmax is None else ("same" if argmax else "differs"), t))


if __name__ == "__main__":
    main()
