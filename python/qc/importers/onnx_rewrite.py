"""Rewrites of an ONNX graph before import: decompositions back into the ops
they came from, and BatchNormalization folded into the convolution before it.

Exporters write some operators as several nodes; the importer wants the one
op (the graph op the fold has an integer form for):

  LayerNormalization  ReduceMean(x) -> Sub -> Pow 2 -> ReduceMean -> Add eps
                      -> Sqrt -> Div -> Mul gamma -> Add beta (torch, opset < 17),
                      over the last axis
  Gelu (ai.qc)        x * (Erf(x / sqrt 2) + 1) * 0.5 in the orders torch writes
  HardSwish           Mul(x, HardSigmoid(x; alpha 1/6, beta 1/2)) (torch's
                      hardswish below opset 14)

BatchNormalization after Conv, directly or through a Div/Mul by a per-channel
constant (QAT ConvBn: Conv -> Div(scale factor) -> BatchNormalization), is
folded at import: y = conv(x, W) * m + b' with m = gamma / sqrt(var + eps) / d.
The per-channel factor m goes into the weight *scale* of a quantized weight
(the integer codes stay what the model quantized; the per-tensor scale becomes
per-channel), or into the weights of a float weight; the bias becomes
(b / d - mean) * gamma / sqrt(var + eps) + beta. Every node in a matched chain
must have the chain as its only consumer; a factor m <= 0 is left unfolded
(then BatchNormalization is imported as its float multiply-add).
"""
import numpy as np

from .onnx_quant import where
from .onnx_read import read_tensor

QC_DOMAIN = "ai.qc"


class _View:
    """Producers, consumers and constant values of an ONNX graph."""

    def __init__(self, graph):
        self.graph = graph
        self.producer, self.consumers = {}, {}
        self.const = {i.name: read_tensor(i, "initializer '%s'" % i.name) for i in graph.initializer}
        for node in graph.node:
            for o in node.output:
                self.producer[o] = node
            for i in node.input:
                self.consumers.setdefault(i, []).append(node)
            if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
                self.const[node.output[0]] = read_tensor(node.attribute[0].t, "%s: attribute value" % where(node))
            elif node.op_type == "Identity" and node.input[0] in self.const:
                self.const[node.output[0]] = self.const[node.input[0]]
        self.outputs = {o.name for o in graph.output}

    def only_use(self, value, node):
        """`value` is read by `node` alone and is no graph output."""
        return value not in self.outputs and [n is node for n in self.consumers.get(value, [])] == [True]

    def single(self, value):
        users = self.consumers.get(value, [])
        return users[0] if len(users) == 1 and value not in self.outputs else None

    def scalar(self, name):
        v = self.const.get(name)
        return float(v.reshape(-1)[0]) if v is not None and v.size == 1 else None


def _attr(node, name, default=None):
    from onnx import helper
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _other(node, value):
    """The input of a binary node that is not `value` (None if both are)."""
    a, b = node.input[0], node.input[1]
    return b if a == value else a if b == value else None


def _close(v, want, rtol=1e-6):
    return v is not None and abs(v - want) <= rtol * abs(want)


def _match_layer_norm(v, mean1):
    """ReduceMean(x) ... Add beta, starting at the first ReduceMean."""
    x = mean1.input[0]
    if _attr(mean1, "axes") not in ([-1],) or _attr(mean1, "keepdims", 1) != 1:
        return None
    sub = next((n for n in v.consumers.get(mean1.output[0], []) if n.op_type == "Sub"
                and list(n.input) == [x, mean1.output[0]]), None)
    if sub is None or not v.only_use(mean1.output[0], sub):
        return None
    users = v.consumers.get(sub.output[0], [])
    pow_ = next((n for n in users if n.op_type == "Pow" and _close(v.scalar(n.input[1]), 2.0)), None)
    div = next((n for n in users if n.op_type == "Div" and n.input[0] == sub.output[0]), None)
    if pow_ is None or div is None or len(users) != 2 or sub.output[0] in v.outputs:
        return None
    mean2 = v.single(pow_.output[0])
    if mean2 is None or mean2.op_type != "ReduceMean" or _attr(mean2, "axes") != [-1] \
            or _attr(mean2, "keepdims", 1) != 1:
        return None
    add_eps = v.single(mean2.output[0])
    if add_eps is None or add_eps.op_type != "Add":
        return None
    eps = v.scalar(_other(add_eps, mean2.output[0]))
    sqrt = v.single(add_eps.output[0])
    if eps is None or sqrt is None or sqrt.op_type != "Sqrt" or not v.only_use(sqrt.output[0], div) \
            or div.input[1] != sqrt.output[0]:
        return None
    mul = v.single(div.output[0])
    if mul is None or mul.op_type != "Mul":
        return None
    add = v.single(mul.output[0])
    gamma = v.const.get(_other(mul, div.output[0]))
    if add is None or add.op_type != "Add" or gamma is None:
        return None
    beta = v.const.get(_other(add, mul.output[0]))
    if beta is None or gamma.ndim != 1 or beta.shape != gamma.shape:
        return None
    nodes = [mean1, sub, pow_, mean2, add_eps, sqrt, div, mul, add]
    return nodes, x, gamma, beta, eps, add.output[0]


def _match_gelu(v, erf):
    """Erf-GELU around `erf`: returns (nodes, x, output) or None."""
    div = v.producer.get(erf.input[0])
    if div is None or not v.only_use(div.output[0], erf):
        return None
    if div.op_type == "Div" and _close(v.scalar(div.input[1]), float(np.sqrt(2.0))):
        pass
    elif div.op_type == "Mul" and _close(v.scalar(div.input[1]), float(1 / np.sqrt(2.0))):
        pass
    else:
        return None
    x = div.input[0]
    add = v.single(erf.output[0])
    if add is None or add.op_type != "Add" or not _close(v.scalar(_other(add, erf.output[0])), 1.0):
        return None
    m1 = v.single(add.output[0])
    if m1 is None or m1.op_type != "Mul":
        return None
    other = _other(m1, add.output[0])
    if other == x:               # (x * (erf + 1)) * 0.5
        m2 = v.single(m1.output[0])
        if m2 is None or m2.op_type != "Mul" or not _close(v.scalar(_other(m2, m1.output[0])), 0.5):
            return None
        return [div, erf, add, m1, m2], x, m2.output[0]
    half = v.producer.get(other)  # (x * 0.5) * (erf + 1)
    if half is not None and half.op_type == "Mul" and x in half.input and \
            _close(v.scalar(_other(half, x)), 0.5) and v.only_use(half.output[0], m1):
        return [half, div, erf, add, m1], x, m1.output[0]
    return None


def _match_hardswish(v, hsig):
    x = hsig.input[0]
    if not (_close(_attr(hsig, "alpha", 0.2), 1 / 6.0) and _close(_attr(hsig, "beta", 0.5), 0.5)):
        return None
    mul = v.single(hsig.output[0])
    if mul is None or mul.op_type != "Mul" or _other(mul, hsig.output[0]) != x:
        return None
    return [hsig, mul], x, mul.output[0]


def fuse_decompositions(model):
    """Returns a copy of `model` with the decompositions above fused."""
    import onnx
    from onnx import helper, numpy_helper
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    v = _View(g)
    replace = {}   # id(first node) -> new node; removed node ids
    removed = set()
    for node in g.node:
        if id(node) in removed:
            continue
        found = None
        if node.op_type == "ReduceMean":
            m = _match_layer_norm(v, node)
            if m:
                nodes, x, gamma, beta, eps, out = m
                gname, bname = out + "_qc_gamma", out + "_qc_beta"
                g.initializer.extend([numpy_helper.from_array(gamma.astype(np.float32), gname),
                                      numpy_helper.from_array(beta.astype(np.float32), bname)])
                found = nodes, helper.make_node("LayerNormalization", [x, gname, bname], [out],
                                                name=(node.name or out) + "_qc_layer_norm",
                                                axis=-1, epsilon=float(np.float32(eps)))
        elif node.op_type == "Erf":
            m = _match_gelu(v, node)
            if m:
                nodes, x, out = m
                found = nodes, helper.make_node("Gelu", [x], [out], domain=QC_DOMAIN,
                                                name=(node.name or out) + "_qc_gelu")
        elif node.op_type == "HardSigmoid":
            m = _match_hardswish(v, node)
            if m:
                nodes, x, out = m
                found = nodes, helper.make_node("HardSwish", [x], [out], name=(node.name or out) + "_qc_hardswish")
        if found:
            nodes, new = found
            if any(id(n) in removed for n in nodes):
                continue
            removed.update(id(n) for n in nodes)
            replace[id(nodes[-1])] = new
    if replace:
        kept = []
        for node in g.node:
            if id(node) in replace:
                kept.append(replace[id(node)])
            elif id(node) not in removed:
                kept.append(node)
        del g.node[:]
        g.node.extend(kept)
    return model


def _weight_source(v, name):
    """How a Conv weight is given: ("qat", float W, s, z, axis, nodes) for
    DQ(Q(W)), ("codes", codes, s, z, axis, nodes) for DQ(integer constant),
    ("float", W, None, None, None, []) for a float constant; else None."""
    if name in v.const and v.const[name].dtype.kind == "f":
        return "float", v.const[name], None, None, None, []
    dq = v.producer.get(name)
    if dq is None or dq.op_type != "DequantizeLinear" or len(v.consumers.get(name, [])) != 1:
        return None
    s = v.const.get(dq.input[1])
    z = v.const.get(dq.input[2]) if len(dq.input) > 2 and dq.input[2] else np.zeros(np.shape(s), np.uint8)
    if s is None or z is None:
        return None
    axis = _attr(dq, "axis", 1) if np.size(s) > 1 else None
    src = dq.input[0]
    if src in v.const and v.const[src].dtype in (np.int8, np.uint8):
        return "codes", v.const[src], s, z, axis, [dq]
    q = v.producer.get(src)
    if q is None or q.op_type != "QuantizeLinear" or not v.only_use(src, dq) or q.input[0] not in v.const \
            or list(q.input[1:]) != list(dq.input[1:]) or _attr(q, "axis", 1) != _attr(dq, "axis", 1):
        return None
    w = v.const[q.input[0]].astype(np.float32)
    shape = [1] * w.ndim
    if axis is not None:
        shape[axis] = -1
    info = np.iinfo(z.dtype)
    codes = np.clip(np.rint(w / np.asarray(s, np.float32).reshape(shape)).astype(np.int64)
                    + np.asarray(z).astype(np.int64).reshape(shape), info.min, info.max).astype(z.dtype)
    return "qat", codes, s, z, axis, [q, dq]


def fold_batchnorm(model, copy=True):
    """Returns a copy of `model` with each BatchNormalization after a Conv
    (optionally through Div/Mul by a per-channel constant) folded into it;
    with copy=False, `model` itself rewritten (a model the caller owns: the
    importer's own copy, resnet18-224's 47 MB of weights not copied twice)."""
    import onnx
    from onnx import helper, numpy_helper
    if copy:
        model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    v = _View(g)
    drop, new_inits, replacements = set(), [], {}
    for bn in [n for n in g.node if n.op_type == "BatchNormalization"]:
        if len(bn.output) > 1 and any(bn.output[1:]):
            continue
        gamma, beta, mean, var = (v.const.get(i) for i in bn.input[1:5])
        if any(p is None for p in (gamma, beta, mean, var)):
            continue
        node, d = v.producer.get(bn.input[0]), np.ones(gamma.shape, np.float64)
        chain = []
        if node is not None and node.op_type in ("Div", "Mul") and v.only_use(node.output[0], bn):
            c = v.const.get(node.input[1])
            if c is None or c.size not in (1, gamma.size) or c.ndim > 4 or (
                    c.size > 1 and c.shape[-3:] != (gamma.size, 1, 1) and c.shape != (gamma.size, 1, 1)):
                continue
            c = np.broadcast_to(c.astype(np.float64).reshape(-1), gamma.shape)
            d = c if node.op_type == "Div" else 1.0 / c
            chain.append(node)
            node = v.producer.get(node.input[0])
        if node is None or node.op_type != "Conv" or not v.only_use(node.output[0], chain[0] if chain else bn):
            continue
        src = _weight_source(v, node.input[1])
        if src is None:
            continue
        kind, w, s, z, axis, wnodes = src
        std = np.sqrt(var.astype(np.float64) + float(_attr(bn, "epsilon", 1e-5)))
        m = gamma.astype(np.float64) / std / d
        if w.shape[0] != m.size or not np.all(m > 0) or not np.all(np.isfinite(m)):
            continue
        if kind != "float" and axis not in (None, 0):
            continue
        b = v.const.get(node.input[2]) if len(node.input) > 2 and node.input[2] else np.zeros(m.shape)
        if b is None:
            continue
        bias = (b.astype(np.float64) / d - mean) * (gamma / std) + beta
        base = bn.output[0] + "_qc_bnfold"
        inits = {base + "_bias": bias.astype(np.float32)}
        if kind == "float":
            inits[base + "_w"] = (w.astype(np.float64) * m.reshape((-1,) + (1,) * (w.ndim - 1))).astype(np.float32)
            wname, wnodes_new = base + "_w", []
        else:
            scale = (np.broadcast_to(np.asarray(s, np.float64).reshape(-1), m.shape) * m).astype(np.float32)
            zp = np.broadcast_to(np.asarray(z).reshape(-1), m.shape).astype(z.dtype)
            inits.update({base + "_codes": w, base + "_scale": scale, base + "_zp": zp})
            wname = base + "_wdq"
            wnodes_new = [helper.make_node("DequantizeLinear", [base + "_codes", base + "_scale", base + "_zp"],
                                           [wname], name=wname, axis=0)]
        conv = helper.make_node("Conv", [node.input[0], wname, base + "_bias"], [bn.output[0]],
                                name=(node.name or base) + "_bn_folded")
        conv.attribute.extend(node.attribute)
        new_inits += [numpy_helper.from_array(a, k) for k, a in inits.items()]
        drop.update(id(n) for n in [node, bn] + chain + wnodes)
        replacements[id(bn)] = wnodes_new + [conv]
    if replacements:
        kept = []
        for n in g.node:
            if id(n) in replacements:
                kept.extend(replacements[id(n)])
            elif id(n) not in drop:
                kept.append(n)
        del g.node[:]
        g.node.extend(kept)
        g.initializer.extend(new_inits)
    return model


def quantized_io(model):
    """Returns a copy of `model` whose float inputs that are only quantized
    (QuantizeLinear, all with the same parameters) take the integer codes
    instead, and whose outputs that are DequantizeLinear results return the
    codes: the model's integer core, for integer-only compilation (qc then
    has no float step at its boundary)."""
    import onnx
    from onnx import helper
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    v = _View(g)
    drop, rename = set(), {}
    code_type = lambda zp: onnx.TensorProto.INT8 if zp is not None and zp.dtype == np.int8 else onnx.TensorProto.UINT8
    for inp in g.input:
        users = v.consumers.get(inp.name, [])
        if not users or inp.type.tensor_type.elem_type != onnx.TensorProto.FLOAT or inp.name in v.outputs:
            continue
        params = [(tuple(np.asarray(v.const.get(u.input[1], np.nan)).reshape(-1)),
                   tuple(np.asarray(v.const.get(u.input[2], 0) if len(u.input) > 2 and u.input[2] else 0)
                         .reshape(-1))) for u in users if u.op_type == "QuantizeLinear"]
        if len(params) != len(users) or len(set(params)) != 1 or np.size(params[0][0]) != 1:
            continue
        zp = v.const.get(users[0].input[2]) if len(users[0].input) > 2 and users[0].input[2] else None
        inp.type.tensor_type.elem_type = code_type(zp)
        for u in users:
            drop.add(id(u))
            rename[u.output[0]] = inp.name
    for out in g.output:
        dq = v.producer.get(out.name)
        if dq is None or dq.op_type != "DequantizeLinear" or len(v.consumers.get(dq.input[0], [])) != 1:
            continue
        src = v.producer.get(dq.input[0])
        if src is None:
            continue
        zp = v.const.get(dq.input[2]) if len(dq.input) > 2 and dq.input[2] else None
        src.output[list(src.output).index(dq.input[0])] = out.name
        out.type.tensor_type.elem_type = code_type(zp)
        drop.add(id(dq))
    kept = [n for n in g.node if id(n) not in drop]
    for n in kept:
        for i, name in enumerate(n.input):
            if name in rename:
                n.input[i] = rename[name]
    del g.node[:]
    g.node.extend(kept)
    del g.value_info[:]
    return model
