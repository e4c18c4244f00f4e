"""Error of qc's integer softmax and LayerNorm against float, over a sweep.

    PYTHONPATH=python /usr/bin/python3 scripts/nonlinear_errors.py [--trials N] [--seed S]

Evaluates python/qc/reference.py's softmax and layer_norm (bit-exact with
the CPU and Vulkan code, test/python/nonlinear-numerics.py) on random and
adversarial rows, random input scales, zero points, gammas, betas, output
parameters and epsilons, and prints the largest distance of an output code
to the exact float result clamped to the output range, in output steps: the
figures docs/Numerics.md states. Seconds; not a lit test because the sweep
is wider than a test needs.
"""
import argparse

import numpy as np

from qc import reference as ref


def softmax_rows(rng, kind, n):
    if kind == 0:
        return rng.integers(-128, 128, (4, n))
    if kind == 1:
        return np.full((4, n), int(rng.integers(-128, 128)))
    if kind == 2:   # one spike, everything else at the bottom of the range
        x = np.full((4, n), -128)
        x[:, rng.integers(0, n)] = 127
        return x
    return rng.choice([-128, 127], (4, n))


def layer_norm_rows(rng, kind, d, z):
    if kind == 0:
        return rng.integers(-128, 128, (3, d))
    if kind == 1:
        return np.full((3, d), int(rng.integers(-128, 128)))
    if kind == 2:   # one code apart: the smallest non-zero variance
        x = np.full((3, d), 40)
        x[:, rng.integers(0, d)] = 41
        return x
    if kind == 3:
        return rng.choice([-128, 127], (3, d))
    return np.clip(rng.normal(0, 3, (3, d)).round() + z, -128, 127).astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    worst = 0.0
    for trial in range(args.trials):
        s_in = float(np.exp(rng.uniform(np.log(0.003), np.log(1.0))))
        n = int(rng.choice([2, 5, 16, 64, 300, 3000]))
        x = softmax_rows(rng, trial % 4, n)
        y = ref.softmax(x, 1, s_in, 8, 1 / 256, -128, -128, 127)
        real = x * s_in
        e = np.exp(real - real.max(1, keepdims=True))
        exact = e / e.sum(1, keepdims=True)
        worst = max(worst, float(np.max(np.abs(y - np.clip(exact * 256 - 128, -128, 127)))))
    print("softmax: %d trials (rows of 2 to 3000, s_in 0.003 to 1, s_out 1/256): "
          "max error %.3f output steps" % (args.trials, worst))
    worst = 0.0
    for trial in range(args.trials):
        d = int(rng.choice([2, 8, 64, 768, 4096]))
        s_in = float(np.exp(rng.uniform(np.log(0.003), np.log(1.0))))
        z = int(rng.integers(-128, 128))
        x = layer_norm_rows(rng, trial % 5, d, z)
        gamma, beta = rng.normal(1, 0.5, d), rng.normal(0, 0.5, d)
        s_out = float(np.exp(rng.uniform(np.log(0.005), np.log(0.2))))
        z_out = int(rng.integers(-20, 20))
        eps = float(rng.choice([1e-5, 1e-12, 1e-3]))
        y = ref.layer_norm(x, s_in, z, gamma, beta, eps, s_out, z_out, -128, 127)
        real = (x - z) * s_in
        norm = (real - real.mean(-1, keepdims=True)) / np.sqrt(real.var(-1, keepdims=True) + eps)
        ideal = np.clip((norm * gamma + beta) / s_out + z_out, -128, 127)
        worst = max(worst, float(np.max(np.abs(y - ideal))))
    print("layer_norm: %d trials (D 2 to 4096, s_in 0.003 to 1, eps 1e-12 to 1e-3): "
          "max error %.3f output steps" % (args.trials, worst))


if __name__ == "__main__":
    main()
