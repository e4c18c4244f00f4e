# RUN: %python %s
# Checks every constant pruned by --qc-prune against python/qc/prune.py, the
# numpy statement of the documented selection rule, on weights full of ties
# (small integers), for every pattern and both scopes.
import re
import subprocess
import sys

import numpy as np

from qc.prune import prune_masks

rng = np.random.default_rng(7)
# Float weights: a matmul [K, N], a conv HWCF and a depthwise HWC filter.
W_MM = rng.integers(-4, 5, size=(16, 8)).astype(np.float32) * 0.25
W_CONV = rng.integers(-3, 4, size=(3, 3, 8, 4)).astype(np.float32)
W_DW = rng.integers(-3, 4, size=(2, 4, 8)).astype(np.float32)
# Quantized weight of a qc.matmul, per-axis scales, zero point 0.
W_Q = rng.integers(-5, 6, size=(8, 4)).astype(np.int8)
Q_SCALES = [0.5, 0.25, 0.5, 1.0]


def fmt(a):
    return np.array2string(a, separator=", ", threshold=1 << 30, max_line_width=1 << 30,
                           formatter={"float_kind": lambda v: "%.6e" % v})


def module():
    s = ",".join(repr(v) for v in Q_SCALES)
    return f"""
func.func @mm(%x: tensor<2x16xf32>, %o: tensor<2x8xf32>) -> tensor<2x8xf32> {{
  %w = arith.constant dense<{fmt(W_MM)}> : tensor<16x8xf32>
  %r = linalg.matmul ins(%x, %w : tensor<2x16xf32>, tensor<16x8xf32>) outs(%o : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}}
func.func @conv(%x: tensor<1x5x5x8xf32>, %o: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {{
  %w = arith.constant dense<{fmt(W_CONV)}> : tensor<3x3x8x4xf32>
  %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x5x5x8xf32>, tensor<3x3x8x4xf32>) outs(%o : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  return %r : tensor<1x3x3x4xf32>
}}
func.func @dw(%x: tensor<1x5x8x8xf32>, %o: tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32> {{
  %w = arith.constant dense<{fmt(W_DW)}> : tensor<2x4x8xf32>
  %r = linalg.depthwise_conv_2d_nhwc_hwc ins(%x, %w : tensor<1x5x8x8xf32>, tensor<2x4x8xf32>) outs(%o : tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32>
  return %r : tensor<1x4x5x8xf32>
}}
func.func @q(%a: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.5>> {{
  %c = arith.constant dense<{fmt(W_Q)}> : tensor<8x4xi8>
  %w = quant.scast %c : tensor<8x4xi8> to tensor<8x4x!quant.uniform<i8:f32:1, {{{s}}}>>
  %y = qc.matmul %a, %w : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x4x!quant.uniform<i8:f32:1, {{{s}}}>> -> tensor<2x4x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<2x4x!quant.uniform<i8:f32, 0.5>>
}}
"""


CONST = re.compile(r"arith\.constant dense<(.*?)> : tensor<([0-9x]+)x(f32|i8)>")


def constants(text):
    out = []
    for body, shape, _ in CONST.findall(text):
        shape = [int(d) for d in shape.split("x")]
        value = np.array(eval(body), dtype=np.float64)
        out.append(np.broadcast_to(value, shape) if value.ndim == 0 else value.reshape(shape))
    return out


weights = [W_MM, W_CONV, W_DW, W_Q]
magnitudes = [np.abs(W_MM.astype(np.float64)), np.abs(W_CONV.astype(np.float64)),
              np.abs(W_DW.astype(np.float64)),
              np.abs(W_Q.astype(np.float64)) * np.array(Q_SCALES)]
cases = [
    ("pattern=unstructured sparsity=0.7", "unstructured", 0.7, "layer", [0, 1, 2, 3]),
    ("sparsity=0.9", "unstructured", 0.9, "layer", [0, 1, 2, 3]),
    ("sparsity=0.6 scope=global", "unstructured", 0.6, "global", [0, 1, 2, 3]),
    ("pattern=2:4", "2:4", 0.5, "layer", [0, 1, 2, 3]),
    ("pattern=1:4", "1:4", 0.75, "layer", [0, 1, 2, 3]),
    ("pattern=4:8", "4:8", 0.5, "layer", [0, 1, 3]),
    ("pattern=2x2 sparsity=0.5", "2x2", 0.5, "layer", [0, 1, 2, 3]),
    ("pattern=4x1 sparsity=0.6 scope=global", "4x1", 0.6, "global", [0, 1, 2, 3]),
    ("pattern=channel sparsity=0.5", "channel", 0.5, "layer", [0, 1, 2, 3]),
    ("pattern=channel sparsity=0.4 scope=global", "channel", 0.4, "global", [0, 1, 2, 3]),
]
failures = 0
src = module()
for options, pattern, sparsity, scope, selected in cases:
    text = src
    # The depthwise filter (KW = 4) cannot take 4:8: it opts out per op.
    if 2 not in selected:
        text = text.replace("%r = linalg.depthwise_conv_2d_nhwc_hwc ins",
                            '%r = linalg.depthwise_conv_2d_nhwc_hwc {qc.prune = {pattern = "none"}} ins')
    res = subprocess.run(["qc-opt", f"--qc-prune={options}", "--mlir-print-elementsattrs-with-hex-if-larger=-1", "-"], input=text, text=True,
                         capture_output=True)
    if res.returncode != 0:
        print(f"FAIL {options}: qc-opt exited {res.returncode}\n{res.stderr}")
        failures += 1
        continue
    got = constants(res.stdout)
    masks = prune_masks([magnitudes[i] for i in selected], pattern, sparsity, scope)
    for j, i in enumerate(selected):
        expected = np.where(masks[j], 0, weights[i]).astype(np.float64)
        if not np.array_equal(got[i], expected):
            print(f"FAIL {options}: weight {i} differs at {np.argwhere(got[i] != expected)[:5].tolist()}")
            failures += 1
    for i in set(range(4)) - set(selected):
        if not np.array_equal(got[i], weights[i]):
            print(f"FAIL {options}: weight {i} should be untouched")
            failures += 1
    # The remarks report the zeros actually present.
    zeros = [int(z) for z in re.findall(r"\((\d+) of \d+ weights zero\)", res.stderr)]
    if zeros != [int(np.count_nonzero(got[i] == 0)) for i in selected]:
        print(f"FAIL {options}: remarks report {zeros}")
        failures += 1
print("prune reference:", len(cases), "cases,", failures, "failures")
sys.exit(1 if failures else 0)
