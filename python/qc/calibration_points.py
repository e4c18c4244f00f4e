"""Layer norm and softmax inputs as activation-width points (calibrate's
`activation_bits`, mixed precision's rows: docs/MixedPrecision.md, "Layer
norm and softmax inputs")."""
from .calibration import _source_point

NONLINEAR_OPS = ("layer_norm", "softmax")  # whose input points activation_bits may name


def scale_chain(graph, point, users, producer):
    """`point` and the points before it that reach it only through a
    division or multiplication by a scalar constant (attention's Q K^T /
    sqrt(d) before its softmax): an exact rescaling of 8-bit codes keeps
    their step, so the width of a softmax input is that of the whole chain."""
    chain = [point]
    v = point
    while v in producer and producer[v].op in ("div", "mul") and len(producer[v].inputs) == 2:
        n = producer[v]
        c = graph.consts.get(n.inputs[1])
        if c is None or c.size != 1:
            break
        src = _source_point(graph, n.inputs[0], producer)
        if src != n.inputs[0] or len(users.get(src, [])) != 1 or src in graph.outputs:
            break
        chain.append(src)
        v = src
    return chain


def nonlinear_inputs(graph):
    """The quantization points read by layer norms and softmax (through
    transposes and reshapes), in graph order, each once: activation_bits
    may name them (the lowering takes 4-, 8- and 16-bit inputs there)."""
    producer = {n.output: n for n in graph.nodes}
    found = []
    for n in graph.nodes:
        if n.op in NONLINEAR_OPS:
            p = _source_point(graph, n.inputs[0], producer)
            if p not in found:
                found.append(p)
    return found
