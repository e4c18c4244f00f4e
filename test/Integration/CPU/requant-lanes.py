# The requantization on 32-bit lanes (docs/CPUKernels.md, "Requantization on
# 32-bit lanes"): the fixed-point multiply is computed from the products of
# the even and odd i32 lanes instead of on i64 vectors, both in the kernels'
# fused epilogues (qc.matmul cases) and on the generic tiling path
# (qc-cpu-requantize-on-lanes: qc.requantize, qc.add, qc.mul). Bit-exact
# against python/qc/reference.py on random and edge multipliers and shifts
# (m = 0, 1, 2^30, 2^31 - 1, INT32_MIN; shifts -31 ... 30; and few-bit
# multipliers with small shifts, whose results often fall on ties) and
# accumulators or i32 inputs (INT32_MIN, INT32_MAX, 0, -1, +-2^30), both
# profiles, per-channel and per-tensor (INT32_MIN with shift 0: the divide
# by 2^0 after the overflow; with shift -3), 8- and 16-bit outputs with zero
# points != 0, the 16-bit-weight kernel, vectors of 16 lanes, of fewer and
# of an odd number (left in i64): JIT with 1 and 2 threads, with and
# without VNNI, and without the int8 kernels (the qc.matmul cases' output
# stage, accumulators at INT32_MIN and INT32_MAX, then on the generic path).
#
# The requantization cases are qc.matmul and qc.requantize ops lowered by
# qc-lower-to-linalg whose multiplier and shift constants are then replaced
# by the ones under test (the compiler derives them from scales, which
# cannot reach the edges).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s --work-dir %t | FileCheck %s
# CHECK-NOT: MISMATCH
# CHECK: all 46 cases bit-exact: jit threads=1, jit threads=2, jit portable, jit generic
import argparse
import copy
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import lowering_cases as lc  # noqa: E402
from lowering_cases import QType  # noqa: E402

from qc import reference as ref  # noqa: E402

INT32_MIN, INT32_MAX = ref.INT32_MIN, ref.INT32_MAX
EDGE_MULTIPLIERS = [0, 1, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MIN]
EDGE_ACCUMULATORS = [INT32_MIN, INT32_MAX, 0, -1, 1 << 30, -(1 << 30), INT32_MIN + 1]


def dense(values):
    return "dense<[%s]>" % ", ".join(str(int(v)) for v in values)


def replace_once(text, old, new):
    if text.count(old) != 1:
        raise RuntimeError("expected one %r in the lowered IR, found %d" % (old, text.count(old)))
    return text.replace(old, new)


def edge_multipliers(rng, channels, ties):
    """Random multipliers and shifts with the edges among the first 40."""
    mult = rng.integers(1 << 30, 1 << 31, size=channels)
    shift = rng.integers(-31, 31, size=channels)
    for c in range(min(channels, 40)):
        if c % 3 == 0:
            mult[c] = EDGE_MULTIPLIERS[(c // 3) % len(EDGE_MULTIPLIERS)]
        if c % 4 == 1:
            shift[c] = [-31, 30, 0, -1, 1, -30][(c // 4) % 6]
    if ties:
        # Multipliers with few bits and small right shifts: the results of
        # both rounding steps land on ties (x.5) often, unsaturated.
        mult = rng.choice([1 << 30, 3 << 29, (1 << 30) + (1 << 28), 1 << 29], size=channels)
        shift = rng.integers(-4, 1, size=channels)
    return mult, shift


class RequantCase:
    def __init__(self, name, rng, m, k, n, aq, bq, yq, profile, per_channel, with_min=True,
                 ties=False, pt=None):
        self.name, self.profile = name, profile
        # The same draws as matmul_case's, to choose biases that put
        # accumulators on the edges.
        probe = copy.deepcopy(rng)
        a, b = aq.random(probe, (m, k)), bq.random(probe, (k, n))
        products = ref.matmul(a, aq.zps[0], b, bq.zps)
        bias = probe.integers(-(1 << 31), 1 << 31, size=n)
        if ties:
            bias = probe.integers(-5000, 5000, size=n)
        for c in range(len(EDGE_ACCUMULATORS) if ties else n):
            r, edge = c % m, EDGE_ACCUMULATORS[c % len(EDGE_ACCUMULATORS)]
            bias[c] = ref._wrap32(edge - products[r, c])
        self.case = lc.matmul_case(name, rng, m, k, n, aq, bq, yq, const_weights=True,
                                   profile=profile, bias_values=bias)
        self.acc = ref.matmul(a, aq.zps[0], b, bq.zps, bias)
        real = aq.scales[0] * bq.scales / yq.scales[0]
        pairs = [ref.quantize_multiplier(r) for r in real]
        self.old = ([p[0] for p in pairs], [p[1] for p in pairs])
        channels = n if per_channel else 1
        mult, shift = edge_multipliers(rng, channels, ties)
        if not with_min:
            # Constant multipliers without INT32_MIN: the overflow test of
            # the high multiply is known false at compile time.
            mult[mult == INT32_MIN] = INT32_MAX - 1
        if not per_channel:
            mult[0], shift[0] = (INT32_MAX, -31) if "edge" in name else (mult[0], shift[0])
        if pt is not None:
            mult[0], shift[0] = pt
        self.mult, self.shift = mult, shift
        self.yq = yq

    def lowered(self, qc_opt, path):
        text = subprocess.run([qc_opt, "--qc-lower-to-linalg", path], check=True,
                              capture_output=True, text=True).stdout
        (old_m, old_s) = self.old
        if len(self.mult) == 1:
            text = replace_once(text, "arith.constant %d : i32\n" % old_m[0],
                                "arith.constant %d : i32\n" % self.mult[0])
            text = replace_once(text, "%%c%d_i32 = arith.constant %d : i32\n" % (old_s[0], old_s[0]),
                                "%%c%d_i32 = arith.constant %d : i32\n" % (old_s[0], self.shift[0]))
        else:
            text = replace_once(text, dense(old_m) + " : ", dense(self.mult) + " : ")
            text = replace_once(text, dense(old_s) + " : ", dense(self.shift) + " : ")
        return text

    def expected(self):
        mult = self.mult if len(self.mult) > 1 else self.mult[0]
        shift = self.shift if len(self.shift) > 1 else self.shift[0]
        r = ref.apply_multiplier(self.acc, mult, shift, self.profile)
        return np.clip(r + self.yq.zps[0], self.yq.qmin, self.yq.qmax)


class RequantizeEdgeCase(RequantCase):
    """qc.requantize of 16-bit inputs with their limits among them (shifted
    left by up to 30 bits, they reach INT32_MIN and INT32_MAX - 65535) to
    8- or 16-bit outputs, with the multipliers and shifts under test put
    into the lowered IR."""

    def __init__(self, name, rng, shape, yq, profile, axis=None, ties=False, pt=None):
        self.name, self.profile, self.yq = name, profile, yq
        channels = shape[axis] if axis is not None else 1
        scales = rng.uniform(0.5, 50.0, channels) * yq.scales[0]
        # Zero point -7: no other i32 constant of the lowered IR (the old
        # shifts are 0 ... 6) is printed like it.
        xq = QType(scales if axis is not None else scales[0], -7, bits=16, axis=axis)
        self.case = lc.requantize_case(name, rng, shape, xq, yq, profile=profile)
        x = xq.random(rng, shape)
        if ties:
            x = rng.integers(-200, 200, size=shape, dtype=np.int64)
        flat = x.reshape(-1)
        flat[::5] = np.resize([xq.qmin, xq.qmax, -7, -8, -6, xq.qmin + 1], flat[::5].shape)
        self.case.args[0] = (x, xq)
        self.acc = x + 7
        pairs = [ref.quantize_multiplier(r) for r in xq.scales / yq.scales[0]]
        self.old = ([p[0] for p in pairs], [p[1] for p in pairs])
        self.mult, self.shift = edge_multipliers(rng, channels, ties)
        if pt is not None:
            self.mult[0], self.shift[0] = pt
        self.bshape = [1] * len(shape)
        if axis is not None:
            self.bshape[axis] = -1

    def expected(self):
        mult, shift = self.mult.reshape(self.bshape), self.shift.reshape(self.bshape)
        r = ref.apply_multiplier(self.acc, mult, shift, self.profile)
        return np.clip(r + self.yq.zps[0], self.yq.qmin, self.yq.qmax)


class PlainCase:
    """A qc op case of lowering_cases with the compiler's own multipliers,
    run as it is (qc-run lowers it)."""

    def __init__(self, case):
        self.case = case

    def lowered(self, qc_opt, path):
        with open(path) as f:
            return f.read()

    def expected(self):
        return self.case.expected


def elementwise_cases(rng):
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND
    out = []
    for profile, tag in ((D, "d"), (S, "s")):
        for i, pt in enumerate([(INT32_MAX, -31), (INT32_MIN, 0), (1 << 30, -1), (1, 30),
                                (INT32_MAX, 0)]):
            out.append(RequantizeEdgeCase("rqe_%s_pt%d_4_64" % (tag, i), rng, (4, 64),
                                          QType(0.5, -3), profile, pt=pt))
        out.append(RequantizeEdgeCase("rqe_%s_pc_last_3_48" % tag, rng, (3, 48),
                                      QType(0.01, 1234, bits=16), profile, axis=1))
        out.append(RequantizeEdgeCase("rqe_%s_pc_rows_40_32" % tag, rng, (40, 32),
                                      QType(0.3, 7), profile, axis=0))
        out.append(RequantizeEdgeCase("rqe_%s_ties_5_64" % tag, rng, (5, 64),
                                      QType(0.1, -5, bits=16), profile, axis=1, ties=True))
        # 8 lanes per vector, and 7 (odd: left on i64).
        out.append(RequantizeEdgeCase("rqe_%s_pc_6_8" % tag, rng, (6, 8), QType(0.2, 2),
                                      profile, axis=1))
        out.append(RequantizeEdgeCase("rqe_%s_pt_odd_3_7" % tag, rng, (3, 7), QType(0.2, -2),
                                      profile, pt=(3 << 29, -2)))
        # Operands at the storage limits: the add's shifted operands at the
        # top of their range; zero points != 0.
        out.append(PlainCase(lc.add_case("add_%s_8_2_56_64" % tag, rng, (2, 56, 64),
                                         QType(0.05, 2), QType(0.03, -1), QType(0.07, 3),
                                         profile=profile)))
        out.append(PlainCase(lc.add_case("add_%s_16_8_96" % tag, rng, (8, 96),
                                         QType(0.0004, 0, bits=16), QType(0.0011, 0, bits=16),
                                         QType(0.0009, 17, bits=16), profile=profile)))
        out.append(PlainCase(lc.add_case("add_%s_u8_equal_3_80" % tag, rng, (3, 80),
                                         QType(0.02, 128, signed=False),
                                         QType(0.02, 120, signed=False),
                                         QType(0.04, 125, signed=False), profile=profile)))
        out.append(PlainCase(lc.mul_case("mul_%s_4_48" % tag, rng, (4, 48), QType(0.05, 3),
                                         QType(0.02, -4), QType(0.09, 1), profile=profile)))
        out.append(PlainCase(lc.mul_case("mul_%s_16_3_64" % tag, rng, (3, 64),
                                         QType(0.001, 5, bits=16), QType(0.002, -7, bits=16),
                                         QType(0.0005, 11, bits=16), profile=profile)))
        out.append(PlainCase(lc.requantize_case("rq_%s_u8_i8_9_32" % tag, rng, (9, 32),
                                                QType(0.03, 130, signed=False),
                                                QType(0.05, -6), profile=profile)))
    return out


def cases():
    rng = np.random.default_rng(32)
    D, S = ref.DOUBLE_ROUND, ref.SINGLE_ROUND

    def pc(n, bits=8):
        # Distinct scales: per-channel multipliers and shifts that are not
        # splats (the lowered IR then prints them as lists).
        return QType(rng.uniform(0.005, 0.05, n), rng.integers(-4, 5, n), bits=bits, axis=1)

    out = []
    for profile, tag in ((D, "d"), (S, "s")):
        out.append(RequantCase("rq_%s_pc_13_20_37" % tag, rng, 13, 20, 37, QType(0.05, 2),
                               pc(37), QType(0.5, -3), profile, True))
        out.append(RequantCase("rq_%s_pc16_9_12_64" % tag, rng, 9, 12, 64, QType(0.05, -1),
                               pc(64), QType(0.01, 1234, bits=16), profile, True,
                               with_min=False))
        out.append(RequantCase("rq_%s_pt_edge_7_8_21" % tag, rng, 7, 8, 21, QType(0.05, 0),
                               QType(0.02, 0), QType(0.3, 5), profile, False))
        out.append(RequantCase("rq_%s_ties_16_24_48" % tag, rng, 16, 24, 48, QType(0.05, 3),
                               pc(48), QType(0.1, -5, bits=16), profile, True, ties=True))
        out.append(RequantCase("rq_%s_w16_6_10_33" % tag, rng, 6, 10, 33, QType(0.05, 1),
                               pc(33, bits=16), QType(0.8, -7, bits=16), profile, True))
        # (INT32_MIN, 0) per tensor: the divide by 2^0 that the canonicalizer
        # folds, after the high multiply's overflow (accumulators at INT32_MIN).
        out.append(RequantCase("rq_%s_pt_min0_7_8_32" % tag, rng, 7, 8, 32, QType(0.05, 0),
                               QType(0.02, 0), QType(0.3, 5), profile, False,
                               pt=(INT32_MIN, 0)))
        # (INT32_MIN, -3): the overflow test the constant multiplier leaves
        # (acc == INT32_MIN alone) before a divide by 2^3.
        out.append(RequantCase("rq_%s_pt_min3_7_8_32" % tag, rng, 7, 8, 32, QType(0.05, 0),
                               QType(0.02, 0), QType(0.3, 5), profile, False,
                               pt=(INT32_MIN, -3)))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    runs = [("jit threads=1", ["--threads=1"]), ("jit threads=2", ["--threads=2"]),
            ("jit portable", ["--threads=1", "--pipeline-options=x86-vnni=false"]),
            ("jit generic", ["--threads=1", "--pipeline-options=int8-kernels=false"])]
    all_cases = cases() + elementwise_cases(np.random.default_rng(33))
    mismatches = 0
    for rc in all_cases:
        case = rc.case
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".qc.mlir", "w") as f:
            f.write(case.func_text() + "\n")
        with open(base + ".mlir", "w") as f:
            f.write(rc.lowered("qc-opt", base + ".qc.mlir"))
        inputs = case.storage_inputs()
        want = rc.expected().astype(case.storage_expected().dtype)
        command = ["qc-run", "--target=cpu", base + ".mlir", "--entry", case.name]
        for i, value in enumerate(inputs):
            np.save("%s.in%d.npy" % (base, i), value)
            command += ["--input", "%s.in%d.npy" % (base, i)]
        for label, extra in runs:
            subprocess.run(command + extra + ["--output", base + ".out.npy"], check=True)
            got = np.load(base + ".out.npy")
            if got.shape != want.shape or (got != want).any():
                mismatches += 1
                print("MISMATCH %s (%s): %d of %d outputs" % (
                    case.name, label, int((got != want).sum()), want.size))
    if not mismatches:
        print("all %d cases bit-exact: %s" % (len(all_cases), ", ".join(l for l, _ in runs)))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
