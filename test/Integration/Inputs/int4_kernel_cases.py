"""4-bit weights in the CPU int8 kernels that the dense cases of
packed_cases.py do not reach: depthwise convolutions with constant i4 and u4
weights (two codes per byte, docs/CPUKernels.md "4-bit weights"), and
chains of 1x1 convolutions and matmuls whose activations are i4/u4 (the
W4A4 layers of a mixed-precision model). Odd channel counts, channel counts
over several 32-channel pairs, per-channel zero points != 0, the codes'
extremes, saturating outputs, padding and stride 2; each case runs through
`qc-run --target=cpu` with the given pipeline options (plus
pack-int4-activations=true unless they set it) and must equal
python/qc/reference.py bit for bit.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lowering_cases as lc  # noqa: E402
from qc import reference as ref  # noqa: E402
from qc_run_case import run_case  # noqa: E402


def weight_type(rng, kind, n, axis):
    """i4 / u4 with zero points != 0, i4s: symmetric i4, i8: symmetric i8."""
    if kind == "i4":
        return lc.QType(rng.uniform(0.05, 0.2, n), rng.integers(-2, 3, n), bits=4, axis=axis)
    if kind == "i4s":
        return lc.QType(rng.uniform(0.05, 0.2, n), 0, bits=4, axis=axis)
    if kind == "i8":
        return lc.QType(rng.uniform(0.002, 0.01, n), 0, axis=axis)
    return lc.QType(rng.uniform(0.05, 0.2, n), rng.integers(1, 15, n), bits=4, signed=False,
                    axis=axis)


def output_type(xq, wq, taps, codes, zp, bits=8, signed=True):
    """A per-tensor output type mapping the accumulators of a reduction of
    `taps` products to about +-codes steps (a small `codes` saturates)."""
    spread = np.sqrt(taps) * (xq.qmax - xq.qmin) * (wq.qmax - wq.qmin) / 12.0
    return lc.QType(xq.scales[0] * float(np.mean(wq.scales)) * spread / codes, zp, bits=bits,
                    signed=signed)


class Builder:
    """A case function built op by op, with the reference result of each."""

    def __init__(self, name, rng):
        self.c, self.rng, self.n = lc.Case(name), rng, 0

    def conv(self, x, xname, xq, w_shape, wkind, yq, strides=(1, 1), padding=0, groups=1,
             last=False):
        rng, c = self.rng, self.c
        f = w_shape[3] if groups == 1 else x.shape[3]
        wq = weight_type(rng, wkind, f, 3 if groups == 1 else 3)
        if groups != 1:
            wq = weight_type(rng, wkind, f, 3)
        w = wq.random(rng, w_shape)
        w.flat[:2] = (wq.qmin, wq.qmax)
        bias_q = lc.QType(xq.scales[0] * wq.scales, 0, bits=32, axis=0)
        bias = rng.integers(-300, 300, size=(f,))
        pads = (padding,) * 4
        acc = ref.conv2d(x, xq.zps[0], w, wq.zps, bias, strides, pads, (1, 1), groups)
        real = xq.scales[0] * wq.scales / yq.scales[0]
        y = ref.output_stage(acc, real, yq.zps[0], yq.qmin, yq.qmax)
        wn, bn = c.const(w, wq), c.const(bias, bias_q)
        self.n += 1
        name = "%r" if last else "%%v%d" % self.n
        attrs = "{strides = array<i64: %d, %d>, padding = array<i64: %d, %d, %d, %d>, " \
                "dilations = array<i64: 1, 1>, groups = %d : i64}" % (*strides, *pads, groups)
        c.body.append("%s = qc.conv2d %s, %s bias %s %s : %s, %s, %s -> %s" % (
            name, xname, wn, bn, attrs, xq.tensor(x.shape), wq.tensor(w_shape),
            bias_q.tensor((f,)), yq.tensor(y.shape)))
        if last:
            c.result, c.expected = (yq, y.shape), y
        return y, name, wq


    def matmul(self, x, xname, xq, n, wkind, yq, last=False):
        rng, c = self.rng, self.c
        m, k = x.shape
        wq = weight_type(rng, wkind, n, 1)
        w = wq.random(rng, (k, n))
        w.flat[:2] = (wq.qmin, wq.qmax)
        bias_q = lc.QType(xq.scales[0] * wq.scales, 0, bits=32, axis=0)
        bias = rng.integers(-300, 300, size=(n,))
        acc = ref.matmul(x, xq.zps[0], w, wq.zps, bias)
        y = ref.output_stage(acc, xq.scales[0] * wq.scales / yq.scales[0], yq.zps[0], yq.qmin,
                             yq.qmax)
        wn, bn = c.const(w, wq), c.const(bias, bias_q)
        self.n += 1
        name = "%r" if last else "%%v%d" % self.n
        c.body.append("%s = qc.matmul %s, %s bias %s : %s, %s, %s -> %s" % (
            name, xname, wn, bn, xq.tensor(x.shape), wq.tensor((k, n)), bias_q.tensor((n,)),
            yq.tensor(y.shape)))
        if last:
            c.result, c.expected = (yq, y.shape), y
        return y, name, wq


ACTS = {"i4": (-8, 7, True), "u4": (0, 15, False), "i8": (-128, 127, True)}


def chain(name, rng, shape, layers, codes=6.0, zps=None):
    """x (i8) -> layer -> ... -> i8. Each layer is (kind, out channels or
    None, weight kind, activation after it, stride): kind "conv" (a 1x1
    convolution unless the weight shape says otherwise) or "mm". Activation
    scales map the accumulators to about +-codes steps; a small `codes`
    saturates at the 4-bit ends."""
    b = Builder(name, rng)
    xq = lc.QType(0.05, 3)
    x, xn = input_of(b, shape, xq)
    for i, (kind, n, wkind, act, stride) in enumerate(layers):
        last = i == len(layers) - 1
        k = x.shape[-1]
        taps = 1
        if kind == "conv3":
            taps = 9
        zp = (zps or {}).get(i, {"i4": 1, "u4": 9, "i8": -3}[act])
        yq = output_type(xq, weight_type(rng, wkind, 1, None), k * taps,
                         40.0 if act == "i8" else codes, zp, bits=8 if act == "i8" else 4,
                         signed=ACTS[act][2])
        if kind == "mm":
            x, xn, _ = b.matmul(x, xn, xq, n, wkind, yq, last=last)
        elif kind == "conv3":
            x, xn, _ = b.conv(x, xn, xq, (3, 3, k, n), wkind, yq, (stride, stride), padding=1,
                              last=last)
        else:
            x, xn, _ = b.conv(x, xn, xq, (1, 1, k, n), wkind, yq, (stride, stride), last=last)
        xq = yq
    return b.c


def input_of(b, shape, xq):
    x = xq.random(b.rng, shape)
    x.flat[:2] = (xq.qmin, xq.qmax)
    return x, b.c.arg(x, xq)


def depthwise(name, rng, shape, kind, strides=(1, 1), padding=0, k=3, codes=40.0,
              xq=None):
    b = Builder(name, rng)
    xq = xq or lc.QType(0.05, 3)
    x, xn = input_of(b, shape, xq)
    ch = shape[3]
    yq = output_type(xq, weight_type(rng, kind, 1, None), k * k, codes, -5)
    b.conv(x, xn, xq, (k, k, 1, ch), kind, yq, strides, padding, groups=ch, last=True)
    return b.c


def all_cases(seed):
    rng = np.random.default_rng(seed)
    u8 = lc.QType(0.05, 130, signed=False)
    return [
        # Depthwise, 4-bit weights two per byte: one 32-channel pair, a
        # partial one (odd C), several panels of 2 vectors, u8 input,
        # stride 2 and saturation.
        depthwise("dw_i4_c32", rng, (1, 6, 5, 32), "i4", padding=1),
        depthwise("dw_u4_c32", rng, (1, 6, 5, 32), "u4", padding=1),
        depthwise("dw_i4_c7", rng, (1, 5, 4, 7), "i4", padding=1),
        depthwise("dw_u4_c37_s2", rng, (2, 7, 6, 37), "u4", strides=(2, 2), padding=1),
        depthwise("dw_u4_c83_u8", rng, (1, 5, 5, 83), "u4", padding=1, xq=u8),
        depthwise("dw_i4_c70_sat", rng, (1, 4, 6, 70), "i4", codes=300.0, k=5, padding=2),
        depthwise("dw_u4_c16_nopad", rng, (1, 4, 6, 16), "u4", k=2),
        # 4-bit activations two per byte between dense 1x1 kernels (W4A4,
        # W8A4): odd channels, i4 and u4 codes with zero points != 0,
        # saturation at both ends, stride 2, matmuls, several panels.
        chain("act_c5_c7", rng, (1, 3, 3, 8),
              [("conv", 5, "i4", "i4", 1), ("conv", 7, "i4s", "u4", 1),
               ("conv", 4, "i4s", "i8", 1)]),
        chain("act_odd_s2_sat", rng, (2, 7, 6, 13),
              [("conv", 33, "i4", "i4", 1), ("conv", 19, "i4s", "u4", 2),
               ("conv", 6, "i4s", "i8", 1)], codes=1.5),
        chain("act_wide_w8", rng, (1, 8, 8, 40),
              [("conv", 64, "i4", "u4", 1), ("conv", 48, "i8", "i4", 1),
               ("conv", 70, "i4s", "i4", 1), ("conv", 21, "i8", "i8", 1)]),
        chain("act_mm", rng, (20, 37),
              [("mm", 29, "i4", "i4", 1), ("mm", 17, "i8", "u4", 1), ("mm", 1, "i4s", "u4", 1),
               ("mm", 9, "i4s", "i8", 1)]),
        chain("act_gemv_c1", rng, (1, 37),
              [("mm", 1, "i4", "i4", 1), ("mm", 16, "i4s", "u4", 1), ("mm", 3, "i4s", "i8", 1)],
              zps={1: 0}),
        # Consumers that keep the byte form: weights with zero points != 0
        # (their zero-point row sums read the activation too) and a 3x3
        # convolution with padding.
        chain("act_bytes_wzp", rng, (1, 4, 4, 9),
              [("conv", 11, "i4", "i4", 1), ("conv", 5, "u4", "u4", 1),
               ("conv", 6, "i4s", "i8", 1)]),
        chain("act_bytes_3x3", rng, (1, 5, 5, 6),
              [("conv", 10, "i4", "u4", 1), ("conv3", 7, "i4s", "i4", 1),
               ("conv", 3, "i4s", "i8", 1)]),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-run", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pipeline-options", default=None)
    parser.add_argument("--only", default="")
    parser.add_argument("--generic-packing", metavar="QC_OPT", default=None,
                        help="first run qc-cpu-pack-int4-activations alone (qc-opt), then "
                             "compile without the int8 kernels: the packing and unpacking "
                             "generics themselves")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    failures = []
    cases = [c for c in all_cases(args.seed) if c.name.startswith(args.only)]
    for case in cases:
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".mlir", "w") as f:
            f.write(case.func_text() + "\n")
        source = base + ".mlir"
        if args.generic_packing:
            source = base + ".packed.mlir"
            lowered = subprocess.run(
                [args.generic_packing, base + ".mlir", "--qc-lower-to-linalg",
                 "--qc-widen-narrow-integers", "--qc-cpu-pack-int4-activations", "-o", source],
                capture_output=True, text=True)
            if lowered.returncode != 0:
                failures.append("%s: qc-opt failed:\n%s" % (case.name, lowered.stderr[-2000:]))
                continue
            with open(source) as f:
                packs = f.read().count("qc.pack_nibbles")
            print("%s: %d activations packed" % (case.name, packs))
        # The packed activations are opt-in: on unless the options say.
        options = args.pipeline_options or ""
        if "pack-int4-activations" not in options:
            options = ("pack-int4-activations=true " + options).strip()
        got, error = run_case(args.qc_run, "cpu", source, case, base, options)
        if error:
            failures.append(error)
            continue
        want = case.storage_expected()
        if got.dtype != want.dtype or got.tobytes() != np.ascontiguousarray(want).tobytes():
            bad = np.argwhere(got != want)[:5].tolist() if got.shape == want.shape else "shape"
            failures.append("%s: output differs from the reference at %s" % (case.name, bad))
    for f in failures:
        print("MISMATCH " + f)
    if failures:
        sys.exit("%d of %d cases failed" % (len(failures), len(cases)))
    print("all %d int4 kernel cases bit-exact on cpu" % len(cases))


if __name__ == "__main__":
    main()
