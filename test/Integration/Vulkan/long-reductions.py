# RUN: %python %s %t | FileCheck %s
"""Reductions longer than lavapipe's loop limiter run bit-exact on Vulkan.

llvmpipe stops every loop of a shader invocation after 65535 iterations in
all, silently; a generic kernel reduces each output element in one
invocation, so before qc-split-long-reductions a global average pool over
300x300 (90000 window elements) or a mean over 100000 elements came back
wrong on lavapipe. The pass splits them into partial sums over chunks and
their reduction (docs/SPIRV.md, "Loop limiter"). Every case is checked
against numpy (python/qc/reference.py) and qc's CPU target, on Vulkan with
the device's options, in portable mode and under the validation layer.
"""
import os
import sys

import numpy as np

from qc import reference as ref

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from vulkan_cases import Cases  # noqa: E402

cases = Cases(sys.argv[1])
rng = cases.rng


def wrap32(x):
    return ((np.asarray(x, dtype=np.int64) + 2**31) % 2**32 - 2**31).astype(np.int32)


# Global average pool over 1x300x300x5 (90000 elements per output), the
# rounding ties away from zero.
# CHECK: ok global_avg_pool vulkan (1, 1, 1, 5)
# CHECK: ok global_avg_pool portable
# CHECK: ok global_avg_pool validation
# CHECK: ok global_avg_pool cpu
x = rng.integers(-128, 128, (1, 300, 300, 5)).astype(np.int8)
x[0, :, :, 4] = 127          # the largest sum, 127 * 90000
x[0, :150, :, 3] = -128      # a tie: mean -0.5 exactly, away from zero
x[0, 150:, :, 3] = 127
qa = "!quant.uniform<i8:f32, 0.1:3>"
cases.run("global_avg_pool", f"""func.func @main(%x: tensor<1x300x300x5x{qa}>) -> tensor<1x1x1x5x{qa}> {{
  %y = qc.avg_pool2d %x {{kernel = array<i64: 300, 300>}} : tensor<1x300x300x5x{qa}> -> tensor<1x1x1x5x{qa}>
  return %y : tensor<1x1x1x5x{qa}>
}}
""", [x], ref.avg_pool2d(x, (300, 300)).astype(np.int8))

# A reduce-mean over a 100000-long axis (ONNX ReduceMean folds to this
# qc.avg_pool2d), ties to the even mean relative to the zero point.
# CHECK: ok mean_100000 vulkan (1, 1, 1, 3)
# CHECK: ok mean_100000 cpu
zp = -7
qm = f"!quant.uniform<i8:f32, 0.05:{zp}>"
x = rng.integers(-128, 128, (1, 1, 100000, 3)).astype(np.int8)
x[0, 0, :, 2] = np.tile(np.array([-10, -9], dtype=np.int8), 50000)  # mean -9.5
cases.run("mean_100000", f"""func.func @main(%x: tensor<1x1x100000x3x{qm}>) -> tensor<1x1x1x3x{qm}> {{
  %y = qc.avg_pool2d %x rounding <half_even> {{kernel = array<i64: 1, 100000>}} : tensor<1x1x100000x3x{qm}> -> tensor<1x1x1x3x{qm}>
  return %y : tensor<1x1x1x3x{qm}>
}}
""", [x], ref.avg_pool2d(x, (1, 100000), rounding=ref.HALF_EVEN,
                        zero_point=zp).astype(np.int8))

# A wrapping i32 sum over the middle axis of 3x100000x2 (full-range values:
# the sum wraps, in any order to the same bits).
# CHECK: ok sum_wrap vulkan (3, 2)
# CHECK: ok sum_wrap cpu
x = rng.integers(-2**31, 2**31, (3, 100000, 2)).astype(np.int32)
cases.run("sum_wrap", """#in = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @main(%x: tensor<3x100000x2xi32>) -> tensor<3x2xi32> {
  %e = tensor.empty() : tensor<3x2xi32>
  %z = arith.constant 0 : i32
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<3x2xi32>) -> tensor<3x2xi32>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<3x100000x2xi32>) outs(%f : tensor<3x2xi32>) {
  ^bb0(%a: i32, %acc: i32):
    %s = arith.addi %acc, %a : i32
    linalg.yield %s : i32
  } -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}
""", [x], wrap32(x.astype(np.int64).sum(axis=1)))

# A signed max over 200000 i8 per row, from a fill of 5: the partials start
# from the combiner's neutral element (-128), not from the fill. Row 0 stays
# below the fill, row 1 has one 9 near its end, row 2 one 100 at its start.
# CHECK: ok max_200000 vulkan (3,)
# CHECK: ok max_200000 cpu
x = rng.integers(-128, 5, (3, 200000)).astype(np.int8)
x[1, 199999 - 17] = 9
x[2, 0] = 100
cases.run("max_200000", """#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func @main(%x: tensor<3x200000xi8>) -> tensor<3xi8> {
  %e = tensor.empty() : tensor<3xi8>
  %c = arith.constant 5 : i8
  %f = linalg.fill ins(%c : i8) outs(%e : tensor<3xi8>) -> tensor<3xi8>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<3x200000xi8>) outs(%f : tensor<3xi8>) {
  ^bb0(%a: i8, %acc: i8):
    %m = arith.maxsi %acc, %a : i8
    linalg.yield %m : i8
  } -> tensor<3xi8>
  return %r : tensor<3xi8>
}
""", [x], np.maximum(x.max(axis=1), 5).astype(np.int8), runners=("vulkan", "cpu"))

# Two reduction dims whose inner one alone (70000) is over the bound: the
# inner loop is chunked and the outer one (2) becomes parallel.
# CHECK: ok nested_70000 vulkan (3,)
# CHECK: ok nested_70000 validation
# CHECK: ok nested_70000 cpu
x = rng.integers(-2**15, 2**15, (3, 2, 70000)).astype(np.int16)
cases.run("nested_70000", """#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0)>
func.func @main(%x: tensor<3x2x70000xi16>) -> tensor<3xi32> {
  %e = tensor.empty() : tensor<3xi32>
  %z = arith.constant 0 : i32
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<3xi32>) -> tensor<3xi32>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction", "reduction"]} ins(%x : tensor<3x2x70000xi16>) outs(%f : tensor<3xi32>) {
  ^bb0(%a: i16, %acc: i32):
    %w = arith.extsi %a : i16 to i32
    %s = arith.addi %acc, %w : i32
    linalg.yield %s : i32
  } -> tensor<3xi32>
  return %r : tensor<3xi32>
}
""", [x], x.astype(np.int64).sum(axis=(1, 2)).astype(np.int32),
    runners=("vulkan", "validation", "cpu"))

# CHECK-NOT: FAIL
cases.finish("long reductions")
