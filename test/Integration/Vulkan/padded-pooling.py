# RUN: %python %s %t | FileCheck %s
"""Padded max and average pools run bit-exact on Vulkan with their padding
read through bound checks (qc-fuse-pooling-padding, docs/SPIRV.md).

Odd shapes, padding 1 and 2 (asymmetric too), strides 1 and 2, i8 and u8,
zero points other than 0, average pools with and without count_include_pad
and both tie roundings, and windows holding only the storage minimum next
to the padding. Every case is checked against numpy (python/qc/reference.py)
and qc's CPU target, on Vulkan with the device's options, in portable mode
and under the validation layer; each bundle's kernels pass spirv-val
(default and portable), and the bundle has no padded buffer's fill and copy
kernels, no init fill (qc-fold-init-fills) and no widening of u8 codes
(qc-fuse-pooling-widening): one kernel for a max pool, two for an average
pool.
"""
import os
import sys

import numpy as np

from qc import reference as ref

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from vulkan_cases import Cases  # noqa: E402

cases = Cases(sys.argv[1])
rng = cases.rng


def out_size(size, k, s, lo, hi):
    return (size + lo + hi - k) // s + 1


def pool(name, op, x, storage, zp, kernel, strides, padding, extra="",
         rounding=None, include_pad=False):
    n, h, w, c = x.shape
    oh = out_size(h, kernel[0], strides[0], padding[0], padding[1])
    ow = out_size(w, kernel[1], strides[1], padding[2], padding[3])
    q = "!quant.uniform<%s:f32, 0.05:%d>" % (storage, zp)
    t_in = "tensor<%dx%dx%dx%dx%s>" % (n, h, w, c, q)
    t_out = "tensor<%dx%dx%dx%dx%s>" % (n, oh, ow, c, q)
    attrs = "kernel = array<i64: %d, %d>, strides = array<i64: %d, %d>, " \
            "padding = array<i64: %d, %d, %d, %d>" % (
                tuple(kernel) + tuple(strides) + tuple(padding))
    if include_pad:
        attrs = "count_include_pad, " + attrs
    mode = " rounding <%s>" % rounding if rounding else ""
    src = f"""func.func @main(%x: {t_in}) -> {t_out} {{
  %y = qc.{op} %x{mode} {{{attrs}}} : {t_in} -> {t_out}
  return %y : {t_out}
}}
"""
    dtype = np.int8 if storage == "i8" else np.uint8
    if op == "max_pool2d":
        want = ref.max_pool2d(x, kernel, strides, padding)
        kernels = 1  # the pool, starting from its init value in registers
    else:
        mode = ref.HALF_EVEN if rounding == "half_even" else ref.HALF_AWAY
        if include_pad:
            want = ref.avg_pool2d_include_pad(x, zp, kernel, strides, padding,
                                              rounding=mode)
        else:
            want = ref.avg_pool2d(x, kernel, strides, padding, rounding=mode,
                                  zero_point=zp)
        # The pool's sums (u8 codes widened as they are read) and the
        # rounded mean.
        kernels = 2
    cases.run(name, src, [x], want.astype(dtype), kernels=kernels,
              envs=("vulkan1.2", "vulkan1.3"))


def codes(storage, shape):
    lo, hi = (-128, 128) if storage == "i8" else (0, 256)
    x = rng.integers(lo, hi, shape).astype(np.int8 if storage == "i8" else np.uint8)
    # Corners at the storage minimum: windows whose only real elements are
    # the minimum, next to the padding (which must not win or count).
    x[:, :2, :2, :] = lo
    x[:, -2:, -2:, 0] = lo
    x[:, 0, -1, :] = hi - 1
    return x


# CHECK: ok max_i8_s2_p1 vulkan (1, 5, 6, 5)
# CHECK: ok max_i8_s2_p1 portable
# CHECK: ok max_i8_s2_p1 validation
# CHECK: ok max_i8_s2_p1 cpu
pool("max_i8_s2_p1", "max_pool2d", codes("i8", (1, 9, 11, 5)), "i8", 3,
     (3, 3), (2, 2), (1, 1, 1, 1))
# CHECK: ok max_u8_s1_p1 vulkan (2, 13, 7, 3)
# CHECK: ok max_u8_s1_p1 cpu
pool("max_u8_s1_p1", "max_pool2d", codes("u8", (2, 13, 7, 3)), "u8", 131,
     (3, 3), (1, 1), (1, 1, 1, 1))
# CHECK: ok max_i8_s2_p2 vulkan (1, 5, 4, 7)
# CHECK: ok max_i8_s2_p2 cpu
pool("max_i8_s2_p2", "max_pool2d", codes("i8", (1, 10, 7, 7)), "i8", -9,
     (5, 5), (2, 2), (2, 2, 2, 2))
# Asymmetric padding 1/2 and 2/0 with a 3x5 window, stride 2x1, u8.
# CHECK: ok max_u8_asym vulkan (1, 5, 9, 2)
# CHECK: ok max_u8_asym cpu
pool("max_u8_asym", "max_pool2d", codes("u8", (1, 8, 9, 2)), "u8", 7,
     (3, 5), (2, 1), (1, 2, 2, 2))
# CHECK: ok avg_i8_s2_p1 vulkan (1, 5, 6, 5)
# CHECK: ok avg_i8_s2_p1 cpu
pool("avg_i8_s2_p1", "avg_pool2d", codes("i8", (1, 9, 11, 5)), "i8", -7,
     (3, 3), (2, 2), (1, 1, 1, 1))
# CHECK: ok avg_u8_s1_p2_even vulkan (1, 7, 9, 3)
# CHECK: ok avg_u8_s1_p2_even cpu
pool("avg_u8_s1_p2_even", "avg_pool2d", codes("u8", (1, 7, 9, 3)), "u8", 131,
     (5, 5), (1, 1), (2, 2, 2, 2), rounding="half_even")
# count_include_pad: the padding is the zero point and counts.
# CHECK: ok avg_i8_incl_s2_p1 vulkan (2, 4, 5, 3)
# CHECK: ok avg_i8_incl_s2_p1 cpu
pool("avg_i8_incl_s2_p1", "avg_pool2d", codes("i8", (2, 7, 9, 3)), "i8", -5,
     (3, 3), (2, 2), (1, 1, 1, 1), rounding="half_even", include_pad=True)
# CHECK: ok avg_u8_incl_s2_p2 vulkan (1, 6, 3, 5)
# CHECK: ok avg_u8_incl_s2_p2 cpu
pool("avg_u8_incl_s2_p2", "avg_pool2d", codes("u8", (1, 11, 5, 5)), "u8", 100,
     (5, 3), (2, 2), (2, 2, 1, 1), include_pad=True)

# CHECK: padded pooling: 0 failures
cases.finish("padded pooling")
