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


def activation_values(graph):
    """The values other than layer outputs whose width activations="all"
    chooses: the graph inputs and the outputs of adds (residuals) and
    average pools (calibration.ACTIVATION_OPS), in graph order; layer norms,
    softmax and the rest keep act_bits."""
    from .calibration import ACTIVATION_OPS
    quantized = {n.inputs[0] for n in graph.nodes if n.op == "fake_quant"}
    return ([i for i in graph.inputs if i not in quantized] +
            [n.output for n in graph.nodes if n.op in ACTIVATION_OPS])


class Evaluator:
    """The model error ||y - y_float|| / ||y_float|| of a choice {row: bits}
    on the calibration samples: calibrated (the float values at the
    quantization points observed once) and run in numpy; `count` the model
    evaluations made, each distinct choice evaluated once."""

    def __init__(self, graph, samples, **calibrate_args):
        self.graph, self.samples, self.args = graph, samples, calibrate_args
        self.want = _outputs(graph, samples)
        self.observed, self.memo, self.count = {}, {}, 0

    def __call__(self, bits):
        from .calibration import calibrate
        key = tuple(sorted((k, v) for k, v in bits.items() if v != 8))
        if key not in self.memo:
            wbits, abits = split(dict(key))
            q = calibrate(self.graph, self.samples, weight_bits=wbits, activation_bits=abits,
                          observed=self.observed, **self.args)
            self.memo[key] = _rel(_outputs(q, self.samples), self.want)
            self.count += 1
        return self.memo[key]


def sensitivity(graph, samples, wide=False, activations=False, **calibrate_args):
    """One dict per layer: name, shape, bytes4/8/16, error4 (model error
    with that layer at 4 bits), delta (error4 - the all-8-bit error), base
    (the all-8-bit error); with wide=True error16 and gain (base - error16),
    None where the accumulator leaves 16-bit weights no more than 8 bits.
    With activations=True also one row per layer output activation
    (kind "activation", name `layer:out`, shape and bytes of one sample,
    error4 / delta / error16 / gain as for weights; `readers`: the layers
    reading it); activations="all" adds the rows of activation_values (named
    `value:out`)."""
    from .calibration import (wide_weight_limit, _weight_axis, activation_point,
                              contraction_readers, layer_activation_levels, _has_weight)
    found = layers(graph)
    if not found:
        raise GraphError("mixed precision: the model has no matmul or convolution with a constant weight")
    ev = Evaluator(graph, samples, **calibrate_args)
    base = ev({})

    def error(weight_bits=None, activation_bits=None):
        bits = dict(weight_bits or {})
        bits.update((k + ACT_SUFFIX, v) for k, v in (activation_bits or {}).items())
        return ev(bits)
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


_UP = {4: 8, 8: 16}
_DOWN = {16: 8, 8: 4}


def _conflict(table, bits):
    """A 16-bit activation read by a layer with 16-bit weights (_resolve)."""
    return any(bits.get(row["name"]) == 16 and bits.get(reader) == 16
               for row in table for reader in row.get("readers", []))


def _move(row, bits, up):
    """(new bits, bytes added, error added by the table's isolated
    measures) of one step of `row` up or down, or None where there is none."""
    old = bits[row["name"]]
    new = (_UP if up else _DOWN).get(old)
    if new is None or (new == 16 and row.get("gain") is None):
        return None
    cost = {(8, 4): row["delta"], (16, 8): row.get("gain"), (4, 8): -row["delta"],
            (8, 16): -(row.get("gain") or 0.0)}[(old, new)]
    return new, row["bytes%d" % new] - row["bytes%d" % old], cost


def search(graph, samples, table, size_budget, max_evals=40, width=4, pairs=3, start=None,
           **calibrate_args):
    """A joint search under a size budget (docs/MixedPrecision.md, "Joint
    search"): from `start` (default: select's greedy pick, itself a
    candidate) it measures the whole model's error of changed choices and
    keeps the best one found; at most max_evals model evaluations on the
    calibration samples (the start's included). A round measures, jointly
    with every other row at its current width, the next `width` rows'
    steps up (largest isolated gain per byte and largest isolated gain, in
    turn) and down (least isolated cost per byte first); then combines each measured step up with steps down
    (measured joint costs per byte, then isolated ones) until the budget is
    met, and measures the `pairs` combinations whose summed measured changes
    promise the least error. The best measured choice within the budget, if
    better than the current one, becomes the current one; a round without
    one moves on to the next `width` rows of each order. Returns (bits,
    steps): steps one dict per round (round, evaluations so far, error,
    bytes, the changes accepted)."""
    if size_budget < sum(row["bytes4"] for row in table):
        select(table, size_budget=size_budget)  # the error it gives
    ev = Evaluator(graph, samples, **calibrate_args)
    best = dict(start if start is not None else select(table, size_budget=size_budget))
    if total_bytes(table, best) > size_budget or _conflict(table, best):
        raise ValueError("mixed precision: the search's start does not fit the budget")
    err = ev(best)
    steps = [{"round": 0, "evals": ev.count, "error": err, "bytes": total_bytes(table, best),
              "changes": "start (greedy pick)"}]
    skip, rnd = 0, 0
    while ev.count < max_evals:
        rnd += 1
        used = total_bytes(table, best)
        moves = {True: [], False: []}
        for up in (True, False):
            for row in table:
                m = _move(row, best, up)
                if m is None or m[1] == 0:
                    continue
                trial = dict(best, **{row["name"]: m[0]})
                if up and _conflict(table, trial):
                    continue
                moves[up].append((m[2] / abs(m[1]), row["name"], m))
            moves[up].sort()
        # Steps up: by isolated gain per byte and by isolated gain, in turn
        # (a large layer back from 4 bits gains most but per byte little).
        by_gain = sorted(moves[True], key=lambda t: (t[2][2], t[1]))
        merged, seen = [], set()
        for pair in zip(moves[True], by_gain):
            for t in pair:
                if t[1] not in seen:
                    seen.add(t[1])
                    merged.append(t)
        ups = merged[skip:skip + width]
        downs = moves[False][skip:skip + width]
        if not ups and not downs:
            break
        measured = {}  # row -> (new bits, bytes added, error added jointly)
        found = []  # (error, bits)
        for _, name, (new, added, _) in ups + downs:
            if ev.count >= max_evals:
                break
            trial = dict(best, **{name: new})
            e = ev(trial)
            measured[name] = (new, added, e - err)
            if used + added <= size_budget:
                found.append((e, sorted(trial.items()), trial))
        # Each measured step up, with steps down until the budget is met.
        order = sorted(((measured[n][2] if n in measured else m[2]) / -m[1], n, m)
                       for _, n, m in moves[False])
        combos = []
        for _, name, (new, added, _) in ups:
            if name not in measured or used + added <= size_budget:
                continue
            trial, total, guess = dict(best, **{name: new}), used + added, measured[name][2]
            for _, dn, (dnew, dadded, dcost) in order:
                if total <= size_budget:
                    break
                if dn == name:
                    continue
                trial[dn] = dnew
                total += dadded
                guess += measured[dn][2] if dn in measured else dcost
            if total <= size_budget and not _conflict(table, trial):
                combos.append((guess, sorted(trial.items()), trial))
        for _, _, trial in sorted(combos)[:pairs]:
            if ev.count >= max_evals:
                break
            found.append((ev(trial), sorted(trial.items()), trial))
        found.sort(key=lambda f: (f[0], f[1]))
        if found and found[0][0] < err:
            changes = ["%s %d->%d" % (k, best[k], v) for k, v in sorted(found[0][2].items())
                       if best[k] != v]
            best, err, skip = found[0][2], found[0][0], 0
            steps.append({"round": rnd, "evals": ev.count, "error": err,
                          "bytes": total_bytes(table, best), "changes": ", ".join(changes)})
        else:
            skip += width
            steps.append({"round": rnd, "evals": ev.count, "error": err,
                          "bytes": total_bytes(table, best), "changes": "none better"})
    return best, steps


def format_steps(steps, max_evals):
    lines = ["joint search (at most %d model evaluations):" % max_evals]
    for s in steps:
        lines.append("  round %d: %d evaluations, error %.5f, %d bytes: %s" % (
            s["round"], s["evals"], s["error"], s["bytes"], s["changes"]))
    return "\n".join(lines)


def choose(graph, samples, args, common):
    """qc.calibration's --mixed-precision: the table, the pick (and the joint
    search) printed on stderr; (weight bits, activation bits)."""
    import sys
    table = sensitivity(graph, samples, wide=args.max_weight_bits == 16,
                        activations={None: False, "layers": True}.get(args.mixed_activations, "all"),
                        **common)
    chosen = select(table, args.error_budget, args.size_budget)
    steps = None
    if args.joint_evals:
        if args.size_budget is None:
            raise ValueError("--joint-evals goes with --size-budget")
        chosen, steps = search(graph, samples, table, args.size_budget, max_evals=args.joint_evals,
                               **common)
    print(format_table(table, chosen), file=sys.stderr)
    if steps:
        print(format_steps(steps, args.joint_evals), file=sys.stderr)
    return split(chosen)
