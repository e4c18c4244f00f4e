# RUN: %python %s %t
"""qc.quantize (all rounding modes, exact ties, negative values) and
qc.dequantize run on Vulkan bit-exact with the CPU and the numpy reference:
the float boundary rounds with qc-expand-rounding's floor arithmetic."""
import os
import subprocess
import sys

import numpy as np

from qc import reference as ref

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
scale, zp = 0.5, 3
# Exact ties at every half step, both signs, plus saturation at both ends.
x = np.concatenate([np.arange(-70.0, 70.0, 0.25), [1e9, -1e9, 0.0, -0.0]]).astype(np.float32)
n = x.size
modes = ["half_even", "half_away", "half_up"]
funcs = []
for m in modes:
    funcs.append(f"""
func.func @q_{m}(%x: tensor<{n}xf32>) -> (tensor<{n}x!quant.uniform<i8:f32, {scale}:{zp}>>, tensor<{n}xf32>) {{
  %q = qc.quantize %x rounding <{m}> : tensor<{n}xf32> -> tensor<{n}x!quant.uniform<i8:f32, {scale}:{zp}>>
  %d = qc.dequantize %q : tensor<{n}x!quant.uniform<i8:f32, {scale}:{zp}>> -> tensor<{n}xf32>
  return %q, %d : tensor<{n}x!quant.uniform<i8:f32, {scale}:{zp}>>, tensor<{n}xf32>
}}""")
src = os.path.join(work, "boundary.mlir")
with open(src, "w") as f:
    f.write("\n".join(funcs))
xp = os.path.join(work, "x.npy")
np.save(xp, x)
bad = 0
for m in modes:
    expect_q = ref.quantize(x, scale, zp, -128, 127, m, float_type=np.float32)
    expect_d = ref.dequantize(expect_q, scale, zp)
    for target in ["cpu", "vulkan"]:
        qp = os.path.join(work, f"q_{m}_{target}.npy")
        dp = os.path.join(work, f"d_{m}_{target}.npy")
        subprocess.run(["qc-run", f"--target={target}", src, "--entry", f"q_{m}",
                        "--input", xp, "--output", qp, "--output", dp], check=True)
        q, d = np.load(qp), np.load(dp)
        if not np.array_equal(q.astype(np.int64), expect_q) or not np.array_equal(
                d.view(np.uint32), expect_d.view(np.uint32)):
            wrong = np.nonzero(q.astype(np.int64) != expect_q)[0]
            print(f"{m} on {target}: {wrong.size} codes differ, first at x={x[wrong[:5]]}")
            bad += 1
print("%d mismatching runs" % bad)
sys.exit(1 if bad else 0)
