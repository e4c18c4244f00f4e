#!/usr/bin/python3
"""qc's main job on the bundled digits models (scripts/demo.sh runs it).

For each QAT model trained by train_digits.py (examples/digits_{mlp,cnn}.onnx):

  1. qc.importers.onnx             ONNX QDQ -> float func + qc.fake_quant
  2. qc-opt --qc-fold-fake-quant    -> integer qc ops (float only at the I/O boundary)
  3. qc-run --target=cpu            qc-cpu-pipeline (lower to linalg, tile, vectorize,
                                    VNNI where present, LLVM JIT)
  4. qc-run --target=vulkan         qc-spirv-pipeline + qc's Vulkan runtime
  5. compressed variants            --qc-prune (2:4) and --qc-low-rank before folding,
                                    when this qc-opt has those passes
  6. qc.compile (Python, C API)     the same model compiled in-process through
                                    libQCCAPI.so must give qc-run's outputs bit for bit
  7. qc.training                    the compressed models fine-tuned with distillation
                                    (table cached by finetune_digits.py; one recipe re-run)

and prints one table: accuracy on the 256 saved test images, agreement with
torch's own int8 model (bit-exact share, largest difference in output steps,
argmax agreement), weight bytes of the compiled model and latency per sample.
The Vulkan outputs must equal the CPU outputs bit for bit (exit 1 otherwise).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))

from qc.importers.onnx import import_model  # noqa: E402


class StepFailed(Exception):
    pass


def run(cmd, what):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise StepFailed("%s failed:\n  %s\n%s" % (what, " ".join(cmd), r.stderr[-4000:]))
    return r.stdout + r.stderr


def has_pass(qc_opt, flag):
    out = subprocess.run([qc_opt, "--help"], capture_output=True, text=True).stdout
    return ("--" + flag + " ") in out or ("--" + flag + "\n") in out or ("--" + flag + "=") in out


CONST_RE = re.compile(r"arith\.constant dense<.*?> : tensor<([0-9x]+)x(i8|i16|i32|i4)>")
BYTES = {"i4": 0.5, "i8": 1, "i16": 2, "i32": 4}


def weight_bytes(mlir_text):
    """Bytes of the integer constants (weights, biases, compressed indices)."""
    total = 0.0
    for dims, ty in CONST_RE.findall(mlir_text):
        total += np.prod([int(d) for d in dims.split("x")]) * BYTES[ty]
    return int(total)


def latency_us(stdout, batch):
    m = re.search(r"median ([0-9.e+-]+) ms", stdout)
    return float(m.group(1)) * 1000.0 / batch if m else float("nan")


def compare(y, ref, step):
    lsb = np.rint(np.abs(y.astype(np.float64) - ref.astype(np.float64)) / step).astype(np.int64)
    return 100.0 * float(np.mean(lsb == 0)), int(lsb.max()), 100.0 * float(np.mean(y.argmax(1) == ref.argmax(1)))


def check_python_api(graph, x, outputs, name, problems):
    """qc.compile in this process (ctypes over libQCCAPI.so) against qc-run."""
    import qc
    for target, want in outputs.items():
        try:
            got = qc.compile(graph, target=target)(x)
        except (qc.CompileError, OSError) as e:
            problems.append("digits_%s: qc.compile on %s: %s" % (name, target, e))
            continue
        if got.tobytes() != want.tobytes():
            problems.append("digits_%s: qc.compile on %s differs from qc-run" % (name, target))
        else:
            print("digits_%s: qc.compile (Python API) on %s == qc-run, bit for bit" % (name, target))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    ap.add_argument("--targets", nargs="+", default=["cpu", "vulkan"])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--work", default=None, help="keep intermediate files here")
    args = ap.parse_args()
    qc_opt = os.path.join(args.build, "bin", "qc-opt")
    qc_run = os.path.join(args.build, "bin", "qc-run")
    for tool in (qc_opt, qc_run):
        if not os.access(tool, os.X_OK):
            print("demo: %s not found: build qc first (scripts/setup.sh)" % tool, file=sys.stderr)
            return 1
    os.environ.setdefault("QC_BUILD_DIR", args.build)  # where qc.compile finds libQCCAPI.so
    work = args.work or tempfile.mkdtemp(prefix="qc-demo-")
    os.makedirs(work, exist_ok=True)
    x = np.ascontiguousarray(np.load(os.path.join(HERE, "digits_test_x.npy")), dtype=np.float32)
    labels = np.load(os.path.join(HERE, "digits_test_y.npy"))
    xpath = os.path.join(work, "x.npy")
    np.save(xpath, x)
    n = len(x)

    variants = [("qc int8", [])]
    if has_pass(qc_opt, "qc-prune"):
        variants.append(("qc + 2:4 pruning", ["--qc-prune=pattern=2:4"]))
    if has_pass(qc_opt, "qc-low-rank"):
        variants.append(("qc + low-rank", ["--qc-low-rank=energy=0.95 min-flop-reduction=1.1"]))

    rows, problems = [], []
    for name in args.models:
        onnx_path = os.path.join(HERE, "digits_%s.onnx" % name)
        graph = import_model(onnx_path, batch=n)
        qp = graph.nodes[-1].attrs["qparams"]
        step = float(qp.scale[0])
        src = os.path.join(work, "digits_%s.mlir" % name)
        with open(src, "w") as f:
            f.write(graph.to_mlir())
        int8 = np.load(os.path.join(HERE, "digits_%s_int8.npy" % name))
        qat = np.load(os.path.join(HERE, "digits_%s_float.npy" % name))
        acc = lambda y: 100.0 * float(np.mean(y.argmax(1) == labels))  # noqa: E731
        rows.append((name, "torch QAT (float)", "torch", acc(qat), None, os.path.getsize(onnx_path), None))
        rows.append((name, "torch int8 (onednn)", "torch", acc(int8), compare(int8, int8, step), None, None))
        for label, passes in variants:
            tag = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
            try:
                pre = src
                if passes:
                    pre = os.path.join(work, "digits_%s.%s.mlir" % (name, tag))
                    run([qc_opt, src] + passes + ["-o", pre], "%s on digits_%s" % (label, name))
                folded = os.path.join(work, "digits_%s.%s.folded.mlir" % (name, tag))
                run([qc_opt, pre, "--qc-fold-fake-quant", "-o", folded], "folding digits_%s" % name)
                with open(folded) as f:
                    text = f.read()
                if label == "qc int8":
                    ops = sorted(set(re.findall(r"\b(qc\.[a-z_0-9]+)", text)))
                    print("digits_%s folded to: %s" % (name, ", ".join(ops)))
                size = weight_bytes(text)
                outputs = {}
                for target in args.targets if label == "qc int8" else ["cpu"]:
                    ypath = os.path.join(work, "digits_%s.%s.%s.npy" % (name, tag, target))
                    out = run([qc_run, "--target=%s" % target, folded, "--input", xpath, "--output", ypath,
                               "--repeat", str(args.repeat)], "qc-run --target=%s on digits_%s" % (target, name))
                    y = np.load(ypath)
                    outputs[target] = y
                    rows.append((name, label, target, acc(y), compare(y, int8, step), size, latency_us(out, n)))
                if "cpu" in outputs and "vulkan" in outputs and not np.array_equal(outputs["cpu"], outputs["vulkan"]):
                    problems.append("digits_%s: Vulkan outputs differ from CPU outputs" % name)
                if label == "qc int8":
                    check_python_api(graph, x, outputs, name, problems)
            except StepFailed as e:
                problems.append("digits_%s, %s: %s" % (name, label, e))

    print()
    print("digits (scikit-learn), %d test images; 'vs torch int8' compares logits in output steps (LSB)" % n)
    print("| model | variant | target | accuracy | vs torch int8: exact / max LSB / argmax | weight bytes | latency per sample |")
    print("|---|---|---|---|---|---|---|")
    for name, label, target, accuracy, cmp, size, lat in rows:
        c = "-" if cmp is None or label.startswith("torch int8") else "%.1f %% / %d / %.1f %%" % cmp
        s = "-" if size is None else ("%d (onnx file)" % size if label.startswith("torch QAT") else "%d" % size)
        t = "-" if lat is None else "%.2f us" % lat
        print("| digits_%s | %s | %s | %.2f %% | %s | %s | %s |" % (name, label, target, accuracy, c, s, t))
    # Fine-tuning the compressed models (qc.training): cached table + one re-run.
    from finetune_digits import demo as finetune_demo
    problems += finetune_demo(args.build)
    if problems:
        print()
        for p in problems:
            print("demo: error: " + p, file=sys.stderr)
        return 1
    print("\nCPU and Vulkan outputs are identical for every model.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
