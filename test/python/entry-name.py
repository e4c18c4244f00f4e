# The importers name the entry function after the model, never @main (issue
# 16: an entry called main clashes with a C program's when linked):
# qc.importers.common.entry_name makes a C identifier of the file stem,
# graph or class name, with the fallback `model`.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t | FileCheck %s
# CHECK: 'digits_mlp' -> digits_mlp
# CHECK: 'resnet-18.v2' -> resnet_18_v2
# CHECK: '3layers' -> model_3layers
# CHECK: '__private' -> private
# CHECK: 'main' -> model
# CHECK: 'torch_jit' -> model
# CHECK: 'torch-jit-export' -> model
# CHECK: 'main_graph' -> model
# CHECK: 'GraphModule' -> model
# CHECK: 'int' -> model
# CHECK: 'qc_model_x' -> model
# CHECK: '' -> model
# CHECK: None -> model
# ONNX: the file's stem first, then the graph's name, then the fallback; an
# explicit name wins.
# CHECK: stem: func.func @tiny_classifier(
# CHECK: graph name: func.func @Tiny_Net(
# CHECK: exporter default: func.func @model(
# CHECK: main.onnx: func.func @Tiny_Net(
# CHECK: explicit: func.func @chosen(
# torch.fx: the traced module's class name.
# CHECK: symbolic_trace: func.func @TinyNet(
import os
import shutil
import sys

import onnx
from onnx import TensorProto, helper

from qc.importers.common import entry_name
from qc.importers.onnx import import_to_mlir

out = sys.argv[1]
for name in ["digits_mlp", "resnet-18.v2", "3layers", "__private", "main", "torch_jit", "torch-jit-export",
             "main_graph", "GraphModule", "int", "qc_model_x", "", None]:
    print("%r -> %s" % (name, entry_name(name)))


def signature(text):
    return next(line.strip() for line in text.splitlines() if "func.func" in line).split("(")[0] + "("


def relu_model(graph_name):
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], graph_name,
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


onnx.save(relu_model("Tiny Net"), os.path.join(out, "tiny-classifier.onnx"))
print("stem:", signature(import_to_mlir(os.path.join(out, "tiny-classifier.onnx"))))
print("graph name:", signature(import_to_mlir(relu_model("Tiny Net"))))
print("exporter default:", signature(import_to_mlir(relu_model("torch_jit"))))
shutil.copy(os.path.join(out, "tiny-classifier.onnx"), os.path.join(out, "main.onnx"))
print("main.onnx:", signature(import_to_mlir(os.path.join(out, "main.onnx"))))
print("explicit:", signature(import_to_mlir(os.path.join(out, "main.onnx"), name="chosen")))

import torch  # noqa: E402
import torch.fx  # noqa: E402

from qc.importers.torch import import_fx_to_mlir  # noqa: E402


class TinyNet(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x)


print("symbolic_trace:", signature(import_fx_to_mlir(torch.fx.symbolic_trace(TinyNet()), [(1, 4)])))
