"""Model latency: qc against ONNX Runtime and torch int8 on the model zoo.

  /usr/bin/python3 benchmarks/model_latency.py [--build build] [--zoo build/zoo]
      [--models resnet18 ...] [--forms F ...] [--batches 1 8]
      [--threads 1 2] [--repeat 20] [--no-torch] [--markdown out.md]

Per model (examples/zoo, generated and cached in BUILD/zoo; $QC_ZOO_MODELS
restricts the default list), form, batch and thread count, in one run. The
form is ptq_qdq but for bert_layer, whose PTQ export keeps a float LayerNorm
(examples/zoo/run_zoo.py NOT_INTEGER_ONLY): it runs in its QOperator form,
which compiles integer-only; --forms picks the forms of every model.

  qc     import (qc.importers.onnx), qc-opt --qc-fold-fake-quant, then
         qc-run --target=cpu --threads T --repeat R: the min of R runs
         (compiled once; the JIT's first run is not timed by --repeat's min)
  ORT    ONNX Runtime 1.30 (tools/ort, intraOpNumThreads = T,
         graphOptimizationLevel all) on the same ONNX file (the scalar-
         parameter copy ORT accepts), R runs after one warm-up, the min
  torch  torch 1.13's own int8 model of the same float model (prepare_fx,
         the zoo's calibration, convert_fx: the model the ptq_qdq form is
         exported from) on its onednn quantized engine,
         torch.set_num_threads(T), min of R runs after one warm-up. Built
         once and cached as TorchScript (torch.jit.trace + torch.jit.save)
         in ZOO/torch, stamped like the zoo; loaded afresh for each batch and
         thread count (a model packed at one thread count fails at another,
         and resnet18 / mobilenet_v2 once run at batch 1 with 2 threads
         fail at batch 8 in the TorchScript interpreter). Its figure is shown on every form's row
         of the model (a QOperator or QAT form differs from it in scales,
         not in work)

Prints one table: latency in ms and the speed ratios ORT/qc and torch/qc
(> 1: qc is faster), plus qc's compile time (qc-run's wall time less its
timed runs: parse, lowering, LLVM codegen, JIT) and fold time. qc's output
at T threads is checked bit-identical to its output at 1 thread; a
difference fails the run (exit 1). Not a test: timings depend on the load.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "tools", "ort"))
sys.path.insert(0, os.path.join(ROOT, "examples", "zoo"))

DEFAULT_MODELS = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "vgg16", "bert_layer"]
# The form each model is measured in without --forms: one that compiles
# integer-only (bert_layer's PTQ export ends in a float LayerNorm).
DEFAULT_FORM = {"bert_layer": "qoperator"}


def _run(cmd, what):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s\n%s" % (what, r.returncode, " ".join(cmd), r.stderr[-2000:]))
    return r


def batch_input(x, batch):
    """`batch` samples from the zoo's cached inputs (repeated if it has fewer)."""
    reps = -(-batch // x.shape[0])
    return np.ascontiguousarray(np.concatenate([x] * reps)[:batch])


def qc_prepare(onnx_path, batch, build, work, tag):
    """Imports and folds; returns (folded .mlir path, import s, fold s)."""
    import onnx
    from qc.importers.onnx import import_model
    t0 = time.time()
    graph = import_model(onnx.load(onnx_path), batch=batch)
    mlir = os.path.join(work, tag + ".mlir")
    with open(mlir, "w") as f:
        f.write(graph.to_mlir())
    t1 = time.time()
    folded = os.path.join(work, tag + "_folded.mlir")
    _run([os.path.join(build, "bin", "qc-opt"), mlir, "--qc-fold-fake-quant", "-o", folded], "qc-opt fold")
    return folded, t1 - t0, time.time() - t1


def qc_time(folded, xpath, ypath, threads, repeat, build):
    """(min ms, compile s) of qc-run on the CPU."""
    t0 = time.time()
    r = _run([os.path.join(build, "bin", "qc-run"), "--target=cpu", "--threads=%d" % threads,
              "--repeat=%d" % repeat, folded, "--input", xpath, "--output", ypath], "qc-run")
    wall = time.time() - t0
    m = re.search(r"min ([0-9.]+) ms, median ([0-9.]+) ms", r.stdout)
    if not m:
        raise RuntimeError("qc-run printed no time: " + r.stdout[-500:])
    return float(m.group(1)), wall - repeat * float(m.group(2)) / 1e3


def torch_model(zoo, model_name, x, log):
    """Path of the cached TorchScript of torch's int8 model of `model_name`
    (built and saved when missing or stale), or None with the reason logged."""
    import json
    import torch
    from export import ptq_model
    from generate import _fingerprint
    cache = os.path.join(zoo, "torch")
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, "%s_ptq.pt" % model_name)
    stamp_path = os.path.join(cache, "stamp.json")
    stamps = {}
    if os.path.exists(stamp_path):
        with open(stamp_path) as f:
            stamps = json.load(f)
    key = _fingerprint("test", x.shape[0])
    if os.path.exists(path) and stamps.get(model_name) == key:
        return path
    log("torch: converting %s (convert_fx, onednn) into %s" % (model_name, path))
    torch.backends.quantized.engine = "onednn"
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            traced = torch.jit.trace(ptq_model(model_name, "test"), torch.from_numpy(x[:1]))
    except RuntimeError as e:
        log("torch %s: cannot trace: %s" % (model_name, str(e).splitlines()[0]))
        return None
    tmp = path + ".tmp"
    torch.jit.save(traced, tmp)
    os.replace(tmp, path)
    stamps[model_name] = key
    with open(stamp_path, "w") as f:
        json.dump(stamps, f, indent=1)
    return path


def torch_time(path, model_name, x, threads, repeat):
    """min ms of the cached TorchScript int8 model at `threads`, or None with
    the reason printed when torch cannot run it."""
    import torch
    torch.backends.quantized.engine = "onednn"
    torch.set_num_threads(threads)
    try:
        model = torch.jit.load(path)
        xt = torch.from_numpy(x)
        times = []
        with torch.no_grad():
            model(xt)
            for _ in range(repeat):
                t0 = time.perf_counter()
                model(xt)
                times.append(time.perf_counter() - t0)
    except RuntimeError as e:
        lines = [l for l in str(e).splitlines() if "Error" in l] or str(e).splitlines()
        print("torch %s, batch %d, %d threads: %s" % (model_name, x.shape[0], threads, lines[0]), flush=True)
        return None
    return 1e3 * min(times)


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def main():
    import onnx
    from generate import generate
    from ort import available, ort_compatible, run_ort
    env_models = os.environ.get("QC_ZOO_MODELS")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--zoo", default=None, help="model cache (default BUILD/zoo)")
    ap.add_argument("--models", nargs="+", default=env_models.split() if env_models else DEFAULT_MODELS)
    ap.add_argument("--forms", nargs="+", default=None,
                    help="forms of every model (default: ptq_qdq, bert_layer qoperator)")
    ap.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--markdown", help="also write the table here")
    args = ap.parse_args()
    if 1 not in args.threads:
        ap.error("--threads must include 1 (the reference of the bit-identity check)")
    zoo = args.zoo or os.path.join(args.build, "zoo")
    forms = {m: args.forms or [DEFAULT_FORM.get(m, "ptq_qdq")] for m in args.models}
    log = lambda s: print(s, flush=True)
    paths = {}
    for model in args.models:
        paths.update(generate(zoo, [model], forms[model], "test", 4, log=log))
    ort_missing = available()
    if ort_missing:
        print("ONNX Runtime column empty: " + ort_missing, flush=True)
    work = tempfile.mkdtemp(prefix="qc-bench-models-")
    rows, failed = [], False
    for model in args.models:
        x4 = np.load(os.path.join(zoo, "%s_x.npy" % model))
        torch_path = None if args.no_torch else torch_model(zoo, model, x4, log)
        torch_ms = {}
        for form in forms[model]:
            m = onnx.load(paths[(model, form)])
            ort_model = ort_compatible(m)
            for batch in args.batches:
                x = batch_input(x4, batch)
                tag = "%s_%s_b%d" % (model, form, batch)
                xpath = os.path.join(work, tag + "_x.npy")
                np.save(xpath, x)
                folded, t_import, t_fold = qc_prepare(paths[(model, form)], batch, args.build, work, tag)
                reference = None
                for threads in sorted(args.threads):
                    ypath = os.path.join(work, "%s_t%d.npy" % (tag, threads))
                    qc_ms, compile_s = qc_time(folded, xpath, ypath, threads, args.repeat, args.build)
                    y = np.load(ypath)
                    if threads == 1:
                        reference = y
                    same = reference is not None and y.tobytes() == reference.tobytes()
                    failed |= not same
                    ort_ms = None
                    if not ort_missing:
                        _, info = run_ort(ort_model, {m.graph.input[0].name: x}, threads=threads,
                                          repeat=args.repeat, warmup=1)
                        ort_ms = info["min_ms"]
                    if torch_path and (batch, threads) not in torch_ms:
                        torch_ms[(batch, threads)] = torch_time(torch_path, model, x, threads, args.repeat)
                    row = dict(model=model, form=form, batch=batch, threads=threads, qc=qc_ms, ort=ort_ms,
                               torch=torch_ms.get((batch, threads)), compile=compile_s, fold=t_fold, same=same)
                    rows.append(row)
                    print(row, flush=True)
    lines = ["| model | form | batch | threads | qc ms | ORT ms | torch ms | ORT/qc | torch/qc "
             "| qc compile s | fold s | = 1 thread |", "|" + "---|" * 12]
    for r in rows:
        ratio = lambda peer: None if peer is None else peer / r["qc"]
        lines.append("| %s | %s | %d | %d | %s | %s | %s | %s | %s | %.1f | %.1f | %s |" % (
            r["model"], r["form"], r["batch"], r["threads"], fmt(r["qc"], "%.3f"), fmt(r["ort"], "%.3f"),
            fmt(r["torch"], "%.3f"), fmt(ratio(r["ort"])), fmt(ratio(r["torch"])), r["compile"], r["fold"],
            "yes" if r["same"] else "**no**"))
    shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
