"""The C program's job from Python: qc.load runs the compiled libraries (and
the Vulkan bundle of the static layer), and each equals what qc.compile's
JIT computes from the IR, bit for bit."""
import os
import sys

import numpy as np

import qc

out, inputs = sys.argv[1], os.path.dirname(os.path.abspath(__file__))
x = ((np.arange(37 * 4) % 7 - 3) / 4).astype(np.float32)
tiny, layer = qc.load(os.path.join(out, "tiny.so")), qc.load(os.path.join(out, "layer.so"))
jit_tiny = qc.compile(open(os.path.join(inputs, "tiny-dynamic.mlir")).read())
jit_layer = qc.compile(open(os.path.join(inputs, "layer.mlir")).read())
bundle = qc.load(os.path.join(out, "layer.qcvk"))
print(tiny, file=sys.stderr)
print(bundle, file=sys.stderr)


def show(what, y):
    print("%s: %s" % (what, " ".join("%.9g" % v for v in y.ravel())))


for batch in (1, 37):
    y = tiny(x[:batch * 4].reshape(batch, 4))
    assert np.array_equal(y, jit_tiny(x[:batch * 4].reshape(batch, 4))), batch
    show("tiny batch %d" % batch, y)
z = layer(x[:8].reshape(2, 4))
assert np.array_equal(z, jit_layer(x[:8].reshape(2, 4)))
assert np.array_equal(z, bundle(x[:8].reshape(2, 4)))
show("layer", z)
