"""The MLIR text of a `qc.graph.Graph` (`Graph.to_mlir`).

One func.func, float at its boundary: the core ops' forms are written here
(graph.py's docstring lists them), the others by their `OpDef.emit`
(graph_ops.py, graph_quant.py and the modules it gathers) through a
`graph_ops.Emitter`.
"""
import numpy as np

from . import graph_ops
from . import graph_quant
from . import mlir
from .graph_core import pool_counts
from .graph_types import GraphError


def _reassociation(src, dst):
    """Groups of consecutive src dims whose products are the dst dims."""
    groups, i = [], 0
    for d in dst:
        group, prod = [], 1
        while i < len(src):
            group.append(i)
            prod *= src[i]
            i += 1
            if prod >= d:
                break
        if prod != d or not group:
            return None
        groups.append(group)
    while i < len(src):
        if src[i] != 1 or not groups:
            return None
        groups[-1].append(i)
        i += 1
    return groups


def to_mlir(graph, batched, codes):
    """`graph` (pruned) as MLIR text. `batched`: the values whose leading
    dimension is `?`; `codes`: the fake_quant results written as the codes
    of their constant input (value -> i8 array)."""
    tt = lambda shape, dyn=False: mlir.tensor_type(shape, dynamic_batch=dyn)
    ssa = {}
    args = []
    for i, name in enumerate(graph.inputs):
        ssa[name] = "%%arg%d" % i
        args.append((ssa[name], graph.value_type(name, name in batched)))
    fw = mlir.FunctionWriter(graph.name, args,
                             [graph.value_type(o, o in batched) for o in graph.outputs])
    T = lambda v: tt(graph.shapes[v], v in batched)
    batch = None
    if batched:
        fw.emit_top("%c0_index = arith.constant 0 : index")
        fw.emit_top("%%batch = tensor.dim %s, %%c0_index : %s" % (args[0][0], args[0][1]))
        batch = "%batch"
    scalars = {}

    def scalar(value):
        key = float(np.float32(value))
        if key not in scalars:
            s = fw.fresh("c")
            fw.emit_top("%s = arith.constant %s : f32" % (s, mlir.format_f32_scalar(value)))
            scalars[key] = s
        return scalars[key]

    # `codes` replace their constants.
    used_consts = {i for n in graph.nodes if n.output not in codes for i in n.inputs if i in graph.consts}
    used_consts |= {o for o in graph.outputs if o in graph.consts}
    for name in sorted(used_consts, key=lambda s: int(s.rsplit("_", 1)[1])):
        ssa[name] = fw.fresh("cst")
        fw.emit("%s = arith.constant %s" % (ssa[name], mlir.dense_attr(graph.consts[name])))

    def empty(shape, dyn=False):
        e = fw.fresh("e")
        fw.emit("%s = tensor.empty(%s) : %s" % (e, batch if dyn else "", tt(shape, dyn)))
        return e

    def fill(shape, value, dyn=False):
        e = empty(shape, dyn)
        f = fw.fresh("init")
        t = tt(shape, dyn)
        fw.emit("%s = linalg.fill ins(%s : f32) outs(%s : %s) -> %s" % (f, scalar(value), e, t, t))
        return f

    def pad(x, shape, pads, value, dyn=False):
        pt, pb, pl, pr = pads
        if not any(pads):
            return x, shape
        n, h, w, c = shape
        pshape = (n, h + pt + pb, w + pl + pr, c)
        p = fw.fresh("pad")
        fw.emit("%s = tensor.pad %s low[0, %d, %d, 0] high[0, %d, %d, 0] {" % (p, x, pt, pl, pb, pr))
        fw.emit("^bb0(%i0: index, %i1: index, %i2: index, %i3: index):")
        fw.emit("  tensor.yield %s : f32" % scalar(value))
        fw.emit("} : %s to %s" % (tt(shape, dyn), tt(pshape, dyn)))
        return p, pshape

    def generic(out_shape, ins, maps, body, dyn=False, extra=""):
        """body(arg_names) -> list of lines, last value yielded; `extra`:
        more attributes of the op."""
        rank = len(out_shape)
        e = empty(out_shape, dyn)
        y = fw.fresh("g")
        ot = tt(out_shape, dyn)
        amaps = ", ".join([mlir.affine_map(rank, m) for m in maps] +
                          [mlir.affine_map(rank, list(range(rank)))])
        iters = ", ".join(['"parallel"'] * rank)
        fw.emit("%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]%s}" % (
            y, amaps, iters, ", " + extra if extra else ""))
        fw.emit("    ins(%s : %s) outs(%s : %s) {" % (", ".join(v for v, _ in ins),
                                                   ", ".join(t for _, t in ins), e, ot))
        bargs = ["%%b%d" % i for i in range(len(ins))]
        fw.emit("^bb0(%s, %%out: f32):" % ", ".join("%s: f32" % b for b in bargs))
        lines, result = body(bargs)
        for line in lines:
            fw.emit("  " + line)
        fw.emit("  linalg.yield %s : f32" % result)
        fw.emit("} -> %s" % ot)
        return y

    def broadcast_map(shape, out_shape):
        off = len(out_shape) - len(shape)
        return ["0" if (shape[i] == 1 and out_shape[off + i] != 1) else off + i
                for i in range(len(shape))]

    em = graph_ops.Emitter(fw, graph.shapes, scalar, empty, fill, generic, broadcast_map, batched)
    for node in graph.nodes:
        a = node.attrs
        ins = [ssa.get(i) for i in node.inputs]
        out_shape = graph.shapes[node.output]
        ot = T(node.output)
        dyn = node.output in batched
        y = None
        if node.op == "fake_quant" and node.output in codes:
            qt = mlir.tensor_type(out_shape, a["qparams"].mlir_type())
            c, q, y = fw.fresh("cst"), fw.fresh("q"), fw.fresh("fq")
            fw.emit("%s = arith.constant %s" % (c, mlir.dense_attr(codes[node.output])))
            fw.emit("%s = quant.scast %s : %s to %s" % (q, c, mlir.tensor_type(out_shape, "i8"), qt))
            fw.emit("%s = quant.dcast %s : %s to %s" % (y, q, qt, ot))
        elif node.op == "fake_quant":
            y = fw.fresh("fq")
            fw.emit("%s = qc.fake_quant %s to %s : %s" % (y, ins[0], a["qparams"].mlir_type(), ot))
        elif node.op == "matmul":
            init = fill(out_shape, 0.0, dyn)
            y = fw.fresh("mm")
            fw.emit("%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
                y, ins[0], ins[1], T(node.inputs[0]), T(node.inputs[1]), init, ot, ot))
        elif node.op in ("conv2d", "depthwise_conv2d"):
            x, xshape = pad(ins[0], graph.shapes[node.inputs[0]], a["pads"], 0.0, dyn)
            init = fill(out_shape, 0.0, dyn)
            y = fw.fresh("conv")
            name = "conv_2d_nhwc_hwcf" if node.op == "conv2d" else "depthwise_conv_2d_nhwc_hwc"
            fw.emit("%s = linalg.%s {dilations = dense<[%d, %d]> : tensor<2xi64>, "
                    "strides = dense<[%d, %d]> : tensor<2xi64>}" % ((y, name) + tuple(a["dilations"]) +
                                                                   tuple(a["strides"])))
            fw.emit("    ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
                x, ins[1], tt(xshape, dyn), T(node.inputs[1]), init, ot, ot))
        elif node.op == "bias_add":
            rank = len(out_shape)
            y = generic(out_shape, [(ins[0], ot), (ins[1], T(node.inputs[1]))],
                        [list(range(rank)), [rank - 1]],
                        lambda b: (["%%s0 = arith.addf %s, %s : f32" % (b[0], b[1])], "%s0"), dyn)
        elif node.op in ("add", "mul"):
            fn = "arith.addf" if node.op == "add" else "arith.mulf"
            s0, s1 = graph.shapes[node.inputs[0]], graph.shapes[node.inputs[1]]
            y = generic(out_shape, [(ins[0], T(node.inputs[0])), (ins[1], T(node.inputs[1]))],
                        [broadcast_map(s0, out_shape), broadcast_map(s1, out_shape)],
                        lambda b: (["%%s0 = %s %s, %s : f32" % (fn, b[0], b[1])], "%s0"), dyn)
        elif node.op == "clamp":
            lo = scalar(a["lo"]) if a["lo"] > -np.inf else None
            hi = scalar(a["hi"]) if a["hi"] < np.inf else None

            def body(b, lo=lo, hi=hi):
                lines, cur = [], b[0]
                if lo is not None:
                    lines.append("%%s0 = arith.maximumf %s, %s : f32" % (cur, lo))
                    cur = "%s0"
                if hi is not None:
                    lines.append("%%s1 = arith.minimumf %s, %s : f32" % (cur, hi))
                    cur = "%s1"
                return lines, cur
            y = generic(out_shape, [(ins[0], ot)], [list(range(len(out_shape)))], body, dyn)
        elif node.op in ("max_pool", "avg_pool"):
            is_max = node.op == "max_pool"
            neg_inf = -np.inf
            x, xshape = pad(ins[0], graph.shapes[node.inputs[0]], a["pads"],
                            neg_inf if is_max else 0.0, dyn)
            init = fill(out_shape, neg_inf if is_max else 0.0, dyn)
            kh, kw = a["kernel"]
            k = empty((kh, kw))
            y = fw.fresh("pool")
            fw.emit("%s = linalg.pooling_nhwc_%s {dilations = dense<1> : tensor<2xi64>, "
                    "strides = dense<[%d, %d]> : tensor<2xi64>}" % ((y, "max" if is_max else "sum") +
                                                                   tuple(a["strides"])))
            fw.emit("    ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
                x, k, tt(xshape, dyn), mlir.tensor_type((kh, kw)), init, ot, ot))
            if not is_max:
                counts = pool_counts(graph.shapes[node.inputs[0]], a["kernel"], a["strides"],
                                     a["pads"], a.get("count_include_pad", False))
                cnt = fw.fresh("cnt")
                fw.emit("%s = arith.constant %s" % (cnt, mlir.dense_attr(counts)))
                y = generic(out_shape, [(y, ot), (cnt, mlir.tensor_type(counts.shape))],
                            [[0, 1, 2, 3], [1, 2]],
                            lambda b: (["%%s0 = arith.divf %s, %s : f32" % (b[0], b[1])], "%s0"), dyn,
                            # How the fold's integer average rounds ties.
                            "qc.rounding = #qc.rounding<%s>" % a["rounding"] if a.get("rounding") else "")
        elif node.op == "transpose":
            e = empty(out_shape, dyn)
            y = fw.fresh("tr")
            fw.emit("%s = linalg.transpose ins(%s : %s) outs(%s : %s) permutation = [%s]" % (
                y, ins[0], T(node.inputs[0]), e, ot, ", ".join(str(p) for p in a["perm"])))
        elif node.op == "reshape":
            src = graph.shapes[node.inputs[0]]
            y = fw.fresh("rs")
            if src == out_shape:
                ssa[node.output] = ins[0]
                continue
            groups = _reassociation(src, out_shape) if len(out_shape) < len(src) else None
            egroups = _reassociation(out_shape, src) if len(out_shape) > len(src) else None
            fmt = lambda g: "[" + ", ".join("[" + ", ".join(str(i) for i in grp) + "]" for grp in g) + "]"
            if dyn and not (groups or egroups or [[1]])[0] == [0]:
                raise GraphError("reshape%s: %s -> %s with a dynamic batch keeps the batch "
                                 "dimension apart" % (" (%s)" % node.name if node.name else "",
                                                      src, out_shape))
            if groups is not None:
                fw.emit("%s = tensor.collapse_shape %s %s : %s into %s" % (
                    y, ins[0], fmt(groups), T(node.inputs[0]), ot))
            elif egroups is not None:
                fw.emit("%s = tensor.expand_shape %s %s output_shape [%s] : %s into %s" % (
                    y, ins[0], fmt(egroups),
                    ", ".join(batch if dyn and i == 0 else str(d) for i, d in enumerate(out_shape)),
                    T(node.inputs[0]), ot))
            elif dyn:
                raise GraphError("reshape%s: %s -> %s is not a collapse or expansion of "
                                 "dimensions, which a dynamic batch needs" % (
                                     " (%s)" % node.name if node.name else "", src, out_shape))
            else:
                sh = fw.fresh("shape")
                fw.emit("%s = arith.constant %s" % (sh, mlir.dense_attr(np.array(out_shape, dtype=np.int64))))
                fw.emit("%s = tensor.reshape %s(%s) : (%s, tensor<%dxi64>) -> %s" % (
                    y, ins[0], sh, T(node.inputs[0]), len(out_shape), ot))
        elif node.op == "concat":
            y = fw.fresh("cat")
            fw.emit("%s = tensor.concat dim(%d) %s : (%s) -> %s" % (
                y, a["axis"], ", ".join(ins), ", ".join(T(i) for i in node.inputs), ot))
        elif node.op in graph_ops.OPS:
            y = graph_ops.OPS[node.op].emit(em, node, ins)
        elif node.op in graph_quant.OPS:
            y = graph_quant.OPS[node.op].emit(em, node, ins)
        else:
            raise GraphError("cannot emit %s" % node.op)
        ssa[node.output] = y
    body = fw.text([ssa[o] for o in graph.outputs])
    return mlir.module([body])
