"""Mixed precision: a weight bit width (4, 8 or 16) per layer, and optionally
an output activation width (4, 8 or 16) per layer, chosen from each
layer's measured sensitivity (docs/MixedPrecision.md).

    from qc import mixed_precision as mp
    table = mp.sensitivity(float_graph, samples)             # one row per layer
    bits = mp.select(table, error_budget=0.01)               # or size_budget=BYTES
    qgraph = calibration.calibrate(float_graph, samples, weight_bits=bits)
    print(mp.format_table(table, bits))

or `python3 -m qc.calibration model.onnx --samples x.npy --mixed-precision
--error-budget 0.01` (or `--size-budget BYTES`, `--latency-table FILE
--latency-budget MS`; `--max-weight-bits 16` lets layers go to 16 bits
too; `--validation-fraction F` holds out batches).

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

Held-out data, a latency budget (mixed_precision_budget.py): sensitivity
and search take `validation=` (held-out batches, split_samples): the table
gets held-out errors and the search returns the Pareto point of least
held-out error; select and search take `latency=` (a per-row cost table)
and `latency_budget=`, alone or with size_budget: the greedy steps down
then relieve whichever budget is exceeded (error per share of the excess
removed; a step that breaks a met budget or slows an exceeded latency
comes last). The joint search is in mixed_precision_search.py, the
command line in mixed_precision_cli.py.
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


def activation_values(graph):
    """The values other than layer outputs whose width activations="all"
    chooses: the graph inputs, the outputs of adds (residuals) and average
    pools (calibration.ACTIVATION_OPS) and the inputs of layer norms and
    softmax (calibration_points.nonlinear_inputs: their quantization points, which
    the lowering takes at 4, 8 or 16 bits), in graph order, each once; mul
    and concat outputs keep act_bits."""
    from .calibration import ACTIVATION_OPS, activation_point
    from .calibration_points import nonlinear_inputs
    quantized = {n.inputs[0] for n in graph.nodes if n.op == "fake_quant"}
    found = ([i for i in graph.inputs if i not in quantized] +
             [n.output for n in graph.nodes if n.op in ACTIVATION_OPS])
    users = {}
    for n in graph.nodes:
        for i in n.inputs:
            users.setdefault(i, []).append(n)
    taken = {activation_point(graph, v, users) for v in [n for n, _ in layers(graph)] + found}
    for v in nonlinear_inputs(graph):
        if v not in taken:
            taken.add(v)
            found.append(v)
    return found


class Evaluator:
    """The model error ||y - y_float|| / ||y_float|| of a choice {row: bits}
    on the calibration samples: calibrated (the float values at the
    quantization points observed once) and run in numpy; `count` the model
    evaluations made, each distinct choice evaluated once. With
    `validation` (held-out batches), held_out(bits) is the error of the same
    calibrated model (ranges from `samples` only) on them."""

    def __init__(self, graph, samples, validation=None, **calibrate_args):
        self.graph, self.samples, self.args = graph, samples, calibrate_args
        self.want = _outputs(graph, samples)
        self.validation = validation
        self.want_held = _outputs(graph, validation) if validation else None
        self.observed, self.memo, self.held, self.count = {}, {}, {}, 0

    @staticmethod
    def _key(bits):
        return tuple(sorted((k, v) for k, v in bits.items() if v != 8))

    def _calibrated(self, key):
        from .calibration import calibrate
        wbits, abits = split(dict(key))
        return calibrate(self.graph, self.samples, weight_bits=wbits, activation_bits=abits,
                         observed=self.observed, **self.args)

    def __call__(self, bits):
        key = self._key(bits)
        if key not in self.memo:
            self.memo[key] = _rel(_outputs(self._calibrated(key), self.samples), self.want)
            self.count += 1
        return self.memo[key]

    def held_out(self, bits):
        if self.validation is None:
            return None
        key = self._key(bits)
        if key not in self.held:
            self.held[key] = _rel(_outputs(self._calibrated(key), self.validation), self.want_held)
        return self.held[key]


def sensitivity(graph, samples, wide=False, activations=False, validation=None, **calibrate_args):
    """One dict per layer: name, shape, bytes4/8/16, error4 (model error
    with that layer at 4 bits), delta (error4 - the all-8-bit error), base
    (the all-8-bit error); with wide=True error16 and gain (base - error16),
    None where the accumulator leaves 16-bit weights no more than 8 bits.
    With activations=True also one row per layer output activation
    (kind "activation", name `layer:out`, shape and bytes of one sample,
    error4 / delta / error16 / gain as for weights; `readers`: the layers
    reading it); activations="all" adds the rows of activation_values (named
    `value:out`). With `validation` (held-out batches, split_samples) each
    row also holds held4 / held16 and held_base: the same errors on them.
    The table's rows measure the same calibrated models on both parts."""
    from .calibration_points import NONLINEAR_OPS
    from .calibration import (wide_weight_limit, _weight_axis, activation_point,
                              contraction_readers, layer_activation_levels, _has_weight,
                              _source_point)
    found = layers(graph)
    if not found:
        raise GraphError("mixed precision: the model has no matmul or convolution with a constant weight")
    ev = Evaluator(graph, samples, validation=validation, **calibrate_args)
    base = ev({})
    held_base = ev.held_out({})

    def error(weight_bits=None, activation_bits=None):
        bits = dict(weight_bits or {})
        bits.update((k + ACT_SUFFIX, v) for k, v in (activation_bits or {}).items())
        return ev(bits)

    def held(weight_bits=None, activation_bits=None):
        bits = dict(weight_bits or {})
        bits.update((k + ACT_SUFFIX, v) for k, v in (activation_bits or {}).items())
        return ev.held_out(bits)
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
        if validation:
            row.update(held_base=held_base, held4=held(weight_bits={name: 4}), held16=None)
        if wide and limit > 127:
            row["error16"] = error(weight_bits={name: 16})
            row["gain"] = base - row["error16"]
            if validation:
                row["held16"] = held(weight_bits={name: 16})
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
    producer = {n.output: n for n in graph.nodes}
    names = [name for name, _ in found]
    if activations == "all":
        names += activation_values(graph)
    for name in names:
        point = activation_point(graph, name, users)
        shape = tuple(int(d) for d in graph.shapes[point])
        elements = int(np.prod(shape[1:])) if len(shape) > 1 else int(np.prod(shape))
        err = error(activation_bits={name: 4})
        readers = [n.output for n, k in contraction_readers(graph, point, users)
                   if _has_weight(graph, n) and k == 0]
        row = {"name": name + ACT_SUFFIX, "kind": "activation", "value": point, "shape": shape[1:],
               "bytes4": activation_bytes(elements, 4), "bytes8": activation_bytes(elements, 8),
               "bytes16": activation_bytes(elements, 16), "error4": err, "delta": err - base,
               "base": base, "error16": None, "gain": None, "readers": readers,
               "feeds": sorted({n.op for n in graph.nodes if n.op in NONLINEAR_OPS and
                                _source_point(graph, n.inputs[0], producer) == point})}
        levels = layer_activation_levels(graph, name)
        row["limit16"] = levels
        if validation:
            row.update(held_base=held_base, held4=held(activation_bits={name: 4}), held16=None)
        if levels > 255:
            row["error16"] = error(activation_bits={name: 16})
            row["gain"] = base - row["error16"]
            if validation:
                row["held16"] = held(activation_bits={name: 16})
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


def select(table, error_budget=None, size_budget=None, latency=None, latency_budget=None):
    """{row name: bits} from the sensitivity table (see module docs);
    `split` turns it into calibrate()'s weight_bits and activation_bits.
    `latency`: a cost table (mixed_precision_budget.load_latency_table);
    `latency_budget`: the latency to fit in, alone or with size_budget."""
    from . import mixed_precision_budget as budgets
    if latency_budget is not None and latency is None:
        raise ValueError("--latency-budget needs --latency-table")
    if latency is not None:
        budgets.check_table(latency, table)
    if (error_budget is None) == (size_budget is None and latency_budget is None):
        raise ValueError("mixed precision: give one of error_budget and size_budget (and / or "
                         "latency_budget)")
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
    if size_budget is not None and size_budget < smallest:
        raise ValueError("mixed precision: size budget %d bytes is below the all-4-bit size of the "
                         "%s (%d bytes)" % (size_budget, "weights" if all(
                             r.get("kind", "weight") == "weight" for r in table) else
                             "weights and activations", smallest))
    if latency_budget is not None:
        budgets.check_budget(latency, table, latency_budget)
    for row in table:
        if row.get("gain") is not None:
            bits[row["name"]] = 16
    _resolve(table, bits)
    costs = latency["rows"] if latency is not None else {}

    def cost(name, b):
        return costs[name][b] if name in costs else 0.0
    total = total_bytes(table, bits)
    time = budgets.latency_of(latency, bits) if latency is not None else 0.0
    while True:
        over_bytes = size_budget is not None and total > size_budget
        over_time = latency_budget is not None and time > latency_budget + 1e-12
        if not over_bytes and not over_time:
            return bits
        best = None
        for row in table:
            old = bits[row["name"]]
            if old == 4:
                continue
            new = {16: 8, 8: 4}[old]
            added, saved = _steps_down(row, old)
            faster = cost(row["name"], old) - cost(row["name"], new)
            # A step that breaks a budget that holds, or makes a violated
            # one worse (a 4-bit weight slower than its 8-bit one), comes
            # after every step that does not (each row goes down at most
            # twice, so this ends).
            breaks = ((not over_time and latency_budget is not None and
                       time - faster > latency_budget + 1e-12) or (over_time and faster < 0))
            if not over_time:
                key = added / max(saved, 1)  # bytes alone: least error per byte saved
            else:
                # Each violated budget's share of its excess this step
                # removes (a slower step counts against it).
                relief = faster / (time - latency_budget)
                if over_bytes:
                    relief += saved / (total - size_budget)
                if relief <= 0:
                    continue
                key = added / relief
            if best is None or (breaks, key, row["name"]) < best[0]:
                best = ((breaks, key, row["name"]), row, new, saved, faster)
        if best is None:
            raise ValueError("mixed precision: no choice of the offered widths meets %s: the "
                             "greedy steps down stop at %d bytes, %g %s" % (
                                 " and ".join(t for t in (
                                     size_budget is not None and "--size-budget %d" % size_budget,
                                     "--latency-budget %g" % latency_budget) if t),
                                 total, time, latency["unit"]))
        _, row, new, saved, faster = best
        bits[row["name"]] = new
        total -= saved
        time -= faster


def total_bytes(table, bits):
    return sum(row["bytes%d" % bits[row["name"]]] for row in table)


def format_table(table, bits, summary=None):
    """The table printed on stderr. With held-out errors in the rows
    (sensitivity(validation=...)) two more columns; `summary`: lines added
    at the end (the chosen configuration's errors and latency)."""
    wide = any(row.get("error16") is not None for row in table)
    held = any(row.get("held4") is not None for row in table)
    weights = [r for r in table if r.get("kind", "weight") == "weight"]
    acts = [r for r in table if r.get("kind", "weight") == "activation"]
    tail = "  error at 16 bits  decrease" if wide else ""
    if held:
        tail += "  held-out at 4" + ("  held-out at 16" if wide else "")
    w = max([16] + [len(r["name"]) for r in table])
    lines = ["layer".ljust(w) + " weight shape     error at 4 bits  increase  bits  bytes" + tail]

    def line(row):
        text = "%-*s %-16s %15.5f %9.5f %5d %6d" % (
            w, row["name"], "x".join(str(d) for d in row["shape"]), row["error4"], row["delta"],
            bits[row["name"]], row["bytes%d" % bits[row["name"]]])
        if wide:
            text += ("  %16.5f %9.5f" % (row["error16"], row["gain"]) if row["error16"] is not None
                     else "  %16s %9s" % ("(accumulator)", "-"))
        if held:
            text += "  %13.5f" % row["held4"]
            if wide:
                text += ("  %14.5f" % row["held16"]) if row.get("held16") is not None else "  %14s" % "-"
        if row.get("feeds"):
            text += "  (%s input)" % " / ".join(row["feeds"])
        return text
    lines.extend(line(r) for r in weights)
    if acts:
        lines.append("output of layer".ljust(w) + " per sample       error at 4 bits  increase  bits  bytes" + tail)
        lines.extend(line(r) for r in acts)
    base = "all 8 bits: error %.5f" % table[0]["base"]
    if held:
        base += " (held-out %.5f)" % table[0]["held_base"]
    if acts:
        lines.append("%s, %d weight + %d activation bytes; chosen: %d + %d bytes" % (
            base, sum(r["bytes8"] for r in weights), sum(r["bytes8"] for r in acts),
            total_bytes(weights, bits), total_bytes(acts, bits)))
    else:
        lines.append("%s, %d bytes; chosen: %d bytes" % (
            base, sum(r["bytes8"] for r in table), total_bytes(table, bits)))
    return "\n".join(lines + list(summary or []))


from .mixed_precision_search import search, format_steps, pareto, _conflict  # noqa: E402,F401
from .mixed_precision_budget import (split_samples, load_latency_table,  # noqa: E402,F401
                                     latency_of)
