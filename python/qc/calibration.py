"""Post-training calibration: float graph + sample inputs -> qc.fake_quant.

    from qc import calibration
    qgraph = calibration.calibrate(float_graph, [x0, x1, ...], method="entropy")
    text = qgraph.to_mlir()

or from the command line, for a float ONNX model:

    python3 -m qc.calibration model.onnx --samples x.npy [--method minmax|percentile|entropy|mse]
        [--per-tensor-weights] [--batch N] [--rotate=hadamard] -o model.mlir

Observers (each gives a real range [lo, hi]; `qparams_from_range` turns it
into a scale and zero point so that 0.0 is exact):

  minmax      lo = min(x), hi = max(x)
  percentile  lo, hi = the (100 - p)-th and p-th percentiles (p = 99.99)
  entropy     TensorRT's KL calibration: a 2048-bin histogram of |x|; for
              every candidate threshold i in [128, 2048] bins, the clipped
              distribution P (outliers folded into the last bin) is compared
              with its 128-level quantization Q; the threshold of minimal
              KL(P || Q) wins; the range is [max(min x, -t), min(max x, t)]
  mse         the range alpha * [min x, max x], alpha on a grid of 100 values
              in (0, 1], minimizing the mean squared fake-quantization error

Where fake quantization goes (graph inputs; weights; the outputs of
matmul/conv chains after their bias add and ReLU/clamp, of add, mul, average
pool and concat): transpose, reshape and max pool keep the parameters of
their input (--qc-fold-fake-quant moves the dequantize through them), so
they get none. Weights (constant right operands of matmul and conv) are
always min-max, symmetric, int8 narrow [-127, 127], per output channel by
default (a batch_matmul by a constant 2-D weight too); `weight_bits` gives
a layer 4 bits ([-7, 7]) or 16 bits (i16 narrow [-q, q] with q <=
32767 small enough that K * (2^act_bits - 1) * q <= 2^30: the products of
the K-long sums keep within half the i32 accumulator, the other half is
left to the bias; see `wide_weight_limit`). Activations are
int8 asymmetric by default. Values already
fake-quantized are left as they are.

rotate="hadamard" (--rotate=hadamard) first rotates the float graph
(qc.rotation.rotate_hadamard, docs/Hadamard.md): the weights of matmuls and
1x1 convolutions become Q W and their inputs get an online `hadamard` node.
The value entering a `hadamard` is calibrated at 16 bits (the outliers it
still holds need them; other ops reading it get an act_bits copy) and
the rotated one at `act_bits`: the pair
--qc-fold-fake-quant turns into the integer qc.hadamard (i16 -> i8). The
zero pad of an odd K before its rotation keeps its input's quantization (the
fold pads the codes with the zero point), so a padded rotation folds too.
"""
import argparse
import sys

import numpy as np

from . import rotation
from .graph import Graph, GraphError, Node, QParams, fake_quant_values

METHODS = ("minmax", "percentile", "entropy", "mse")
EPS = float(np.finfo(np.float32).eps)  # torch's minimum scale


def qparams_from_range(lo, hi, bits=8, signed=True, symmetric=False, narrow=False, axis=None):
    """Scale and zero point for [lo, hi] (arrays for per-axis), torch-style."""
    lo = np.minimum(np.atleast_1d(np.asarray(lo, dtype=np.float64)), 0.0)
    hi = np.maximum(np.atleast_1d(np.asarray(hi, dtype=np.float64)), 0.0)
    qmin, qmax = ((-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1))
    if narrow:
        qmin += 1
    if symmetric:
        amax = np.maximum(-lo, hi)
        scale = amax / ((qmax - qmin) / 2.0)
        scale = np.maximum(scale, EPS)
        zp = np.zeros_like(scale, dtype=np.int64) if signed else np.full(scale.shape, (qmin + qmax + 1) // 2)
    else:
        scale = np.maximum((hi - lo) / float(qmax - qmin), EPS)
        zp = np.clip(qmin - np.rint(lo / scale), qmin, qmax).astype(np.int64)
    scale = scale.astype(np.float32).astype(np.float64)  # f32 scales, as the exporters
    return QParams(scale, zp, qmin, qmax, bits, signed, axis)


def _reduce_axes(x, axis):
    """x moved to [channels, elements] (axis None: [1, all])."""
    x = np.asarray(x, dtype=np.float32)
    if axis is None:
        return x.reshape(1, -1)
    return np.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)


def range_minmax(x, axis=None):
    x = _reduce_axes(x, axis)
    return x.min(axis=1), x.max(axis=1)


def range_percentile(x, axis=None, percentile=99.99):
    x = _reduce_axes(x, axis)
    return (np.percentile(x, 100.0 - percentile, axis=1), np.percentile(x, percentile, axis=1))


def kl_threshold(values, bins=2048, levels=128):
    """TensorRT entropy calibration of |values|: the clipping threshold."""
    a = np.abs(np.asarray(values, dtype=np.float64).reshape(-1))
    amax = a.max() if a.size else 0.0
    if amax == 0.0:
        return 0.0
    hist, edges = np.histogram(a, bins=bins, range=(0.0, amax))
    hist = hist.astype(np.float64)
    best_kl, best_i = np.inf, bins
    for i in range(levels, bins + 1):
        p = hist[:i].copy()
        p[i - 1] += hist[i:].sum()
        nonzero = hist[:i] != 0
        # Quantize the i bins into `levels` bins, then expand back over the
        # non-empty source bins.
        starts = np.array([c[0] for c in np.array_split(np.arange(i), levels) if c.size])
        sizes = np.diff(np.append(starts, i))
        totals = np.add.reduceat(hist[:i], starts)
        counts = np.add.reduceat(nonzero.astype(np.float64), starts)
        per_bin = np.divide(totals, counts, out=np.zeros_like(totals), where=counts > 0)
        q = np.repeat(per_bin, sizes) * nonzero
        ps, qs = p.sum(), q.sum()
        if ps == 0 or qs == 0:
            continue
        pn, qn = p / ps, q / qs
        mask = pn > 0
        if np.any(qn[mask] == 0):
            kl = np.inf
        else:
            kl = float(np.sum(pn[mask] * np.log(pn[mask] / qn[mask])))
        if kl < best_kl:
            best_kl, best_i = kl, i
    return float(edges[best_i]) if best_i < bins else float(amax)


def range_entropy(x, axis=None, bins=2048, levels=128):
    x = _reduce_axes(x, axis)
    lo, hi = x.min(axis=1), x.max(axis=1)
    t = np.array([kl_threshold(row, bins, levels) for row in x])
    return np.maximum(lo, -t), np.minimum(hi, t)


def range_mse(x, axis=None, bits=8, signed=True, symmetric=False, narrow=False, steps=100):
    x = _reduce_axes(x, axis)
    lo_all, hi_all = x.min(axis=1), x.max(axis=1)
    best_lo, best_hi = lo_all.copy(), hi_all.copy()
    for c in range(x.shape[0]):
        best = np.inf
        for alpha in np.linspace(1.0 / steps, 1.0, steps):
            lo, hi = alpha * lo_all[c], alpha * hi_all[c]
            qp = qparams_from_range(lo, hi, bits, signed, symmetric, narrow)
            err = float(np.mean((fake_quant_values(x[c], qp) - x[c]) ** 2))
            if err < best:
                best, best_lo[c], best_hi[c] = err, lo, hi
    return best_lo, best_hi


def observe(x, method="minmax", axis=None, bits=8, signed=True, symmetric=False, narrow=False,
            percentile=99.99):
    """Real range [lo, hi] of samples x by `method` (arrays of one value per
    channel of `axis`, or of one value)."""
    if method == "minmax":
        return range_minmax(x, axis)
    if method == "percentile":
        return range_percentile(x, axis, percentile)
    if method == "entropy":
        return range_entropy(x, axis, levels=1 << (bits - 1))
    if method == "mse":
        return range_mse(x, axis, bits, signed, symmetric, narrow)
    raise ValueError("unknown calibration method '%s' (one of %s)" % (method, ", ".join(METHODS)))


_KEEPS_PARAMS = ("transpose", "reshape", "max_pool", "fake_quant")
_ABSORBED = ("bias_add", "clamp")  # follow a contraction / add in the same quantized op


def _weight_axis(node):
    return {"matmul": 1, "batch_matmul": 1, "conv2d": 3, "depthwise_conv2d": 2}[node.op]


def _has_weight(graph, node):
    """A contraction by a constant weight (batch_matmul: by a 2-D one, a
    linear layer on [batch, seq, d])."""
    if len(node.inputs) < 2 or node.inputs[1] not in graph.consts:
        return False
    if node.op == "batch_matmul":
        return graph.consts[node.inputs[1]].ndim == 2
    return node.op in ("matmul", "conv2d", "depthwise_conv2d")


ROTATIONS = ("none", "hadamard")
ROTATED_INPUT_BITS = 16
WEIGHT_BITS = (4, 8, 16)


def wide_weight_limit(weight, axis, act_bits=8, act_levels=None):
    """The largest code q <= 32767 of a 16-bit weight (narrow [-q, q]) whose
    K-long sums of products with act_bits activations keep within 2^30:
    K * (2^act_bits - 1) * q <= 2^30, K = the weight's elements per output
    channel (max |a - z_a| <= 2^act_bits - 1 for any zero point; act_levels,
    when given, is qmax - qmin of the activation instead)."""
    levels = act_levels if act_levels is not None else (1 << act_bits) - 1
    return min(32767, (1 << 30) // (_reduction(weight, axis) * levels))


def _reduction(weight, axis):
    """K of a constant weight: its elements per output channel."""
    return max(int(np.prod(weight.shape)) // max(int(weight.shape[axis]), 1), 1)


def _levels(bits):
    return (1 << bits) - 1


def activation_point(graph, layer, users=None):
    """The quantization point of a layer's output: the layer's value, or the
    end of the bias add / clamp chain that follows it in the same quantized
    op (the value calibrate() fake-quantizes)."""
    if users is None:
        users = {}
        for n in graph.nodes:
            for i in n.inputs:
                users.setdefault(i, []).append(n)
    v = layer
    while True:
        us = users.get(v, [])
        if len(us) == 1 and us[0].op in _ABSORBED and us[0].inputs[0] == v:
            v = us[0].output
        else:
            return v


def contraction_readers(graph, value, users):
    """(node, operand) of each contraction that reads `value` directly or
    through ops that keep its quantization (transpose, reshape, max pool)."""
    found, todo = [], [value]
    while todo:
        v = todo.pop()
        for u in users.get(v, []):
            if u.op in _KEEPS_PARAMS:
                todo.append(u.output)
            elif u.op in ("matmul", "batch_matmul", "conv2d", "depthwise_conv2d"):
                found.extend((u, k) for k, i in enumerate(u.inputs[:2]) if i == v)
    return found


def _source_point(graph, value, producer):
    """The quantization point whose codes `value` carries (through ops that
    keep their input's quantization)."""
    while value in producer and producer[value].op in _KEEPS_PARAMS:
        value = producer[value].inputs[0]
    return value


def wide_activation_levels(graph, point, point_bits, weight_bits, users, producer):
    """qmax - qmin of a 16-bit activation at `point`, at most 65535 and small
    enough that every contraction reading it keeps its products within 2^30
    (the other half of the i32 accumulator left to the bias, as for 16-bit
    weights): K * levels * other <= 2^30, `other` the largest |b - z_b| of
    the other operand: 7 / 127 for a 4- / 8-bit weight, 127 for a 16-bit one
    (whose own range is then limited by this one, wide_weight_limit), 2^bits
    - 1 for an activation, and for two 16-bit activations each gets
    floor(sqrt(2^30 / K)) levels."""
    levels = 65535
    for node, k in contraction_readers(graph, point, users):
        if _has_weight(graph, node):
            if k != 0:
                continue
            w = graph.consts[node.inputs[1]]
            other = 7 if weight_bits.get(node.output, 8) == 4 else 127
            levels = min(levels, (1 << 30) // (_reduction(w, _weight_axis(node)) * other))
            continue
        red = int(graph.shapes[node.inputs[0]][-1]) if node.op in ("matmul", "batch_matmul") else 0
        if red <= 0:
            raise ValueError("16-bit activation %s: its reader %s has no static reduction size" %
                             (point, node.output))
        other_point = _source_point(graph, node.inputs[1 - k], producer)
        other_bits = point_bits(other_point)
        if other_bits == 16:
            levels = min(levels, int(np.sqrt((1 << 30) // red)))
        else:
            levels = min(levels, (1 << 30) // (red * _levels(other_bits)))
    return levels


def layer_activation_levels(graph, layer):
    """qmax - qmin that a 16-bit output activation of `layer` gets when every
    other value is act_bits = 8 and every weight 8 bits
    (wide_activation_levels)."""
    users = {}
    for n in graph.nodes:
        for i in n.inputs:
            users.setdefault(i, []).append(n)
    producer = {n.output: n for n in graph.nodes}
    point = activation_point(graph, layer, users)
    return wide_activation_levels(graph, point, lambda p: 16 if p == point else 8, {}, users, producer)


def _act_qparams(lo, hi, bits, signed, symmetric, levels=None):
    """qparams_from_range, with the codes limited to `levels` + 1 values
    (qmax - qmin = levels) when that is fewer than 2^bits."""
    if levels is None or levels >= _levels(bits):
        return qparams_from_range(lo, hi, bits, signed, symmetric)
    lo = np.minimum(np.atleast_1d(np.asarray(lo, dtype=np.float64)), 0.0)
    hi = np.maximum(np.atleast_1d(np.asarray(hi, dtype=np.float64)), 0.0)
    if symmetric:
        levels -= levels % 2
        qmax = levels // 2 if signed else levels
        qmin = -qmax if signed else 0
        amax = np.maximum(-lo, hi)
        scale = np.maximum(amax / (levels / 2.0), EPS)
        zp = np.zeros_like(scale, dtype=np.int64) if signed else np.full(scale.shape, levels // 2)
    else:
        qmin = -((levels + 1) // 2) if signed else 0
        qmax = qmin + levels
        scale = np.maximum((hi - lo) / float(levels), EPS)
        zp = np.clip(qmin - np.rint(lo / scale), qmin, qmax).astype(np.int64)
    scale = scale.astype(np.float32).astype(np.float64)
    return QParams(scale, zp, qmin, qmax, bits, signed, None)


def _weight_qparams(w, bits, axis, per_channel, act_bits, act_levels=None, layer="?"):
    lo, hi = range_minmax(w, axis if per_channel else None)
    qaxis = axis if per_channel else None
    if bits != 16:
        return qparams_from_range(lo, hi, bits, True, True, True, qaxis)
    q = wide_weight_limit(w, axis, act_bits, act_levels)
    if q <= 127:
        raise ValueError("16-bit weights of %s: its input activation (%d levels) leaves the i32 "
                         "accumulator room for weight codes up to %d only (K = %d), no more than 8 "
                         "bits" % (layer, act_levels if act_levels is not None else _levels(act_bits),
                                   q, _reduction(w, axis)))
    amax = np.maximum(np.maximum(-np.minimum(np.atleast_1d(lo), 0.0), np.atleast_1d(hi)), 0.0)
    scale = np.maximum(amax / q, EPS).astype(np.float32).astype(np.float64)
    return QParams(scale, np.zeros(scale.shape, dtype=np.int64), -q, q, 16, True, qaxis)


ACTIVATION_OPS = ("add", "avg_pool")  # non-layer outputs activation_bits may name

def calibrate(graph, samples, method="minmax", per_channel_weights=True, act_bits=8,
              act_signed=True, act_symmetric=False, percentile=99.99, rotate="none",
              rotate_block=0, rotate_seed=0, weight_bits=None, activation_bits=None,
              observed=None):
    """A copy of `graph` with qc.fake_quant inserted (see module docs).
    `samples`: a list of input lists (or arrays, for one-input graphs).
    With rotate="hadamard" the copy is rotated first; its attribute
    `rotation_notes` lists the decision for each layer. `weight_bits`:
    {layer (the matmul/conv output name): 4, 8 or 16}, 8 for layers not named
    (qc.mixed_precision chooses it). `activation_bits`: {layer: 4, 8 or
    16}, the width of that layer's output activation (its quantization point:
    `activation_point`), act_bits for the others; a key may also be a graph
    input, the output of an add or average pool (ACTIVATION_OPS) or the
    value a layer norm or softmax reads (calibration_points.nonlinear_inputs).
    `observed`: a dict that keeps the float values seen at the points between
    calls on the same graph and samples (mixed_precision's searches). Any 16-bit activation
    (these, or all with act_bits=16) read by a contraction has its codes
    limited by the i32 accumulator (`wide_activation_levels`)."""
    if method not in METHODS:
        raise ValueError("unknown calibration method '%s' (one of %s)" % (method, ", ".join(METHODS)))
    if rotate not in ROTATIONS:
        raise ValueError("unknown rotation '%s' (one of %s)" % (rotate, ", ".join(ROTATIONS)))
    if not samples:
        raise ValueError("calibration needs at least one sample")
    weight_bits = dict(weight_bits or {})
    for layer, bits in weight_bits.items():
        if bits not in WEIGHT_BITS:
            raise ValueError("weight bits of %s: %r (4, 8 or 16)" % (layer, bits))
    activation_bits = dict(activation_bits or {})
    for layer, bits in activation_bits.items():
        if bits not in WEIGHT_BITS:
            raise ValueError("activation bits of %s: %r (4, 8 or 16)" % (layer, bits))
    notes = []
    if rotate == "hadamard":
        graph, notes = rotation.rotate_hadamard(graph, rotate_block, rotate_seed)
    graph.prune()
    users = {}
    for n in graph.nodes:
        for i in n.inputs:
            users.setdefault(i, []).append(n)

    def rotation_pad(n):
        # The zero pad of an odd K before its online rotations (rotation.py)
        # keeps its input's quantization: 0.0 is the zero point's code
        # exactly, so the pad is no calibration point and the rotation reads
        # the input's codes padded with the zero point (an integer tensor.pad
        # after --qc-fold-fake-quant, docs/Hadamard.md).
        us = users.get(n.output, [])
        return (n.op == "pad" and float(n.attrs["value"]) == 0.0 and
                not np.signbit(n.attrs["value"]) and us and n.output not in graph.outputs and
                all(u.op == "hadamard" for u in us))

    def rotation_reader(n):
        return n.op == "hadamard" or rotation_pad(n)
    quantized_already = {n.inputs[0] for n in graph.nodes if n.op == "fake_quant"}
    quantized_already |= {n.output for n in graph.nodes if n.op == "fake_quant"}
    points = []
    for name in graph.inputs:
        if name not in quantized_already:
            points.append(name)
    for n in graph.nodes:
        if n.op in _KEEPS_PARAMS or n.output in quantized_already or rotation_pad(n):
            continue
        us = users.get(n.output, [])
        if len(us) == 1 and us[0].op in _ABSORBED and us[0].inputs[0] == n.output:
            continue
        points.append(n.output)
    # Collect the values at the points over all samples.
    seen = {p: [] for p in points}
    if observed is not None and all(p in observed for p in points):
        seen = {p: observed[p] for p in points}
        samples = ()
    for s in samples:
        record = {}
        graph.evaluate(s if isinstance(s, (list, tuple, dict)) else [s], record=record)
        for p in points:
            seen[p].append(record[p])
    if observed is not None and samples:
        observed.update(seen)
    # A value that only feeds online rotations is quantized at 16 bits; the
    # other ops reading a value must see act_bits codes (16-bit codes would
    # widen those ops: a 3x3 convolution of i16 codes may overflow its i32
    # sums). A graph input read by other ops too gets a second, 16-bit
    # quantization of its own for the rotations (`shared_inputs`); an inner
    # value is quantized at 16 bits and requantized to act_bits for its
    # other readers (`shared_inner`; the fold makes that a qc.requantize
    # i16 -> i8, so its producer computes it once, at 16 bits).
    wide, shared_inputs, shared_inner = set(), {}, {}
    producer = {n.output: n for n in graph.nodes}
    point_set = set(points)
    # The value a rotation reads: a padded rotation reads the pad's input.
    rotated = sorted({producer[v].inputs[0] if v in producer and rotation_pad(producer[v]) else v
                      for v in rotation.hadamard_inputs(graph)})
    for v in rotated:
        ok = all(rotation_reader(u) for u in users.get(v, [])) and v not in graph.outputs
        if not ok and v in graph.inputs:
            shared_inputs[v] = None
        elif not ok and v in point_set and v not in graph.outputs:
            shared_inner[v] = None
            wide.add(v)
        while ok and v in producer and producer[v].op in _KEEPS_PARAMS:
            v = producer[v].inputs[0]
            ok = len(users.get(v, [])) == 1 and v not in graph.outputs
        if ok:
            wide.add(v)
    # Per-layer activation widths (mixed precision): the layer's output point.
    layer_names = {n.output for n in graph.nodes if _has_weight(graph, n)}
    layer_names |= {n.output for n in graph.nodes if n.op in ACTIVATION_OPS} | set(graph.inputs)
    from .calibration_points import nonlinear_inputs, scale_chain
    nonlinear = set(nonlinear_inputs(graph))
    layer_names |= nonlinear
    point_bits_of = {}
    for layer, bits in activation_bits.items():
        if layer not in layer_names:
            raise ValueError("activation bits for %s: no such layer with a constant weight, graph "
                             "input, add or average pool, nor a layer norm / softmax input" % layer)
        p = activation_point(graph, layer, users)
        if p in wide or p in shared_inner or p not in point_set:
            raise ValueError("activation bits for %s: its output %s is quantized by the rotation "
                             "(16 bits) or not at all" % (layer, p))
        point_bits_of[p] = bits
        if layer in nonlinear:
            for q in scale_chain(graph, p, users, producer)[1:]:
                point_bits_of[q] = bits

    def point_bits(p):
        return ROTATED_INPUT_BITS if p in wide else point_bits_of.get(p, act_bits)
    levels_of = {}
    act = {}
    for p in points:
        x = np.concatenate([v.reshape(-1) for v in seen[p]])
        bits = point_bits(p)
        levels = None
        if bits == 16 and p not in wide:
            levels = wide_activation_levels(graph, p, point_bits, weight_bits, users, producer)
            levels_of[p] = levels
        lo, hi = observe(x, method, None, bits, act_signed, act_symmetric, False, percentile)
        act[p] = _act_qparams(lo, hi, bits, act_signed, act_symmetric, levels)
        if p in shared_inputs:
            bits = ROTATED_INPUT_BITS
            lo, hi = observe(x, method, None, bits, act_signed, act_symmetric, False, percentile)
            shared_inputs[p] = qparams_from_range(lo, hi, bits, act_signed, act_symmetric)
        if p in shared_inner:
            lo, hi = observe(x, method, None, act_bits, act_signed, act_symmetric, False, percentile)
            shared_inner[p] = qparams_from_range(lo, hi, act_bits, act_signed, act_symmetric)
    # Rebuild the graph with the fake quantizations.
    out = Graph(graph.name)
    out.dynamic_batch = graph.dynamic_batch
    out.inputs = list(graph.inputs)
    out.shapes = dict(graph.shapes)
    out.consts = dict(graph.consts)
    out._counter = graph._counter
    rename = {}

    def fq(value, qp, name):
        v = out.fresh("fq")
        out.shapes[v] = out.shapes[value]
        out.nodes.append(Node("fake_quant", [value], v, {"qparams": qp}, name))
        return v

    for p in graph.inputs:
        if p in act:
            rename[p] = fq(p, act[p], "calibration of input %s" % p)
    wide_copy, narrow_copy = {}, {}
    for n in graph.nodes:
        inputs = [rename.get(i, i) for i in n.inputs]
        if rotation_reader(n) and shared_inputs.get(n.inputs[0]) is not None:
            v = n.inputs[0]
            if v not in wide_copy:
                wide_copy[v] = fq(v, shared_inputs[v], "16-bit calibration of input %s for its rotations" % v)
            inputs[0] = wide_copy[v]
        if not rotation_reader(n):
            for k, v in enumerate(n.inputs):
                if v in shared_inner:
                    if v not in narrow_copy:
                        narrow_copy[v] = fq(rename[v], shared_inner[v],
                                            "%d-bit requantization of %s for its other readers" % (act_bits, v))
                    inputs[k] = narrow_copy[v]
        if _has_weight(graph, n) and n.inputs[1] not in quantized_already:
            w = graph.consts[n.inputs[1]]
            src = _source_point(graph, n.inputs[0], producer)
            in_bits = point_bits(src)
            in_levels = levels_of.get(src, _levels(in_bits) if in_bits != act_bits else None)
            qp = _weight_qparams(w, weight_bits.pop(n.output, 8), _weight_axis(n),
                                 per_channel_weights, act_bits, in_levels, n.output)
            inputs[1] = fq(n.inputs[1], qp, "calibration of weight of %s" % n.output)
        out.nodes.append(Node(n.op, inputs, n.output, n.attrs, n.name))
        if n.output in act:
            rename[n.output] = fq(n.output, act[n.output], "calibration of %s" % n.output)
    if weight_bits:
        raise ValueError("weight bits for %s: no such layer with a constant weight" %
                         ", ".join(sorted(weight_bits)))
    out.outputs = [rename.get(o, o) for o in graph.outputs]
    out.rotation_notes = notes
    return out


def main(argv=None):
    from . import mixed_precision_cli as mp_cli
    ap = argparse.ArgumentParser(prog="qc-calibrate",
                                 description="Calibrate a float ONNX model and emit qc MLIR with qc.fake_quant.")
    ap.add_argument("model", help="float .onnx model")
    ap.add_argument("--samples", required=True, action="append",
                    help=".npy of calibration inputs, first axis = samples (repeat for each model input)")
    ap.add_argument("--method", default="minmax", choices=METHODS)
    ap.add_argument("--percentile", type=float, default=99.99)
    ap.add_argument("--per-tensor-weights", action="store_true")
    ap.add_argument("--batch", type=int, default=1, help="batch of the imported function (default 1)")
    ap.add_argument("--rotate", default="none", choices=ROTATIONS,
                    help="rotate the float model before calibrating (docs/Hadamard.md)")
    ap.add_argument("--rotate-block", type=int, default=0,
                    help="Hadamard block (a power of two or m * 2^k with a Paley order m; 0: the largest dividing each layer)")
    ap.add_argument("--rotate-seed", type=int, default=0, help="seed of the random signs")
    mp_cli.add_arguments(ap)
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args(argv)
    from .importers.common import ImportError_
    from .importers.onnx import import_model
    try:
        arrays = [np.load(p) for p in args.samples]
        graph = import_model(args.model, batch=args.batch)
        if len(arrays) != len(graph.inputs):
            raise ValueError("the model has %d inputs, %d --samples given" % (len(graph.inputs), len(arrays)))
        n = arrays[0].shape[0]
        b = args.batch
        samples = [[a[i:i + b] for a in arrays] for i in range(0, n - b + 1, b)]
        if not samples:
            raise ValueError("fewer samples (%d) than the batch (%d)" % (n, b))
        common = dict(method=args.method, per_channel_weights=not args.per_tensor_weights,
                      percentile=args.percentile, rotate=args.rotate,
                      rotate_block=args.rotate_block, rotate_seed=args.rotate_seed)
        bits = act_bits = None
        if args.mixed_precision:
            bits, act_bits, samples = mp_cli.choose(graph, samples, args, common)
        elif mp_cli.used(args):
            raise ValueError("%s go with --mixed-precision" % mp_cli.OPTIONS)
        calibrated = calibrate(graph, samples, weight_bits=bits, activation_bits=act_bits, **common)
        for note in calibrated.rotation_notes:
            print("qc-calibrate: rotate: %s" % note, file=sys.stderr)
        text = calibrated.to_mlir()
    except (ImportError_, GraphError, ValueError, OSError) as e:
        print("qc-calibrate: error: %s" % e, file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
