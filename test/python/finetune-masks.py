# RUN: %python %s
# The masks qc.training holds fixed are the weights --qc-prune would zero:
# for the digits QAT models, each pattern and both scopes, the zeros of the
# compressed (not yet trained) model equal the zeros qc-opt --qc-prune leaves
# in the imported model, weight by weight (python/qc/prune.py is the numpy
# statement of the rule, test/python/prune_reference.py checks qc-opt
# against it). A model-wide pattern that does not fit a layer (2:4 on conv1,
# one input channel) leaves it dense in both.
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples"))

import train_digits  # noqa: E402
from qc.compression import Layout  # noqa: E402
from qc.importers.torch import import_fx  # noqa: E402
from qc.training import finetune  # noqa: E402

CONST = re.compile(r"arith\.constant dense<(.*?)> : tensor<([0-9x]+)xf32>")
x_train, _, y_train, _ = train_digits.data()
CASES = [
    ("pattern=2:4", "pattern=2:4"),
    ("pattern=unstructured sparsity=0.75", "pattern=unstructured sparsity=0.75"),
    ("pattern=unstructured sparsity=0.6 scope=global", "pattern=unstructured sparsity=0.6 scope=global"),
    ("pattern=channel sparsity=0.5", "pattern=channel sparsity=0.5"),
    ("pattern=4x1 sparsity=0.5", "pattern=4x1 sparsity=0.5"),
    ("pattern=1:4", "pattern=1:4"),
]


def constants(text):
    """{shape: array} of the float constants of imported MLIR (the weights
    have distinct shapes in both digits models)."""
    out = {}
    for body, shape in CONST.findall(text):
        shape = tuple(int(d) for d in shape.split("x"))
        value = np.array(eval(body), dtype=np.float64)
        out[shape] = np.broadcast_to(value, shape) if value.ndim == 0 else value.reshape(shape)
    return out


failures = 0
for name in ("mlp", "cnn"):
    qat = train_digits.load_qat(name)
    text = import_fx(qat, [(1, 1, 8, 8)]).to_mlir()
    for recipe, options in CASES:
        r = subprocess.run(["qc-opt", "--qc-prune=" + options, "--mlir-print-elementsattrs-with-hex-if-larger=-1"],
                           input=text, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        pruned = constants(r.stdout)
        notes = []
        result = finetune(qat, x_train, y_train, recipe, epochs=0, log=notes.append)
        modules = dict(result.model.named_modules())
        for layer in ("fc1", "fc2") if name == "mlp" else ("conv1", "conv2", "fc"):
            layout = Layout(layer, modules[layer])
            got = layout.to_qc(modules[layer].weight.detach().numpy()) == 0
            want = pruned[got.shape] == 0
            if not np.array_equal(got, want):
                print("FAIL digits_%s %s: %s: %d zeros, qc-opt %d, %d positions differ" % (
                    name, recipe, layer, got.sum(), want.sum(), (got != want).sum()))
                failures += 1
            if layer in result.masks and not np.array_equal(~result.masks[layer].numpy(), layout.from_qc(got)):
                print("FAIL digits_%s %s: %s: the mask is not the weight's zeros" % (name, recipe, layer))
                failures += 1
        if name == "cnn" and ":" in recipe:
            assert any("'conv1'" in n and "not pruned" in n for n in notes), notes
        print("digits_%s %s: masks == qc-opt --qc-prune=%s" % (name, recipe, options))
print("finetune masks: %d failures" % failures)
sys.exit(1 if failures else 0)
