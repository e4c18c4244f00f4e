# qc.compile / qc.load with packed_int4=True (docs/Numerics.md, "Packed int4
# at the boundary"): i4/u4 arguments and results two codes per byte, uint8
# with last dimension ceil(n / 2), low nibble first.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
#
# 1. qc.pack_int4 / qc.unpack_int4 against a plain loop, odd and even n.
# CHECK: pack_int4: {{\[}}[-8, 7, 1], [0, -1, 3]] -> {{\[}}[120, 1], [240, 3]]
# CHECK-NEXT: round trips: ok
#
# 2. The lowering suite's i4/u4 cases (odd last dimensions 17, 19, 23, 5),
#    their edges and a dynamic batch: packed in, packed out, bit-equal to
#    the unpacked path and to the numpy reference, on both targets.
# CHECK: packed signature: <qc.Executable @mm_u4_args on cpu: [uint8[3, 10] (u4[3, 19] packed two per byte), uint8[19, 3] (i4[19, 5] packed two per byte), int32[5]] -> [uint8[3, 3] (u4[3, 5] packed two per byte)]>
# CHECK-NEXT: cpu: 6 cases packed == unpacked == numpy
# CHECK-NEXT: vulkan: 6 cases packed == unpacked == numpy
# CHECK-NEXT: dynamic batch: batches 1, 4, 7 packed == unpacked == numpy
#
# 3. Compiled to files (a shared library, a Vulkan bundle): the manifest
#    records packed-int4 and qc.load exchanges packed.
# CHECK: loaded cpu: packed_int4 True, packed == numpy
# CHECK-NEXT: loaded vulkan: packed_int4 True, packed == numpy
#
# 4. Errors: the unpacked array, a wrong packed shape, a set unused high
#    nibble, and packed_int4 for a model without i4/u4 tensors.
# CHECK: unpacked array: argument #0 of @mm_u4_args: expected uint8[3, 10] (u4[3, 19] packed two per byte), got uint8[3, 19]
# CHECK-NEXT: int8 array: argument #1 of @mm_u4_args: expected uint8[19, 3] (i4[19, 5] packed two per byte), got int8[19, 3]
# CHECK-NEXT: high nibble: argument #0 of @mm_u4_args: packed byte [2, 9] is {{[0-9]+}}, but the high nibble of a row's last byte must be 0 (the last dimension, 19, is odd)
# CHECK-NEXT: no int4: packed int4: @f has no i4 or u4 argument or result to pack
# CHECK-NEXT: no int4 to a file: compiling to {{.*}}f.so failed: packed int4: @f has no i4 or u4 argument or result to pack
import os
import sys

import numpy as np

import qc

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..")
sys.path.insert(0, os.path.join(root, "test", "Integration", "Inputs"))
import lowering_cases  # noqa: E402
from lowering_cases import QType  # noqa: E402

out = sys.argv[1]


def expect(what, exception, call):
    try:
        call()
    except exception as e:
        print("%s: %s" % (what, str(e).splitlines()[0]))
        return e
    raise AssertionError("%s: no %s raised" % (what, exception.__name__))


# 1. Packing helpers.
def loop_pack(codes):
    rows = codes.reshape(-1, codes.shape[-1])
    n = rows.shape[1]
    out = np.zeros((rows.shape[0], (n + 1) // 2), np.uint8)
    for r in range(rows.shape[0]):
        for j in range(n):
            out[r, j // 2] |= (int(rows[r, j]) & 15) << (4 * (j % 2))
    return out.reshape(codes.shape[:-1] + ((n + 1) // 2,))


small = np.array([[-8, 7, 1], [0, -1, 3]], np.int8)
print("pack_int4: %s -> %s" % (small.tolist(), qc.pack_int4(small).tolist()))
rng = np.random.default_rng(3)
for shape in ((1,), (7,), (8,), (3, 5), (2, 3, 4), (2, 1, 9)):
    for signed in (True, False):
        codes = (rng.integers(-8, 8, shape).astype(np.int8) if signed
                 else rng.integers(0, 16, shape).astype(np.uint8))
        packed = qc.pack_int4(codes)
        assert packed.tobytes() == loop_pack(codes).tobytes(), shape
        back = qc.unpack_int4(packed, shape[-1], signed)
        assert back.dtype == codes.dtype and back.tobytes() == codes.tobytes(), shape
print("round trips: ok")


# 2. The lowering cases.
def is4(q):
    return getattr(q, "bits", 8) == 4


class EdgeRng:
    """Only the ends of every integer range: the i4/u4 edges."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def integers(self, lo, hi, size=None, dtype=np.int64):
        return np.where(self.rng.integers(0, 2, size=size) == 1, hi - 1, lo).astype(dtype)


cases = [c for c in lowering_cases.all_cases(0)
         if any(is4(q) for _, q in c.args) and not c.dynamic_args]
cases += [lowering_cases.matmul_case("mm_i4_edges", EdgeRng(1), 5, 23, 7, QType(0.5, 3, bits=4),
                                     QType(0.25, -2, bits=4), QType(0.5, -5, bits=4)),
          lowering_cases.matmul_case("mm_u4_edges", EdgeRng(2), 5, 23, 7,
                                     QType(0.5, 9, bits=4, signed=False), QType(0.25, 1, bits=4),
                                     QType(0.5, 6, bits=4, signed=False))]
dynamic = lowering_cases.matmul_case("mm_u4_dynamic", np.random.default_rng(5), 4, 19, 5,
                                     QType(0.5, 5, bits=4, signed=False), QType(0.25, -1, bits=4),
                                     QType(0.02, 3, bits=4, signed=False), dynamic=True)


def packed_inputs(case, inputs=None):
    inputs = case.storage_inputs() if inputs is None else inputs
    return [qc.pack_int4(a) if is4(q) and a.ndim else a for a, (_, q) in zip(inputs, case.args)]


def check(case, run_packed, run_unpacked, inputs=None, want=None, where=""):
    inputs = case.storage_inputs() if inputs is None else inputs
    want = case.storage_expected() if want is None else want
    got = run_packed(*packed_inputs(case, inputs))
    plain = run_unpacked(*inputs)
    q = case.result[0]
    if is4(q):
        assert got.dtype == np.uint8 and got.shape == want.shape[:-1] + ((want.shape[-1] + 1) // 2,), \
            (case.name, where, got.dtype, got.shape)
        got = qc.unpack_int4(got, want.shape[-1], q.signed)
    assert got.dtype == want.dtype and got.tobytes() == np.ascontiguousarray(want).tobytes(), \
        "%s%s: %d codes differ from numpy" % (case.name, where, int((got != want).sum()))
    assert got.tobytes() == plain.tobytes(), "%s%s: packed != unpacked" % (case.name, where)


first = True
for target in ("cpu", "vulkan"):
    checked = 0
    for case in cases:
        packed = qc.compile(case.func_text(), pipeline=None, target=target, entry=case.name,
                            packed_int4=True)
        if first and case.name == "mm_u4_args":
            print("packed signature: %r" % packed)
            first = False
        unpacked = qc.compile(case.func_text(), pipeline=None, target=target, entry=case.name)
        check(case, packed, unpacked, where=" on " + target)
        checked += 1
    print("%s: %d cases packed == unpacked == numpy" % (target, checked))

# A dynamic batch (CPU): the leading dimension is the batch in the packed
# form too.
run_packed = qc.compile(dynamic.func_text(), pipeline=None, entry=dynamic.name, packed_int4=True)
run_plain = qc.compile(dynamic.func_text(), pipeline=None, entry=dynamic.name)
assert run_packed.dynamic_batch
full_inputs, full_want = dynamic.storage_inputs(), dynamic.storage_expected()
for batch in (1, 4, 7):
    rows = np.arange(batch) % full_inputs[0].shape[0]
    inputs = [full_inputs[0][rows]] + full_inputs[1:]
    check(dynamic, run_packed, run_plain, inputs, full_want[rows], " batch %d" % batch)
print("dynamic batch: batches 1, 4, 7 packed == unpacked == numpy")


# 3. To files and back.
mm = next(c for c in cases if c.name == "mm_u4_args")
for target, path in (("cpu", "mm.so"), ("vulkan", "mm.qcvk")):
    path = os.path.join(out, path)
    loaded = qc.compile(mm.func_text(), pipeline=None, target=target, entry=mm.name,
                        packed_int4=True, output=path)
    if target == "vulkan":
        with open(os.path.join(path, "qc-model.txt")) as f:
            assert "\npacked-int4\n" in f.read()
    again = qc.load(path)
    got = qc.unpack_int4(again(*packed_inputs(mm)), 5, False)
    assert got.tobytes() == mm.storage_expected().tobytes(), target
    assert loaded(*packed_inputs(mm)).tobytes() == qc.pack_int4(mm.storage_expected()).tobytes()
    print("loaded %s: packed_int4 %s, packed == numpy" % (target, again.packed_int4))


# 4. Errors.
run = qc.compile(mm.func_text(), pipeline=None, entry=mm.name, packed_int4=True)
good = packed_inputs(mm)
expect("unpacked array", ValueError, lambda: run(mm.storage_inputs()[0], *good[1:]))
expect("int8 array", TypeError, lambda: run(good[0], good[1].view(np.int8), good[2]))
bad = good[0].copy()
bad[2, 9] |= 0x10
expect("high nibble", ValueError, lambda: run(bad, *good[1:]))
plain = "func.func @f(%a: tensor<3xi8>) -> tensor<3xi8> {\n  return %a : tensor<3xi8>\n}\n"
expect("no int4", qc.CompileError, lambda: qc.compile(plain, pipeline=None, packed_int4=True))
expect("no int4 to a file", qc.CompileError,
       lambda: qc.compile(plain, pipeline=None, packed_int4=True, output=os.path.join(out, "f.so")))
assert not os.path.exists(os.path.join(out, "f.so"))
