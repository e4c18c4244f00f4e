# Errors a qc.compile user can act on (issue 16, item 4): every failing step
# is a qc.CompileError with the reason, whatever layer failed.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
#
# A model the importer rejects: a CompileError naming the node, with the
# importer's exception as its cause.
# CHECK: rejected model: CompileError: cannot import the ONNX model: node 'lstm' (LSTM): unsupported operator 'LSTM'
# CHECK-SAME: cause ImportError_
# CHECK: rejected file: CompileError: cannot import '{{.*}}lstm.onnx': node 'lstm' (LSTM)
# A malformed pass option keeps LLVM's reason (it used to reach stderr only).
# CHECK: bad pass option: invalid pass pipeline 'qc-fold-fake-quant{profile=bogus}': for the --profile option: 'bogus' is not a valid value (expected one of: double_round, single_round)
# CHECK-NEXT: failed to add `qc-fold-fake-quant` with options `profile=bogus`
# CHECK: bad target option: compiling @f for cpu failed: bad pipeline options 'vectorize=maybe{{.*}}': for the --vectorize option: 'maybe' is invalid value for boolean argument! Try 0 or 1
# The suffix of a path is matched in any case.
# CHECK: upper-case suffix: <qc.Executable @digits on cpu: [float32[1, 1, 8, 8]] -> [float32[1, 10]]>
# Unfolded importer output names the fold.
# CHECK: unfolded: {{.*}}digits_mlp.onnx:{{[0-9]+}}:{{[0-9]+}}: error: 'qc.fake_quant' has no integer lowering: fold fake quantization into integer qc ops first (--qc-fold-fake-quant)
import os
import shutil
import sys

from onnx import TensorProto, helper

import qc

out = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def report(what, call):
    try:
        result = call()
    except qc.CompileError as e:
        cause = type(e.__cause__).__name__ if e.__cause__ is not None else "none"
        print("%s: CompileError: %s (cause %s)" % (what, e.message, cause))
        return
    print("%s: %s" % (what, result))


def lstm_model():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 2, 3])
    node = helper.make_node("LSTM", ["x", "w", "r"], ["y"], name="lstm", hidden_size=3)
    w = helper.make_tensor("w", TensorProto.FLOAT, [1, 12, 4], [0.0] * 48)
    r = helper.make_tensor("r", TensorProto.FLOAT, [1, 12, 3], [0.0] * 36)
    graph = helper.make_graph([node], "lstm", [x], [y], initializer=[w, r])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


model = lstm_model()
report("rejected model", lambda: qc.compile(model))
path = os.path.join(out, "lstm.onnx")
with open(path, "wb") as f:
    f.write(model.SerializeToString())
report("rejected file", lambda: qc.compile(path))

identity = "func.func @f(%x: tensor<4xi8>) -> tensor<4xi8> { return %x : tensor<4xi8> }"
module = qc.Module.parse(identity)
try:
    module.run_pipeline("qc-fold-fake-quant{profile=bogus}")
except qc.CompileError as e:
    print("bad pass option: %s" % e.message)
try:
    qc.compile(identity, pipeline=None, pipeline_options="vectorize=maybe")
except qc.CompileError as e:
    print("bad target option: %s" % e.message.replace("\n", " "))

upper = os.path.join(out, "digits.ONNX")
shutil.copy(os.path.join(root, "examples", "digits_mlp.onnx"), upper)
report("upper-case suffix", lambda: qc.compile(upper))

try:
    qc.compile(os.path.join(root, "examples", "digits_mlp.onnx"), pipeline=None)
except qc.CompileError as e:
    print("unfolded: %s" % e.diagnostics.splitlines()[0])
