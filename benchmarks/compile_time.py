"""Compile time of an ONNX model, import to object, per step and per stage.

  /usr/bin/python3 benchmarks/compile_time.py [MODEL.onnx ...] [--mlp N ...]
      [--build build] [--batch 1] [--pipeline-options "x86-vnni=true"]
      [--top 12] [--keep DIR] [--obj-threads N] [--bytecode]
      [--mode both|in-process|process]

--mlp N (repeatable) adds a generated ONNX QDQ MLP of N layers of
128x128 (QuantizeLinear/DequantizeLinear around each MatMul + bias + Relu,
int8 weights, random but seeded), the model of the compile-time scaling
check: the time per layer should not grow with N.

Per model, first the user's path, in one process after the import as
qc.compile and the C API run it (`--mode in-process`): qc-import-onnx
writes the model's MLIR text, then one child process parses it once
(qc.Module.parse), folds the fake quantization and runs qc-cpu-pipeline in
place (Module.run_pipeline) and writes the object (Module.emit_object,
qcModuleEmitObjectFile): nothing is printed and parsed again between the
steps. CPU time of a step there is the child's user + system time over
all its threads (getrusage), wall time its own. Then (`--mode process`)
the same four steps as four command-line tools (qc-import-onnx, qc-opt
--qc-fold-fake-quant, qc-opt --qc-cpu-pipeline, qc-translate --mlir-to-obj),
each writing its result as text (about 24 MB for resnet18: the weights) for
the next to parse, with each step's CPU time (user + system of the child
process) and wall time, then the --mlir-timing stages of the pipeline
step. `--obj-threads` goes to the object step (0, the default: all
cores; 1: one module, one thread); `--bytecode` makes the fold and pipeline
steps write MLIR bytecode instead of text. CPU time is the figure to
compare on a shared machine: wall time grows with the load average, which
is printed next to every table. Run two builds back to back (--build) to
compare them. Not a test.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time


def load():
    return open("/proc/loadavg").read().split()[0]


def run_step(cmd):
    """(cpu s, wall s, stderr) of one child process; raises on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError("failed (exit %d): %s\n%s" % (r.returncode, " ".join(cmd), r.stderr[-2000:]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, r.stderr


IN_PROCESS = r"""
import json, os, resource, sys, time
import qc
from qc.compiler import Module

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

source, obj, options = sys.argv[1:4]
text = open(source).read()
rows = []
def step(name, work):
    c0, t0 = cpu(), time.time()
    result = work()
    rows.append((name, cpu() - c0, time.time() - t0))
    return result
module = step("parse", lambda: Module.parse(text, source))
step("fold", lambda: module.run_pipeline("builtin.module(func.func(qc-fold-fake-quant))"))
step("qc-cpu-pipeline", lambda: module.run_pipeline(
    "builtin.module(qc-cpu-pipeline{%s})" % options))
step("object", lambda: module.emit_object(obj))
print(json.dumps(rows))
"""


def in_process(args, model, stem):
    """The import tool, then parse, fold, pipeline and object in one
    process: [(step, cpu s, wall s, load)]."""
    rows = []
    cpu, wall, _ = run_step([os.path.join(args.build, "bin", "qc-import-onnx"), model,
                             "--batch", args.batch, "-o", stem + ".mlir"])
    rows.append(("import", cpu, wall, load()))
    env = dict(os.environ)
    env["QC_BUILD_DIR"] = os.path.abspath(args.build)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"),
         env.get("PYTHONPATH", "")])
    r = subprocess.run([sys.executable, "-c", IN_PROCESS, stem + ".mlir", stem + "_inproc.o",
                        args.pipeline_options], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError("in-process compile failed (exit %d):\n%s" % (r.returncode, r.stderr[-2000:]))
    for name, cpu, wall in json.loads(r.stdout.strip().splitlines()[-1]):
        rows.append((name, cpu, wall, load()))
    return rows


def stages(timing, top):
    """The `top` largest lines of an --mlir-timing report: (s, %, name)."""
    rows = []
    for line in timing.splitlines():
        # A threaded pass manager prints user time, then wall time: the
        # first column (CPU time over all threads) is kept.
        m = re.match(r"\s*([0-9.]+) \(\s*([0-9.]+)%\)(?:\s+[0-9.]+ \(\s*[0-9.]+%\))?(\s+)(\S.*)$", line)
        if m and m.group(4) not in ("Total",):
            depth = (len(m.group(3)) - 2) // 2
            rows.append((float(m.group(1)), float(m.group(2)), "  " * depth + m.group(4)))
    # A pass that runs several times (the canonicalizer) also as one row.
    sums = {}
    for t, pct, name in rows:
        if not name.strip().startswith("'"):
            sums.setdefault(name.strip(), []).append((t, pct))
    for name, runs in sums.items():
        if len(runs) > 1:
            rows.append((sum(r[0] for r in runs), sum(r[1] for r in runs),
                         "%s (all %d runs)" % (name, len(runs))))
    return sorted(rows, key=lambda r: -r[0])[:top]


def make_mlp(n, path, width=128):
    """An ONNX QDQ MLP of n layers of width x width."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(n)
    nodes, inits = [], []
    act_scale = numpy_helper.from_array(np.array(0.05, np.float32), "act_scale")
    act_zp = numpy_helper.from_array(np.array(0, np.int8), "act_zp")
    inits += [act_scale, act_zp]
    x = "x"
    for i in range(n):
        w = rng.integers(-127, 128, size=(width, width), dtype=np.int8)
        inits += [numpy_helper.from_array(w, "w%d" % i),
                  numpy_helper.from_array(np.array(0.5 / width, np.float32), "ws%d" % i),
                  numpy_helper.from_array(np.array(0, np.int8), "wz%d" % i),
                  numpy_helper.from_array(rng.normal(0, 0.1, width).astype(np.float32), "b%d" % i)]
        nodes += [
            helper.make_node("QuantizeLinear", [x, "act_scale", "act_zp"], ["q%d" % i]),
            helper.make_node("DequantizeLinear", ["q%d" % i, "act_scale", "act_zp"], ["dq%d" % i]),
            helper.make_node("DequantizeLinear", ["w%d" % i, "ws%d" % i, "wz%d" % i], ["wf%d" % i]),
            helper.make_node("MatMul", ["dq%d" % i, "wf%d" % i], ["m%d" % i]),
            helper.make_node("Add", ["m%d" % i, "b%d" % i], ["a%d" % i]),
            helper.make_node("Relu", ["a%d" % i], ["r%d" % i]),
        ]
        x = "r%d" % i
    graph = helper.make_graph(
        nodes, "mlp%d" % n,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", width])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["N", width])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--mlp", type=int, action="append", default=[],
                    help="also a generated QDQ MLP of N 128x128 layers (repeatable)")
    ap.add_argument("--build", default="build")
    ap.add_argument("--batch", default="1")
    ap.add_argument("--pipeline-options", default="x86-vnni=true")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--keep", help="keep the intermediate files in this directory")
    ap.add_argument("--obj-threads", default="0",
                    help="qc-translate --obj-threads (0: all cores, 1: one module)")
    ap.add_argument("--bytecode", action="store_true",
                    help="fold and pipeline write MLIR bytecode (--emit-bytecode)")
    ap.add_argument("--mode", choices=["both", "in-process", "process"], default="both",
                    help="the user's path in one process, the four tools, or both")
    args = ap.parse_args()
    bin_dir = os.path.join(args.build, "bin")
    work = args.keep or tempfile.mkdtemp(prefix="qc-compile-time-")
    os.makedirs(work, exist_ok=True)
    models = list(args.models)
    for n in args.mlp:
        models.append(os.path.join(work, "mlp%d.onnx" % n))
        make_mlp(n, models[-1])
    bytecode = ["--emit-bytecode"] if args.bytecode else []
    print("build %s, %s UTC, load average %s" % (args.build, time.strftime("%Y-%m-%d %H:%M", time.gmtime()), load()))
    for model in models:
        stem = os.path.join(work, os.path.splitext(os.path.basename(model))[0])
        if args.mode != "process":
            print("\n%s (batch %s), in one process after the import (qc.Module.parse, run_pipeline, "
                  "emit_object: the objects' threads are the host's cores)\n\n"
                  "| step | cpu s | wall s | load |\n|---|---|---|---|" % (model, args.batch))
            rows = in_process(args, model, stem)
            for name, cpu, wall, at in rows:
                print("| %s | %.2f | %.2f | %s |" % (name, cpu, wall, at))
            print("| total | %.2f | %.2f | %s |" % (sum(r[1] for r in rows), sum(r[2] for r in rows), load()))
        if args.mode == "in-process":
            continue
        steps = [
            ("import", [os.path.join(bin_dir, "qc-import-onnx"), model, "--batch", args.batch,
                        "-o", stem + ".mlir"]),
            ("fold", [os.path.join(bin_dir, "qc-opt"), stem + ".mlir", "--qc-fold-fake-quant",
                      *bytecode, "-o", stem + "_folded.mlir"]),
            ("qc-cpu-pipeline", [os.path.join(bin_dir, "qc-opt"), stem + "_folded.mlir",
                                 "--qc-cpu-pipeline=" + args.pipeline_options, "--mlir-timing",
                                 *bytecode, "-o", stem + "_llvm.mlir"]),
            ("object", [os.path.join(bin_dir, "qc-translate"), stem + "_llvm.mlir", "--mlir-to-obj",
                        "--obj-threads", args.obj_threads, "-o", stem + ".o"]),
        ]
        print("\n%s (batch %s, obj-threads %s%s)\n\n| step | cpu s | wall s | load |\n|---|---|---|---|"
              % (model, args.batch, args.obj_threads, ", bytecode" if args.bytecode else ""))
        total_cpu = total_wall = 0.0
        timing = ""
        for name, cmd in steps:
            cpu, wall, err = run_step(cmd)
            total_cpu += cpu
            total_wall += wall
            if name == "qc-cpu-pipeline":
                timing = err
            print("| %s | %.2f | %.2f | %s |" % (name, cpu, wall, load()))
        print("| total | %.2f | %.2f | %s |" % (total_cpu, total_wall, load()))
        print("\nqc-cpu-pipeline, --mlir-timing (wall, or user time of all threads when threaded; share of the step):\n")
        print("| s | % | stage |\n|---|---|---|")
        for s, pct, name in stages(timing, args.top):
            print("| %.3f | %.1f | %s |" % (s, pct, name.replace("|", "/")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
