# ONNX's own conformance cases for the quantization operators
# (onnx.backend.test.case.node.<module>, with their expected outputs): each is
# imported, folded (--qc-fold-fake-quant) and run on the CPU and on Vulkan,
# and must match the expected outputs exactly (values and dtype). The scale /
# zero-point / weight inputs of a case become initializers: qc compiles
# quantization parameters and weights as constants; the data inputs stay
# function arguments (uint8/int8 ones as !quant.uniform arguments).
#
# Cases qc cannot run yet are listed in UNSUPPORTED with the reason; the test
# checks that they are refused with that error (no traceback), so supporting
# one means moving it to the passing list.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
import importlib
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

from qc.importers.common import ImportError_
from qc.importers.onnx import import_model

# The modules are imported one by one: collect_testcases() dies on numpy 1.24.
MODULES = ["quantizelinear", "dequantizelinear", "qlinearmatmul", "qlinearconv", "matmulinteger",
           "convinteger", "dynamicquantizelinear"]
DATA_INPUTS = {"QuantizeLinear": {"x"}, "DequantizeLinear": {"x"}, "QLinearMatMul": {"a", "b"},
               "QLinearConv": {"x"}, "MatMulInteger": {"A", "B"}, "ConvInteger": {"x"},
               "DynamicQuantizeLinear": {"x"}}
UNSUPPORTED = {
    "test_dynamicquantizelinear_expanded": "unsupported operator 'ReduceMin'",
    "test_dynamicquantizelinear_max_adjusted_expanded": "unsupported operator 'ReduceMin'",
    "test_dynamicquantizelinear_min_adjusted_expanded": "unsupported operator 'ReduceMin'",
}
out = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]
for m in MODULES:
    importlib.import_module("onnx.backend.test.case.node." + m)
from onnx.backend.test.case.node import _NodeTestCases  # noqa: E402

passed, refused = [], []
for case in _NodeTestCases:
    model = onnx.ModelProto.FromString(case.model.SerializeToString())
    op = model.graph.node[-1].op_type
    inputs, expected = case.data_sets[0]
    feeds, kept = [], []
    for vi, array in zip(list(model.graph.input), inputs):
        if vi.name in DATA_INPUTS[op]:
            kept.append(vi)
            feeds.append(array)
        else:
            model.graph.initializer.append(numpy_helper.from_array(np.asarray(array), vi.name))
    del model.graph.input[:]
    model.graph.input.extend(kept)
    if case.name in UNSUPPORTED:
        try:
            import_model(model)
            raise AssertionError("%s imports now: move it to the supported cases" % case.name)
        except ImportError_ as e:
            assert UNSUPPORTED[case.name] in str(e), (case.name, str(e))
            refused.append(case.name)
        continue
    base = os.path.join(out, case.name)
    with open(base + ".mlir", "w") as f:
        f.write(import_model(model).to_mlir())
    subprocess.run([os.path.join(build, "bin", "qc-opt"), base + ".mlir", "--qc-fold-fake-quant", "-o",
                    base + "_folded.mlir"], check=True, capture_output=True)
    args = []
    for i, array in enumerate(feeds):
        np.save("%s_in%d.npy" % (base, i), array)
        args += ["--input", "%s_in%d.npy" % (base, i)]
    for target in ("cpu", "vulkan"):
        outs = ["%s_%s_out%d.npy" % (base, target, i) for i in range(len(expected))]
        subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=" + target, base + "_folded.mlir"] + args
                       + sum((["--output", o] for o in outs), []), check=True)
        for o, want in zip(outs, expected):
            got = np.load(o)
            assert got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want), (
                case.name, target, got, want)
    passed.append(case.name)
print("conformance: %d passed on CPU and Vulkan (%s); %d refused (%s)" % (
    len(passed), ", ".join(passed), len(refused), ", ".join(refused)))
assert len(passed) == 13 and len(refused) == len(UNSUPPORTED), (passed, refused)
