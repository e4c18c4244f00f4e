# qc.softmax and qc.layer_norm divide each row by one value of the row (the
# sum of exponentials, the integer root); qc-lower-to-linalg computes that
# division by a per-row magic number (lib/Conversion/QCToLinalg/Division.cpp).
# Cases aimed at it, bit-exact against python/qc/reference.py on CPU and
# Vulkan:
#  * softmax rows of 4200 (S above 2^42: three steps to build the magic
#    number), of 4097 (sharper, S below 2^42: two), of 1 (S = 2^30, a power
#    of two: no rounding up) and of 3 and 33 (u8 input, zero points != 0);
#  * layer norm with odd rows (37, 5), u8 input with zero point 200, a
#    small output scale that saturates both ends, a constant row (every
#    dividend 0, the root from epsilon alone) and rows one code apart (the
#    smallest nonzero variance).
#
# With --portable: the same cases on Vulkan in portable mode, the 8/16/64-bit
# features masked off, under the validation layer (the restoring divisions
# of wide-division=false, the i64 buffers as i32 word pairs).
#
# RUN: %python %s | FileCheck %s
# CHECK: softmax division: 5 cases bit-exact on cpu and vulkan
# CHECK: layer_norm division: 4 cases bit-exact on cpu and vulkan
# RUN: env QC_VULKAN_VALIDATION=1 QC_VULKAN_MASK_FEATURES=shaderInt8,shaderInt16,shaderInt64,storageBuffer8BitAccess,storageBuffer16BitAccess %python %s --portable | FileCheck %s --check-prefix=PORTABLE
# PORTABLE: softmax division: 5 cases bit-exact on vulkan portable
# PORTABLE: layer_norm division: 4 cases bit-exact on vulkan portable
import os
import sys

import numpy as np

import qc
from qc import reference as ref
from qc.graph import QParams

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import quant_graph  # noqa: E402

rng = np.random.default_rng(15)
F32 = np.float32


PORTABLE = "--portable" in sys.argv
TARGETS = [("vulkan", "portable")] if PORTABLE else [("cpu", ""), ("vulkan", "")]
TARGET_NAMES = "vulkan portable" if PORTABLE else "cpu and vulkan"


def check(g, x, qin, want, qout, what):
    xin = ((np.asarray(x, np.int64) - qin.zero_point[0]).astype(F32) * F32(qin.scale[0]))
    for target, options in TARGETS:
        y = np.asarray(qc.compile(g, target=target, pipeline_options=options)(xin), np.float64)
        got = np.rint(y / float(F32(qout.scale[0]))).astype(np.int64) + qout.zero_point[0]
        if not np.array_equal(got, want):
            raise AssertionError("%s on %s: %d codes differ" % (what, target, int(np.sum(got != want))))


softmax = [
    ("long", QParams(0.004, 3, -128, 127), rng.integers(-128, 128, (1, 2, 4097))),
    # Every exponential near 2^30: S > 2^42, the magic number's three steps.
    ("long flat", QParams(0.0001, 3, -128, 127), rng.integers(-128, 128, (1, 2, 4200))),
    ("one", QParams(0.1, 0, -128, 127), rng.integers(-128, 128, (2, 3, 1))),
    ("three u8", QParams(0.05, 130, 0, 255, signed=False), rng.integers(0, 256, (3, 5, 3))),
    ("odd u8", QParams(0.3, 17, 0, 255, signed=False), rng.integers(0, 256, (2, 7, 33))),
]
for name, qin, x in softmax:
    qout = QParams(1 / 256, -128, -128, 127)
    want = ref.softmax(x, 2, qin.scale[0], 8, qout.scale[0], -128, -128, 127)
    g = quant_graph(x.shape, qin, lambda g, v: g.add("softmax", [v], {"axis": -1}), qout)
    check(g, x, qin, want, qout, "softmax " + name)
print("softmax division: %d cases bit-exact on %s" % (len(softmax), TARGET_NAMES))

near = np.full((1, 2, 5), 100)
near[0, :, 2] = 101
layer_norm = [
    ("odd u8", QParams(0.05, 200, 0, 255, signed=False), rng.integers(0, 256, (2, 3, 37)), 4.0 / 127),
    ("saturating", QParams(0.1, -7, -128, 127), rng.integers(-128, 128, (1, 4, 37)), 0.01),
    ("constant", QParams(0.1, 5, -128, 127), np.full((1, 2, 37), -3), 4.0 / 127),
    ("one code apart", QParams(0.02, 0, -128, 127), near, 4.0 / 127),
]
for name, qin, x, s_out in layer_norm:
    d = x.shape[-1]
    gamma = rng.normal(1.0, 0.3, d).astype(F32)
    beta = rng.normal(0.0, 0.2, d).astype(F32)
    qout = QParams(s_out, 2, -128, 127)
    want = ref.layer_norm(x, qin.scale[0], qin.zero_point[0], gamma, beta, float(F32(1e-5)),
                          qout.scale[0], 2, -128, 127)
    g = quant_graph(x.shape, qin, lambda g, v: g.add(
        "layer_norm", [v, g.add_const(gamma), g.add_const(beta)], {"eps": 1e-5}), qout)
    check(g, x, qin, want, qout, "layer_norm " + name)
print("layer_norm division: %d cases bit-exact on %s" % (len(layer_norm), TARGET_NAMES))
