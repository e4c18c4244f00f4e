"""Sub-byte and odd-width quantized storage (i2, i4, u4, i12) end to end.

qc-run exchanges whole-byte tensors only, so the narrow types live inside
each function: i8/i16 inputs are requantized to iN, reshaped, transposed or
multiplied by constant iN weights, and requantized back. Every case runs
through `qc-run --target=T` and must equal python/qc/reference.py bit for
bit. --qc-widen-narrow-integers stores iN as i8/i16 in both pipelines
(docs/Numerics.md, "Storage of narrow types"); before it, i4 intermediates
were read with two layouts on the CPU (fuzz/regressions/differential/cpu-i4-vector-scalar-
layout.mlir) and Vulkan refused i4/i12 constants.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lowering_cases import Case, QType, conv2d_case, matmul_case  # noqa: E402
from qc import reference as ref  # noqa: E402
from qc_run_case import run_case  # noqa: E402


def requantized(x, xq, yq):
    """qc.requantize (per tensor, double rounding) of codes `x`."""
    mult, shift = ref.quantize_multiplier(xq.scales[0] / yq.scales[0])
    r = ref.apply_multiplier(x - xq.zps[0], mult, shift, ref.DOUBLE_ROUND)
    return np.clip(r + yq.zps[0], yq.qmin, yq.qmax)


def chain_case(name, rng, shape, outer, narrow):
    """outer -> narrow -> reshape -> transpose -> outer: the narrow tensor is
    written by one loop nest and read by another with other shapes."""
    c = Case(name)
    x = outer.random(rng, shape)
    rows, cols = shape
    c.body += [
        "%%n = qc.requantize %s : %s -> %s" % (c.arg(x, outer), outer.tensor(shape),
                                                narrow.tensor(shape)),
        "%%s = qc.reshape %%n : %s -> %s" % (narrow.tensor(shape),
                                             narrow.tensor((cols, rows))),
        "%%t = qc.transpose %%s [1, 0] : %s -> %s" % (narrow.tensor((cols, rows)),
                                                     narrow.tensor((rows, cols))),
        "%%r = qc.requantize %%t : %s -> %s" % (narrow.tensor((rows, cols)),
                                               outer.tensor((rows, cols))),
    ]
    n = requantized(x, outer, narrow)
    t = n.reshape(cols, rows).T
    c.expected = requantized(t, narrow, outer)
    c.result = (outer, (rows, cols))
    return c


def all_cases(seed):
    rng = np.random.default_rng(seed)
    i8 = QType(0.05, 3)
    i16 = QType(0.001, -7, bits=16)
    narrow = {
        "i2": QType(0.4, -1, bits=2),
        "i4": QType(0.3, 1, bits=4),
        "u4": QType(0.3, 9, bits=4, signed=False),
        "i12": QType(0.004, 5, bits=12),
    }
    cases = []
    for name, q in narrow.items():
        outer = i16 if q.bits > 8 else i8
        cases.append(chain_case("chain_" + name, rng, (7, 3), outer, q))
        cases.append(chain_case("chain_" + name + "_long", rng, (9, 37), outer, q))
    # Constant weights of each width, per tensor and per output channel.
    y = QType(0.5, -2)
    for name, w in [("i2", QType(0.3, 0, bits=2)), ("i4", QType(0.05, 1, bits=4)),
                    ("i4_pc", QType(rng.uniform(0.02, 0.08, 5), 0, bits=4, axis=1)),
                    ("u4", QType(0.05, 8, bits=4, signed=False)),
                    ("i12", QType(0.0005, 3, bits=12))]:
        cases.append(matmul_case("mm_const_" + name, rng, 6, 19, 5, i8, w, y,
                                 const_weights=True))
    cases.append(conv2d_case("conv_const_i4", rng, (1, 6, 5, 3), (3, 3, 3, 4), i8,
                             QType(0.05, 0, bits=4), y, padding=(1, 1, 1, 1),
                             const_weights=True))
    cases.append(conv2d_case("conv_const_i12_dw", rng, (1, 6, 5, 3), (3, 3, 1, 3), i8,
                             QType(0.0005, -2, bits=12), y, groups=3, const_weights=True))
    return cases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qc-run", required=True)
    parser.add_argument("--target", required=True, choices=["cpu", "vulkan"])
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pipeline-options", default=None)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    failures = []
    cases = all_cases(args.seed)
    for case in cases:
        base = os.path.join(args.work_dir, case.name)
        with open(base + ".mlir", "w") as f:
            f.write(case.func_text() + "\n")
        got, error = run_case(args.qc_run, args.target, base + ".mlir", case, base,
                              args.pipeline_options)
        if error:
            failures.append(error)
            continue
        want = case.storage_expected()
        if got.dtype != want.dtype or got.tobytes() != np.ascontiguousarray(want).tobytes():
            failures.append("%s: output differs from the reference\n  got  %s\n  want %s" % (
                case.name, got.ravel()[:16], want.ravel()[:16]))
    for f in failures:
        print("MISMATCH " + f)
    if failures:
        sys.exit("%d of %d cases failed on %s" % (len(failures), len(cases), args.target))
    print("all %d narrow-storage cases bit-exact on %s" % (len(cases), args.target))


if __name__ == "__main__":
    main()
