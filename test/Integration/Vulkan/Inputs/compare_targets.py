"""Runs a model through qc-run on the CPU and on Vulkan with several
qc-spirv-pipeline option sets and checks that every Vulkan result is
bit-identical with the CPU's (the CPU path is itself checked against
python/qc/reference.py by the lowering tests).

usage: compare_targets.py MODEL.mlir WORKDIR [--validate N] -- OPTIONS...
Each OPTIONS argument is one option string ("" for the defaults, which
qc-run adapts to the device). --validate N runs the last N option sets under
the Khronos validation layer too (QC_VULKAN_VALIDATION=1: any message fails).
"""
import argparse
import os
import subprocess
import sys

import numpy as np


def run(model, target, x, out, options, validate=False):
    cmd = ["qc-run", "--target=" + target, model, "--input", x, "--output", out]
    if options:
        cmd.append("--pipeline-options=" + options)
    env = dict(os.environ)
    if validate:
        env["QC_VULKAN_VALIDATION"] = "1"
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit("FAIL %s '%s':\n%s" % (target, options, proc.stderr[-3000:]))
    return np.load(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("workdir")
    parser.add_argument("--validate", type=int, default=0)
    split = sys.argv.index("--")
    args = parser.parse_args(sys.argv[1:split])
    args.options = sys.argv[split + 1:]
    os.makedirs(args.workdir, exist_ok=True)
    x = os.path.join(args.workdir, "x.npy")
    np.save(x, np.random.default_rng(7).standard_normal((1, 3, 16, 16)).astype(np.float32))
    want = run(args.model, "cpu", x, os.path.join(args.workdir, "cpu.npy"), "")
    for i, options in enumerate(args.options):
        validate = i >= len(args.options) - args.validate
        got = run(args.model, "vulkan", x, os.path.join(args.workdir, "vk%d.npy" % i), options,
                  validate)
        same = got.dtype == want.dtype and got.tobytes() == want.tobytes()
        print("%s '%s'%s" % ("PASS" if same else "MISMATCH", options,
                             " (validation layer)" if validate else ""))
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
