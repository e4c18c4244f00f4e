"""Shared helpers of the Python lit tests (not a test: lives in Inputs/)."""
import os
import subprocess
import tempfile

import numpy as np


def qc_opt(text, *flags):
    """Runs qc-opt (from PATH, as lit sets it) on MLIR text; returns stdout.
    Raises with the diagnostics if qc-opt fails."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        r = subprocess.run(["qc-opt", path] + list(flags), capture_output=True, text=True)
    finally:
        os.unlink(path)
    if r.returncode != 0:
        raise AssertionError("qc-opt %s failed:\n%s" % (" ".join(flags), r.stderr[:4000]))
    return r.stdout


def compare(name, got, want, step=None):
    """Asserts that the imported graph computes what the ONNX/torch reference
    does. With `step` (the output quantization step), a rare off-by-one step
    is allowed (f32 sums in another order can move a value across a rounding
    boundary), on at most 1% of the elements; otherwise float closeness."""
    got = np.asarray(got, dtype=np.float32)
    want = np.asarray(want, dtype=np.float32)
    assert got.shape == want.shape, "%s: shape %s != %s" % (name, got.shape, want.shape)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if step is None:
        tol = 1e-5 + 1e-5 * np.abs(want)
        assert np.all(diff <= tol), "%s: max difference %g" % (name, diff.max())
        print("%s: ok (max diff %.3g)" % (name, diff.max()))
        return
    exact = float(np.mean(diff <= 1e-6 * max(1.0, float(np.abs(want).max()))))
    assert diff.max() <= step * 1.0001, "%s: max difference %g > one step %g" % (name, diff.max(), step)
    assert exact >= 0.99, "%s: only %.2f%% exact" % (name, 100 * exact)
    print("%s: ok (exact %.1f%%, max %d step)" % (name, 100 * exact, int(round(diff.max() / step))))


def run_qc(model, inputs, base, fold_flags="", check=None, targets=("cpu",), pipeline_options=None):
    """Imports an ONNX model (qc.importers.onnx), folds it with qc-opt
    --qc-fold-fake-quant[=fold_flags] into `base`_folded.mlir and runs it with
    qc-run on each target. `inputs`: the numpy arrays of the function's
    arguments in order; `check(folded_text)` may assert on the folded IR;
    `pipeline_options`: {target: qc-run --pipeline-options value}.
    Returns the list of outputs (one per graph output) of the first target;
    with several targets, {target: outputs}. Tools from $QC_BUILD_DIR/bin."""
    from qc.importers.onnx import import_model
    build = os.environ["QC_BUILD_DIR"]
    with open(base + ".mlir", "w") as f:
        f.write(import_model(model).to_mlir())
    fold = "--qc-fold-fake-quant" + ("=" + fold_flags if fold_flags else "")
    subprocess.run([os.path.join(build, "bin", "qc-opt"), base + ".mlir", fold, "-o", base + "_folded.mlir"],
                   check=True)
    if check is not None:
        with open(base + "_folded.mlir") as f:
            check(f.read())
    args = []
    for i, x in enumerate(inputs):
        np.save("%s_in%d.npy" % (base, i), x)
        args += ["--input", "%s_in%d.npy" % (base, i)]
    results = {}
    for target in targets:
        files = ["%s_%s_out%d.npy" % (base, target, i) for i in range(len(model.graph.output))]
        options = (pipeline_options or {}).get(target)
        subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=" + target, base + "_folded.mlir"] + args +
                       sum((["--output", o] for o in files), []) +
                       (["--pipeline-options", options] if options else []), check=True)
        results[target] = [np.load(o) for o in files]
    return results[targets[0]] if len(targets) == 1 else results


def quant_graph(shape, qin, build, qout):
    """A qc.graph Graph: input x of `shape`, fake-quantized by `qin`,
    build(g, xq) (one op on it), fake-quantized by `qout` as the output."""
    from qc.graph import Graph
    g = Graph()
    xq = g.add("fake_quant", [g.add_input("x", shape)], {"qparams": qin})
    g.outputs = [g.add("fake_quant", [build(g, xq)], {"qparams": qout})]
    return g


def compile_integer_only(qgraph, base, inputs, targets=("cpu",)):
    """Folds `qgraph` integer-only (qc-opt --qc-fold-fake-quant=allow-float=false
    report=true: `base`.mlir into `base`.mlir.folded.mlir), lowers and packs it
    (--qc-pack-weights) and compiles it for each of `targets`; each output on
    `inputs` is checked bit for bit against the numpy interpreter of the
    folded model. Returns the fold's summary ("N integer op(s), M op(s)
    stayed float"). Tools from $QC_BUILD_DIR/bin."""
    import qc
    from qc import interpreter
    build = os.environ["QC_BUILD_DIR"]
    qc_opt = os.path.join(build, "bin", "qc-opt")
    src = base + ".mlir"
    with open(src, "w") as f:
        f.write(qgraph.to_mlir())
    folded = src + ".folded.mlir"
    fold = subprocess.run([qc_opt, src, "--qc-fold-fake-quant=allow-float=false report=true", "-o", folded],
                          capture_output=True, text=True, check=True)
    summary = [l.split("qc-fold-fake-quant: ")[1] for l in fold.stderr.splitlines() if "stayed float" in l]
    packed = subprocess.run([qc_opt, folded, "--qc-lower-to-linalg", "--qc-pack-weights"],
                            capture_output=True, text=True, check=True)
    want = interpreter.run_file(folded, inputs, build)[0][0]
    for target in targets:
        got = qc.compile(packed.stdout, pipeline=None, target=target)(*inputs)
        assert got.tobytes() == want.tobytes(), (base, target)
    return "; ".join(summary)
