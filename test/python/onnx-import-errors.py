# qc-import-onnx: the command line, and models it must refuse with an error
# naming the node (non-zero exit, no output file).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
# RUN: qc-import-onnx %t/ok.onnx -o %t/ok.mlir
# RUN: qc-opt %t/ok.mlir | FileCheck %s --check-prefix=OK
# OK: func.func @main(%arg0: tensor<1x3xf32>) -> tensor<1x2xf32>
# OK: qc.fake_quant
# RUN: %python -m qc.importers.onnx %t/ok.onnx --batch 4 --name digits | FileCheck %s --check-prefix=NAME
# NAME: func.func @digits(%arg0: tensor<4x3xf32>) -> tensor<4x2xf32>
#
# RUN: not %python -m qc.importers.onnx %t/unsupported.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=UNSUP
# UNSUP: qc-import-onnx: error: node 'my_sigmoid' (Sigmoid): unsupported operator 'Sigmoid'
# RUN: not test -e %t/out.mlir
# RUN: not %python -m qc.importers.onnx %t/notonnx.onnx 2>&1 | FileCheck %s --check-prefix=BADFILE
# BADFILE: qc-import-onnx: error: cannot read ONNX model '{{.*}}notonnx.onnx'
# RUN: not %python -m qc.importers.onnx %t/missing.onnx 2>&1 | FileCheck %s --check-prefix=MISSING
# MISSING: qc-import-onnx: error: cannot read ONNX model '{{.*}}missing.onnx'
# RUN: not %python -m qc.importers.onnx %t/int8_matmul.onnx 2>&1 | FileCheck %s --check-prefix=NONQDQ
# NONQDQ: error: node 'mm' (MatMul): input 'q' is a quantized tensor (output of QuantizeLinear node 'ql' (QuantizeLinear)); only DequantizeLinear may read quantized tensors
# RUN: not %python -m qc.importers.onnx %t/requant.onnx 2>&1 | FileCheck %s --check-prefix=REQUANT
# REQUANT: error: node 'dq' (DequantizeLinear): parameters differ from those of QuantizeLinear node 'ql'
# RUN: not %python -m qc.importers.onnx %t/grouped.onnx 2>&1 | FileCheck %s --check-prefix=GROUPED
# GROUPED: error: node 'gconv' (Conv): grouped convolution with groups=2 (4 input, 4 output channels) is not supported
# RUN: not %python -m qc.importers.onnx %t/qout.onnx 2>&1 | FileCheck %s --check-prefix=QOUT
# QOUT: error: graph output 'q' is quantized
# RUN: not %python -m qc.importers.onnx %t/dynamic.onnx 2>&1 | FileCheck %s --check-prefix=DYN
# DYN: error: graph input 'x': dimension 1 is dynamic (features)
# RUN: not %python -m qc.importers.onnx %t/ceil.onnx 2>&1 | FileCheck %s --check-prefix=CEIL
# CEIL: error: node 'pool' (MaxPool): ceil_mode=1 is not supported
# RUN: not %python -m qc.importers.onnx %t/dq_float.onnx 2>&1 | FileCheck %s --check-prefix=DQF
# DQF: error: node 'dq' (DequantizeLinear): input 'x' is not quantized
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def save(name, nodes, inits, inputs, outputs):
    g = helper.make_graph(nodes, name, inputs, outputs,
                          [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(m, os.path.join(out, name + ".onnx"))


def vi(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


qinit = {"s": np.float32(0.1), "z": np.int8(0)}
save("ok", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
            helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"]),
            helper.make_node("MatMul", ["d", "w"], ["y"])],
     dict(qinit, w=np.ones((3, 2), np.float32)), [vi("x", ["batch", 3])], [vi("y", ["batch", 2])])
save("unsupported", [helper.make_node("Sigmoid", ["x"], ["y"], name="my_sigmoid")], {},
     [vi("x", [2])], [vi("y", [2])])
with open(os.path.join(out, "notonnx.onnx"), "w") as f:
    f.write("this is not a protobuf\n" * 10)
save("int8_matmul", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="ql"),
                     helper.make_node("MatMul", ["q", "w"], ["y"], name="mm")],
     dict(qinit, w=np.ones((3, 2), np.float32)), [vi("x", [4, 3])], [vi("y", [4, 2])])
save("requant", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="ql"),
                 helper.make_node("DequantizeLinear", ["q", "s2", "z"], ["y"], name="dq")],
     dict(qinit, s2=np.float32(0.2)), [vi("x", [4])], [vi("y", [4])])
save("grouped", [helper.make_node("Conv", ["x", "w"], ["y"], name="gconv", group=2)],
     {"w": np.ones((4, 2, 1, 1), np.float32)}, [vi("x", [1, 4, 3, 3])], [vi("y", [1, 4, 3, 3])])
save("qout", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="ql")], qinit,
     [vi("x", [4])], [vi("q", [4], TensorProto.INT8)])
save("dynamic", [helper.make_node("Relu", ["x"], ["y"])], {}, [vi("x", [1, "features"])],
     [vi("y", [1, "features"])])
save("ceil", [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], ceil_mode=1)], {},
     [vi("x", [1, 1, 5, 5])], [vi("y", [1, 1, 3, 3])])
save("dq_float", [helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], name="dq")], qinit,
     [vi("x", [4])], [vi("y", [4])])
