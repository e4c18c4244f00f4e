# The ONNX QDQ importer on small generated models: every imported graph is
# verified by qc-opt and evaluated (qc.graph's numpy meaning of the emitted
# IR) against an independent numpy evaluation of the ONNX graph.
#
# RUN: %python %s | FileCheck %s
#
# CHECK: ort_style_conv: ok
# CHECK: runtime_weights_same_pad_per_axis_act: ok
# CHECK: mlp_qdq: ok
# CHECK: gemm_trans_alpha_beta: ok
# CHECK: conv_qdq: ok
# CHECK-SAME: exact
# CHECK: depthwise_pool_concat: ok
# CHECK: avgpool_include_pad: ok
# CHECK: transpose_reshape_identity_constant: ok
# CHECK: clip_on_codes: ok
# CHECK: int4_weight_clip: ok
# CHECK: ir_runtime
# CHECK: linalg.transpose {{.*}} permutation = [2, 3, 1, 0]
# CHECK: to !quant.uniform<i8:f32:3, {0.10000000149011612:0, 0.20000000298023224:1, 0.15000000596046448:-2}> : tensor<2x3x3x3xf32>
# CHECK: ir_mlp_qdq
# CHECK-DAG: qc.fake_quant %arg0 to !quant.uniform<u8:f32, 0.0078125:0>
# The int8 initializer's weight is written as its codes (docs/Importers.md).
# CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[}}{{.*}}]]> : tensor<4x3xi8>
# CHECK-DAG: %[[Q:.*]] = quant.scast %[[C]] : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.015625:0, 0.03125:1, 0.0625:-1}>>
# CHECK-DAG: quant.dcast %[[Q]] : tensor<4x3x!quant.uniform<i8:f32:1, {0.015625:0, 0.03125:1, 0.0625:-1}>> to tensor<4x3xf32>
# CHECK-DAG: linalg.matmul
# CHECK-DAG: arith.maximumf
# CHECK: ir_conv
# CHECK: linalg.transpose {{.*}} permutation = [0, 2, 3, 1]
# CHECK: tensor.pad
# CHECK: linalg.conv_2d_nhwc_hwcf {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>}
# CHECK: linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
# CHECK: ir_depthwise
# CHECK: linalg.depthwise_conv_2d_nhwc_hwc
# CHECK: linalg.pooling_nhwc_max
# CHECK: tensor.concat dim(3)
# CHECK: linalg.pooling_nhwc_sum
# CHECK: ir_clip_codes
# CHECK: !quant.uniform<u8<0:127>:f32, 0.05000000074505806:3>
# CHECK: ir_int4_weight
# CHECK: qc.fake_quant {{.*}} to !quant.uniform<i4:f32:1, {0.25:0, 0.125:0, 0.0625:0}> : tensor<4x3xf32>
# CHECK: qc.fake_quant {{.*}} to !quant.uniform<i4<-7:7>:f32, 0.25:0> : tensor<3x2xf32>
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import onnx_numpy  # noqa: E402
from qc_test_util import compare, qc_opt  # noqa: E402

from qc.importers.onnx import import_model  # noqa: E402

rng = np.random.default_rng(0)


class ModelBuilder:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def init(self, array, name=None):
        self.n += 1
        name = name or "init%d" % self.n
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, **attrs):
        self.n += 1
        out = "%s_%d" % (op.lower(), self.n)
        self.nodes.append(helper.make_node(op, inputs, [out], name="%s%d" % (op, self.n), **attrs))
        return out

    def qdq(self, x, scale, zp, axis=None):
        s = self.init(np.asarray(scale, np.float32))
        z = self.init(np.asarray(zp))
        kw = {} if axis is None else {"axis": axis}
        return self.node("DequantizeLinear", [self.node("QuantizeLinear", [x, s, z], **kw), s, z], **kw)

    def model(self, inputs, output, out_shape):
        g = helper.make_graph(
            self.nodes, "g",
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, out_shape)], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        onnx.checker.check_model(m)
        return m


def check(name, model, feeds, step=None):
    graph = import_model(model)
    text = graph.to_mlir()
    qc_opt(text)  # parses and verifies
    got = graph.evaluate([feeds[i.name] for i in model.graph.input])[0]
    want = onnx_numpy.run(model, feeds)[0]
    compare(name, got, want, step)
    return text


def mlp_qdq():
    b = ModelBuilder()
    x = b.qdq("x", 1 / 128, np.uint8(0))
    # int8 weight initializer, per output channel (axis 1 of [K, N]).
    wq = b.init(rng.integers(-127, 128, (4, 3)).astype(np.int8))
    ws = b.init(np.array([1 / 64, 1 / 32, 1 / 16], np.float32))
    wz = b.init(np.array([0, 1, -1], np.int8))
    w = b.node("DequantizeLinear", [wq, ws, wz], axis=1)
    y = b.node("MatMul", [x, w])
    y = b.node("Add", [y, b.init(rng.normal(size=3).astype(np.float32))])
    y = b.node("Relu", [y])
    y = b.qdq(y, 0.05, np.uint8(0))
    m = b.model([("x", [5, 4])], y, [5, 3])
    return m, {"x": rng.uniform(0, 1.2, (5, 4)).astype(np.float32)}


def gemm():
    b = ModelBuilder()
    x = b.qdq("x", 0.02, np.int8(3))
    w = b.qdq(b.init(rng.normal(size=(6, 8)).astype(np.float32)),
              np.abs(rng.normal(size=6)).astype(np.float32) / 50 + 0.01, np.zeros(6, np.int8), axis=0)
    y = b.node("Gemm", [x, w, b.init(rng.normal(size=6).astype(np.float32))], transB=1, alpha=0.5, beta=2.0)
    y = b.node("Clip", [y, b.init(np.float32(-1.0)), b.init(np.float32(1.5))])
    y = b.qdq(y, 0.01, np.int8(-5))
    return b.model([("x", [3, 8])], y, [3, 6]), {"x": rng.normal(size=(3, 8)).astype(np.float32)}


def conv_qdq():
    b = ModelBuilder()
    x = b.qdq("x", 0.03, np.int8(0))
    wf = rng.normal(size=(4, 3, 3, 2)).astype(np.float32) * 0.3
    w = b.qdq(b.init(wf), (np.abs(wf).reshape(4, -1).max(1) / 127).astype(np.float32),
              np.zeros(4, np.int8), axis=0)
    y = b.node("Conv", [x, w, b.init(rng.normal(size=4).astype(np.float32))],
               pads=[1, 0, 2, 1], strides=[2, 1], dilations=[1, 2])
    y = b.node("Relu", [y])
    y = b.qdq(y, 0.04, np.uint8(0))
    return b.model([("x", [2, 3, 7, 6])], y, [2, 4, 4, 5]), {"x": rng.normal(size=(2, 3, 7, 6)).astype(np.float32)}


def depthwise_pool_concat():
    b = ModelBuilder()
    x = b.qdq("x", 0.05, np.int8(2))
    wd = rng.normal(size=(3, 1, 3, 3)).astype(np.float32)
    w = b.qdq(b.init(wd), np.array([0.02, 0.03, 0.01], np.float32), np.zeros(3, np.int8), axis=0)
    d = b.node("Conv", [x, w], pads=[1, 1, 1, 1], group=3)
    d = b.qdq(d, 0.1, np.int8(0))
    p = b.node("MaxPool", [d], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1])
    w2 = b.qdq(b.init(rng.normal(size=(2, 3, 1, 1)).astype(np.float32)), 0.02, np.int8(0))
    c = b.node("Conv", [p, w2])
    c = b.qdq(c, 0.1, np.int8(0))
    cat = b.node("Concat", [p, c], axis=1)
    s = b.node("Add", [cat, cat])
    s = b.node("Mul", [s, b.init(rng.normal(size=(5, 1, 1)).astype(np.float32))])
    g = b.node("GlobalAveragePool", [s])
    f = b.node("Flatten", [g], axis=1)
    f = b.qdq(f, 0.05, np.int8(0))
    return b.model([("x", [1, 3, 6, 6])], f, [1, 5]), {"x": rng.normal(size=(1, 3, 6, 6)).astype(np.float32)}


def avgpool():
    b = ModelBuilder()
    y = b.node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
               count_include_pad=1)
    y = b.node("AveragePool", [y], kernel_shape=[2, 2], pads=[1, 0, 0, 1])
    return b.model([("x", [1, 2, 7, 7])], y, [1, 2, 4, 4]), {"x": rng.normal(size=(1, 2, 7, 7)).astype(np.float32)}


def shapes():
    b = ModelBuilder()
    t = b.node("Transpose", ["x"], perm=[0, 2, 3, 1])
    r = b.node("Reshape", [t, b.init(np.array([0, -1], np.int64))])
    i = b.node("Identity", [r])
    c = b.node("Constant", [], value=numpy_helper.from_array(np.full((1, 24), 0.5, np.float32)))
    y = b.node("Add", [i, c])
    y = b.qdq(y, 0.1, np.int8(0))
    return b.model([("x", [1, 2, 3, 4])], y, [1, 24]), {"x": rng.normal(size=(1, 2, 3, 4)).astype(np.float32)}


def clip_codes():
    # torch's export of a quant_min=0, quant_max=127 fake quantization.
    b = ModelBuilder()
    s, z = b.init(np.float32(0.05)), b.init(np.uint8(3))
    q = b.node("QuantizeLinear", ["x", s, z])
    q = b.node("Clip", [q, "", b.init(np.uint8(127))])
    y = b.node("DequantizeLinear", [q, s, z])
    return b.model([("x", [2, 8])], y, [2, 8]), {"x": rng.normal(0, 5, size=(2, 8)).astype(np.float32)}


def int4_weight_clip():
    # qc.training's export of int4 weights: a per-axis int8 QDQ pair with a
    # Clip(-8, 7) on the codes (opset 13 has no 4-bit type); a constant in a
    # signed range inside [-8, 7] becomes an i4 weight.
    b = ModelBuilder()
    x = b.qdq("x", 1 / 64, np.uint8(0))
    s, z = b.init(np.array([0.25, 0.125, 0.0625], np.float32)), b.init(np.zeros(3, np.int8))
    q = b.node("QuantizeLinear", [b.init(rng.normal(0, 1.5, (3, 4)).astype(np.float32)), s, z], axis=0)
    q = b.node("Clip", [q, b.init(np.int8(-8)), b.init(np.int8(7))])
    w = b.node("DequantizeLinear", [q, s, z], axis=0)
    y = b.node("Gemm", [x, w], transB=1)
    s2, z2 = b.init(np.float32(0.25)), b.init(np.int8(0))
    q2 = b.node("QuantizeLinear", [b.init(rng.normal(0, 2, (3, 2)).astype(np.float32)), s2, z2])
    w2 = b.node("DequantizeLinear", [b.node("Clip", [q2, b.init(np.int8(-7)), b.init(np.int8(7))]), s2, z2])
    y = b.node("MatMul", [y, w2])
    y = b.qdq(y, 0.1, np.int8(0))
    return b.model([("x", [2, 4])], y, [2, 2]), {"x": rng.uniform(0, 1, (2, 4)).astype(np.float32)}


def runtime_weights():
    # Weights that are graph inputs (linalg.transpose in the IR), SAME_UPPER
    # padding, a per-channel QDQ on an NCHW activation (axis 1 -> NHWC axis 3),
    # Gemm with transA on a run-time matrix.
    b = ModelBuilder()
    x = b.qdq("x", 0.05, np.int8(0))
    w = b.qdq("w", 0.05, np.int8(0))
    y = b.node("Conv", [x, w], auto_pad="SAME_UPPER", strides=[2, 2])
    y = b.qdq(y, np.array([0.1, 0.2, 0.15], np.float32), np.array([0, 1, -2], np.int8), axis=1)
    y = b.node("Flatten", [y])
    y = b.node("Gemm", [b.node("Transpose", [y], perm=[1, 0]), "m"], transA=1)
    m = b.model([("x", [2, 2, 5, 5]), ("w", [3, 2, 3, 3]), ("m", [27, 4])], y, [2, 4])
    return m, {"x": rng.normal(size=(2, 2, 5, 5)).astype(np.float32),
               "w": rng.normal(size=(3, 2, 3, 3)).astype(np.float32),
               "m": rng.normal(size=(27, 4)).astype(np.float32)}


def ort_style_conv():
    # As onnxruntime's quantize_static writes QDQ: int8 weight initializer
    # with a per-channel DequantizeLinear (axis 0), int32 bias initializer
    # dequantized with scale s_in * s_w[c], uint8 activations.
    b = ModelBuilder()
    s_in = np.float32(0.02)
    x = b.qdq("x", s_in, np.uint8(128))
    s_w = np.array([0.01, 0.02, 0.005], np.float32)
    wq = b.init(rng.integers(-127, 128, (3, 2, 3, 3)).astype(np.int8))
    w = b.node("DequantizeLinear", [wq, b.init(s_w), b.init(np.zeros(3, np.int8))], axis=0)
    bq = b.init(rng.integers(-500, 500, 3).astype(np.int32))
    bias = b.node("DequantizeLinear", [bq, b.init((s_in * s_w).astype(np.float32)),
                                       b.init(np.zeros(3, np.int32))], axis=0)
    y = b.node("Conv", [x, w, bias], pads=[1, 1, 1, 1])
    y = b.node("Relu", [y])
    y = b.qdq(y, 0.05, np.uint8(0))
    return b.model([("x", [1, 2, 4, 4])], y, [1, 3, 4, 4]), {"x": rng.normal(size=(1, 2, 4, 4)).astype(np.float32)}


texts = {}
m, f = ort_style_conv()
folded = qc_opt(check("ort_style_conv", m, f, step=0.05), "--qc-fold-fake-quant")
assert "qc.conv2d" in folded and "linalg.conv" not in folded, folded
m, f = runtime_weights()
texts["runtime"] = check("runtime_weights_same_pad_per_axis_act", m, f)
m, f = mlp_qdq()
texts["mlp"] = check("mlp_qdq", m, f, step=0.05)
m, f = gemm()
check("gemm_trans_alpha_beta", m, f, step=0.01)
m, f = conv_qdq()
texts["conv"] = check("conv_qdq", m, f, step=0.04)
m, f = depthwise_pool_concat()
texts["depthwise"] = check("depthwise_pool_concat", m, f, step=0.05)
m, f = avgpool()
check("avgpool_include_pad", m, f)
m, f = shapes()
check("transpose_reshape_identity_constant", m, f, step=0.1)
m, f = clip_codes()
texts["clip"] = check("clip_on_codes", m, f, step=0.05)
assert np.max(import_model(m).evaluate([f["x"]])[0]) <= (127 - 3) * np.float32(0.05) + 1e-6
m, f = int4_weight_clip()
texts["int4"] = check("int4_weight_clip", m, f, step=0.1)

print("ir_runtime")
print(texts["runtime"])
print("ir_mlp_qdq")
print(texts["mlp"])
print("ir_conv")
print(texts["conv"])
print("ir_depthwise")
print(texts["depthwise"])
print("ir_clip_codes")
print(texts["clip"])
print("ir_int4_weight")
print(texts["int4"])
