"""Runs the model zoo through qc and compares it with ONNX Runtime.

  python3 examples/zoo/run_zoo.py --build build [--zoo build/zoo] [--models ...]
      [--forms ...] [--targets cpu vulkan] [--vulkan-options portable]
      [--json out.json] [--markdown out.md]

Per model and form (generate.py writes the models, cached):
  1. qc.importers.onnx              ONNX -> float func + qc.fake_quant
  2. qc-opt --qc-fold-fake-quant    integer qc ops (--profile: the requantization
                                    profile); ops left in float (float islands)
                                    are counted from its remarks
  3. --qc-cpu-pipeline="integer-only=true" and
     --qc-spirv-pipeline="allow-float=false" on the folded integer core (the
                                    import with quantized_io: codes in, codes
                                    out): does it compile integer-only on both
                                    backends (the first error when not)
  4. qc-run --target=cpu / vulkan   outputs, which must be bit-identical
  5. qc.interpreter                 the folded IR evaluated in numpy (qc's
                                    integer semantics, docs/Numerics.md): the
                                    CPU output must equal it bit for bit
  6. ONNX Runtime 1.30 (tools/ort)  the same inputs, the scalar-parameter copy
  7. qc.graph.Graph.evaluate        the imported graph's float fake-quant meaning

and prints the table: imports / integer-only / CPU = Vulkan / = numpy
whole graph / vs ORT (exact %, max difference in output steps, argmax
agreement) / vs the fake-quant float graph. Exits 1 if a step fails, CPU and
Vulkan differ, the CPU differs from the numpy evaluation, or (single_round)
a row differs from ORT by more than one step or on more than 1 % of the
elements, but for the known differences (ORT_KNOWN_DIFFERENCES).
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
EXPECTED_FAILURES = {}

# Every row must compile with integer-only=true (one that does not fails the
# run) but these, with the reason: bert_layer ptq_qdq ends in a LayerNorm
# that convert_fx leaves in float (no quantize after it, so its integer
# core's output is float by the model's own statement).
NOT_INTEGER_ONLY = {("bert_layer", "ptq_qdq"): "the model's final LayerNorm is float"}


# Agreement with ONNX Runtime: with the single_round profile qc must agree
# with ORT within ORT_MAX_STEPS output steps on at least ORT_MIN_EXACT % of
# the elements (a row that does not fails), but for the rows below. In the
# PTQ and QOperator forms ORT runs its integer kernels (QLinearConv,
# QLinearMatMul, QLinearAdd, ...: int32 biases, every op quantized), which
# single_round matches (examples/zoo/README.md).
ORT_MIN_EXACT, ORT_MAX_STEPS = 99.0, 1
# Rows exempt from that bound, with the reason (examples/zoo/README.md).
ORT_KNOWN_DIFFERENCES = {
    # ORT runs the encoder's softmax, LayerNorm and GELU in float between DQ
    # and Q; qc runs qc.softmax / qc.layer_norm / qc.table (each within about
    # half an output step, docs/Numerics.md), compounding to 2 steps.
    ("bert_layer", "qoperator"): "softmax, LayerNorm and GELU: float in ORT, qc's integer forms "
                                 "(each within ~0.5 output steps)",
    ("bert_layer", "qat_qdq"): "softmax, LayerNorm and GELU: float in ORT, qc's integer forms "
                               "(each within ~0.5 output steps)",
    # torch's QAT export keeps BatchNormalization (Conv -> Div -> BN) and float
    # biases, so ORT runs those convolutions in float; qc folds the BN into the
    # weight scales and rounds the bias to the accumulator grid s_x * s_w.
    # ORT given the same i32 biases (ort_cut.py --integer-biases) equals qc on
    # 100 % of resnet18's logits (unmodified: 20.4 %, 8 steps, argmax 75 %).
    ("resnet18", "qat_qdq"): "QAT float biases and BatchNorm: float in ORT; qc rounds the bias to the "
                             "accumulator grid (ORT given qc's i32 biases: 100 %)",
    # As resnet18; with qc's i32 biases ORT agrees on 76.6 % (20 steps): the
    # first differing code is ORT's own f32 requantization near a tie (exact
    # 15.49999993, qc 15, ORT f32 15.5 -> 16), amplified by the random weights.
    ("mobilenet_v2", "qat_qdq"): "QAT float biases and BatchNorm: float in ORT (qc's i32 biases: 76.6 %, "
                                 "then ORT's f32 requantization near ties)",
    # As resnet18: ORT given qc's i32 biases equals qc on 100 % of the logits
    # (its squeeze-excite means are exact in qc since the fold reads the
    # pool's input in the SE conv, docs/FoldFakeQuant.md).
    ("mobilenet_v3_small", "qat_qdq"): "QAT float biases and BatchNorm: float in ORT; qc rounds the bias to "
                                       "the accumulator grid (ORT given qc's i32 biases: 100 %)",
}


# The check's selection (scripts/check.sh --suite): one form per model, every
# form covered, a batch of 2; the full table (every form, batch 4) is
# scripts/demo.sh's. The sum of the rows' CPU seconds is the suite time.
SUITE = [("resnet18", "qat_qdq"), ("mobilenet_v2", "ptq_qdq"), ("mobilenet_v3_small", "qoperator"),
         ("vgg16", "ptq_qdq"), ("bert_layer", "qat_qdq")]


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


class _Clock:
    """CPU seconds (this process and its children) per step: the load of
    the machine does not count, so the figures say what a 2-core CI pays."""

    def __init__(self, row):
        self.row, self.last = row, self._now()
        row["cpu_seconds"] = {}

    @staticmethod
    def _now():
        import resource
        c = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + c.ru_utime + c.ru_stime

    def lap(self, step):
        now = self._now()
        self.row["cpu_seconds"][step] = round(now - self.last, 1)
        self.last = now


def run_one(row, onnx_path, x, build, work, targets, threads=1, profile="double_round", reference=True,
            vulkan_options=""):
    """Fills `row` step by step (what was reached stays when a step fails)."""
    import onnx
    from qc import interpreter
    from qc.importers.onnx import import_model
    from ort import ort_compatible, run_ort
    model, form = row["model"], row["form"]
    t0 = time.time()
    clock = _Clock(row)
    m = onnx.load(onnx_path)
    graph = import_model(m, batch=x.shape[0])
    row["imports"] = True
    mlir = os.path.join(work, "%s_%s.mlir" % (model, form))
    with open(mlir, "w") as f:
        f.write(graph.to_mlir())
    clock.lap("import")
    folded = mlir[:-5] + "_folded.mlir"
    fold = "--qc-fold-fake-quant=profile=" + profile
    # report=true: the fold's remarks name the ops that stay in float.
    r = _run([os.path.join(build, "bin", "qc-opt"), mlir, fold + " report=true", "-o", folded], "qc-opt fold")
    islands = sorted({m.group(1) for m in re.finditer(r"remark: '([^']+)' stays in float", r.stderr)})
    row["float_ops"] = islands
    # Integer-only: the model's integer core (codes in, codes out), folded.
    core = mlir[:-5] + "_qio.mlir"
    with open(core, "w") as f:
        f.write(import_model(m, batch=x.shape[0], quantized_io=True).to_mlir())
    core_folded = core[:-5] + "_folded.mlir"
    io = subprocess.run([os.path.join(build, "bin", "qc-opt"), core, fold, "-o", core_folded],
                        capture_output=True, text=True)
    # Both backends' integer contracts: the CPU pipeline's integer-only check
    # (no float op from the fold on) and the SPIR-V pipeline's scan of the
    # kernels it emits (allow-float=false: no float type in any kernel).
    spirv = ("allow-float=false " + vulkan_options).strip()
    for pipeline in ("--qc-cpu-pipeline=integer-only=true", "--qc-spirv-pipeline=" + spirv):
        if io.returncode == 0:
            io = subprocess.run([os.path.join(build, "bin", "qc-opt"), core_folded, pipeline, "-o", os.devnull],
                                capture_output=True, text=True)
    row["integer_only"] = io.returncode == 0
    if io.returncode:
        first = next((l for l in io.stderr.splitlines() if "error" in l), io.stderr.strip()[:200])
        row["integer_only_error"] = first.split("error:", 1)[-1].strip()[:160]
    clock.lap("fold, integer-only")
    xpath = os.path.join(work, "%s_x.npy" % model)
    np.save(xpath, x)
    outs = {}
    for target in targets:
        ypath = os.path.join(work, "%s_%s_%s.npy" % (model, form, target))
        options = ["--pipeline-options=" + vulkan_options] if target == "vulkan" and vulkan_options else []
        _run([os.path.join(build, "bin", "qc-run"), "--target=" + target, folded, "--input", xpath,
              "--output", ypath] + options, "qc-run --target=" + target)
        outs[target] = np.load(ypath)
        clock.lap("qc-run " + target)
    if "cpu" in outs and "vulkan" in outs:
        row["cpu_eq_vulkan"] = outs["cpu"].tobytes() == outs["vulkan"].tobytes()
    y = outs[targets[0]]
    (want,), inexact = interpreter.run_file(folded, [x], build)
    row["numpy_exact"] = want.tobytes() == y.tobytes()
    row["numpy_inexact_ops"] = sorted(inexact)
    clock.lap("numpy whole graph")
    step = _output_step(graph)
    row["step"] = step
    ort_out = run_ort(ort_compatible(m), {m.graph.input[0].name: x}, threads=threads)[0]
    row["ort"] = compare(y, ort_out[m.graph.output[0].name], step)
    clock.lap("ORT")
    if reference:
        row["reference"] = compare(y, graph.evaluate([x])[0], step)
        clock.lap("fake-quant graph")
    row["seconds"] = round(time.time() - t0, 1)


def table(rows):
    head = ("| model | form | imports | integer-only | CPU = Vulkan | = numpy whole graph "
            "| vs ORT: exact %, max steps, argmax % | vs fake-quant graph: exact %, max steps "
            "| float ops left by the fold |")
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        if "error" in r:
            lines.append("| %s | %s | %s | | | | | | %s |" % (r["model"], r["form"],
                                                           "yes" if r.get("imports") else "no",
                                                           r["error"].splitlines()[0][:120]))
            continue
        io = "yes" if r["integer_only"] else "no (%s)" % NOT_INTEGER_ONLY.get((r["model"], r["form"]), "float islands")
        cv = {True: "yes", False: "**no**", None: "-"}[r.get("cpu_eq_vulkan")]
        ne = "yes" if r["numpy_exact"] else "**no**"
        if r["numpy_inexact_ops"]:
            ne += " (float %s)" % ", ".join(r["numpy_inexact_ops"])
        o, f = r["ort"], r.get("reference")
        ort = "%.1f, %d, %.0f" % (o[0], round(o[1]), o[2])
        if r.get("ort_ok") is False:
            ort = "**%s**" % ort
        lines.append("| %s | %s | yes | %s | %s | %s | %s | %s | %s |" % (
            r["model"], r["form"], io, cv, ne, ort,
            "%.1f, %d" % (f[0], round(f[1])) if f else "-",
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
    ap.add_argument("--vulkan-options", default="",
                    help="qc-spirv-pipeline options for the Vulkan run and its integer-only check, e.g. "
                         "'portable' (no 8/16/64-bit types: docs/SPIRV.md)")
    ap.add_argument("--batch", type=int, default=None, help="inputs per model (at most 4; default 4, 2 with --suite)")
    ap.add_argument("--suite", action="store_true",
                    help="the check's selection: one form per model (SUITE), restricted by --models")
    ap.add_argument("--profile", default="single_round", choices=["double_round", "single_round"],
                    help="requantization profile of --qc-fold-fake-quant (default single_round: bit-exact "
                         "with ONNX Runtime's integer kernels, docs/Importers.md)")
    ap.add_argument("--no-reference", action="store_true", help="skip the fake-quant graph comparison")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--markdown", help="write the table here")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    zoo = args.zoo or os.path.join(args.build, "zoo")
    if args.suite:
        pairs = [(m, f) for m, f in SUITE if m in args.models and f in args.forms]
    else:
        pairs = [(m, f) for m in args.models for f in args.forms]
    batch = args.batch or (2 if args.suite else 4)
    paths = {}
    for model, form in pairs:   # generated with 4 inputs (the cache's key), `batch` of them used
        paths.update(generate(zoo, [model], [form], "test", 4, log=lambda s: print(s, flush=True)))
    work = args.work or tempfile.mkdtemp(prefix="qc-zoo-")
    os.makedirs(work, exist_ok=True)
    rows, failed = [], False
    for model, form in pairs:
        x = np.load(os.path.join(zoo, "%s_x.npy" % model))[:batch]
        row = {"model": model, "form": form}
        try:
            run_one(row, paths[(model, form)], x, args.build, work, args.targets, profile=args.profile,
                    reference=not args.no_reference, vulkan_options=args.vulkan_options)
        except Exception as e:  # report every model, then fail
            row["error"] = "%s: %s" % (type(e).__name__, e)
        expected = EXPECTED_FAILURES.get(model)
        if expected and "error" in row:
            row["error"] = "expected failure: " + expected
            row["expected_failure"] = True
        elif expected:
            row["error"] = "unexpectedly passed (remove it from EXPECTED_FAILURES): " + expected
        why_not = NOT_INTEGER_ONLY.get((model, form))
        if why_not is None and row.get("integer_only") is False:
            row["error"] = "not integer-only: " + row.get("integer_only_error", "")
        elif why_not and row.get("integer_only"):
            row["error"] = "unexpectedly integer-only (remove it from NOT_INTEGER_ONLY): " + why_not
        row["ok"] = not (("error" in row and not row.get("expected_failure")) or row.get("cpu_eq_vulkan") is False
                         or (row.get("numpy_exact") is False and not row.get("numpy_inexact_ops")))
        if "ort" in row and args.profile == "single_round" and (model, form) not in ORT_KNOWN_DIFFERENCES:
            row["ort_ok"] = row["ort"][0] >= ORT_MIN_EXACT and row["ort"][1] < ORT_MAX_STEPS + 0.5
            row["ok"] &= row["ort_ok"]
        failed |= not row["ok"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    text = table(rows)
    print(text)
    print("zoo: %d rows, %.0f CPU seconds (this process and its children)" % (
        len(rows), sum(sum(r.get("cpu_seconds", {}).values()) for r in rows)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
