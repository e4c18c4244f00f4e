"""Models and IR readers shared by the --qc-low-rank execution tests.

The models have constant weights of exact low rank plus noise (the case
low-rank factorization is for). `evaluate` interprets the qc.matmul /
qc.conv2d chain of a module as printed by qc-opt with python/qc/reference.py,
reading every constant, quantized type and attribute from the IR text, so the
reference follows the factorized graph exactly as the pass emitted it.
"""
import re

import numpy as np

from qc import reference as ref


def hex_dense(array, dtype):
    return '"0x' + np.ascontiguousarray(array, dtype=dtype).tobytes().hex().upper() + '"'


def low_rank_plus_noise(rng, shape, rank, noise):
    """A weight whose [prod(shape[:-1]), shape[-1]] matrix has `rank` strong
    directions plus Gaussian noise of relative Frobenius size `noise`."""
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    low = rng.standard_normal((rows, rank)) @ rng.standard_normal((rank, cols))
    dense_noise = rng.standard_normal((rows, cols))
    w = low + noise * np.linalg.norm(low) / np.linalg.norm(dense_noise) * dense_noise
    return (w / np.abs(w).max()).reshape(shape)


def _per_channel(w):
    """Symmetric per-output-channel int8 codes and scales of a float weight."""
    channels = w.reshape(-1, w.shape[-1])
    scales = np.abs(channels).max(axis=0) / 127.0
    codes = np.clip(np.rint(w / scales), -127, 127).astype(np.int8)
    return codes, scales


def _output_scale(w, x_scale):
    """Three standard deviations of the output for uniform random int8 inputs
    span the int8 range."""
    x_std = x_scale * 256 / np.sqrt(12)
    return float(3 * x_std * np.linalg.norm(w, axis=0).max() / 127)


def _scale_list(scales):
    return ", ".join(repr(float(s)) for s in scales)


def quantized_matmul(rng, m, k, n, rank, noise=0.01):
    """qc.matmul [m, k] x [k, n] with a per-channel int8 weight, an i32 bias
    and a ReLU clamp. Returns the source."""
    codes, scales = _per_channel(low_rank_plus_noise(rng, (k, n), rank, noise))
    x_scale, x_zp = 0.02, 5
    bias_scales = x_scale * scales
    bias = np.rint(rng.uniform(-0.5, 0.5, n) / bias_scales).astype(np.int32)
    y_scale = _output_scale(codes * scales, x_scale)
    return f"""
!x = !quant.uniform<i8:f32, {x_scale}:{x_zp}>
!w = !quant.uniform<i8<-127:127>:f32:1, {{{_scale_list(scales)}}}>
!b = !quant.uniform<i32:f32:0, {{{_scale_list(bias_scales)}}}>
!y = !quant.uniform<i8:f32, {y_scale!r}:-10>
func.func @model(%x: tensor<{m}x{k}x!x>) -> tensor<{m}x{n}x!y> {{
  %wc = arith.constant dense<{hex_dense(codes, np.int8)}> : tensor<{k}x{n}xi8>
  %w = quant.scast %wc : tensor<{k}x{n}xi8> to tensor<{k}x{n}x!w>
  %bc = arith.constant dense<{hex_dense(bias, np.int32)}> : tensor<{n}xi32>
  %b = quant.scast %bc : tensor<{n}xi32> to tensor<{n}x!b>
  %y = qc.matmul %x, %w bias %b clamp [-10, 127] : tensor<{m}x{k}x!x>, tensor<{k}x{n}x!w>, tensor<{n}x!b> -> tensor<{m}x{n}x!y>
  return %y : tensor<{m}x{n}x!y>
}}"""


def quantized_conv(rng, hw, c, f, rank, noise=0.01, pad=1):
    """3x3 qc.conv2d, stride 2, padding `pad` on every side, per-channel int8
    filter, i32 bias."""
    codes, scales = _per_channel(low_rank_plus_noise(rng, (3, 3, c, f), rank, noise))
    x_scale, x_zp = 0.03, -4
    bias_scales = x_scale * scales
    bias = np.rint(rng.uniform(-0.5, 0.5, f) / bias_scales).astype(np.int32)
    y_scale = _output_scale((codes * scales).reshape(-1, f), x_scale)
    oh = (hw + 2 * pad - 3) // 2 + 1
    return f"""
!x = !quant.uniform<i8:f32, {x_scale}:{x_zp}>
!w = !quant.uniform<i8<-127:127>:f32:3, {{{_scale_list(scales)}}}>
!b = !quant.uniform<i32:f32:0, {{{_scale_list(bias_scales)}}}>
!y = !quant.uniform<i8:f32, {y_scale!r}:3>
func.func @model(%x: tensor<1x{hw}x{hw}x{c}x!x>) -> tensor<1x{oh}x{oh}x{f}x!y> {{
  %wc = arith.constant dense<{hex_dense(codes, np.int8)}> : tensor<3x3x{c}x{f}xi8>
  %w = quant.scast %wc : tensor<3x3x{c}x{f}xi8> to tensor<3x3x{c}x{f}x!w>
  %bc = arith.constant dense<{hex_dense(bias, np.int32)}> : tensor<{f}xi32>
  %b = quant.scast %bc : tensor<{f}xi32> to tensor<{f}x!b>
  %y = qc.conv2d %x, %w bias %b {{strides = array<i64: 2, 2>, padding = array<i64: {pad}, {pad}, {pad}, {pad}>}}
      : tensor<1x{hw}x{hw}x{c}x!x>, tensor<3x3x{c}x{f}x!w>, tensor<{f}x!b> -> tensor<1x{oh}x{oh}x{f}x!y>
  return %y : tensor<1x{oh}x{oh}x{f}x!y>
}}"""


def float_matmul(rng, m, k, n, rank, noise=0.01):
    """Float linalg.matmul with a constant weight; returns (source, weight)."""
    w = low_rank_plus_noise(rng, (k, n), rank, noise).astype(np.float32)
    return f"""
func.func @model(%x: tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32> {{
  %w = arith.constant dense<{hex_dense(w, np.float32)}> : tensor<{k}x{n}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%init : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}""", w


# --- reading the printed IR -------------------------------------------------

_CONSTANT = re.compile(
    r'(%\w+) = arith\.constant dense<"0x([0-9A-F]+)"> : tensor<([\dx]+)x(f32|i8|i16|i32)>')
_SCAST = re.compile(r"(%\w+) = quant\.scast (%\w+) : ")
_QTYPE = re.compile(
    r"!quant\.uniform<([iu])(\d+)(?:<(-?\d+):(-?\d+)>)?:f32(?::\d+)?, (\{[^}]*\}|[^>]+)>")
_CONTRACTION = re.compile(
    r"(%\w+) = qc\.(matmul|conv2d) (%\w+), (%\w+)(?: bias (%\w+))?(?: clamp \[(-?\d+), (-?\d+)\])?"
    r"( \{[^}]*\})? : (.*)$")
_DTYPES = {"f32": np.float32, "i8": np.int8, "i16": np.int16, "i32": np.int32}


def constants(ir):
    result = {}
    for name, data, shape, dtype in _CONSTANT.findall(ir):
        dims = [int(d) for d in shape.split("x")]
        result[name] = np.frombuffer(bytes.fromhex(data), dtype=_DTYPES[dtype]).reshape(dims)
    return result


class QType:
    """Scales, zero points and storage range of a printed !quant.uniform."""

    def __init__(self, match):
        signed, bits, lo, hi, params = match.groups()
        bits = int(bits)
        self.qmin, self.qmax = ref.storage_range(bits, signed == "i")
        if lo is not None:
            self.qmin, self.qmax = int(lo), int(hi)
        entries = params.strip("{}").split(",")
        self.scales = np.array([float(e.split(":")[0]) for e in entries])
        self.zero_points = np.array([int(e.split(":")[1]) if ":" in e else 0 for e in entries])


def qtypes(text):
    return [QType(m) for m in _QTYPE.finditer(text)]


def _array_attr(attrs, name, default):
    match = re.search(name + r" = array<i64: ([-\d, ]+)>", attrs or "")
    return tuple(int(v) for v in match.group(1).split(",")) if match else default


def evaluate(ir, xq):
    """Runs the qc.matmul / qc.conv2d chain of `ir` on the int8 input codes."""
    consts = constants(ir)
    casts = {res: src for res, src in _SCAST.findall(ir)}
    values = {"%arg0": np.asarray(xq, dtype=np.int64)}
    last = None
    for line in ir.splitlines():
        match = _CONTRACTION.search(line)
        if not match:
            continue
        res, kind, lhs, rhs, bias, lo, hi, attrs, types = match.groups()
        types_in = qtypes(types)
        lhs_t, rhs_t, out_t = types_in[0], types_in[1], types_in[-1]
        weight = consts[casts[rhs]].astype(np.int64)
        bias_codes = consts[casts[bias]].astype(np.int64) if bias else None
        if kind == "matmul":
            acc = ref.matmul(values[lhs], lhs_t.zero_points[0], weight, rhs_t.zero_points,
                             bias_codes)
        else:
            acc = ref.conv2d(values[lhs], lhs_t.zero_points[0], weight, rhs_t.zero_points,
                             bias_codes, strides=_array_attr(attrs, "strides", (1, 1)),
                             padding=_array_attr(attrs, "padding", (0, 0, 0, 0)),
                             dilations=_array_attr(attrs, "dilations", (1, 1)))
        clamp = (int(lo), int(hi)) if lo is not None else None
        values[res] = ref.output_stage(acc, lhs_t.scales[0] * rhs_t.scales / out_t.scales[0],
                                       out_t.zero_points[0], out_t.qmin, out_t.qmax,
                                       clamp=clamp)
        last = res
    return values[last]


def output_type(ir):
    """The quantized type of the last contraction's result."""
    lines = [l for l in ir.splitlines() if _CONTRACTION.search(l)]
    return qtypes(lines[-1].split("->")[-1])[0]
