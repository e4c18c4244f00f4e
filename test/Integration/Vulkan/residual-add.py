# RUN: rm -rf %t && %python %s %t | FileCheck %s
"""Residual adds fused into the contraction kernel that produces one operand
(qc-spirv-contraction-kernels, docs/SPIRV.md "Fused fill and epilogue"):
conv or matmul -> per-channel requantization -> qc.add with a skip input
(its own scale and zero point) -> ReLU or another clamp, as one kernel.

Every case is checked bit for bit against numpy (python/qc/reference.py:
the conv's per-channel output stage, then qc.add's two rescales, rounding
and saturation) and qc's CPU target, on Vulkan with the device's options, in
portable mode, with workgroup-memory stages, with packed dot products and
under the validation layer. Zero points != 0 everywhere, outputs that
saturate at both ends, odd shapes (13 and 7 channels, 5x7 images, stride 2),
the skip operand first or second, the clamp inside the add or a separate
qc.clamp, and a skip that is itself a convolution (a downsampling block:
both operands are contractions). Each case's bundle (lavapipe's options,
and portable) has one kernel per contraction and nothing else, each kernel
passing spirv-val.
"""
import json
import os
import subprocess
import sys

import numpy as np

from qc import reference as ref

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "Inputs"))
sys.path.insert(0, os.path.join(HERE, "..", "Inputs"))
import vulkan_cases  # noqa: E402
from vulkan_cases import Cases  # noqa: E402
import lowering_cases as lc  # noqa: E402
from int4_kernel_cases import Builder, input_of, output_type, weight_type  # noqa: E402

vulkan_cases.RUNNERS["staged"] = ["qc-run", "--target=vulkan",
                                  "--pipeline-options=shared-memory-tiles=true"]
vulkan_cases.RUNNERS["dot"] = ["qc-run", "--target=vulkan",
                               "--pipeline-options=int-dot-product=true"]
LAVAPIPE = ("shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true "
            "wide-loads=true max-workgroup-invocations=1024 max-shared-memory=32768 "
            "int64-loads=true subgroup-extended-types=true subgroup-shuffle=true")

cases = Cases(sys.argv[1])
rng = cases.rng


def extremes(q, values):
    values.flat[:2] = (q.qmin, q.qmax)
    return values


def residual(name, shape, f, k, stride, xq, yq_zp, sq, oq, codes=40.0,
             clamp=None, separate_clamp=False, skip_first=False,
             projection=False, matmul=False):
    b = Builder(name, rng)
    x, xn = input_of(b, shape, xq)
    x = x.copy()
    if matmul:
        taps = shape[-1]
        yq = output_type(xq, weight_type(rng, "i8", 1, None), taps, codes, yq_zp)
        y, yn, _ = b.matmul(x, xn, xq, f, "i8", yq)
    else:
        yq = output_type(xq, weight_type(rng, "i8", 1, None), k * k * shape[3],
                         codes, yq_zp)
        y, yn, _ = b.conv(x, xn, xq, (k, k, shape[3], f), "i8", yq,
                          (stride, stride), padding=k // 2)
    contractions = 1
    if projection:
        # The downsampling block's skip: a strided 1x1 conv of the same input.
        s, sn, _ = b.conv(x, xn, xq, (1, 1, shape[3], f), "i8", sq,
                          (stride, stride), padding=0)
        contractions = 2
    else:
        s = extremes(sq, sq.random(rng, y.shape))
        sn = b.c.arg(s, sq)
    ops = [(y, yq, yn), (s, sq, sn)]
    if skip_first:
        ops.reverse()
    (p, pq, pn), (r, rq, rn) = ops
    add_clamp = None if separate_clamp else clamp
    want = ref.add(p, pq.scales[0], pq.zps[0], r, rq.scales[0], rq.zps[0],
                   oq.scales[0], oq.zps[0], oq.qmin, oq.qmax, clamp=add_clamp)
    text = "qc.add %s, %s" % (pn, rn)
    if add_clamp:
        text += " clamp [%d, %d]" % add_clamp
    text += " : %s, %s -> %s" % (pq.tensor(y.shape), rq.tensor(y.shape),
                                 oq.tensor(y.shape))
    if separate_clamp:
        b.c.body.append("%%sum = %s" % text)
        b.c.body.append("%%r = qc.clamp %%sum [%d, %d] : %s" % (
            clamp + (oq.tensor(y.shape),)))
        want = np.clip(want, *clamp)
    else:
        b.c.body.append("%%r = %s" % text)
    b.c.result, b.c.expected = (oq, y.shape), want
    lo, hi = want.min(), want.max()
    print("%s: output codes %d .. %d, %d at the minimum, %d at the maximum" % (
        name, lo, hi, np.sum(want == oq.qmin), np.sum(want == oq.qmax)))
    src = b.c.func_text() + "\n"
    path = os.path.join(cases.work, name + ".mlir")
    with open(path, "w") as fh:
        fh.write(src)
    # The bundle's kernels, in launch order: the add (and a clamp that reads
    # the i8 sum itself, see separate_clamp) would come after the last
    # contraction.
    after = 1 if separate_clamp else 0
    for label, options in (("lavapipe", LAVAPIPE), ("portable", "portable " + LAVAPIPE)):
        out = os.path.join(cases.work, "%s_bundle_%s" % (name, label))
        subprocess.run(["qc-vulkan-bundle", path, "-o", out, "--options=" + options],
                       check=True)
        with open(os.path.join(out, "manifest.json")) as fh:
            manifest = json.load(fh)
        got = [manifest["kernels"][step["kernel"]]["name"]
               for step in manifest["steps"] if step["op"] == "dispatch"]
        for kernel in manifest["kernels"]:
            proc = subprocess.run(["spirv-val", "--target-env", "vulkan1.2",
                                   os.path.join(out, kernel["spirv"])],
                                  capture_output=True, text=True)
            if proc.returncode:
                cases.fail("%s %s spirv-val: %s%s" % (name, label, proc.stdout, proc.stderr))
        tail = got[len(got) - after - 1:]
        ok = (sum("contraction" in k for k in got) == contractions and
              "contraction" in tail[0] and
              all("contraction" not in k for k in tail[1:]))
        if not ok:
            cases.fail("%s %s: kernels %s, want %d contraction(s), the last "
                       "followed by %d other kernel(s)" % (name, label, got,
                                                           contractions, after))
        else:
            print("ok %s %s: %d kernel(s), %d after the last contraction" % (
                name, label, len(got), after))
    cases.run(name, src, b.c.storage_inputs(), b.c.storage_expected(),
              runners=("vulkan", "portable", "staged", "dot", "validation", "cpu"))


u8 = lambda s, z: lc.QType(s, z, signed=False)  # noqa: E731
i8 = lambda s, z: lc.QType(s, z)  # noqa: E731

# resnet18's form: u8 activations, ReLU as the add's clamp to [zp, 255].
# CHECK-LABEL: basic_relu: output codes
# CHECK: ok basic_relu lavapipe: 1 kernel(s), 0 after the last contraction
# CHECK: ok basic_relu portable: 1 kernel(s), 0 after the last contraction
# CHECK: ok basic_relu vulkan (1, 9, 7, 16)
# CHECK: ok basic_relu portable
# CHECK: ok basic_relu staged
# CHECK: ok basic_relu dot
# CHECK: ok basic_relu validation
# CHECK: ok basic_relu cpu
residual("basic_relu", (1, 9, 7, 16), 16, 3, 1, u8(0.05, 59), 7,
         u8(0.031, 131), u8(0.02, 3), clamp=(3, 255))
# Saturation at both ends, i8 with zero points -5 / 17 / -9, no clamp.
# CHECK-LABEL: saturate_i8: output codes -128 .. 127
# CHECK: ok saturate_i8 vulkan
# CHECK: ok saturate_i8 portable
# CHECK: ok saturate_i8 staged
# CHECK: ok saturate_i8 dot
# CHECK: ok saturate_i8 validation
# CHECK: ok saturate_i8 cpu
residual("saturate_i8", (1, 6, 6, 8), 12, 3, 1, i8(0.05, 3), -5,
         i8(0.09, 17), i8(0.004, -9), codes=300.0)
# Odd shapes: 13 channels in (the reduction padded to 16 by a copy), 7 out,
# a 5x7 image at stride 2; the skip comes first.
# CHECK-LABEL: odd_stride2_clamp: output codes
# CHECK: ok odd_stride2_clamp vulkan (2, 3, 4, 7)
# CHECK: ok odd_stride2_clamp portable
# CHECK: ok odd_stride2_clamp staged
# CHECK: ok odd_stride2_clamp dot
# CHECK: ok odd_stride2_clamp validation
# CHECK: ok odd_stride2_clamp cpu
residual("odd_stride2_clamp", (2, 5, 7, 13), 7, 3, 2, i8(0.07, -3), 11,
         u8(0.013, 200), u8(0.03, 40), clamp=(45, 250), skip_first=True)
# The clamp as a qc.clamp of its own, on the u8 sum itself (minui with 250,
# -6 as an i8): it stays a kernel (in portable mode a register i8 after a
# trunci is not the loaded one; 48 elements were 255 when it was fused).
# CHECK-LABEL: separate_clamp: output codes 45 .. 250
# CHECK: ok separate_clamp lavapipe: {{[0-9]+}} kernel(s), 1 after the last contraction
# CHECK: ok separate_clamp portable: {{[0-9]+}} kernel(s), 1 after the last contraction
# CHECK: ok separate_clamp vulkan (2, 3, 4, 7)
# CHECK: ok separate_clamp portable
# CHECK: ok separate_clamp staged
# CHECK: ok separate_clamp dot
# CHECK: ok separate_clamp validation
# CHECK: ok separate_clamp cpu
residual("separate_clamp", (2, 5, 7, 13), 7, 3, 2, i8(0.07, -3), 11,
         u8(0.013, 200), u8(0.03, 40), clamp=(45, 250), separate_clamp=True,
         skip_first=True)
# A downsampling block: the skip is a strided 1x1 conv of the same input.
# CHECK-LABEL: projection: output codes
# CHECK: ok projection lavapipe: 2 kernel(s), 0 after the last contraction
# CHECK: ok projection portable: 2 kernel(s), 0 after the last contraction
# CHECK: ok projection vulkan (1, 4, 5, 24)
# CHECK: ok projection portable
# CHECK: ok projection staged
# CHECK: ok projection dot
# CHECK: ok projection validation
# CHECK: ok projection cpu
residual("projection", (1, 8, 9, 16), 24, 3, 2, u8(0.05, 59), 7,
         u8(0.011, 72), u8(0.02, 0), clamp=(0, 255), projection=True)
# A fully connected layer with a residual: 7 rows, 24 k, 11 columns.
# CHECK-LABEL: matmul_residual: output codes
# CHECK: ok matmul_residual lavapipe: 1 kernel(s), 0 after the last contraction
# CHECK: ok matmul_residual vulkan (7, 11)
# CHECK: ok matmul_residual portable
# CHECK: ok matmul_residual staged
# CHECK: ok matmul_residual dot
# CHECK: ok matmul_residual validation
# CHECK: ok matmul_residual cpu
residual("matmul_residual", (7, 24), 11, 0, 1, i8(0.04, -7), 2,
         i8(0.05, -100), i8(0.01, 6), codes=100.0, matmul=True)

# CHECK-NOT: FAIL
# CHECK: residual adds: 0 failures
cases.finish("residual adds")
