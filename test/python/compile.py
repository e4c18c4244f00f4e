# qc.compile: Python over the C API (libQCCAPI.so through ctypes).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
#
# 1. The lowering suite's cases (test/Integration/Inputs/lowering_cases.py:
#    every qc op family, both profiles, odd shapes, zero points != 0,
#    per-channel, saturation, i4/u4 codes) compiled with qc.compile and
#    called on numpy arrays are bit-exact with python/qc/reference.py on the
#    CPU and on Vulkan.
# CHECK: cpu: {{[0-9]+}} cases bit-exact, 4 with i4/u4 codes
# CHECK: vulkan: {{[0-9]+}} cases bit-exact, 4 with i4/u4 codes
#
# 1b. Narrow codes at the boundary: the signature says so, the edges of the
#     code range pass, one step outside is a ValueError naming the element.
# CHECK: narrow signature: <qc.Executable @mm_u4_args on cpu: [uint8[3, 19] of u4 codes, int8[19, 5] of i4 codes, int32[5]] -> [uint8[3, 5] of u4 codes]>
# CHECK: u4 above: argument #0 of @mm_u4_args: element [1, 2] is 16, outside the u4 range [0, 15]
# CHECK: i4 below: argument #0 of @mm_i4: element [0, 0] is -9, outside the i4 range [-8, 7]
# CHECK: i4 above: argument #0 of @mm_i4: element [2, 16] is 8, outside the i4 range [-8, 7]
# CHECK: i4 edges: ok
#
# 2. The committed digits MLP from ONNX: qc.compile equals qc-run bit for bit
#    on both targets, and the caller's Module is left as it was.
# CHECK: digits mlp: cpu == qc-run, vulkan == cpu, 256 samples
#
# 2b. The digits CNN straight from torch (the FX QAT GraphModule) equals
#     the one imported from its ONNX export, bit for bit.
# CHECK: digits cnn: torch.fx == onnx, 256 samples
#
# 3. Errors: wrong arguments; a failing pipeline shows the diagnostic, the IR
#    and a qc-opt command that fails again by itself; bad IR; bad targets;
#    a missing library.
# CHECK: argument count: @digits_mlp takes 1 argument(s) (float32[256, 1, 8, 8]), got 0
# CHECK: dtype: argument #0 of @digits_mlp: expected float32[256, 1, 8, 8], got float64[256, 1, 8, 8]
# CHECK: shape: argument #0 of @digits_mlp: expected float32[256, 1, 8, 8], got float32[1, 1, 8, 8]
# CHECK: pipeline failure: <contract>:2:8: error: 'arith.addf' computes on floating-point values outside a qc.float_boundary op
# CHECK: pass pipeline 'builtin.module(qc-lower-to-linalg{{.*}},qc-verify-integer-contract)' failed
# CHECK-NEXT: reproduce with:
# CHECK-NEXT: qc-opt {{.*}}.mlir --pass-pipeline='builtin.module(qc-lower-to-linalg{{.*}},qc-verify-integer-contract)'
# CHECK-NEXT: --- IR the failing pipeline ran on ({{.*}}) ---
# CHECK-NEXT: module {
# CHECK-NEXT: func.func @f(%arg0: f32) -> f32 {
# CHECK: reproducer: exit 1, same diagnostic
# CHECK: target pipeline failure: <python>:{{[0-9]+}}:{{[0-9]+}}: error: {{.*}} is not in the LLVM dialect after the CPU lowering
# CHECK: compiling @f for cpu failed: qc-cpu-pipeline failed
# CHECK: reproducer: exit 1, same diagnostic
# CHECK: parse error: <bad>:1:14: error: expected non-function type
# CHECK-NEXT: could not parse <bad>
# CHECK: parser crash: <crash>:2:96: error: custom op 'linalg.transpose' expected integer value
# CHECK: <crash>:2:95: error: the MLIR parser crashed after this error (an upstream MLIR bug, see qc's docs/Robustness.md); the input is rejected
# CHECK-NEXT: could not parse <crash>
# CHECK: unknown target: unknown target 'tpu' (available: cpu, vulkan)
# CHECK: unknown pass: invalid pass pipeline 'qc-no-such-pass'
# CHECK: bad input type: qc.compile takes MLIR text, a .mlir/.onnx path, an onnx.ModelProto, a torch.fx.GraphModule, a qc.graph.Graph or a qc.Module, not int
# CHECK: fx without shapes: qc.compile of a torch.fx.GraphModule needs input_shapes=[(...), ...]
# CHECK: no such Vulkan device: compiling @f for vulkan failed: Vulkan: QC_VULKAN_DEVICE=99 but there are {{[0-9]+}} devices
# CHECK: missing library: qc: cannot load libQCCAPI.so; build qc
# CHECK: Tried:
# CHECK-NEXT: /nonexistent/libQCCAPI.so (missing)
import os
import subprocess
import sys

import numpy as np

import qc

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..")
sys.path.insert(0, os.path.join(root, "test", "Integration", "Inputs"))
import lowering_cases  # noqa: E402
from run_lowering_cases import RUN_SKIPPED  # noqa: E402

out = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]


def expect(what, exception, call):
    try:
        call()
    except exception as e:
        print("%s: %s" % (what, e))
        return e
    raise AssertionError("%s: no %s raised" % (what, exception.__name__))


# 1. The lowering suite, bit-exact on both targets (every case on the CPU,
#    on Vulkan).
cases = [c for c in lowering_cases.all_cases(0) if not any(p(c) for p, _ in RUN_SKIPPED)]


def narrow(case):
    return any(getattr(q, "bits", 8) == 4 for _, q in case.args)


for target in ("cpu", "vulkan"):
    checked = 0
    for case in cases:
        run = qc.compile(case.func_text(), pipeline=None, target=target, entry=case.name)
        got, want = run(*case.storage_inputs()), case.storage_expected()
        assert got.dtype == want.dtype and got.shape == want.shape, \
            "%s on %s: got %s%s, want %s%s" % (case.name, target, got.dtype, got.shape,
                                                 want.dtype, want.shape)
        assert got.tobytes() == np.ascontiguousarray(want).tobytes(), \
            "%s on %s: %d elements differ from the reference" % (
                case.name, target, int((got != want).sum()))
        checked += 1
    print("%s: %d cases bit-exact, %d with i4/u4 codes" % (
        target, checked, sum(map(narrow, cases))))



# 1b. Narrow codes at the boundary.
class EdgeRng:
    """Draws only the ends of every integer range (codes -8/7, 0/15, the
    bias bounds): the i4/u4 edges, with saturation in the output."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def integers(self, lo, hi, size=None, dtype=np.int64):
        return np.where(self.rng.integers(0, 2, size=size) == 1, hi - 1, lo).astype(dtype)


narrow_cases = {c.name: c for c in cases if narrow(c)}
mm_u4 = qc.compile(narrow_cases["mm_u4_args"].func_text(), pipeline=None, entry="mm_u4_args")
print("narrow signature: %r" % mm_u4)
u4_inputs = narrow_cases["mm_u4_args"].storage_inputs()
u4_inputs[0] = u4_inputs[0].copy()
u4_inputs[0][1, 2] = 16
expect("u4 above", ValueError, lambda: mm_u4(*u4_inputs))
mm_i4 = qc.compile(narrow_cases["mm_i4"].func_text(), pipeline=None, entry="mm_i4")
i4_inputs = narrow_cases["mm_i4"].storage_inputs()
for what, element, value in (("i4 below", (0, 0), -9), ("i4 above", (2, 16), 8)):
    bad = [a.copy() for a in i4_inputs]
    bad[0][element] = value
    expect(what, ValueError, lambda: mm_i4(*bad))
edges = [lowering_cases.matmul_case(
    "mm_i4_edges", EdgeRng(1), 5, 23, 7, lowering_cases.QType(0.5, 3, bits=4),
    lowering_cases.QType(0.25, -2, bits=4),
    lowering_cases.QType(0.5, -5, bits=4)),
    lowering_cases.matmul_case(
    "mm_u4_edges", EdgeRng(2), 5, 23, 7, lowering_cases.QType(0.5, 9, bits=4, signed=False),
    lowering_cases.QType(0.25, 1, bits=4),
    lowering_cases.QType(0.5, 6, bits=4, signed=False))]
for case in edges:
    inputs = case.storage_inputs()
    assert inputs[0].min() == case.args[0][1].qmin and inputs[0].max() == case.args[0][1].qmax
    want = case.storage_expected()
    assert want.min() == case.result[0].qmin and want.max() == case.result[0].qmax, \
        "%s does not reach both ends of its output range" % case.name
    for target in ("cpu", "vulkan"):
        got = qc.compile(case.func_text(), pipeline=None, target=target, entry=case.name)(*inputs)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), \
            "%s on %s: %d elements differ" % (case.name, target, int((got != want).sum()))
print("i4 edges: ok")

# 2. The digits MLP imported from ONNX, against the qc-run tool.
x = np.load(os.path.join(root, "examples", "digits_test_x.npy"))
module = qc.compiler.to_module(os.path.join(root, "examples", "digits_mlp.onnx"), batch=len(x))
before = str(module)
cpu = qc.compile(module, target="cpu")
vulkan = qc.compile(module, target="vulkan")
assert str(module) == before, "qc.compile modified the caller's module"
assert "qc.fake_quant" in before
y_cpu, y_vulkan = cpu(x), vulkan(x)
folded = module.clone().run_pipeline("qc-fold-fake-quant")
assert "qc.fake_quant" not in str(folded) and "qc.matmul" in str(folded)
with open(os.path.join(out, "mlp.mlir"), "w") as f:
    f.write(str(folded))
np.save(os.path.join(out, "x.npy"), x)
subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=cpu", os.path.join(out, "mlp.mlir"),
                "--input", os.path.join(out, "x.npy"), "--output", os.path.join(out, "y.npy")],
               check=True)
y_tool = np.load(os.path.join(out, "y.npy"))
assert y_cpu.tobytes() == y_tool.tobytes(), "qc.compile and qc-run disagree on the CPU"
assert y_vulkan.tobytes() == y_cpu.tobytes(), "Vulkan and CPU disagree"
assert cpu.time(x, repeat=3) > 0
print("digits mlp: cpu == qc-run, vulkan == cpu, %d samples" % len(x))


# 2b. torch.fx against ONNX.
sys.path.insert(0, os.path.join(root, "examples"))
import warnings  # noqa: E402
warnings.filterwarnings("ignore")
import train_digits  # noqa: E402
from_fx = qc.compile(train_digits.load_qat("cnn", os.path.join(root, "examples")),
                     input_shapes=[x.shape])
from_onnx = qc.compile(os.path.join(root, "examples", "digits_cnn.onnx"), batch=len(x))
assert from_fx(x).tobytes() == from_onnx(x).tobytes(), "torch.fx and ONNX imports disagree"
print("digits cnn: torch.fx == onnx, %d samples" % len(x))


# 3. Errors.
expect("argument count", TypeError, lambda: cpu())
expect("dtype", TypeError, lambda: cpu(x.astype(np.float64)))
expect("shape", ValueError, lambda: cpu(x[:1]))


def check_reproducer(error):
    """The reproducer command fails again with the same first diagnostic."""
    assert error.reproducer and error.ir and os.path.exists(error.ir_path)
    env = dict(os.environ, PATH=os.path.join(build, "bin") + os.pathsep + os.environ["PATH"])
    again = subprocess.run(error.reproducer, shell=True, capture_output=True, text=True, env=env)
    first = error.diagnostics.splitlines()[0].split(": error: ", 1)[1]
    assert again.returncode != 0 and first in again.stderr, again.stderr
    print("reproducer: exit %d, same diagnostic" % again.returncode)
    os.remove(error.ir_path)


contract = qc.Module.parse("func.func @f(%a: f32) -> f32 {\n  %0 = arith.addf %a, %a : f32\n"
                           "  return %0 : f32\n}\n", "<contract>")
error = expect("pipeline failure", qc.CompileError,
               lambda: contract.run_pipeline("qc-lower-to-linalg,qc-verify-integer-contract"))
check_reproducer(error)
tensor_add = ("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
              "  %0 = arith.addf %a, %a : tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n")
# A float linalg.softmax has no lowering in qc's CPU pipeline.
float_softmax = ("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
                 "  %e = tensor.empty() : tensor<4xf32>\n"
                 "  %0 = linalg.softmax dimension(0) ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>\n"
                 "  return %0 : tensor<4xf32>\n}\n")
error = expect("target pipeline failure", qc.CompileError,
               lambda: qc.compile(float_softmax, pipeline=None, target="cpu"))
check_reproducer(error)
expect("parse error", qc.CompileError, lambda: qc.Module.parse("func.func @f( {", "<bad>"))
# Upstream's linalg.transpose parser crashes after this error (docs/Robustness.md).
expect("parser crash", qc.CompileError, lambda: qc.Module.parse(
    "func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {\n"
    "  %r = linalg.transpose ins(%a : tensor<2x3xf32>) outs(%b : tensor<3x2xf32>) permutation = [1, x]\n"
    "  return %r : tensor<3x2xf32>\n}\n", "<crash>"))
expect("unknown target", qc.CompileError, lambda: qc.compile(tensor_add, target="tpu"))
expect("unknown pass", qc.CompileError, lambda: qc.compile(tensor_add, pipeline="qc-no-such-pass"))
expect("bad input type", TypeError, lambda: qc.compile(42))
expect("fx without shapes", TypeError,
       lambda: qc.compile(train_digits.load_qat("mlp", os.path.join(root, "examples"))))
device = subprocess.run(
    [sys.executable, "-c", "import qc\n"
     "try: qc.compile('func.func @f(%a: tensor<2xi8>) -> tensor<2xi8> { return %a : tensor<2xi8> }',"
     " target='vulkan')\n"
     "except qc.CompileError as e: print(e)"],
    capture_output=True, text=True, env=dict(os.environ, QC_VULKAN_DEVICE="99"))
print("no such Vulkan device: " + device.stdout.strip())
missing = subprocess.run(
    [sys.executable, "-c", "import qc; qc.compile('func.func @f() { return }')"],
    capture_output=True, text=True,
    env=dict(os.environ, QC_CAPI_LIBRARY="/nonexistent/libQCCAPI.so", QC_BUILD_DIR="/nonexistent"))
assert missing.returncode != 0
print("missing library: " + missing.stderr.split("OSError: ", 1)[1])
