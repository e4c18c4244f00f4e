# RUN: %python %s %t | FileCheck %s
"""Pools without their init fill and u8 average pools without their widening
kernel run bit-exact on Vulkan (qc-fold-init-fills, qc-fuse-pooling-widening,
docs/SPIRV.md).

Unpadded max and average pools (padded ones: padded-pooling.py), odd shapes,
strides 1 and 2, i8 and u8, zero points other than 0, both tie roundings,
global average pools like resnet18's, and inputs at the storage limits (all
minimum, all maximum: the sums' and the maxima's saturating corners). Every
case is checked against numpy (python/qc/reference.py) and qc's CPU target,
on Vulkan with the device's options, in portable mode and under the
validation layer; each bundle's kernels pass spirv-val (default and portable)
and the bundle is one kernel for a max pool, two for an average pool (the
sums and the rounded mean): no fill, no widening.
"""
import os
import sys

import numpy as np

from qc import reference as ref

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from vulkan_cases import Cases  # noqa: E402

cases = Cases(sys.argv[1], seed=20261208)
rng = cases.rng


def pool(name, op, x, storage, zp, kernel, strides, rounding=None):
    n, h, w, c = x.shape
    oh = (h - kernel[0]) // strides[0] + 1
    ow = (w - kernel[1]) // strides[1] + 1
    q = "!quant.uniform<%s:f32, 0.05:%d>" % (storage, zp)
    t_in = "tensor<%dx%dx%dx%dx%s>" % (n, h, w, c, q)
    t_out = "tensor<%dx%dx%dx%dx%s>" % (n, oh, ow, c, q)
    attrs = "kernel = array<i64: %d, %d>, strides = array<i64: %d, %d>" % (
        tuple(kernel) + tuple(strides))
    mode = " rounding <%s>" % rounding if rounding else ""
    src = f"""func.func @main(%x: {t_in}) -> {t_out} {{
  %y = qc.{op} %x{mode} {{{attrs}}} : {t_in} -> {t_out}
  return %y : {t_out}
}}
"""
    dtype = np.int8 if storage == "i8" else np.uint8
    if op == "max_pool2d":
        want = ref.max_pool2d(x, kernel, strides)
        kernels = 1  # the pool; its init value is a constant in registers
    else:
        mode = ref.HALF_EVEN if rounding == "half_even" else ref.HALF_AWAY
        want = ref.avg_pool2d(x, kernel, strides, rounding=mode, zero_point=zp)
        kernels = 2  # the sums (widening u8 codes as it reads) and the mean
    cases.run(name, src, [x], want.astype(dtype), kernels=kernels,
              envs=("vulkan1.2", "vulkan1.3"))


def codes(storage, shape):
    lo, hi = (-128, 128) if storage == "i8" else (0, 256)
    x = rng.integers(lo, hi, shape).astype(np.int8 if storage == "i8" else np.uint8)
    x[:, :2, :2, :] = lo
    x[:, -2:, -2:, 0] = hi - 1
    return x


def const(storage, shape, value):
    return np.full(shape, value, np.int8 if storage == "i8" else np.uint8)


# CHECK: ok max_i8_s2 vulkan (1, 4, 5, 5)
# CHECK: ok max_i8_s2 portable
# CHECK: ok max_i8_s2 validation
# CHECK: ok max_i8_s2 cpu
pool("max_i8_s2", "max_pool2d", codes("i8", (1, 9, 11, 5)), "i8", 3,
     (3, 3), (2, 2))
# CHECK: ok max_u8_s1 vulkan (2, 11, 5, 3)
# CHECK: ok max_u8_s1 cpu
pool("max_u8_s1", "max_pool2d", codes("u8", (2, 13, 7, 3)), "u8", 131,
     (3, 3), (1, 1))
# Every element the storage minimum: the max is the minimum (the identity
# the reduction starts from), not anything else.
# CHECK: ok max_i8_all_min vulkan (1, 3, 3, 7)
# CHECK: ok max_i8_all_min cpu
pool("max_i8_all_min", "max_pool2d", const("i8", (1, 7, 7, 7), -128), "i8",
     0, (3, 3), (2, 2))
# CHECK: ok max_u8_all_min vulkan (1, 3, 2, 4)
# CHECK: ok max_u8_all_min cpu
pool("max_u8_all_min", "max_pool2d", const("u8", (1, 5, 4, 4), 0), "u8",
     9, (3, 3), (1, 1))
# CHECK: ok avg_u8_s2 vulkan (1, 4, 3, 5)
# CHECK: ok avg_u8_s2 cpu
pool("avg_u8_s2", "avg_pool2d", codes("u8", (1, 9, 7, 5)), "u8", 131,
     (3, 3), (2, 2))
# CHECK: ok avg_u8_s1_even vulkan (2, 4, 6, 3)
# CHECK: ok avg_u8_s1_even cpu
pool("avg_u8_s1_even", "avg_pool2d", codes("u8", (2, 5, 7, 3)), "u8", 7,
     (2, 2), (1, 1), rounding="half_even")
# CHECK: ok avg_i8_s2 vulkan (1, 3, 4, 9)
# CHECK: ok avg_i8_s2 cpu
pool("avg_i8_s2", "avg_pool2d", codes("i8", (1, 7, 9, 9)), "i8", -7,
     (3, 3), (2, 2), rounding="half_even")
# resnet18's global average pool (7x7, u8 codes widened as they are read),
# on random codes and on the limits: all 255 sums to 49 * 255 per channel.
# CHECK: ok gap_u8 vulkan (1, 1, 1, 37)
# CHECK: ok gap_u8 portable
# CHECK: ok gap_u8 validation
# CHECK: ok gap_u8 cpu
pool("gap_u8", "avg_pool2d", codes("u8", (1, 7, 7, 37)), "u8", 0,
     (7, 7), (1, 1), rounding="half_even")
# CHECK: ok gap_u8_all_max vulkan (1, 1, 1, 8)
# CHECK: ok gap_u8_all_max cpu
pool("gap_u8_all_max", "avg_pool2d", const("u8", (1, 7, 7, 8), 255), "u8",
     0, (7, 7), (1, 1), rounding="half_even")
# CHECK: ok gap_i8_all_min vulkan (2, 1, 1, 8)
# CHECK: ok gap_i8_all_min cpu
pool("gap_i8_all_min", "avg_pool2d", const("i8", (2, 5, 3, 8), -128), "i8",
     -128, (5, 3), (1, 1))

# CHECK: pooling fills: 0 failures
cases.finish("pooling fills")
