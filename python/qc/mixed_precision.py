"""Mixed precision: a weight bit width (4, 8 or 16) per layer, and optionally
an output activation width (4, 8 or 16) per layer, chosen from each
layer's measured sensitivity (docs/MixedPrecision.md).

    from qc import mixed_precision as mp
    table = mp.sensitivity(float_graph, samples)             # one row per layer
    bits = mp.select(table, error_budget=0.01)               # or size_budget=BYTES
    qgraph = calibration.calibrate(float_graph, samples, weight_bits=bits)
    print(mp.format_table(table, bits))

or `python3 -m qc.calibration model.onnx --samples x.npy --mixed-precision
--error-budget 0.01` (or `--size-budget BYTES`; `--max-weight-bits 16`
lets layers go to 16 bits too).

Sensitivity of a layer (a matmul or convolution with a constant weight): the
calibrated model is run on the calibration samples with that layer alone at
4-bit weights (symmetric, narrow [-7, 7], per output channel like the 8-bit
ones) and every other layer at 8 bits; its error is the relative error
||y - y_float|| / ||y_float|| of the model outputs over all samples, and the
sensitivity is that error minus the all-8-bit model's error. With
wide=True also the model with that layer alone at 16 bits (i16 narrow,
range limited by the i32 accumulator: calibration.wide_weight_limit): its
gain is the all-8-bit error minus that error, what the layer's 8-bit
weights cost. A layer whose limit leaves no more than 8 bits is not offered
16 bits.

Selection:
  error budget E   a layer goes to 4 bits when its sensitivity is <= E, to
                   16 bits (wide) when its gain is > E (its 8-bit weights
                   alone cost more than E), else 8 (each layer judged
                   alone, as measured);
  size budget B    every layer starts at its widest width (16 where offered,
                   else 8); then, one step at a time, the layer whose next
                   step down (16 -> 8 costs its gain, 8 -> 4 its
                   sensitivity) adds the least error per byte saved steps
                   down, until the weight bytes are <= B; a budget below the
                   all-4-bit size is an error.

Weight bytes: R * F for 8-bit weights, 2 * R * F for 16-bit ones,
F * ceil(R / 2) for 4-bit ones (two codes per byte per output channel, the
--qc-pack-weights layout); R * F the weight's elements, F its output
channels.

Activations (activations=True, `--activation-bits`): each layer's output
activation (the value after its bias add and ReLU, the next layer's input)
is a row too, named `layer:out`: its error with that activation alone at 4
bits and at 16 bits (every weight and other activation at 8), the same
increase / gain, and the same two rules over weight and activation rows
together. Its bytes are those of one sample's activation (the tensor's
elements without the batch dimension, times 1/2, 1 or 2): a size budget
counts weight bytes plus one sample's bytes of the layers' output
activations. A 16-bit activation's codes are limited by the accumulator
of the contractions reading it (calibration.wide_activation_levels); where
that leaves no more than 8 bits, 16 is not offered. A layer whose input
activation is 16 bits keeps weights of at most 8 bits (the i32 accumulator
holds K * 65535 * 32767 for no K): where both rows would get 16 bits, the
one with the smaller gain gets 8.
"""
import numpy as np

from .graph import GraphError

ACT_SUFFIX = ":out"

def layers(graph):
    """(node output, weight shape) of each layer with a constant weight, in
    graph order."""
    from .calibration import _has_weight
    return [(n.output, graph.consts[n.inputs[1]].shape) for n in graph.nodes if _has_weight(graph, n)]


def weight_bytes(shape, bits):
    f = int(shape[-1])
    r = int(np.prod(shape)) // max(f, 1)
    return {4: f * ((r + 1) // 2), 8: r * f, 16: 2 * r * f}[bits]


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


def activation_bytes(elements, bits):
    return {4: (elements + 1) // 2, 8: elements, 16: 2 * elements}[bits]


def split(bits):
    """{row name: bits} -> (weight bits, activation bits), both {layer: bits}."""
    weights = {k: v for k, v in bits.items() if not k.endswith(ACT_SUFFIX)}
    acts = {k[:-len(ACT_SUFFIX)]: v for k, v in bits.items() if k.endswith(ACT_SUFFIX)}
    return weights, acts


def sensitivity(graph, samples, wide=False, activations=False, **calibrate_args):
    """One dict per layer: name, shape, bytes4/8/16, error4 (model error
    with that layer at 4 bits), delta (error4 - the all-8-bit error), base
    (the all-8-bit error); with wide=True error16 and gain (base - error16),
    None where the accumulator leaves 16-bit weights no more than 8 bits.
    With activations=True also one row per layer output activation
    (kind "activation", name `layer:out`, shape and bytes of one sample,
    error4 / delta / error16 / gain as for weights; `readers`: the layers
    reading it)."""
    from .calibration import (calibrate, wide_weight_limit, _weight_axis, activation_point,
                              contraction_readers, layer_activation_levels, _has_weight)
    found = layers(graph)
    if not found:
        raise GraphError("mixed precision: the model has no matmul or convolution with a constant weight")
    want = _outputs(graph, samples)
    base = _rel(_outputs(calibrate(graph, samples, **calibrate_args), samples), want)

    def error(**bits):
        return _rel(_outputs(calibrate(graph, samples, **bits, **calibrate_args), samples), want)
    table = []
    for name, shape in found:
        err = error(weight_bits={name: 4})
        row = {"name": name, "kind": "weight", "shape": tuple(shape), "bytes8": weight_bytes(shape, 8),
               "bytes4": weight_bytes(shape, 4), "bytes16": weight_bytes(shape, 16),
               "error4": err, "delta": err - base, "base": base, "error16": None, "gain": None}
        node = next(n for n in graph.nodes if n.output == name)
        limit = wide_weight_limit(graph.consts[node.inputs[1]], _weight_axis(node),
                                  calibrate_args.get("act_bits", 8))
        row["limit16"] = limit
        if wide and limit > 127:
            row["error16"] = error(weight_bits={name: 16})
            row["gain"] = base - row["error16"]
        table.append(row)
    if not activations:
        return table
    if calibrate_args.get("act_bits", 8) != 8 or calibrate_args.get("rotate", "none") != "none":
        raise ValueError("mixed precision: activation widths are chosen around 8-bit activations "
                         "without rotation")
    users = {}
    for n in graph.nodes:
        for i in n.inputs:
            users.setdefault(i, []).append(n)
    for name, _ in found:
        point = activation_point(graph, name, users)
        shape = tuple(int(d) for d in graph.shapes[point])
        elements = int(np.prod(shape[1:])) if len(shape) > 1 else int(np.prod(shape))
        err = error(activation_bits={name: 4})
        readers = [n.output for n, k in contraction_readers(graph, point, users)
                   if _has_weight(graph, n) and k == 0]
        row = {"name": name + ACT_SUFFIX, "kind": "activation", "value": point, "shape": shape[1:],
               "bytes4": activation_bytes(elements, 4), "bytes8": activation_bytes(elements, 8),
               "bytes16": activation_bytes(elements, 16), "error4": err, "delta": err - base,
               "base": base, "error16": None, "gain": None, "readers": readers}
        levels = layer_activation_levels(graph, name)
        row["limit16"] = levels
        if levels > 255:
            row["error16"] = error(activation_bits={name: 16})
            row["gain"] = base - row["error16"]
        table.append(row)
    return table


def _steps_down(row, bits):
    """(error added, bytes saved) of the layer's next step down, or None."""
    if bits == 16:
        return max(row["gain"], 0.0), row["bytes16"] - row["bytes8"]
    if bits == 8:
        return max(row["delta"], 0.0), row["bytes8"] - row["bytes4"]
    return None


def _resolve(table, bits):
    """A layer reading a 16-bit activation keeps weights of at most 8 bits:
    of a 16-bit activation and a 16-bit weight of a layer reading it, the
    one with the smaller gain goes to 8."""
    rows = {r["name"]: r for r in table}
    for row in table:
        for reader in row.get("readers", []):
            if bits.get(row["name"]) == 16 and bits.get(reader) == 16:
                lose = row["name"] if row["gain"] < rows[reader]["gain"] else reader
                bits[lose] = 8
    return bits


def select(table, error_budget=None, size_budget=None):
    """{row name: bits} from the sensitivity table (see module docs);
    `split` turns it into calibrate()'s weight_bits and activation_bits."""
    if (error_budget is None) == (size_budget is None):
        raise ValueError("mixed precision: give one of error_budget and size_budget")
    bits = {row["name"]: 8 for row in table}
    if error_budget is not None:
        if error_budget < 0:
            raise ValueError("mixed precision: error budget %g is negative" % error_budget)
        for row in table:
            if row["delta"] <= error_budget:
                bits[row["name"]] = 4
            elif row.get("gain") is not None and row["gain"] > error_budget:
                bits[row["name"]] = 16
        return _resolve(table, bits)
    smallest = sum(row["bytes4"] for row in table)
    if size_budget < smallest:
        raise ValueError("mixed precision: size budget %d bytes is below the all-4-bit size of the "
                         "%s (%d bytes)" % (size_budget, "weights" if all(
                             r.get("kind", "weight") == "weight" for r in table) else
                             "weights and activations", smallest))
    for row in table:
        if row.get("gain") is not None:
            bits[row["name"]] = 16
    _resolve(table, bits)
    total = total_bytes(table, bits)
    def per_byte(row):
        added, saved = _steps_down(row, bits[row["name"]])
        return added / max(saved, 1), row["name"]

    while total > size_budget:
        row = min((r for r in table if bits[r["name"]] > 4), key=per_byte)
        total -= _steps_down(row, bits[row["name"]])[1]
        bits[row["name"]] = {16: 8, 8: 4}[bits[row["name"]]]
    return bits


def total_bytes(table, bits):
    return sum(row["bytes%d" % bits[row["name"]]] for row in table)


def format_table(table, bits):
    wide = any(row.get("error16") is not None for row in table)
    weights = [r for r in table if r.get("kind", "weight") == "weight"]
    acts = [r for r in table if r.get("kind", "weight") == "activation"]
    tail = "  error at 16 bits  decrease" if wide else ""
    w = max([16] + [len(r["name"]) for r in table])
    lines = ["layer".ljust(w) + " weight shape     error at 4 bits  increase  bits  bytes" + tail]

    def line(row):
        text = "%-*s %-16s %15.5f %9.5f %5d %6d" % (
            w, row["name"], "x".join(str(d) for d in row["shape"]), row["error4"], row["delta"],
            bits[row["name"]], row["bytes%d" % bits[row["name"]]])
        if wide:
            text += ("  %16.5f %9.5f" % (row["error16"], row["gain"]) if row["error16"] is not None
                     else "  %16s %9s" % ("(accumulator)", "-"))
        return text
    lines.extend(line(r) for r in weights)
    if acts:
        lines.append("output of layer".ljust(w) + " per sample       error at 4 bits  increase  bits  bytes" + tail)
        lines.extend(line(r) for r in acts)
    if acts:
        lines.append("all 8 bits: error %.5f, %d weight + %d activation bytes; chosen: %d + %d bytes" % (
            table[0]["base"], sum(r["bytes8"] for r in weights), sum(r["bytes8"] for r in acts),
            total_bytes(weights, bits), total_bytes(acts, bits)))
    else:
        lines.append("all 8 bits: error %.5f, %d bytes; chosen: %d bytes" % (
            table[0]["base"], sum(r["bytes8"] for r in table), total_bytes(table, bits)))
    return "\n".join(lines)
