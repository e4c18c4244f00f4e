"""Runs the model zoo through qc and compares it with ONNX Runtime.

  python3 examples/zoo/run_zoo.py --build build [--zoo build/zoo] [--models ...]
      [--forms ...] [--targets cpu vulkan] [--json out.json] [--markdown out.md]

Per model and form (generate.py writes the models, cached):
  1. qc.importers.onnx              ONNX -> float func + qc.fake_quant
  2. qc-opt --qc-fold-fake-quant    integer qc ops; ops left in float (float
                                    islands) are counted from its remarks
  3. --qc-cpu-pipeline="integer-only=true" on the folded integer core (the
                                    import with quantized_io: codes in, codes
                                    out): does it compile integer-only (the
                                    first error when not)
  4. qc-run --target=cpu / vulkan   outputs, which must be bit-identical
  5. ONNX Runtime 1.30 (tools/ort)  the same inputs, the scalar-parameter copy
  6. qc.graph.Graph.evaluate        the imported graph's float fake-quant meaning

and prints the table: imports / integer-only / CPU = Vulkan / vs ORT (exact
%, max difference in output steps, argmax agreement) / vs the fake-quant
float graph. Exits 1 if a step fails or CPU and Vulkan differ.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "tools", "ort"))
sys.path.insert(0, HERE)


# Steps known to fail, with the reason (like lit's XFAIL): such a row does not
# fail the run, and one that passes does ("unexpectedly passed": update this).
EXPECTED_FAILURES = {
    "bert_layer": "qc-run: linalg.softmax (a float island until the nonlinear fold) does not lower in "
                  "qc-cpu-pipeline",
}


def _run(cmd, what, timeout=1800):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s\n%s" % (what, r.returncode, " ".join(cmd), r.stderr[-3000:]))
    return r


def _output_step(graph):
    """The scale of the fake quantization that produces the output (1 if none)."""
    node = graph.producer(graph.outputs[0])
    while node is not None and node.op not in ("fake_quant", "quantize"):
        if node.op not in ("transpose", "reshape"):
            return 1.0
        node = graph.producer(node.inputs[0])
    return float(node.attrs["qparams"].scale[0]) if node is not None else 1.0


def compare(y, ref, step):
    """(exact %, max |difference| in output steps, argmax agreement %)."""
    y, ref = np.asarray(y, np.float64), np.asarray(ref, np.float64)
    steps = np.abs(y - ref) / step
    flat = lambda a: a.reshape(-1, a.shape[-1])
    agree = np.mean(flat(y).argmax(-1) == flat(ref).argmax(-1))
    return 100.0 * float(np.mean(steps < 0.5)), float(steps.max()), 100.0 * float(agree)


def run_one(row, onnx_path, x, build, work, targets, threads=1):
    """Fills `row` step by step (what was reached stays when a step fails)."""
    import onnx
    from qc.importers.onnx import import_model
    from ort import ort_compatible, run_ort
    model, form = row["model"], row["form"]
    t0 = time.time()
    m = onnx.load(onnx_path)
    graph = import_model(m, batch=x.shape[0])
    row["imports"] = True
    mlir = os.path.join(work, "%s_%s.mlir" % (model, form))
    with open(mlir, "w") as f:
        f.write(graph.to_mlir())
    folded = mlir[:-5] + "_folded.mlir"
    r = _run([os.path.join(build, "bin", "qc-opt"), mlir, "--qc-fold-fake-quant", "-o", folded], "qc-opt fold")
    islands = sorted({m.group(1) for m in re.finditer(r"remark: '([^']+)' stays in float", r.stderr)})
    row["float_ops"] = islands
    # Integer-only: the model's integer core (codes in, codes out), folded.
    core = mlir[:-5] + "_qio.mlir"
    with open(core, "w") as f:
        f.write(import_model(m, batch=x.shape[0], quantized_io=True).to_mlir())
    io = subprocess.run("'%s' '%s' --qc-fold-fake-quant 2>/dev/null | '%s' --qc-cpu-pipeline=integer-only=true "
                        "-o /dev/null" % (os.path.join(build, "bin", "qc-opt"), core,
                                          os.path.join(build, "bin", "qc-opt")),
                        shell=True, capture_output=True, text=True)
    row["integer_only"] = io.returncode == 0
    if io.returncode:
        first = next((l for l in io.stderr.splitlines() if "error" in l), io.stderr.strip()[:200])
        row["integer_only_error"] = first.split("error:", 1)[-1].strip()[:160]
    xpath = os.path.join(work, "%s_x.npy" % model)
    np.save(xpath, x)
    outs = {}
    for target in targets:
        ypath = os.path.join(work, "%s_%s_%s.npy" % (model, form, target))
        _run([os.path.join(build, "bin", "qc-run"), "--target=" + target, folded, "--input", xpath,
              "--output", ypath], "qc-run --target=" + target)
        outs[target] = np.load(ypath)
    if "cpu" in outs and "vulkan" in outs:
        row["cpu_eq_vulkan"] = outs["cpu"].tobytes() == outs["vulkan"].tobytes()
    y = outs[targets[0]]
    step = _output_step(graph)
    row["step"] = step
    ort_out = run_ort(ort_compatible(m), {m.graph.input[0].name: x}, threads=threads)[0]
    row["ort"] = compare(y, ort_out[m.graph.output[0].name], step)
    row["reference"] = compare(y, graph.evaluate([x])[0], step)
    row["seconds"] = round(time.time() - t0, 1)


def table(rows):
    head = ("| model | form | imports | integer-only | CPU = Vulkan | vs ORT: exact %, max steps, argmax % "
            "| vs fake-quant graph: exact %, max steps | float ops left by the fold |")
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        if "error" in r:
            lines.append("| %s | %s | %s | | | | | %s |" % (r["model"], r["form"], "yes" if r.get("imports") else "no",
                                                        r["error"].splitlines()[0][:120]))
            continue
        io = "yes" if r["integer_only"] else "no (float islands)"
        cv = {True: "yes", False: "**no**", None: "-"}[r.get("cpu_eq_vulkan")]
        o, f = r["ort"], r["reference"]
        lines.append("| %s | %s | yes | %s | %s | %.1f, %d, %.0f | %.1f, %d | %s |" % (
            r["model"], r["form"], io, cv, o[0], round(o[1]), o[2], f[0], round(f[1]),
            ", ".join(x.replace("linalg.", "") for x in r["float_ops"]) or "-"))
    return "\n".join(lines)


def main():
    from generate import FORMS, generate
    from models import MODELS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--zoo", default=None, help="where the generated models are cached (default BUILD/zoo)")
    ap.add_argument("--models", nargs="+", default=os.environ.get("QC_ZOO_MODELS", " ".join(MODELS)).split(),
                    choices=MODELS, help="default: all, or $QC_ZOO_MODELS")
    ap.add_argument("--forms", nargs="+", default=FORMS, choices=FORMS)
    ap.add_argument("--targets", nargs="+", default=["cpu", "vulkan"])
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--markdown", help="write the table here")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    zoo = args.zoo or os.path.join(args.build, "zoo")
    paths = generate(zoo, args.models, args.forms, "test", args.batch, log=lambda s: print(s, flush=True))
    work = args.work or tempfile.mkdtemp(prefix="qc-zoo-")
    os.makedirs(work, exist_ok=True)
    rows, failed = [], False
    for model in args.models:
        x = np.load(os.path.join(zoo, "%s_x.npy" % model))
        for form in args.forms:
            row = {"model": model, "form": form}
            try:
                run_one(row, paths[(model, form)], x, args.build, work, args.targets)
            except Exception as e:  # report every model, then fail
                row["error"] = "%s: %s" % (type(e).__name__, e)
            expected = EXPECTED_FAILURES.get(model)
            if expected and "error" in row:
                row["error"] = "expected failure: " + expected
                row["expected_failure"] = True
            elif expected:
                row["error"] = "unexpectedly passed (remove it from EXPECTED_FAILURES): " + expected
            if ("error" in row and not row.get("expected_failure")) or row.get("cpu_eq_vulkan") is False:
                failed = True
            rows.append(row)
            print(json.dumps(row), flush=True)
    text = table(rows)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
