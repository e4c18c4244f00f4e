"""PyTorch importer: an FX-traced QAT model -> qc MLIR with qc.fake_quant.

    from qc.importers.torch import import_fx
    graph = import_fx(prepared_model, [(1, 1, 8, 8)])   # qc.graph.Graph
    text = graph.to_mlir()

`prepared_model` is what torch.ao.quantization.quantize_fx.prepare_qat_fx
returns (after training; observers may stay enabled, their current scale and
zero point are used). Every FakeQuantize module (FakeQuantize,
FusedMovingAvgObsFakeQuantize, ...) becomes qc.fake_quant to
!quant.uniform with the module's scale, zero point and [quant_min,
quant_max]; per-channel weight fake quantization becomes a per-axis type on
the weight's output-channel axis (after the weight is re-laid out: [K, N] for
linear, HWCF for conv). Fused QAT modules (LinearReLU, ConvReLU2d) become
the contraction followed by a ReLU clamp. The exact semantics, and where they
differ from torch, are in docs/Importers.md.
"""
import operator

import numpy as np

from ..graph import GraphError, QParams
from .common import Builder, ImportError_, Tensor, entry_name


def _where(node):
    return "FX node '%s' (%s %s)" % (node.name, node.op, getattr(node.target, "__name__", node.target))


def qparams_of(fq, where):
    """QParams of a torch FakeQuantize module (its current scale/zero point)."""
    import torch
    scale = fq.scale.detach().cpu().numpy().astype(np.float32).reshape(-1)
    zp = fq.zero_point.detach().cpu().numpy().astype(np.int64).reshape(-1)
    qmin, qmax = int(fq.quant_min), int(fq.quant_max)
    dtype = getattr(fq, "dtype", torch.quint8)
    if dtype == torch.qint8:
        signed = True
    elif dtype == torch.quint8:
        signed = False
    else:
        raise ImportError_("%s: fake quantization dtype %s is not supported (quint8 or qint8)" % (where, dtype))
    bits = 8
    per_channel = fq.qscheme in (torch.per_channel_affine, torch.per_channel_symmetric,
                                 torch.per_channel_affine_float_qparams)
    if fq.qscheme == torch.per_channel_affine_float_qparams:
        raise ImportError_("%s: float zero points (per_channel_affine_float_qparams) are not supported" % where)
    axis = int(fq.ch_axis) if per_channel else None
    if not per_channel and scale.size != 1:
        raise ImportError_("%s: per-tensor fake quantization with %d scales" % (where, scale.size))
    try:
        return QParams(scale.astype(np.float64), zp, qmin, qmax, bits, signed, axis)
    except GraphError as e:
        raise ImportError_("%s: %s (was the model calibrated/trained?)" % (where, e))


class FxImporter:
    def __init__(self, gm, input_shapes, name=None):
        self.gm = gm
        self.input_shapes = [tuple(s) for s in input_shapes]
        self.b = Builder(entry_name(type(gm).__name__) if name is None else name)
        self.env = {}

    def _arg(self, a, node):
        import torch.fx
        if isinstance(a, torch.fx.Node):
            return self.env[a.name]
        raise ImportError_("%s: non-tensor argument %r is not supported" % (_where(node), a))

    def _fq(self, t, module, where):
        import torch
        if hasattr(module, "fake_quant_enabled") and not bool(module.fake_quant_enabled[0]):
            return t
        return self.b.fake_quant(t, qparams_of(module, where), where)

    def _weight(self, module, where):
        import torch
        w = self.b.const(module.weight.detach().cpu().numpy())
        wfq = getattr(module, "weight_fake_quant", None)
        if wfq is not None:
            w = self._fq(w, wfq, where + " weight")
        return w

    def _bias(self, module):
        if getattr(module, "bias", None) is None:
            return None
        return self.b.const(module.bias.detach().cpu().numpy())

    def run(self):
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.ao.quantization as tq
        inputs = 0
        for node in self.gm.graph.nodes:
            where = _where(node)
            if node.op == "placeholder":
                if inputs >= len(self.input_shapes):
                    raise ImportError_("%s: %d input shapes given for more inputs" % (where, len(self.input_shapes)))
                self.env[node.name] = self.b.input(node.name, self.input_shapes[inputs])
                inputs += 1
            elif node.op == "get_attr":
                value = self.gm
                for part in node.target.split("."):
                    value = getattr(value, part)
                if not isinstance(value, torch.Tensor) or not value.is_floating_point():
                    raise ImportError_("%s: only float tensor attributes are supported" % where)
                self.env[node.name] = self.b.const(value.detach().cpu().numpy())
            elif node.op == "call_module":
                self.env[node.name] = self._module(node, self.gm.get_submodule(node.target), where)
            elif node.op == "call_function":
                self.env[node.name] = self._function(node, node.target, where)
            elif node.op == "call_method":
                self.env[node.name] = self._method(node, node.target, where)
            elif node.op == "output":
                outs = node.args[0]
                outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
                return self.b.finish([self._arg(o, node) for o in outs])
        raise ImportError_("the FX graph has no output node")

    def _module(self, node, m, where):
        import torch
        import torch.nn as nn
        import torch.ao.nn.intrinsic as nni
        x = self._arg(node.args[0], node) if node.args else None
        if isinstance(m, torch.ao.quantization.FakeQuantizeBase):
            return self._fq(x, m, where)
        if isinstance(m, (torch.ao.quantization.ObserverBase,)):
            return x  # an observer alone does not change values
        if type(m).__name__ in ("ConvBn2d", "ConvBnReLU2d"):
            return self._conv_bn(x, m, where)
        if type(m).__name__ == "LinearBn1d":
            return self._linear_bn(x, m, where)
        relu = isinstance(m, (nni.LinearReLU, nni.ConvReLU2d)) or type(m).__name__ in ("LinearReLU", "ConvReLU2d")
        if isinstance(m, nn.Linear):
            w = self._weight(m, where)
            y = self.b.matmul(x, self.b.relayout(w, (1, 0), where) if w.fq_const or w.const is not None else w, where)
            bias = self._bias(m)
            if bias is not None:
                y = self.b.op("bias_add", [y, bias], {}, y.shape, False, where)
            return self.b.clamp(y, 0.0, np.inf, where) if relu else y
        if isinstance(m, nn.Conv2d):
            if m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise ImportError_("%s: padding %r / padding_mode %r is not supported" % (
                    where, m.padding, m.padding_mode))
            ph, pw = m.padding
            y = self.b.conv2d(x, self._weight(m, where), self._bias(m), m.stride, m.dilation,
                              (ph, pw, ph, pw), m.groups, where)
            return self.b.clamp(y, 0.0, np.inf, where) if relu else y
        if isinstance(m, nn.ReLU):
            return self.b.clamp(x, 0.0, np.inf, where)
        if isinstance(m, nn.ReLU6):
            return self.b.clamp(x, 0.0, 6.0, where)
        if isinstance(m, nn.Hardtanh):
            return self.b.clamp(x, m.min_val, m.max_val, where)
        if isinstance(m, (nn.Identity, nn.Dropout)):
            return x
        unary = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.Hardswish: "hardswish", nn.SiLU: "silu"}
        if type(m) in unary:
            return self.b.op("unary", [x], {"fn": unary[type(m)]}, x.shape, x.nhwc, where)
        if isinstance(m, nn.Hardsigmoid):
            return self.b.op("unary", [x], {"fn": "hardsigmoid", "alpha": 1 / 6.0, "beta": 0.5}, x.shape, x.nhwc,
                             where)
        if isinstance(m, nn.GELU):
            fn = {"none": "gelu_erf", "tanh": "gelu_tanh"}[m.approximate]
            return self.b.op("unary", [x], {"fn": fn}, x.shape, x.nhwc, where)
        if isinstance(m, nn.Softmax):
            x = self.b.plain(x, where)
            dim = m.dim if m.dim is not None else -1
            return self.b.op("softmax", [x], {"axis": dim % len(x.shape)}, x.shape, False, where)
        if isinstance(m, nn.LayerNorm):
            if len(m.normalized_shape) != 1 or not m.elementwise_affine:
                raise ImportError_("%s: only LayerNorm over the last axis with weight and bias is supported" %
                                   where)
            x = self.b.plain(x, where)
            gamma = self.b.const(m.weight.detach().cpu().numpy())
            beta = self.b.const(m.bias.detach().cpu().numpy()) if m.bias is not None else \
                self.b.const(np.zeros(m.normalized_shape, np.float32))
            return self.b.op("layer_norm", [x, gamma, beta], {"axis": len(x.shape) - 1, "eps": float(m.eps)},
                             x.shape, False, where)
        if isinstance(m, nn.Flatten):
            return self._flatten(x, m.start_dim, m.end_dim, where)
        if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            return self._pool(x, m, where)
        if isinstance(m, nn.AdaptiveAvgPool2d):
            size = m.output_size if isinstance(m.output_size, tuple) else (m.output_size, m.output_size)
            if tuple(size) != (1, 1):
                raise ImportError_("%s: only AdaptiveAvgPool2d(1) is supported" % where)
            return self.b.pool("avg_pool", x, x.shape[2:], (1, 1), (0, 0, 0, 0), where)
        raise ImportError_("%s: unsupported module %s" % (where, type(m).__name__))

    def _conv_bn(self, x, m, where):
        """QAT ConvBn2d / ConvBnReLU2d in eval mode, folded like the ONNX
        importer folds Conv -> Div -> BatchNormalization (docs/Importers.md):
        torch computes bn(conv(x, fq(W * f)) / f + b) with f = gamma / sqrt(var + eps);
        the graph has one convolution whose weight codes are fq(W * f)'s and
        whose per-channel scales are s * m, m = gamma / sqrt(var + eps) / f (1 up
        to f32 rounding), and the bias (b - mean) * gamma / sqrt(var + eps) + beta."""
        if getattr(m, "_enable_slow_path_for_better_numerical_stability", False):
            raise ImportError_("%s: the slow ConvBn path is not supported" % where)
        if m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise ImportError_("%s: padding %r / padding_mode %r is not supported" % (where, m.padding,
                                                                                     m.padding_mode))
        weight, bias = self._bn_folded(m, where)
        ph, pw = m.padding
        y = self.b.conv2d(x, weight, bias, m.stride, m.dilation, (ph, pw, ph, pw), m.groups, where)
        return self.b.clamp(y, 0.0, np.inf, where) if type(m).__name__ == "ConvBnReLU2d" else y

    def _linear_bn(self, x, m, where):
        """QAT LinearBn1d in eval mode: torch computes
        bn(linear(x, fq(W * f), 0) / f + b), folded as _conv_bn folds ConvBn2d
        (one matmul whose weight codes are fq(W * f)'s, per-output-channel
        scales s * m, bias (b - mean) * gamma / sqrt(var + eps) + beta)."""
        weight, bias = self._bn_folded(m, where)
        y = self.b.matmul(x, self.b.relayout(weight, (1, 0), where), where)
        return self.b.op("bias_add", [y, bias], {}, y.shape, False, where)

    def _bn_folded(self, m, where):
        """(weight, bias) of a QAT module with batch norm (ConvBn2d,
        ConvBnReLU2d, LinearBn1d) in eval mode: the fake-quantized weight
        [F, ...] with the batch norm in its per-channel scales, and the bias."""
        import torch
        bn = m.bn
        if bn.training or m.training:
            raise ImportError_("%s: %s in training mode: call .eval() (batch norm must use its running "
                               "statistics)" % (where, type(m).__name__))
        if bn.weight is None or bn.running_var is None:
            raise ImportError_("%s: batch norm without affine weight or running statistics" % where)
        rank = m.weight.dim()
        shape = (-1,) + (1,) * (rank - 1)
        with torch.no_grad():
            f = bn.weight / torch.sqrt(bn.running_var + bn.eps)          # f32, as torch computes it
            w = m.weight * f.reshape(shape)
        f64 = f.double().numpy()
        std = np.sqrt(bn.running_var.detach().double().numpy() + float(bn.eps))
        gamma = bn.weight.detach().double().numpy()
        mult = gamma / std / f64
        if not np.all(np.isfinite(mult)) or not np.all(mult > 0):
            raise ImportError_("%s: batch norm with a zero or negative weight cannot be folded into the "
                               "weight scales" % where)
        wfq = m.weight_fake_quant
        qp = qparams_of(wfq, where + " weight")
        enabled = not hasattr(wfq, "fake_quant_enabled") or bool(wfq.fake_quant_enabled[0])
        w = w.detach().numpy().astype(np.float32)
        if enabled:
            if qp.axis not in (None, 0):
                raise ImportError_("%s: per-channel weight quantization on axis %d (expected 0)" % (where, qp.axis))
            # torch's fake quantization: nearbyint(w * (1 / s)) + z, clamped.
            s32 = qp.scale.astype(np.float32).reshape(shape) if qp.axis == 0 else np.float32(qp.scale[0])
            z = qp.zero_point.reshape(shape) if qp.axis == 0 else qp.zero_point[0]
            codes = np.clip(np.rint(w * (np.float32(1) / s32)) + z, qp.qmin, qp.qmax)
            scale = np.broadcast_to(qp.scale.astype(np.float32).astype(np.float64), mult.shape) * mult
            zp = np.broadcast_to(qp.zero_point, mult.shape)
            qp = QParams(scale.astype(np.float32).astype(np.float64), zp, qp.qmin, qp.qmax, qp.bits, qp.signed, 0)
            values = ((codes - zp.reshape(shape)) * scale.astype(np.float32).reshape(shape)).astype(np.float32)
            weight = self.b.fake_quant(self.b.const(values), qp, where + " weight")
        else:
            weight = self.b.const((w.astype(np.float64) * mult.reshape(shape)).astype(np.float32))
        b = m.bias.detach().double().numpy() if m.bias is not None else np.zeros(mult.shape)
        bias = (b - bn.running_mean.detach().double().numpy()) * (gamma / std) + bn.bias.detach().double().numpy()
        return weight, self.b.const(bias.astype(np.float32))

    def _pool(self, x, m, where):
        import torch.nn as nn
        pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)
        k, s, p = pair(m.kernel_size), pair(m.stride if m.stride is not None else m.kernel_size), pair(m.padding)
        if m.ceil_mode:
            raise ImportError_("%s: ceil_mode=True is not supported" % where)
        if isinstance(m, nn.MaxPool2d):
            if pair(m.dilation) != (1, 1):
                raise ImportError_("%s: dilated pooling is not supported" % where)
            return self.b.pool("max_pool", x, k, s, (p[0], p[1], p[0], p[1]), where)
        if m.divisor_override:
            raise ImportError_("%s: divisor_override is not supported" % where)
        return self.b.pool("avg_pool", x, k, s, (p[0], p[1], p[0], p[1]), where,
                           count_include_pad=m.count_include_pad)

    def _flatten(self, x, start, end, where):
        rank = len(x.shape)
        start = start + rank if start < 0 else start
        end = end + rank if end < 0 else end
        shape = x.shape[:start] + (int(np.prod(x.shape[start:end + 1])),) + x.shape[end + 1:]
        return self.b.reshape(x, shape, where)

    def _shape_args(self, args, x, where):
        dims = list(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else list(args)
        if not all(isinstance(d, int) for d in dims):
            raise ImportError_("%s: only constant shapes are supported" % where)
        if dims.count(-1) == 1:
            known = int(np.prod([d for d in dims if d != -1]))
            dims[dims.index(-1)] = int(np.prod(x.shape)) // max(known, 1)
        return dims

    def _transpose2(self, x, d0, d1, where):
        perm = list(range(len(x.shape)))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return self.b.transpose(x, perm, where)

    def _function(self, node, fn, where):
        import torch
        import torch.nn.functional as F
        args = node.args
        if fn is torch.flatten:
            start = args[1] if len(args) > 1 else node.kwargs.get("start_dim", 0)
            end = args[2] if len(args) > 2 else node.kwargs.get("end_dim", -1)
            return self._flatten(self._arg(args[0], node), start, end, where)
        if fn in (operator.add, torch.add, operator.mul, torch.mul, operator.sub, torch.sub, operator.truediv,
                  torch.div):
            op = {operator.add: "add", torch.add: "add", operator.mul: "mul", torch.mul: "mul", operator.sub: "sub",
                  torch.sub: "sub", operator.truediv: "div", torch.div: "div"}[fn]
            a, b = args[0], args[1]
            ta = self._arg(a, node) if not isinstance(a, (int, float)) else self.b.const(np.float32(a))
            tb = self._arg(b, node) if not isinstance(b, (int, float)) else self.b.const(np.float32(b))
            return self.b.binary(op, ta, tb, where)
        if fn in (torch.relu, F.relu):
            return self.b.clamp(self._arg(args[0], node), 0.0, np.inf, where)
        if fn is F.relu6:
            return self.b.clamp(self._arg(args[0], node), 0.0, 6.0, where)
        if fn in (torch.clamp, torch.clip):
            lo = args[1] if len(args) > 1 else node.kwargs.get("min")
            hi = args[2] if len(args) > 2 else node.kwargs.get("max")
            return self.b.clamp(self._arg(args[0], node), -np.inf if lo is None else lo,
                                np.inf if hi is None else hi, where)
        if fn in (F.adaptive_avg_pool2d, torch.nn.functional.adaptive_avg_pool2d):
            x = self._arg(args[0], node)
            size = args[1] if len(args) > 1 else node.kwargs.get("output_size")
            if size not in (1, (1, 1), [1, 1]):
                raise ImportError_("%s: only adaptive_avg_pool2d(x, 1) is supported" % where)
            return self.b.pool("avg_pool", x, x.shape[2:], (1, 1), (0, 0, 0, 0), where)
        unary = {F.hardswish: ("hardswish", {}), F.hardsigmoid: ("hardsigmoid", {"alpha": 1 / 6.0, "beta": 0.5}),
                 torch.sigmoid: ("sigmoid", {}), torch.tanh: ("tanh", {}), F.silu: ("silu", {})}
        if fn in unary:
            x = self._arg(args[0], node)
            return self.b.op("unary", [x], dict(unary[fn][1], fn=unary[fn][0]), x.shape, x.nhwc, where)
        if fn is F.dropout:
            return self._arg(args[0], node)
        if fn is torch.cat:
            dim = args[1] if len(args) > 1 else node.kwargs.get("dim", 0)
            return self.b.concat([self._arg(a, node) for a in args[0]], dim, where)
        if fn is torch.reshape:
            x = self._arg(args[0], node)
            return self.b.reshape(x, self._shape_args(args[1:], x, where), where)
        if fn is torch.permute:
            return self.b.transpose(self._arg(args[0], node), args[1], where)
        if fn in (torch.matmul, torch.bmm):
            return self.b.matmul(self._arg(args[0], node), self._arg(args[1], node), where)
        if fn is torch.transpose:
            return self._transpose2(self._arg(args[0], node), args[1], args[2], where)
        raise ImportError_("%s: unsupported function %s" % (where, getattr(fn, "__name__", fn)))

    def _method(self, node, name, where):
        x = self._arg(node.args[0], node)
        args = node.args[1:]
        if name in ("view", "reshape"):
            return self.b.reshape(x, self._shape_args(args, x, where), where)
        if name == "flatten":
            start = args[0] if args else node.kwargs.get("start_dim", 0)
            end = args[1] if len(args) > 1 else node.kwargs.get("end_dim", -1)
            return self._flatten(x, start, end, where)
        if name == "permute":
            return self.b.transpose(x, args[0] if len(args) == 1 else args, where)
        if name == "relu":
            return self.b.clamp(x, 0.0, np.inf, where)
        if name == "transpose":
            return self._transpose2(x, args[0], args[1], where)
        if name in ("contiguous", "detach"):
            return x
        raise ImportError_("%s: unsupported method .%s()" % (where, name))


def import_fx(gm, input_shapes, name=None):
    """A torch.fx.GraphModule (prepare_qat_fx output) -> qc.graph.Graph.
    `name` names the function; by default the module's class name as a C
    identifier (common.entry_name), which symbolic_trace keeps but
    prepare_qat_fx does not: its GraphModule gives the fallback `model`."""
    return FxImporter(gm, input_shapes, name).run()


def import_fx_to_mlir(gm, input_shapes, name=None):
    return import_fx(gm, input_shapes, name).to_mlir()
