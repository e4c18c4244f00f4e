#!/usr/bin/python3
"""Compiles the digits examples with qc and compares them with torch int8.

For each model (examples/digits_{mlp,cnn}.onnx, trained by train_digits.py):

  1. qc.importers.onnx          ONNX QDQ -> float func + qc.fake_quant (batch = test set)
  2. qc-opt --qc-fold-fake-quant -> integer qc ops (f32 only at the quantize /
                                 dequantize boundaries of the function)
  3. qc-run --target=cpu         compiles it (qc-cpu-pipeline: qc-lower-to-linalg,
                                 tile, vectorize, bufferize, LLVM) and runs it on
                                 digits_test_x.npy

and prints, against torch's own int8 model (digits_*_int8.npy, convert_fx on
torch's quantized engine) and against the QAT fake-quant model
(digits_*_float.npy): the share of bit-exact outputs, the largest
difference in output quantization steps (LSB), the argmax agreement, and the
accuracy on the labels.

Usage: /usr/bin/python3 examples/evaluate_digits.py [--build build] [--target cpu]
       [--models mlp cnn] [--work DIR] [--json out.json] [--preload-runner-utils LIB]
Exits non-zero (with the reason) when a tool is missing or a step fails.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))

from qc.importers.onnx import import_model  # noqa: E402


def fail(msg):
    print("evaluate_digits: error: %s" % msg, file=sys.stderr)
    sys.exit(1)


class StepFailed(Exception):
    pass


def run(cmd, what, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise StepFailed("%s failed (%s):\n%s" % (what, " ".join(cmd), r.stderr[-3000:]))
    return r.stdout


def compare(y, ref, step):
    diff = np.abs(y.astype(np.float64) - ref.astype(np.float64))
    lsb = np.rint(diff / step).astype(np.int64)
    return {
        "exact_percent": round(100.0 * float(np.mean(lsb == 0)), 2),
        "max_lsb": int(lsb.max()),
        "argmax_agreement_percent": round(100.0 * float(np.mean(y.argmax(1) == ref.argmax(1))), 2),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="qc build directory")
    ap.add_argument("--target", default="cpu")
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    ap.add_argument("--work", default=None, help="keep the intermediate files here")
    ap.add_argument("--json", default=None, help="also write the figures as JSON")
    ap.add_argument("--calibrate", default=None, choices=["minmax", "percentile", "entropy", "mse"],
                    help="instead: calibrate the float models (digits_*_fp32.onnx) on digits_calib_x.npy "
                         "with qc.calibration and compare with the float model")
    ap.add_argument("--preload-runner-utils", default=None, metavar="LIB",
                    help="LD_PRELOAD this library (e.g. /usr/lib/llvm-22/lib/libmlir_c_runner_utils.so) "
                         "into qc-run: a workaround while the CPU JIT does not resolve memrefCopy")
    args = ap.parse_args()
    qc_opt = os.path.join(args.build, "bin", "qc-opt")
    qc_run = os.path.join(args.build, "bin", "qc-run")
    for tool in (qc_opt, qc_run):
        if not os.access(tool, os.X_OK):
            fail("%s not found: build qc first (scripts/setup.sh or ninja -C %s)" % (tool, args.build))
    work = args.work or tempfile.mkdtemp(prefix="qc-digits-")
    os.makedirs(work, exist_ok=True)
    x = np.load(os.path.join(HERE, "digits_test_x.npy"))
    labels = np.load(os.path.join(HERE, "digits_test_y.npy"))
    xpath = os.path.join(work, "x.npy")
    np.save(xpath, np.ascontiguousarray(x, dtype=np.float32))
    report = {"n": int(len(x)), "target": args.target}
    failed = []
    for name in args.models:
        try:
            if args.calibrate:
                report[name] = evaluate_calibrated(name, args, qc_opt, qc_run, work, x, labels)
            else:
                report[name] = evaluate(name, args, qc_opt, qc_run, work, x, xpath, labels)
        except StepFailed as e:
            print("evaluate_digits: error: digits_%s: %s" % (name, e), file=sys.stderr)
            failed.append(name)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
    if failed:
        print("evaluate_digits: failed: %s" % ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def evaluate(name, args, qc_opt, qc_run, work, x, xpath, labels):
    """Imports, folds, compiles and runs one model; returns its figures."""
    graph = import_model(os.path.join(HERE, "digits_%s.onnx" % name), batch=len(x))
    qp = graph.nodes[-1].attrs["qparams"]
    step, zp = float(qp.scale[0]), int(qp.zero_point[0])
    src = os.path.join(work, "digits_%s.mlir" % name)
    with open(src, "w") as f:
        f.write(graph.to_mlir())
    folded = os.path.join(work, "digits_%s.folded.mlir" % name)
    with open(folded, "w") as f:
        f.write(run([qc_opt, src, "--qc-fold-fake-quant"], "folding digits_%s" % name))
    ypath = os.path.join(work, "digits_%s.qc.npy" % name)
    env = None
    if args.preload_runner_utils:
        env = dict(os.environ, LD_PRELOAD=args.preload_runner_utils)
    run([qc_run, "--target=%s" % args.target, folded, "--input", xpath, "--output", ypath],
        "qc-run on digits_%s" % name, env)
    y = np.load(ypath)
    int8 = np.load(os.path.join(HERE, "digits_%s_int8.npy" % name))
    qat = np.load(os.path.join(HERE, "digits_%s_float.npy" % name))
    if y.shape != int8.shape:
        raise StepFailed("qc output shape %s, torch %s" % (y.shape, int8.shape))
    r = {
        "output_step": step,
        "qc_accuracy_percent": round(100.0 * float(np.mean(y.argmax(1) == labels)), 2),
        "torch_int8_accuracy_percent": round(100.0 * float(np.mean(int8.argmax(1) == labels)), 2),
        "qat_accuracy_percent": round(100.0 * float(np.mean(qat.argmax(1) == labels)), 2),
        "vs_torch_int8": compare(y, int8, step),
        "vs_qat_fake_quant": compare(y, qat, step),
    }
    # torch's int8 kernels saturate at 255 where the model's range ends at
    # qmax (127 with reduce_range): compare also where torch stays in range.
    in_range = np.rint(int8 / step) + zp <= qp.qmax
    r["torch_int8_codes_above_qmax_percent"] = round(100.0 * float(np.mean(~in_range)), 2)
    lsb = np.rint(np.abs(y.astype(np.float64) - int8) / step)[in_range]
    r["vs_torch_int8_in_range"] = {"exact_percent": round(100.0 * float(np.mean(lsb == 0)), 2),
                                   "max_lsb": int(lsb.max())}
    print("digits_%s (%d test inputs, target %s):" % (name, len(x), args.target))
    print("  accuracy: qc %.2f%%  torch int8 %.2f%%  QAT fake-quant %.2f%%" % (
        r["qc_accuracy_percent"], r["torch_int8_accuracy_percent"], r["qat_accuracy_percent"]))
    for k in ("vs_torch_int8", "vs_qat_fake_quant"):
        c = r[k]
        print("  %-18s exact %6.2f%%  max %d LSB  argmax agreement %6.2f%%" % (
            k.replace("_", " "), c["exact_percent"], c["max_lsb"], c["argmax_agreement_percent"]))
    c = r["vs_torch_int8_in_range"]
    print("  vs torch int8 where torch's code <= %d (%.2f%% are above): exact %6.2f%%  max %d LSB" % (
        qp.qmax, r["torch_int8_codes_above_qmax_percent"], c["exact_percent"], c["max_lsb"]))
    return r



def evaluate_calibrated(name, args, qc_opt, qc_run, work, x, labels):
    """Post-training calibration of the float model, compiled and run in
    batches of 64; compared with the float model."""
    from qc.calibration import calibrate
    calib = np.load(os.path.join(HERE, "digits_calib_x.npy"))
    batch = 64
    fgraph = import_model(os.path.join(HERE, "digits_%s_fp32.onnx" % name), batch=batch)
    qgraph = calibrate(fgraph, [calib], args.calibrate)
    src = os.path.join(work, "digits_%s_%s.mlir" % (name, args.calibrate))
    with open(src, "w") as f:
        f.write(qgraph.to_mlir())
    folded = os.path.join(work, "digits_%s_%s.folded.mlir" % (name, args.calibrate))
    with open(folded, "w") as f:
        f.write(run([qc_opt, src, "--qc-fold-fake-quant"], "folding digits_%s" % name))
    env = dict(os.environ, LD_PRELOAD=args.preload_runner_utils) if args.preload_runner_utils else None
    ys, fs = [], []
    for i in range(0, len(x) - batch + 1, batch):
        xp, yp = os.path.join(work, "x%d.npy" % i), os.path.join(work, "y%d.npy" % i)
        np.save(xp, np.ascontiguousarray(x[i:i + batch], dtype=np.float32))
        run([qc_run, "--target=%s" % args.target, folded, "--input", xp, "--output", yp],
            "qc-run on digits_%s" % name, env)
        ys.append(np.load(yp))
        fs.append(fgraph.evaluate([x[i:i + batch]])[0])
    y, fl = np.concatenate(ys), np.concatenate(fs)
    n = len(y)
    r = {"method": args.calibrate, "n": n,
         "qc_accuracy_percent": round(100.0 * float(np.mean(y.argmax(1) == labels[:n])), 2),
         "float_accuracy_percent": round(100.0 * float(np.mean(fl.argmax(1) == labels[:n])), 2),
         "argmax_agreement_with_float_percent": round(100.0 * float(np.mean(y.argmax(1) == fl.argmax(1))), 2),
         "max_abs_logit_error": float(np.abs(y - fl).max())}
    print("digits_%s calibrated (%s, %d calibration inputs), %d test inputs, target %s:" % (
        name, args.calibrate, len(calib), n, args.target))
    print("  accuracy: qc %.2f%%  float %.2f%%  argmax agreement %.2f%%  max |logit error| %.4f" % (
        r["qc_accuracy_percent"], r["float_accuracy_percent"], r["argmax_agreement_with_float_percent"],
        r["max_abs_logit_error"]))
    return r


if __name__ == "__main__":
    sys.exit(main())
