# qc-import-onnx: the command line, and models it must refuse with an error
# naming the node (non-zero exit, no output file).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
# RUN: qc-import-onnx %t/ok.onnx -o %t/ok.mlir
# RUN: qc-opt %t/ok.mlir | FileCheck %s --check-prefix=OK
# OK: func.func @ok(%arg0: tensor<1x3xf32>) -> tensor<1x2xf32>
# OK: qc.fake_quant
# RUN: %python -m qc.importers.onnx %t/ok.onnx --batch 4 --name digits | FileCheck %s --check-prefix=NAME
# NAME: func.func @digits(%arg0: tensor<4x3xf32>) -> tensor<4x2xf32>
#
# RUN: not %python -m qc.importers.onnx %t/unsupported.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=UNSUP
# UNSUP: qc-import-onnx: error: node 'my_einsum' (Einsum): unsupported operator 'Einsum'
# RUN: not test -e %t/out.mlir
# RUN: not %python -m qc.importers.onnx %t/resize_cubic.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=RESIZE
# RESIZE: qc-import-onnx: error: node 'my_resize' (Resize): mode 'cubic' is not supported: qc imports Resize in mode 'nearest' with integer scales
# RUN: not test -e %t/out.mlir
# RUN: not %python -m qc.importers.onnx %t/notonnx.onnx 2>&1 | FileCheck %s --check-prefix=BADFILE
# BADFILE: qc-import-onnx: error: cannot read ONNX model '{{.*}}notonnx.onnx'
# RUN: not %python -m qc.importers.onnx %t/missing.onnx 2>&1 | FileCheck %s --check-prefix=MISSING
# MISSING: qc-import-onnx: error: cannot read ONNX model '{{.*}}missing.onnx'
# RUN: not %python -m qc.importers.onnx %t/int8_matmul.onnx 2>&1 | FileCheck %s --check-prefix=NONQDQ
# NONQDQ: error: node 'mm' (MatMul): input 'q' is a quantized tensor (output of node 'ql' (QuantizeLinear)); only DequantizeLinear and QLinear operators may read quantized tensors
# RUN: not %python -m qc.importers.onnx %t/requant.onnx 2>&1 | FileCheck %s --check-prefix=REQUANT
# REQUANT: error: node 'dq' (DequantizeLinear): parameters differ from those of node 'ql' (QuantizeLinear)
# RUN: not %python -m qc.importers.onnx %t/grouped.onnx 2>&1 | FileCheck %s --check-prefix=GROUPED
# GROUPED: error: node 'gconv' (Conv): a grouped convolution (groups=2) needs a constant weight
# RUN: not %python -m qc.importers.onnx %t/qout_clip.onnx 2>&1 | FileCheck %s --check-prefix=QOUT
# QOUT: error: graph output 'c' is quantized with a Clip that excludes its zero point; qc cannot return these codes
# RUN: not %python -m qc.importers.onnx %t/int_unused.onnx 2>&1 | FileCheck %s --check-prefix=INTIN
# INTIN: error: graph input 'xi' (uint8) is never dequantized: qc needs its scale and zero point from a DequantizeLinear or QLinear operator that reads it
# RUN: not %python -m qc.importers.onnx %t/int_float_use.onnx 2>&1 | FileCheck %s --check-prefix=INTF
# INTF: error: node 'r' (Relu): input 'xi' is an integer graph input (int8); only DequantizeLinear and QLinear/integer operators may read it
# RUN: not %python -m qc.importers.onnx %t/cast_codes.onnx 2>&1 | FileCheck %s --check-prefix=CASTQ
# CASTQ: error: node 'c' (Cast): Cast of uint8 quantized codes to int8 changes them; not supported
# RUN: not %python -m qc.importers.onnx %t/dynamic.onnx 2>&1 | FileCheck %s --check-prefix=DYN
# DYN: error: graph input 'x': dimension 1 is dynamic (features)
# RUN: not %python -m qc.importers.onnx %t/ceil.onnx 2>&1 | FileCheck %s --check-prefix=CEIL
# CEIL: error: node 'pool' (MaxPool): ceil_mode=1 is not supported
# RUN: not %python -m qc.importers.onnx %t/dq_float.onnx 2>&1 | FileCheck %s --check-prefix=DQF
# DQF: error: node 'dq' (DequantizeLinear): input 'x' is not quantized
# RUN: not %python -m qc.importers.onnx %t/clip_axis.onnx 2>&1 | FileCheck %s --check-prefix=CLIPAXIS
# CLIPAXIS: error: node 'clip' (Clip): Clip of per-axis quantized codes to [-8, 7] excludes a zero point ([ 0 10])
#
# Malformed models and command lines (issue 12): each is an error with exit 1,
# never a traceback, and no output file.
# RUN: not %python -m qc.importers.onnx %t/empty.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY
# EMPTY: qc-import-onnx: error: the model has no graph (an empty or truncated file?)
# RUN: not %python -m qc.importers.onnx %t/no_outputs.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=NOOUT
# NOOUT: qc-import-onnx: error: graph 'no_outputs' has no outputs: nothing to compute
# RUN: not %python -m qc.importers.onnx %t/negative_dim.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=NEGDIM
# NEGDIM: qc-import-onnx: error: graph input 'x': dimension 0 is -1; qc needs sizes >= 1 (a negative size is invalid ONNX)
# RUN: not %python -m qc.importers.onnx %t/zero_batch.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=ZERO
# ZERO: qc-import-onnx: error: graph input 'x': dimension 0 is 0; qc needs sizes >= 1 (zero-size tensors are not supported)
# RUN: not %python -m qc.importers.onnx %t/ok.onnx --batch 0 -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=BATCH0
# BATCH0: qc-import-onnx: error: --batch 0: the batch size must be at least 1
# RUN: not %python -m qc.importers.onnx %t/bad_perm.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=PERM
# PERM: qc-import-onnx: error: node 'tr' (Transpose): perm [0, 2] is not a permutation of the 2 axes of input shape (2, 3)
# RUN: not %python -m qc.importers.onnx %t/bad_concat.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CONCAT
# CONCAT: qc-import-onnx: error: node 'cat' (Concat): axis 5 is outside the valid range [-2, 1] for rank 2
# RUN: not %python -m qc.importers.onnx %t/concat_shapes.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CONCAT2
# CONCAT2: qc-import-onnx: error: node 'cat' (Concat): input shapes [(2, 3), (2, 4)] do not concatenate on axis 0
# RUN: not %python -m qc.importers.onnx %t/nan_weight.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=NANW
# NANW: qc-import-onnx: error: node 'mm' (MatMul): initializer 'w' holds nan at index (1, 0); qc needs finite weights
# RUN: not %python -m qc.importers.onnx %t/inf_weight.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=INFW
# INFW: qc-import-onnx: error: node 'mm' (MatMul): initializer 'w' holds inf at index (2, 0)
# RUN: not %python -m qc.importers.onnx %t/declared_shape.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=DECL
# DECL: qc-import-onnx: error: node 'relu' (Relu): output 'y' has shape [2, 3], but the model declares [5, 3]; the model is inconsistent
# RUN: not %python -m qc.importers.onnx %t/declared_inner.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=DECLIN
# DECLIN: qc-import-onnx: error: node 'relu' (Relu): output 'r' has shape [2, 3], but the model declares [3, 2]
# RUN: not %python -m qc.importers.onnx %t/opset99.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=OPSET
# OPSET: qc-import-onnx: error: opset 99 is not supported: qc imports opsets 10 to 17
# RUN: not %python -m qc.importers.onnx %t/clip_nan.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CLIPNAN
# CLIPNAN: qc-import-onnx: error: node 'clip' (Clip): the max bound is NaN; give a number, or leave the input empty
# RUN: not %python -m qc.importers.onnx %t/undefined.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=UNDEF
# UNDEF: qc-import-onnx: error: invalid ONNX model: Nodes in a graph must be topologically sorted, however input 'w' of node: name: mm OpType: MatMul is not output of any previous nodes.
# RUN: not %python -m qc.importers.onnx %t/zero_scale.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=ZSCALE
# ZSCALE: qc-import-onnx: error: node 'ql' (QuantizeLinear): scales must be finite and > 0, got [0.]
# RUN: not %python -m qc.importers.onnx %t/nan_scale.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=NSCALE
# NSCALE: qc-import-onnx: error: node 'ql' (QuantizeLinear): scales must be finite and > 0, got [nan]
# RUN: not %python -m qc.importers.onnx %t/neg_scale.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=NEGSCALE
# NEGSCALE: qc-import-onnx: error: node 'ql' (QuantizeLinear): scales must be finite and > 0, got [-0.1]
# RUN: not %python -m qc.importers.onnx %t/dynamic_reshape.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=DYNRS
# DYNRS: qc-import-onnx: error: graph input 'shp' is INT64: qc functions take float32 inputs and uint8/int8 inputs that a DequantizeLinear or QLinear operator reads (make shapes and other integer operands initializers)
# RUN: not %python -m qc.importers.onnx %t/reshape_neg.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=RSNEG
# RUN: not test -e %t/out.mlir
# RSNEG: qc-import-onnx: error: node 'rs' (Reshape): shape [-2, 3] has a negative size other than -1
#
# Tensor data that does not match its dims, non-finite attributes, pool and
# conv attributes out of range (fuzz/regressions/importer/ has the mutants
# that found these):
# RUN: not %python -m qc.importers.onnx %t/typed_count.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TCOUNT
# TCOUNT: qc-import-onnx: error: initializer 'w' holds 3 values in float_data, but its dims [3, 2] need 6
# RUN: not %python -m qc.importers.onnx %t/const_raw.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CRAW
# CRAW: qc-import-onnx: error: node 'c' (Constant): attribute value has 5 bytes of raw data, but its dims [2] of FLOAT (4 bytes each) need 8
# RUN: not %python -m qc.importers.onnx %t/attr_inf.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=AINF
# AINF: qc-import-onnx: error: node 'hs' (HardSigmoid): attribute alpha is inf; it must be finite
# RUN: not %python -m qc.importers.onnx %t/pool_pad.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=PPAD
# PPAD: qc-import-onnx: error: node 'pool' (MaxPool): pads [2, 0, 0, 0]: each pad must be smaller than the kernel [2, 2]
# RUN: not %python -m qc.importers.onnx %t/pool_big.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=PBIG
# PBIG: qc-import-onnx: error: node 'pool' (AveragePool): kernel_shape [5, 2] is larger than the padded input [3, 3]
# RUN: not %python -m qc.importers.onnx %t/pool_stride.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=PSTRIDE
# PSTRIDE: qc-import-onnx: error: node 'pool' (MaxPool): strides [1, 0]: expected 2 integers >= 1
# RUN: not %python -m qc.importers.onnx %t/conv_dil.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CDIL
# CDIL: qc-import-onnx: error: node 'conv' (Conv): dilations [-1, 1]: expected 2 integers >= 1
# RUN: not test -e %t/out.mlir
#
# RUN: not %python -m qc.importers.onnx %t/ok.onnx --name 'a b"c}' -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=FNAME
# FNAME: qc-import-onnx: error: function name 'a b"c}' is not valid: use letters, digits and '_', not starting with a digit
# RUN: not %python -m qc.importers.onnx %t/ok.onnx -o %t/no/such/dir/out.mlir 2>&1 | FileCheck %s --check-prefix=NODIR
# NODIR: qc-import-onnx: error: cannot write '{{.*}}/no/such/dir/out.mlir': directory '{{.*}}/no/such/dir' does not exist
# RUN: not %python -m qc.importers.onnx %t/ok.onnx -o /dev/full 2>&1 | FileCheck %s --check-prefix=FULL
# FULL: qc-import-onnx: error: cannot write '/dev/full': No space left on device
# RUN: not %python -m qc.importers.onnx %t/ok.onnx > /dev/full 2> %t/stdout-full.txt
# RUN: FileCheck %s --check-prefix=FULLOUT --input-file %t/stdout-full.txt
# FULLOUT: qc-import-onnx: error: cannot write the output to stdout: No space left on device
# FULLOUT-NOT: Traceback
# A file system that refuses the write half-way (a file size limit) leaves no file behind:
# RUN: not %python -m qc.importers.onnx %t/int32_use.onnx 2>&1 | FileCheck %s --check-prefix=INT32USE
# INT32USE: error: node 'relu' (Relu): input 'acc' is the integer result of node 'mmi' (MatMulInteger); qc reads it as a graph output, by MatMulInteger / ConvInteger (codes) or by a Cast to float
# RUN: not %python -m qc.importers.onnx %t/int_zp_input.onnx 2>&1 | FileCheck %s --check-prefix=INTZP
# INTZP: error: node 'mmi' (MatMulInteger): the A zero point 'az' must be an integer constant or the zero point of a DynamicQuantizeLinear
# RUN: not %python -m qc.importers.onnx %t/dynamic_quant.onnx 2>&1 | FileCheck %s --check-prefix=DYNQ
# DYNQ: error: node 'dcw' (ConvInteger): the weight zero point must be a constant
# RUN: not %python %s --file-size-limit 2048 %t/big.onnx %t/big.mlir 2>&1 | FileCheck %s --check-prefix=FSIZE
# FSIZE: qc-import-onnx: error: cannot write '{{.*}}big.mlir': File too large (nothing was written)
# RUN: not test -e %t/big.mlir
# RUN: ls -a %t | FileCheck %s --check-prefix=NOTMP
# NOTMP-NOT: .tmp
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

if sys.argv[1] == "--file-size-limit":
    import resource
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
    from qc.importers.onnx import main
    sys.exit(main([sys.argv[3], "-o", sys.argv[4]]))

out = sys.argv[1]


def save(name, nodes, inits, inputs, outputs, opset=13):
    g = helper.make_graph(nodes, name, inputs, outputs,
                          [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(m, os.path.join(out, name + ".onnx"))


def vi(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


qinit = {"s": np.float32(0.1), "z": np.int8(0)}
save("ok", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
            helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"]),
            helper.make_node("MatMul", ["d", "w"], ["y"])],
     dict(qinit, w=np.ones((3, 2), np.float32)), [vi("x", ["batch", 3])], [vi("y", ["batch", 2])])
save("unsupported", [helper.make_node("Einsum", ["x"], ["y"], name="my_einsum", equation="ij->ji")],
     {}, [vi("x", [2, 2])], [vi("y", [2, 2])])
save("resize_cubic", [helper.make_node("Resize", ["x", "", "scales"], ["y"], name="my_resize", mode="cubic")],
     {"scales": np.array([1, 1, 2, 2], np.float32)}, [vi("x", [1, 1, 2, 2])], [vi("y", [1, 1, 4, 4])])
with open(os.path.join(out, "notonnx.onnx"), "w") as f:
    f.write("this is not a protobuf\n" * 10)
save("int8_matmul", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="ql"),
                     helper.make_node("MatMul", ["q", "w"], ["y"], name="mm")],
     dict(qinit, w=np.ones((3, 2), np.float32)), [vi("x", [4, 3])], [vi("y", [4, 2])])
save("requant", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="ql"),
                 helper.make_node("DequantizeLinear", ["q", "s2", "z"], ["y"], name="dq")],
     dict(qinit, s2=np.float32(0.2)), [vi("x", [4])], [vi("y", [4])])
save("grouped", [helper.make_node("Conv", ["x", "w"], ["y"], name="gconv", group=2)],
     {}, [vi("x", [1, 4, 3, 3]), vi("w", [4, 2, 1, 1])], [vi("y", [1, 4, 3, 3])])
save("qout_clip", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="ql"),
                   helper.make_node("Clip", ["q", "lo"], ["c"], name="clip")], dict(qinit, lo=np.int8(5)),
     [vi("x", [4])], [vi("c", [4], TensorProto.INT8)])
save("int_unused", [helper.make_node("Relu", ["x"], ["y"])], {}, [vi("x", [4]), vi("xi", [4], TensorProto.UINT8)],
     [vi("y", [4])])
save("int_float_use", [helper.make_node("Relu", ["xi"], ["y"], name="r")], {}, [vi("xi", [4], TensorProto.INT8)],
     [vi("y", [4], TensorProto.INT8)])
save("cast_codes", [helper.make_node("QuantizeLinear", ["x", "s"], ["q"], name="ql"),
                    helper.make_node("Cast", ["q"], ["c"], name="c", to=TensorProto.INT8),
                    helper.make_node("DequantizeLinear", ["c", "s"], ["y"], name="dq")], {"s": np.float32(0.1)},
     [vi("x", [4])], [vi("y", [4])])
save("dynamic", [helper.make_node("Relu", ["x"], ["y"])], {}, [vi("x", [1, "features"])],
     [vi("y", [1, "features"])])
save("ceil", [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], ceil_mode=1)], {},
     [vi("x", [1, 1, 5, 5])], [vi("y", [1, 1, 3, 3])])
save("dq_float", [helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], name="dq")], qinit,
     [vi("x", [4])], [vi("y", [4])])
save("clip_axis", [helper.make_node("QuantizeLinear", ["w", "sa", "za"], ["q"], axis=0),
                   helper.make_node("Clip", ["q", "lo", "hi"], ["c"], name="clip"),
                   helper.make_node("DequantizeLinear", ["c", "sa", "za"], ["d"], axis=0),
                   helper.make_node("MatMul", ["x", "d"], ["y"])],
     {"w": np.ones((2, 2), np.float32), "sa": np.array([0.1, 0.2], np.float32), "za": np.array([0, 10], np.int8),
      "lo": np.int8(-8), "hi": np.int8(7)}, [vi("x", [1, 2])], [vi("y", [1, 2])])

relu = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
open(os.path.join(out, "empty.onnx"), "wb").close()
save("no_outputs", relu, {}, [vi("x", [2])], [])
save("negative_dim", relu, {}, [vi("x", [-1, 3])], [vi("y", [-1, 3])])
save("zero_batch", relu, {}, [vi("x", [0, 3])], [vi("y", [0, 3])])
save("bad_perm", [helper.make_node("Transpose", ["x"], ["y"], name="tr", perm=[0, 2])], {},
     [vi("x", [2, 3])], [vi("y", [3, 2])])
save("bad_concat", [helper.make_node("Concat", ["x", "x"], ["y"], name="cat", axis=5)], {},
     [vi("x", [2, 3])], [vi("y", [4, 3])])
save("concat_shapes", [helper.make_node("Concat", ["x", "x2"], ["y"], name="cat", axis=0)], {},
     [vi("x", [2, 3]), vi("x2", [2, 4])], [vi("y", [4, 3])])
for name, bad, index in (("nan_weight", np.nan, 1), ("inf_weight", np.inf, 2)):
    w = np.ones((3, 1), np.float32)
    w[index, 0] = bad
    save(name, [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], {"w": w},
         [vi("x", [2, 3])], [vi("y", [2, 1])])
save("declared_shape", relu, {}, [vi("x", [2, 3])], [vi("y", [5, 3])])
g = helper.make_graph([helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Relu", ["r"], ["y"])],
                      "declared_inner", [vi("x", [2, 3])], [vi("y", [2, 3])], value_info=[vi("r", [3, 2])])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(out, "declared_inner.onnx"))
save("opset99", relu, {}, [vi("x", [2])], [vi("y", [2])], opset=99)
save("clip_nan", [helper.make_node("Clip", ["x", "", "hi"], ["y"], name="clip")], {"hi": np.float32(np.nan)},
     [vi("x", [2])], [vi("y", [2])])
save("undefined", [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], {}, [vi("x", [2, 3])], [vi("y", [2, 2])])
for name, s in (("zero_scale", 0.0), ("nan_scale", np.nan), ("neg_scale", -0.1)):
    save(name, [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="ql"),
                helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], name="dq")],
         {"s": np.float32(s), "z": np.int8(0)}, [vi("x", [4])], [vi("y", [4])])
save("dynamic_reshape", [helper.make_node("Reshape", ["x", "shp"], ["y"], name="rs")], {},
     [vi("x", [2, 3]), vi("shp", [2], TensorProto.INT64)], [vi("y", [3, 2])])
save("reshape_neg", [helper.make_node("Reshape", ["x", "shp"], ["y"], name="rs")],
     {"shp": np.array([-2, 3], np.int64)}, [vi("x", [2, 3])], [vi("y", [2, 3])])
save("big", [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
     {"w": np.random.default_rng(0).random((40, 40), dtype=np.float32)}, [vi("x", [2, 40])], [vi("y", [2, 40])])

bad = helper.make_tensor("w", TensorProto.FLOAT, [3], [1.0, 2.0, 3.0])
bad.dims[:] = [3, 2]  # make_tensor checks the count; a corrupted file does not
g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "typed_count",
                      [vi("x", [2, 3])], [vi("y", [2, 2])], [bad])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(out, "typed_count.onnx"))
raw = helper.make_tensor("v", TensorProto.FLOAT, [2], bytes(8), raw=True)
raw.raw_data = bytes(5)
save("const_raw", [helper.make_node("Constant", [], ["k"], name="c", value=raw),
                   helper.make_node("Add", ["x", "k"], ["y"], name="add")], {}, [vi("x", [2])], [vi("y", [2])])
save("attr_inf", [helper.make_node("HardSigmoid", ["x"], ["y"], name="hs", alpha=float("inf"))], {},
     [vi("x", [2])], [vi("y", [2])])
for name, op, attrs in (("pool_pad", "MaxPool", dict(kernel_shape=[2, 2], pads=[2, 0, 0, 0])),
                        ("pool_big", "AveragePool", dict(kernel_shape=[5, 2])),
                        ("pool_stride", "MaxPool", dict(kernel_shape=[2, 2], strides=[1, 0]))):
    save(name, [helper.make_node(op, ["x"], ["y"], name="pool", **attrs)], {}, [vi("x", [1, 1, 3, 3])],
         [vi("y", [1, 1, 1, 1])])
save("conv_dil", [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", dilations=[-1, 1])],
     {"w": np.ones((1, 1, 1, 1), np.float32)}, [vi("x", [1, 1, 3, 3])], [vi("y", [1, 1, 1, 1])])
u8 = TensorProto.UINT8
save("int32_use", [helper.make_node("MatMulInteger", ["a", "b"], ["acc"], name="mmi"),
                   helper.make_node("Relu", ["acc"], ["y"], name="relu")],
     {"b": np.ones((3, 2), np.uint8)}, [vi("a", [2, 3], u8)], [vi("y", [2, 2])])
save("int_zp_input", [helper.make_node("MatMulInteger", ["a", "b", "az"], ["y"], name="mmi")],
     {"b": np.ones((3, 2), np.uint8)}, [vi("a", [2, 3], u8), vi("az", [], u8)], [vi("y", [2, 2], TensorProto.INT32)])
save("dynamic_quant", [helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "s", "z"], name="dql"),
                       helper.make_node("ConvInteger", ["q", "w", "z", "z"], ["y"], name="dcw")],
     {"w": np.ones((1, 1, 1, 1), np.uint8)}, [vi("x", [1, 1, 2, 3])], [vi("y", [1, 1, 2, 3], TensorProto.INT32)])
