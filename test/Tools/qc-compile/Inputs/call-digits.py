"""call-digits.c's job from Python: qc.compile of the same ONNX file (no
entry named) runs @digits_mlp, and qc.load of the library qc-compile wrote
equals it bit for bit. Also writes a batch of 5 and its result for qc-run."""
import os
import sys

import numpy as np

import qc

out = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..")
x = (((np.arange(37 * 64) * 7) % 17) / 16).astype(np.float32).reshape(37, 1, 8, 8)
jit = qc.compile(os.path.join(root, "examples", "digits_mlp.onnx"), batch=None)
loaded = qc.load(os.path.join(out, "libclassifier.so"))
assert "@digits_mlp" in repr(jit), repr(jit)
for batch in (1, 37):
    y = jit(x[:batch])
    assert np.array_equal(y, loaded(x[:batch])), batch
    print("batch %d: %s" % (batch, " ".join("%.9g" % v for v in y.ravel())))
np.save(os.path.join(out, "x5.npy"), x[:5])
np.save(os.path.join(out, "jit5.npy"), jit(x[:5]))
