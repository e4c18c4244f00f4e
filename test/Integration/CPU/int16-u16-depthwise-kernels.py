# qc-cpu-int8-kernels' 16-bit kernels for u16 activations and for 16-bit
# depthwise convolutions (docs/CPUKernels.md, "u16 activations" and "16-bit
# depthwise convolutions"):
#
# - u16 activations by constant i8 / u8 / i4 / u4 weights (one code per
#   byte, and two per byte through --qc-pack-weights) on vpdpwssd: the input
#   offset by 32768 (`x ^ 0x8000`, an s16 value), 32768 * sum_k w[k, n] in
#   the accumulator's start; matmuls with odd M, N, K and a GEMV, padded /
#   strided / 1x1 convolutions, activation zero points 0, 32768, 65535 and
#   between, weight zero points != 0, per-channel scales, saturation at both
#   ends, a clamp, and an accumulator within 0.4 % of INT32_MAX (u16 codes
#   near 65535 by u8 codes near 255, K = 128);
# - depthwise convolutions with a 16-bit side on the vectorized depthwise
#   kernel (i16 / u16 activations by i8 / u8 / i4 weights, i8 activations by
#   i16 weights): odd channel counts (partial 16-lane vectors), padding,
#   stride 2, dilation, per-channel scales, zero points at the ends.
#
# Each bit-exact against the numpy reference (python/qc/reference.py) on
# the generic path (x86-vnni=false: no int16-kernels), with the host's VNNI
# on one thread and on two threads (every loop parallel). The depthwise
# cases run in their dense form only: --qc-pack-weights turns their weights
# into codebooks, which the kernels take for dense contractions only.
#
# RUN: rm -rf %t && %python %s --qc-opt qc-opt --qc-run qc-run --work-dir %t | FileCheck %s
# CHECK-NOT: MISMATCH
# CHECK-NOT: NOT SATURATED
# CHECK-NOT: GENERIC
# CHECK: u16_mm_zp32768_19x37x21 dense: vpdpwssd kernel, u16 offset
# CHECK: u16_mm_zp32768_19x37x21 packed: vpdpwssd kernel, u16 offset
# CHECK: u16_mm_near_int32_max_5x128x33 dense: vpdpwssd kernel, u16 offset
# CHECK: u16_u4_conv_3x3_s2_c7 packed: vpdpwssd kernel, u16 offset
# CHECK: dw_i16_3x3_pad_c20 dense: depthwise kernel
# CHECK: dw_u16_3x3_s2_c37 dense: depthwise kernel
# CHECK: all 15 cases bit-exact (generic, 1 and 2 threads)
#
# The u16 kernel's IR: the offset pass (xor with the sign bit of i16), the
# pair reduction, the corrected start values; no contraction left. The
# machine code multiplies with vpdpwssd. Without VNNI it stays generic.
# RUN: qc-opt %t/u16_mm_zp32768_19x37x21.dense.mlir --qc-cpu-pipeline="x86-vnni=true" --mlir-print-ir-after=qc-cpu-int8-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=U16
# U16: arith.xori {{.*}} : i16
# U16: scf.forall
# U16: vector.multi_reduction <add>, {{.*}} : vector<16x2xi32> to vector<16xi32>
# U16-NOT: linalg.matmul
# U16-NOT: arith.extui {{.*}} : i16 to i32
# RUN: qc-opt %t/u16_mm_zp32768_19x37x21.dense.mlir --qc-cpu-pipeline="x86-vnni=true" | FileCheck %s --check-prefix=LLVM
# RUN: qc-opt %t/u16_u4_conv_3x3_s2_c7.packed.mlir --qc-cpu-pipeline="x86-vnni=true" | FileCheck %s --check-prefix=LLVM
# LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpwssd.512"
# RUN: qc-opt %t/u16_mm_zp32768_19x37x21.dense.mlir --qc-cpu-pipeline="x86-vnni=false" --mlir-print-ir-after=qc-cpu-int8-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=OFF
# OFF: arith.extui {{.*}} : i16 to i32
# OFF-NOT: vector<16x2xi32>
#
# The depthwise kernel on 16-bit elements: 16 i16 lanes per load, extended
# to i32; no convolution left.
# RUN: qc-opt %t/dw_u16_3x3_s2_c37.dense.mlir --qc-cpu-pipeline="x86-vnni=true" --mlir-print-ir-after=qc-cpu-int8-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=DW
# DW: scf.forall
# DW: vector.transfer_read {{.*}} : tensor<{{[0-9]+}}xi16>, vector<16xi16>
# DW: arith.extui {{.*}} : vector<16xi16> to vector<16xi32>
# DW-NOT: linalg.depthwise_conv
# DW-NOT: "reduction"
# RUN: qc-opt %t/dw_i16_3x3_pad_c20.dense.mlir --qc-cpu-pipeline="x86-vnni=false" --mlir-print-ir-after=qc-cpu-int8-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=DWOFF
# DWOFF: {{linalg.depthwise_conv_2d_nhwc_hwcm|"reduction"}}
# DWOFF-NOT: scf.forall
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
from lowering_cases import QType, conv2d_case, matmul_case, spread_scale  # noqa: E402
import int16_kernel_check  # noqa: E402


class HighQType(QType):
    """Random codes in the top `span` codes of the range (accumulators near
    the i32 limit)."""

    def __init__(self, *args, span=64, **kwargs):
        super().__init__(*args, **kwargs)
        self.span = span

    def random(self, rng, shape):
        return rng.integers(self.qmax - self.span + 1, self.qmax + 1, size=shape, dtype=np.int64)


def dense_cases(rng):
    u16 = lambda zp: QType(2e-4, zp, bits=16, signed=False)
    i4 = lambda n: QType(rng.uniform(0.02, 0.2, n), 0, bits=4, axis=1)

    def out(s_w, k, zp, codes=40.0, signed=True):
        # ~`codes` output codes from K products of ~37800 x ~64 codes.
        return QType(spread_scale(2e-4, s_w, k) * 37800 / 74 * 64 / 128 * 40 / codes, zp,
                     signed=signed)

    return [
        matmul_case("u16_mm_zp32768_19x37x21", rng, 19, 37, 21, u16(32768),
                    QType(rng.uniform(0.005, 0.05, 21), 0, axis=1), out(0.03, 37, 4),
                    const_weights=True),
        matmul_case("u16_mm_zp65535_u8w_13x50x20", rng, 13, 50, 20, u16(65535),
                    QType(0.02, 131, signed=False), out(0.02, 50, -1), const_weights=True),
        matmul_case("u16_mm_zp0_i4_33x130x40", rng, 33, 130, 40, u16(0), i4(40),
                    out(0.1, 130, 100, signed=False), const_weights=True, clamp=(20, 230)),
        matmul_case("u16_gemv_zp1234_u4_1x256x70", rng, 1, 256, 70, u16(1234),
                    QType(rng.uniform(0.02, 0.2, 70), rng.integers(0, 16, 70), bits=4,
                          signed=False, axis=1), out(0.1, 256, 0), const_weights=True),
        # Saturation at both ends: most results clamp to -128 / 127.
        matmul_case("u16_mm_sat_24x31x19", rng, 24, 31, 19, u16(40000), QType(0.05, 0),
                    QType(1e-4, 0), const_weights=True),
        # sum x * w within 0.4 % of INT32_MAX (65535 * 255 * 128 = 2139095040
        # at most), the offset's correction 32768 * sum(w) ~ 1.07e9: the
        # wrap-around sums agree with the generic path's.
        matmul_case("u16_mm_near_int32_max_5x128x33", rng, 5, 128, 33,
                    HighQType(2e-4, 0, bits=16, signed=False, span=200),
                    HighQType(0.01, 0, signed=False, span=8),
                    QType(2e-4 * 0.01 * 2.13e9 / 100, 0), const_weights=True,
                    bias_values=rng.integers(0, 5000, size=(33,))),
        conv2d_case("u16_conv_3x3_pad_c6", rng, (1, 6, 7, 6), (3, 3, 6, 21), u16(12345),
                    QType(rng.uniform(0.005, 0.05, 21), 0, axis=3), out(0.03, 54, 0),
                    padding=(1, 1, 1, 1), const_weights=True),
        conv2d_case("u16_u4_conv_3x3_s2_c7", rng, (2, 9, 8, 7), (3, 3, 7, 19), u16(65535),
                    QType(0.05, 8, bits=4, signed=False), out(0.05, 63, -3), strides=(2, 2),
                    padding=(1, 1, 1, 1), const_weights=True),
        conv2d_case("u16_conv_1x1_c24", rng, (2, 5, 6, 24), (1, 1, 24, 40), u16(32768),
                    QType(rng.uniform(0.02, 0.2, 40), 0, bits=4, axis=3), out(0.1, 24, -1),
                    const_weights=True, clamp=(-100, 90)),
    ]


def depthwise_cases(rng):
    def out(s_x, s_w, zp, taps=9, x_codes=37800):
        return QType(s_x * s_w * x_codes * 64 * np.sqrt(taps) / 40, zp)

    dw = lambda name, x_shape, kernel, xq, wq, yq, **kw: conv2d_case(
        name, rng, x_shape, kernel + (1, x_shape[3]), xq, wq, yq, groups=x_shape[3],
        const_weights=True, **kw)
    c = lambda n: rng.uniform(0.005, 0.05, n)
    return [
        dw("dw_i16_3x3_pad_c20", (1, 7, 6, 20), (3, 3), QType(2e-4, -32768, bits=16),
           QType(c(20), 0, axis=3), out(2e-4, 0.03, 2), padding=(1, 1, 1, 1)),
        dw("dw_u16_3x3_s2_c37", (2, 9, 8, 37), (3, 3), QType(2e-4, 65535, bits=16, signed=False),
           QType(c(37), 0, axis=3), out(2e-4, 0.03, -5), strides=(2, 2), padding=(1, 1, 1, 1),
           clamp=(-110, 100)),
        dw("dw_u16_zp32768_u8w_5x5_c16", (1, 9, 9, 16), (5, 5),
           QType(2e-4, 32768, bits=16, signed=False), QType(0.02, 128, signed=False),
           out(2e-4, 0.02, 0, taps=25), padding=(2, 2, 2, 2)),
        dw("dw_i16_i4_dil2_c33", (1, 8, 9, 33), (3, 3), QType(2e-4, 32767, bits=16),
           QType(c(33), 0, bits=4, axis=3), out(2e-4, 0.03, 1) , dilations=(2, 2),
           padding=(2, 1, 2, 1)),
        dw("dw_i8_i16w_3x3_c19", (1, 6, 6, 19), (3, 3), QType(0.05, -3),
           QType(c(19) * 1e-3, 0, bits=16, axis=3), out(0.05, 3e-5, 0, x_codes=74 * 16384 / 37800 * 256),
           padding=(1, 1, 1, 1)),
        # Saturation at both ends.
        dw("dw_u16_sat_3x3_c24", (1, 5, 5, 24), (3, 3), QType(2e-4, 20000, bits=16, signed=False),
           QType(0.05, 0), QType(1e-3, 0)),
    ]


def contractions_left(ir):
    """The contractions (reduction generics or named ops that multiply) in
    the IR; a weight zero point's row sums (a reduction without a product)
    do not count."""
    left = len(re.findall(r"linalg\.(matmul|conv_2d|depthwise_conv)", ir))
    for m in re.finditer(r"linalg\.generic \{[^\n]*\"reduction\"", ir):
        body = ir[m.end():ir.index("} ->", m.end())]
        left += "arith.muli" in body
    return left


def kernel_kind(ir, depthwise, u16):
    """What qc-cpu-int8-kernels made of the case's one contraction."""
    if contractions_left(ir) or "linalg.index" in ir:
        return "GENERIC"
    if depthwise:
        return "depthwise kernel" if "vector<16xi16>" in ir else "GENERIC"
    if "vector<16x2xi32> to vector<16xi32>" not in ir:
        return "GENERIC"
    if u16:
        return "vpdpwssd kernel, u16 offset" if "-32768 : i16" in ir else "GENERIC (no u16 offset)"
    return "vpdpwssd kernel"


def check_saturation(case, expected):
    """The saturating cases reach both ends of the output range."""
    if "_sat_" not in case.name:
        return None
    yq = case.result[0]
    if expected.min() == yq.qmin and expected.max() == yq.qmax:
        return None
    return "NOT SATURATED %s: %d..%d" % (case.name, expected.min(), expected.max())


if __name__ == "__main__":
    rng = np.random.default_rng(16016)
    dense, depthwise = dense_cases(rng), depthwise_cases(rng)
    depthwise_names = {case.name for case in depthwise}
    # The depthwise cases run dense only (see above).
    int16_kernel_check.main(
        dense + depthwise,
        lambda case, ir: kernel_kind(ir, case.name in depthwise_names,
                                     case.name.startswith("u16")),
        "generic, 1 and 2 threads",
        packed=lambda case: case.name not in depthwise_names,
        check_expected=check_saturation)
