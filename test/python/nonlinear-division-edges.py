# The division of qc.softmax and qc.layer_norm by the row's divisor
# (lib/Conversion/QCToLinalg/Division.cpp: the short quotient, or the
# magic number for layer norm's W statistic) at its edges, through the
# compiler (the arithmetic alone on any (n, d):
# test/Conversion/QCToLinalg/magic-division.py):
# bit-exact against python/qc/reference.py on the CPU at one and two
# threads, without the x86 extensions (x86-vnni=false x86-vbmi=false) and
# scalar (vectorize=false), and on Vulkan (lavapipe), and with --portable on
# Vulkan in portable mode with the 8/16/64-bit features masked off, under
# the validation layer (i64 emulated in i32 pairs, no i64 division: the
# per-row reciprocal, magic number and integer root by restoring long
# division, the i64 row buffers as i32 word pairs; docs/SPIRV.md):
#  * softmax rows of equal values of D = 1, 2, 3, 4, 5, 128, 4096
#    and 65536 (the divisor S = D 2^30: powers of two, S = 2^30 for D = 1,
#    the largest S of the cases 2^46, and the largest dividend 2^45 + S / 2),
#    one-hot rows (S just above 2^30), 8- and 16-bit codes;
#  * layer norm of 8- and 16-bit codes with the statistic V (D = 768) and W (D = 2048), rows
#    of the two extreme codes (the largest |c_i|: the largest dividends,
#    positive and negative), one extreme code among equal ones, rows of
#    equal values (every dividend 0) and random rows.
#
# RUN: %python %s | FileCheck %s
# CHECK: softmax: 13 cases bit-exact on cpu (threads 1, 2, x86-vnni=false x86-vbmi=false, vectorize=false) and vulkan
# CHECK: layer_norm: 10 cases bit-exact on cpu (threads 1, 2, x86-vnni=false x86-vbmi=false, vectorize=false) and vulkan
# RUN: env QC_VULKAN_VALIDATION=1 QC_VULKAN_MASK_FEATURES=shaderInt8,shaderInt16,shaderInt64,storageBuffer8BitAccess,storageBuffer16BitAccess %python %s --portable | FileCheck %s --check-prefix=PORTABLE
# PORTABLE: softmax: 13 cases bit-exact on vulkan portable (features masked, validation)
# PORTABLE: layer_norm: 10 cases bit-exact on vulkan portable (features masked, validation)
import os
import sys

import numpy as np

import qc
from qc import reference as ref
from qc.graph import QParams

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import quant_graph  # noqa: E402

rng = np.random.default_rng(1515)
F32 = np.float32


TARGETS = [("cpu", {"threads": 1}), ("cpu", {"threads": 2}),
           ("cpu", {"pipeline_options": "x86-vnni=false x86-vbmi=false"}),
           ("cpu", {"pipeline_options": "vectorize=false"}),
           ("vulkan", {})]
TARGET_NAMES = "cpu (threads 1, 2, x86-vnni=false x86-vbmi=false, vectorize=false) and vulkan"
if "--portable" in sys.argv:
    TARGETS = [("vulkan", {"pipeline_options": "portable"})]
    TARGET_NAMES = "vulkan portable (features masked, validation)"


def check(g, x, qin, want, qout, what):
    xin = (np.asarray(x, np.int64) - qin.zero_point[0]).astype(F32) * F32(qin.scale[0])
    for target, options in TARGETS:
        y = np.asarray(qc.compile(g, target=target, integer_only=True, **options)(xin),
                       np.float64)
        got = np.rint(y / float(F32(qout.scale[0]))).astype(np.int64) + qout.zero_point[0]
        if not np.array_equal(got, want):
            raise AssertionError("%s on %s %s: %d codes differ"
                                 % (what, target, options, int(np.sum(got != want))))


I8 = QParams(0.05, 3, -128, 127)
I16 = QParams(0.0004, -11, -32768, 32767, bits=16)
softmax = [("equal D=%d" % d, I8, np.full((2, d), 7)) for d in (1, 2, 3, 4, 5, 128, 4096)]
softmax.append(("equal D=65536", I8, np.full((1, 65536), -128)))
onehot = np.full((3, 128), -128)
onehot[np.arange(3), [0, 64, 127]] = 127
softmax.append(("one-hot", I8, onehot))
onehot16 = np.full((2, 768), -32768)
onehot16[:, 5] = 32767
softmax.append(("one-hot 16-bit", I16, onehot16))
softmax.append(("random 16-bit", I16, rng.integers(-32768, 32768, (2, 3, 128))))
softmax.append(("random", I8, rng.integers(-128, 128, (2, 4, 128))))
softmax.append(("equal 16-bit D=4096", I16, np.full((1, 4096), 32767)))
for name, qin, x in softmax:
    qout = QParams(1 / 256, -128, -128, 127)
    want = ref.softmax(x, -1, qin.scale[0], qin.bits, qout.scale[0], -128, -128, 127)
    g = quant_graph(x.shape, qin, lambda g, v: g.add("softmax", [v], {"axis": -1}), qout)
    check(g, x, qin, want, qout, "softmax " + name)
print("softmax: %d cases bit-exact on %s" % (len(softmax), TARGET_NAMES))


def extremes(rows, d, lo, hi):
    x = np.where(rng.integers(0, 2, (rows, d)) == 1, hi, lo)
    x[:, 0], x[:, 1] = lo, hi
    return x


def one_out(rows, d, base, code):
    x = np.full((rows, d), base)
    x[:, d // 3] = code
    return x


layer_norm = []
for qin, lo, hi in ((I8, -128, 127), (I16, -32768, 32767)):
    tag = "16-bit" if qin.bits == 16 else "8-bit"
    for d in (768, 2048):
        layer_norm.append(("extremes %s D=%d" % (tag, d), qin, extremes(2, d, lo, hi)))
    layer_norm.append(("one out low %s" % tag, qin, one_out(2, 768, hi, lo)))
    layer_norm.append(("equal %s" % tag, qin, np.full((2, 768), lo)))
    layer_norm.append(("random %s" % tag, qin, rng.integers(lo, hi + 1, (2, 3, 768))))
for name, qin, x in layer_norm:
    d = x.shape[-1]
    gamma = rng.normal(1.0, 0.3, d).astype(F32)
    beta = rng.normal(0.0, 0.2, d).astype(F32)
    qout = QParams(4.0 / 127, 2, -128, 127)
    want = ref.layer_norm(x, qin.scale[0], qin.zero_point[0], gamma, beta, float(F32(1e-5)),
                          qout.scale[0], 2, -128, 127, in_bits=qin.bits)
    g = quant_graph(x.shape, qin, lambda g, v: g.add(
        "layer_norm", [v, g.add_const(gamma), g.add_const(beta)], {"eps": 1e-5}), qout)
    check(g, x, qin, want, qout, "layer_norm " + name)
print("layer_norm: %d cases bit-exact on %s" % (len(layer_norm), TARGET_NAMES))
