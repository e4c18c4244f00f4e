# RUN: %python %s | FileCheck %s
# qc.training on a float model (prepared with prepare_qat_fx inside), with
# a low-rank factor, clusters and 2:4 pruning together, and intermediate
# feature distillation:
# * the factors start as --qc-low-rank's truncated SVD (the relative error
#   is the Eckart-Young bound of the dropped singular values);
# * after training every layer's kept weights take at most `clusters`
#   values, and its pruned ones are 0;
# * exported, imported and compiled by qc (single_round) it is within one
#   output step of torch's fake-quant model, with the same argmax.
#
# CHECK: fc1 -> fc1.u [8, 64], fc1.v [32, 8]: relative error {{.*}} == optimal
# CHECK: fc1.u: 256 of 512 pruned, 8 values
# CHECK: fc1.v: 128 of 256 pruned, 8 values
# CHECK: fc2: 160 of 320 pruned, 8 values
# CHECK: feature distillation: loss decreases
# CHECK: compiled: max 0 step, argmax agreement 100.00%
import os
import sys
import tempfile
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples"))

import qc  # noqa: E402
import train_digits  # noqa: E402
from qc.compression import Layout, factorize  # noqa: E402
from qc.importers.onnx import import_model  # noqa: E402
from qc.training import export_onnx, finetune, predict  # noqa: E402

x_train, _, y_train, _ = train_digits.data()
x = np.ascontiguousarray(np.load(os.path.join(ROOT, "examples", "digits_test_x.npy")))
qat = train_digits.load_qat("mlp")
model = train_digits.MLP()
model.load_state_dict({k: v for k, v in qat.state_dict().items() if k in model.state_dict()})

w = model.fc1.weight.detach().numpy().astype(np.float64)
low = factorize(model.fc1, 8, Layout("fc1", model.fc1))
approx = (low.v.weight.detach().numpy().astype(np.float64) @ low.u.weight.detach().numpy().astype(np.float64))
s = np.linalg.svd(w, compute_uv=False)
error, optimal = np.linalg.norm(w - approx) / np.linalg.norm(w), np.sqrt(np.sum(s[8:] ** 2) / np.sum(s ** 2))
assert abs(error - optimal) < 1e-6, (error, optimal)
print("fc1 -> fc1.u %s, fc1.v %s: relative error %.6f == optimal" % (
    list(low.u.weight.shape), list(low.v.weight.shape), error))

result = finetune(model, x_train, y_train, "pattern=2:4 clusters=8 fc1.rank=8", epochs=3, log=lambda _: None)
modules = dict(result.model.named_modules())
for name in ("fc1.u", "fc1.v", "fc2"):
    weight, keep = modules[name].weight.detach(), result.masks[name]
    assert torch.all(weight[~keep] == 0), name
    values = torch.unique(weight[keep])
    assert len(values) <= 8, (name, values)
    print("%s: %d of %d pruned, %d values" % (name, int((~keep).sum()), keep.numel(), len(values)))

history = finetune(qat, x_train, y_train, "pattern=2:4", features=["fc1"], feature_weight=0.5, epochs=3,
                   log=lambda _: None).history
assert history[-1]["loss"] < history[1]["loss"], history
print("feature distillation: loss decreases")

with tempfile.TemporaryDirectory() as work:
    path = export_onnx(result.model, os.path.join(work, "m.onnx"), x[:1])
    graph = import_model(path, batch=len(x))
y = qc.compile(graph, target="cpu", pipeline="qc-fold-fake-quant{profile=single_round}")(x)
ref = predict(result.model, x)
step = float(graph.nodes[-1].attrs["qparams"].scale[0])
lsb = np.rint(np.abs(y.astype(np.float64) - ref) / step)
agree = 100.0 * float(np.mean(y.argmax(1) == ref.argmax(1)))
assert lsb.max() <= 1 and agree == 100.0, (lsb.max(), agree)
print("compiled: max %d step, argmax agreement %.2f%%" % (lsb.max(), agree))
