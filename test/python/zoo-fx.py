# The PyTorch FX importer on the zoo's FX QAT models (prepare_qat_fx, fbgemm):
# VGG16 (narrowed) and the BERT encoder layer (batched Q.K^T, softmax,
# LayerNorm, GELU, residual adds) import and the imported graph reproduces
# torch's QAT forward: bit for bit except where torch's x * (1/s) and qc's
# x / s round a quotient within one ulp of a tie differently
# (docs/Importers.md): at most one output step.
# (resnet18 / mobilenet use torchvision's eager quantizable models; the FX
# importer's ConvBn folding is tested on small models in torch-import.py.)
#
# RUN: %python %s | FileCheck %s
# CHECK: vgg16: FX import ~ torch QAT forward
# CHECK: bert_layer: FX import ~ torch QAT forward
import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "zoo"))
from export import qat_model  # noqa: E402
from models import input_shape, random_inputs  # noqa: E402

from qc.importers.torch import import_fx  # noqa: E402

warnings.simplefilter("ignore")
torch.set_num_threads(1)
for name in ("vgg16", "bert_layer"):
    model = qat_model(name, "test")
    graph = import_fx(model, [input_shape(name, "test", 4)])
    x = random_inputs(name, "test", 4, 11)
    with torch.no_grad():
        want = model(x).numpy()
    got = graph.evaluate([x.numpy()])[0]
    step = float([n for n in graph.nodes if n.op == "fake_quant"][-1].attrs["qparams"].scale[0])
    diff = np.abs(got.astype(np.float64) - want) / step
    assert got.shape == want.shape and diff.max() <= 1 + 1e-6, (name, diff.max())
    ops = sorted({n.op for n in graph.nodes})
    print("%s: FX import ~ torch QAT forward: %.2f %% bit-exact, max %d step (%s)" % (
        name, 100 * np.mean(diff < 0.5), round(diff.max()), ", ".join(ops)))
