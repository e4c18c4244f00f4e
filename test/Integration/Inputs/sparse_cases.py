"""Pruned qc models for the --qc-remove-zero-channels / --qc-sparsify
execution tests (CPU and Vulkan).

Each builder returns a lowering_cases.Case whose constant weights are pruned
by the --qc-prune rule and whose expected output is the numpy reference of
the pruned model.
"""
import numpy as np

import lowering_cases as lc
from qc import reference as ref
from qc.prune import prune_masks


def all_cases(seed=11, conv_padding=1):
    """`conv_padding=0` for targets without padded convolutions (Vulkan)."""
    rng = np.random.default_rng(seed)
    return [single_matmul("mm_2of4", rng, 5, 64, 12, "2:4", 0.5),
            single_matmul("mm_1of4", rng, 3, 32, 8, "1:4", 0.75),
            single_matmul("mm_u90", rng, 3, 160, 16, "unstructured", 0.9),
            single_matmul("mm_u30", rng, 3, 32, 8, "unstructured", 0.3),
            matmul_chain("mm_chain", rng), conv_chain("conv_chain", rng, conv_padding),
            # --qc-sparsify on convolutions: N:M along C (stride 2, odd sizes),
            # ELL (dilation 2, batch 2), and unsigned input (kept dense).
            single_conv("conv_2of4_s2", rng, (1, 9, 7, 8), (3, 3, 8, 6), "2:4", 0.5,
                        strides=(2, 2), pad=conv_padding),
            single_conv("conv_u90_d2", rng, (2, 7, 9, 3), (3, 2, 3, 5), "unstructured", 0.9,
                        dilations=(2, 2)),
            single_conv("conv_1of4_u8", rng, (1, 5, 7, 4), (2, 3, 4, 4), "1:4", 0.75,
                        xq=lc.QType(0.05, 128, signed=False))]


def pruned(rng, shape, pattern, sparsity):
    """Random i8 codes pruned by the --qc-prune rule (magnitude = |code|)."""
    w = rng.integers(-127, 128, size=shape)
    return np.where(prune_masks([np.abs(w)], pattern, sparsity)[0], 0, w)


def output(acc, aq, wq, yq, clamp=None):
    real = aq.scales[0] * wq.scales / yq.scales[0]
    return ref.output_stage(acc, real if wq.axis is not None else real[0], yq.zps[0],
                            yq.qmin, yq.qmax, clamp=clamp)


def single_matmul(name, rng, m, k, n, pattern, sparsity):
    aq = lc.QType(0.05, 3)
    wq = lc.QType(rng.uniform(0.01, 0.03, n), 0, axis=1)
    yq = lc.QType(lc.spread_scale(0.05, 0.02, k * (1 - sparsity)), -2)
    c = lc.Case(name)
    a = aq.random(rng, (m, k))
    w = pruned(rng, (k, n), pattern, sparsity)
    bias_q = lc.QType(aq.scales[0] * wq.scales, 0, bits=32, axis=0)
    bias = rng.integers(-3000, 3000, size=(n,))
    an, wn, bn = c.arg(a, aq), c.const(w, wq), c.const(bias, bias_q)
    c.body.append("%%r = qc.matmul %s, %s bias %s : %s, %s, %s -> %s" % (
        an, wn, bn, aq.tensor((m, k)), wq.tensor((k, n)), bias_q.tensor((n,)), yq.tensor((m, n))))
    c.result = (yq, (m, n))
    c.expected = output(ref.matmul(a, aq.zps[0], w, wq.zps, bias), aq, wq, yq)
    return c


def matmul_chain(name, rng):
    """matmul (6 of 16 channels pruned, bias, ReLU-like clamp) -> matmul with
    per-channel zero points: the removed channels' constants fold exactly."""
    m, k, n, p = 4, 32, 16, 5
    aq, wq, yq = lc.QType(0.05, -4), lc.QType(0.02, 0), lc.QType(lc.spread_scale(0.05, 0.02, k), -5)
    w2q = lc.QType(rng.uniform(0.01, 0.03, p), rng.integers(-3, 4, p), axis=1)
    zq = lc.QType(lc.spread_scale(yq.scales[0], 0.02, n), 1)
    c = lc.Case(name)
    a = aq.random(rng, (m, k))
    w = pruned(rng, (k, n), "channel", 6 / 16)
    bias_q = lc.QType(aq.scales[0] * wq.scales[0], 0, bits=32)
    bias = rng.integers(-20000, 20000, size=(n,))
    w2 = w2q.random(rng, (n, p))
    an, wn, bn, w2n = c.arg(a, aq), c.const(w, wq), c.const(bias, bias_q), c.const(w2, w2q)
    c.body.append("%%y = qc.matmul %s, %s bias %s clamp [-5, 127] : %s, %s, %s -> %s" % (
        an, wn, bn, aq.tensor((m, k)), wq.tensor((k, n)), bias_q.tensor((n,)), yq.tensor((m, n))))
    c.body.append("%%r = qc.matmul %%y, %s : %s, %s -> %s" % (
        w2n, yq.tensor((m, n)), w2q.tensor((n, p)), zq.tensor((m, p))))
    c.result = (zq, (m, p))
    y = output(ref.matmul(a, aq.zps[0], w, wq.zps, bias), aq, wq, yq, clamp=(-5, 127))
    c.expected = output(ref.matmul(y, yq.zps[0], w2, w2q.zps), yq, w2q, zq)
    return c


def conv_chain(name, rng, pad=1):
    """conv (3 of 8 filters pruned, bias, `pad` on every side) -> unpadded
    conv with bias."""
    h = 7 + 2 * pad - 2  # producer output height and width
    xq, wq = lc.QType(0.05, 2), lc.QType(rng.uniform(0.01, 0.03, 8), 0, axis=3)
    yq = lc.QType(lc.spread_scale(0.05, 0.02, 27), 3)
    w2q = lc.QType(0.02, 0)
    zq = lc.QType(lc.spread_scale(yq.scales[0], 0.02, 72), -1)
    c = lc.Case(name)
    x = xq.random(rng, (1, 7, 7, 3))
    w = pruned(rng, (3, 3, 3, 8), "channel", 3 / 8)
    bias_q = lc.QType(xq.scales[0] * wq.scales, 0, bits=32, axis=0)
    bias = rng.integers(-5000, 5000, size=(8,))
    w2 = w2q.random(rng, (3, 3, 8, 4))
    bias2_q = lc.QType(yq.scales[0] * w2q.scales[0], 0, bits=32)
    bias2 = rng.integers(-5000, 5000, size=(4,))
    xn, wn, bn = c.arg(x, xq), c.const(w, wq), c.const(bias, bias_q)
    w2n, b2n = c.const(w2, w2q), c.const(bias2, bias2_q)
    c.body.append("%%y = qc.conv2d %s, %s bias %s {padding = array<i64: %d, %d, %d, %d>} : %s, %s, %s -> %s" % (
        (xn, wn, bn) + (pad,) * 4 + (xq.tensor((1, 7, 7, 3)), wq.tensor((3, 3, 3, 8)),
                                     bias_q.tensor((8,)), yq.tensor((1, h, h, 8)))))
    c.body.append("%%r = qc.conv2d %%y, %s bias %s : %s, %s, %s -> %s" % (
        w2n, b2n, yq.tensor((1, h, h, 8)), w2q.tensor((3, 3, 8, 4)), bias2_q.tensor((4,)),
        zq.tensor((1, h - 2, h - 2, 4))))
    c.result = (zq, (1, h - 2, h - 2, 4))
    y = output(ref.conv2d(x, xq.zps[0], w, wq.zps, bias, padding=(pad,) * 4), xq, wq, yq)
    c.expected = output(ref.conv2d(y, yq.zps[0], w2, w2q.zps, bias2), yq, w2q, zq)
    return c


def single_conv(name, rng, x_shape, w_shape, pattern, sparsity, strides=(1, 1),
                dilations=(1, 1), pad=0, xq=None):
    """One conv with a pruned filter whose extreme codes (-128, 127, in the
    input and in the filter) go through the gather kernel."""
    xq = xq or lc.QType(0.05, 3)
    kh, kw, c, f = w_shape
    wq = lc.QType(rng.uniform(0.01, 0.03, f), 0, axis=3)
    yq = lc.QType(lc.spread_scale(0.05, 0.02, kh * kw * c * (1 - sparsity)), -2)
    x = xq.random(rng, x_shape)
    x.flat[0], x.flat[-1] = xq.qmin, xq.qmax
    w = pruned(rng, w_shape, pattern, sparsity)
    nz = np.flatnonzero(w)
    w.flat[nz[0]], w.flat[nz[-1]] = -128, 127
    padding = (pad,) * 4
    oh = (x_shape[1] + 2 * pad - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (x_shape[2] + 2 * pad - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    out_shape = (x_shape[0], oh, ow, f)
    c_ = lc.Case(name)
    bias_q = lc.QType(xq.scales[0] * wq.scales, 0, bits=32, axis=0)
    bias = rng.integers(-3000, 3000, size=(f,))
    xn, wn, bn = c_.arg(x, xq), c_.const(w, wq), c_.const(bias, bias_q)
    c_.body.append("%%r = qc.conv2d %s, %s bias %s {strides = array<i64: %d, %d>, "
                   "padding = array<i64: %d, %d, %d, %d>, dilations = array<i64: %d, %d>} "
                   ": %s, %s, %s -> %s" % (
                       (xn, wn, bn) + tuple(strides) + padding + tuple(dilations) + (
                           xq.tensor(x_shape), wq.tensor(w_shape), bias_q.tensor((f,)),
                           yq.tensor(out_shape))))
    c_.result = (yq, out_shape)
    acc = ref.conv2d(x, xq.zps[0], w, wq.zps, bias, strides=strides, padding=padding,
                     dilations=dilations)
    c_.expected = output(acc, xq, wq, yq)
    return c_
