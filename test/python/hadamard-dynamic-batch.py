# Hadamard rotation with a dynamic batch (`?` leading dimension): the
# qc.hadamard lowering reads the leading sizes with tensor.dim, so
#  1. a float model rotated by qc-opt --qc-hadamard-rotate compiles once and
#     runs at batch 1 and 37 on the CPU next to the unrotated model
#     (relative difference <= 1e-5);
#  2. a graph calibrated with rotate="hadamard" and a dynamic batch folds to
#     the integer qc.hadamard on tensor<?x...> and runs at batch 37 bit for
#     bit as the same graph compiled at the static batch 37 (and batch 1 as
#     the first row of it);
#  3. Vulkan keeps its documented static-shape error.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: qc-opt rotation: batch 1 and 37, relative difference <= 1e-5
# CHECK: calibrated: qc.hadamard {{.*}}tensor<?x64x!quant.uniform<i16:f32
# CHECK: calibrated: batch 37 == static, batch 1 == row 0
# CHECK: vulkan: {{.*}}dynamic batch dimension
import os
import subprocess
import sys

import numpy as np

import qc
from qc import calibration as cal
from qc.graph import Graph

work = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]
rng = np.random.default_rng(11)


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a, np.float64) - b) / np.linalg.norm(np.asarray(b, np.float64)))


# 1. The pass on a float model with a dynamic batch.
w = rng.standard_normal((64, 16)).astype(np.float32)
text = """func.func @main(%%x: tensor<?x64xf32>) -> tensor<?x16xf32> {
  %%c0 = arith.constant 0 : index
  %%n = tensor.dim %%x, %%c0 : tensor<?x64xf32>
  %%w = arith.constant dense<"0x%s"> : tensor<64x16xf32>
  %%z = arith.constant 0.0 : f32
  %%e = tensor.empty(%%n) : tensor<?x16xf32>
  %%i = linalg.fill ins(%%z : f32) outs(%%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %%y = linalg.matmul ins(%%x, %%w : tensor<?x64xf32>, tensor<64x16xf32>) outs(%%i : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %%y : tensor<?x16xf32>
}
""" % w.tobytes().hex().upper()
src, rot = os.path.join(work, "dyn.mlir"), os.path.join(work, "dyn.rot.mlir")
with open(src, "w") as f:
    f.write(text)
subprocess.run([os.path.join(build, "bin", "qc-opt"), src, "--qc-hadamard-rotate", "-o", rot],
               check=True, capture_output=True)
assert "qc.hadamard" in open(rot).read()
plain, rotated = qc.compile(text, pipeline=None), qc.compile(open(rot).read(), pipeline=None)
for batch in (1, 37):
    x = rng.standard_normal((batch, 64)).astype(np.float32)
    x[:, 5] *= 50
    d = rel(rotated(x), plain(x))
    assert d <= 1e-5, (batch, d)
print("qc-opt rotation: batch 1 and 37, relative difference <= 1e-5")

# 2. The calibrated rotated graph: two layers, the second input online too.
g = Graph("main")
x = g.add_input("x", (37, 64))
m = g.add("matmul", [x, g.add_const(rng.standard_normal((64, 32)) / 8)])
m = g.add("clamp", [g.add("bias_add", [m, g.add_const(rng.standard_normal(32))])], {"lo": 0.0, "hi": np.inf})
g.outputs = [g.add("matmul", [m, g.add_const(rng.standard_normal((32, 10)) / 6)])]
xs = rng.standard_normal((37, 64)).astype(np.float32)
xs[:, 9] *= 50
q = cal.calibrate(g, [xs], rotate="hadamard")
static = qc.compile(q.to_mlir())(xs)
q.dynamic_batch = True
dyn_text = q.to_mlir()
folded = subprocess.run([os.path.join(build, "bin", "qc-opt"), "-", "--qc-fold-fake-quant=allow-float=false"],
                        input=dyn_text, capture_output=True, text=True, check=True).stdout
print("calibrated: qc.hadamard : " + next(line for line in folded.splitlines()
                                           if "qc.hadamard" in line).rsplit(" : ", 1)[1])
assert "qc.hadamard" in folded and "tensor<?x64x!quant.uniform<i16" in folded, folded[-3000:]
dyn = qc.compile(folded, pipeline=None)
assert dyn(xs).tobytes() == static.tobytes()
assert dyn(xs[:1]).tobytes() == static[:1].tobytes()
print("calibrated: batch 37 == static, batch 1 == row 0")

# 3. Vulkan compiles static shapes only.
try:
    qc.compile(folded, pipeline=None, target="vulkan")
    raise AssertionError("vulkan compiled a dynamic batch")
except qc.CompileError as e:
    print("vulkan: " + str(e).replace("\n", " | ")[:300])
