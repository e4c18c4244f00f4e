# The importer writes a fake-quantized constant whose values are codes of its
# parameters (DequantizeLinear of an int8/uint8 initializer, or a float weight
# that is already on its grid) as those codes: arith.constant of i8 +
# quant.scast + quant.dcast, a quarter of the text of the f32 constant +
# qc.fake_quant it wrote before. --qc-fold-fake-quant must produce the same
# IR from both forms (the same integer codes, the same ops): checked here on
# per-tensor and per-channel, int8 and uint8 (zero points != 0), narrow-range
# weights, Conv (grouped: block-diagonal, depthwise), MatMul, Gemm transB,
# the digits examples (QAT exports: their float weights are off the grid and
# keep the float form), and that a float weight off its grid keeps it.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: codes: conv_i8_axis {{[0-9]+}} weight(s), fold identical
# CHECK: codes: grouped_u8 {{[0-9]+}} weight(s), fold identical
# CHECK: codes: depthwise_i8 {{[0-9]+}} weight(s), fold identical
# CHECK: codes: matmul_u8_tensor {{[0-9]+}} weight(s), fold identical
# CHECK: codes: gemm_transb_axis {{[0-9]+}} weight(s), fold identical
# CHECK: passes before the fold: gemm_transb_axis identical
# CHECK: codes: qat_on_grid {{[0-9]+}} weight(s), fold identical
# CHECK: passes before the fold: qat_on_grid identical
# CHECK: codes: digits_mlp {{[0-9]+}} weight(s), fold identical
# CHECK: codes: digits_cnn {{[0-9]+}} weight(s), fold identical
# CHECK: float form kept: qat_off_grid
import hashlib
import os
import re
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import qc.graph
from qc.importers.onnx import import_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import qc_opt  # noqa: E402

out = sys.argv[1]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
rng = np.random.default_rng(5)
init = numpy_helper.from_array


def qdq_model(name, x_shape, y_shape, make):
    """x -> Q/DQ (u8, scale 1/32, zp 128) -> make(...) -> output."""
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"])]
    inits = [init(np.array(1 / 32, np.float32), "xs"), init(np.array(128, np.uint8), "xz")]
    y = make(nodes, inits, "xd")
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, y_shape)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def dq_weight(nodes, inits, name, codes, scale, zp, axis=None):
    inits += [init(codes, name + "_q"), init(np.asarray(scale, np.float32), name + "_s"),
              init(np.asarray(zp, codes.dtype), name + "_z")]
    attrs = {} if axis is None else {"axis": axis}
    nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_s", name + "_z"], [name], **attrs))
    return name


def conv(codes_dtype, f, c, k, groups, per_axis):
    lo, hi = (-128, 127) if codes_dtype == np.int8 else (0, 255)

    def make(nodes, inits, x):
        codes = rng.integers(lo, hi + 1, size=(f, c // groups, k, k)).astype(codes_dtype)
        scale = rng.uniform(0.001, 0.01, f) if per_axis else 0.004
        zp = (np.zeros(f, codes_dtype) if codes_dtype == np.int8 else rng.integers(100, 150, f).astype(codes_dtype)) \
            if per_axis else np.array(3 if codes_dtype == np.uint8 else -2, codes_dtype)
        w = dq_weight(nodes, inits, "w", codes, scale, zp, 0 if per_axis else None)
        nodes.append(helper.make_node("Conv", [x, w], ["y"], group=groups, pads=[1, 1, 1, 1]))
        return "y"
    return make


def matmul(per_axis, trans_b):
    def make(nodes, inits, x):
        if trans_b:
            codes = rng.integers(-127, 128, size=(12, 16)).astype(np.int8)
            w = dq_weight(nodes, inits, "w", codes, rng.uniform(0.01, 0.02, 12), np.zeros(12, np.int8), 0)
            nodes.append(helper.make_node("Gemm", [x, w], ["y"], transB=1))
        else:
            codes = rng.integers(0, 256, size=(16, 12)).astype(np.uint8)
            w = dq_weight(nodes, inits, "w", codes, 0.0125, np.array(7, np.uint8))
            nodes.append(helper.make_node("MatMul", [x, w], ["y"]))
        return "y"
    return make


def qat(on_grid):
    """A float weight through QuantizeLinear/DequantizeLinear (QAT export),
    narrow range i8<-127:127> by a Clip on the codes."""
    def make(nodes, inits, x):
        scale = rng.uniform(0.01, 0.02, 12).astype(np.float32)
        codes = rng.integers(-127, 128, size=(12, 16))
        w = (codes.astype(np.float32) * scale[:, None]).astype(np.float32)
        if not on_grid:
            w = w + np.float32(0.3) * scale[:, None]
        inits.extend([init(w, "wf"), init(scale, "ws"), init(np.zeros(12, np.int8), "wz"),
                      init(np.array(-127, np.int8), "lo"), init(np.array(127, np.int8), "hi")])
        nodes.extend([helper.make_node("QuantizeLinear", ["wf", "ws", "wz"], ["wq"], axis=0),
                      helper.make_node("Clip", ["wq", "lo", "hi"], ["wc"]),
                      helper.make_node("DequantizeLinear", ["wc", "ws", "wz"], ["w"], axis=0),
                      helper.make_node("Gemm", [x, "w"], ["y"], transB=1)])
        return "y"
    return make


def both_forms(model):
    """(codes form, float form) of the imported model."""
    graph = import_model(model)
    new = graph.to_mlir()
    saved = qc.graph.exact_codes
    qc.graph.exact_codes = lambda values, qp: None
    try:
        old = import_model(model).to_mlir()
    finally:
        qc.graph.exact_codes = saved
    return new, old


def normalized(text):
    """Constants as a sorted list, the other lines with each constant's name
    replaced by a digest of its value: equal for the same IR whatever the
    order the fold's constants were created in."""
    names, body = {}, []
    for line in text.splitlines():
        m = re.match(r"\s*(%\w+) = arith.constant (.*)$", line)
        if m:
            names[m.group(1)] = "C" + hashlib.sha1(m.group(2).encode()).hexdigest()
        else:
            body.append(line)
    return sorted(names.values()), [re.sub(r"%\w+", lambda m: names.get(m.group(0), m.group(0)), l) for l in body]


def check(name, model, codes=True):
    """`codes`: the model has weights on their grid (else: whatever it has,
    the digits examples are QAT exports with float weights)."""
    new, old = both_forms(model)
    weights = new.count("quant.dcast")
    assert "quant.dcast" not in old and (weights > 0 or not codes), name
    assert weights == 0 or len(new) < len(old), name
    fold = ("--qc-fold-fake-quant", "--mlir-print-elementsattrs-with-hex-if-larger=-1")
    a, b = normalized(qc_opt(new, *fold)), normalized(qc_opt(old, *fold))
    assert a == b, "%s: the fold differs between the codes and the float form" % name
    print("codes: %s %d weight(s), fold identical" % (name, weights))
    return new, old


def remarks(text, *flags):
    """The remark messages (without locations) of qc-opt on text."""
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
    r = subprocess.run(["qc-opt", f.name, *flags, "-o", os.devnull], capture_output=True, text=True)
    os.unlink(f.name)
    assert r.returncode == 0, r.stderr
    return sorted(l.split("remark: ", 1)[1] for l in r.stderr.splitlines() if "remark: " in l)


def check_passes(name, new, old):
    """The passes that read constant weights before the fold (prune, low
    rank, Hadamard rotation) do the same on both forms: the same remarks,
    the same folded IR."""
    fold = ("--qc-fold-fake-quant", "--mlir-print-elementsattrs-with-hex-if-larger=-1")
    for flags in (["--qc-prune=sparsity=0.5"], ["--qc-prune=pattern=2:4"], ["--qc-low-rank=rank=4"],
                  ["--qc-hadamard-rotate"]):
        a, b = remarks(new, *flags), remarks(old, *flags)
        assert a == b and a, "%s %s: remarks differ\n%s\n%s" % (name, flags, a, b)
        a = normalized(qc_opt(qc_opt(new, *flags), *fold))
        b = normalized(qc_opt(qc_opt(old, *flags), *fold))
        assert a == b, "%s %s: the result differs between the codes and the float form" % (name, flags)
    # Weight sharing clusters a weight that arrives as codes in codes (its
    # quantized mode), a float weight under qc.fake_quant in floats.
    sharing = "--qc-weight-sharing=clusters=3"
    a, b = remarks(new, sharing), remarks(old, sharing)
    assert len(a) == 1 and "codebook of codes" in a[0] and "float codebook" in b[0], (a, b)
    print("passes before the fold: %s identical" % name)


check("conv_i8_axis", qdq_model("c1", [1, 4, 6, 6], [1, 8, 6, 6], conv(np.int8, 8, 4, 3, 1, True)))
check("grouped_u8", qdq_model("c2", [1, 4, 6, 6], [1, 6, 6, 6], conv(np.uint8, 6, 4, 3, 2, True)))
check("depthwise_i8", qdq_model("c3", [1, 4, 6, 6], [1, 4, 6, 6], conv(np.int8, 4, 4, 3, 4, False)))
check("matmul_u8_tensor", qdq_model("m1", [2, 16], [2, 12], matmul(False, False)))
check_passes("gemm_transb_axis", *check("gemm_transb_axis", qdq_model("m2", [2, 16], [2, 12], matmul(True, True))))
check_passes("qat_on_grid", *check("qat_on_grid", qdq_model("q1", [2, 16], [2, 12], qat(True))))
for name in ("digits_mlp", "digits_cnn"):
    check(name, onnx.load(os.path.join(ROOT, "examples", name + ".onnx")), codes=False)

new, old = both_forms(qdq_model("q2", [2, 16], [2, 12], qat(False)))
assert new == old and "quant.dcast" not in new and "qc.fake_quant %cst" in new, new
print("float form kept: qat_off_grid")
