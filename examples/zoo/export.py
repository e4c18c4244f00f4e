"""The zoo's three ONNX forms of one float model (see models.py).

  qat_qdq      QAT fake quantization exported as QuantizeLinear/DequantizeLinear
               pairs: torchvision's eager quantizable models with
               fuse_model(is_qat=True) (BatchNorm kept: Conv -> Div ->
               BatchNormalization), prepare_qat_fx elsewhere; fbgemm qconfig.
  ptq_qdq      post-training quantization: prepare_fx, calibration, convert_fx,
               torch.onnx.export (QuantizeLinear -> Cast -> DequantizeLinear,
               int32 bias zero points from ConstantOfShape + Cast).
  qoperator    the QOperator form (QLinearConv, QLinearMatMul, QLinearAdd, ...)
               built with onnx.helper (qoperator.py), as ONNX Runtime's
               quantizer writes it, from the QAT QDQ model with BatchNorm
               folded into the convolutions by torch (fuse_model in eval mode).

Everything is deterministic: seeds are fixed, observers see the same random
batches, and torch runs single-threaded.
"""
import io
import os
import sys

import torch
import torch.ao.quantization as taq

from models import float_model, random_inputs

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from qc.onnx_export import freeze_fake_quant  # noqa: E402

OPSET = 13
CALIBRATION_BATCHES = 4


def _calibrate(model, name, size):
    with torch.no_grad():
        for i in range(CALIBRATION_BATCHES):
            model(random_inputs(name, size, 8, 100 + i))


def qat_model(name, size, fold_bn=False):
    """The QAT model after a few observed batches (no training: random
    weights), observers off, in eval mode. BatchNorm is kept (ConvBn QAT
    modules), or folded into the convolutions first with `fold_bn`."""
    model = float_model(name, size, quantizable=name in ("resnet18", "mobilenet_v2", "mobilenet_v3_small"))
    if hasattr(model, "fuse_model"):
        if not fold_bn:
            model.train()     # QAT fusion keeps BatchNorm (ConvBn2d)
        model.fuse_model(is_qat=not fold_bn)
        model.train()
        model.qconfig = taq.get_default_qat_qconfig("fbgemm")
        taq.prepare_qat(model, inplace=True)
    else:
        from torch.ao.quantization.quantize_fx import prepare_qat_fx
        model = prepare_qat_fx(model.train(), taq.get_default_qat_qconfig_mapping("fbgemm"),
                               (random_inputs(name, size, 1, 0),))
    model.train()
    _calibrate(model, name, size)
    model.apply(taq.disable_observer)
    model.apply(torch.nn.intrinsic.qat.freeze_bn_stats)
    return model.eval()


def _backend_config():
    """fbgemm's backend config without the Linear + ReLU fusion: torch 1.13
    cannot export quantized::linear_relu to ONNX (its packed weights are not
    unpacked for that op), so the classifier keeps Linear and ReLU apart."""
    from torch.ao.quantization.backend_config import BackendConfig, get_fbgemm_backend_config
    configs = [c for c in get_fbgemm_backend_config().configs.values()
               if "LinearReLU" not in str(c.pattern) + str(c.fused_module)]
    return BackendConfig("fbgemm_onnx").set_backend_pattern_configs(configs)


def ptq_model(name, size):
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    backend = _backend_config()
    model = prepare_fx(float_model(name, size), taq.get_default_qconfig_mapping("fbgemm"),
                       (random_inputs(name, size, 1, 0),), backend_config=backend)
    _calibrate(model, name, size)
    return convert_fx(model, backend_config=backend)


def _register_symbolics():
    """torch 1.13 has no ONNX symbolic for quantized::matmul and
    quantized::softmax (attention): Q(op(DQ(a), ...)), the pattern of its
    other quantized symbolics;
    and its permute/transpose symbolics do not pass quantized tensors on
    (the heads' [b, s, h, d] -> [b, h, s, d]): DQ -> Transpose -> Q."""
    from torch.onnx import symbolic_helper as sh

    @sh.parse_args("v", "i", "v", "v")
    def softmax(g, qx, dim, op_scale, op_zero_point):
        x, _, _, _ = sh.dequantize_helper(g, qx)
        return sh.quantize_helper(g, g.op("Softmax", x, axis_i=dim), op_scale, op_zero_point)

    @sh.quantized_args(True)
    @sh.parse_args("v", "is")
    def permute(g, x, dims):
        return g.op("Transpose", x, perm_i=dims)

    @sh.quantized_args(True)
    @sh.parse_args("v", "i", "i")
    def transpose(g, x, dim0, dim1):
        rank = sh._get_tensor_rank(x)
        perm = list(range(rank))
        perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
        return g.op("Transpose", x, perm_i=perm)

    def matmul(g, qa, qb, op_scale, op_zero_point):
        a, _, _, _ = sh.dequantize_helper(g, qa)
        b, _, _, _ = sh.dequantize_helper(g, qb)
        return sh.quantize_helper(g, g.op("MatMul", a, b), op_scale, op_zero_point)

    torch.onnx.register_custom_op_symbolic("quantized::matmul", matmul, OPSET)
    torch.onnx.register_custom_op_symbolic("quantized::softmax", softmax, OPSET)
    torch.onnx.register_custom_op_symbolic("aten::permute", permute, OPSET)
    torch.onnx.register_custom_op_symbolic("aten::transpose", transpose, OPSET)


def to_onnx(model, name, size, batch=1):
    import onnx
    _register_symbolics()
    f = io.BytesIO()
    torch.onnx.export(model, random_inputs(name, size, batch, 0), f, opset_version=OPSET,
                      input_names=["x"], output_names=["y"], do_constant_folding=True,
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    return onnx.load_from_string(f.getvalue())


def export(name, form, size="test"):
    """onnx.ModelProto of `name` in `form` (qat_qdq, ptq_qdq, qoperator)."""
    torch.set_num_threads(1)
    if form == "qat_qdq":
        return to_onnx(freeze_fake_quant(qat_model(name, size)), name, size)
    if form == "ptq_qdq":
        return to_onnx(ptq_model(name, size), name, size)
    if form == "qoperator":
        from qoperator import to_qoperator
        return to_qoperator(to_onnx(freeze_fake_quant(qat_model(name, size, fold_bn=True)), name, size))
    raise ValueError("unknown form %r" % form)
