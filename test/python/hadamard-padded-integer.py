# The integer form of zero-padded rotations (docs/Hadamard.md, "Odd K"): a
# reduction dimension K that no supported Hadamard block divides is
# zero-padded to the smallest supported block K' >= K; --qc-fold-fake-quant
# moves the dequantization through the zero tensor.pad (the codes padded
# with the zero point), so the rotation folds to the integer qc.hadamard.
#  1. qc.calibration --rotate=hadamard on outlier layers with K = 5 (-> 8),
#     9 (-> 12, Paley I), 27 (-> 28, Paley II), 75 (-> 76, Paley II): the
#     pad keeps its input's 16-bit quantization, the fold with
#     allow-float=false leaves integer code only (an i16 tensor.pad, then
#     qc.hadamard i16 -> i8), and CPU and Vulkan run it bit-exact with the
#     numpy interpreter; the rotated layer's error against float beats the
#     plain one's;
#  2. a chain whose hidden width 7 (-> 8) is padded (the producing matmul
#     requantizes to i16), an input read by a padded rotation and by a
#     residual add (8- and 16-bit quantizations of it), and a dynamic batch
#     (CPU, bit-exact with the static compile);
#  3. the pass: --qc-hadamard-rotate on float matmuls with K = 5, 9, 27,
#     fake quantization written around the padded rotation, folded with
#     allow-float=false, CPU and Vulkan bit-exact with the interpreter.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
#
# CHECK: calibrated k=5: pad to 8 on i16 codes, qc.hadamard i16 -> i8 block 8, cpu and vulkan bit-exact; W8A8 error plain {{[0-9.]+}} rotated {{[0-9.]+}}
# CHECK: calibrated k=9: pad to 12 on i16 codes, qc.hadamard i16 -> i8 block 12, cpu and vulkan bit-exact
# CHECK: calibrated k=27: pad to 28 on i16 codes, qc.hadamard i16 -> i8 block 28, cpu and vulkan bit-exact
# CHECK: calibrated k=75: pad to 76 on i16 codes, qc.hadamard i16 -> i8 block 76, cpu and vulkan bit-exact
# CHECK: chain h=7: 2 qc.hadamard, 1 integer pad, the producer requantizes to i16; cpu and vulkan bit-exact
# CHECK: shared input k=5: quantized at 8 and 16 bits, the pad reads the 16-bit codes; cpu and vulkan bit-exact
# CHECK: dynamic batch k=7: batch 37 == static, batch 1 == row 0
# CHECK: pass k=5: zero-padded to 8, integer after the fold; cpu and vulkan bit-exact
# CHECK: pass k=9: zero-padded to 12, integer after the fold; cpu and vulkan bit-exact
# CHECK: pass k=27: zero-padded to 28, integer after the fold; cpu and vulkan bit-exact
import os
import re
import subprocess
import sys

import numpy as np

import qc
from qc import calibration as cal
from qc import interpreter, rotation
from qc.graph import Graph

work = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]
qc_opt = os.path.join(build, "bin", "qc-opt")
rng = np.random.default_rng(29)


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a, np.float64) - b) / np.linalg.norm(np.asarray(b, np.float64)))


def fold(name, text):
    """Folds with allow-float=false (fails on any float op left between a
    dequantize and a quantize); returns the folded text."""
    src, out = os.path.join(work, name + ".mlir"), os.path.join(work, name + ".folded.mlir")
    with open(src, "w") as f:
        f.write(text)
    subprocess.run([qc_opt, src, "--qc-fold-fake-quant=allow-float=false", "-o", out], check=True)
    return out, open(out).read()


def check_targets(name, path, text, xs, targets=("cpu", "vulkan")):
    (want,), inexact = interpreter.run_file(path, xs, build)
    assert not inexact, (name, inexact)
    for target in targets:
        got = qc.compile(text, pipeline=None, target=target)(*xs)
        assert got.tobytes() == want.tobytes(), (name, target, np.abs(got - want).max())
    return want


def integer_pads(text):
    """The tensor.pad ops of a folded module and their result types."""
    return re.findall(r"tensor\.pad .*?\} : tensor<[^>]*> to (tensor<[^>]*>)", text, re.S)


def outlier_layer(k, seed, tokens=37):
    r = np.random.default_rng(seed)
    g = Graph("main")
    x = g.add_input("x", (tokens, k))
    m = g.add("matmul", [x, g.add_const(r.standard_normal((k, 16)) / np.sqrt(k))])
    m = g.add("bias_add", [m, g.add_const(r.standard_normal(16) * 0.2)])
    g.outputs = [g.add("matmul", [g.add("clamp", [m], {"lo": 0.0, "hi": np.inf}),
                                  g.add_const(r.standard_normal((16, 6)) / 4)])]
    xs = r.standard_normal((tokens, k)).astype(np.float32)
    xs[:, r.choice(k, 1)] *= 50
    return g, xs


# 1. Calibrated outlier layers with an odd K.
for k in (5, 9, 27, 75):
    kp = rotation._smallest_block_at_least(k)
    g, xs = outlier_layer(k, seed=k)
    qg = cal.calibrate(g, [xs], rotate="hadamard")
    pad = [n for n in qg.nodes if n.op == "pad"]
    assert len(pad) == 1 and qg.shapes[pad[0].output] == (37, kp), pad
    fq = {n.output: n for n in qg.nodes if n.op == "fake_quant"}
    assert fq[pad[0].inputs[0]].attrs["qparams"].bits == 16, "the pad reads 16-bit codes"
    assert pad[0].output not in {n.inputs[0] for n in fq.values()}, "the pad is no calibration point"
    path, text = fold("cal_k%d" % k, qg.to_mlir())
    assert integer_pads(text) == ["tensor<37x%dxi16>" % kp], integer_pads(text)
    # (the second layer, after the ReLU, rotates online too, in blocks of 16)
    hads = [line for line in text.splitlines() if "qc.hadamard" in line]
    padded = [h for h in hads if "block %d " % kp in h]
    assert len(hads) == 2 and len(padded) == 1 and "block %d " % kp in padded[0] and \
        "i16:f32" in padded[0].split("->")[0] and "i8:f32" in padded[0].split("->")[1], hads
    want = check_targets("cal_k%d" % k, path, text, [xs])
    y = g.evaluate([xs])[0]
    _, plain = fold("plain_k%d" % k, cal.calibrate(g, [xs]).to_mlir())
    plain_err = rel(qc.compile(plain, pipeline=None)(xs), y)
    rot_err = rel(want, y)
    # (K = 5: the one outlier is a fifth of the channels, nothing to gain)
    assert k < 9 or rot_err < plain_err, (k, plain_err, rot_err)
    print("calibrated k=%d: pad to %d on i16 codes, qc.hadamard i16 -> i8 block %d, cpu and vulkan "
          "bit-exact; W8A8 error plain %.4f rotated %.4f (%.2fx)" % (
              k, kp, kp, plain_err, rot_err, plain_err / rot_err))

# 2. A padded hidden width: the producer requantizes to i16 for the pad.
g = Graph("main")
x = g.add_input("x", (11, 16))
m = g.add("matmul", [x, g.add_const(rng.standard_normal((16, 7)))])
g.outputs = [g.add("matmul", [m, g.add_const(rng.standard_normal((7, 5)))])]
xs = rng.standard_normal((11, 16)).astype(np.float32)
xs[:, 2] *= 40
path, text = fold("chain_h7", cal.calibrate(g, [xs], rotate="hadamard").to_mlir())
assert integer_pads(text) == ["tensor<11x8xi16>"], integer_pads(text)
mms = [line for line in text.splitlines() if "qc.matmul" in line]
assert len(mms) == 2 and "x7x!quant.uniform<i16:f32" in mms[0].split("->")[1], mms
check_targets("chain_h7", path, text, [xs])
print("chain h=7: %d qc.hadamard, %d integer pad, the producer requantizes to i16; cpu and vulkan "
      "bit-exact" % (text.count("qc.hadamard"), len(integer_pads(text))))

# An input read by a padded rotation and by a residual add: 8-bit codes for
# the add, a 16-bit quantization of its own for the rotation's pad.
g = Graph("main")
x = g.add_input("x", (9, 5))
g.outputs = [g.add("add", [g.add("matmul", [x, g.add_const(rng.standard_normal((5, 5)))]), x])]
xs = rng.standard_normal((9, 5)).astype(np.float32)
qg = cal.calibrate(g, [xs], rotate="hadamard")
pad = [n for n in qg.nodes if n.op == "pad"][0]
fq = {n.output: n for n in qg.nodes if n.op == "fake_quant"}
assert fq[pad.inputs[0]].attrs["qparams"].bits == 16
assert sorted(f.attrs["qparams"].bits for f in fq.values() if f.inputs == [x]) == [8, 16]
path, text = fold("shared_k5", qg.to_mlir())
assert integer_pads(text) == ["tensor<9x8xi16>"], integer_pads(text)
check_targets("shared_k5", path, text, [xs])
print("shared input k=5: quantized at 8 and 16 bits, the pad reads the 16-bit codes; cpu and "
      "vulkan bit-exact")

# A dynamic batch (CPU only: the Vulkan target compiles static shapes).
g = Graph("main")
x = g.add_input("x", (37, 7))
g.outputs = [g.add("matmul", [x, g.add_const(rng.standard_normal((7, 4)))])]
xs = rng.standard_normal((37, 7)).astype(np.float32)
static_text = fold("static_k7", cal.calibrate(g, [xs], rotate="hadamard").to_mlir())[1]
g.dynamic_batch = True
dyn_text = fold("dyn_k7", cal.calibrate(g, [xs], rotate="hadamard").to_mlir())[1]
assert integer_pads(dyn_text) == ["tensor<?x8xi16>"], integer_pads(dyn_text)
static = qc.compile(static_text, pipeline=None)(xs)
dyn = qc.compile(dyn_text, pipeline=None)
assert dyn(xs).tobytes() == static.tobytes()
assert dyn(xs[:1]).tobytes() == static[:1].tobytes()
print("dynamic batch k=7: batch 37 == static, batch 1 == row 0")


# 3. The pass's padded rotation, with fake quantization written around it:
# the input at 16 bits (zero point -1234: the pad writes that code), the
# rotated value, the weight (per tensor) and the output at 8 bits.
def qtype(bits, amax, zp=0):
    return "!quant.uniform<i%d:f32, %r:%d>" % (bits, float(np.float32(amax / (2 ** (bits - 1) - 1))),
                                               zp)


for k in (5, 9, 27):
    kp = rotation._smallest_block_at_least(k)
    m, n = 13, 6
    w = rng.standard_normal((k, n)).astype(np.float32)
    xs = rng.standard_normal((m, k)).astype(np.float32)
    xs[:, 1] *= 30
    src = os.path.join(work, "pass_k%d.mlir" % k)
    with open(src, "w") as f:
        f.write("""func.func @main(%%x: tensor<%dx%dxf32>) -> tensor<%dx%dxf32> {
  %%w = arith.constant dense<"0x%s"> : tensor<%dx%dxf32>
  %%z = arith.constant 0.0 : f32
  %%e = tensor.empty() : tensor<%dx%dxf32>
  %%i = linalg.fill ins(%%z : f32) outs(%%e : tensor<%dx%dxf32>) -> tensor<%dx%dxf32>
  %%y = linalg.matmul ins(%%x, %%w : tensor<%dx%dxf32>, tensor<%dx%dxf32>) outs(%%i : tensor<%dx%dxf32>) -> tensor<%dx%dxf32>
  return %%y : tensor<%dx%dxf32>
}
""" % (m, k, m, n, w.tobytes().hex().upper(), k, n, m, n, m, n, m, n, m, k, k, n, m, n, m, n, m, n))
    r = subprocess.run([qc_opt, src, "--qc-hadamard-rotate"], check=True, capture_output=True,
                       text=True)
    assert "reduction dimension %d zero-padded to %d" % (k, kp) in r.stderr, r.stderr
    rot = r.stdout
    row = float(np.linalg.norm(xs, axis=1).max())
    pad_m = re.search(r"tensor\.pad (%arg0) ", rot)
    had_m = re.search(r"(%\w+) = qc\.hadamard (%\w+) block " + str(kp) + " .*", rot)
    mm_m = re.search(r"linalg\.matmul ins\((%\w+), (%\w+) : " +
                     re.escape("tensor<%dx%dxf32>, tensor<%dx%dxf32>)" % (m, kp, kp, n)), rot)
    ret_m = re.search(r"return (%\w+) :", rot)
    assert pad_m and had_m and mm_m and ret_m and mm_m.group(1) == had_m.group(1), rot
    t_x, t_h = "tensor<%dx%dxf32>" % (m, k), "tensor<%dx%dxf32>" % (m, kp)
    text = rot.replace("tensor.pad %arg0 ", "tensor.pad %xq ")
    text = re.sub(r"(\n\s*)(%padded\w* = tensor\.pad)",
                  r"\1%%xq = qc.fake_quant %%arg0 to %s : %s\1\2" % (qtype(16, np.abs(xs).max() * 1.1, -1234), t_x),
                  text, count=1)
    text = text.replace(had_m.group(0), had_m.group(0).replace(had_m.group(1) + " =", "%hraw =", 1) +
                        "\n    %s = qc.fake_quant %%hraw to %s : %s" % (
                            had_m.group(1), qtype(8, row, 3), t_h))
    text = text.replace(mm_m.group(0), mm_m.group(0).replace(mm_m.group(2) + " :", "%wq :", 1))
    text = re.sub(r"(\n\s*)(%\w+ = linalg\.matmul)",
                  r"\1%%wq = qc.fake_quant %s to %s : tensor<%dx%dxf32>\1\2" % (
                      mm_m.group(2), qtype(8, 2.0 * np.sqrt(k)), kp, n), text, count=1)
    text = text.replace("return %s :" % ret_m.group(1),
                        "%%yq = qc.fake_quant %s to %s : tensor<%dx%dxf32>\n    return %%yq :" % (
                            ret_m.group(1), qtype(8, row * 2.0 * np.sqrt(k)), m, n))
    path, folded = fold("pass_k%d_fq" % k, text)
    assert integer_pads(folded) == ["tensor<%dx%dxi16>" % (m, kp)], integer_pads(folded)
    assert "i16:f32" in [line for line in folded.splitlines() if "qc.hadamard" in line][0]
    check_targets("pass_k%d" % k, path, folded, [xs])
    print("pass k=%d: zero-padded to %d, integer after the fold; cpu and vulkan bit-exact" % (k, kp))
