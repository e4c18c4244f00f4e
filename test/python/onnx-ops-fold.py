# Every ONNX operator the importer maps onto an op the fold has an integer
# form for, tested through the fold: a small QDQ model per operator is
# imported, its float meaning checked against ONNX Runtime, folded, compiled
# with --qc-cpu-pipeline="integer-only=true" and run on the CPU (within one
# output step of the fake-quant graph). The nonlinear operators are in
# onnx-ops-fold-nonlinear.py.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: conv_bn: ORT
# CHECK: gemm_trans: ORT
# CHECK: cast_qdq: ORT
# CHECK: shapes: ORT
# CHECK: qoperator_conv: ORT
# CHECK: concat: ORT
import os
import sys

import numpy as np
from onnx import helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from onnx_op_models import Model, check  # noqa: E402

work = sys.argv[1]

# Conv -> Div (per-channel) -> BatchNormalization (QAT ConvBn export): folded at import.
m = Model("conv_bn", (1, 3, 6, 6))
y = m.op("Conv", [m.last, m.weight((4, 3, 3, 3)), m.const(np.zeros(4, np.float32))], requant=False, pads=[1, 1, 1, 1])
y = m.op("Div", [y, m.const(np.array([0.9, 1.1, 1.0, 1.2], np.float32).reshape(1, 4, 1, 1))], requant=False)
bn = [m.const(np.array(v, np.float32)) for v in ([1.0, 0.5, 2.0, 1.5], [0.1, -0.2, 0.0, 0.3],
                                                  [0.05, 0.0, -0.1, 0.2], [1.0, 2.0, 0.5, 1.5])]
y = m.op("BatchNormalization", [y] + bn, requant=False, epsilon=1e-5)
m.op("Relu", [y])
print(check(m.build((1, 4, 6, 6)), work))

# Gemm with transA / transB, alpha and beta.
m = Model("gemm_trans", (5, 4))
a = m.op("Transpose", [m.last], perm=[1, 0])
m.op("Gemm", [a, m.weight((3, 4)), m.const(np.arange(3, dtype=np.float32))], transA=1, transB=1, alpha=0.5, beta=2.0)
print(check(m.build((5, 3)), work))

# Quantize -> Cast (to the same type) -> Dequantize, as torch's PTQ export writes it.
m = Model("cast_qdq", (2, 8))
m.nodes.append(helper.make_node("QuantizeLinear", ["xq", "q0s", "q0z"], ["cq"]))
m.nodes.append(helper.make_node("Cast", ["cq"], ["cc"], to=2))
m.nodes.append(helper.make_node("DequantizeLinear", ["cc", "q0s", "q0z"], ["cd"]))
m.last = "cd"
m.op("MatMul", [m.last, m.weight((8, 4), axis=1)])
print(check(m.build((2, 4)), work))

# Flatten, Reshape, Transpose, Squeeze / Unsqueeze on quantized values.
m = Model("shapes", (1, 2, 3, 4))
y = m.op("Flatten", [m.last], axis=2)
y = m.op("Reshape", [y, m.const(np.array([0, 4, -1], np.int64))])
y = m.op("Transpose", [y], perm=[0, 2, 1])
y = m.op("Unsqueeze", [y, m.const(np.array([1], np.int64))])
m.op("Squeeze", [y, m.const(np.array([1], np.int64))])
print(check(m.build((2, 3, 4)), work))

# The QOperator form: QLinearConv (int32 bias) and QLinearAdd on uint8 codes.
m = Model("qoperator_conv", (1, 2, 5, 5))
m.nodes = m.nodes[:1]              # keep QuantizeLinear x -> q0
w = np.random.default_rng(3).integers(-100, 100, (3, 2, 3, 3)).astype(np.int8)
m.inits.update({"w": w, "ws": np.array([0.01, 0.02, 0.015], np.float32), "wz": np.zeros(3, np.int8),
                "b": np.array([100, -50, 7], np.int32), "ys": np.float32(0.08), "yz": np.uint8(10),
                "zs": np.float32(0.1), "zz": np.uint8(20)})
m.nodes += [helper.make_node("QLinearConv", ["q0", "q0s", "q0z", "w", "ws", "wz", "ys", "yz", "b"], ["c"],
                             pads=[1, 1, 1, 1]),
            helper.make_node("QLinearAdd", ["c", "ys", "yz", "q0", "q0s", "q0z", "zs", "zz"][:3] +
                             ["c", "ys", "yz", "zs", "zz"], ["s"], domain="com.microsoft")]
m.nodes.append(helper.make_node("DequantizeLinear", ["s", "zs", "zz"], ["out"]))
m.last = "out"
model = m.build((1, 3, 5, 5))
model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
print(check(model, work, ort_steps=1))

# Concat of two requantized branches.
m = Model("concat", (1, 2, 4, 4))
a = m.op("Relu", [m.last])
b = m.op("MaxPool", [m.last], kernel_shape=[1, 1])
m.op("Concat", [a, b], axis=1)
print(check(m.build((1, 4, 4, 4)), work))
