"""Where qc and ONNX Runtime first differ: the model cut after successive nodes.

  python3 examples/zoo/ort_cut.py build/zoo/mobilenet_v3_small_qoperator.onnx \\
      build/zoo/mobilenet_v3_small_x.npy --build build [--at 2,3,4] [--round-pool-means]
      [--integer-biases]

Candidate cut points are the code tensors (outputs of QLinear* and of
activation QuantizeLinear nodes), in graph order. Each cut
(`onnx.utils.Extractor`: graph input -> that tensor) is imported, folded
(`--qc-fold-fake-quant=profile=single_round`), run with `qc-run` on the CPU
and in ONNX Runtime; one line per cut: differing codes, largest difference.
Without `--at` it walks the cuts in order and stops at the first that differs.

`--round-pool-means` gives ORT a copy in which every GlobalAveragePool that
reads a DequantizeLinear has its float mean rounded to that input's grid
(QuantizeLinear -> DequantizeLinear with the input's parameters), which is
what qc's integer-only fold does with a pool that has no QuantizeLinear of
its own (a pool that feeds a 1x1 Conv now folds with the exact mean, so
this applies to the others). `--integer-biases` gives ORT a copy with every
BatchNormalization folded into its Conv (qc's import rewrite) and every
float Conv/Gemm bias replaced by DequantizeLinear of the i32 codes qc's fold
computes, so ORT runs QLinearConv where the QAT export made it run float
(examples/zoo/README.md). With either, the last line compares the whole
model's outputs.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "python"), os.path.join(ROOT, "tools", "ort"), HERE]


def round_pool_means(model):
    """A copy of `model` whose DQ -> GlobalAveragePool outputs are rounded to the DQ's grid."""
    import onnx
    from onnx import helper
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    producer = {o: n for n in g.node for o in n.output}
    nodes, kept = list(g.node), []
    for n in nodes:
        kept.append(n)
        dq = producer.get(n.input[0]) if n.op_type == "GlobalAveragePool" else None
        if dq is None or dq.op_type != "DequantizeLinear":
            continue
        out, rounded = n.output[0], n.output[0] + "_on_input_grid"
        for user in nodes:
            for i, name in enumerate(user.input):
                if name == out:
                    user.input[i] = rounded
        kept += [helper.make_node("QuantizeLinear", [out, dq.input[1], dq.input[2]], [out + "_codes"]),
                 helper.make_node("DequantizeLinear", [out + "_codes", dq.input[1], dq.input[2]], [rounded])]
    del g.node[:]
    g.node.extend(kept)
    return model


def integer_biases(model):
    """A copy of `model` in which each BatchNormalization is folded into its
    Conv (qc's import rewrite) and each float Conv/Gemm bias whose input and
    weight are dequantized is replaced by DequantizeLinear of the i32 codes
    qc's fold gives it: round half to even of b / (s_x * s_w[c]) in double
    (docs/FoldFakeQuant.md, *Bias*). ORT then fuses DQ -> Conv -> Q into its
    integer QLinearConv, which is what qc runs."""
    from onnx import helper
    from onnx import numpy_helper as nh
    from qc.importers.onnx_rewrite import fold_batchnorm
    model = fold_batchnorm(model)
    g = model.graph
    const = {i.name: nh.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == "Constant":
            const[n.output[0]] = nh.to_array(n.attribute[0].t)
    producer = {o: n for n in g.node for o in n.output}

    def dq_of(name):   # the DequantizeLinear that gives the contraction's input scale
        n = producer.get(name)
        while n is not None and n.op_type in ("MaxPool", "Flatten", "Reshape", "Relu"):
            n = producer.get(n.input[0])
        return n if n is not None and n.op_type == "DequantizeLinear" else None
    new_nodes, inits = [], []
    for n in g.node:
        if n.op_type in ("Conv", "Gemm") and len(n.input) > 2 and n.input[2] in const:
            dx, dw = dq_of(n.input[0]), producer.get(n.input[1])
            if dx is not None and dw is not None and dw.op_type == "DequantizeLinear":
                sx = float(const[dx.input[1]].reshape(-1)[0])
                sw = const[dw.input[1]].astype(np.float64).reshape(-1)
                b = const[n.input[2]].astype(np.float64)
                s = sx * np.broadcast_to(sw, b.shape)
                codes = np.rint(b / s).astype(np.int32)
                base = n.output[0] + "_qc_i32_bias"
                inits += [nh.from_array(codes, base), nh.from_array(s.astype(np.float32), base + "_s"),
                          nh.from_array(np.zeros(b.shape, np.int32), base + "_z")]
                new_nodes.append(helper.make_node("DequantizeLinear", [base, base + "_s", base + "_z"], [base + "_dq"],
                                                  axis=0))
                n.input[2] = base + "_dq"
        new_nodes.append(n)
    del g.node[:]
    g.node.extend(new_nodes)
    g.initializer.extend(inits)
    return model


def cut(model, node):
    """The model from its input to `node`'s output. onnx's shape inference stops
    at the first com.microsoft operator, so later cuts fail (KeyError)."""
    import onnx
    return onnx.utils.Extractor(model).extract_model([model.graph.input[0].name], [node.output[0]])


def qc_run(model, x, build, work):
    from qc.importers.onnx import import_model
    graph = import_model(model, batch=x.shape[0])
    mlir, folded = os.path.join(work, "cut.mlir"), os.path.join(work, "cut_folded.mlir")
    xpath, ypath = os.path.join(work, "x.npy"), os.path.join(work, "y.npy")
    with open(mlir, "w") as f:
        f.write(graph.to_mlir())
    subprocess.run([os.path.join(build, "bin", "qc-opt"), mlir, "--qc-fold-fake-quant=profile=single_round",
                    "-o", folded], check=True)
    np.save(xpath, x)
    subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=cpu", folded, "--input", xpath,
                    "--output", ypath], check=True)
    return graph, np.load(ypath)


def main():
    import onnx
    from ort import ort_compatible, run_ort
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("x")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--at", help="comma-separated cut indices (default: walk until the first difference)")
    ap.add_argument("--round-pool-means", action="store_true")
    ap.add_argument("--integer-biases", action="store_true")
    args = ap.parse_args()
    m = onnx.load(args.model)
    x = np.load(args.x)[:args.batch]
    ort_model = integer_biases(m) if args.integer_biases else m
    ort_model = round_pool_means(ort_model) if args.round_pool_means else ort_model
    inits = {i.name for i in m.graph.initializer}
    cuts = [n for n in m.graph.node if n.op_type.startswith("QLinear")
            or (n.op_type == "QuantizeLinear" and n.input[0] not in inits)]
    inp = m.graph.input[0].name
    at = [int(s) for s in args.at.split(",")] if args.at else range(len(cuts))
    work = tempfile.mkdtemp(prefix="qc-cut-")
    for k in at:
        t = cuts[k].output[0]
        _, y = qc_run(cut(m, cuts[k]), x, args.build, work)
        o = run_ort(ort_compatible(cut(ort_model, cuts[k])), {inp: x})[0][t]
        d = np.abs(y.astype(np.int64).reshape(o.shape) - o.astype(np.int64))
        print("%d %s %s: %d of %d codes differ, max %d" % (k, cuts[k].op_type, cuts[k].name, int((d > 0).sum()),
                                                           d.size, int(d.max())), flush=True)
        if not args.at and d.any():
            break
    if args.round_pool_means or args.integer_biases:
        from run_zoo import _output_step, compare
        graph, y = qc_run(m, x, args.build, work)
        out = m.graph.output[0].name
        o = run_ort(ort_compatible(ort_model), {inp: x})[0][out]
        given = " and ".join(w for w, on in (("integer biases", args.integer_biases),
                                             ("means rounded", args.round_pool_means)) if on)
        print("whole model vs ORT with the %s: exact %.1f %%, max %.0f steps, argmax %.0f %%"
              % ((given,) + compare(y, o, _output_step(graph))))


if __name__ == "__main__":
    main()
