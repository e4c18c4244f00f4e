"""What benchmarks/int16_weights.py and int16_int4_weights.py share: their
command line, the layer syntax, a numpy convolution and the timing loop
(variants alternated round by round, every output checked against numpy,
one markdown row per variant)."""
import argparse
import os
import re
import subprocess
import sys

import numpy as np


def parse_args(default_layers, default_repeat):
    """--build, --layers, --repeat, --threads, --rounds."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--layers", default=default_layers)
    ap.add_argument("--repeat", type=int, default=default_repeat)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs of qc-run per variant, alternating")
    return ap.parse_args()


def layers(spec):
    """`kind:AxBx..` items of a comma-separated list, as (kind, [A, B, ..])."""
    for layer in spec.split(","):
        kind, dims = layer.split(":")
        yield layer, kind, [int(v) for v in dims.split("x")]


def conv_reference(x, w):
    """A valid (pre-padded) NHWC convolution by an HWCF filter, in int64."""
    _, hp, wp, _ = x.shape
    kh, kw, _, f = w.shape
    h, wd = hp - kh + 1, wp - kw + 1
    acc = np.zeros((1, h, wd, f), dtype=np.int64)
    x, w = x.astype(np.int64), w.astype(np.int64)
    for i in range(kh):
        for j in range(kw):
            acc += np.einsum("nhwc,cf->nhwf", x[:, i:i + h, j:j + wd, :], w[i, j])
    return acc


def depthwise_reference(x, w):
    """A valid (pre-padded) NHWC depthwise convolution by an HWC filter
    into [1, H, W, C, 1], in int64."""
    _, hp, wp, _ = x.shape
    kh, kw, _ = w.shape
    h, wd = hp - kh + 1, wp - kw + 1
    x, w = x.astype(np.int64), w.astype(np.int64)
    acc = np.zeros((1, h, wd, x.shape[3]), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            acc += x[:, i:i + h, j:j + wd, :] * w[i, j]
    return acc[..., None]


def print_header():
    """The table's head: `generic` and `baseline` are named per layer by the
    benchmark (time_variants' `generic` and `base`)."""
    print("| layer | variant | min us | median us | generic / this | this / baseline |")
    print("|---|---|---|---|---|---|")


def time_variants(args, label, variants, generic, base, tmp):
    """Runs each variant (name, module path, input array, pipeline options,
    expected int64 array) `args.rounds` times with qc-run --repeat, the
    variants alternated; prints its row: min and median of the medians in
    us, `generic`'s min over its min, its min over `base`'s."""
    runner = os.path.join(args.build, "bin", "qc-run")
    times = {v[0]: [] for v in variants}
    for _ in range(args.rounds):
        for name, module, x, options, expected in variants:
            xpath = os.path.join(tmp, "x.npy")
            np.save(xpath, x)
            out = os.path.join(tmp, "y.npy")
            cmd = [runner, module, "--target=cpu", "--threads", str(args.threads),
                   "--input", xpath, "--output", out, "--repeat", str(args.repeat)]
            if options:
                cmd.append("--pipeline-options=" + options)
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                sys.exit(r.stderr)
            text = r.stdout + r.stderr
            times[name].append((float(re.search(r"min ([0-9.]+) ms", text).group(1)),
                                float(re.search(r"median ([0-9.]+) ms", text).group(1))))
            if not np.array_equal(np.load(out), expected):
                sys.exit("%s %s: output differs from numpy" % (label, name))
    best = {name: min(t[0] for t in ts) for name, ts in times.items()}
    for name, *_ in variants:
        median = sorted(t[1] for t in times[name])[len(times[name]) // 2]
        print("| %s | %s | %.1f | %.1f | %.2fx | %.2fx |" % (
            label, name, best[name] * 1e3, median * 1e3, best[generic] / best[name],
            best[name] / best[base]))
    sys.stdout.flush()
