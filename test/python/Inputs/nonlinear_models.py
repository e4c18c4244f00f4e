"""Small deterministic QAT models for the nonlinear-op tests (not a test).

torchvision 0.14's quantizable resnet18 and mobilenet_v2 (random weights,
fixed seeds, BatchNorm statistics from random batches, eager-mode QAT with
fbgemm's qconfig, observers run on random batches then frozen), exported to
ONNX QDQ (opset 13) the way examples/train_digits.py does. Inputs are small
(32 x 32) so a test runs in seconds; the architectures are the real ones.
"""
import io

import numpy as np
import torch
import torch.nn as nn

from qc.onnx_export import freeze_fake_quant as _for_export


def qat_cnn(name, size=32, seed=0, batches=3):
    """(ONNX bytes, example input) of a torchvision quantizable CNN."""
    import torchvision.models.quantization as tq
    torch.manual_seed(seed)
    model = {"resnet18": tq.resnet18, "mobilenet_v2": tq.mobilenet_v2}[name](
        weights=None, quantize=False, num_classes=10)
    model.train()
    with torch.no_grad():   # BatchNorm statistics from random batches
        for _ in range(batches):
            model(torch.randn(4, 3, size, size))
    model.eval()
    model.fuse_model()
    model.qconfig = torch.ao.quantization.get_default_qat_qconfig("fbgemm")
    model.train()
    torch.ao.quantization.prepare_qat(model, inplace=True)
    with torch.no_grad():   # observer ranges
        for _ in range(batches):
            model(torch.randn(4, 3, size, size))
    model.apply(torch.ao.quantization.disable_observer)
    model.eval()
    example = torch.randn(1, 3, size, size)
    buf = io.BytesIO()
    torch.onnx.export(_for_export(model), (example,), buf, opset_version=13,
                      input_names=["x"], output_names=["y"], do_constant_folding=True)
    return buf.getvalue(), example.numpy()


def mini_cnn(size=16, seed=0):
    """(ONNX bytes, example) of a small net with the ends of torchvision's
    quantizable resnet: conv-bn-relu, one QuantizableBasicBlock (residual
    add), global average pool with no quantization after it, flatten,
    linear. Seconds to build, so lit tests can run it."""
    from torchvision.models.quantization.resnet import QuantizableBasicBlock
    torch.manual_seed(seed)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.quant = torch.ao.quantization.QuantStub()
            self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(8)
            self.relu = nn.ReLU()
            self.block = QuantizableBasicBlock(8, 8)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8, 10)
            self.dequant = torch.ao.quantization.DeQuantStub()

        def forward(self, x):
            x = self.relu(self.bn(self.conv(self.quant(x))))
            x = self.avgpool(self.block(x))
            return self.dequant(self.fc(torch.flatten(x, 1)))

        def fuse_model(self):
            torch.ao.quantization.fuse_modules(self, [["conv", "bn", "relu"]], inplace=True)
            self.block.fuse_model()

    model = Net()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, size, size))
    model.eval()
    model.fuse_model()
    model.qconfig = torch.ao.quantization.get_default_qat_qconfig("fbgemm")
    model.train()
    torch.ao.quantization.prepare_qat(model, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, size, size))
    model.apply(torch.ao.quantization.disable_observer)
    model.eval()
    example = torch.randn(1, 3, size, size)
    buf = io.BytesIO()
    torch.onnx.export(_for_export(model), (example,), buf, opset_version=13,
                      input_names=["x"], output_names=["y"], do_constant_folding=True)
    return buf.getvalue(), example.numpy()


def _act_qparams(values, signed=False):
    """Asymmetric 8-bit parameters covering `values` (and 0), f32 scale."""
    from qc.graph import QParams
    lo, hi = min(0.0, float(np.min(values))), max(0.0, float(np.max(values)))
    qmin, qmax = (-128, 127) if signed else (0, 255)
    scale = float(np.float32(max(hi - lo, 1e-6) / (qmax - qmin)))
    zp = int(np.clip(qmin - round(lo / scale), qmin, qmax))
    return QParams(scale, zp, qmin, qmax, signed=signed)


def _weight_qparams(w):
    from qc.graph import QParams
    scale = float(np.float32(max(float(np.max(np.abs(w))), 1e-6) / 127))
    return QParams(scale, 0, -127, 127)


def bert_layer(seq=16, d=64, heads=4, ff=128, seed=0, calibration=4):
    """A BERT-style encoder layer as a qc.graph with QAT fake quantization
    (the form the importers give): Q/K/V projections on [1, S, D], per-head
    Q K^T (the 1/sqrt(dh) folded into W_q) and softmax, P V, output
    projection, residual add, LayerNorm, GELU (erf) MLP, residual add,
    LayerNorm. Activation parameters come from running the float graph on
    random inputs (min/max), weights are per-tensor symmetric. Returns
    (graph, example input)."""
    from qc.graph import Graph
    rng = np.random.default_rng(seed)
    dh = d // heads
    w = {k: rng.normal(0, 1 / np.sqrt(d), shape).astype(np.float32) for k, shape in
         (("q", (d, d)), ("k", (d, d)), ("v", (d, d)), ("o", (d, d)), ("1", (d, ff)))}
    w["2"] = rng.normal(0, 1 / np.sqrt(ff), (ff, d)).astype(np.float32)
    w["q"] *= np.float32(1 / np.sqrt(dh))
    b = {k: rng.normal(0, 0.1, w[k].shape[1]).astype(np.float32) for k in w}
    ln = [(rng.normal(1, 0.1, d).astype(np.float32), rng.normal(0, 0.1, d).astype(np.float32))
          for _ in range(2)]
    samples = [rng.normal(0, 1, (1, seq, d)).astype(np.float32) for _ in range(calibration)]

    def build(fq):
        """fq(name, value) inserts the fake quantization of activation `name`."""
        g = Graph("bert_layer")
        x = fq(g, "x", g.add_input("x", (1, seq, d)))

        def linear(v, k, name):
            wq = g.add("fake_quant", [g.add_const(w[k])], {"qparams": _weight_qparams(w[k])})
            y = g.add("batch_matmul", [v, wq])
            return fq(g, name, g.add("bias_add", [y, g.add_const(b[k])]))

        def heads_first(v):   # [1, S, D] -> [1, H, S, dh]
            return g.add("transpose", [g.add("reshape", [v], {"shape": (1, seq, heads, dh)})],
                         {"perm": [0, 2, 1, 3]})
        q, k, v = (heads_first(linear(x, n, n)) for n in "qkv")
        kt = g.add("transpose", [k], {"perm": [0, 1, 3, 2]})
        scores = fq(g, "scores", g.add("batch_matmul", [q, kt]))
        p = fq(g, "probs", g.add("softmax", [scores], {"axis": -1}))
        ctx = fq(g, "ctx", g.add("batch_matmul", [p, v]))
        ctx = g.add("reshape", [g.add("transpose", [ctx], {"perm": [0, 2, 1, 3]})],
                    {"shape": (1, seq, d)})
        attn = linear(ctx, "o", "attn")
        h = fq(g, "res1", g.add("add", [x, attn]))
        h = fq(g, "ln1", g.add("layer_norm", [h, g.add_const(ln[0][0]), g.add_const(ln[0][1])],
                               {"eps": 1e-5}))
        m = linear(h, "1", "ff1")
        m = fq(g, "gelu", g.add("unary", [m], {"fn": "gelu_erf"}))
        m = linear(m, "2", "ff2")
        y = fq(g, "res2", g.add("add", [h, m]))
        y = fq(g, "out", g.add("layer_norm", [y, g.add_const(ln[1][0]), g.add_const(ln[1][1])],
                               {"eps": 1e-5}))
        g.outputs = [y]
        return g

    return _calibrated(build, samples, signed=True), samples[0]


def _calibrated(build, samples, signed):
    """build(fq) with fq(g, name, value) inserting the fake quantization of
    activation `name`, its parameters the min/max of the float graph on
    `samples` (per-tensor, asymmetric 8-bit)."""
    names = {}

    def remember(g, name, v):
        names[name] = v
        return v
    float_graph = build(remember)
    ranges = {}
    for s in samples:
        record = {}
        float_graph.evaluate([s], record=record)
        for name, v in names.items():
            lo, hi = ranges.get(name, (np.inf, -np.inf))
            ranges[name] = (min(lo, float(record[v].min())), max(hi, float(record[v].max())))
    qps = {name: _act_qparams(np.array(r), signed=signed) for name, r in ranges.items()}
    return build(lambda g, name, v: g.add("fake_quant", [v], {"qparams": qps[name]}))


def mini_mobilenet_v3(size=16, seed=0, calibration=4):
    """The blocks of mobilenet_v3 as a qc.graph with QAT fake quantization
    (the form the importers give; NHWC): conv + hardswish, depthwise conv +
    ReLU, squeeze-excite (global average pool with no quantization after
    it, 1x1 convs, ReLU, hardsigmoid, a broadcasting multiply), 1x1 conv +
    hardswish, global average pool and a linear classifier. Random weights,
    per-tensor symmetric; activations unsigned 8-bit from min/max
    calibration. Returns (graph, example input [1, size, size, 3])."""
    from qc.graph import Graph
    rng = np.random.default_rng(seed)

    def conv_w(kh, kw, c, f):
        return rng.normal(0, 1 / np.sqrt(kh * kw * c), (kh, kw, c, f)).astype(np.float32)
    w = {"stem": conv_w(3, 3, 3, 16), "se1": conv_w(1, 1, 16, 8), "se2": conv_w(1, 1, 8, 16),
         "proj": conv_w(1, 1, 16, 24)}
    dw = rng.normal(0, 1 / 3, (3, 3, 16)).astype(np.float32)
    fc = rng.normal(0, 1 / np.sqrt(24), (24, 10)).astype(np.float32)
    b = {k: rng.normal(0, 0.1, n).astype(np.float32) for k, n in
         (("stem", 16), ("dw", 16), ("se1", 8), ("se2", 16), ("proj", 24), ("fc", 10))}
    samples = [rng.normal(0, 1, (1, size, size, 3)).astype(np.float32) for _ in range(calibration)]
    one = {"strides": (1, 1), "dilations": (1, 1), "pads": (0, 0, 0, 0)}

    def build(fq):
        g = Graph("mobilenet_v3_block")
        x = fq(g, "x", g.add_input("x", (1, size, size, 3)))

        def weight(a):
            return g.add("fake_quant", [g.add_const(a)], {"qparams": _weight_qparams(a)})

        def conv(v, k, name, attrs, op="conv2d", wa=None):
            y = g.add(op, [v, weight(w[k] if wa is None else wa)], attrs)
            return fq(g, name, g.add("bias_add", [y, g.add_const(b[k])]))
        h = conv(x, "stem", "stem", {"strides": (2, 2), "dilations": (1, 1), "pads": (1, 1, 1, 1)})
        h = fq(g, "hswish1", g.add("unary", [h], {"fn": "hardswish"}))
        h = conv(h, "dw", "dw", {"strides": (1, 1), "dilations": (1, 1), "pads": (1, 1, 1, 1)},
                 op="depthwise_conv2d", wa=dw)
        h = fq(g, "relu", g.add("clamp", [h], {"lo": 0.0, "hi": np.inf}))
        hw = size // 2
        s = g.add("avg_pool", [h], {"kernel": (hw, hw), "strides": (1, 1), "pads": (0, 0, 0, 0)})
        s = conv(s, "se1", "se1", one)
        s = fq(g, "se_relu", g.add("clamp", [s], {"lo": 0.0, "hi": np.inf}))
        s = conv(s, "se2", "se2", one)
        s = fq(g, "hsigmoid", g.add("unary", [s], {"fn": "hardsigmoid", "alpha": 1 / 6,
                                                    "beta": 0.5}))
        h = fq(g, "se_mul", g.add("mul", [h, s]))
        h = conv(h, "proj", "proj", one)
        h = fq(g, "hswish2", g.add("unary", [h], {"fn": "hardswish"}))
        p = g.add("reshape", [g.add("avg_pool", [h], {"kernel": (hw, hw), "strides": (1, 1),
                                                      "pads": (0, 0, 0, 0)})], {"shape": (1, 24)})
        y = g.add("bias_add", [g.add("matmul", [p, weight(fc)]), g.add_const(b["fc"])])
        g.outputs = [fq(g, "logits", y)]
        return g

    return _calibrated(build, samples, signed=False), samples[0]


def integer_module(folded):
    """The quantized region of a folded single-function module as its own
    function: arguments that are only quantized become the quantized
    arguments (codes in), a returned qc.dequantize returns its codes (codes
    out). Returns (text, input types, output types) with the types as
    !quant.uniform strings. This is what qc-cpu-pipeline{integer-only=true}
    can compile: no float value is left anywhere."""
    import re
    lines = folded.splitlines()
    head = next(i for i, l in enumerate(lines) if "func.func @" in l)
    sig = lines[head]
    inputs, outputs = [], []
    renames = {}
    body = []
    for line in lines[head + 1:]:
        m = re.match(r"\s*(%\w+) = qc\.quantize (%arg\d+) : (tensor<[^>]*>) -> (tensor<.*>)$", line)
        if m:
            value, arg, ftype, qtype = m.groups()
            sig = sig.replace("%s: %s" % (arg, ftype), "%s: %s" % (arg, qtype))
            renames[value] = arg
            inputs.append(qtype)
            continue
        body.append(line)
    text = "\n".join(body)
    for value, arg in renames.items():
        text = re.sub(re.escape(value) + r"\b", arg, text)
    # return %r : f32 types, where %r = qc.dequantize %q : Q -> F
    ret = re.search(r"return (.*) : (.*)$", text, re.M)
    values = [v.strip() for v in ret.group(1).split(",")]
    new_values = []
    for v in values:
        d = re.search(r"^\s*" + re.escape(v) + r" = qc\.dequantize (%\w+) : (tensor<.*>) -> tensor<[^>]*>$",
                      text, re.M)
        if not d:
            raise ValueError("result %s is not a dequantize" % v)
        new_values.append(d.group(1))
        outputs.append(d.group(2))
        text = text[:d.start()] + text[d.end() + 1:]
        ret = re.search(r"return (.*) : (.*)$", text, re.M)
    text = text[:ret.start()] + "return %s : %s" % (", ".join(new_values), ", ".join(outputs)) + \
        text[ret.end():]
    res = outputs[0] if len(outputs) == 1 else "(" + ", ".join(outputs) + ")"
    sig = re.sub(r"\) -> .* \{$", ") -> %s {" % res, sig)
    return "\n".join(lines[:head] + [sig] + [text]), inputs, outputs
