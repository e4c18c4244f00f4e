"""Numpy golden reference of qc's integer numerics (docs/Numerics.md).

Every function follows the specification literally and mirrors
lib/Numerics/FixedPoint.cpp; integration tests compare compiled code against
these functions bit for bit. Integer inputs are numpy integer arrays; all
intermediate arithmetic is done in int64 with explicit wrapping or saturation
exactly where the specification says so.
"""
import math

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1

HALF_EVEN, HALF_AWAY, HALF_UP = "half_even", "half_away", "half_up"
DOUBLE_ROUND, SINGLE_ROUND = "double_round", "single_round"


def storage_range(bits, signed=True, narrow=False):
    """[qmin, qmax] of a bits-wide storage type."""
    if signed:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        lo, hi = 0, (1 << bits) - 1
    return (lo + 1 if narrow else lo), hi


def quantize_multiplier(real):
    """TFLite QuantizeMultiplier: (multiplier, shift), real ~= m * 2^(shift-31)."""
    real = float(real)
    if not math.isfinite(real) or real < 0:
        raise ValueError("multiplier must be finite and >= 0, got %r" % real)
    if real == 0.0:
        return 0, 0
    fraction, exponent = math.frexp(real)
    # Half away from zero, as std::round / TfLiteRound.
    fixed = int(math.floor(abs(fraction) * (1 << 31) + 0.5))
    if fixed == (1 << 31):
        fixed //= 2
        exponent += 1
    if exponent < -31:
        return 0, 0
    if exponent > 30:
        return INT32_MAX, 30
    return fixed, exponent


def _wrap32(x):
    x = np.asarray(x, dtype=np.int64)
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def srdhm(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul on int32 values (elementwise)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    overflow = (a == INT32_MIN) & (b == INT32_MIN)
    # a*b fits in int64 except INT32_MIN^2 = 2^62 which still fits.
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    s = ab + nudge
    # C division truncating toward zero.
    q = np.where(s >= 0, s // (1 << 31), -((-s) // (1 << 31)))
    return np.where(overflow, INT32_MAX, q).astype(np.int64)


def rdbpot(x, exponent):
    """gemmlowp RoundingDivideByPOT, ties away from zero (elementwise)."""
    x = np.asarray(x, dtype=np.int64)
    exponent = np.asarray(exponent, dtype=np.int64)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def apply_multiplier(x, multiplier, shift, profile=DOUBLE_ROUND):
    """Applies (multiplier, shift) to int32 values x; arrays broadcast."""
    x = np.asarray(x, dtype=np.int64)
    m = np.asarray(multiplier, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    if profile == SINGLE_ROUND:
        r = 31 - shift
        prod = x * m
        out = (prod + (np.int64(1) << (r - 1))) >> r
        return np.clip(out, INT32_MIN, INT32_MAX)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    shifted = _wrap32(x << left)
    return rdbpot(srdhm(shifted, m), right)


def requantize_real(x, real_multiplier, profile=DOUBLE_ROUND):
    """Applies the compile-time quantization of a real multiplier (scalar or per-channel)."""
    reals = np.atleast_1d(np.asarray(real_multiplier, dtype=np.float64))
    pairs = [quantize_multiplier(r) for r in reals]
    m = np.array([p[0] for p in pairs], dtype=np.int64)
    s = np.array([p[1] for p in pairs], dtype=np.int64)
    if np.ndim(real_multiplier) == 0:
        m, s = m[0], s[0]
    return apply_multiplier(x, m, s, profile)


def round_real(x, mode=HALF_EVEN):
    x = np.asarray(x, dtype=np.float64)
    if mode == HALF_EVEN:
        return np.rint(x)
    if mode == HALF_AWAY:
        return np.sign(x) * np.floor(np.abs(x) + 0.5)
    if mode == HALF_UP:
        lower = np.floor(x)
        return np.where(x - lower >= 0.5, lower + 1, lower)
    raise ValueError(mode)


def quantize(x, scale, zero_point, qmin, qmax, mode=HALF_EVEN, axis=None,
             float_type=np.float64):
    """clamp(round(x / scale) + zp, qmin, qmax); per-axis when axis is set.
    NaN gives zp, +-inf saturate to qmax / qmin (docs/Numerics.md).

    The quotient is computed in float_type (float64 for compile-time
    constants, the expressed type for run-time qc.quantize)."""
    x = np.asarray(x)
    scale = np.asarray(scale, dtype=np.float64)
    zero_point = np.asarray(zero_point, dtype=np.int64)
    if axis is not None:
        shape = [1] * x.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zero_point = zero_point.reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        quotient = (x.astype(float_type) / scale.astype(float_type)).astype(np.float64)
        q = round_real(quotient, mode) + zero_point
    # NaN quantizes to the zero point (the code of 0.0); +-inf saturate.
    q = np.where(np.isnan(q), np.broadcast_to(zero_point, q.shape), q)
    return np.clip(q, qmin, qmax).astype(np.int64)


def dequantize(q, scale, zero_point, axis=None, float_type=np.float32):
    q = np.asarray(q, dtype=np.int64)
    scale = np.asarray(scale, dtype=np.float64)
    zero_point = np.asarray(zero_point, dtype=np.int64)
    if axis is not None:
        shape = [1] * q.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zero_point = zero_point.reshape(shape)
    return ((q - zero_point).astype(float_type) * scale.astype(float_type)).astype(float_type)


def nudge_min_max(rmin, rmax, qmin, qmax):
    """TensorFlow FakeQuantWithMinMax nudging -> (scale, zero_point)."""
    scale = (rmax - rmin) / float(qmax - qmin)
    zp_from_min = qmin - rmin / scale
    if zp_from_min <= qmin:
        zp = qmin
    elif zp_from_min >= qmax:
        zp = qmax
    else:
        zp = int(math.floor(zp_from_min + 0.5))
    return scale, zp


def output_stage(acc, real_multiplier, zp_out, qmin, qmax, profile=DOUBLE_ROUND,
                 clamp=None):
    """sat(clamp(requant(acc) + zp_out)): the end of every requantizing op."""
    lo, hi = qmin, qmax
    if clamp is not None:
        lo, hi = max(lo, clamp[0]), min(hi, clamp[1])
    r = requantize_real(acc, real_multiplier, profile)
    return np.clip(r + zp_out, lo, hi).astype(np.int64)


def matmul(a, za, b, zb, bias=None):
    """i32 accumulator of sum_k (a - za)(b - zb[n]) + bias[n]; wraps mod 2^32."""
    a = np.asarray(a, dtype=np.int64) - za
    b = np.asarray(b, dtype=np.int64) - np.asarray(zb, dtype=np.int64)
    acc = a @ b
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)
    return _wrap32(acc)


def conv2d(x, zx, w, zw, bias=None, strides=(1, 1), padding=(0, 0, 0, 0),
           dilations=(1, 1), groups=1):
    """i32 accumulator of an NHWC x HWCF grouped convolution (docs/Numerics.md)."""
    x = np.asarray(x, dtype=np.int64) - zx
    w = np.asarray(w, dtype=np.int64) - np.asarray(zw, dtype=np.int64)
    n, h, wd, c = x.shape
    kh, kw, cg, f = w.shape
    pt, pb, pl, pr = padding
    x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))  # real value 0
    sh, sw = strides
    dh, dw = dilations
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    fg = f // groups
    acc = np.zeros((n, oh, ow, f), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                      j * dw:j * dw + sw * (ow - 1) + 1:sw, :]
            for g in range(groups):
                acc[..., g * fg:(g + 1) * fg] += patch[..., g * cg:(g + 1) * cg] @ w[i, j, :, g * fg:(g + 1) * fg]
    if bias is not None:
        acc += np.asarray(bias, dtype=np.int64)
    return _wrap32(acc)


def add(a, sa, za, b, sb, zb, sy, zy, qmin, qmax, bits=8, profile=DOUBLE_ROUND,
        clamp=None):
    """TFLite integer addition (qc.add)."""
    left = 15 if bits == 16 else 20
    twice_max = 2.0 * max(sa, sb)
    a1 = requantize_real(_wrap32((np.asarray(a, dtype=np.int64) - za) << left), sa / twice_max, profile)
    b1 = requantize_real(_wrap32((np.asarray(b, dtype=np.int64) - zb) << left), sb / twice_max, profile)
    return output_stage(_wrap32(a1 + b1), twice_max / ((1 << left) * sy), zy, qmin, qmax,
                        profile, clamp)


def mul(a, sa, za, b, sb, zb, sy, zy, qmin, qmax, profile=DOUBLE_ROUND, clamp=None):
    """qc.mul."""
    acc = (np.asarray(a, dtype=np.int64) - za) * (np.asarray(b, dtype=np.int64) - zb)
    return output_stage(acc, sa * sb / sy, zy, qmin, qmax, profile, clamp)


def _pool_windows(x, kernel, strides, padding, pad_value):
    n, h, w, c = x.shape
    kh, kw = kernel
    pt, pb, pl, pr = padding
    sh, sw = strides
    oh = (h + pt + pb - kh) // sh + 1
    ow = (w + pl + pr - kw) // sw + 1
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=pad_value)
    valid = np.pad(np.ones((h, w), dtype=np.int64), ((pt, pb), (pl, pr)))
    return xp, valid, oh, ow


def max_pool2d(x, kernel, strides=(1, 1), padding=(0, 0, 0, 0)):
    x = np.asarray(x, dtype=np.int64)
    xp, _, oh, ow = _pool_windows(x, kernel, strides, padding, np.iinfo(np.int64).min)
    out = np.full((x.shape[0], oh, ow, x.shape[3]), np.iinfo(np.int64).min)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            out = np.maximum(out, xp[:, i:i + strides[0] * (oh - 1) + 1:strides[0],
                                     j:j + strides[1] * (ow - 1) + 1:strides[1], :])
    return out


def avg_pool2d(x, kernel, strides=(1, 1), padding=(0, 0, 0, 0)):
    """TFLite integer average over the valid window elements, ties away from zero."""
    x = np.asarray(x, dtype=np.int64)
    xp, valid, oh, ow = _pool_windows(x, kernel, strides, padding, 0)
    total = np.zeros((x.shape[0], oh, ow, x.shape[3]), dtype=np.int64)
    count = np.zeros((oh, ow), dtype=np.int64)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += xp[:, i:i + strides[0] * (oh - 1) + 1:strides[0],
                        j:j + strides[1] * (ow - 1) + 1:strides[1], :]
            count += valid[i:i + strides[0] * (oh - 1) + 1:strides[0],
                           j:j + strides[1] * (ow - 1) + 1:strides[1]]
    count = count[None, :, :, None]
    half = count // 2
    num = np.where(total >= 0, total + half, total - half)
    return np.where(num >= 0, num // count, -((-num) // count))
