"""check_digits_run.py NAME Y.npy: the compiled digits model (qc-run output)
against torch's QAT model on the same inputs.

The integer model differs from the float fake-quant model only by the
requantization rounding of the fixed-point multipliers (docs/Numerics.md),
so at most one output step apart, on few elements, with the same argmax
almost everywhere. Exits non-zero otherwise."""
import os
import sys

import numpy as np

name, ypath = sys.argv[1], sys.argv[2]
examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples")
sys.path.insert(0, os.path.join(examples, "..", "python"))
from qc.importers.onnx import import_model  # noqa: E402

qat = np.load(os.path.join(examples, "digits_%s_float.npy" % name))
labels = np.load(os.path.join(examples, "digits_test_y.npy"))
graph = import_model(os.path.join(examples, "digits_%s.onnx" % name), batch=len(qat))
step = float(graph.nodes[-1].attrs["qparams"].scale[0])
y = np.load(ypath)
assert y.shape == qat.shape and y.dtype == np.float32, (y.shape, y.dtype)
lsb = np.rint(np.abs(y.astype(np.float64) - qat) / step)
exact = float(np.mean(lsb == 0))
agree = float(np.mean(y.argmax(1) == qat.argmax(1)))
print("%s: exact %.2f%%, max %d LSB, argmax agreement %.2f%%, accuracy %.2f%%" % (
    name, 100 * exact, lsb.max(), 100 * agree, 100 * float(np.mean(y.argmax(1) == labels))))
assert lsb.max() <= 1, "more than one output step from the QAT model"
assert exact >= 0.95, "fewer than 95% of the outputs equal the QAT model's"
assert agree >= 0.99, "argmax differs from the QAT model on more than 1% of the inputs"
