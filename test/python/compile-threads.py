# qc.compile(threads=N): the kernels' cases (test/Integration/Inputs/
# lowering_cases.py, names k_*: odd shapes, zero points != 0, per-channel,
# saturation, convolutions) compiled for 1 and for 2 threads give the
# reference's bytes, and the same bytes at both counts; bad counts and
# threads for Vulkan are refused.
#
# RUN: %python %s | FileCheck %s
# CHECK: threads 1 and 2: 11 kernel cases bit-exact and identical
# CHECK: threads=0: threads must be at least 1, not 0
# CHECK: vulkan: threads= applies to the cpu target only
import os
import sys

import numpy as np

import qc

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "Integration", "Inputs"))
import lowering_cases  # noqa: E402

cases = [c for c in lowering_cases.all_cases(0) if c.name.startswith("k_")]
for case in cases:
    want = np.ascontiguousarray(case.storage_expected()).tobytes()
    outputs = {}
    for threads in (1, 2):
        run = qc.compile(case.func_text(), pipeline=None, entry=case.name, threads=threads)
        outputs[threads] = run(*case.storage_inputs()).tobytes()
        assert outputs[threads] == want, "%s, %d threads: differs from the reference" % (case.name, threads)
    assert outputs[1] == outputs[2]
print("threads 1 and 2: %d kernel cases bit-exact and identical" % len(cases))


def expect(what, call):
    try:
        call()
    except ValueError as e:
        print("%s: %s" % (what, e))
        return
    raise AssertionError(what + ": no ValueError")


text = cases[0].func_text()
expect("threads=0", lambda: qc.compile(text, pipeline=None, entry=cases[0].name, threads=0))
expect("vulkan", lambda: qc.compile(text, pipeline=None, entry=cases[0].name, target="vulkan", threads=2))
