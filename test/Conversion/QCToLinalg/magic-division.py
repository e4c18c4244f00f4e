# The magic-number division of qc.softmax and qc.layer_norm
# (lib/Conversion/QCToLinalg/Division.cpp) as the C++ builds it, on (n, d)
# pairs no softmax or layer norm row reaches: --qc-test-magic-division
# rewrites marked arith.divui ops on constants into buildDivisionMagic +
# buildMagicQuotient, --canonicalize folds them (arith's folders: i64 ops
# modulo 2^64), and every folded quotient must equal Python's exact n // d.
# Divisors: 1, 2, 3, every power of two up to 2^62 and its neighbours, two
# random ones of every bit length, the largest (2^62); the divisor bound
# 2^B at the least B that admits d (the fewest steps bringing the
# remainder down) and at B = 62 (the most). Dividends: 0, 1, d - 1, d,
# d + 1, k d +- 1 for k = 2, 3, 2^20, the largest (2^63 - 1, 2^63 - 2) and
# random ones below 2^63. The short quotient (qc.test_short_bounds) on the
# bounds of layer norm, of softmax rows of 1 to 2^30 and at the limits of
# its proof: divisors at both ends, powers of two, random; dividends 0, 1,
# multiples +- 1, the largest (N - 1) and random ones.
#
#
# --portable: the same with qc.test_no_wide_division, the forms of SPIR-V
# portable mode (wide-division=false: the reciprocal and the magic number by
# restoring long division, in i32 where the divisor bound allows it), on
# every divisor and bound above with its dividends d - 1, d and the three
# largest (the quotient does not change: only m does); before folding they
# contain no division (NODIV).
#
# RUN: %python %s --emit > %t.mlir
# RUN: qc-opt %t.mlir --qc-test-magic-division --canonicalize | %python %s --check | FileCheck %s
# CHECK: {{[0-9]+}} quotients equal n // d, none left unfolded
# RUN: %python %s --emit --portable > %t-portable.mlir
# RUN: qc-opt %t-portable.mlir --qc-test-magic-division | FileCheck %s --check-prefix=NODIV
# NODIV: func.func @quotients
# NODIV-NOT: arith.div
# NODIV-NOT: arith.rem
# RUN: qc-opt %t-portable.mlir --qc-test-magic-division --canonicalize | %python %s --check --portable | FileCheck %s --check-prefix=PORTABLE
# PORTABLE: {{[0-9]+}} quotients equal n // d, none left unfolded
import random
import re
import sys

rng = random.Random(63)


def cases():
    divisors = {1, 2, 3, 1 << 62, (1 << 62) - 1}
    for b in range(1, 63):
        divisors |= {1 << b, (1 << b) - 1, (1 << b) + 1}
        divisors |= {rng.randrange(1 << (b - 1), 1 << b) for _ in range(2)}
    for i, d in enumerate(sorted(v for v in divisors if 1 <= v <= 1 << 62)):
        bits = 62 if i % 2 else max(1, (d - 1).bit_length())
        dividends = {0, 1, d - 1, d, d + 1, (1 << 63) - 1, (1 << 63) - 2}
        for k in (2, 3, 1 << 20):
            dividends |= {k * d - 1, k * d, k * d + 1}
        dividends |= {rng.randrange(0, 1 << 63) for _ in range(3)}
        for n in sorted(v for v in dividends if 0 <= v < 1 << 63):
            yield n, d, bits


# The short quotient: (N, d_min, d_max) of layer norm with V (n < 2^57, r
# in [2^30, 2^31), and r = 1 with n = 0), softmax rows of D = 1 .. 2^30
# (n < 2^45 + D 2^29 + 1, S in [2^30, D 2^30]) and bounds at the proof's
# limits (d up to 2^61, N up to 2^60).
SHORT = [(1 << 57, 1 << 30, (1 << 31) - 1)]
SHORT += [((1 << 45) + (d << 29) + 1, 1 << 30, d << 30) for d in (1, 2, 16, 128, 4096, 1 << 16, 1 << 20, 1 << 30)]
SHORT += [(1 << 60, 1 << 30, 1 << 61), (1 << 32, (1 << 29) + 1, 1 << 61), (1 << 50, 1 << 40, 1 << 61)]


def short_cases():
    for big_n, d_min, d_max in SHORT:
        divisors = {d_min, d_min + 1, d_max, d_max - 1, (d_min + d_max) // 2}
        divisors |= {1 << b for b in range(63) if d_min <= 1 << b <= d_max}
        divisors |= {rng.randrange(d_min, d_max + 1) for _ in range(6)}
        for d in sorted(v for v in divisors if d_min <= v <= d_max):
            dividends = {0, 1, d - 1, d, d + 1, big_n - 1, big_n - 2, big_n - 1 - (big_n - 1) % d}
            for k in (2, 3, 1 << 10, (big_n - 1) // d):
                dividends |= {k * d - 1, k * d, k * d + 1}
            dividends |= {rng.randrange(0, big_n) for _ in range(6)}
            for n in sorted(v for v in dividends if 0 <= v < big_n):
                yield n, d, (big_n, d_min, d_max)
    yield 0, 1, (1 << 57, 1 << 30, (1 << 31) - 1)  # layer norm's r = 0: every dividend 0


NO_WIDE = "--portable" in sys.argv


def attribute(how):
    if isinstance(how, tuple):
        bounds = how if NO_WIDE else how[:2]
        text = "qc.test_short_bounds = array<i64: %s>" % ", ".join(str(v) for v in bounds)
    else:
        text = "qc.test_max_divisor_bits = %d : i64" % how
    return text + (", qc.test_no_wide_division" if NO_WIDE else "")


def all_pairs():
    pairs = list(cases()) + list(short_cases())
    if not NO_WIDE:
        return pairs
    # Per (d, form): d - 1, d and the three largest dividends.
    groups = {}
    for n, d, how in pairs:
        groups.setdefault((d, how), []).append(n)
    keep = {}
    for key, ns in groups.items():
        d = key[0]
        keep[key] = set(sorted(ns)[-3:]) | ({d - 1, d} & set(ns))
    return [(n, d, how) for n, d, how in pairs if n in keep[(d, how)]]


if sys.argv[1] == "--emit":
    pairs = all_pairs()
    print("func.func @quotients() -> (%s) {" % ", ".join(["i64"] * len(pairs)))
    for i, (n, d, how) in enumerate(pairs):
        print("  %%n%d = arith.constant %d : i64" % (i, n))
        print("  %%d%d = arith.constant %d : i64" % (i, d))
        print("  %%q%d = arith.divui %%n%d, %%d%d {%s} : i64" % (i, i, i, attribute(how)))
    print("  return %s : %s" % (", ".join("%%q%d" % i for i in range(len(pairs))),
                                ", ".join(["i64"] * len(pairs))))
    print("}")
    sys.exit(0)

text = sys.stdin.read()
constants = {m.group(1): int(m.group(2))
             for m in re.finditer(r"(%[\w]+) = arith.constant (-?\d+) : i64", text)}
ret = re.search(r"return (.*) : ", text)
operands = [v.strip() for v in ret.group(1).split(",")]
pairs = all_pairs()
assert len(operands) == len(pairs), (len(operands), len(pairs))
assert "arith.divui" not in text and "arith.muli" not in text, "not folded"
for (n, d, how), name in zip(pairs, operands):
    if name not in constants:
        raise AssertionError("n=%d d=%d: %s is not a constant" % (n, d, name))
    got = constants[name] % (1 << 64)
    if got != n // d:
        raise AssertionError("n=%d d=%d %s: %d != %d" % (n, d, attribute(how), got, n // d))
print("%d quotients equal n // d, none left unfolded" % len(pairs))
