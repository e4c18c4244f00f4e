# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# Bad input to qc.training: each case fails with a message naming the
# problem, and the command line writes no model file (an existing one is
# left as it was).
#
# CHECK: recipe: unknown key 'patern'
# CHECK: recipe: pattern 3:2 needs N < M
# CHECK: recipe: bits=5: weight bit widths are 8 or 4
# CHECK: recipe: sparsity 1.5 outside [0, 1)
# CHECK: recipe: sparsity 0.3 contradicts pattern 2:4 (0.5)
# CHECK: recipe: layer 'fc1': unknown key 'colour'
# CHECK: recipe: unknown layer 'fc3' (layers: conv1, conv2, fc)
# CHECK: recipe: layer 'conv1' (weight [8, 1, 3, 3]): 2:4 needs M = 4 to divide the innermost reduction dimension (input channels = 1)
# CHECK: recipe: layer 'conv2' (weight [16, 8, 3, 3]): 5x1 blocks do not tile the [72, 16] weight
# CHECK: recipe: pattern 2:4 fits no layer of the model
# CHECK: recipe: rank for fc1: low-rank factorization changes the graph that prepare_qat_fx traced; pass the float model
# CHECK: recipe: layer 'fc2': rank 10 is not below min(32, 10)
# CHECK: teacher outputs [2, 5] but the model outputs [2, 10]
# CHECK: feature 'fc9' is not a module of the teacher (modules: {{.*}}fc1{{.*}})
# CHECK: training data: missing inputs or labels
# CHECK: training data: no samples
# CHECK: training data: 1347 inputs but labels of shape (100,)
# CHECK: training data: inputs contain NaN or Inf
# CHECK: labels must be class indices in [0, 10) for outputs of shape [2, 10]; they span [0, 12]
# CHECK: the teacher's outputs are NaN or Inf on 1347 of 1347 training inputs
# CHECK: epoch 1, batch 0: the loss is nan (task nan, distillation nan, features 0.0); lower the learning rate (0.001)
# CHECK: cli: qc-finetune: error: recipe: unknown layer 'fc3' (layers: fc1, fc2); old.onnx unchanged
# CHECK: cli: qc-finetune: error: epoch 1, batch 0: the loss is nan {{.*}}; new.onnx not written
# CHECK: cli: qc-finetune: error: data '{{.*}}bad.npz' has no array 'y' (it has: x); new.onnx not written
# CHECK: cli: qc-finetune: error: cannot read the training data: {{.*}}missing.npz{{.*}}; new.onnx not written
# CHECK: cli: qc-finetune: error: model 'nowhere.py': no such file; new.onnx not written
import io
import os
import sys
import warnings
from contextlib import redirect_stderr

import numpy as np
import torch

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples"))

import train_digits  # noqa: E402
from qc.compression import Recipe, RecipeError  # noqa: E402
from qc.training import TrainingError, finetune, main  # noqa: E402

work = sys.argv[1]
x, _, y, _ = train_digits.data()
mlp, cnn = train_digits.load_qat("mlp"), train_digits.load_qat("cnn")
quiet = lambda _: None  # noqa: E731


def expect_error(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except (RecipeError, TrainingError) as e:
        print(e)
        return
    raise AssertionError("no error for %s %s" % (args[-1:], kwargs))


for text in ("patern=2:4", "pattern=3:2", "bits=5", "sparsity=1.5", "pattern=2:4 sparsity=0.3", "fc1.colour=red"):
    expect_error(Recipe.parse, text)
expect_error(finetune, cnn, x, y, "pattern=2:4 fc3.bits=4", epochs=0, log=quiet)
expect_error(finetune, cnn, x, y, "conv1.pattern=2:4", epochs=0, log=quiet)
expect_error(finetune, cnn, x, y, "conv2.pattern=5x1", epochs=0, log=quiet)
dw = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3))
expect_error(finetune, dw, x, y, "pattern=2:4", epochs=0, log=quiet)
expect_error(finetune, mlp, x, y, "fc1.rank=4", epochs=0, log=quiet)
float_mlp = train_digits.MLP()
expect_error(finetune, float_mlp, x, y, "fc2.rank=10", epochs=0, log=quiet)


class FiveOutputs(torch.nn.Module):
    def forward(self, inputs):
        return torch.zeros(inputs.shape[0], 5)


expect_error(finetune, mlp, x, y, "pattern=2:4", teacher=FiveOutputs(), epochs=0, log=quiet)
expect_error(finetune, mlp, x, y, "pattern=2:4", features=["fc9"], epochs=0, log=quiet)
expect_error(finetune, mlp, None, y, "pattern=2:4", epochs=0, log=quiet)
expect_error(finetune, mlp, x[:0], y[:0], "pattern=2:4", epochs=0, log=quiet)
expect_error(finetune, mlp, x, y[:100], "pattern=2:4", epochs=0, log=quiet)
bad = x.copy()
bad[3, 0, 0, 0] = np.nan
expect_error(finetune, mlp, bad, y, "pattern=2:4", epochs=0, log=quiet)
expect_error(finetune, mlp, x, np.where(y == 9, 12, y), "pattern=2:4", epochs=0, log=quiet)


class NaNTeacher(torch.nn.Module):
    def forward(self, inputs):
        return torch.full((inputs.shape[0], 10), float("nan"))


expect_error(finetune, mlp, x, y, "pattern=2:4", teacher=NaNTeacher(), epochs=1, log=quiet)


class Diverging(torch.nn.Module):
    """A float model whose outputs are NaN (a training run gone wrong)."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(64, 10)

    def forward(self, inputs):
        return torch.sqrt(self.fc(torch.flatten(inputs, 1)) - 1e3)


expect_error(finetune, Diverging(), x, y, "pattern=2:4", teacher=mlp, epochs=1, log=quiet)

# The command line: nothing written on failure.
data = os.path.join(work, "train.npz")
np.savez(data, x=x, y=y)
np.savez(os.path.join(work, "bad.npz"), x=x)
with open(os.path.join(work, "diverging.py"), "w") as f:
    f.write("import torch\n\nclass D(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = torch.nn.Linear(64, 10)\n\n    def forward(self, x):\n"
            "        return torch.sqrt(self.fc(torch.flatten(x, 1)) - 1e3)\n\ndef build():\n    return D()\n")
old = os.path.join(work, "old.onnx")
with open(old, "w") as f:
    f.write("previous model")
model = os.path.join(ROOT, "examples", "train_digits.py") + ":load_qat:mlp"
new = os.path.join(work, "new.onnx")
cases = [
    (["--model", model, "--data", data, "--recipe", "fc3.pattern=2:4", "-o", old], old),
    (["--model", os.path.join(work, "diverging.py") + ":build", "--teacher", model, "--data", data,
      "--recipe", "pattern=2:4", "--epochs", "1", "-o", new], new),
    (["--model", model, "--data", os.path.join(work, "bad.npz"), "-o", new], new),
    (["--model", model, "--data", os.path.join(work, "missing.npz"), "-o", new], new),
    (["--model", "nowhere.py", "--data", data, "-o", new], new),
]
for argv, out in cases:
    err = io.StringIO()
    with redirect_stderr(err):
        rc = main(argv)
    assert rc == 1, argv
    if out == old:
        with open(old) as f:
            assert f.read() == "previous model"
        state = "old.onnx unchanged"
    else:
        assert not os.path.exists(new)
        state = "new.onnx not written"
    assert not [n for n in os.listdir(work) if n.startswith("tmp")], os.listdir(work)
    print("cli: %s; %s" % (err.getvalue().strip().splitlines()[-1], state))
