# The committed digits examples: both importers reproduce torch's QAT model
# bit for bit on the saved test inputs (examples/digits_*_float.npy), and
# --qc-fold-fake-quant turns the imported models into integer qc ops with no
# float linalg left.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
# RUN: qc-opt %t/digits_mlp.mlir --qc-fold-fake-quant | FileCheck %s --check-prefix=MLP
# RUN: qc-opt %t/digits_cnn.mlir --qc-fold-fake-quant | FileCheck %s --check-prefix=CNN
# RUN: qc-opt %t/digits_cnn_fx.mlir --qc-fold-fake-quant | FileCheck %s --check-prefix=CNN
#
# Compiled for the CPU and run on the 256 test inputs: within one output step
# of torch's QAT model (Inputs/check_digits_run.py).
# RUN: qc-opt %t/digits_mlp_b256.mlir --qc-fold-fake-quant -o %t/mlp.folded.mlir
# RUN: qc-run --target=cpu %t/mlp.folded.mlir --input %t/x.npy --output %t/y_mlp.npy
# RUN: %python %S/Inputs/check_digits_run.py mlp %t/y_mlp.npy
# (digits_cnn on the CPU: digits-cnn-cpu.py.)
#
# MLP-LABEL: func.func @digits_mlp(%arg0: tensor<1x1x8x8xf32>) -> tensor<1x10xf32>
# MLP:       qc.quantize %arg0 {{.*}} -> tensor<1x1x8x8x!quant.uniform<u8<0:127>:f32
# MLP:       qc.matmul
# MLP:       qc.matmul
# MLP:       qc.dequantize
# MLP-NOT:   linalg.
#
# CNN-LABEL: func.func @{{digits_cnn|model}}(%arg0: tensor<1x1x8x8xf32>) -> tensor<1x10xf32>
# CNN:       qc.quantize %arg0
# CNN:       qc.conv2d
# CNN:       qc.max_pool2d
# CNN:       qc.conv2d
# CNN:       qc.matmul
# CNN:       qc.dequantize
# CNN-NOT:   linalg.
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
examples = os.path.join(root, "examples")
sys.path.insert(0, examples)
out = sys.argv[1]

from qc.importers.onnx import import_model  # noqa: E402
from qc.importers.torch import import_fx  # noqa: E402
import train_digits  # noqa: E402

x = np.load(os.path.join(examples, "digits_test_x.npy"))
np.save(os.path.join(out, "x.npy"), x)
for name in ("mlp", "cnn"):
    want = np.load(os.path.join(examples, "digits_%s_float.npy" % name))
    onnx_graph = import_model(os.path.join(examples, "digits_%s.onnx" % name), batch=len(x))
    got = onnx_graph.evaluate([x])[0]
    assert np.array_equal(got, want), "%s (ONNX): %d outputs differ" % (name, int((got != want).sum()))
    fx_graph = import_fx(train_digits.load_qat(name, examples), [x.shape])
    # Entries are named after the model: the ONNX file's stem; prepare_qat_fx
    # keeps no class name, so the FX import takes the fallback.
    assert (onnx_graph.name, fx_graph.name) == ("digits_" + name, "model"), (onnx_graph.name, fx_graph.name)
    got = fx_graph.evaluate([x])[0]
    assert np.array_equal(got, want), "%s (FX): %d outputs differ" % (name, int((got != want).sum()))
    with open(os.path.join(out, "digits_%s_b256.mlir" % name), "w") as f:
        f.write(onnx_graph.to_mlir())
    with open(os.path.join(out, "digits_%s.mlir" % name), "w") as f:
        f.write(import_model(os.path.join(examples, "digits_%s.onnx" % name)).to_mlir())
    with open(os.path.join(out, "digits_%s_fx.mlir" % name), "w") as f:
        f.write(import_fx(train_digits.load_qat(name, examples), [(1, 1, 8, 8)]).to_mlir())
