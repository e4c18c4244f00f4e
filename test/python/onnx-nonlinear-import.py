# The ONNX operators that map onto the nonlinear graph ops (and the global
# average pool): each small QDQ model imports to the expected graph op and
# its float meaning agrees with ONNX Runtime (within one output step: the
# float island rounds differently). Their integer forms: onnx-nonlinear-fold.py.
#
# RUN: %python %s | FileCheck %s
# CHECK: unary_sigmoid: unary
# CHECK: unary_tanh: unary
# CHECK: unary_hardsigmoid: unary
# CHECK: unary_hardswish: unary
# CHECK: hardswish_decomposed: unary
# CHECK: gelu_erf: unary
# CHECK: softmax: softmax
# CHECK: layer_norm17: layer_norm
# CHECK: layer_norm13: layer_norm
# CHECK: global_average_pool: avg_pool
# CHECK: reduce_mean: reduce_mean
# CHECK: div_sub_const: div, sub
# CHECK: batch_matmul: batch_matmul
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from onnx_nonlinear_models import models  # noqa: E402
from onnx_op_models import S, ort_compatible, run_ort  # noqa: E402

from qc.importers.onnx import import_model  # noqa: E402

for model, tolerance in models():
    graph = import_model(model)
    ops = [n.op for n in graph.nodes if n.op not in ("fake_quant", "transpose", "reshape")]
    x = (np.random.default_rng(2).standard_normal(
        [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]) * 2).astype(np.float32)
    ours = graph.evaluate([x])[0]
    theirs = run_ort(ort_compatible(model), {"x": x})[0][model.graph.output[0].name]
    steps = np.abs(ours.astype(np.float64) - theirs).max() / S
    assert steps <= tolerance, (model.graph.name, steps)
    print("%s: %s (%.0f step(s) from ORT)" % (model.graph.name, ", ".join(ops), steps))
