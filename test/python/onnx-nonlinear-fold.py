# The nonlinear operators through the fold: each model of
# onnx-nonlinear-import.py, folded, must compile integer-only and run on the
# CPU within one step of the fake-quant graph.
# XFAIL: *
# (Needs the integer forms of the nonlinear graph ops and of the global
# average pool divisor from the `nonlinear` branch's --qc-fold-fake-quant;
# the float forms fold to float islands, and linalg.softmax does not lower in
# qc-cpu-pipeline yet.)
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from onnx_nonlinear_models import models  # noqa: E402
from onnx_op_models import check  # noqa: E402

failed = []
for model, _ in models():
    try:
        print(check(model, sys.argv[1], integer_only=True))
    except (AssertionError, Exception) as e:  # every op is tried; the test fails if any did
        failed.append(model.graph.name)
        print("%s: FAILED %s" % (model.graph.name, str(e)[:300]))
assert not failed, "not integer-only through the fold: %s" % ", ".join(failed)
