"""A QAT MLP with dead channels and extreme per-channel scales, in upstream
QDQ form, run through --qc-fold-fake-quant and qc-run, bit-exact against
python/qc/reference.py and against gemmlowp itself.

The model (3 layers, `linalg.matmul` + bias + ReLU between `quant.qcast` /
`quant.dcast`) has what PyTorch's observers produce for channels whose
weights are all zero -- the scale float32 eps = 1.1920929e-07 -- one in the
first layer and three in the second, per-channel weight scales that span 10^7
in a layer and requantization multipliers down to 2^-31 (shift -31). The
bias and ReLU of the first two layers are fused in one linalg.generic (what
elementwise fusion gives), the second layer carries its bias as an i32 QDQ
constant (ONNX / PT2E style) and the third has a plain bias add. A dead
channel with a bias too large for s_in * eps tests the scale the fold gives
it instead.

    dead_channel_mlp.py --work-dir DIR --target cpu|vulkan [--batch N]

writes DIR/mlp.mlir, folds it with allow-float=false (no float may remain),
runs it with qc-run and compares each layer's output bit for bit with the
reference; every requantization (acc, multiplier, shift) of the reference
run is also fed to `qc-numerics-check --apply` (gemmlowp's
MultiplyByQuantizedMultiplier) and must agree. `--emit-only` just writes the
model; `--no-fold-check` lets float ops remain and `--float-biases` writes
every bias as a float constant (to measure qc versions that did not fold
this model).
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

from qc import reference as ref

EPS = float(np.finfo(np.float32).eps)
B_DEFAULT = 5
DIMS = [13, 24, 16, 7]
DEAD = {0: [3], 1: [1, 5, 9]}
# Per layer: input scale/zero point, output scale/zero point (i8).
ACT = [(0.02, 1), (0.05, -100), (0.04, -90), (0.1, 3)]
# Requantization multipliers forced on some live channels: shifts -23..-31.
TINY_M = {0: [2.0 ** -32 * 1.25, 2.0 ** -28 * 1.5], 1: [2.0 ** -30 * 1.1, 2.0 ** -24 * 1.9],
          2: [2.0 ** -32 * 1.9, 2.0 ** -26 * 1.3]}


def f32(x):
    """The value an f32 scale in the IR holds, as a double."""
    return float(np.float32(x))


def layer_params(rng, l):
    K, N = DIMS[l], DIMS[l + 1]
    s_in, s_out = ACT[l][0], ACT[l + 1][0]
    w = rng.normal(0, 0.2, (K, N))
    scales = np.maximum(np.abs(w).max(0) / 127.5, EPS)
    # One wide channel: with the eps channels the spread is 10^7.
    scales[N - 1] = EPS * 1.0e7
    w[:, N - 1] = rng.integers(-3, 4, K) * scales[N - 1]
    for c, m in zip([N - 2, N - 3], TINY_M[l]):
        scales[c] = m * s_out / s_in
        w[:, c] = rng.integers(-127, 128, K) * scales[c]
    for c in DEAD.get(l, []):
        w[:, c] = 0.0
        scales[c] = EPS
    scales = np.array([f32(s) for s in scales])
    codes = np.clip(np.rint(w / scales), -128, 127).astype(np.int64)
    bias = rng.normal(0, 0.1, N)
    # Tiny-scale channels: biases of up to 0.9 * 2^31 steps of s_in * s_w,
    # so that the tiny multipliers give outputs that are not all zero (2^31
    # steps would not fit i32 next to the products: the fold keeps such a
    # layer float and says why).
    for c in [N - 2, N - 3]:
        bias[c] = rng.uniform(-0.9, 0.9) * 2.0 ** 31 * s_in * scales[c]
    bias = bias.astype(np.float32).astype(np.float64)
    if l == 0:
        # A dead channel whose bias is 2.5e9 steps of s_in * eps: it does
        # not fit i32 unless the fold raises that channel's scale.
        bias[DEAD[0][0]] = 6.0
    return codes, scales, bias


def fmt(values, ints=False):
    values = np.asarray(values)
    if values.ndim == 1:
        return "[" + ", ".join(str(int(v)) if ints else "%.17e" % v for v in values) + "]"
    return "[" + ", ".join(fmt(r, ints) for r in values) + "]"


def qtype(scale, zp):
    return "!quant.uniform<i8:f32, %.17e:%d>" % (scale, zp)


def build(batch, seed=0, float_biases=False):
    """(mlir text, per-layer params)."""
    rng = np.random.default_rng(seed)
    params = [layer_params(rng, l) for l in range(3)]
    body, cur, results = [], "%x", []
    for l, (codes, scales, bias) in enumerate(params):
        K, N = DIMS[l], DIMS[l + 1]
        xt = "tensor<%dx%dx%s>" % (batch, K, qtype(*ACT[l]))
        yt = "tensor<%dx%dx%s>" % (batch, N, qtype(*ACT[l + 1]))
        wt = "tensor<%dx%dx!quant.uniform<i8:f32:1, {%s}>>" % (
            K, N, ", ".join("%.17e" % s for s in scales))
        ft = "tensor<%dx%dxf32>" % (batch, N)
        body += [
            f"  %xq{l} = quant.qcast {cur} : tensor<{batch}x{K}xf32> to {xt}",
            f"  %xd{l} = quant.dcast %xq{l} : {xt} to tensor<{batch}x{K}xf32>",
            f"  %wi{l} = arith.constant dense<{fmt(codes, True)}> : tensor<{K}x{N}xi8>",
            f"  %ws{l} = quant.scast %wi{l} : tensor<{K}x{N}xi8> to {wt}",
            f"  %wd{l} = quant.dcast %ws{l} : {wt} to tensor<{K}x{N}xf32>",
            f"  %e{l} = tensor.empty() : {ft}",
            f"  %f{l} = linalg.fill ins(%zero : f32) outs(%e{l} : {ft}) -> {ft}",
            f"  %mm{l} = linalg.matmul ins(%xd{l}, %wd{l} : tensor<{batch}x{K}xf32>, "
            f"tensor<{K}x{N}xf32>) outs(%f{l} : {ft}) -> {ft}",
        ]
        if l == 1 and not float_biases:
            # The bias as the exporters of QDQ graphs write it: i32 codes
            # with scale s_in * s_w.
            bs = np.array([ACT[l][0] * s for s in scales])
            bcodes = np.rint(bias / bs).astype(np.int64)
            bt = "tensor<%dx!quant.uniform<i32:f32:0, {%s}>>" % (
                N, ", ".join("%.17e" % s for s in bs))
            body += [f"  %bi{l} = arith.constant dense<{fmt(bcodes, True)}> : tensor<{N}xi32>",
                     f"  %bs{l} = quant.scast %bi{l} : tensor<{N}xi32> to {bt}",
                     f"  %b{l} = quant.dcast %bs{l} : {bt} to tensor<{N}xf32>"]
        else:
            body.append(f"  %b{l} = arith.constant dense<{fmt(bias)}> : tensor<{N}xf32>")
        relu = "    %m = arith.maximumf %s, %zero : f32\n    linalg.yield %m : f32" \
            if l < 2 else "    linalg.yield %s : f32"
        body.append(
            f"  %y{l} = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, "
            f"affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], "
            f"iterator_types = [\"parallel\", \"parallel\"]}} ins(%mm{l}, %b{l} : {ft}, "
            f"tensor<{N}xf32>) outs(%e{l} : {ft}) {{\n"
            f"  ^bb0(%a: f32, %c: f32, %o: f32):\n    %s = arith.addf %a, %c : f32\n"
            f"{relu}\n  }} -> {ft}")
        body += [f"  %yq{l} = quant.qcast %y{l} : {ft} to {yt}",
                 f"  %yd{l} = quant.dcast %yq{l} : {yt} to {ft}"]
        cur = f"%yd{l}"
        results.append((cur, ft))
    text = "func.func @mlp(%%x: tensor<%dx%dxf32>) -> (%s) {\n" % (
        batch, DIMS[0], ", ".join(t for _, t in results))
    text += "  %zero = arith.constant 0.0 : f32\n" + "\n".join(body) + "\n"
    text += "  return %s : %s\n}\n" % (", ".join(v for v, _ in results),
                                       ", ".join(t for _, t in results))
    return text, params


def dead_scale(bias, s_in, scale):
    """The scale the fold gives a dead channel: raised by powers of two
    until round(bias / (s_in * scale)) fits i32 (docs/FoldFakeQuant.md)."""
    while abs(np.rint(bias / (s_in * scale))) > ref.INT32_MAX:
        scale *= 2.0
    return scale


def reference(x, params):
    """Per layer: the output codes, and the (acc, multiplier, shift) triples
    of its requantizations."""
    outputs, triples = [], []
    s_x, z_x = ACT[0]
    q = ref.quantize(x, s_x, z_x, -128, 127, ref.HALF_EVEN, float_type=np.float32)
    for l, (codes, scales, bias) in enumerate(params):
        s_in, z_in = ACT[l]
        s_out, z_out = ACT[l + 1]
        scales = scales.copy()
        for c in DEAD.get(l, []):
            scales[c] = dead_scale(bias[c], s_in, scales[c])
        bias_codes = np.rint(bias / (s_in * scales)).astype(np.int64)
        acc = ref.matmul(q, z_in, codes, 0, bias_codes)
        reals = s_in * scales / s_out
        pairs = [ref.quantize_multiplier(r) for r in reals]
        m = np.array([p[0] for p in pairs])
        e = np.array([p[1] for p in pairs])
        lo = z_out if l < 2 else -128  # ReLU: Q(0) = z_out
        q = np.clip(ref.apply_multiplier(acc, m, e) + z_out, lo, 127)
        outputs.append(q)
        triples.append(np.stack([acc, np.broadcast_to(m, acc.shape),
                                 np.broadcast_to(e, acc.shape)], -1).reshape(-1, 3))
    return outputs, triples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--target", default="cpu", choices=["cpu", "vulkan"])
    parser.add_argument("--batch", type=int, default=B_DEFAULT)
    parser.add_argument("--qc-opt", default="qc-opt")
    parser.add_argument("--qc-run", default="qc-run")
    parser.add_argument("--numerics-check", default="qc-numerics-check")
    parser.add_argument("--emit-only", action="store_true")
    parser.add_argument("--no-fold-check", action="store_true")
    parser.add_argument("--float-biases", action="store_true",
                        help="every bias a float constant (no i32 QDQ bias)")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    text, params = build(args.batch, float_biases=args.float_biases)
    src = os.path.join(args.work_dir, "mlp.mlir")
    with open(src, "w") as f:
        f.write(text)
    if args.emit_only:
        return
    folded = os.path.join(args.work_dir, "mlp.folded.mlir")
    fold = "--qc-fold-fake-quant" if args.no_fold_check else \
        "--qc-fold-fake-quant=allow-float=false"
    subprocess.run([args.qc_opt, src, fold, "-o", folded], check=True)
    n_matmul = len(re.findall(r"qc\.matmul", open(folded).read()))
    print("qc.matmul ops: %d" % n_matmul)

    rng = np.random.default_rng(1)
    x = rng.normal(0, 1.5, (args.batch, DIMS[0])).astype(np.float32)
    x[0, :4] = [0.0, -0.0, 1e9, -1e9]  # saturation at the input boundary
    xp = os.path.join(args.work_dir, "x.npy")
    np.save(xp, x)
    outs = [os.path.join(args.work_dir, "y%d.%s.npy" % (l, args.target)) for l in range(3)]
    cmd = [args.qc_run, "--target=" + args.target, folded, "--input", xp]
    for o in outs:
        cmd += ["--output", o]
    subprocess.run(cmd, check=True)

    want, triples = reference(x, params)
    bad = 0
    for l in range(3):
        got = np.load(outs[l])
        expect = ref.dequantize(want[l], *ACT[l + 1])
        diff = got.view(np.uint32) != expect.view(np.uint32)
        if diff.any():
            bad += int(diff.sum())
            print("layer %d: %d of %d elements differ from the reference" %
                  (l, diff.sum(), diff.size))
    print("%d of %d output elements differ from the reference on %s" %
          (bad, sum(w.size for w in want), args.target))

    # The reference's requantizations against gemmlowp itself.
    lines = "".join("%d %d %d\n" % tuple(t) for ts in triples for t in ts)
    r = subprocess.run([args.numerics_check, "--apply"], input=lines, capture_output=True,
                       text=True, check=True)
    gemmlowp = np.array(r.stdout.split(), dtype=np.int64)
    ours = np.concatenate([ref.apply_multiplier(ts[:, 0], ts[:, 1], ts[:, 2]) for ts in triples])
    shifts = sorted({int(s) for ts in triples for s in ts[:, 2]})
    print("requantizations checked against gemmlowp: %d, mismatches: %d, shifts %d..%d" %
          (len(ours), int((gemmlowp != ours).sum()), shifts[0], shifts[-1]))
    sys.exit(1 if bad or (gemmlowp != ours).any() else 0)


if __name__ == "__main__":
    main()
