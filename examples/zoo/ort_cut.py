"""Where qc and ONNX Runtime first differ: the model cut after successive nodes.

  python3 examples/zoo/ort_cut.py build/zoo/mobilenet_v3_small_qoperator.onnx \\
      build/zoo/mobilenet_v3_small_x.npy --build build [--at 2,3,4] [--round-pool-means]

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
its own; with it, the last line compares the whole model's outputs.
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
    args = ap.parse_args()
    m = onnx.load(args.model)
    x = np.load(args.x)[:args.batch]
    ort_model = round_pool_means(m) if args.round_pool_means else m
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
    if args.round_pool_means:
        from run_zoo import _output_step, compare
        graph, y = qc_run(m, x, args.build, work)
        out = m.graph.output[0].name
        o = run_ort(ort_compatible(ort_model), {inp: x})[0][out]
        print("whole model vs ORT with the means rounded: exact %.1f %%, max %.0f steps, argmax %.0f %%"
              % compare(y, o, _output_step(graph)))


if __name__ == "__main__":
    main()
