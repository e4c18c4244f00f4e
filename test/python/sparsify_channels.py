# RUN: %python %s
# Channel removal by --qc-remove-zero-channels is exact: each module below is evaluated
# with the numpy reference numerics (python/qc/reference.py) before and after
# the pass on random inputs, and the outputs must be equal bit for bit. The
# checks also make sure the pass did shrink what it should.
import re
import subprocess
import sys

import numpy as np

from qc import reference as ref

UNIFORM = re.compile(
    r"!quant\.uniform<([iu])(\d+)(?:<(-?\d+):(-?\d+)>)?:f32(?::(\d+))?, (\{[^}]*\}|[^>]*)>")


def parse_qtype(text):
    m = UNIFORM.search(text)
    signed, bits, lo, hi, axis, params = m.groups()
    signed, bits = signed == "i", int(bits)
    qmin, qmax = ref.storage_range(bits, signed)
    if lo is not None:
        qmin, qmax = int(lo), int(hi)
    entries = params.strip("{}").split(",")
    scales, zps = [], []
    for e in entries:
        s, _, z = e.strip().partition(":")
        scales.append(float(s))
        zps.append(int(z) if z else 0)
    return dict(scales=np.array(scales), zps=np.array(zps), qmin=qmin, qmax=qmax,
                axis=None if axis is None else int(axis))


def shape_of(text):
    return [int(d) for d in re.match(r"tensor<([0-9x]+)x", text).group(1).split("x")]


def evaluate(ir, inputs):
    """Runs the one function of `ir` (arith.constant, quant.scast, qc.matmul,
    qc.conv2d, return) on `inputs` with the reference numerics."""
    env = {}
    args = re.search(r"func\.func @\w+\(([^)]*)\)", ir).group(1)
    for name, value in zip(re.findall(r"(%\w+):", args), inputs):
        env[name] = value
    for line in ir.splitlines():
        line = line.strip()
        m = re.match(r"(%\w+) = arith\.constant dense<(.*)> : (tensor<[^>]*>)$", line)
        if m:
            shape = shape_of(m.group(3))
            v = np.array(eval(m.group(2)), dtype=np.int64)
            env[m.group(1)] = np.broadcast_to(v, shape) if v.ndim == 0 else v.reshape(shape)
            continue
        m = re.match(r"(%\w+) = quant\.scast (%\w+) :", line)
        if m:
            env[m.group(1)] = env[m.group(2)]
            continue
        m = re.match(r"(%\w+) = qc\.(matmul|conv2d) (%\w+), (%\w+)(?: bias (%\w+))?"
                     r"(?: clamp \[(-?\d+), (-?\d+)\])?( \{[^}]*\})? : (.*)$", line)
        if m:
            res, op, x, w, b, clo, chi, attrs, types = m.groups()
            tys = re.findall(r"tensor<[^<>]*(?:<[^<>]*(?:<[^<>]*>[^<>]*)?>)?[^<>]*>", types)
            tx, tw, ty = parse_qtype(tys[0]), parse_qtype(tys[1]), parse_qtype(tys[-1])
            bias = env[b] if b else None
            if op == "matmul":
                acc = ref.matmul(env[x], tx["zps"][0], env[w], tw["zps"], bias)
            else:
                pad = re.search(r"padding = array<i64: ([^>]*)>", attrs or "")
                padding = tuple(int(p) for p in pad.group(1).split(",")) if pad else (0, 0, 0, 0)
                acc = ref.conv2d(env[x], tx["zps"][0], env[w], tw["zps"], bias, padding=padding)
            mult = tx["scales"][0] * tw["scales"] / ty["scales"][0]
            out = np.stack([ref.output_stage(acc[..., c], mult[c if mult.size > 1 else 0],
                                             ty["zps"][0], ty["qmin"], ty["qmax"],
                                             clamp=None if clo is None else (int(clo), int(chi)))
                            for c in range(acc.shape[-1])], axis=-1)
            env[res] = out
            continue
        m = re.match(r"return (%\w+)", line)
        if m:
            return env[m.group(1)]
    raise RuntimeError("no return")


CASES = {
    # Matmul -> matmul: a zero channel with bias 100 outputs a constant that
    # the consumer (per-axis, non-zero zero points, no bias) must absorb; a
    # zero-point-only channel (codes 4 == z_w) is zero too.
    "mm_mm": ("""
func.func @f(%a: tensor<3x4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<3x3x!quant.uniform<i8:f32, 1.0:2>> {
  %c = arith.constant dense<[[1, 0, 5, 4], [3, 0, 6, 4], [5, 0, 6, 4], [-7, 0, 8, 4]]> : tensor<4x4xi8>
  %w = quant.scast %c : tensor<4x4xi8> to tensor<4x4x!quant.uniform<i8:f32:1, {0.02, 0.04, 0.03, 0.05:4}>>
  %cb = arith.constant dense<[10, 100, -20, 300]> : tensor<4xi32>
  %b = quant.scast %cb : tensor<4xi32> to tensor<4x!quant.uniform<i32:f32:0, {0.002, 0.004, 0.003, 0.005}>>
  %y = qc.matmul %a, %w bias %b clamp [-5, 127] : tensor<3x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<4x4x!quant.uniform<i8:f32:1, {0.02, 0.04, 0.03, 0.05:4}>>, tensor<4x!quant.uniform<i32:f32:0, {0.002, 0.004, 0.003, 0.005}>> -> tensor<3x4x!quant.uniform<i8:f32, 0.25:-5>>
  %c2 = arith.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]> : tensor<4x3xi8>
  %w2 = quant.scast %c2 : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 0.125}>>
  %z = qc.matmul %y, %w2 : tensor<3x4x!quant.uniform<i8:f32, 0.25:-5>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 0.125}>> -> tensor<3x3x!quant.uniform<i8:f32, 1.0:2>>
  return %z : tensor<3x3x!quant.uniform<i8:f32, 1.0:2>>
}
""", [(3, 4)], "tensor<3x2x"),
    # Conv -> conv without padding, consumer with bias: the window sum of the
    # removed input channel folds into the consumer's bias.
    "conv_conv": ("""
func.func @f(%x: tensor<1x5x5x2x!quant.uniform<i8:f32, 0.1:-1>>) -> tensor<1x1x1x2x!quant.uniform<i8:f32, 0.5:1>> {
  %c = arith.constant dense<[[[[1, 0, -2], [3, 0, 4]], [[1, 0, 2], [0, 0, 1]], [[2, 0, 2], [1, 0, 1]]], [[[1, 0, -2], [3, 0, 4]], [[1, 0, 2], [0, 0, 1]], [[2, 0, 2], [1, 0, 1]]], [[[1, 0, -2], [3, 0, 4]], [[1, 0, 2], [0, 0, 1]], [[2, 0, 2], [1, 0, 1]]]]> : tensor<3x3x2x3xi8>
  %w = quant.scast %c : tensor<3x3x2x3xi8> to tensor<3x3x2x3x!quant.uniform<i8:f32, 0.05>>
  %cb = arith.constant dense<[5, -400, 7]> : tensor<3xi32>
  %b = quant.scast %cb : tensor<3xi32> to tensor<3x!quant.uniform<i32:f32, 0.005>>
  %y = qc.conv2d %x, %w bias %b : tensor<1x5x5x2x!quant.uniform<i8:f32, 0.1:-1>>, tensor<3x3x2x3x!quant.uniform<i8:f32, 0.05>>, tensor<3x!quant.uniform<i32:f32, 0.005>> -> tensor<1x3x3x3x!quant.uniform<i8:f32, 0.2:3>>
  %c2 = arith.constant dense<[[[[1, -1], [2, 0], [3, 1]], [[1, 1], [1, 2], [-1, 3]], [[0, 1], [2, 2], [1, 1]]], [[[1, -1], [2, 0], [3, 1]], [[1, 1], [1, 2], [-1, 3]], [[0, 1], [2, 2], [1, 1]]], [[[1, -1], [2, 0], [3, 1]], [[1, 1], [1, 2], [-1, 3]], [[0, 1], [2, 2], [1, 1]]]]> : tensor<3x3x3x2xi8>
  %w2 = quant.scast %c2 : tensor<3x3x3x2xi8> to tensor<3x3x3x2x!quant.uniform<i8:f32, 0.1>>
  %cb2 = arith.constant dense<[11, -13]> : tensor<2xi32>
  %b2 = quant.scast %cb2 : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32, 0.02>>
  %z = qc.conv2d %y, %w2 bias %b2 : tensor<1x3x3x3x!quant.uniform<i8:f32, 0.2:3>>, tensor<3x3x3x2x!quant.uniform<i8:f32, 0.1>>, tensor<2x!quant.uniform<i32:f32, 0.02>> -> tensor<1x1x1x2x!quant.uniform<i8:f32, 0.5:1>>
  return %z : tensor<1x1x1x2x!quant.uniform<i8:f32, 0.5:1>>
}
""", [(1, 5, 5, 2)], "tensor<1x3x3x2x"),
}

failures = 0
rng = np.random.default_rng(3)
for name, (src, in_shapes, shrunk) in CASES.items():
    before = subprocess.run(["qc-opt", "-"], input=src, text=True, capture_output=True)
    after = subprocess.run(["qc-opt", "--qc-remove-zero-channels", "-"], input=src, text=True,
                           capture_output=True)
    if before.returncode or after.returncode:
        print(f"FAIL {name}: qc-opt failed\n{before.stderr}{after.stderr}")
        failures += 1
        continue
    if shrunk not in after.stdout:
        print(f"FAIL {name}: expected a {shrunk}...> result after the pass\n{after.stdout}")
        failures += 1
    for _ in range(50):
        inputs = [rng.integers(-128, 128, size=s) for s in in_shapes]
        want, got = evaluate(before.stdout, inputs), evaluate(after.stdout, inputs)
        if not np.array_equal(want, got):
            print(f"FAIL {name}: outputs differ\n{want}\n{got}")
            failures += 1
            break
print("channel removal:", len(CASES), "modules,", failures, "failures")
sys.exit(1 if failures else 0)
