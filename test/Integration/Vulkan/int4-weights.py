# 4-bit constant weights two codes per byte in the Vulkan contraction kernels
# (lib/GPU/ContractionNibbles.cpp): i4 and u4 weights (per-channel zero
# points != 0, the codes' extremes) of matmuls, GEMVs, convolutions and
# depthwise convolutions (odd channel counts, stride 2, padding), with odd K
# (an odd number of nibbles), K a multiple of 4 but not of 8, i8 and u8
# activations, run through qc-run on Vulkan in each kernel mode and on the
# CPU, every output bit-exact with python/qc/reference.py (and so identical
# across targets and modes). The manifest says which kernels read packed
# weights; the constants' bytes are summed per case.
#
# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s --work-dir %t/cpu --target cpu | FileCheck %s --check-prefix=CPU
# CPU: all 19 int4-weight cases bit-exact on cpu
# RUN: %python %s --work-dir %t/d --bundle --bundle-options=shared-memory-tiles=false | FileCheck %s --check-prefixes=VK,BUNDLE
# RUN: %python %s --work-dir %t/p --options=portable | FileCheck %s --check-prefix=VK
# RUN: env QC_VULKAN_VALIDATION=1 %python %s --work-dir %t/i --options=int-dot-product=true --bundle --bundle-options="int-dot-product=true shared-memory-tiles=false" | FileCheck %s --check-prefixes=VK,DOT
# RUN: env QC_VULKAN_VALIDATION=1 %python %s --work-dir %t/s --options=shared-memory-tiles=true | FileCheck %s --check-prefix=VK
# RUN: env QC_VULKAN_VALIDATION=1 %python %s --work-dir %t/psi --options="portable shared-memory-tiles=true int-dot-product=true" | FileCheck %s --check-prefix=VK
# RUN: env QC_VULKAN_VALIDATION=1 %python %s --work-dir %t/b --options="shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true" | FileCheck %s --check-prefix=VK
# RUN: %python %s --work-dir %t/w --bundle --bundle-options=shared-memory-tiles=false --int8 | FileCheck %s --check-prefixes=VK,INT8
#
# Default tiling (no stages): weights read by column words (N a multiple of
# 4) are packed, with the rows k and k + 1 of a k-step in one packed word
# ("k pairs"); weights read by elements (N = 37, 35 and 5, depthwise
# convolutions with C not a multiple of 4) are packed in element order
# ("elements"). The constants (weights, bias and zero-point corrections)
# take about half the bytes of the --int8 run's.
# BUNDLE: mm_i4_k52: mm_i4_k52_contraction_0: tile 7x4, workgroup 4x1, k-step 4, subgroup 32, weights i4x2 (k pairs)
# BUNDLE: mm_i4_k52: constants 504 bytes
# BUNDLE: mm_i4_odd_k: {{.*}}, weights i4x2 (k pairs)
# BUNDLE: mm_i4_wide: mm_i4_wide_contraction_0: tile 3x4, workgroup 16x1, k-step 4, subgroup 32, weights i4x2 (elements)
# BUNDLE: mm_i4_wide: constants 2072 bytes
# BUNDLE: gemv_i4: {{.*}}, weights i4x2 (k pairs)
# BUNDLE: gemv_u4_40: {{.*}}, weights u4x2 (k pairs)
# BUNDLE: gemv_u4_40: constants 2560 bytes
# BUNDLE: gemv_u4_odd: gemv_u4_odd_contraction_0: tile 1x4, workgroup 16x1, k-step 4, subgroup 32, weights u4x2 (elements)
# BUNDLE: mm_u8_u4_k44: {{.*}}, weights u4x2 (k pairs)
# BUNDLE: mm_u8_i4: {{.*}}, weights i4x2 (k pairs)
# BUNDLE: mm_i8_u4_c6: {{.*}}, weights u4x2 (k pairs)
# BUNDLE: conv_i4_s2: {{.*}}, weights i4x2 (k pairs)
# BUNDLE: conv_i4_c12: {{.*}}, weights i4x2 (k pairs)
# BUNDLE: conv_u4_c10: {{.*}}, weights u4x2 (k pairs)
# BUNDLE: conv_i4_1x1: {{.*}}, weights i4x2 (k pairs)
# BUNDLE: conv_i4_f5: conv_i4_f5_contraction_0: tile 8x4, workgroup 2x4, k-step 4, subgroup 32, weights i4x2 (elements)
# BUNDLE: dw_i4_c13_s2: {{.*}}, k-step 1, subgroup 32, weights i4x2 (elements)
# BUNDLE: dw_i4_c13_s2: constants 267 bytes
# BUNDLE: dw_u4_c7: {{.*}}, weights u4x2 (elements)
# BUNDLE: dw_u4_c7: constants 144 bytes
# BUNDLE: dw_i4_c32: {{.*}}, k-step 1, subgroup 32, weights i4x2{{$}}
# BUNDLE: dw_u4_c21_s2: {{.*}}, weights u4x2 (elements)
# BUNDLE: dw_u4_c21_s2: constants 599 bytes
# BUNDLE: dw_i4_c1: {{.*}}, weights i4x2 (elements)
# BUNDLE: kernels with packed weights: 19 of 19
# INT8: mm_i4_k52: constants 816 bytes
# INT8: mm_i4_wide: constants 3552 bytes
# INT8: gemv_u4_40: constants 4480 bytes
# INT8: dw_i4_c13_s2: constants 325 bytes
# INT8: dw_u4_c7: constants 175 bytes
# INT8: dw_u4_c21_s2: constants 861 bytes
# INT8: kernels with packed weights: 0 of 19
# Packed dot products: every weight is re-laid out K innermost and packed,
# the N = 37, 35 and 5 ones too, with columns 2i and 2i + 1 in one packed
# word where the pairs stay aligned (F = 5 breaks them across taps);
# depthwise weights (no reduction along A's rows) keep their layout.
# DOT: mm_i4_k52: mm_i4_k52_contraction_0: tile 7x4, workgroup 4x1, k-step 4, dot, subgroup 32, weights i4x2 (column pairs)
# DOT: mm_i4_wide: {{.*}}, dot, subgroup 32, weights i4x2 (column pairs)
# DOT: gemv_u4_odd: {{.*}}, dot, subgroup 32, weights u4x2 (column pairs)
# DOT: mm_u8_u4_k44: {{.*}}, dot, subgroup 32, weights u4x2 (column pairs)
# DOT: conv_i4_s2: {{.*}}, dot, subgroup 32, weights i4x2 (column pairs)
# DOT: conv_u4_c10: {{.*}}, dot, subgroup 32, weights u4x2 (column pairs)
# DOT: conv_i4_f5: {{.*}}, dot, subgroup 32, weights i4x2{{$}}
# DOT: dw_i4_c13_s2: {{.*}}, k-step 1, subgroup 32, weights i4x2 (elements)
# DOT: dw_u4_c21_s2: {{.*}}, weights u4x2 (elements)
# DOT: kernels with packed weights: 19 of 19
# VK: all 19 int4-weight cases bit-exact on vulkan
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Inputs"))
import lowering_cases as lc  # noqa: E402
import packed_cases as pc  # noqa: E402


def extremes(w, q):
    """The codes' extremes in the first two rows (every channel)."""
    w = np.array(w)
    w.reshape(-1, w.shape[-1])[:2] = [[q.qmin], [q.qmax]]
    return w


def per_channel(rng, n, signed, axis):
    zps = rng.integers(-3, 4, n) if signed else rng.integers(1, 15, n)
    zps[0] = 2 if signed else 9  # never all 0
    return lc.QType(rng.uniform(0.05, 0.2, n), zps, bits=4, signed=signed, axis=axis)


def cases(int8=False):
    """`int8`: the same shapes with 8-bit weights of values outside 4 bits."""
    rng = np.random.default_rng(17)
    u8 = lc.QType(0.05, 128, signed=False)
    out = []

    def mm(name, m, k, n, signed, aq=None):
        q = per_channel(rng, n, signed, 1)
        w = extremes(q.random(rng, (k, n)), q)
        if int8:
            q = lc.QType(q.scales, q.zps, bits=8, signed=signed, axis=1)
            w[2, :] = q.qmax
        out.append(pc.matmul(name, rng, m, k, n, q, w, aq=aq))

    def conv(name, x, wshape, signed, **kw):
        q = per_channel(rng, wshape[3], signed, 3)
        w = extremes(q.random(rng, wshape), q)
        if int8:
            q = lc.QType(q.scales, q.zps, bits=8, signed=signed, axis=3)
            w.reshape(-1, wshape[3])[2] = q.qmax
        out.append(pc.conv(name, rng, x, wshape, q, w, **kw))

    mm("mm_i4_k52", 7, 52, 12, True)          # K = 13 words (odd)
    mm("mm_i4_odd_k", 5, 37, 8, True)         # K padded to 40
    mm("mm_i4_wide", 3, 77, 37, True)         # N = 37: B by elements
    mm("gemv_i4", 1, 64, 16, True)
    mm("gemv_u4_40", 1, 93, 40, False)        # odd K, u4
    mm("gemv_u4_odd", 1, 93, 35, False)
    mm("mm_u8_u4_k44", 20, 44, 20, False, aq=u8)  # K = 11 words
    mm("mm_u8_i4", 2, 31, 8, True, aq=u8)
    mm("mm_i8_u4_c6", 4, 60, 8, False)
    conv("conv_i4_s2", (1, 9, 7, 6), (3, 3, 6, 8), True, strides=(2, 2), pad=1)
    conv("conv_i4_c12", (1, 8, 8, 12), (3, 3, 12, 8), True)
    conv("conv_u4_c10", (1, 6, 6, 10), (3, 3, 10, 4), False, pad=1)
    conv("conv_i4_1x1", (1, 5, 7, 20), (1, 1, 20, 16), True)
    # F = 5: by elements without dot products; with them, the taps' stride
    # (5 x 8 codes) leaves the column pairs unaligned: a load per word.
    conv("conv_i4_f5", (1, 7, 7, 8), (3, 3, 8, 5), True)
    # Depthwise convolutions: the weights are read element by element.
    dw = lambda name, x, k, signed, **kw: conv(
        name, x, (k, k, 1, x[3]), signed, groups=x[3], **kw)
    dw("dw_i4_c13_s2", (1, 9, 9, 13), 3, True, strides=(2, 2), pad=1)
    dw("dw_u4_c7", (1, 7, 8, 7), 3, False, pad=1)
    dw("dw_i4_c32", (1, 8, 8, 32), 3, True, pad=1)
    dw("dw_u4_c21_s2", (2, 10, 9, 21), 5, False, strides=(2, 2), pad=2)
    dw("dw_i4_c1", (1, 6, 6, 1), 3, True)
    return out


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(shlex.quote(c) for c in cmd), r.stderr[-3000:]))
    return r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work-dir", required=True)
    p.add_argument("--target", default="vulkan", choices=["cpu", "vulkan"])
    p.add_argument("--options", default=None, help="SPIR-V pipeline options")
    p.add_argument("--bundle", action="store_true",
                   help="also print each kernel's config and the constants' bytes")
    p.add_argument("--bundle-options", default=None,
                   help="qc-vulkan-bundle's options (default: --options)")
    p.add_argument("--int8", action="store_true", help="8-bit weights instead")
    args = p.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    failures = []
    kernels = packed_kernels = 0
    all_cases = cases(args.int8)
    for case in all_cases:
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".mlir", "w") as f:
            f.write(case.func_text() + "\n")
        cmd = ["qc-run", "--target=" + args.target, base + ".mlir", "--entry", case.name,
               "--output", base + ".out.npy"]
        if args.options:
            cmd.append("--pipeline-options=" + args.options)
        for i, values in enumerate(case.storage_inputs()):
            path = "%s.in%d.npy" % (base, i)
            np.save(path, np.ascontiguousarray(values))
            cmd += ["--input", path]
        run(cmd)
        got, want = np.load(base + ".out.npy"), case.storage_expected()
        if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
            failures.append("%s: %s" % (case.name, np.argwhere(got != want)[:5].tolist()))
        if args.bundle:
            out = base + ".bundle"
            cmd = ["qc-vulkan-bundle", base + ".mlir", "-o", out, "--entry", case.name]
            bundle_options = args.bundle_options if args.bundle_options is not None \
                else args.options
            if bundle_options:
                cmd.append("--options=" + bundle_options)
            run(cmd)
            with open(os.path.join(out, "manifest.json")) as f:
                manifest = json.load(f)
            for kernel in manifest["kernels"]:
                if "config" in kernel:
                    kernels += 1
                    packed_kernels += "4x2" in kernel["config"]
                    print("%s: %s: %s" % (case.name, kernel["name"], kernel["config"]))
            size = sum(os.path.getsize(f) for f in glob.glob(os.path.join(out, "constant_*.bin")))
            print("%s: constants %d bytes" % (case.name, size))
    if args.bundle:
        print("kernels with packed weights: %d of %d" % (packed_kernels, kernels))
    for f in failures:
        print("MISMATCH " + f)
    if failures:
        sys.exit("%d of %d cases differ" % (len(failures), len(all_cases)))
    print("all %d int4-weight cases bit-exact on %s" % (len(all_cases), args.target))


if __name__ == "__main__":
    main()
