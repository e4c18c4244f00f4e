# RUN: %python %s %t
"""Kernels with many iterations per dimension run bit-exact on Vulkan.

- A 4-d batched contraction (the dense rotation of a padded qc.hadamard,
  1024x1x76x1 by 76x76) once mapped 1 x 76 x 1 to the grid and ran the 1024
  rows in a loop in every invocation; lavapipe ends an invocation's loops
  after 65535 iterations in all, so the results were wrong from flat element
  63840 (row 840) on. qc-fold-parallel-dims puts every row on the grid.
- The padded rotation itself (1024 x 75 i16 codes -> 76 i8), against
  python/qc/reference.py.
- Grids over maxComputeWorkGroupCount (65535 per dimension on lavapipe):
  an element-wise add whose grid is 65537 along x, 65537 along y and 66000
  along z (a 4-d shape whose outer dims qc-fold-parallel-dims linearizes);
  the runtime records such a dispatch as vkCmdDispatchBase pieces.
"""
import os
import subprocess
import sys

import numpy as np

from qc import reference as ref

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(7)
bad = 0


def run(name, src, inputs, want):
    global bad
    path = os.path.join(work, name + ".mlir")
    with open(path, "w") as f:
        f.write(src)
    args = ["qc-run", "--target=vulkan", path]
    for i, x in enumerate(inputs):
        p = os.path.join(work, "%s_in%d.npy" % (name, i))
        np.save(p, x)
        args += ["--input", p]
    out = os.path.join(work, name + "_out.npy")
    subprocess.run(args + ["--output", out], check=True)
    got = np.load(out)
    wrong = np.flatnonzero(got.ravel() != want.ravel()) if got.shape == want.shape else [0]
    if got.shape != want.shape or len(wrong):
        print("FAIL %s: %s, %d wrong elements, first %s" % (
            name, got.shape, len(wrong), wrong[:3]))
        bad += 1
    else:
        print("ok %s %s" % (name, want.shape))


# Batched contraction (the shape qc.hadamard lowers to).
M, N = 1024, 76
a = rng.integers(-40000, 40000, (M, 1, N, 1)).astype(np.int32)
b = rng.integers(-1, 2, (N, N)).astype(np.int32)
want = np.einsum("mk,jk->mj", a[:, 0, :, 0].astype(np.int64), b.astype(np.int64))
run("batched", f"""#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4)>
#c = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @main(%a: tensor<{M}x1x{N}x1xi32>, %b: tensor<{N}x{N}xi32>) -> tensor<{M}x1x{N}x1xi32> {{
  %e = tensor.empty() : tensor<{M}x1x{N}x1xi32>
  %z = arith.constant 0 : i32
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<{M}x1x{N}x1xi32>) -> tensor<{M}x1x{N}x1xi32>
  %r = linalg.generic {{indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}} ins(%a, %b : tensor<{M}x1x{N}x1xi32>, tensor<{N}x{N}xi32>) outs(%f : tensor<{M}x1x{N}x1xi32>) {{
  ^bb0(%x: i32, %y: i32, %acc: i32):
    %p = arith.muli %y, %x : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }} -> tensor<{M}x1x{N}x1xi32>
  return %r : tensor<{M}x1x{N}x1xi32>
}}
""", [a, b], want.astype(np.int32).reshape(M, 1, N, 1))

# The padded rotation end to end (benchmarks/hadamard_padded.py's form).
K, KP = 75, 76
zx, sx, zy, sy = 12767, 0.001, -3, 0.2
signs = rng.integers(0, 2, KP).astype(bool)
x = rng.integers(zx - 20000, zx + 20000, (M, K)).astype(np.int16)
qx = f"!quant.uniform<i16:f32, {sx}:{zx}>"
qy = f"!quant.uniform<i8:f32, {sy}:{zy}>"
negate = ", ".join("true" if s else "false" for s in signs)
xp = np.pad(x.astype(np.int64), [(0, 0), (0, KP - K)], constant_values=zx)
run("hadamard", f"""func.func @main(%x: tensor<{M}x{K}x{qx}>) -> tensor<{M}x{KP}x{qy}> {{
  %codes = quant.scast %x : tensor<{M}x{K}x{qx}> to tensor<{M}x{K}xi16>
  %zp = arith.constant {zx} : i16
  %padded = tensor.pad %codes low[0, 0] high[0, {KP - K}] {{
  ^bb0(%i0: index, %i1: index):
    tensor.yield %zp : i16
  }} : tensor<{M}x{K}xi16> to tensor<{M}x{KP}xi16>
  %pq = quant.scast %padded : tensor<{M}x{KP}xi16> to tensor<{M}x{KP}x{qx}>
  %r = qc.hadamard %pq block {KP} negate [{negate}] : tensor<{M}x{KP}x{qx}> -> tensor<{M}x{KP}x{qy}>
  return %r : tensor<{M}x{KP}x{qy}>
}}
""", [x], ref.hadamard(xp, zx, sx, zy, sy, -128, 127, KP, signs))

# Grids over 65535 workgroups in one dimension (8x8 workgroups).
for name, shape in [("grid_x", (2, 8 * 65537)), ("grid_y", (8 * 65537, 2)),
                    ("grid_z", (66000, 2, 1, 8))]:
    t = "x".join(str(d) for d in shape)
    u = rng.integers(-100, 100, shape).astype(np.int8)
    v = rng.integers(-100, 100, shape).astype(np.int8)
    run(name, f"""func.func @main(%u: tensor<{t}xi8>, %v: tensor<{t}xi8>) -> tensor<{t}xi8> {{
  %r = arith.addi %u, %v : tensor<{t}xi8>
  return %r : tensor<{t}xi8>
}}
""", [u, v], (u.astype(np.int32) + v).astype(np.int8))

sys.exit(1 if bad else 0)
