# Executes models factorized by --qc-low-rank on one target and checks them
# with numpy (driver of test/Integration/{CPU,Vulkan}/low-rank.test):
#   * quantized qc.matmul and 3x3 stride-2 qc.conv2d: the factorized model is
#     bit-exact with python/qc/reference.py evaluated on the factorized IR, the
#     original model with the reference of the original, and the two differ by
#     at most a few output codes (the weights are rank 6 plus 1 % noise);
#   * float linalg.matmul (--float): the factorized model computes x A B
#     (1e-5) and stays within ||x (W - A B)||_F <= ||x||_2 ||W - A B||_F of x W.
#
# Usage: low_rank_check.py --work-dir DIR [--float] [--factorized-flag F]...
#            -- RUNNER [RUNNER FLAGS]
# where RUNNER takes `model.mlir --entry model --input x.npy --output y.npy`.
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import low_rank_models as models  # noqa: E402
from upstream_cpu import run  # noqa: E402

MAX_CODE_DIFFERENCE = 4


def compile_pair(work, name, source, options):
    """Writes the model, its factorized form and both printed IRs."""
    original = os.path.join(work, name + ".mlir")
    factorized = os.path.join(work, name + "-lr.mlir")
    with open(original, "w") as f:
        f.write(source)
    printed = run(["qc-opt", original, "--mlir-print-elementsattrs-with-hex-if-larger=1"]).stdout
    result = run(["qc-opt", original, "--qc-low-rank=" + options,
                  "--mlir-print-elementsattrs-with-hex-if-larger=1", "-o", factorized])
    if "qc-low-rank: rank" not in result.stderr:
        sys.exit(f"{name}: not factorized:\n{result.stderr}")
    with open(factorized) as f:
        return original, factorized, printed, f.read()


RUNNER = []
FACTORIZED_FLAGS = []


def qc_run(model, inputs, output, extra=()):
    cmd = [*RUNNER, model, "--entry", "model", *extra, "--output", output]
    for i in inputs:
        cmd += ["--input", i]
    run(cmd)
    return np.load(output)


def check_quantized(work, name, source, shape, options, rng):
    original, factorized, printed, printed_lr = compile_pair(work, name, source, options)
    xq = rng.integers(-128, 128, shape).astype(np.int8)
    x_file = os.path.join(work, name + "-x.npy")
    np.save(x_file, xq)
    y0 = qc_run(original, [x_file], os.path.join(work, name + "-y0.npy"))
    y1 = qc_run(factorized, [x_file], os.path.join(work, name + "-y1.npy"),
                FACTORIZED_FLAGS)
    want0, want1 = models.evaluate(printed, xq), models.evaluate(printed_lr, xq)
    if not np.array_equal(y1, want1):
        sys.exit(f"{name}: factorized run differs from the reference in "
                 f"{np.count_nonzero(y1 != want1)} elements")
    if not np.array_equal(y0, want0):
        sys.exit(f"{name}: original run differs from the reference")
    difference = np.abs(y1.astype(np.int64) - y0).max()
    spread = int(np.ptp(y0.astype(np.int64)))
    if difference > MAX_CODE_DIFFERENCE or spread < 50:
        sys.exit(f"{name}: factorized output {difference} codes from the original "
                 f"(output spread {spread})")
    print(f"quantized {name}: factorized bit-exact, original bit-exact, "
          f"max difference {difference} codes over a spread of {spread}")


def check_float(work, rng):
    source, w = models.float_matmul(rng, 8, 96, 64, 6)
    original, factorized, _, printed_lr = compile_pair(work, "float", source, "rank=6")
    x = rng.standard_normal((8, 96)).astype(np.float32)
    x_file = os.path.join(work, "float-x.npy")
    np.save(x_file, x)
    y = qc_run(factorized, [x_file], os.path.join(work, "float-y.npy")).astype(np.float64)
    consts = models.constants(printed_lr)
    a = next(v for v in consts.values() if v.shape == (96, 6)).astype(np.float64)
    b = next(v for v in consts.values() if v.shape == (6, 64)).astype(np.float64)
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    exact = x64 @ a @ b
    if np.linalg.norm(y - exact) > 1e-5 * np.linalg.norm(exact):
        sys.exit("float: the factorized model does not compute x A B")
    bound = np.linalg.norm(x64, 2) * np.linalg.norm(w64 - a @ b)
    if np.linalg.norm(y - x64 @ w64) > bound * (1 + 1e-4):
        sys.exit("float: error above ||x||_2 ||W - A B||_F")
    print("float matmul: ok")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--float", action="store_true", help="also a float model")
    parser.add_argument("--conv-padding", type=int, default=1,
                        help="padding of the 3x3 convolution on each side")
    parser.add_argument("--factorized-flag", action="append", default=[],
                        help="runner flag for the factorized models only")
    parser.add_argument("runner", nargs="+")
    args = parser.parse_args()
    RUNNER.extend(args.runner)
    FACTORIZED_FLAGS.extend(args.factorized_flag)
    os.makedirs(args.work_dir, exist_ok=True)
    rng = np.random.default_rng(7)
    check_quantized(args.work_dir, "matmul", models.quantized_matmul(rng, 8, 96, 64, 6),
                    (8, 96), "rank=6", rng)
    check_quantized(args.work_dir, "conv3x3",
                    models.quantized_conv(rng, 9, 16, 32, 6, pad=args.conv_padding),
                    (1, 9, 9, 16), "rank=6", rng)
    if args.float:
        check_float(args.work_dir, rng)


if __name__ == "__main__":
    main()
