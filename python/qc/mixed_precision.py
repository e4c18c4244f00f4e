"""Mixed precision: a weight bit width (8 or 4) per layer, chosen from each
layer's measured sensitivity (docs/MixedPrecision.md).

    from qc import mixed_precision as mp
    table = mp.sensitivity(float_graph, samples)             # one row per layer
    bits = mp.select(table, error_budget=0.01)               # or size_budget=BYTES
    qgraph = calibration.calibrate(float_graph, samples, weight_bits=bits)
    print(mp.format_table(table, bits))

or `python3 -m qc.calibration model.onnx --samples x.npy --mixed-precision
--error-budget 0.01` (or `--size-budget BYTES`).

Sensitivity of a layer (a matmul or convolution with a constant weight): the
calibrated model is run on the calibration samples with that layer alone at
4-bit weights (symmetric, narrow [-7, 7], per output channel like the 8-bit
ones) and every other layer at 8 bits; its error is the relative error
||y - y_float|| / ||y_float|| of the model outputs over all samples, and the
sensitivity is that error minus the all-8-bit model's error.

Selection:
  error budget E   a layer goes to 4 bits when its sensitivity is <= E (each
                   layer judged alone, as measured);
  size budget B    layers go to 4 bits in the order of the least sensitivity
                   per byte saved until the weight bytes are <= B; a budget
                   below the all-4-bit size is an error.

Weight bytes: R * F for 8-bit weights, F * ceil(R / 2) for 4-bit ones (two
codes per byte per output channel, the --qc-pack-weights layout); R * F the
weight's elements, F its output channels.
"""
import numpy as np

from .graph import GraphError

def layers(graph):
    """(node output, weight shape) of each layer with a constant weight, in
    graph order."""
    from .calibration import _has_weight
    return [(n.output, graph.consts[n.inputs[1]].shape) for n in graph.nodes if _has_weight(graph, n)]


def weight_bytes(shape, bits):
    f = int(shape[-1])
    r = int(np.prod(shape)) // max(f, 1)
    return r * f if bits == 8 else f * ((r + 1) // 2)


def _outputs(graph, samples):
    outs = []
    for s in samples:
        outs.append(graph.evaluate(s if isinstance(s, (list, tuple, dict)) else [s]))
    return [np.concatenate([o[i].reshape(-1) for o in outs]).astype(np.float64)
            for i in range(len(outs[0]))]


def _rel(got, want):
    num = sum(float(np.sum((g - w) ** 2)) for g, w in zip(got, want))
    den = sum(float(np.sum(w ** 2)) for w in want)
    return float(np.sqrt(num / den)) if den > 0 else float(np.sqrt(num))


def sensitivity(graph, samples, **calibrate_args):
    """One dict per layer: name, shape, bytes8, bytes4, error4 (model error
    with that layer at 4 bits), delta (error4 - the all-8-bit error);
    also returns nothing else: the all-8-bit error is in every row as base."""
    from .calibration import calibrate
    found = layers(graph)
    if not found:
        raise GraphError("mixed precision: the model has no matmul or convolution with a constant weight")
    want = _outputs(graph, samples)
    base = _rel(_outputs(calibrate(graph, samples, **calibrate_args), samples), want)
    table = []
    for name, shape in found:
        q = calibrate(graph, samples, weight_bits={name: 4}, **calibrate_args)
        err = _rel(_outputs(q, samples), want)
        table.append({"name": name, "shape": tuple(shape), "bytes8": weight_bytes(shape, 8),
                      "bytes4": weight_bytes(shape, 4), "error4": err, "delta": err - base,
                      "base": base})
    return table


def select(table, error_budget=None, size_budget=None):
    """{layer: bits} from the sensitivity table (see module docs)."""
    if (error_budget is None) == (size_budget is None):
        raise ValueError("mixed precision: give one of error_budget and size_budget")
    bits = {row["name"]: 8 for row in table}
    if error_budget is not None:
        if error_budget < 0:
            raise ValueError("mixed precision: error budget %g is negative" % error_budget)
        for row in table:
            if row["delta"] <= error_budget:
                bits[row["name"]] = 4
        return bits
    smallest = sum(row["bytes4"] for row in table)
    if size_budget < smallest:
        raise ValueError("mixed precision: size budget %d bytes is below the all-4-bit size of the "
                         "weights (%d bytes)" % (size_budget, smallest))
    total = sum(row["bytes8"] for row in table)
    order = sorted(table, key=lambda r: (max(r["delta"], 0.0) / max(r["bytes8"] - r["bytes4"], 1),
                                         r["name"]))
    for row in order:
        if total <= size_budget:
            break
        bits[row["name"]] = 4
        total -= row["bytes8"] - row["bytes4"]
    return bits


def total_bytes(table, bits):
    return sum(row["bytes%d" % bits[row["name"]]] for row in table)


def format_table(table, bits):
    lines = ["layer            weight shape     error at 4 bits  increase  bits  bytes"]
    for row in table:
        lines.append("%-16s %-16s %15.5f %9.5f %5d %6d" % (
            row["name"], "x".join(str(d) for d in row["shape"]), row["error4"], row["delta"],
            bits[row["name"]], row["bytes%d" % bits[row["name"]]]))
    lines.append("all 8 bits: error %.5f, %d bytes; chosen: %d bytes" % (
        table[0]["base"], sum(r["bytes8"] for r in table), total_bytes(table, bits)))
    return "\n".join(lines)
