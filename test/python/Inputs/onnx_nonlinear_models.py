"""Small QDQ models of the operators that map onto the nonlinear graph ops
(unary, softmax, layer_norm, reduce_mean, div, sub, batch_matmul) and the
global average pool; shared by onnx-nonlinear-import.py and
onnx-nonlinear-fold.py."""
import numpy as np

from onnx_op_models import Model


def models():
    out = []
    for op, attrs in (("Sigmoid", {}), ("Tanh", {}), ("HardSigmoid", {"alpha": 0.25, "beta": 0.4}),
                      ("HardSwish", {})):
        m = Model("unary_" + op.lower(), (2, 8), opset=14 if op == "HardSwish" else 13)
        m.op(op, [m.last], **attrs)
        out.append((m.build((2, 8)), 1))
    # torch's opset-13 exports: hardswish as x * HardSigmoid(x), GELU through Erf.
    m = Model("hardswish_decomposed", (2, 8))
    x = m.last
    h = m.op("HardSigmoid", [x], requant=False, alpha=1 / 6.0, beta=0.5)
    m.op("Mul", [x, h])
    out.append((m.build((2, 8)), 1))
    m = Model("gelu_erf", (2, 8))
    x = m.last
    d = m.op("Div", [x, m.const(np.float32(1.4142135))], requant=False)
    e = m.op("Erf", [d], requant=False)
    a = m.op("Add", [e, m.const(np.float32(1.0))], requant=False)
    p = m.op("Mul", [x, a], requant=False)
    m.op("Mul", [p, m.const(np.float32(0.5))])
    out.append((m.build((2, 8)), 1))
    m = Model("softmax", (2, 3, 8))
    m.op("Softmax", [m.last], axis=-1)
    out.append((m.build((2, 3, 8)), 1))
    rng = np.random.default_rng(5)
    gamma, beta = (rng.random(8) + 0.5).astype(np.float32), (rng.random(8) - 0.5).astype(np.float32)
    m = Model("layer_norm17", (2, 3, 8), opset=17)
    m.op("LayerNormalization", [m.last, m.const(gamma), m.const(beta)], axis=-1, epsilon=1e-5)
    out.append((m.build((2, 3, 8)), 1))
    m = Model("layer_norm13", (2, 3, 8))
    x = m.last
    mean = m.op("ReduceMean", [x], requant=False, axes=[-1])
    c = m.op("Sub", [x, mean], requant=False)
    sq = m.op("Pow", [c, m.const(np.float32(2.0))], requant=False)
    var = m.op("ReduceMean", [sq], requant=False, axes=[-1])
    ve = m.op("Add", [var, m.const(np.float32(1e-5))], requant=False)
    sd = m.op("Sqrt", [ve], requant=False)
    n = m.op("Div", [c, sd], requant=False)
    g = m.op("Mul", [n, m.const(gamma)], requant=False)
    m.op("Add", [g, m.const(beta)])
    out.append((m.build((2, 3, 8)), 1))
    m = Model("global_average_pool", (1, 4, 5, 5))
    m.op("GlobalAveragePool", [m.last])
    out.append((m.build((1, 4, 1, 1)), 1))
    m = Model("reduce_mean", (2, 3, 8))
    m.op("ReduceMean", [m.last], axes=[1], keepdims=0)
    out.append((m.build((2, 8)), 1))
    m = Model("div_sub_const", (2, 8))
    d = m.op("Div", [m.last, m.const(np.float32(2.5))])
    m.op("Sub", [d, m.const(np.linspace(-1, 1, 8).astype(np.float32))])
    out.append((m.build((2, 8)), 1))
    m = Model("batch_matmul", (2, 3, 4))
    x = m.last
    t = m.op("Transpose", [x], perm=[0, 2, 1])
    m.op("MatMul", [x, t])
    out.append((m.build((2, 3, 3)), 1))
    return out
