# qc.calibration --rotate=hadamard (python/qc/rotation.py, docs/Hadamard.md):
#  1. rotation alone keeps the float function (relative difference <= 1e-5)
#     on a matmul chain whose producer absorbs the rotation, a 1x1
#     convolution (block 8) next to a 3x3 one (not rotated), K = 96
#     (one block H_12 (x) H_8, Paley), a transformer-style linear layer on [batch, seq, d]
#     (batch_matmul by a 2-D weight), and the decisions are the documented
#     notes;
#  2. on a generated linear layer with 1 % outlier input channels (50x),
#     W8A8 calibrated on the same data: the output error against float
#     drops (the figures docs/Hadamard.md records);
#  3. the calibrated rotated model folds to the integer qc.hadamard
#     (i16 -> i8) and runs on the CPU and on Vulkan bit-exact with the
#     numpy interpreter (python/qc/reference.py semantics);
#  4. the command line (--rotate=hadamard on an ONNX model) and bad options.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
#
# CHECK: float chain: rel diff {{.*}} notes: matmul_{{[0-9]+}}: reduction dimension 64 rotated in blocks of 64 ({{[0-9]+}} signs flipped); online hadamard on the input | matmul_{{[0-9]+}}: reduction dimension 32 rotated in blocks of 32 ({{[0-9]+}} signs flipped); the producer's output channels absorb the rotation
# CHECK: float conv: rel diff {{.*}} notes: conv2d_{{[0-9]+}}: reduction dimension 24 rotated in blocks of 8 ({{[0-9]+}} signs flipped); online hadamard on the input | conv2d_{{[0-9]+}}: not rotated: only 1x1 convolutions are linear in their channels alone
# CHECK: float k96: rel diff
# CHECK: float linear 3-d: rel diff {{.*}} notes: batch_matmul_{{[0-9]+}}: reduction dimension 16 rotated in blocks of 16 ({{[0-9]+}} signs flipped); online hadamard on the input | batch_matmul_{{[0-9]+}}: reduction dimension 8 rotated in blocks of 8 ({{[0-9]+}} signs flipped); the producer's output channels absorb the rotation
# CHECK: float odd k5: rel diff {{.*}} notes: matmul_{{[0-9]+}}: reduction dimension 5 zero-padded to 8 and rotated in blocks of 8 ({{[0-9]+}} signs flipped); online hadamard on the input
# CHECK: float odd k27: rel diff {{.*}} notes: matmul_{{[0-9]+}}: reduction dimension 27 zero-padded to 28 and rotated in blocks of 28
# CHECK: float odd conv: rel diff {{.*}} notes: conv2d_{{[0-9]+}}: reduction dimension 3 zero-padded to 4 and rotated in blocks of 4
# CHECK: float odd chain: rel diff {{.*}} notes: matmul_{{[0-9]+}}: reduction dimension 16 rotated in blocks of 16 ({{[0-9]+}} signs flipped); online hadamard on the input | matmul_{{[0-9]+}}: reduction dimension 7 zero-padded to 8 and rotated in blocks of 8 ({{[0-9]+}} signs flipped); online hadamard on the input
# CHECK: float k1: notes: matmul_{{[0-9]+}}: not rotated: the reduction dimension has size 1
# CHECK: outliers d=64: W8A8 plain [[P64:[0-9.]+]] rotated [[R64:[0-9.]+]]
# CHECK: outliers d=128: W8A8 plain
# CHECK: outliers d=256: W8A8 plain
# CHECK: integer d=64: qc.hadamard i16 -> i8 in blocks of 64, cpu and vulkan bit-exact with the interpreter
# CHECK: integer d=96: qc.hadamard i16 -> i8 in blocks of 96, cpu and vulkan bit-exact with the interpreter
# CHECK: shared values: the input quantized at 8 and 16 bits, the inner one at 16 and requantized to 8 for the residual; cpu and vulkan bit-exact
# CHECK: cli: ok
# CHECK: errors: ok
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import qc
from qc import calibration as cal
from qc import interpreter, reference, rotation
from qc.graph import Graph

work = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]
rng = np.random.default_rng(17)


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a, np.float64) - b) / np.linalg.norm(np.asarray(b, np.float64)))


def check_float(name, g, xs, **kw):
    r, notes = rotation.rotate_hadamard(g, **kw)
    d = max(rel(yr, y) for yr, y in zip(r.evaluate(xs), g.evaluate(xs)))
    assert d <= 1e-5, (name, d)
    # the compiled rotated float model too (qc.hadamard in float on the CPU)
    got = qc.compile(r.to_mlir(), target="cpu")(*xs)
    dc = rel(got, g.evaluate(xs)[0])
    assert dc <= 1e-5, (name, dc)
    print("%s: rel diff %.2g (compiled %.2g) notes: %s" % (name, d, dc, " | ".join(notes)))
    return r


# 1. Float invariance.
g = Graph("main")
x = g.add_input("x", (8, 64))
m = g.add("matmul", [x, g.add_const(rng.standard_normal((64, 32)) / 8)])
m = g.add("matmul", [m, g.add_const(rng.standard_normal((32, 16)) / 6)])
g.outputs = [g.add("bias_add", [m, g.add_const(rng.standard_normal(16))])]
xs = rng.standard_normal((8, 64)).astype(np.float32)
xs[:, 3] *= 50
r = check_float("float chain", g, [xs])
assert sum(n.op == "hadamard" for n in r.nodes) == 1

g = Graph("main")
x = g.add_input("x", (2, 4, 4, 24))
c = g.add("conv2d", [x, g.add_const(rng.standard_normal((1, 1, 24, 8)))],
          {"strides": (1, 1), "dilations": (1, 1), "pads": (0, 0, 0, 0)})
c = g.add("clamp", [c], {"lo": 0.0, "hi": np.inf})
g.outputs = [g.add("conv2d", [c, g.add_const(rng.standard_normal((3, 3, 8, 4)))],
                   {"strides": (1, 1), "dilations": (1, 1), "pads": (1, 1, 1, 1)})]
check_float("float conv", g, [rng.standard_normal((2, 4, 4, 24)).astype(np.float32)], block=8)

g = Graph("main")
x = g.add_input("x", (5, 96))
g.outputs = [g.add("matmul", [x, g.add_const(rng.standard_normal((96, 7)))])]
check_float("float k96", g, [rng.standard_normal((5, 96)).astype(np.float32)])

g = Graph("main")
x = g.add_input("x", (2, 5, 16))
m = g.add("batch_matmul", [x, g.add_const(rng.standard_normal((16, 8)))])
g.outputs = [g.add("batch_matmul", [m, g.add_const(rng.standard_normal((8, 4)))])]
check_float("float linear 3-d", g, [rng.standard_normal((2, 5, 16)).astype(np.float32)])

# An odd K is zero-padded to the smallest supported block K' >= K, as the
# pass does (K = 5 -> 8, 27 -> 28, a 1x1 convolution over 3 channels -> 4, a
# chain whose hidden width 7 -> 8 is not absorbed by its producer), also with
# a dynamic batch; the weight is Q [W; 0], exactly.
for k, kp in ((5, 8), (27, 28)):
    g = Graph("main")
    x = g.add_input("x", (9, k))
    w = rng.standard_normal((k, 4))
    g.outputs = [g.add("matmul", [x, g.add_const(w)])]
    r = check_float("float odd k%d" % k, g, [rng.standard_normal((9, k)).astype(np.float32)])
    pad, had = [n for n in r.nodes if n.op in ("pad", "hadamard")]
    assert r.shapes[pad.output] == (9, kp) and pad.inputs == [x] and had.inputs == [pad.output]
    signs = np.where(np.asarray(had.attrs["negate"]), -1.0, 1.0)
    wq = np.einsum("ij,...jn->...in", rotation._q(kp, kp, signs),
                   np.concatenate([w.astype(np.float32), np.zeros((kp - k, 4))]))
    got = r.consts[[n for n in r.nodes if n.op == "matmul"][0].inputs[1]]
    assert got.tobytes() == wq.astype(np.float32).tobytes()
g = Graph("main")
x = g.add_input("x", (2, 4, 4, 3))
g.outputs = [g.add("conv2d", [x, g.add_const(rng.standard_normal((1, 1, 3, 8)))],
                   {"strides": (1, 1), "dilations": (1, 1), "pads": (0, 0, 0, 0)})]
check_float("float odd conv", g, [rng.standard_normal((2, 4, 4, 3)).astype(np.float32)])
g = Graph("main")
x = g.add_input("x", (6, 16))
m = g.add("matmul", [x, g.add_const(rng.standard_normal((16, 7)))])
g.outputs = [g.add("matmul", [m, g.add_const(rng.standard_normal((7, 5)))])]
g.dynamic_batch = True
check_float("float odd chain", g, [rng.standard_normal((6, 16)).astype(np.float32)])
g = Graph("main")
x = g.add_input("x", (5, 1))
g.outputs = [g.add("matmul", [x, g.add_const(rng.standard_normal((1, 4)))])]
print("float k1: notes: %s" % " | ".join(rotation.rotate_hadamard(g)[1]))


# 2. The outlier layer: per-tensor 8-bit activations (the output too),
# per-channel 8-bit weights, min-max on the 256 tokens it is evaluated on.
def outlier_layer(d, seed=0, tokens=256):
    rng = np.random.default_rng(seed)
    g = Graph("main")
    x = g.add_input("x", (tokens, d))
    g.outputs = [g.add("matmul", [x, g.add_const(rng.standard_normal((d, d)) / np.sqrt(d))])]
    xs = rng.standard_normal((tokens, d)).astype(np.float32)
    xs[:, rng.choice(d, max(1, d // 100), replace=False)] *= 50
    return g, xs


for d in (64, 128, 256):
    g, xs = outlier_layer(d)
    y = g.evaluate([xs])[0]
    errs = []
    for rotate in ("none", "hadamard"):
        rec = {}
        out = cal.calibrate(g, [xs], rotate=rotate).evaluate([xs], record=rec)[0]
        # the requantized output, and the accumulator before that last step
        errs.append((rel(out, y), rel(rec[g.outputs[0]], y)))
    (plain, plain_acc), (rot, rot_acc) = errs
    assert rot * 2.5 < plain and rot_acc * 4 < plain_acc, (d, errs)
    print("outliers d=%d: W8A8 plain %.4f rotated %.4f gain %.1fx; before the output "
          "requantization %.4f -> %.4f, %.1fx" % (d, plain, rot, plain / rot, plain_acc, rot_acc,
                                                 plain_acc / rot_acc))

# 3. The integer path: fold, the integer qc.hadamard, CPU and Vulkan against
# the interpreter, bit for bit (an odd token count, a bias and a ReLU; d = 96
# rotates in one block H_12 (x) H_8, the Paley form of sizes that are not a
# power of two).
for d in (64, 96):
    g, xs = outlier_layer(d, seed=3, tokens=37)
    m = g.add("bias_add", [g.outputs[0], g.add_const(rng.standard_normal(d) * 0.2)])
    g.outputs = [g.add("matmul", [g.add("clamp", [m], {"lo": 0.0, "hi": np.inf}),
                                  g.add_const(rng.standard_normal((d, 10)) / 8)])]
    qg = cal.calibrate(g, [xs], rotate="hadamard")
    src, folded = os.path.join(work, "rot%d.mlir" % d), os.path.join(work, "rot%d_folded.mlir" % d)
    with open(src, "w") as f:
        f.write(qg.to_mlir())
    subprocess.run([os.path.join(build, "bin", "qc-opt"), src, "--qc-fold-fake-quant=allow-float=false",
                    "-o", folded], check=True)
    text = open(folded).read()
    hads = [line for line in text.splitlines() if "qc.hadamard" in line]
    assert len(hads) == 2 and all("block %d " % reference.largest_hadamard_block(d) in h and "i16:f32" in h and
                                  "x!quant.uniform<i8:f32" in h.split("->")[1] for h in hads), hads
    (want,), inexact = interpreter.run_file(folded, [xs], build)
    assert not inexact, inexact
    for target in ("cpu", "vulkan"):
        got = qc.compile(text, pipeline=None, target=target)(xs)
        assert got.tobytes() == want.tobytes(), (d, target, np.abs(got - want).max())
    print("integer d=%d: qc.hadamard i16 -> i8 in blocks of %d, cpu and vulkan bit-exact with the "
          "interpreter" % (d, reference.largest_hadamard_block(d)))

# A rotated value that other ops read too (a residual) stays at 8 bits for
# them: 16-bit codes would widen those ops. A graph input gets a second,
# 16-bit quantization for its rotations; an inner value is quantized at 16
# bits and requantized to 8 for its other readers (qc.requantize i16 -> i8
# after the fold); CPU and Vulkan bit-exact with the interpreter.
gs = Graph("main")
x = gs.add_input("x", (5, 16))
r = gs.add("add", [gs.add("matmul", [x, gs.add_const(rng.standard_normal((16, 16)))]), x])
gs.outputs = [gs.add("add", [gs.add("matmul", [r, gs.add_const(rng.standard_normal((16, 16)))]), r])]
xs5 = rng.standard_normal((5, 16)).astype(np.float32)
qg = cal.calibrate(gs, [xs5], rotate="hadamard")
fqs = {n.output: n for n in qg.nodes if n.op == "fake_quant"}
widths = sorted(fqs[n.inputs[0]].attrs["qparams"].bits for n in qg.nodes if n.op == "hadamard")
x_bits = sorted(f.attrs["qparams"].bits for f in fqs.values() if f.inputs == [x])
r_fq = [f for f in fqs.values() if f.inputs == [r]]
r_narrow = [f for f in fqs.values() if f.inputs == [r_fq[0].output]]
assert widths == [16, 16] and x_bits == [8, 16], (widths, x_bits)
assert [f.attrs["qparams"].bits for f in r_fq + r_narrow] == [16, 8], (r_fq, r_narrow)
src = os.path.join(work, "shared.mlir")
with open(src, "w") as f:
    f.write(qg.to_mlir())
subprocess.run([os.path.join(build, "bin", "qc-opt"), src, "--qc-fold-fake-quant=allow-float=false",
                "-o", src + ".folded"], check=True)
text = open(src + ".folded").read()
requants = [line for line in text.splitlines() if "qc.requantize" in line]
assert any("i16:f32" in q.split("->")[0] and "i8:f32" in q.split("->")[1] for q in requants), requants
(want,), inexact = interpreter.run_file(src + ".folded", [xs5], build)
assert not inexact, inexact
for target in ("cpu", "vulkan"):
    got = qc.compile(text, pipeline=None, target=target)(xs5)
    assert got.tobytes() == want.tobytes(), (target, np.abs(got - want).max())
print("shared values: the input quantized at 8 and 16 bits, the inner one at 16 and requantized "
      "to 8 for the residual; cpu and vulkan bit-exact")

# 4. The command line on an ONNX MatMul, and bad options.
w = numpy_helper.from_array(rng.standard_normal((32, 8)).astype(np.float32), "w")
model = helper.make_model(helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"])], "mm",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], [w]),
    opset_imports=[helper.make_opsetid("", 13)])
onnx.save(model, os.path.join(work, "mm.onnx"))
np.save(os.path.join(work, "s.npy"), rng.standard_normal((4, 1, 32)).astype(np.float32).reshape(4, 32))
cmd = [sys.executable, "-m", "qc.calibration", os.path.join(work, "mm.onnx"), "--samples",
       os.path.join(work, "s.npy"), "--rotate=hadamard", "--rotate-block=8"]
r = subprocess.run(cmd, capture_output=True, text=True)
assert r.returncode == 0, r.stderr
assert "qc.hadamard" in r.stdout and "block 8" in r.stdout and "i16:f32" in r.stdout, r.stdout[:2000]
assert "rotated in blocks of 8" in r.stderr, r.stderr
print("cli: ok")

r = subprocess.run(cmd[:-1] + ["--rotate-block=6"], capture_output=True, text=True)
assert r.returncode == 1 and "--rotate-block=6: the Hadamard block must be a power of two >= 2 or m * 2^k with a Paley order m" in r.stderr, r.stderr
assert r.stdout == "", r.stdout
r = subprocess.run(cmd[:-1] + ["--rotate-block=64"], capture_output=True, text=True)
assert r.returncode == 1 and "--rotate-block=64 does not divide the reduction dimension 32" in r.stderr, r.stderr
try:
    cal.calibrate(cal.calibrate(g, [xs]), [xs], rotate="hadamard")
    raise AssertionError("rotating a calibrated graph must fail")
except ValueError as e:
    assert "already quantized" in str(e), e
try:
    cal.calibrate(g, [xs], rotate="givens")
    raise AssertionError("unknown rotation must fail")
except ValueError as e:
    assert "unknown rotation 'givens'" in str(e), e
print("errors: ok")
