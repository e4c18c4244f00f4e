# The PyTorch FX QAT importer: models prepared with prepare_qat_fx (fbgemm
# QAT qconfig: activations quint8 0..127 (reduce_range), weights qint8
# per-channel symmetric), observers run on random data and then frozen. The
# imported graph is verified by qc-opt and evaluated against torch's own
# forward pass (the fake-quantized QAT model).
#
# RUN: %python %s | FileCheck %s
#
# CHECK: mlp_linear_relu: ok
# CHECK: cnn_conv_relu_pool: ok
# CHECK: residual_add_cat_depthwise: ok
# CHECK: conv_bn_relu: ok
# CHECK: conv_bn_stride: ok
# CHECK: linear_bn: ok
# CHECK: linear_bn_no_bias: ok
# CHECK: functional_se: ok
# CHECK: ir_mlp
# CHECK: qc.fake_quant %arg0 to !quant.uniform<u8<0:127>:f32,
# CHECK: qc.fake_quant %{{.*}} to !quant.uniform<i8:f32:1, {
# CHECK: linalg.matmul
# CHECK: arith.maximumf
# CHECK: ir_cnn
# CHECK: !quant.uniform<i8:f32:3, {
# CHECK: linalg.conv_2d_nhwc_hwcf
# CHECK: linalg.pooling_nhwc_max
# CHECK: errors
# CHECK-NEXT: FX node 'exp' (call_function exp): unsupported function exp
# CHECK-NEXT: FX node 'conv' (call_module conv): ConvBnReLU2d in training mode: call .eval()
import copy
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
from torch.ao.quantization import get_default_qat_qconfig_mapping
from torch.ao.quantization.quantize_fx import prepare_qat_fx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import compare, qc_opt  # noqa: E402

from qc.importers.common import ImportError_  # noqa: E402
from qc.importers.torch import import_fx  # noqa: E402

warnings.filterwarnings("ignore")
torch.manual_seed(0)
torch.set_num_threads(1)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.relu, self.fc2 = nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 6, 3, padding=1, stride=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 4, 3, padding=(0, 1), dilation=1, stride=(1, 2))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = nn.functional.relu(self.conv2(x))
        return self.fc(torch.flatten(self.gap(x), 1))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.dw = nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.relu = nn.ReLU()

    def forward(self, x):
        y = self.relu(self.conv(x))
        z = self.dw(x) + y
        return torch.cat([z, y], dim=1).reshape(-1, 200)


def prepared(model, shape):
    example = (torch.randn(*shape),)
    qat = prepare_qat_fx(model.train(), get_default_qat_qconfig_mapping("fbgemm"), example)
    with torch.no_grad():
        for _ in range(8):
            qat(torch.randn(*shape) * 2)
    qat.apply(torch.ao.quantization.disable_observer)
    return qat.eval()


def check(name, model, shape):
    qat = prepared(model, shape)
    graph = import_fx(qat, [shape])
    text = graph.to_mlir()
    qc_opt(text)
    x = torch.randn(*shape) * 2
    with torch.no_grad():
        want = qat(x).numpy()
    got = graph.evaluate([x.numpy()])[0]
    step = float(graph.nodes[-1].attrs["qparams"].scale[0]) if graph.nodes[-1].op == "fake_quant" else None
    if step is None:  # the last op is a reshape of a fake-quantized value
        step = float([n for n in graph.nodes if n.op == "fake_quant"][-1].attrs["qparams"].scale[0])
    compare(name, got, want, step)
    return text


# QAT ConvBn2d / ConvBnReLU2d (prepare_qat_fx fuses Conv + BatchNorm): the
# batch norm folds into the convolution's weight scales and bias.
class WithBN(nn.Module):
    def __init__(self, relu=True, stride=1, bias=True):
        super().__init__()
        self.conv = nn.Conv2d(3, 5, 3, padding=1, stride=stride, bias=bias)
        self.bn, self.relu = nn.BatchNorm2d(5), nn.ReLU() if relu else nn.Identity()
        with torch.no_grad():  # statistics far from the identity
            self.bn.running_mean.uniform_(-1, 1)
            self.bn.running_var.uniform_(0.2, 3)
            self.bn.weight.uniform_(0.3, 2)
            self.bn.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


# QAT LinearBn1d (prepare_qat_fx fuses Linear + BatchNorm1d): folded the same way.
class WithBN1d(nn.Module):
    def __init__(self, bias=True):
        super().__init__()
        self.fc, self.bn, self.fc2 = nn.Linear(7, 9, bias=bias), nn.BatchNorm1d(9), nn.Linear(9, 3)
        with torch.no_grad():
            self.bn.running_mean.uniform_(-1, 1)
            self.bn.running_var.uniform_(0.2, 3)
            self.bn.weight.uniform_(0.3, 2)
            self.bn.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc(x))))


# torchvision's functional forms (mobilenet_v3's squeeze-excite, hardswish).
class FunctionalSE(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.fc = nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 4, 1)

    def forward(self, x):
        y = nn.functional.hardswish(self.conv(x))
        s = nn.functional.hardsigmoid(self.fc(nn.functional.adaptive_avg_pool2d(y, 1)))
        z = torch.tanh(y * s) + torch.sigmoid(y)
        return nn.functional.dropout(z, 0.2, training=False)


ir_mlp = check("mlp_linear_relu", MLP(), (4, 12))
ir_cnn = check("cnn_conv_relu_pool", CNN(), (2, 2, 8, 8))
check("residual_add_cat_depthwise", Residual(), (1, 4, 5, 5))
check("conv_bn_relu", WithBN(), (2, 3, 6, 6))
check("conv_bn_stride", WithBN(relu=False, stride=2, bias=False), (2, 3, 7, 7))
check("linear_bn", WithBN1d(), (5, 7))
check("linear_bn_no_bias", WithBN1d(bias=False), (3, 7))
check("functional_se", FunctionalSE(), (2, 3, 5, 5))
print("ir_mlp")
print(ir_mlp)
print("ir_cnn")
print(ir_cnn)


class Bad(nn.Module):
    def forward(self, x):
        return torch.exp(x)


print("errors")
for model, shape, train in ((Bad(), (1, 4), False), (WithBN(), (1, 3, 3, 3), True)):
    try:
        import_fx(prepared(model, shape).train(train), [shape])
        raise AssertionError("expected an import error")
    except ImportError_ as e:
        print(e)
