# Cross-checks what --qc-fold-fake-quant computes at compile time against the
# numpy reference (python/qc/reference.py): the quantized weights, the i32
# bias, the fused ReLU6 clamp and the requantization multipliers; then runs
# the documented integer semantics of the resulting qc.matmul and compares it
# with the float fake-quant model it came from (within one output step).
#
# RUN: %python %s qc-opt | FileCheck %s
# CHECK: weights: ok
# CHECK: bias: ok
# CHECK: clamp: ok
# CHECK: multipliers: ok
# CHECK: integer vs fake-quant float: ok
import re
import subprocess
import sys

import numpy as np

from qc import reference as ref

rng = np.random.default_rng(7)
M, K, N = 5, 16, 4
sx, zx = 0.05, -3
sw = np.array([0.01, 0.02, 0.005, 0.015])
sy, zy = 0.04, -128
w = rng.uniform(-1.5, 1.5, size=(K, N))
b = rng.uniform(-0.5, 0.5, size=(N,))


def dense(a):
    return "[" + ", ".join(dense(x) if isinstance(x, list) else repr(float(x))
                           for x in a) + "]"


scales = ", ".join(repr(float(s)) for s in sw)
mlir = f"""
func.func @f(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, {sx}:{zx}> : tensor<{M}x{K}xf32>
  %w = arith.constant dense<{dense(w.tolist())}> : tensor<{K}x{N}xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8<-127:127>:f32:1, {{{scales}}}> : tensor<{K}x{N}xf32>
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>) outs(%init : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %b = arith.constant dense<{dense(b.tolist())}> : tensor<{N}xf32>
  %bb = linalg.broadcast ins(%b : tensor<{N}xf32>) outs(%e : tensor<{M}x{N}xf32>) dimensions = [0]
  %s = linalg.add ins(%mm, %bb : tensor<{M}x{N}xf32>, tensor<{M}x{N}xf32>) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %zeros = arith.constant dense<0.0> : tensor<{M}x{N}xf32>
  %sixes = arith.constant dense<6.0> : tensor<{M}x{N}xf32>
  %r0 = arith.maximumf %s, %zeros : tensor<{M}x{N}xf32>
  %r = arith.minimumf %r0, %sixes : tensor<{M}x{N}xf32>
  %y = qc.fake_quant %r to !quant.uniform<i8:f32, {sy}:{zy}> : tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}
"""
proc = subprocess.run([sys.argv[1], "--qc-fold-fake-quant=report=true",
                       "-mlir-print-op-on-diagnostic=false"],
                      input=mlir, capture_output=True, text=True)
if proc.returncode != 0:
    sys.exit("qc-opt failed:\n" + proc.stderr)
out, remarks = proc.stdout, proc.stderr


def constant(elem, shape):
    m = re.search(r"arith\.constant dense<(.*?)> : tensor<%sx%s>" % (shape, elem), out)
    return np.array(eval(m.group(1)), dtype=np.int64)


wq = constant("i8", f"{K}x{N}")
qmin_w, qmax_w = -127, 127
expected_w = ref.quantize(w, sw, 0, qmin_w, qmax_w, ref.HALF_EVEN, axis=1)
assert (wq == expected_w).all(), (wq, expected_w)
print("weights: ok")

bq = constant("i32", f"{N}")
expected_b = ref.quantize(b, sx * sw, 0, ref.INT32_MIN, ref.INT32_MAX, ref.HALF_EVEN)
assert (bq == expected_b).all(), (bq, expected_b)
print("bias: ok")

clamp = [int(v) for v in re.search(r"clamp \[(-?\d+), (-?\d+)\]", out).groups()]
ymin, ymax = ref.storage_range(8)
expected_clamp = [int(ref.quantize(0.0, sy, zy, ymin, ymax)), int(ref.quantize(6.0, sy, zy, ymin, ymax))]
assert clamp == expected_clamp, (clamp, expected_clamp)
print("clamp: ok")

m = re.search(r"multiplier \[(.*?)\] shift \[(.*?)\]", remarks)
multipliers = [int(v) for v in m.group(1).split(",")]
shifts = [int(v) for v in m.group(2).split(",")]
reals = sx * sw / sy
assert [ref.quantize_multiplier(r) for r in reals] == list(zip(multipliers, shifts))
print("multipliers: ok")

# Integer semantics of qc.matmul (QCOps.td) with the folded constants, against
# the float graph with fake quantization (quantize + dequantize) in f64.
x = rng.uniform(-4, 4, size=(M, K))
xq = ref.quantize(x, sx, zx, ymin, ymax)
acc = ref.matmul(xq, zx, wq, 0, bq)
yq = ref.output_stage(acc, reals, zy, ymin, ymax, clamp=clamp)
y_int = (yq - zy) * sy

fx = (xq - zx) * sx
fw = wq * sw
f = np.clip(fx @ fw + b, 0.0, 6.0)
y_float = (ref.quantize(f, sy, zy, ymin, ymax) - zy) * sy
assert np.max(np.abs(y_int - y_float)) <= sy + 1e-9, np.max(np.abs(y_int - y_float))
print("integer vs fake-quant float: ok")
