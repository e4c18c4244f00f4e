"""Checks python/qc/reference.py against the values printed by qc-numerics-check.

Also checks both against exact rational arithmetic: double_round is within one
unit of x*M and single_round is exactly round-half-up of x*m*2^(e-31)."""
import sys
from fractions import Fraction

import numpy as np

from qc import reference as ref

rows = [line.split() for line in open(sys.argv[1])]
assert len(rows) > 1000, "too few values printed"
bad = 0
for real_s, m_s, e_s, x_s, d_s, s_s in rows:
    real, m, e, x, d, s = float(real_s), int(m_s), int(e_s), int(x_s), int(d_s), int(s_s)
    if ref.quantize_multiplier(real) != (m, e):
        print("quantize_multiplier(%r): reference %r, C++ %r" % (real, ref.quantize_multiplier(real), (m, e)))
        bad += 1
        continue
    rd = int(ref.apply_multiplier(np.int64(x), m, e, ref.DOUBLE_ROUND))
    rs = int(ref.apply_multiplier(np.int64(x), m, e, ref.SINGLE_ROUND))
    if (rd, rs) != (d, s):
        print("x=%d M=%r: reference (%d, %d), C++ (%d, %d)" % (x, real, rd, rs, d, s))
        bad += 1
    exact = Fraction(x) * m * Fraction(2) ** (e - 31)
    half_up = (exact + Fraction(1, 2)).__floor__()
    half_up = max(ref.INT32_MIN, min(ref.INT32_MAX, half_up))
    if s != half_up:
        print("single_round x=%d M=%r: %d, exact half-up %d" % (x, real, s, half_up))
        bad += 1
    # double_round is exact up to its two roundings, unless the left shift wrapped.
    if e <= 0 or abs(x) < 2 ** (31 - e):
        if abs(Fraction(d) - exact) > 1:
            print("double_round x=%d M=%r: %d too far from %s" % (x, real, d, float(exact)))
            bad += 1
print("%d values, %d mismatches" % (len(rows), bad))
sys.exit(1 if bad else 0)
