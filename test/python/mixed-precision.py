# Mixed precision (python/qc/mixed_precision.py, docs/MixedPrecision.md) on
# the float digits MLP (examples/digits_mlp_fp32.onnx, the 64 calibration
# images):
#  1. the sensitivity table (one row per layer, the 4-bit error above the
#     all-8-bit one) and the two selection rules: an error budget, a size
#     budget (least sensitivity per byte saved first);
#  2. the chosen model (int4 first layer, int8 second) folds integer-only,
#     --qc-pack-weights packs exactly the 4-bit weight, and the compiled CPU
#     code equals the numpy interpreter of the folded model bit for bit;
#  3. the command line prints the table; bad budgets and bits are errors;
#  4. 16-bit weights (wide=True): the 16-bit row of the table, the size
#     budget stepping down from 16 bits, the i16 weight range limited by the
#     i32 accumulator, and models mixing int4 (packed), int8 and int16
#     weights (MLP 4/16, CNN 4/16/8) bit-exact on the CPU and on Vulkan.
#  5. activation widths (activations=True): one row per layer output, the
#     16-bit codes limited by the accumulator of the layers reading them
#     (K = 256 after the CNN's last convolution: 33026 levels), a layer
#     reading a 16-bit activation kept at <= 8-bit weights, the size budget
#     counting activation bytes, the command line (--mixed-activations),
#     bad activation bits; and models mixing int4, int8 and int16
#     activations (and weights) that fold integer-only (the fold's report:
#     0 ops stayed float) and run bit-exact with the interpreter on the CPU
#     and on Vulkan.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t 2>&1 | FileCheck %s
# CHECK: layer            weight shape     error at 4 bits  increase  bits  bytes
# CHECK-NEXT: matmul_{{[0-9]+}} 64x32 {{.*}} 4   1024
# CHECK-NEXT: matmul_{{[0-9]+}} 32x10 {{.*}} 8    320
# CHECK-NEXT: all 8 bits: error {{.*}}, 2368 bytes; chosen: 1344 bytes
# CHECK: size budget 2000: 4 bits for 1 layer(s), 1344 bytes; 1184: 2 layer(s); 3000: none
# CHECK: compiled: 1 int4 weight packed two per byte, cpu == interpreter on 256 images
# CHECK: cli: table printed, 1 i4 weight type
# CHECK: errors: ok
# CHECK: wide: layer            weight shape     error at 4 bits  increase  bits  bytes  error at 16 bits  decrease
# CHECK: wide: size budget 3000: 8 and 16 bits, 2688 bytes; limits 32767 (K=64) and 16448 (K=256)
# CHECK: wide: K=40000: 16 bits not offered (limit 105), (accumulator) in the table
# CHECK: wide: cli: 1 i16 weight type
# CHECK: wide: mlp bits 4 16: cpu and vulkan == interpreter
# CHECK: wide: cnn bits 4 16 8: cpu and vulkan == interpreter
# CHECK: act: output of layer  per sample       error at 4 bits  increase  bits  bytes  error at 16 bits  decrease
# CHECK: act: matmul_{{[0-9]+}}:out 32 {{.*}}
# CHECK: act: matmul_{{[0-9]+}}:out 10 {{.*}}
# CHECK: act: levels 65535 (K=32 reader), 33026 (K=256 reader), 8192 each for two 16-bit operands of K=16
# CHECK: act: size budget: 16-bit weight of the reader dropped to 8, all-4-bit size 1205 bytes
# CHECK: act: cli: i16 and i4 activation types
# CHECK: act: errors: ok
# CHECK: act: mlp w 8 4 a 16 4: 3 integer op(s), 0 op(s) stayed float; cpu and vulkan == interpreter
# CHECK: act: mlp w 4 16 a 4 16: 3 integer op(s), 0 op(s) stayed float; cpu and vulkan == interpreter
# CHECK: act: cnn w 4 8 16 a 16 4 16: 7 integer op(s), 0 op(s) stayed float; cpu and vulkan == interpreter
# CHECK: act: cnn w 8 4 8 a 4 16 4: 7 integer op(s), 0 op(s) stayed float; cpu and vulkan == interpreter
import os
import subprocess
import sys

import numpy as np

import qc
from qc import calibration as cal
from qc import interpreter
from qc import mixed_precision as mp
from qc.importers.onnx import import_model

work = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
model = os.path.join(root, "examples", "digits_mlp_fp32.onnx")
calib = np.load(os.path.join(root, "examples", "digits_calib_x.npy"))
x = np.load(os.path.join(root, "examples", "digits_test_x.npy"))

g = import_model(model, batch=len(calib))
table = mp.sensitivity(g, [calib])
assert [r["shape"] for r in table] == [(64, 32), (32, 10)], table
assert all(r["error4"] > r["base"] for r in table), table
# The first layer is the less sensitive one (measured: +0.022 against +0.061).
first, second = table
assert first["delta"] < second["delta"], table
bits = mp.select(table, error_budget=(first["delta"] + second["delta"]) / 2)
assert bits == {first["name"]: 4, second["name"]: 8}, bits
print(mp.format_table(table, bits))

picked = [mp.select(table, size_budget=b) for b in (2000, 1184, 3000)]
assert picked[0] == bits and all(v == 4 for v in picked[1].values()) and \
    all(v == 8 for v in picked[2].values()), picked
print("size budget 2000: 4 bits for %d layer(s), %d bytes; 1184: %d layer(s); 3000: none" % (
    sum(v == 4 for v in picked[0].values()), mp.total_bytes(table, picked[0]),
    sum(v == 4 for v in picked[1].values())))

# 2. Compile: fold (integer only), lower, pack; CPU against the interpreter.
q = cal.calibrate(g, [calib], weight_bits=bits)
src = os.path.join(work, "mixed.mlir")
with open(src, "w") as f:
    f.write(q.to_mlir())
qc_opt = os.path.join(build, "bin", "qc-opt")
folded = src + ".folded.mlir"
subprocess.run([qc_opt, src, "--qc-fold-fake-quant=allow-float=false", "-o", folded], check=True)
text = open(folded).read()
assert text.count("x!quant.uniform<i4<-7:7>:f32:1") >= 1 and "i8<-127:127>:f32:1" in text
packed = subprocess.run([qc_opt, folded, "--qc-lower-to-linalg", "--qc-pack-weights"],
                        capture_output=True, text=True, check=True)
packs = packed.stderr.count("int4 weight packed two per byte")
assert packs == 1, packed.stderr
exe = qc.compile(packed.stdout, pipeline=None)
for i in range(0, len(x), len(calib)):
    chunk = x[i:i + len(calib)]
    want = interpreter.run_file(folded, [chunk], build)[0][0]
    assert exe(chunk).tobytes() == want.tobytes(), i
print("compiled: %d int4 weight packed two per byte, cpu == interpreter on %d images" % (packs, len(x)))

# 3. The command line.
np.save(os.path.join(work, "calib.npy"), calib)
cmd = [sys.executable, "-m", "qc.calibration", model, "--samples", os.path.join(work, "calib.npy"),
       "--batch", str(len(calib)), "--mixed-precision"]
r = subprocess.run(cmd + ["--size-budget", "2000"], capture_output=True, text=True)
assert r.returncode == 0 and "error at 4 bits" in r.stderr, r.stderr
print("cli: table printed, %d i4 weight type" % r.stdout.count("i4<-7:7>:f32:1, {"))
r = subprocess.run(cmd + ["--size-budget", "1000"], capture_output=True, text=True)
assert r.returncode == 1 and "size budget 1000 bytes is below the all-4-bit size of the weights (1184 bytes)" \
    in r.stderr and r.stdout == "", r.stderr
r = subprocess.run(cmd, capture_output=True, text=True)
assert r.returncode == 1 and "give one of error_budget and size_budget" in r.stderr, r.stderr
r = subprocess.run(cmd[:-1] + ["--error-budget", "0.1"], capture_output=True, text=True)
assert r.returncode == 1 and "go with --mixed-precision" in r.stderr, r.stderr
for bad, msg in (({first["name"]: 2}, "(4, 8 or 16)"), ({"nope": 4}, "nope: no such layer")):
    try:
        cal.calibrate(g, [calib], weight_bits=bad)
        raise AssertionError("accepted %s" % bad)
    except ValueError as e:
        assert msg in str(e), e
print("errors: ok")

# 4. 16-bit weights.
wide = mp.sensitivity(g, [calib], wide=True)
assert all(r["error16"] is not None and abs(r["gain"]) < 0.005 for r in wide), wide
print("wide: " + mp.format_table(wide, mp.select(wide, error_budget=0.03)).splitlines()[0])
pick = mp.select(wide, size_budget=3000)
assert pick == {first["name"]: 8, second["name"]: 16}, pick
assert mp.select(wide, size_budget=10 ** 6) == {first["name"]: 16, second["name"]: 16}
assert mp.select(wide, size_budget=2368) == {first["name"]: 8, second["name"]: 8}
limits = (cal.wide_weight_limit(np.zeros((64, 32)), 1), cal.wide_weight_limit(np.zeros((256, 10)), 1))
assert limits == (32767, (1 << 30) // (256 * 255)), limits
print("wide: size budget 3000: 8 and 16 bits, %d bytes; limits %d (K=64) and %d (K=256)" % (
    mp.total_bytes(wide, pick), limits[0], limits[1]))
# A layer whose accumulator leaves 16-bit weights no more than 8 bits
# (K * 255 * q <= 2^30: q = 105 at K = 40000) is not offered 16 bits.
from qc.graph import Graph  # noqa: E402
gk = Graph("main")
gk.outputs = [gk.add("matmul", [gk.add_input("x", (2, 40000)),
                                gk.add_const(np.random.default_rng(0).standard_normal((40000, 3)))])]
long_k = mp.sensitivity(gk, [np.random.default_rng(1).standard_normal((2, 40000)).astype(np.float32)],
                        wide=True)
assert long_k[0]["error16"] is None and long_k[0]["limit16"] == 105, long_k
assert mp.select(long_k, size_budget=10 ** 6) == {long_k[0]["name"]: 8}
wide_long = dict(long_k[0], name="other", error16=0.0, gain=0.0)
assert "(accumulator)" in mp.format_table([wide_long, long_k[0]], {"other": 8, long_k[0]["name"]: 8})
print("wide: K=40000: 16 bits not offered (limit %d), (accumulator) in the table" % long_k[0]["limit16"])
r = subprocess.run(cmd + ["--max-weight-bits", "16", "--size-budget", "3000"], capture_output=True, text=True)
assert r.returncode == 0 and "error at 16 bits" in r.stderr, r.stderr
print("wide: cli: %d i16 weight type" % r.stdout.count("i16<-32767:32767>:f32:1, {"))
r = subprocess.run(cmd[:-1] + ["--max-weight-bits", "16"], capture_output=True, text=True)
assert r.returncode == 1 and "go with --mixed-precision" in r.stderr, r.stderr
for net, chosen in (("mlp", (4, 16)), ("cnn", (4, 16, 8))):
    gn = import_model(os.path.join(root, "examples", "digits_%s_fp32.onnx" % net), batch=len(calib))
    bits = {name: b for (name, _), b in zip(mp.layers(gn), chosen)}
    src = os.path.join(work, "wide_%s.mlir" % net)
    with open(src, "w") as f:
        f.write(cal.calibrate(gn, [calib], weight_bits=bits).to_mlir())
    folded = src + ".folded.mlir"
    subprocess.run([qc_opt, src, "--qc-fold-fake-quant=allow-float=false", "-o", folded], check=True)
    text = open(folded).read()
    assert "i16<-32767:32767>:f32" in text and "i4<-7:7>:f32" in text, net
    packed = subprocess.run([qc_opt, folded, "--qc-lower-to-linalg", "--qc-pack-weights"],
                            capture_output=True, text=True, check=True)
    assert packed.stderr.count("int4 weight packed two per byte") == 1, packed.stderr
    want = interpreter.run_file(folded, [x[:len(calib)]], build)[0][0]
    for target in ("cpu", "vulkan"):
        got = qc.compile(packed.stdout, pipeline=None, target=target)(x[:len(calib)])
        assert got.tobytes() == want.tobytes(), (net, target)
    print("wide: %s bits %s: cpu and vulkan == interpreter" % (net, " ".join(map(str, chosen))))

# 5. Activation widths.
acts = mp.sensitivity(g, [calib], wide=True, activations=True)
arows = [r for r in acts if r["kind"] == "activation"]
assert [r["name"] for r in arows] == [first["name"] + ":out", second["name"] + ":out"], arows
assert [r["shape"] for r in arows] == [(32,), (10,)] and [r["bytes8"] for r in arows] == [32, 10], arows
assert all(r["error4"] > r["base"] and r["error16"] is not None for r in arows), arows
assert arows[0]["readers"] == [second["name"]] and arows[1]["readers"] == [], arows
# The logits' 16-bit codes are the largest gain (measured: 0.003 of 0.0065).
assert arows[1]["gain"] > 0.001, arows
for text in mp.format_table(acts, {r["name"]: 8 for r in acts}).splitlines()[3:6]:
    print("act: " + text)
# The limit: K * levels * 127 <= 2^30 for an 8-bit weight reading the value.
gc = import_model(os.path.join(root, "examples", "digits_cnn_fp32.onnx"), batch=len(calib))
cnn_layers = [n for n, _ in mp.layers(gc)]
levels = (cal.layer_activation_levels(g, first["name"]), cal.layer_activation_levels(gc, cnn_layers[1]))
assert levels == (65535, (1 << 30) // (256 * 127)), levels
ga = Graph("main")
xa = ga.add_input("x", (2, 16, 8))
q_ = ga.add("batch_matmul", [xa, ga.add_const(np.ones((8, 16), np.float32))])
k_ = ga.add("batch_matmul", [xa, ga.add_const(np.ones((8, 16), np.float32))])
ga.outputs = [ga.add("batch_matmul", [q_, ga.add("transpose", [k_], {"perm": [0, 2, 1]})])]
sa = [np.random.default_rng(2).standard_normal((2, 16, 8)).astype(np.float32)]
qa = cal.calibrate(ga, [sa], activation_bits={q_: 16, k_: 16})
two = sorted({n.attrs["qparams"].qmax - n.attrs["qparams"].qmin for n in qa.nodes
              if n.op == "fake_quant" and n.attrs["qparams"].bits == 16})
assert two == [8192], two
print("act: levels %d (K=32 reader), %d (K=256 reader), %d each for two 16-bit operands of K=16" % (
    levels + (two[0],)))
# A 16-bit activation and a 16-bit weight of its reader: the smaller gain goes to 8.
both = mp.select(acts, size_budget=10 ** 6)
assert both[first["name"] + ":out"] == 16 and both[second["name"]] == 8 and both[second["name"] + ":out"] == 16, both
smallest = sum(r["bytes4"] for r in acts)
assert smallest == 1184 + 16 + 5, smallest
try:
    mp.select(acts, size_budget=smallest - 1)
    raise AssertionError("accepted")
except ValueError as e:
    assert "all-4-bit size of the weights and activations (1205 bytes)" in str(e), e
print("act: size budget: 16-bit weight of the reader dropped to 8, all-4-bit size %d bytes" % smallest)
# Error budget 0.001: the logits (gain 0.003) go to 16 bits; 0.03: the first
# layer's output (increase 0.027) to 4 bits.
for budget, wanted in (("0.001", "!quant.uniform<i16:f32"), ("0.03", "!quant.uniform<i4:f32")):
    r = subprocess.run(cmd + ["--max-weight-bits", "16", "--mixed-activations", "--error-budget", budget],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "output of layer" in r.stderr, r.stderr
    assert wanted in r.stdout, (budget, r.stderr, r.stdout[:3000])
print("act: cli: i16 and i4 activation types")
r = subprocess.run(cmd[:-1] + ["--mixed-activations"], capture_output=True, text=True)
assert r.returncode == 1 and "go with --mixed-precision" in r.stderr, r.stderr
for bad, msg in (({first["name"]: 2}, "activation bits of %s: 2 (4, 8 or 16)" % first["name"]),
                 ({"nope": 16}, "activation bits for nope: no such layer")):
    try:
        cal.calibrate(g, [calib], activation_bits=bad)
        raise AssertionError("accepted %s" % bad)
    except ValueError as e:
        assert msg in str(e), e
# K = 256 reading a 16-bit activation leaves a 16-bit weight no more than 8 bits.
try:
    cal.calibrate(gc, [calib], activation_bits={cnn_layers[1]: 16}, weight_bits={cnn_layers[2]: 16})
    raise AssertionError("accepted 16/16")
except ValueError as e:
    assert "16-bit weights of %s: its input activation (33026 levels)" % cnn_layers[2] in str(e), e
print("act: errors: ok")
for net, wchosen, achosen in (("mlp", (8, 4), (16, 4)), ("mlp", (4, 16), (4, 16)),
                              ("cnn", (4, 8, 16), (16, 4, 16)), ("cnn", (8, 4, 8), (4, 16, 4))):
    gn = import_model(os.path.join(root, "examples", "digits_%s_fp32.onnx" % net), batch=len(calib))
    names = [name for name, _ in mp.layers(gn)]
    wb, ab = dict(zip(names, wchosen)), dict(zip(names, achosen))
    src = os.path.join(work, "act_%s_%s.mlir" % (net, "_".join(map(str, wchosen + achosen))))
    with open(src, "w") as f:
        f.write(cal.calibrate(gn, [calib], weight_bits=wb, activation_bits=ab).to_mlir())
    folded = src + ".folded.mlir"
    fold = subprocess.run([qc_opt, src, "--qc-fold-fake-quant=allow-float=false report=true", "-o", folded],
                          capture_output=True, text=True, check=True)
    summary = [l.split("qc-fold-fake-quant: ")[1] for l in fold.stderr.splitlines() if "stayed float" in l]
    text = open(folded).read()
    assert "!quant.uniform<i16" in text and "!quant.uniform<i4:f32" in text, net
    packed = subprocess.run([qc_opt, folded, "--qc-lower-to-linalg", "--qc-pack-weights"],
                            capture_output=True, text=True, check=True)
    want = interpreter.run_file(folded, [x[:len(calib)]], build)[0][0]
    for target in ("cpu", "vulkan"):
        got = qc.compile(packed.stdout, pipeline=None, target=target)(x[:len(calib)])
        assert got.tobytes() == want.tobytes(), (net, wchosen, achosen, target)
    print("act: %s w %s a %s: %s; cpu and vulkan == interpreter" % (
        net, " ".join(map(str, wchosen)), " ".join(map(str, achosen)), "; ".join(summary)))
