"""ONNX QDQ export of a QAT model from qc.training (torch 1.13, opset 13).

torch.onnx cannot export the fused observer + fake-quant modules of
prepare_qat_fx, and opset 13 has no 4-bit type. Every fake quantization is
frozen into the torch.fake_quantize_per_{tensor,channel}_affine call that
torch exports as QuantizeLinear -> DequantizeLinear; a weight range torch
cannot export (int4: [-8, 7]) is exported as int8 QDQ of the weight snapped
onto its grid, with a Clip on the codes between the two, as torch itself
does for its 0..127 activations. qc's ONNX importer reads that Clip as the
narrowed range, and a constant in [-8, 7] as an i4 weight.
"""
import copy
import os
import tempfile

import numpy as np
import torch

from .compression import compressible_layers


class ExportError(RuntimeError):
    pass


# The (quant_min, quant_max) pairs torch.onnx exports (opset 13).
ONNX_RANGES = ((0, 255), (-128, 127), (0, 127))


class ExportFakeQuant(torch.nn.Module):
    """A frozen FakeQuantize as the torch.fake_quantize_per_{tensor,channel}_affine
    call torch.onnx exports (its fused observer + fake-quant op has no
    symbolic). A weight range ONNX cannot express exports as int8."""

    def __init__(self, fq):
        super().__init__()
        self.per_channel = fq.is_per_channel
        self.axis = int(fq.ch_axis)
        self.register_buffer("scale", fq.scale.detach().clone().float())
        self.register_buffer("zero_point", fq.zero_point.detach().clone().to(torch.int32))
        self.quant_min, self.quant_max = int(fq.quant_min), int(fq.quant_max)
        if (self.quant_min, self.quant_max) not in ONNX_RANGES:
            self.quant_min, self.quant_max = -128, 127

    def forward(self, x):
        if self.per_channel:
            return torch.fake_quantize_per_channel_affine(
                x, self.scale, self.zero_point, self.axis, self.quant_min, self.quant_max)
        return torch.fake_quantize_per_tensor_affine(
            x, float(self.scale), int(self.zero_point), self.quant_min, self.quant_max)


def _for_export(model):
    """A copy with every fake quantization frozen for torch.onnx, and
    {scale initializer name: (qmin, qmax)} of the narrowed weight ranges."""
    model = copy.deepcopy(model).eval()
    narrowed = {}
    for name, layer in compressible_layers(model):
        fq = getattr(layer, "weight_fake_quant", None)
        if fq is not None and (int(fq.quant_min), int(fq.quant_max)) not in ONNX_RANGES:
            if fq.dtype != torch.qint8 or not -128 <= fq.quant_min <= 0 <= fq.quant_max <= 127:
                raise ExportError("layer '%s': weight range [%d, %d] of %s cannot be exported" % (
                    name, fq.quant_min, fq.quant_max, fq.dtype))
            # Snap the weight onto its grid so that the int8 QDQ below gives
            # the same values; a Clip on the codes keeps the narrow range.
            with torch.no_grad():
                layer.weight.copy_(fq(layer.weight))
            narrowed[name + ".weight_fake_quant.scale"] = (int(fq.quant_min), int(fq.quant_max))
    for name, module in list(model.named_modules(remove_duplicate=False)):
        if isinstance(module, torch.ao.quantization.FakeQuantizeBase):
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, ExportFakeQuant(module))
    return model, narrowed


def freeze_fake_quant(model):
    """A copy of `model` (eval mode) with every FakeQuantize frozen into the
    call torch.onnx exports as a QuantizeLinear -> DequantizeLinear pair, for
    callers that run torch.onnx.export themselves (the examples, the zoo).
    A weight range ONNX cannot express (int4) needs the Clip export_onnx
    adds: ExportError here."""
    frozen, narrowed = _for_export(model)
    if narrowed:
        raise ExportError("weight ranges ONNX cannot express (%s): use qc.onnx_export.export_onnx" %
                          ", ".join(sorted(narrowed)))
    return frozen


def _clip_codes(onnx_model, narrowed):
    """Inserts Clip(qmin, qmax) between each narrowed weight's QuantizeLinear
    and DequantizeLinear, as torch does for its 0..127 activations."""
    import onnx
    from onnx import helper, numpy_helper
    graph = onnx_model.graph
    found = set()
    for i, node in enumerate(list(graph.node)):
        if node.op_type != "QuantizeLinear" or node.input[1] not in narrowed:
            continue
        lo, hi = narrowed[node.input[1]]
        base = node.input[1][:-len(".scale")]
        graph.initializer.extend([numpy_helper.from_array(np.array(lo, np.int8), base + ".qmin"),
                                  numpy_helper.from_array(np.array(hi, np.int8), base + ".qmax")])
        clipped = node.output[0] + "_clipped"
        for user in graph.node:
            if user is not node:
                for j, name in enumerate(user.input):
                    if name == node.output[0]:
                        user.input[j] = clipped
        graph.node.insert(list(graph.node).index(node) + 1, helper.make_node(
            "Clip", [node.output[0], base + ".qmin", base + ".qmax"], [clipped], name=base + "/Clip"))
        found.add(node.input[1])
    missing = set(narrowed) - found
    if missing:
        raise ExportError("export: no QuantizeLinear for %s in the exported graph" % ", ".join(sorted(missing)))
    onnx.checker.check_model(onnx_model)
    return onnx_model


def export_onnx(model, path, example, input_name="x", output_name="logits"):
    """The fine-tuned QAT model -> ONNX QDQ (opset 13, dynamic batch) at
    `path`, written whole or not at all. Pruned weights stay exact zeros;
    int4 weights are int8 QDQ pairs with a Clip to [-8, 7] on the codes,
    which qc's ONNX importer reads as i4 weights."""
    import onnx
    model, narrowed = _for_export(model)
    example = torch.as_tensor(np.asarray(example, dtype=np.float32))
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=directory)
    os.close(fd)
    try:
        torch.onnx.export(model, (example,), tmp, opset_version=13, input_names=[input_name],
                          output_names=[output_name], do_constant_folding=True,
                          dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}})
        onnx.save(_clip_codes(onnx.load(tmp), narrowed), tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
