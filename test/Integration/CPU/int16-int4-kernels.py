# 16-bit activations by constant 4-bit weights (mixed precision, W4A16) on
# qc-cpu-int8-kernels' 16-bit kernels: the i4 / u4 codes widened to i16 at
# compile time, one code per byte (qc-widen-narrow-integers: i4 sign-
# extended, u4 read as `w & 15`) and two per byte (--qc-pack-weights'
# nibble generics, decoded by matchPackedWeightContraction), vpdpwssd
# register tiles (docs/CPUKernels.md, "16-bit weights"). Matmuls (odd M, N,
# K, a GEMV), 3x3 (padded, strided) and 1x1 convolutions, per-channel and
# per-tensor weights, weight zero points != 0 (u4), i16 activations with
# zero points at the ends (-32768, 32767) and between, a clamp; bit-exact
# against the numpy reference (python/qc/reference.py) on the generic path
# (x86-vnni=false: no int16-kernels), with the host's VNNI on one thread and
# on two threads (every loop parallel), dense and packed. u16 activations
# (offset by 32768 on the same kernel) are covered by
# int16-u16-depthwise-kernels.py.
#
# RUN: rm -rf %t && %python %s --qc-opt qc-opt --qc-run qc-run --work-dir %t | FileCheck %s
# CHECK-NOT: MISMATCH
# CHECK-NOT: GENERIC
# CHECK: a16w4_mm_19x37x21 dense: vpdpwssd kernel
# CHECK: a16w4_mm_19x37x21 packed: vpdpwssd kernel
# CHECK: a16u4_conv_1x1_c24 packed: vpdpwssd kernel
# CHECK: all 9 cases bit-exact (dense and packed; generic, 1 and 2 threads)
#
# The kernel's IR and machine code: one i16 pair reduction per step, no
# matmul or convolution left, vpdpwssd in the LLVM dialect; without VNNI
# the contraction stays a generic.
# RUN: qc-opt %t/a16w4_mm_19x37x21.packed.mlir --qc-cpu-pipeline="x86-vnni=true" --mlir-print-ir-after=qc-cpu-int8-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR
# RUN: qc-opt %t/a16u4_conv_3x3_s2_c7.dense.mlir --qc-cpu-pipeline="x86-vnni=true" --mlir-print-ir-after=qc-cpu-int8-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR
# IR: scf.forall
# IR: vector.multi_reduction <add>, {{.*}} : vector<16x2xi32> to vector<16xi32>
# IR-NOT: linalg.matmul
# IR-NOT: linalg.conv_2d_nhwc_hwcf
# IR-NOT: linalg.index
# RUN: qc-opt %t/a16w4_mm_19x37x21.packed.mlir --qc-cpu-pipeline="x86-vnni=true" | FileCheck %s --check-prefix=LLVM
# RUN: qc-opt %t/a16u4_mm_13x50x20.dense.mlir --qc-cpu-pipeline="x86-vnni=true" | FileCheck %s --check-prefix=LLVM
# LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpwssd.512"
# RUN: qc-opt %t/a16w4_mm_19x37x21.packed.mlir --qc-cpu-pipeline="x86-vnni=false" | FileCheck %s --check-prefix=OFF
# OFF-NOT: vpdpwssd
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
from lowering_cases import QType, conv2d_case, matmul_case, spread_scale  # noqa: E402
import int16_kernel_check  # noqa: E402


def cases(seed=0):
    rng = np.random.default_rng(seed + 17)
    i4 = lambda n: QType(rng.uniform(0.02, 0.2, n), 0, bits=4, axis=1)
    a16 = lambda zp: QType(2e-4, zp, bits=16)

    def out(s_w, k, zp):
        # ~40 output codes from K products of ~74*128 x ~4 codes.
        return QType(spread_scale(2e-4, s_w, k) * 128 / 4, zp)

    return [
        matmul_case("a16w4_mm_19x37x21", rng, 19, 37, 21, a16(-300), i4(21), out(0.1, 37, 4),
                    const_weights=True),
        matmul_case("a16u4_mm_13x50x20", rng, 13, 50, 20, a16(32767),
                    QType(0.05, 7, bits=4, signed=False), out(0.05, 50, -1), const_weights=True),
        matmul_case("a16w4_gemv_1x256x70", rng, 1, 256, 70, a16(5), i4(70), out(0.1, 256, 0),
                    const_weights=True),
        matmul_case("a16u4_mm_pc_33x130x40", rng, 33, 130, 40, a16(-32768),
                    QType(rng.uniform(0.02, 0.2, 40), rng.integers(0, 16, 40), bits=4,
                          signed=False, axis=1),
                    out(1.6, 130, 2), const_weights=True, clamp=(-100, 90)),
        conv2d_case("a16w4_conv_3x3_pad_c6", rng, (1, 6, 7, 6), (3, 3, 6, 21), a16(-32768),
                    QType(rng.uniform(0.02, 0.2, 21), 0, bits=4, axis=3), out(0.1, 54, 0),
                    padding=(1, 1, 1, 1), const_weights=True),
        conv2d_case("a16u4_conv_3x3_s2_c7", rng, (2, 9, 8, 7), (3, 3, 7, 19), a16(1234),
                    QType(0.05, 8, bits=4, signed=False), out(0.05, 63, -3), strides=(2, 2),
                    padding=(1, 1, 1, 1), const_weights=True),
        conv2d_case("a16w4_conv_3x3_c5", rng, (2, 7, 9, 5), (3, 3, 5, 17), a16(77),
                    QType(rng.uniform(0.02, 0.2, 17), 0, bits=4, axis=3), out(0.1, 45, 1),
                    const_weights=True),
        conv2d_case("a16w4_conv_1x1_c24", rng, (2, 5, 6, 24), (1, 1, 24, 40), a16(-5),
                    QType(rng.uniform(0.02, 0.2, 40), 0, bits=4, axis=3), out(0.1, 24, -1),
                    const_weights=True),
        conv2d_case("a16u4_conv_1x1_c24", rng, (1, 4, 5, 24), (1, 1, 24, 33), a16(32767),
                    QType(0.05, 3, bits=4, signed=False), out(0.2, 24, 127), const_weights=True),
    ]


def kernel_kind(case, ir):
    """One i16 pair reduction per step, no contraction left."""
    kernel = ("vector<16x2xi32> to vector<16xi32>" in ir and "linalg.matmul" not in ir
              and "linalg.conv_2d" not in ir and "linalg.index" not in ir)
    return "vpdpwssd kernel" if kernel else "GENERIC"


if __name__ == "__main__":
    int16_kernel_check.main(cases(), kernel_kind, "dense and packed; generic, 1 and 2 threads")
