#!/usr/bin/python3
"""Writes small_cnn.mlir: a QAT CNN with every contraction form the tiled
Vulkan kernels handle (3-channel stem conv read by elements, 3x3 convs with
stride 1 and 2 read by 32-bit words, a depthwise conv, 1x1 convs, a residual
add, max and average pooling, a fully connected layer), random weights with a
fixed seed, through torch FX QAT -> ONNX QDQ -> qc.importers.onnx ->
qc-opt --qc-fold-fake-quant.

usage: make_small_cnn.py QC_OPT OUT.mlir   (PYTHONPATH=python)
"""
import os
import subprocess
import sys
import tempfile

import torch
import torch.fx.experimental.optimization as fx_opt
from torch import nn
from torch.ao.quantization import get_default_qat_qconfig_mapping
from torch.ao.quantization.quantize_fx import prepare_qat_fx

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 4)
sys.path.insert(0, os.path.join(ROOT, "python"))
from qc.onnx_export import freeze_fake_quant  # noqa: E402


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.dw = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.BatchNorm2d(16),
                                nn.ReLU6())
        self.pw = nn.Sequential(nn.Conv2d(16, 24, 1), nn.BatchNorm2d(24))
        self.skip = nn.Conv2d(16, 24, 1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(24, 12)

    def forward(self, x):
        x = self.down(self.stem(x))
        x = torch.relu(self.pw(self.dw(x)) + self.skip(x))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(self.pool(x), 1), 1)
        return self.fc(x)


def main():
    qc_opt, out = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    model = SmallCNN().train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(4, 3, 16, 16))
    model = fx_opt.fuse(model.eval())
    example = torch.randn(1, 3, 16, 16)
    qat = prepare_qat_fx(model.train(), get_default_qat_qconfig_mapping("fbgemm"), (example,))
    with torch.no_grad():
        for _ in range(4):
            qat(torch.randn(2, 3, 16, 16))
    qat.apply(torch.ao.quantization.disable_observer)
    qat.eval()
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "small_cnn.onnx")
        torch.onnx.export(freeze_fake_quant(qat), (example,), onnx_path, opset_version=13,
                          input_names=["x"], output_names=["y"], do_constant_folding=True)
        imported = os.path.join(tmp, "small_cnn.imported.mlir")
        subprocess.run([sys.executable, "-m", "qc.importers.onnx", onnx_path, "-o", imported],
                       check=True)
        subprocess.run([qc_opt, imported, "--qc-fold-fake-quant", "-o", out], check=True)


if __name__ == "__main__":
    main()
