# qc's rule for quantizing non-finite and huge reals (docs/Numerics.md:
# +-inf and out-of-range values saturate, NaN gives the zero point) checked
# against the peers on the same inputs: ONNX Runtime's QuantizeLinear (run for
# real under node) and torch.quantize_per_tensor. qc runs the imported ONNX
# model, folded, on the CPU and on Vulkan.
#
# Every finite value and both infinities must agree with ORT exactly. NaN is
# where the peers follow their hardware: on x86 both turn NaN into INT_MIN
# before the clamp and so give qmin; qc gives the zero point on every target.
# torch 1.13 also sends +inf and reals above 2^63 to qmin (its float -> int64
# conversion overflows), which the test records as its known difference. The
# peers' NaN / +inf results are asserted too, so a peer that changes its rule
# makes this test fail and the documentation be revisited.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from qc.importers.onnx import import_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "ort"))
from ort import run_ort  # noqa: E402

out = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]
x = np.array([np.nan, -np.nan, np.inf, -np.inf, 1e30, -1e30, 3.4e38, -3.4e38, 130.0, -130.0, 0.5, 1.5, 2.5,
              -2.5, 0.0, -0.0, 1e-45], np.float32)
NAN = np.isnan(x)
BIG_POSITIVE = x > 2.0 ** 63  # +inf and finite reals past int64: torch overflows them

CASES = [  # (ONNX type, numpy type, torch type, scale, zero point)
    (TensorProto.INT8, np.int8, torch.qint8, 1.0, 3),
    (TensorProto.INT8, np.int8, torch.qint8, 0.25, -128),
    (TensorProto.INT8, np.int8, torch.qint8, 1.1920929e-07, 0),  # torch's eps scale of dead channels
    (TensorProto.UINT8, np.uint8, torch.quint8, 1.0, 128),
    (TensorProto.UINT8, np.uint8, torch.quint8, 0.5, 255),
]
for n, (onnx_type, np_type, torch_type, scale, zp) in enumerate(CASES):
    info = np.iinfo(np_type)
    g = helper.make_graph(
        [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"])], "quantize",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [x.size])],
        [helper.make_tensor_value_info("y", onnx_type, [x.size])],
        [numpy_helper.from_array(np.array(scale, np.float32), "s"),
         numpy_helper.from_array(np.array(zp, np_type), "z")])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])

    ort, _ = run_ort(model, {"x": x})
    ort = ort["y"]
    peer_torch = torch.quantize_per_tensor(torch.from_numpy(x.copy()), scale, zp, torch_type).int_repr().numpy()

    base = os.path.join(out, "case%d" % n)
    with open(base + ".mlir", "w") as f:
        f.write(import_model(model).to_mlir())
    subprocess.run([os.path.join(build, "bin", "qc-opt"), base + ".mlir", "--qc-fold-fake-quant", "-o",
                    base + "_folded.mlir"], check=True)
    np.save(base + "_x.npy", x)
    for target in ("cpu", "vulkan"):
        result = "%s_%s.npy" % (base, target)
        subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=" + target, base + "_folded.mlir",
                        "--input", base + "_x.npy", "--output", result], check=True)
        qc = np.load(result)
        assert qc.dtype == np_type and qc.shape == x.shape, (n, target, qc.dtype, qc.shape)
        # The documented rule, element by element.
        assert np.all(qc[NAN] == zp), (n, target, qc)
        assert qc[2] == info.max and qc[3] == info.min, (n, target, qc)
        # ORT: identical everywhere but NaN, where x86 ORT gives qmin.
        assert np.array_equal(qc[~NAN], ort[~NAN]), (n, target, qc, ort)
        assert np.all(ort[NAN] == info.min), ("ORT's NaN rule changed", n, ort)
        # torch: identical but NaN and the reals its int64 conversion overflows.
        keep = ~NAN & ~BIG_POSITIVE
        assert np.array_equal(qc[keep], peer_torch[keep]), (n, target, qc, peer_torch)
        assert np.all(peer_torch[NAN | BIG_POSITIVE] == info.min), ("torch's rule changed", n, peer_torch)
    print("case %d (%s, scale %g, zero point %d): qc = ORT on %d of %d values, NaN: qc %d, ORT %d, torch %d" % (
        n, np.dtype(np_type).name, scale, zp, int((qc == ort).sum()), x.size, qc[0], ort[0], peer_torch[0]))
print("quantize-nonfinite-peers: %d cases agree with ONNX Runtime but NaN, on CPU and Vulkan" % len(CASES))
