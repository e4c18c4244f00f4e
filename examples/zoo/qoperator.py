"""QDQ -> ONNX QOperator form, built with onnx.helper (no tool here writes it).

Like ONNX Runtime's static quantizer with QuantFormat.QOperator: a float node
whose inputs all come from DequantizeLinear and whose output goes to one
QuantizeLinear becomes its QLinear operator on the integer codes:

  Conv               QLinearConv (int8 weights, int32 bias = round(b / (s_x s_w)))
  MatMul             QLinearMatMul (activation x activation, or constant weights)
  Add, Mul           QLinearAdd, QLinearMul (com.microsoft)
  GlobalAveragePool  QLinearGlobalAveragePool (com.microsoft)
  Concat             QLinearConcat (com.microsoft)
  Sigmoid            QLinearSigmoid (com.microsoft)
  MaxPool, Reshape, Flatten, Transpose with equal input and output parameters:
                     the same operator on the codes

A Relu between the node and its QuantizeLinear is dropped when the output
zero point is the lowest code (the quantization clamps at 0 already), as
ORT does. Everything else (Gemm, Softmax, LayerNorm, GELU, a MatMul with a
bias add before its QuantizeLinear, ...) stays in QDQ form, as ORT leaves ops
it has no QLinear kernel for: the result is a mixed model, like ORT's.
Quantization parameters stay the 1-element tensors torch writes; ORT 1.30
needs scalars for some operators (tools/ort/ort.py ort_compatible).
"""
import numpy as np

MS = "com.microsoft"
QLINEAR = {"Conv": ("QLinearConv", ""), "MatMul": ("QLinearMatMul", ""), "Add": ("QLinearAdd", MS),
           "Mul": ("QLinearMul", MS), "GlobalAveragePool": ("QLinearGlobalAveragePool", MS),
           "Concat": ("QLinearConcat", MS), "Sigmoid": ("QLinearSigmoid", MS)}
ON_CODES = {"MaxPool", "Reshape", "Flatten", "Transpose"}


def to_qoperator(model):
    import onnx
    from onnx import helper, numpy_helper
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    const = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == "Constant":
            const[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
        elif n.op_type == "Identity" and n.input[0] in const:
            const[n.output[0]] = const[n.input[0]]
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    outputs = {o.name for o in g.output}
    new_inits, removed, replaced = [], set(), {}
    counter = [0]

    def fresh(array, hint):
        counter[0] += 1
        name = "qop_%s_%d" % (hint, counter[0])
        new_inits.append(numpy_helper.from_array(array, name))
        return name

    def dq_input(name):
        """(codes, scale, zero point, DQ node) of a DequantizeLinear output;
        weights quantized by Q -> DQ of a float constant become int8 codes."""
        dq = producer.get(name)
        if dq is None or dq.op_type != "DequantizeLinear":
            return None
        codes, s, z = dq.input[0], dq.input[1], dq.input[2]
        q = producer.get(codes)
        if q is not None and q.op_type == "QuantizeLinear" and q.input[0] in const:
            w, sc, zp = const[q.input[0]], const[s], const[z]
            axis = next((helper.get_attribute_value(a) for a in q.attribute if a.name == "axis"), 1)
            shape = [1] * w.ndim
            if sc.size > 1:
                shape[axis] = -1
            info = np.iinfo(zp.dtype)
            c = np.clip(np.rint(w / sc.astype(np.float32).reshape(shape)).astype(np.int64)
                        + zp.astype(np.int64).reshape(shape), info.min, info.max).astype(zp.dtype)
            codes = fresh(c, "w")
        return codes, s, z, dq

    def output_q(node):
        """The QuantizeLinear that alone reads node's output (through a Relu
        that the quantization makes redundant), and the nodes to drop."""
        out = node.output[0]
        users = consumers.get(out, [])
        if out in outputs or len(users) != 1:
            return None
        drop = []
        if users[0].op_type == "Relu":
            drop.append(users[0])
            users = consumers.get(users[0].output[0], [])
            if len(users) != 1 or drop[0].output[0] in outputs:
                return None
        q = users[0]
        if q.op_type != "QuantizeLinear" or len(q.input) < 3:
            return None
        if drop:
            zp = const.get(q.input[2])
            if zp is None or int(zp.reshape(-1)[0]) != np.iinfo(zp.dtype).min:
                return None
        return q, drop

    for node in list(g.node):
        kind = node.op_type
        if kind not in QLINEAR and kind not in ON_CODES:
            continue
        data = [i for i in node.input if i][:2 if kind in ("Conv", "MatMul", "Add", "Mul") else None]
        if kind == "Conv":
            data = node.input[:2]
        if kind in ON_CODES:
            data = node.input[:1]
        ins = [dq_input(i) for i in data]
        oq = output_q(node)
        if any(i is None for i in ins) or oq is None:
            continue
        q, drop = oq
        if kind in ON_CODES:
            x = ins[0]
            if not (np.array_equal(const.get(x[1]), const.get(q.input[1])) and
                    np.array_equal(const.get(x[2]), const.get(q.input[2]))) or drop:
                continue
            new = helper.make_node(kind, [x[0]] + list(node.input[1:]), [q.output[0]], name=node.name + "_codes")
            new.attribute.extend(node.attribute)
        elif kind == "Conv":
            (x, xs, xz, _), (w, ws, wz, _) = ins
            inputs = [x, xs, xz, w, ws, wz, q.input[1], q.input[2]]
            if len(node.input) > 2 and node.input[2]:
                if node.input[2] not in const:
                    continue
                scale = const[xs].astype(np.float64).reshape(-1)[0] * const[ws].astype(np.float64).reshape(-1)
                inputs.append(fresh(np.rint(const[node.input[2]] / scale).astype(np.int32), "bias"))
            new = helper.make_node("QLinearConv", inputs, [q.output[0]], name=node.name + "_qlinear")
            new.attribute.extend(node.attribute)
        elif kind in ("MatMul", "Add", "Mul"):
            (a, as_, az, _), (b, bs, bz, _) = ins
            op, domain = QLINEAR[kind]
            new = helper.make_node(op, [a, as_, az, b, bs, bz, q.input[1], q.input[2]], [q.output[0]],
                                   name=node.name + "_qlinear", domain=domain)
        elif kind == "Concat":
            inputs = [q.input[1], q.input[2]]
            for x, xs, xz, _ in ins:
                inputs += [x, xs, xz]
            new = helper.make_node("QLinearConcat", inputs, [q.output[0]], name=node.name + "_qlinear", domain=MS)
            new.attribute.extend(node.attribute)
        else:
            (x, xs, xz, _), = ins
            op, domain = QLINEAR[kind]
            new = helper.make_node(op, [x, xs, xz, q.input[1], q.input[2]], [q.output[0]],
                                   name=node.name + "_qlinear", domain=domain)
        replaced[id(q)] = new
        removed.update(id(n) for n in [node] + drop)
    kept = [replaced.get(id(n), n) for n in g.node if id(n) not in removed]
    # Drop DequantizeLinear (and weight QuantizeLinear) nodes nobody reads any more.
    while True:
        used = {i for n in kept for i in n.input} | outputs
        keep = [n for n in kept if n.op_type not in ("DequantizeLinear", "QuantizeLinear", "Constant", "Identity")
                or any(o in used for o in n.output)]
        if len(keep) == len(kept):
            break
        kept = keep
    del g.node[:]
    g.node.extend(kept)
    g.initializer.extend(new_inits)
    if not any(o.domain == MS for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS, 1))
    return model
