#!/usr/bin/python3
"""Accuracy and weight bytes of the digits models (examples/) under
--qc-weight-sharing and --qc-pack-weights.

Each committed QAT model is imported (ONNX, batch of the 256 saved test
inputs), folded to integer qc ops, optionally clustered
(--qc-weight-sharing, in the quantized domain), lowered and packed
(--qc-pack-weights), compiled and run by qc-run --target=cpu. The table
gives the test accuracy, the argmax agreement with the unclustered int8
model, and the bytes of the contraction weights as indices + codebooks that
the --qc-weight-sharing remarks report (the int8 row: the dense size those
remarks give as "before"). --qc-pack-weights runs but does not pack these
models yet: their u8 x i8 contractions lower to linalg.generic, and the pack
pass takes linalg.matmul / conv_2d_nhwc_hwcf only.

  benchmarks/weight_sharing_digits.py --build build

Not a test: it measures. docs/WeightSharing.md holds a table it printed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
from qc.importers.onnx import import_model  # noqa: E402

BYTES = re.compile(r"qc-weight-sharing: .*: \d+ weights, ([0-9.]+) -> ([0-9.]+) bytes")


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), proc.stderr))
    return proc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.environ.get("QC_BUILD_DIR", "build"))
    args = parser.parse_args()
    qc_opt = os.path.join(args.build, "bin", "qc-opt")
    qc_run = os.path.join(args.build, "bin", "qc-run")
    x = np.load(os.path.join(ROOT, "examples", "digits_test_x.npy"))
    labels = np.load(os.path.join(ROOT, "examples", "digits_test_y.npy"))
    settings = [("int8", None), ("16 clusters/tensor", "clusters=16"),
                ("8 clusters/tensor", "clusters=8"), ("4 clusters/tensor", "clusters=4"),
                ("4 clusters/channel", "clusters=4 granularity=channel")]
    print("| model | weights | accuracy | agreement with int8 | weight bytes |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        xpath = os.path.join(work, "x.npy")
        np.save(xpath, x)
        for name in ("mlp", "cnn"):
            src = os.path.join(work, name + ".mlir")
            with open(src, "w") as f:
                f.write(import_model(os.path.join(ROOT, "examples", "digits_%s.onnx" % name),
                                     batch=len(x)).to_mlir())
            base_pred, rows, dense = None, [], None
            for label, options in settings:
                out = os.path.join(work, "%s.%s.mlir" % (name, label.replace(" ", "_").replace("/", "_")))
                passes = ["--qc-fold-fake-quant"]
                if options:
                    passes.append("--qc-weight-sharing=" + options)
                passes += ["--qc-lower-to-linalg", "--qc-pack-weights"]  # a no-op here, see above
                proc = run([qc_opt, src, *passes, "-o", out])
                packed = [(float(a), float(b)) for a, b in BYTES.findall(proc.stderr)]
                before = sum(a for a, _ in packed)
                after = sum(b for _, b in packed)
                y_path = out + ".y.npy"
                run([qc_run, "--target=cpu", out, "--input", xpath, "--output", y_path])
                pred = np.load(y_path).argmax(1)
                if base_pred is None:
                    base_pred = pred
                acc = 100.0 * np.mean(pred == labels)
                agree = 100.0 * np.mean(pred == base_pred)
                if packed:
                    dense = before
                rows.append((label, acc, agree, after if packed else None))
            for label, acc, agree, after in rows:
                # The remarks' "before" is the dense int8 size.
                size = "%.0f" % (dense if after is None else after)
                print("| %s | %s | %.2f %% | %.2f %% | %s |" % (name, label, acc, agree, size))


if __name__ == "__main__":
    main()
