# Every dense Hadamard order qc.hadamard accepts (Paley I and Paley II,
# include/qc/Dialect/QC/IR/HadamardMatrix.h) is a Hadamard matrix, and the
# C++ construction the lowering emits equals python/qc/reference.py's:
#  1. for each order m the reference's H_m has entries +-1 and H H^T = m I,
#     and for each block m * 2^k up to 4 * 256 the reference's H_b too;
#  2. `qc-opt --qc-lower-to-linalg` of a float qc.hadamard with block m
#     emits the constant d x d matrix of its dense stage (d the block's
#     dense order: m itself, or a smaller order with m / d a power of two,
#     e.g. 24 = 12 * 2): it equals the reference's H_d element for element;
#  3. the verifier's list of orders is the reference's list.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: orders: 33 (Paley I 25, Paley II only 8: 28 36 76 124 148 196 204 220)
# CHECK: reference: every order and block is Hadamard
# CHECK: lowering: 33 blocks, 27 distinct dense stages equal the reference
# CHECK: verifier: the same 33 orders
import os
import re
import subprocess
import sys

import numpy as np

from qc import reference as ref

work = sys.argv[1]
opt = os.path.join(os.environ["QC_BUILD_DIR"], "bin", "qc-opt")

orders = [m for m in range(2, ref.MAX_PALEY_ORDER + 1) if ref.is_paley_order(m)]
first = [m for m in orders if ref.is_paley1_order(m)]
second = [m for m in orders if not ref.is_paley1_order(m)]
print("orders: %d (Paley I %d, Paley II only %d: %s)" % (
    len(orders), len(first), len(second), " ".join(map(str, second))))

for m in orders:
    h = ref.paley(m)
    assert set(np.unique(h)) == {-1, 1}, m
    assert (h @ h.T == m * np.eye(m, dtype=np.int64)).all(), m
for b in range(2, 4 * ref.MAX_PALEY_ORDER + 1):
    if ref.hadamard_dense_order(b):
        h = ref.hadamard_matrix(b)
        assert (np.abs(h) == 1).all() and (h @ h.T == b * np.eye(b, dtype=np.int64)).all(), b
print("reference: every order and block is Hadamard")

src = os.path.join(work, "orders.mlir")
with open(src, "w") as f:
    for m in orders:
        f.write("func.func @h%d(%%x: tensor<1x%dxf32>) -> tensor<1x%dxf32> {\n"
                "  %%r = qc.hadamard %%x block %d : tensor<1x%dxf32> -> tensor<1x%dxf32>\n"
                "  return %%r : tensor<1x%dxf32>\n}\n" % ((m,) * 7))
out = subprocess.run([opt, src, "--qc-lower-to-linalg",
                      "--mlir-print-elementsattrs-with-hex-if-larger=-1"],
                     capture_output=True, text=True, check=True).stdout
found, dense = 0, set()
for m in orders:
    d = ref.hadamard_dense_order(m)
    body = out[out.index("func.func @h%d(" % m):]
    match = re.search(r"arith\.constant dense<(.*?)> : tensor<%dx%dxf32>" % (d, d), body)
    assert match, "no %d x %d constant in @h%d" % (d, d, m)
    values = np.array([float(v) for v in re.findall(r"-?\d+\.\d+e[+-]\d+", match.group(1))])
    assert values.size == d * d, (m, d, values.size)
    assert (values.reshape(d, d) == ref.paley(d)).all(), "H_%d differs from the reference" % d
    found += 1
    dense.add(d)
print("lowering: %d blocks, %d distinct dense stages equal the reference" % (found, len(dense)))

bad = os.path.join(work, "bad.mlir")
with open(bad, "w") as f:
    f.write("func.func @f(%x: tensor<1x6xf32>) -> tensor<1x6xf32> {\n"
            "  %r = qc.hadamard %x block 6 : tensor<1x6xf32> -> tensor<1x6xf32>\n"
            "  return %r : tensor<1x6xf32>\n}\n")
r = subprocess.run([opt, bad], capture_output=True, text=True)
assert r.returncode == 1, r
listed = [int(v) for v in re.search(r"Paley order m in \{([\d, ]+)\}", r.stderr).group(1).split(",")]
assert listed == orders, (listed, orders)
print("verifier: the same %d orders" % len(listed))
