#!/usr/bin/python3
"""Trains a small MLP and a small CNN on scikit-learn's digits with QAT.

Deterministic (fixed seeds, one thread). Writes next to this script:

  digits_{mlp,cnn}.onnx        the QAT model exported to ONNX QDQ (opset 13):
                               every torch fake quantization becomes a
                               QuantizeLinear/DequantizeLinear pair
  digits_{mlp,cnn}_qat.pth     state_dict of the FX QAT GraphModule (observers
                               frozen); load_qat(name, dir) rebuilds it: the
                               input of qc.importers.torch
  digits_{mlp,cnn}_float.npy   outputs (logits) of the float QAT model
                               (fake quantization enabled) on the test inputs
  digits_{mlp,cnn}_int8.npy    outputs of torch's own int8 model (convert_fx)
  digits_{mlp,cnn}_fp32.onnx   the float model before QAT (for qc.calibration)
  digits_test_x.npy, digits_test_y.npy   the test inputs [N, 1, 8, 8] and labels
  digits_calib_x.npy           64 training inputs for calibration
  digits_accuracy.json         the accuracies recorded in README.md

Usage: /usr/bin/python3 examples/train_digits.py [--out DIR]
"""
import argparse
import copy
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.ao.quantization import get_default_qat_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_qat_fx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from qc.onnx_export import freeze_fake_quant  # noqa: E402

N_TEST = 256  # test inputs saved (the whole split is used for accuracy)
N_CALIB = 64  # training inputs saved for post-training calibration


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc2(self.relu(self.fc1(x)))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(self.relu1(self.conv1(x)))
        x = self.relu2(self.conv2(x))
        return self.fc(torch.flatten(x, 1))


def data():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)


def train(model, x, y, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()


def logits(model, x):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def accuracy(out, y):
    return float((out.argmax(1) == y).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(1)
    engine = "onednn" if "onednn" in torch.backends.quantized.supported_engines else "qnnpack"
    torch.backends.quantized.engine = engine
    xtr, xte, ytr, yte = data()
    report = {"engine": engine, "qconfig": "get_default_qat_qconfig_mapping('fbgemm')",
              "n_train": len(xtr), "n_test": len(xte)}
    np.save(os.path.join(args.out, "digits_test_x.npy"), xte[:N_TEST])
    np.save(os.path.join(args.out, "digits_test_y.npy"), yte[:N_TEST])
    np.save(os.path.join(args.out, "digits_calib_x.npy"), xtr[:N_CALIB])
    for name, cls, epochs in (("mlp", MLP, 15), ("cnn", CNN, 15)):
        torch.manual_seed(1)
        model = cls()
        train(model, xtr, ytr, epochs, 3e-3)
        float_acc = accuracy(logits(model, xte), yte)
        example = (torch.from_numpy(xte[:1]),)
        torch.onnx.export(copy.deepcopy(model).eval(), example,
                          os.path.join(args.out, "digits_%s_fp32.onnx" % name), opset_version=13,
                          input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
        qat = prepare(copy.deepcopy(model))
        train(qat, xtr, ytr, 4, 5e-4)
        qat.apply(torch.ao.quantization.disable_observer)
        qat.eval()
        qat_out = logits(qat, xte)
        int8 = convert_fx(copy.deepcopy(qat))
        int8_out = logits(int8, xte)
        report[name] = {
            "float_accuracy": float_acc,
            "qat_fake_quant_accuracy": accuracy(qat_out, yte),
            "torch_int8_accuracy": accuracy(int8_out, yte),
            "torch_int8_vs_qat_argmax_agreement": float((int8_out.argmax(1) == qat_out.argmax(1)).mean()),
        }
        np.save(os.path.join(args.out, "digits_%s_float.npy" % name), qat_out[:N_TEST])
        np.save(os.path.join(args.out, "digits_%s_int8.npy" % name), int8_out[:N_TEST])
        torch.save(qat.state_dict(), os.path.join(args.out, "digits_%s_qat.pth" % name))
        export_onnx(qat, example, os.path.join(args.out, "digits_%s.onnx" % name))
        print(name, json.dumps(report[name]), flush=True)
    with open(os.path.join(args.out, "digits_accuracy.json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
        f.write("\n")


MODELS = {"mlp": MLP, "cnn": CNN}


def prepare(model):
    example = (torch.zeros(1, 1, 8, 8),)
    return prepare_qat_fx(model.train(), get_default_qat_qconfig_mapping("fbgemm"), example)


def load_qat(name, directory=os.path.dirname(os.path.abspath(__file__))):
    """The trained FX QAT GraphModule, in eval mode with observers disabled."""
    qat = prepare(MODELS[name]())
    qat.load_state_dict(torch.load(os.path.join(directory, "digits_%s_qat.pth" % name)))
    qat.apply(torch.ao.quantization.disable_observer)
    return qat.eval()


def export_onnx(qat, example, path):
    """QAT model -> ONNX QDQ. torch exports each fake quantization as a
    QuantizeLinear/DequantizeLinear pair (per-channel weights need opset 13)."""
    model = freeze_fake_quant(qat)
    torch.onnx.export(model, example, path, opset_version=13, input_names=["x"],
                      output_names=["logits"], do_constant_folding=True,
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})


if __name__ == "__main__":
    sys.exit(main())
