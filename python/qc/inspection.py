"""Per-layer view of a quantized model: parameters and error.

    report = qc.inspect("model.onnx", x)      # x: calibration / test inputs
    print(report)                              # the table
    report.layers[0]["sqnr_db"]                # the data

For every layer -- each activation the model quantizes after an op, i.e.
each integer output the compiled model computes -- it gives the op, the
output's quantization parameters (scale, zero point, bits) and those of the
op's weight, and the error of the layer's integer output against the float
model:

  error_max / error_mean  |deq(q) - y| in output steps (units of the scale)
  sqnr_db                 10 log10(sum y^2 / sum (deq(q) - y)^2)

where q is the integer output qc's compiled code computes (the model is
compiled for the CPU with every layer's output as a result, and run on the
given inputs) and y the same layer in the float model (every fake
quantization removed, numpy). A float model without fake quantization is
calibrated first on the same inputs (qc.calibration, `method`).

The command line: qc-inspect model.onnx --data x.npy [--json report.json].
"""
import argparse
import copy
import json
import sys

import numpy as np

from .graph import Graph, GraphError

# Ops between a layer's main op and its output quantization that the fold
# fuses into the op (bias, ReLU/ReLU6).
_FUSED = ("bias_add", "clamp")


def _graph_of(model, batch):
    if isinstance(model, Graph):
        return model
    from .importers.onnx import import_model
    return import_model(model, batch=batch)


def _layers(graph):
    """(fake_quant node, main op node) for each quantized activation that an
    op computes."""
    producers = {n.output: n for n in graph.nodes}
    layers = []
    for node in graph.nodes:
        if node.op != "fake_quant" or node.inputs[0] in graph.consts:
            continue
        op = producers.get(node.inputs[0])
        while op is not None and op.op in _FUSED and producers.get(op.inputs[0]) is not None:
            op = producers[op.inputs[0]]
        if op is None or op.op == "fake_quant":
            continue  # the quantization of a graph input or a requantization
        layers.append((node, op))
    return layers


def _weight_qparams(graph, op):
    producers = {n.output: n for n in graph.nodes}
    for value in op.inputs[1:]:
        fq = producers.get(value)
        if fq is not None and fq.op == "fake_quant" and fq.inputs[0] in graph.consts:
            return fq.attrs["qparams"]
    return None


def _float_model(graph):
    """The graph with every fake quantization removed (an identity clamp)."""
    float_graph = copy.copy(graph)
    float_graph.nodes = []
    for node in graph.nodes:
        node = copy.copy(node)
        if node.op == "fake_quant":
            node.op, node.attrs = "clamp", {"lo": -np.inf, "hi": np.inf}
        float_graph.nodes.append(node)
    return float_graph


def _broadcast(values, axis, rank):
    if axis is None:
        return values[0]
    shape = [1] * rank
    shape[axis] = values.size
    return values.reshape(shape)


class Inspection:
    """The per-layer report: `layers` (a list of dicts, one per layer, in
    graph order), `table()` (also str()), `to_json()`."""

    def __init__(self, layers, codes, floats):
        self.layers = layers
        # Per layer: the integer codes qc computed and the float model's
        # values (numpy arrays, not in the JSON).
        self.codes = codes
        self.floats = floats

    def table(self):
        header = ["layer", "op", "shape", "out bits", "out scale", "out zp", "w bits",
                  "w scales", "err max", "err mean", "SQNR dB"]
        rows = []
        for layer in self.layers:
            ws = layer["weight_scales"]
            rows.append([
                layer["name"], layer["op"], "x".join(str(d) for d in layer["shape"]),
                str(layer["bits"]), "%.4g" % layer["scale"][0] if len(layer["scale"]) == 1
                else "%d ch" % len(layer["scale"]),
                str(layer["zero_point"][0]) if len(layer["zero_point"]) == 1 else "per ch",
                "-" if layer["weight_bits"] is None else str(layer["weight_bits"]),
                "-" if ws is None else ("%.3g" % ws[0] if len(ws) == 1
                                        else "%.3g..%.3g" % (min(ws), max(ws))),
                "%.2f" % layer["error_max"], "%.3f" % layer["error_mean"],
                "inf" if layer["sqnr_db"] == float("inf") else "%.1f" % layer["sqnr_db"]])
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
        return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])

    __str__ = table

    def to_json(self):
        return json.dumps(self.layers, indent=1)


def inspect(model, calibration, method="minmax", batch=None):
    """Per-layer parameters and errors of `model` (an .onnx path, an
    onnx.ModelProto or a qc.graph.Graph) on `calibration` (the inputs: an
    array for a one-input model, else a list of arrays, batched along the
    leading dimension). Returns an Inspection."""
    from .compiler import compile as qc_compile
    inputs = [np.asarray(calibration, np.float32)] if not isinstance(calibration, (list, tuple)) \
        else [np.asarray(a, np.float32) for a in calibration]
    batch = batch or inputs[0].shape[0]
    graph = _graph_of(model, batch)
    if not any(n.op == "fake_quant" for n in graph.nodes):
        from .calibration import calibrate
        graph = calibrate(graph, [inputs[0] if len(inputs) == 1 else inputs], method=method)
    layers = _layers(graph)
    if not layers:
        raise GraphError("the model quantizes no op output: nothing to inspect")

    # The integer outputs: every layer's quantized activation as a result.
    probe = copy.copy(graph)
    probe.outputs = [fq.output for fq, _ in layers]
    probe.nodes = list(graph.nodes)
    results = qc_compile(probe)(*inputs)
    results = results if isinstance(results, tuple) else (results,)
    reference = {}
    _float_model(graph).evaluate(inputs, record=reference)

    report, all_codes, all_floats = [], [], []
    for (fq, op), deq in zip(layers, results):
        qp = fq.attrs["qparams"]
        rank = deq.ndim
        scale = _broadcast(qp.scale, qp.axis, rank)
        zero = _broadcast(qp.zero_point, qp.axis, rank)
        codes = np.rint(deq.astype(np.float64) / scale) + zero
        integer = (codes - zero) * scale
        y = reference[fq.inputs[0]].astype(np.float64)
        error = integer - y
        steps = np.abs(error) / scale
        noise = float(np.sum(error * error))
        signal = float(np.sum(y * y))
        all_codes.append(codes.astype(np.int64))
        all_floats.append(reference[fq.inputs[0]])
        wqp = _weight_qparams(graph, op)
        report.append({
            "name": op.name or op.output, "op": op.op, "shape": list(deq.shape),
            "bits": qp.bits, "signed": qp.signed,
            "scale": [float(s) for s in qp.scale], "zero_point": [int(z) for z in qp.zero_point],
            "weight_bits": None if wqp is None else wqp.bits,
            "weight_scales": None if wqp is None else [float(s) for s in wqp.scale],
            "weight_zero_points": None if wqp is None else [int(z) for z in wqp.zero_point],
            "codes_min": int(codes.min()), "codes_max": int(codes.max()),
            "error_max": float(steps.max()), "error_mean": float(steps.mean()),
            "sqnr_db": float("inf") if noise == 0 else
            (float("-inf") if signal == 0 else 10 * np.log10(signal / noise)),
        })
    return Inspection(report, all_codes, all_floats)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="qc-inspect", description=(
        "Per-layer quantization parameters of a model and the error of each layer's integer "
        "output (computed by qc) against the float model."))
    ap.add_argument("model", help="the .onnx model (QDQ, or float: calibrated on --data)")
    ap.add_argument("--data", required=True, help=".npy inputs, batched along the first axis")
    ap.add_argument("--method", default="minmax", help="calibration method for a float model")
    ap.add_argument("--json", help="also write the report as JSON to this file")
    args = ap.parse_args(argv)
    from .compiler import CompileError
    from .importers.common import ImportError_
    try:
        report = inspect(args.model, np.load(args.data), method=args.method)
    except (CompileError, ImportError_, GraphError, OSError, ValueError) as e:
        print("qc-inspect: error: %s" % e, file=sys.stderr)
        return 1
    print(report.table())
    if args.json:
        with open(args.json, "w") as f:
            f.write(report.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
