#!/usr/bin/python3
"""Contractions with a 16-bit side on the CPU: the vpdpwssd register-tile
kernels (and the depthwise kernel on 16-bit lanes) against the generic
integer path and against an 8-bit kernel on the same shape, same run, same
machine.

For each layer this builds the raw contraction --qc-lower-to-linalg emits
for a quantized matmul or convolution with a constant weight (into i32)
three ways and runs each with qc-run --target=cpu (the host's VNNI):

  mm:MxKxN, conv:HxWxCxF    i8 activations by 16-bit weights
    i16 kernel     i16 weights (|w| <= q, the accumulator limit of
                   calibration.wide_weight_limit), qc-cpu-int8-kernels'
                   int16-kernels: vpdpwssd tiles (docs/CPUKernels.md)
    i16 generic    the same module with int8-kernels=false: the generic
                   tiling every i8 x i16 contraction took before
    i8 kernel      i8 weights, the vpdpbusd kernel (the baseline)
  u16mm:MxKxN, u16conv:HxWxCxF    u16 activations by i8 weights
    u16 kernel     the vpdpwssd tiles on x ^ 0x8000, 32768 * column sums
                   in the start values (since 2026-12-07)
    u16 generic    int8-kernels=false: the path u16 took before
    i16 kernel     i16 activations by the same weights (the baseline)
  dwq:HxWxC   3x3 depthwise qc.conv2d (groups = C) requantized to i8, i8
              weights, lowered by --qc-lower-to-linalg (the requantization
              is the kernel's fused epilogue; checked against
              python/qc/reference.py)
    i16 dw kernel, i16 dw generic, u16 dw kernel, i8 dw kernel (baseline)
  dw:HxWxC    3x3 depthwise convolutions into i32, i8 weights
    i16 dw kernel  i16 activations on the depthwise kernel (since
                   2026-12-07; u16 the same loop with zero extension)
    i16 dw generic int8-kernels=false: the path 16-bit depthwise took before
    i8 dw kernel   i8 activations, the int8 depthwise kernel (the baseline)

Convolutions are 3x3, stride 1, the input pre-padded. Prints the min (and
the median of the medians) of `--repeat` calls in each of `--rounds` qc-run
runs per variant, the variants alternated so that a change of the machine's
load hits them alike, and the ratios; every output is checked against numpy.
Note the load average with the figures.

  benchmarks/int16_weights.py --build build [--layers mm:128x768x768,...] [--repeat 20]
                              [--rounds 3] [--threads 1]

Not a test: it measures. docs/Benchmarks.md holds tables it printed.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from int16_bench_common import (conv_reference, depthwise_reference, layers,  # noqa: E402
                                parse_args, print_header, time_variants)

DEFAULT_LAYERS = "mm:1x1024x1024,mm:128x768x768,mm:16x64x256,conv:28x28x64x64"


def literal(w, dtype):
    return 'dense<"0x%s">' % np.ascontiguousarray(w.astype(dtype)).tobytes().hex().upper()


def product_body(x_elem, w_elem, x_ext):
    """The body of a contraction generic: out + ext(x) * extsi(w)."""
    return f"""  ^bb0(%xa: {x_elem}, %wa: {w_elem}, %acc: i32):
    %xe = arith.{x_ext} %xa : {x_elem} to i32
    %we = arith.extsi %wa : {w_elem} to i32
    %p = arith.muli %xe, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32"""


def matmul_op(m, k, n, elem, act, x_ext):
    """`linalg.matmul` for sign-extended activations (what the lowering
    emits), else the generic with `x_ext`."""
    types = f"ins(%a, %w : tensor<{m}x{k}x{act}>, tensor<{k}x{n}x{elem}>) outs(%i : tensor<{m}x{n}xi32>)"
    if x_ext == "extsi":
        return f"%r = linalg.matmul {types} -> tensor<{m}x{n}xi32>"
    return f"""%r = linalg.generic {{indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}} {types} {{
{product_body(act, elem, x_ext)}
  }} -> tensor<{m}x{n}xi32>"""


def conv_op(h, wd, c, f, elem, act, x_ext):
    """`linalg.conv_2d_nhwc_hwcf` for sign-extended activations, else the
    generic with `x_ext`."""
    hp, wp = h + 2, wd + 2
    types = (f"ins(%x, %w : tensor<1x{hp}x{wp}x{c}x{act}>, tensor<3x3x{c}x{f}x{elem}>) "
             f"outs(%i : tensor<1x{h}x{wd}x{f}xi32>)")
    if x_ext == "extsi":
        return (f"%r = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, "
                f"strides = dense<1> : tensor<2xi64>}} {types} -> tensor<1x{h}x{wd}x{f}xi32>")
    return f"""%r = linalg.generic {{indexing_maps = [affine_map<(n, h, w, f, kh, kw, c) -> (n, h + kh, w + kw, c)>, affine_map<(n, h, w, f, kh, kw, c) -> (kh, kw, c, f)>, affine_map<(n, h, w, f, kh, kw, c) -> (n, h, w, f)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}} {types} {{
{product_body(act, elem, x_ext)}
  }} -> tensor<1x{h}x{wd}x{f}xi32>"""


def matmul_module(m, k, n, w, elem, dtype, act="i8", x_ext="extsi"):
    return f"""func.func @f(%a: tensor<{m}x{k}x{act}>) -> tensor<{m}x{n}xi32> {{
  %w = arith.constant {literal(w, dtype)} : tensor<{k}x{n}x{elem}>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  {matmul_op(m, k, n, elem, act, x_ext)}
  return %r : tensor<{m}x{n}xi32>
}}
"""


def conv_module(h, wd, c, f, w, elem, dtype, act="i8", x_ext="extsi"):
    hp, wp = h + 2, wd + 2
    return f"""func.func @f(%x: tensor<1x{hp}x{wp}x{c}x{act}>) -> tensor<1x{h}x{wd}x{f}xi32> {{
  %w = arith.constant {literal(w, dtype)} : tensor<3x3x{c}x{f}x{elem}>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x{h}x{wd}x{f}xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<1x{h}x{wd}x{f}xi32>) -> tensor<1x{h}x{wd}x{f}xi32>
  {conv_op(h, wd, c, f, elem, act, x_ext)}
  return %r : tensor<1x{h}x{wd}x{f}xi32>
}}
"""


def depthwise_module(h, wd, c, w, act, x_ext):
    hp, wp = h + 2, wd + 2
    return f"""func.func @f(%x: tensor<1x{hp}x{wp}x{c}x{act}>) -> tensor<1x{h}x{wd}x{c}x1xi32> {{
  %w = arith.constant {literal(w, np.int8)} : tensor<3x3x{c}x1xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x{h}x{wd}x{c}x1xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<1x{h}x{wd}x{c}x1xi32>) -> tensor<1x{h}x{wd}x{c}x1xi32>
  %r = linalg.generic {{indexing_maps = [affine_map<(n, h, w, c, m, kh, kw) -> (n, h + kh, w + kw, c)>, affine_map<(n, h, w, c, m, kh, kw) -> (kh, kw, c, m)>, affine_map<(n, h, w, c, m, kh, kw) -> (n, h, w, c, m)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}} ins(%x, %w : tensor<1x{hp}x{wp}x{c}x{act}>, tensor<3x3x{c}x1xi8>) outs(%i : tensor<1x{h}x{wd}x{c}x1xi32>) {{
{product_body(act, "i8", x_ext)}
  }} -> tensor<1x{h}x{wd}x{c}x1xi32>
  return %r : tensor<1x{h}x{wd}x{c}x1xi32>
}}
"""


def write(tmp, name, text):
    path = os.path.join(tmp, name + ".mlir")
    with open(path, "w") as fh:
        fh.write(text)
    return path


def weights16_variants(tmp, rng, kind, d):
    """mm / conv: i8 activations by i16 weights, by i8 weights."""
    if kind == "mm":
        m, k, n = d
        reduction = k
        x = rng.integers(-128, 128, (m, k)).astype(np.int8)
        wshape = (k, n)
    else:
        h, wd, c, f = d
        reduction = 9 * c
        x = rng.integers(-128, 128, (1, h + 2, wd + 2, c)).astype(np.int8)
        wshape = (3, 3, c, f)
    q = min(32767, (1 << 30) // (reduction * 255))
    w16 = rng.integers(-q, q + 1, wshape)
    w8 = rng.integers(-127, 128, wshape)
    build = (lambda w, elem, dtype: matmul_module(*d, w, elem, dtype)) if kind == "mm" else \
        (lambda w, elem, dtype: conv_module(*d, w, elem, dtype))
    ref = (lambda w: x.astype(np.int64) @ w) if kind == "mm" else (lambda w: conv_reference(x, w))
    m16 = write(tmp, "i16", build(w16, "i16", np.int16))
    m8 = write(tmp, "i8", build(w8, "i8", np.int8))
    return "(q=%d)" % q, [("i16 kernel", m16, x, "", ref(w16)),
                          ("i16 generic", m16, x, "int8-kernels=false", ref(w16)),
                          ("i8 kernel", m8, x, "", ref(w8))], "i16 generic", "i8 kernel"


def u16_variants(tmp, rng, kind, d):
    """u16mm / u16conv: u16 activations by i8 weights, and i16 ones."""
    if kind == "u16mm":
        shape, wshape = (d[0], d[1]), (d[1], d[2])
        build = lambda act, ext, w: matmul_module(*d, w, "i8", np.int8, act, ext)
    else:
        shape, wshape = (1, d[0] + 2, d[1] + 2, d[2]), (3, 3, d[2], d[3])
        build = lambda act, ext, w: conv_module(*d, w, "i8", np.int8, act, ext)
    w = rng.integers(-128, 128, wshape)
    xu = rng.integers(0, 65536, shape).astype(np.uint16)
    xs = rng.integers(-32768, 32768, shape).astype(np.int16)
    ref = (lambda x: x.astype(np.int64) @ w) if kind == "u16mm" else \
        (lambda x: conv_reference(x, w))
    mu = write(tmp, "u16", build("i16", "extui", w))
    ms = write(tmp, "s16", build("i16", "extsi", w))
    xu_signless = xu.view(np.int16)
    return "", [("u16 kernel", mu, xu_signless, "", ref(xu)),
                ("u16 generic", mu, xu_signless, "int8-kernels=false", ref(xu)),
                ("i16 kernel", ms, xs, "", ref(xs))], "u16 generic", "i16 kernel"


def depthwise_variants(tmp, rng, d):
    """dw: 16-bit and 8-bit activations by i8 depthwise weights."""
    h, wd, c = d
    shape = (1, h + 2, wd + 2, c)
    w = rng.integers(-128, 128, (3, 3, c))
    x16 = rng.integers(-32768, 32768, shape).astype(np.int16)
    x8 = rng.integers(-128, 128, shape).astype(np.int8)
    m16 = write(tmp, "dw16", depthwise_module(h, wd, c, w, "i16", "extsi"))
    m8 = write(tmp, "dw8", depthwise_module(h, wd, c, w, "i8", "extsi"))
    return "", [("i16 dw kernel", m16, x16, "", depthwise_reference(x16, w)),
                ("i16 dw generic", m16, x16, "int8-kernels=false", depthwise_reference(x16, w)),
                ("i8 dw kernel", m8, x8, "", depthwise_reference(x8, w))], \
        "i16 dw generic", "i8 dw kernel"


def depthwise_quant_module(name, h, wd, c, w, act, zp, scale):
    """qc.conv2d of one channel per group, per-tensor parameters, into i8."""
    x_t = "tensor<1x%dx%dx%dx!quant.uniform<%s:f32, %r:%d>>" % (h + 2, wd + 2, c, act, scale, zp)
    w_t = "tensor<3x3x1x%dx!quant.uniform<i8:f32, 0.02:0>>" % c
    y_t = "tensor<1x%dx%dx%dx!quant.uniform<i8:f32, %r:0>>" % (h, wd, c, OUT_SCALE[act])
    return f"""func.func @{name}(%x: {x_t}) -> {y_t} {{
  %ws = arith.constant {literal(w, np.int8)} : tensor<3x3x1x{c}xi8>
  %w = quant.scast %ws : tensor<3x3x1x{c}xi8> to {w_t}
  %r = qc.conv2d %x, %w {{strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = {c} : i64}} : {x_t}, {w_t} -> {y_t}
  return %r : {y_t}
}}
"""


# Output scales that put the requantized sums of 9 products in ~+-60.
OUT_SCALE = {"i16": 2e-4 * 0.02 * 16384 * 64 * 3 / 60, "u16": 2e-4 * 0.02 * 16384 * 64 * 3 / 60,
             "i8": 0.05 * 0.02 * 64 * 64 * 3 / 60}


def depthwise_quant_variants(tmp, rng, d, opt):
    """dwq: requantized depthwise convolutions, lowered by qc-opt."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    from qc import reference as ref
    h, wd, c = d
    shape = (1, h + 2, wd + 2, c)
    w = rng.integers(-128, 128, (3, 3, 1, c))
    acts = {"i16": (rng.integers(-32768, 32768, shape), 0, 2e-4, np.int16),
            "u16": (rng.integers(0, 65536, shape), 32768, 2e-4, np.uint16),
            "i8": (rng.integers(-128, 128, shape), 0, 0.05, np.int8)}
    modules, inputs, expected = {}, {}, {}
    for act, (x, zp, scale, dtype) in acts.items():
        src = write(tmp, "dwq_" + act, depthwise_quant_module("f", h, wd, c, w, act, zp, scale))
        modules[act] = os.path.join(tmp, "dwq_%s.lowered.mlir" % act)
        subprocess.run([opt, src, "--qc-lower-to-linalg", "-o", modules[act]], check=True)
        x = x.astype(dtype)
        inputs[act] = x.view(np.int16) if dtype == np.uint16 else x
        acc = ref.conv2d(x.astype(np.int64), zp, w, np.array([0]), None, (1, 1), (0, 0, 0, 0),
                         (1, 1), c)
        expected[act] = ref.output_stage(acc, scale * 0.02 / OUT_SCALE[act], 0, -128, 127,
                                         ref.DOUBLE_ROUND, None).astype(np.int8)
    return "", [("i16 dw kernel", modules["i16"], inputs["i16"], "", expected["i16"]),
                ("i16 dw generic", modules["i16"], inputs["i16"], "int8-kernels=false",
                 expected["i16"]),
                ("u16 dw kernel", modules["u16"], inputs["u16"], "", expected["u16"]),
                ("u16 dw generic", modules["u16"], inputs["u16"], "int8-kernels=false",
                 expected["u16"]),
                ("i8 dw kernel", modules["i8"], inputs["i8"], "", expected["i8"])], \
        "i16 dw generic", "i8 dw kernel"


def main():
    args = parse_args(DEFAULT_LAYERS, 20)
    rng = np.random.default_rng(0)
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        for layer, kind, d in layers(args.layers):
            if kind in ("mm", "conv"):
                note, variants, generic, base = weights16_variants(tmp, rng, kind, d)
            elif kind in ("u16mm", "u16conv"):
                note, variants, generic, base = u16_variants(tmp, rng, kind, d)
            elif kind == "dwq":
                note, variants, generic, base = depthwise_quant_variants(
                    tmp, rng, d, os.path.join(args.build, "bin", "qc-opt"))
            elif kind == "dw":
                note, variants, generic, base = depthwise_variants(tmp, rng, d)
            else:
                sys.exit("unknown layer kind %r" % kind)
            time_variants(args, (layer + " " + note).strip(), variants, generic, base, tmp)


if __name__ == "__main__":
    main()
