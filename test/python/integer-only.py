# qc.compile(..., integer_only=True): every qc-fold-fake-quant of the pipeline
# runs with allow-float=false.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
#
# 1. A float op between the boundaries: compiles by default, and with
#    integer_only=True raises CompileError naming the op and the reason.
# CHECK: default: compiled
# CHECK: integer_only: CompileError
# CHECK-SAME: 'linalg.generic' has no integer form here (allow-float=false): no integer form for this op
#
# 2. The dead-channel QAT MLP (test/Integration/Inputs/dead_channel_mlp.py)
#    compiles integer-only on both targets and equals the default compile.
# CHECK: mlp cpu: integer_only == default
# CHECK: mlp vulkan: integer_only == default
#
# 3. allow-float=false goes onto every fold of a custom pipeline.
# CHECK: qc-fold-fake-quant{allow-float=false},canonicalize
# CHECK: qc-fold-fake-quant{profile=single_round allow-float=false}
import os
import sys

import numpy as np

import qc
from qc.compiler import _integer_only_pipeline

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "Integration", "Inputs"))
import dead_channel_mlp  # noqa: E402

# atan2 of two quantized values: no integer form (one-input functions become
# qc.table, so they are no example any more).
ATAN2 = """
func.func @atan2(%x: tensor<4xf32>, %z: tensor<4xf32>) -> tensor<4xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %p = qc.fake_quant %z to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>,
                                        affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%q, %p : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = math.atan2 %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %y = qc.fake_quant %t to !quant.uniform<i8:f32, 0.01> : tensor<4xf32>
  return %y : tensor<4xf32>
}
"""

qc.compile(ATAN2, target="cpu")
print("default: compiled")
try:
    qc.compile(ATAN2, target="cpu", integer_only=True)
    print("integer_only: compiled (WRONG)")
except qc.CompileError as e:
    print("integer_only: CompileError " + e.diagnostics.replace("\n", " | "))

text, _ = dead_channel_mlp.build(8)
x = np.random.default_rng(3).normal(0, 1.5, (8, dead_channel_mlp.DIMS[0])).astype(np.float32)
for target in ["cpu", "vulkan"]:
    strict = qc.compile(text, target=target, integer_only=True)(x)
    default = qc.compile(text, target=target)(x)
    same = all(a.tobytes() == b.tobytes() for a, b in zip(strict, default))
    print("mlp %s: integer_only %s default" % (target, "==" if same else "!="))

print(_integer_only_pipeline("qc-fold-fake-quant,canonicalize"))
print(_integer_only_pipeline("qc-fold-fake-quant{profile=single_round allow-float=true}"))
