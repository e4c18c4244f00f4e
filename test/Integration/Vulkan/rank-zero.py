# RUN: %python %s %t | FileCheck %s
"""Linalg ops with rank-0 results run bit-exact on Vulkan.

Before qc-expand-rank-zero-linalg an op without a parallel dim (a reduction
to a rank-0 result, the fill of its accumulator, an elementwise op on
rank-0 tensors) left its loops on the host, and the pipeline rejected the
program (docs/SPIRV.md, Known gaps). Every case is checked against numpy
and qc's CPU target, on Vulkan with the device's options, in portable mode
and under the validation layer, and each bundle's kernels pass spirv-val
(default and portable).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from vulkan_cases import Cases  # noqa: E402

cases = Cases(sys.argv[1], validate=True)
rng = cases.rng


def wrap32(x):
    return np.asarray((int(x) + 2**31) % 2**32 - 2**31, dtype=np.int32)


def reduce_src(in_type, maps, iterators, body, out_elem="i32", init="0"):
    return f"""func.func @main(%x: {in_type}) -> tensor<{out_elem}> {{
  %e = tensor.empty() : tensor<{out_elem}>
  %z = arith.constant {init} : {out_elem}
  %f = linalg.fill ins(%z : {out_elem}) outs(%e : tensor<{out_elem}>) -> tensor<{out_elem}>
  %r = linalg.generic {{indexing_maps = [{maps}], iterator_types = [{iterators}]}} ins(%x : {in_type}) outs(%f : tensor<{out_elem}>) {{
  ^bb0(%a: {in_type.split('x')[-1][:-1]}, %acc: {out_elem}):
{body}
  }} -> tensor<{out_elem}>
  return %r : tensor<{out_elem}>
}}
"""


# A wrapping i32 sum of 37 full-range values to a rank-0 result.
# CHECK: ok sum37 vulkan ()
# CHECK: ok sum37 portable ()
# CHECK: ok sum37 validation ()
# CHECK: ok sum37 cpu ()
x = rng.integers(-2**31, 2**31, 37).astype(np.int32)
cases.run("sum37", reduce_src("tensor<37xi32>",
                        "affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>",
                        '"reduction"',
                        "    %s = arith.addi %acc, %a : i32\n    linalg.yield %s : i32"),
    [x], wrap32(x.astype(np.int64).sum()))

# Two reduction dims (5x7 i8, sign-extended) to a rank-0 i32.
# CHECK: ok sum5x7 vulkan ()
# CHECK: ok sum5x7 cpu ()
x = rng.integers(-128, 128, (5, 7)).astype(np.int8)
x[0, :] = -128
cases.run("sum5x7", reduce_src("tensor<5x7xi8>",
                         "affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>",
                         '"reduction", "reduction"',
                         "    %w = arith.extsi %a : i8 to i32\n"
                         "    %s = arith.addi %acc, %w : i32\n    linalg.yield %s : i32"),
    [x], np.asarray(x.astype(np.int64).sum(), dtype=np.int32))

# The body reads linalg.index (moved past the new unit dim): sum of
# x[i] * i over 999 u8 (zero-extended).
# CHECK: ok index_weighted vulkan ()
# CHECK: ok index_weighted cpu ()
x = rng.integers(0, 256, 999).astype(np.uint8)
x[-1] = 255
cases.run("index_weighted", reduce_src("tensor<999xi8>",
                                 "affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>",
                                 '"reduction"',
                                 "    %i = linalg.index 0 : index\n"
                                 "    %ii = arith.index_cast %i : index to i32\n"
                                 "    %w = arith.extui %a : i8 to i32\n"
                                 "    %p = arith.muli %w, %ii : i32\n"
                                 "    %s = arith.addi %acc, %p : i32\n    linalg.yield %s : i32"),
    [x.view(np.int8)], wrap32((x.astype(np.int64) * np.arange(999)).sum()))

# A signed i8 max over 200000 elements from a fill of 5, past lavapipe's
# loop limiter: split by qc-split-long-reductions after the expansion. The
# only value above the fill is near the end.
# CHECK: ok max200000 vulkan ()
# CHECK: ok max200000 portable ()
# CHECK: ok max200000 validation ()
# CHECK: ok max200000 cpu ()
x = rng.integers(-128, 5, 200000).astype(np.int8)
x[199990] = 9
cases.run("max200000", reduce_src("tensor<200000xi8>",
                            "affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>",
                            '"reduction"',
                            "    %s = arith.maxsi %acc, %a : i8\n    linalg.yield %s : i8",
                            out_elem="i8", init="5"),
    [x], np.asarray(9, dtype=np.int8))

# An i8 dot product (linalg.dot) to a rank-0 i32.
# CHECK: ok dot vulkan ()
# CHECK: ok dot cpu ()
a = rng.integers(-128, 128, 50).astype(np.int8)
b = rng.integers(-128, 128, 50).astype(np.int8)
a[:3] = -128
b[:3] = -128
cases.run("dot", """func.func @main(%a: tensor<50xi8>, %b: tensor<50xi8>) -> tensor<i32> {
  %e = tensor.empty() : tensor<i32>
  %z = arith.constant 0 : i32
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<i32>) -> tensor<i32>
  %r = linalg.dot ins(%a, %b : tensor<50xi8>, tensor<50xi8>) outs(%f : tensor<i32>) -> tensor<i32>
  return %r : tensor<i32>
}
""", [a, b], np.asarray((a.astype(np.int64) * b).sum(), dtype=np.int32))

# Elementwise on rank-0 tensors (a linalg.generic without loops): a
# wrapping i8 add. (A bare arith.addi on tensor<i8> runs on Vulkan too, but
# the CPU pipeline does not bufferize it.)
# CHECK: ok add0 vulkan ()
# CHECK: ok add0 cpu ()
cases.run("add0", """#s = affine_map<() -> ()>
func.func @main(%a: tensor<i8>, %b: tensor<i8>) -> tensor<i8> {
  %e = tensor.empty() : tensor<i8>
  %r = linalg.generic {indexing_maps = [#s, #s, #s], iterator_types = []} ins(%a, %b : tensor<i8>, tensor<i8>) outs(%e : tensor<i8>) {
  ^bb0(%x: i8, %y: i8, %o: i8):
    %s = arith.addi %x, %y : i8
    linalg.yield %s : i8
  } -> tensor<i8>
  return %r : tensor<i8>
}
""", [np.asarray(100, dtype=np.int8), np.asarray(99, dtype=np.int8)],
    np.asarray(-57, dtype=np.int8))

# CHECK: rank zero: 0 failures
cases.finish("rank zero")
