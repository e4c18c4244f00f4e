# --qc-pack-weights on the Vulkan device (lavapipe): the models of the CPU
# test (test/Integration/Inputs/packed_cases.py, convolutions unpadded) run
# dense and packed through qc-vulkan-run, both bit-exact with numpy.
#
# RUN: rm -rf %t && %python %s --qc-opt qc-opt --runner qc-vulkan-run --work-dir %t | FileCheck %s
# CHECK-DAG: remark: qc-pack-weights: int4 weight packed two per byte
# CHECK-DAG: remark: qc-pack-weights: u4 indices into 1 codebook of 16 8-bit codes (per tensor)
# CHECK-DAG: remark: qc-pack-weights: u4 indices into 7 codebooks of 16 8-bit codes (per channel)
# CHECK-DAG: remark: qc-pack-weights: u8 indices into 1 codebook of 200 16-bit codes (per tensor)
# The Vulkan bundle takes no unpacked i4 buffers, so the dense form of the
# int4 cases cannot run there; packed, they do:
# CHECK-DAG: vulkan: mm_i4_odd_k runs packed only
# CHECK-DAG: vulkan: gemv_i4 runs packed only
# CHECK-DAG: vulkan: mm_u8_u4 runs packed only
# CHECK-DAG: vulkan: conv_i4_s2 runs packed only
# CHECK-DAG: vulkan: mm_u8_i4 runs packed only
# CHECK-DAG: vulkan: gemv_i8_u4 runs packed only
# CHECK-DAG: vulkan: mm_i4_wide runs packed only
# CHECK-DAG: vulkan: gemv_u4_odd runs packed only
# CHECK-DAG: vulkan: mm_u8_u4_odd runs packed only
# CHECK: vulkan: all 15 cases bit-exact, dense and packed
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import packed_cases  # noqa: E402
from packed_check import main  # noqa: E402

if __name__ == "__main__":
    main(packed_cases.all_cases(conv_padding=0), "vulkan", [],
         packed_only=("mm_i4_odd_k", "gemv_i4", "mm_u8_u4", "conv_i4_s2", "mm_u8_i4",
                      "gemv_i8_u4", "mm_i4_wide", "gemv_u4_odd", "mm_u8_u4_odd"))
