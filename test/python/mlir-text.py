# qc.mlir prints floats exactly: constants (decimal below 64 elements, hex
# above) and quantization scales parse back to the same bits. qc-opt reprints
# every constant in hex, which is decoded and compared bit for bit.
#
# RUN: %python %s | FileCheck %s
#
# CHECK: dense_roundtrip: ok
# CHECK: quant_types: ok
# CHECK: !quant.uniform<i8:f32, 0.05000000074505806:-3>
# CHECK: !quant.uniform<u8<0:127>:f32, 0.25:7>
# CHECK: !quant.uniform<i8<-127:127>:f32:1, {0.1:0, 0.2:0}>
# CHECK: !quant.uniform<i16:f32, 2.0e-05:0>
# CHECK: !quant.uniform<i8:f32:0, {1.0e-05:0, 3.0e-07:0}>
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import qc_opt  # noqa: E402

from qc import mlir  # noqa: E402

rng = np.random.default_rng(0)
arrays = [
    rng.normal(size=(3, 4)).astype(np.float32),                # decimal
    (rng.normal(size=(5, 7, 3)) * 1e-30).astype(np.float32),   # hex, tiny values
    np.array([1e38, -3.4028235e38, 1.4e-45, -0.0, 0.1], np.float32),  # extremes, denormal, -0
    np.full((2, 2), np.float32(1) / 3, np.float32),            # splat
    rng.integers(-128, 128, (9, 9)).astype(np.int8),           # integer hex
    rng.integers(-2**31, 2**31, (4,)).astype(np.int32),
]
lines = ["func.func @f() -> (%s) {" % ", ".join(mlir.tensor_type(a.shape, mlir.element_type(a.dtype)) for a in arrays)]
for i, a in enumerate(arrays):
    lines.append("  %%c%d = arith.constant %s" % (i, mlir.dense_attr(a)))
lines.append("  return %s : %s" % (", ".join("%%c%d" % i for i in range(len(arrays))),
                                  ", ".join(mlir.tensor_type(a.shape, mlir.element_type(a.dtype)) for a in arrays)))
lines.append("}")
out = qc_opt("\n".join(lines), "--mlir-print-elementsattrs-with-hex-if-larger=0")
hexes = re.findall(r'dense<"0x([0-9A-F]+)">', out)
splats = re.findall(r"dense<([-+0-9.e]+)> : tensor<2x2xf32>", out)
assert len(hexes) == len(arrays) - 1 and len(splats) == 1, out
assert np.float32(float(splats[0])) == arrays[3][0, 0], splats
for a, h in zip(arrays[:3] + arrays[4:], hexes):
    back = np.frombuffer(bytes.fromhex(h), a.dtype).reshape(a.shape)
    assert np.array_equal(a.view(np.uint8), back.view(np.uint8)), (a, back)
print("dense_roundtrip: ok")

# Scales: an f32 scale printed with repr of its double parses back exactly.
scales = rng.uniform(1e-6, 10, 50).astype(np.float32)
for s in scales:
    assert np.float32(float(mlir.format_float(s))) == s
types = [mlir.quant_type(np.float32(0.05), -3),
         mlir.quant_type(0.25, 7, signed=False, qmin=0, qmax=127),
         mlir.quant_type([0.1, 0.2], [0, 0], qmin=-127, qmax=127, axis=1),
         # repr(2e-05) has no ".", which MLIR's float literal needs.
         mlir.quant_type(2e-05, 0, bits=16), mlir.quant_type([1e-05, 3e-07], [0, 0], axis=0)]
text = "\n".join("func.func @t%d(%%x: tensor<2x2xf32>) -> tensor<2x2xf32> {\n"
                 "  %%y = qc.fake_quant %%x to %s : tensor<2x2xf32>\n  return %%y : tensor<2x2xf32>\n}" % (i, t)
                 for i, t in enumerate(types))
qc_opt(text)
print("quant_types: ok")
for t in types:
    print(t)
