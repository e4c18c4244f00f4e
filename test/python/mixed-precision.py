# Mixed precision (python/qc/mixed_precision.py, docs/MixedPrecision.md) on
# the float digits MLP (examples/digits_mlp_fp32.onnx, the 64 calibration
# images):
#  1. the sensitivity table (one row per layer, the 4-bit error above the
#     all-8-bit one) and the two selection rules: an error budget, a size
#     budget (least sensitivity per byte saved first);
#  2. the chosen model (int4 first layer, int8 second) folds integer-only,
#     --qc-pack-weights packs exactly the 4-bit weight, and the compiled CPU
#     code equals the numpy interpreter of the folded model bit for bit;
#  3. the command line prints the table; bad budgets and bits are errors.
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
for bad, msg in (({first["name"]: 2}, "(8 or 4)"), ({"nope": 4}, "nope: no such layer")):
    try:
        cal.calibrate(g, [calib], weight_bits=bad)
        raise AssertionError("accepted %s" % bad)
    except ValueError as e:
        assert msg in str(e), e
print("errors: ok")
