"""Hadamard rotation of a float qc.graph.Graph before calibration
(`qc.calibration --rotate=hadamard`, docs/Hadamard.md).

    from qc import rotation
    rotated, notes = rotation.rotate_hadamard(float_graph, block=0, seed=0)

The python form of `--qc-hadamard-rotate`: for every `matmul` (or
`batch_matmul` of an activation by a 2-D weight, as a transformer's linear
layers import) with a constant weight W [K, N] and every 1x1 `conv2d`
(weight [1, 1, C, F], C taken as K) it picks the orthogonal Q = (I (x) H_b / sqrt(b)) D of
qc.hadamard (b: `block`, or the largest Hadamard size dividing K, K itself
when it is a power of two or m * 2^k with a Paley order m; D: random
signs) and

  * replaces W by Q W (computed in double, rounded once to f32), and
  * puts a `hadamard` node (Q x along the last axis) on the layer's input,
    unless that input is the result of such a (batch_)matmul with a
    constant weight and no other user (`fold_producers`): then that weight's columns absorb
    the rotation (W1 -> W1 Q^T) and nothing runs online.

A K that no supported block divides (an odd K) is zero-padded to the
smallest supported block K' >= K, as the pass does: x W = [x, 0] [W; 0], the
weight becomes Q [W; 0] ([K', N]; a 1x1 filter [1, 1, K', F]) and a `pad`
node (zeros on the last axis) precedes the online `hadamard`; a producer
never absorbs such a rotation (it would need K' outputs).

The float function is unchanged (x W = (Q x)^T (Q W)); the rotated input
spreads outlier channels over whole blocks, so its per-tensor scale gets
finer. The signs come from numpy's default_rng(seed), one draw of K (K')
signs per layer in graph order: the same rule as the qc-opt pass, not its generator.
"""
import numpy as np

from .reference import hadamard_dense_order, hadamard_matrix, largest_hadamard_block


def _block_for(k, block):
    if block:
        return block if k % block == 0 else None
    b = largest_hadamard_block(k)
    return b if b >= 2 else None


def _smallest_block_at_least(k):
    """The size an odd reduction dimension k is zero-padded to."""
    b = k
    while not hadamard_dense_order(b):
        b += 1
    return b


def _q(k, b, signs):
    """The dense [k, k] matrix Q in double."""
    h = hadamard_matrix(b).astype(np.float64) / np.sqrt(b)
    return np.kron(np.eye(k // b), h) * signs[None, :]


def _copy(graph):
    from .graph import Graph
    out = Graph(graph.name)
    out.dynamic_batch = graph.dynamic_batch
    out.inputs, out.outputs = list(graph.inputs), list(graph.outputs)
    out.shapes, out.consts, out.qtypes = dict(graph.shapes), dict(graph.consts), dict(graph.qtypes)
    out._counter = graph._counter
    return out


def rotate_hadamard(graph, block=0, seed=0, randomize=True, fold_producers=True):
    """A rotated copy of `graph` and the list of decisions (one line per
    layer). ValueError for a `block` that is not a Hadamard size or that
    does not divide a layer's K, and for an already quantized graph."""
    if block and not hadamard_dense_order(block):
        raise ValueError("--rotate-block=%d: the Hadamard block must be a power of two >= 2 or "
                         "m * 2^k with a Paley order m (12, 20, 24, 44, ...)" % block)
    if any(n.op in ("fake_quant", "quantize") for n in graph.nodes) or graph.qtypes:
        raise ValueError("rotate=hadamard: the graph is already quantized; rotate the float model "
                         "before calibrating it")
    graph.prune()
    out = _copy(graph)
    rng = np.random.default_rng(seed)
    users = {}
    for n in graph.nodes:
        for i in n.inputs:
            users.setdefault(i, []).append(n)
    producer = {n.output: n for n in graph.nodes}
    weights = {}   # node output -> its new weight array
    online = {}    # node output -> (block, negate) of the hadamard on its input
    notes = []
    def linear(node):
        return (node.op in ("matmul", "batch_matmul") and len(node.inputs) > 1
                and node.inputs[1] in graph.consts and graph.consts[node.inputs[1]].ndim == 2)

    for n in graph.nodes:
        w_name = n.inputs[1] if len(n.inputs) > 1 else None
        if not (linear(n) or (n.op == "conv2d" and w_name in graph.consts)):
            continue
        w = graph.consts[w_name].astype(np.float64)
        if n.op == "conv2d" and w.shape[:2] != (1, 1):
            notes.append("%s: not rotated: only 1x1 convolutions are linear in their channels alone"
                         % n.output)
            continue
        k = w.shape[-2]
        b = _block_for(k, block)
        if b is None:
            if block:
                raise ValueError("--rotate-block=%d does not divide the reduction dimension %d of %s"
                                 % (block, k, n.output))
            if k < 2:
                notes.append("%s: not rotated: the reduction dimension has size %d" % (n.output, k))
                continue
            b = _smallest_block_at_least(k)
        kp = max(k, b)
        signs = np.where(rng.random(kp) < 0.5, -1.0, 1.0) if randomize else np.ones(kp)
        q = _q(kp, b, signs)
        w = weights.get(n.output, w)
        if kp != k:
            w = np.concatenate([w, np.zeros(w.shape[:-2] + (kp - k, w.shape[-1]))], axis=-2)
        weights[n.output] = np.einsum("ij,...jn->...in", q, w)
        x = n.inputs[0]
        p = producer.get(x)
        flipped = int(np.sum(signs < 0))
        padded = "" if kp == k else " zero-padded to %d and" % kp
        if (fold_producers and kp == k and p is not None and linear(p)
                and len(users.get(x, [])) == 1 and x not in graph.outputs):
            w1 = weights.get(p.output, graph.consts[p.inputs[1]].astype(np.float64))
            weights[p.output] = w1 @ q.T
            notes.append("%s: reduction dimension %d rotated in blocks of %d (%d signs flipped); the "
                         "producer's output channels absorb the rotation" % (n.output, k, b, flipped))
        else:
            online[n.output] = (b, [bool(s < 0) for s in signs], kp - k)
            notes.append("%s: reduction dimension %d%s rotated in blocks of %d (%d signs flipped); "
                         "online hadamard on the input" % (n.output, k, padded, b, flipped))
    from .graph import Node
    for n in graph.nodes:
        inputs = list(n.inputs)
        if n.output in weights:
            inputs[1] = out.add_const(weights[n.output].astype(np.float32), "rot_w")
        if n.output in online:
            b, negate, extra = online[n.output]
            if extra:
                # [x, 0] along the channels (the last axis of a matmul's
                # [.., K] and of a convolution's NHWC input)
                shape = out.shapes[inputs[0]]
                pd = out.fresh("pad")
                out.shapes[pd] = tuple(shape[:-1]) + (shape[-1] + extra,)
                out.nodes.append(Node("pad", [inputs[0]], pd,
                                      {"pads": [(0, 0)] * (len(shape) - 1) + [(0, extra)],
                                       "value": 0.0},
                                      "zero padding of the input of %s" % n.output))
                inputs[0] = pd
            h = out.fresh("hadamard")
            out.shapes[h] = out.shapes[inputs[0]]
            out.nodes.append(Node("hadamard", [inputs[0]], h, {"block": b, "negate": negate},
                                  "rotation of the input of %s" % n.output))
            inputs[0] = h
        out.nodes.append(Node(n.op, inputs, n.output, n.attrs, n.name))
    out.prune()
    return out, notes


def hadamard_inputs(graph):
    """The values that feed a `hadamard` node (calibration quantizes them at
    16 bits: the rotation is what makes 8 bits enough)."""
    return {n.inputs[0] for n in graph.nodes if n.op == "hadamard"}
