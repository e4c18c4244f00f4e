"""Models whose constant weights --qc-pack-weights stores packed: int4 codes
two per byte, u4 indices into 16-code codebooks (per tensor and per output
channel) and u8 indices into a 256-code codebook of 16-bit codes, for
matmuls (odd K, one row, unsigned codes, activation and weight signedness
that differ) and convolutions (stride,
dilation, padding), with the numpy reference of each (python/qc/reference.py).
"""
import numpy as np

import lowering_cases as lc
from qc import reference as ref


def result_type(acc, aq, wq, zp):
    """A per-tensor output type mapping the accumulators to about +-40 codes."""
    spread = max(float(np.std(np.asarray(acc, dtype=np.float64))), 1.0)
    return lc.QType(aq.scales[0] * float(np.mean(wq.scales)) * spread / 40.0, zp)


def output(acc, aq, wq, yq):
    real = aq.scales[0] * wq.scales / yq.scales[0]
    return ref.output_stage(acc, real if wq.axis is not None else real[0], yq.zps[0],
                            yq.qmin, yq.qmax)


def codebook_weight(rng, shape, codes, per_channel, lo=-128, hi=127):
    """Random codes with at most `codes` distinct values per tensor or per
    output channel (last dimension), extremes included."""
    n = shape[-1]
    if not per_channel:
        book = rng.choice(np.arange(lo, hi + 1), size=codes, replace=False)
        book[:2] = (lo, hi)
        return rng.choice(book, size=shape)
    w = np.empty(shape, dtype=np.int64)
    for f in range(n):
        book = rng.choice(np.arange(lo, hi + 1), size=codes, replace=False)
        w[..., f] = rng.choice(book, size=shape[:-1])
    return w


def matmul(name, rng, m, k, n, wq, w, aq=None):
    aq = aq or lc.QType(0.05, 3)
    c = lc.Case(name)
    a = aq.random(rng, (m, k))
    a[0, :2] = (aq.qmin, aq.qmax)
    bias_q = lc.QType(aq.scales[0] * wq.scales, 0, bits=32, axis=0 if wq.axis is not None else None)
    bias = rng.integers(-3000, 3000, size=(n,))
    acc = ref.matmul(a, aq.zps[0], w, wq.zps, bias)
    yq = result_type(acc, aq, wq, -2)
    an, wn, bn = c.arg(a, aq), c.const(w, wq), c.const(bias, bias_q)
    c.body.append("%%r = qc.matmul %s, %s bias %s : %s, %s, %s -> %s" % (
        an, wn, bn, aq.tensor((m, k)), wq.tensor((k, n)), bias_q.tensor((n,)), yq.tensor((m, n))))
    c.result = (yq, (m, n))
    c.expected = output(acc, aq, wq, yq)
    return c


def conv(name, rng, x_shape, w_shape, wq, w, strides=(1, 1), dilations=(1, 1), pad=0,
         groups=1):
    aq = lc.QType(0.04, -1)
    kh, kw, cin, f = w_shape
    padding = (pad, pad, pad, pad)
    c = lc.Case(name)
    x = aq.random(rng, x_shape)
    xn, wn = c.arg(x, aq), c.const(w, wq)
    acc = ref.conv2d(x, aq.zps[0], w, wq.zps, None, strides, padding, dilations, groups)
    yq = result_type(acc, aq, wq, 4)
    attrs = "{strides = array<i64: %d, %d>, dilations = array<i64: %d, %d>, " \
            "padding = array<i64: %d, %d, %d, %d>%s}" % (
                *strides, *dilations, *padding,
                ", groups = %d : i64" % groups if groups != 1 else "")
    c.body.append("%%r = qc.conv2d %s, %s %s : %s, %s -> %s" % (
        xn, wn, attrs, aq.tensor(x_shape), wq.tensor(w_shape), yq.tensor(acc.shape)))
    c.result = (yq, acc.shape)
    c.expected = output(acc, aq, wq, yq)
    return c


def all_cases(seed=5, conv_padding=1):
    """`conv_padding=0` for targets without padded convolutions (Vulkan)."""
    rng = np.random.default_rng(seed)
    cases = []
    q4 = lc.QType(rng.uniform(0.05, 0.2, 6), rng.integers(-2, 3, 6), bits=4, axis=1)
    w = q4.random(rng, (37, 6))
    w[:2, 0] = (-8, 7)
    cases.append(matmul("mm_i4_odd_k", rng, 5, 37, 6, q4, w))
    q4t = lc.QType(0.1, 0, bits=4)
    cases.append(matmul("gemv_i4", rng, 1, 64, 16, q4t, q4t.random(rng, (64, 16))))
    u4 = lc.QType(0.1, 8, bits=4, signed=False)
    cases.append(matmul("mm_u8_u4", rng, 3, 33, 5, u4, u4.random(rng, (33, 5)),
                        aq=lc.QType(0.05, 128, signed=False)))
    q8 = lc.QType(rng.uniform(0.01, 0.03, 7), 0, axis=1)
    cases.append(matmul("mm_cb16_tensor", rng, 4, 40, 7, q8,
                        codebook_weight(rng, (40, 7), 16, False)))
    cases.append(matmul("mm_cb16_channel", rng, 3, 63, 7, q8,
                        codebook_weight(rng, (63, 7), 16, True)))
    cases.append(matmul("gemv_cb9_tensor", rng, 1, 50, 7, q8,
                        codebook_weight(rng, (50, 7), 9, False)))
    q16 = lc.QType(rng.uniform(1e-4, 3e-4, 6), 0, bits=16, axis=1)
    cases.append(matmul("mm_i16_cb256", rng, 2, 121, 6, q16,
                        codebook_weight(rng, (121, 6), 200, False, -32768, 32767)))
    qf4 = lc.QType(rng.uniform(0.05, 0.2, 5), 0, bits=4, axis=3)
    cases.append(conv("conv_i4_s2", rng, (1, 9, 7, 6), (3, 3, 6, 5), qf4,
                      qf4.random(rng, (3, 3, 6, 5)), strides=(2, 2), pad=conv_padding))
    qf8 = lc.QType(0.02, 0)
    cases.append(conv("conv_cb16_d2", rng, (2, 7, 8, 3), (2, 3, 3, 4), qf8,
                      codebook_weight(rng, (2, 3, 3, 4), 16, False), dilations=(2, 2)))
    # Mixed signedness (the lowering's matmul-shaped generic): u8
    # activations x a signed codebook weight, x signed int4, and i8
    # activations x unsigned int4.
    u8 = lc.QType(0.05, 131, signed=False)
    cases.append(matmul("mm_u8_cb16_i8", rng, 3, 45, 7, q8,
                        codebook_weight(rng, (45, 7), 16, False), aq=u8))
    cases.append(matmul("mm_u8_i4", rng, 2, 31, 6, q4, q4.random(rng, (31, 6)), aq=u8))
    cases.append(matmul("gemv_i8_u4", rng, 1, 40, 5, u4, u4.random(rng, (40, 5))))
    # The CPU kernels' 4-bit weights (two per byte in 64-byte vectors of
    # quad pairs): an odd K (an odd number of quads: the last high nibbles
    # are padding), N over several partial 16-lane vectors, per-channel zero
    # points != 0 with the codes' extremes, and u4 by i8 and u8 activations.
    q4c = lc.QType(rng.uniform(0.05, 0.2, 37), rng.integers(-3, 4, 37), bits=4, axis=1)
    w = q4c.random(rng, (77, 37))
    w[:2, :] = [[-8], [7]]
    cases.append(matmul("mm_i4_wide", rng, 3, 77, 37, q4c, w))
    u4c = lc.QType(rng.uniform(0.05, 0.2, 35), rng.integers(1, 16, 35), bits=4, signed=False,
                   axis=1)
    w = u4c.random(rng, (93, 35))
    w[:2, :] = [[0], [15]]
    cases.append(matmul("gemv_u4_odd", rng, 1, 93, 35, u4c, w))
    u4d = lc.QType(rng.uniform(0.05, 0.2, 19), rng.integers(1, 16, 19), bits=4, signed=False,
                   axis=1)
    cases.append(matmul("mm_u8_u4_odd", rng, 20, 45, 19, u4d, u4d.random(rng, (45, 19)),
                        aq=lc.QType(0.05, 128, signed=False)))
    return cases


def cpu_kernel_cases(seed=11):
    """Codebook shapes the CPU int8 kernel's lookup has to get right (its
    u4 indices two per byte in 64-byte vectors of quad pairs, a reduction run
    padded to a multiple of 8 with index 0 = the code 0): 16 codes with no
    padding (K, or KW*C, a multiple of 8) and up to 15 codes with padding,
    i8 and u8 activations, zero points != 0, odd M and N over partial
    vectors, convolutions with stride and padding."""
    rng = np.random.default_rng(seed)
    cases = []
    q8z = lc.QType(rng.uniform(0.01, 0.03, 37), rng.integers(-5, 6, 37), axis=1)
    cases.append(matmul("mm_u8_cb16_k64", rng, 5, 64, 37, q8z,
                        codebook_weight(rng, (64, 37), 16, False),
                        aq=lc.QType(0.05, 117, signed=False)))
    q8t = lc.QType(0.02, 3)
    cases.append(matmul("gemv_cb15_odd_k", rng, 1, 77, 19, q8t,
                        codebook_weight(rng, (77, 19), 15, False)))
    cases.append(matmul("mm_cb13_odd", rng, 17, 93, 35, q8t,
                        codebook_weight(rng, (93, 35), 13, False), aq=lc.QType(0.04, -7)))
    q8c = lc.QType(rng.uniform(0.01, 0.03, 20), rng.integers(-4, 5, 20), axis=3)
    cases.append(conv("conv_cb16_c8", rng, (2, 9, 9, 8), (3, 3, 8, 20), q8c,
                      codebook_weight(rng, (3, 3, 8, 20), 16, False), pad=1))
    q8s = lc.QType(0.02, -2)
    cases.append(conv("conv_cb12_s2", rng, (1, 11, 10, 5), (3, 3, 5, 17), q8s,
                      codebook_weight(rng, (3, 3, 5, 17), 12, False), strides=(2, 2), pad=1))
    # Per output channel: up to 4, 8 and 16 codes per channel (0 included
    # where a reduction run is padded), 17 channels (two blocks of 16).
    q8n = lc.QType(rng.uniform(0.01, 0.03, 17), rng.integers(-4, 5, 17), axis=1)
    cases.append(matmul("mm_cb3_channel", rng, 6, 45, 17, q8n,
                        codebook_weight(rng, (45, 17), 3, True)))
    cases.append(matmul("gemv_cb4_channel", rng, 1, 64, 17, q8n,
                        codebook_weight(rng, (64, 17), 4, True)))
    cases.append(matmul("mm_u8_cb7_channel", rng, 3, 50, 17, q8n,
                        codebook_weight(rng, (50, 17), 7, True),
                        aq=lc.QType(0.05, 125, signed=False)))
    q8f = lc.QType(rng.uniform(0.01, 0.03, 20), rng.integers(-4, 5, 20), axis=3)
    cases.append(conv("conv_cb16_channel", rng, (1, 8, 9, 8), (3, 3, 8, 20), q8f,
                      codebook_weight(rng, (3, 3, 8, 20), 16, True), pad=1))
    return cases
