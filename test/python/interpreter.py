# qc.interpreter, the numpy evaluator of folded qc IR (the zoo's whole-graph
# golden model):
#  1. every case of the lowering suite (test/Integration/Inputs/lowering_cases.py:
#     each qc op family, odd shapes, zero points != 0, per-channel, saturation,
#     INT32 limits, both profiles, u8/i4/i16, constants through quant.scast)
#     read back from qc-opt's generic print and evaluated: equal to
#     python/qc/reference.py bit for bit;
#  2. a folded model with float islands (a float average pool, matmul, bias
#     and ReLU the fold leaves) and integer ops: equal to qc-run on the CPU;
#  3. bad input: an op it does not know, IR not in generic form, wrong inputs
#     (clear errors naming the op / position).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: lowering cases: [[N:[0-9]+]] of [[N]] bit-exact
# CHECK: float islands: bit-exact with qc-run, inexact ops: none
# CHECK: errors: ok
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Integration", "Inputs"))
import lowering_cases  # noqa: E402

from qc import ir, interpreter  # noqa: E402
from qc.graph import Graph, QParams  # noqa: E402

work = sys.argv[1]
build = os.environ["QC_BUILD_DIR"]
qc_opt = os.path.join(build, "bin", "qc-opt")

# 1. The lowering cases, all in one module.
cases = [c for c in lowering_cases.all_cases(0) if not (c.dynamic_args or c.dynamic_result)]
path = os.path.join(work, "cases.mlir")
with open(path, "w") as f:
    f.write("\n".join(c.func_text() for c in cases) + "\n")
funcs = ir.functions(ir.parse_module(interpreter.generic_text(path, build)))
bad = []
for c in cases:
    got = interpreter.Interpreter().run(funcs[c.name], [np.asarray(v) for v, _ in c.args])[0]
    want = c.storage_expected()
    if got.dtype != want.dtype or got.shape != want.shape or got.tobytes() != want.tobytes():
        bad.append(c.name)
assert not bad, "differ from reference.py: %s" % bad
print("lowering cases: %d of %d bit-exact" % (len(cases), len(cases)))

# 2. Float islands next to integer ops, against qc-run on the CPU.
rng = np.random.default_rng(5)
g = Graph("main")
x = g.add_input("x", (2, 6, 6, 4))
q = g.add("fake_quant", [x], {"qparams": QParams(0.05, 3, 0, 255, signed=False)})
w = g.add("fake_quant", [g.add_const(rng.standard_normal((3, 3, 4, 5)) * 0.3)],
          {"qparams": QParams(rng.uniform(0.005, 0.02, 5), 0, -128, 127, axis=3)})
c = g.add("conv2d", [q, w], {"strides": (1, 1), "dilations": (1, 1), "pads": (1, 1, 1, 1)})
c = g.add("bias_add", [c, g.add_const(rng.standard_normal(5))])
c = g.add("fake_quant", [g.add("clamp", [c], {"lo": 0.0, "hi": np.inf})], {"qparams": QParams(0.04, -128, -128, 127)})
p = g.add("avg_pool", [c], {"kernel": (6, 6), "strides": (1, 1), "pads": (0, 0, 0, 0)})  # float divisor
m = g.add("matmul", [g.add("reshape", [p], {"shape": (2, 5)}), g.add_const(rng.standard_normal((5, 3)))])
m = g.add("clamp", [g.add("bias_add", [m, g.add_const([0.5, -0.25, 1.0])])], {"lo": 0.0, "hi": np.inf})
g.outputs.append(m)
src, folded = os.path.join(work, "islands.mlir"), os.path.join(work, "islands_folded.mlir")
with open(src, "w") as f:
    f.write(g.to_mlir())
subprocess.run([qc_opt, src, "--qc-fold-fake-quant", "-o", folded], check=True, capture_output=True)
xs = rng.standard_normal((2, 6, 6, 4)).astype(np.float32) * 2
np.save(os.path.join(work, "x.npy"), xs)
subprocess.run([os.path.join(build, "bin", "qc-run"), "--target=cpu", folded, "--input", os.path.join(work, "x.npy"),
                "--output", os.path.join(work, "y.npy")], check=True)
(y,), inexact = interpreter.run_file(folded, [xs], build)
text = open(folded).read()
assert "linalg.matmul" in text and "qc.conv2d" in text, "the model should keep float islands"
assert y.tobytes() == np.load(os.path.join(work, "y.npy")).tobytes(), "differs from qc-run"
print("float islands: bit-exact with qc-run, inexact ops: %s" % (", ".join(sorted(inexact)) or "none"))


# 3. Bad input.
def fails(fn, words):
    try:
        fn()
    except (interpreter.EvalError, ir.ParseError) as e:
        assert all(w in str(e) for w in words), (str(e), words)
        return
    raise AssertionError("no error for %s" % words)


unknown = '"func.func"() <{function_type = (tensor<2xf32>) -> tensor<2xf32>, sym_name = "f"}> ({\n' \
          '^bb0(%arg0: tensor<2xf32>):\n  %0 = "foo.bar"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>\n' \
          '  "func.return"(%0) : (tensor<2xf32>) -> ()\n}) : () -> ()\n'
fails(lambda: interpreter.run_mlir(unknown, [np.zeros(2, np.float32)]), ["does not know", "foo.bar"])
fails(lambda: interpreter.run_mlir(unknown, [np.zeros(3, np.float32)]), ["input %arg0", "shape (3,)"])
fails(lambda: interpreter.run_mlir(unknown, []), ["takes 1 inputs, got 0"])
fails(lambda: interpreter.run_mlir("func.func @f() {\n  return\n}\n", []), ["line 1", "generic form"])
fails(lambda: ir.parse_type("tensor<2x!quant.any<i8:f32>>"), ["unsupported quantized type"])
print("errors: ok")
