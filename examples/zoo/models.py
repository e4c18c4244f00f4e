"""The zoo's float models: torchvision 0.14 architectures and a BERT-style
encoder layer, with random weights from fixed seeds (no weights can be
downloaded) and BatchNorm statistics set from random batches.

Sizes: "test" keeps the real architectures of resnet18, mobilenet_v2 and
mobilenet_v3_small on small images (32x32) and narrows VGG16 to 1/8 of its
channels with a 1x1 classifier input; "full" is the published size at
224x224 (VGG16's 138 M parameters: benchmarks only, never committed).
"""
import math

import torch
import torch.nn as nn

MODELS = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "vgg16", "bert_layer"]

# (input shape without batch, classes) per size
IMAGE = {"test": (3, 32, 32), "full": (3, 224, 224)}
BERT = {"test": dict(seq=16, d=64, heads=4, ff=256), "full": dict(seq=128, d=768, heads=12, ff=3072)}


class EncoderLayer(nn.Module):
    """A BERT encoder layer on [batch, seq, d]: multi-head self-attention
    (Q, K, V projections, batched Q.K^T / sqrt(d_head), softmax, .V, output
    projection), residual add + LayerNorm, GELU MLP, residual add + LayerNorm."""

    def __init__(self, d, heads, ff, seq):
        super().__init__()
        self.d, self.heads, self.dh = d, heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.act = nn.GELU()
        self.softmax = nn.Softmax(dim=-1)
        self.seq = seq

    def split(self, t):
        return t.reshape(-1, self.seq, self.heads, self.dh).permute(0, 2, 1, 3)

    def forward(self, x):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        att = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.dh)
        ctx = torch.matmul(self.softmax(att), v).permute(0, 2, 1, 3).reshape(-1, self.seq, self.d)
        h = self.ln1(x + self.o(ctx))
        return self.ln2(h + self.fc2(self.act(self.fc1(h))))


def _vgg16(size):
    import torchvision
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    if size == "full":
        return torchvision.models.vgg16(weights=None)
    narrow = [c if c == "M" else c // 8 for c in cfg]
    model = torchvision.models.vgg.VGG(torchvision.models.vgg.make_layers(narrow), num_classes=10)
    # 32x32 images leave 1x1 after five pools: a 1x1 average and a narrow classifier.
    model.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    model.classifier = nn.Sequential(nn.Linear(64, 512), nn.ReLU(True), nn.Dropout(), nn.Linear(512, 512),
                                     nn.ReLU(True), nn.Dropout(), nn.Linear(512, 10))
    return model


def float_model(name, size="test", quantizable=False):
    """The float model. `quantizable`: torchvision's eager-mode quantizable
    variant (QuantStub, FloatFunctional adds, fuse_model) where one exists."""
    import torchvision.models as tm
    import torchvision.models.quantization as tq
    torch.manual_seed({"resnet18": 1, "mobilenet_v2": 2, "mobilenet_v3_small": 3, "vgg16": 4, "bert_layer": 5}[name])
    if name == "resnet18":
        model = tq.resnet18(weights=None, quantize=False) if quantizable else tm.resnet18(weights=None)
    elif name == "mobilenet_v2":
        model = tq.mobilenet_v2(weights=None, quantize=False) if quantizable else tm.mobilenet_v2(weights=None)
    elif name == "mobilenet_v3_small":
        if quantizable:
            from torchvision.models.quantization.mobilenetv3 import _mobilenet_v3_conf, _mobilenet_v3_model
            settings, last = _mobilenet_v3_conf("mobilenet_v3_small")
            model = _mobilenet_v3_model(settings, last, weights=None, progress=False, quantize=False)
        else:
            model = tm.mobilenet_v3_small(weights=None)
    elif name == "vgg16":
        model = _vgg16(size)
    elif name == "bert_layer":
        model = EncoderLayer(**BERT[size])
    else:
        raise ValueError("unknown zoo model %r (%s)" % (name, ", ".join(MODELS)))
    set_batchnorm_statistics(model, input_shape(name, size))
    return model.eval()


def input_shape(name, size="test", batch=1):
    if name == "bert_layer":
        return (batch, BERT[size]["seq"], BERT[size]["d"])
    return (batch,) + IMAGE[size]


def random_inputs(name, size, batch, seed):
    """Deterministic inputs: images ~ N(0, 1) (normalized pixels), token
    embeddings ~ N(0, 1)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(input_shape(name, size, batch), generator=g)


def set_batchnorm_statistics(model, shape, batches=4):
    """Random weights leave BatchNorm at mean 0 / var 1, which makes deep
    nets' activations vanish or explode (mobilenet_v2's outputs are all 0):
    set running statistics from a few random batches (cumulative average)."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn((8,) + tuple(shape[1:]), generator=g))
    model.eval()
