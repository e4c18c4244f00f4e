# --qc-pack-weights on CPU: int4 weights two per byte, u4 indices into
# 16-code codebooks (per tensor, per channel), u8 indices into a 256-code
# codebook of 16-bit codes, matmuls (also u8 x i8 and i8 x u4) and convolutions
# (test/Integration/Inputs/packed_cases.py; cpu_kernel_cases for the CPU
# kernel's codebook lookup), compiled by qc-run
# (qc-cpu-pipeline) dense and packed; both bit-exact with the numpy reference.
#
# RUN: rm -rf %t && %python %s --qc-opt qc-opt --runner qc-run --work-dir %t | FileCheck %s
# CHECK-DAG: remark: qc-pack-weights: int4 weight packed two per byte: 222.0 -> 114.0 bytes
# CHECK-DAG: remark: qc-pack-weights: u4 indices into 1 codebook of 16 8-bit codes (per tensor): 280.0 -> 156.0 bytes
# CHECK-DAG: remark: qc-pack-weights: u4 indices into 7 codebooks of 16 8-bit codes (per channel): 441.0 -> 336.0 bytes
# CHECK-DAG: remark: qc-pack-weights: u8 indices into 1 codebook of 200 16-bit codes (per tensor): 1452.0 -> 1126.0 bytes
# CHECK-DAG: remark: qc-pack-weights: int4 weight packed two per byte: 270.0 -> 135.0 bytes
# Mixed signedness (u8 x i8 codebook, u8 x i4, i8 x u4): the lowering's generic form.
# CHECK-DAG: remark: qc-pack-weights: u4 indices into 1 codebook of 16 8-bit codes (per tensor): 315.0 -> 177.0 bytes
# CHECK-DAG: remark: qc-pack-weights: int4 weight packed two per byte: 186.0 -> 96.0 bytes
# CHECK-DAG: remark: qc-pack-weights: int4 weight packed two per byte: 200.0 -> 100.0 bytes
# The CPU kernels' own 4-bit weights (the dense runs: two codes per byte,
# unpacked in registers; docs/CPUKernels.md): odd K, N over partial
# vectors, per-channel zero points, i4 and u4 by i8 and u8 activations.
# The packed generics go through the CPU int8 kernel (the weight decoded at
# compile time: 4-bit codes, u4 indices into a codebook looked up with
# vpshufb, or bytes), all but the 16-bit codes' (docs/WeightSharing.md,
# "Packed kernels"); the packed form runs with 1 and 2 threads, and without
# the x86 lookups (the portable vector.gather).
# CHECK-NOT: MISMATCH
# CHECK: cpu: packed generics left scalar by --qc-cpu-int8-kernels: mm_i16_cb256{{$}}
# CHECK: cpu: all 24 cases bit-exact, dense and packed
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import packed_cases  # noqa: E402
from packed_check import main  # noqa: E402

if __name__ == "__main__":
    main(packed_cases.all_cases() + packed_cases.cpu_kernel_cases(), "cpu", ["--target=cpu"],
         kernel_pass="--qc-cpu-int8-kernels", packed_runs=(("--threads=1",), ("--threads=2",),
                      ("--threads=1", "--pipeline-options=x86-vnni=false x86-vbmi=false")))
