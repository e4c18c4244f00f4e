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


def round_mean(total, count, mode=HALF_AWAY, zero_point=0):
    """qc.avg_pool2d's rounded mean total / count (count > 0, integers):
    to nearest, ties away from zero in code space (HALF_AWAY, TFLite) or to
    the even mean relative to the zero point (HALF_EVEN, ONNX Runtime)."""
    total = np.asarray(total, dtype=np.int64)
    count = np.asarray(count, dtype=np.int64)
    q, r = total // count, total % count          # floor, 0 <= r < count
    above, tie = 2 * r > count, 2 * r == count
    if mode == HALF_AWAY:
        tie_up = total >= 0
    elif mode == HALF_EVEN:
        tie_up = ((q - int(zero_point)) & 1) == 1
    else:
        raise ValueError(mode)
    return q + (above | (tie & tie_up))


def avg_pool2d(x, kernel, strides=(1, 1), padding=(0, 0, 0, 0), rounding=HALF_AWAY, zero_point=0):
    """qc.avg_pool2d: the integer average over the valid window elements,
    ties by `rounding` (round_mean; `zero_point` matters for HALF_EVEN only)."""
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
    return round_mean(total, count[None, :, :, None], rounding, zero_point)


# -- nonlinear ops (QCNonlinearOps.td) -------------------------------------------

def avg_pool2d_include_pad(x, zero_point, kernel, strides=(1, 1), padding=(0, 0, 0, 0),
                           rounding=HALF_AWAY):
    """qc.avg_pool2d with count_include_pad: padded positions hold the zero
    point and count; the divisor is KH * KW everywhere; ties by `rounding`."""
    x = np.asarray(x, dtype=np.int64)
    xp, _, oh, ow = _pool_windows(x, kernel, strides, padding, int(zero_point))
    total = np.zeros((x.shape[0], oh, ow, x.shape[3]), dtype=np.int64)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += xp[:, i:i + strides[0] * (oh - 1) + 1:strides[0],
                        j:j + strides[1] * (ow - 1) + 1:strides[1], :]
    return round_mean(total, kernel[0] * kernel[1], rounding, zero_point)


def table_entries(fn, in_bits, in_signed, s_in, z_in, s_out, z_out, qmin, qmax,
                  mode=HALF_EVEN):
    """The entries of qc.table for a float64 function `fn` (numpy, vectorized):
    entry i is Q_out(fn(D_in(i + storage_min))), quotient in double."""
    lo = -(1 << (in_bits - 1)) if in_signed else 0
    codes = np.arange(lo, lo + (1 << in_bits), dtype=np.int64)
    real = (codes - z_in).astype(np.float64) * float(s_in)
    with np.errstate(all="ignore"):
        y = np.asarray(fn(real), dtype=np.float64)
    if np.any(np.isnan(y)):
        raise ValueError("the function is NaN at some input code")
    q = round_real(np.clip(y / float(s_out), -2.0 ** 62, 2.0 ** 62), mode) + z_out
    return np.clip(q, qmin, qmax).astype(np.int64)


def table(x, entries, in_bits, in_signed):
    """qc.table: entries[x - storage_min]."""
    lo = -(1 << (in_bits - 1)) if in_signed else 0
    return np.asarray(entries, dtype=np.int64)[np.asarray(x, dtype=np.int64) - lo]


def softmax_exp_table(s_in, in_bits):
    """E[d] = round_half_even(exp(-s_in * d) * 2^30), d = 0 .. 2^bits - 1."""
    # math.exp is the C library's exp, the one the compiler calls.
    return np.array([round_real(math.exp(-float(s_in) * d) * 2.0 ** 30)
                     for d in range(1 << in_bits)], dtype=np.int64)


def softmax(x, axis, s_in, in_bits, s_out, z_out, qmin, qmax, profile=DOUBLE_ROUND):
    """qc.softmax (docs/Numerics.md): exp table in Q30, i64 sum, Q15
    quotient, requantization by 2^-15 / s_out."""
    x = np.asarray(x, dtype=np.int64)
    table_ = softmax_exp_table(s_in, in_bits)
    m = np.max(x, axis=axis, keepdims=True)
    e = table_[m - x]
    total = np.sum(e, axis=axis, keepdims=True)
    r = (e * 32768 + total // 2) // total
    return output_stage(r, 2.0 ** -15 / float(s_out), z_out, qmin, qmax, profile)


def _ceil_log2(v):
    """ceil(log2 v) for v > 0 (exact, through frexp); 0 for v == 0."""
    if v == 0:
        return 0
    f, e = math.frexp(v)
    return e - 1 if f == 0.5 else e


def layer_norm_uses_v(d, in_bits):
    """True when the statistic is V = D W = sum c^2 (as before 16-bit inputs):
    when V < 2^61 for every input (V <= D^3 (2^bits - 1)^2 / 4): every input
    of at most 8 bits, 16-bit inputs up to D = 1290. Otherwise W itself."""
    return ((d ** 3 * ((1 << in_bits) - 1) ** 2 + 3) // 4).bit_length() <= 61


def layer_norm_params(gamma, beta, s_out, d, in_bits=8):
    """(M_j, B_j, R) of qc.layer_norm, computed in double as the op states.
    M_j carries sqrt(D) where the statistic is V (layer_norm_uses_v)."""
    gamma = np.asarray(gamma, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    root = math.sqrt(d)
    g = float(np.max(np.abs(gamma))) * root / float(s_out)
    bm = float(np.max(np.abs(beta))) / float(s_out)
    r = min(54 - _ceil_log2(g), 61 - _ceil_log2(max(bm, 1.0)))
    r = max(1, min(62, r))
    if layer_norm_uses_v(d, in_bits):
        m = [int(np.rint(gj * root / float(s_out) * 2.0 ** (r - 24))) for gj in gamma]
    else:
        m = [int(np.rint(gj / float(s_out) * 2.0 ** (r - 24))) for gj in gamma]
    m = np.array(m, dtype=np.int64)
    limit = 1 << 61
    b = np.array([max(-limit, min(limit, int(np.rint(bj / float(s_out) * 2.0 ** r))))
                  for bj in beta], dtype=np.int64)
    return m, b, r


def layer_norm_statistic_max(d, in_bits):
    """The bound of the statistic P (V or W) over every input of D codes:
    ceil(D^(2+a) (2^bits - 1)^2 / 4), a = 1 for V."""
    a = 1 if layer_norm_uses_v(d, in_bits) else 0
    return (d ** (2 + a) * ((1 << in_bits) - 1) ** 2 + 3) // 4


def layer_norm_variance_shift(d, in_bits):
    """k: the even left shift of the statistic P (V = sum c^2, or W = V / D)
    that keeps P * 2^k < 2^61 for every input, so that epsilon keeps its
    precision next to small variances."""
    p_max = layer_norm_statistic_max(d, in_bits)
    return max(0, 2 * ((61 - p_max.bit_length()) // 2))


def layer_norm_epsilon_term(eps, s_in, d, k, in_bits=8):
    """E = round_half_even(D^(2+a) * eps / s_in^2 * 2^k), saturated to 2^61
    (a = 1 where the statistic is V)."""
    dd = float(d) ** 3 if layer_norm_uses_v(d, in_bits) else float(d) ** 2
    v = dd * float(eps) / (float(s_in) * float(s_in)) * 2.0 ** k
    return int(min(np.rint(v), 2.0 ** 61))


def bitlen(u):
    """Number of bits of u >= 0 by a binary search over shifts (as lowered)."""
    u = np.asarray(u, dtype=np.int64)
    b = np.zeros_like(u)
    for s in (32, 16, 8, 4, 2, 1):
        b = np.where((u >> (b + s)) != 0, b + s, b)
    return np.where(u != 0, b + 1, 0)


ISQRT_ITERATIONS = 8


def isqrt(u):
    """floor(sqrt(u)) for 0 <= u < 2^62 by the op's fixed Newton iteration."""
    u = np.asarray(u, dtype=np.int64)
    x = np.int64(1) << ((bitlen(u) + 1) // 2)
    for _ in range(ISQRT_ITERATIONS):
        x = np.minimum(x, (x + u // np.maximum(x, 1)) // 2)
    return x


def layer_norm(x, s_in, z_in, gamma, beta, eps, s_out, z_out, qmin, qmax, in_bits=8):
    """qc.layer_norm over the last axis (docs/Numerics.md): one pass for the
    sums S = sum x and Q = sum x^2, W = D Q - S^2 = sum c^2 / D exactly."""
    x = np.asarray(x, dtype=np.int64) - int(z_in)
    d = x.shape[-1]
    k = layer_norm_variance_shift(d, in_bits)
    total = np.sum(x, axis=-1, keepdims=True)
    squares = np.sum(x * x, axis=-1, keepdims=True)
    w = d * squares - total * total
    p = d * w if layer_norm_uses_v(d, in_bits) else w
    u = (p << k) + layer_norm_epsilon_term(eps, s_in, d, k, in_bits)
    t = np.maximum(0, (62 - bitlen(u)) // 2)
    r = isqrt(u << (2 * t))
    c = d * x - total
    num = c << (24 + t + k // 2)
    rr = np.maximum(r, 1)
    half = rr // 2
    n = np.where(num >= 0, (num + half) // rr, -((-num + half) // rr))
    m, b, shift = layer_norm_params(gamma, beta, s_out, d, in_bits)
    y = (n * m + b + (np.int64(1) << (shift - 1))) >> shift
    return np.clip(y + int(z_out), qmin, qmax).astype(np.int64)


def batch_matmul(a, za, b, zb):
    """i32 accumulator of qc.batch_matmul: sum_k (a - za)(b - zb) per batch."""
    a = np.asarray(a, dtype=np.int64) - za
    b = np.asarray(b, dtype=np.int64) - zb
    return _wrap32(np.matmul(a, b))
def sylvester(block):
    """The Sylvester Hadamard matrix H[i, j] = (-1)^popcount(i & j), int64."""
    i = np.arange(block)
    bits = np.bitwise_and.outer(i, i)
    parity = np.zeros_like(bits)
    while bits.any():
        parity ^= bits & 1
        bits >>= 1
    return 1 - 2 * parity


MAX_PALEY_ORDER = 256


def _is_prime(q):
    return q > 1 and all(q % d for d in range(2, int(math.isqrt(q)) + 1))


def _in_paley_range(m):
    return 12 <= m <= MAX_PALEY_ORDER and m & (m - 1) != 0


def is_paley1_order(m):
    """m = q + 1, q prime, q = 3 (mod 4) (Paley I)."""
    return _in_paley_range(m) and (m - 1) % 4 == 3 and _is_prime(m - 1)


def is_paley2_order(m):
    """m = 2 (q + 1), q prime, q = 1 (mod 4) (Paley II)."""
    return _in_paley_range(m) and m % 2 == 0 and (m // 2 - 1) % 4 == 1 and _is_prime(m // 2 - 1)


def is_paley_order(m):
    """12 <= m <= 256, m not a power of two, a Paley I or II order
    (include/qc/Dialect/QC/IR/HadamardMatrix.h)."""
    return is_paley1_order(m) or is_paley2_order(m)


def _smallest_dense_order(block, is_order):
    for m in range(12, min(block, MAX_PALEY_ORDER) + 1):
        p = block // m
        if block % m == 0 and p & (p - 1) == 0 and is_order(m):
            return m
    return 0


def hadamard_dense_order(block):
    """1 for a power of two >= 2; otherwise the smallest Paley-I order m with
    block / m a power of two, else the smallest such Paley-II order (Paley I
    first keeps the matrices of the blocks supported before Paley II); 0 for
    an unsupported block."""
    if block < 2:
        return 0
    if block & (block - 1) == 0:
        return 1
    return (_smallest_dense_order(block, is_paley1_order)
            or _smallest_dense_order(block, is_paley2_order))


def largest_hadamard_block(n):
    """The largest supported block dividing n, 0 when none does."""
    for b in range(n, 1, -1):
        if n % b == 0 and hadamard_dense_order(b):
            return b
    return 0


def _quadratic_character(q):
    chi = -np.ones(q, dtype=np.int64)
    chi[0] = 0
    chi[(np.arange(1, q) ** 2) % q] = 1
    return chi


def paley(m):
    """The Paley Hadamard matrix of order m, int64, chi the quadratic
    character mod q. Paley I (m = q + 1): I + [[0, 1^T], [-1, J]] with
    J[i, j] = chi(j - i). Otherwise Paley II (m = 2 (q + 1)):
    kron(C, [[1, 1], [1, -1]]) + kron(I, [[1, -1], [-1, -1]]) with
    C = [[0, 1^T], [1, J]]."""
    if is_paley1_order(m):
        q = m - 1
        chi = _quadratic_character(q)
        s = np.zeros((m, m), dtype=np.int64)
        s[0, 1:] = 1
        s[1:, 0] = -1
        i = np.arange(q)
        s[1:, 1:] = chi[(i[None, :] - i[:, None]) % q]
        return s + np.eye(m, dtype=np.int64)
    n = m // 2
    q = n - 1
    chi = _quadratic_character(q)
    c = np.zeros((n, n), dtype=np.int64)
    c[0, 1:] = 1
    c[1:, 0] = 1
    i = np.arange(q)
    c[1:, 1:] = chi[(i[None, :] - i[:, None]) % q]
    return (np.kron(c, np.array([[1, 1], [1, -1]], dtype=np.int64))
            + np.kron(np.eye(n, dtype=np.int64), np.array([[1, -1], [-1, -1]], dtype=np.int64)))


def hadamard_matrix(block):
    """H_b of qc.hadamard: sylvester(b), or kron(paley(m), sylvester(b / m))."""
    m = hadamard_dense_order(block)
    if m == 0:
        raise ValueError("block %d is not a supported Hadamard size" % block)
    return sylvester(block) if m == 1 else np.kron(paley(m), sylvester(block // m))


def hadamard_dense_stage(u, block, m):
    """The dense stage of a block m * 2^k on the last axis of u, in u's dtype:
    out[.., j, a, r] = sum_a2 H_m[a, a2] u[.., j, a2, r]."""
    p = block // m
    v = u.reshape(u.shape[:-1] + (u.shape[-1] // block, m, p))
    out = np.einsum("ab,...jbr->...jar", paley(m).astype(u.dtype), v)
    return out.reshape(u.shape)


def hadamard_sums(x, block, negate=None):
    """The unscaled blockwise transform of qc.hadamard along the last axis:
    t[jb + i] = sum_t H_b[i, t] * sign[jb + t] * x[jb + t] (exact in int64 for
    integers, in float64 for floats). Computed by the butterflies
    (p, q) -> (p + q, p - q) of half-width 1, 2, ..., 2^k / 2 on each chunk of
    2^k = block / m, then (m > 1, a Paley block) the dense m x m stage across
    the chunks: equal to the product with hadamard_matrix(block)."""
    x = np.asarray(x)
    n = x.shape[-1]
    u = x.astype(np.float64 if np.issubdtype(x.dtype, np.floating) else np.int64)
    if negate is not None:
        u = u * np.where(np.asarray(negate, dtype=bool), -1, 1)
    m = hadamard_dense_order(block)
    p = block // m
    lead = u.shape[:-1] + (n // p,)
    h = 1
    while h < p:
        v = u.reshape(lead + (p // (2 * h), 2, h))
        q, r = v[..., 0, :], v[..., 1, :]
        u = np.stack([q + r, q - r], axis=-2)
        h *= 2
    u = u.reshape(x.shape)
    return hadamard_dense_stage(u, block, m) if m > 1 else u
def hadamard(q, zx, sx, zy, sy, qmin, qmax, block, negate=None, profile=DOUBLE_ROUND,
             clamp=None):
    """qc.hadamard on per-tensor quantized codes (docs/Hadamard.md)."""
    t = hadamard_sums(np.asarray(q, dtype=np.int64) - zx, block, negate)
    real = float(sx) / (math.sqrt(block) * float(sy))
    return output_stage(t, real, zy, qmin, qmax, profile, clamp)
