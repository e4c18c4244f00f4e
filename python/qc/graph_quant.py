"""Graph ops at the boundary of quantized values: integer graph inputs and
quantized graph outputs (ONNX models whose inputs or outputs are uint8/int8
codes, e.g. QOperator models and the ONNX conformance cases).

  quantize     qc.quantize x : tensor<...xf32> -> tensor<...x!quant.uniform>
               (half_even, saturating; the quotient in f32); its value in
               Graph.evaluate is the integer codes (numpy int8/uint8/...)
  dequantize   qc.dequantize q : tensor<...x!quant.uniform> -> tensor<...xf32>,
               (q - z) * s in f32

A quantized graph input is a function argument of the !quant.uniform tensor
type (Graph.qtypes[name] = QParams); Graph.evaluate takes its integer codes.
"""
import numpy as np

from . import mlir
from . import reference as ref


def storage_dtype(qp):
    bits = 8 if qp.bits <= 8 else 16 if qp.bits <= 16 else 32
    return np.dtype(("int%d" if qp.signed else "uint%d") % bits)


def quant_tensor_type(shape, qp):
    return mlir.tensor_type(shape, qp.mlir_type())


class Quantize:
    def infer(self, shapes, a, fail):
        qp = a["qparams"]
        if qp.axis is not None and (qp.axis >= len(shapes[0]) or shapes[0][qp.axis] != qp.scale.size):
            fail("%d scales for axis %s of shape %s" % (qp.scale.size, qp.axis, shapes[0]))
        return shapes[0]

    def evaluate(self, args, a):
        qp = a["qparams"]
        s, z = (qp.scale[0], qp.zero_point[0]) if qp.axis is None else (qp.scale, qp.zero_point)
        q = ref.quantize(np.asarray(args[0], np.float32), s, z, qp.qmin, qp.qmax, ref.HALF_EVEN,
                         axis=qp.axis, float_type=np.float32)
        return np.asarray(q).astype(storage_dtype(qp))

    def emit(self, em, node, ins):
        y = em.fw.fresh("q")
        shape = em.shape(node.output)
        em.fw.emit("%s = qc.quantize %s : %s -> %s" % (
            y, ins[0], em.T(node.inputs[0]), quant_tensor_type(shape, node.attrs["qparams"])))
        return y


class Dequantize:
    def infer(self, shapes, a, fail):
        return shapes[0]

    def evaluate(self, args, a):
        qp = a["qparams"]
        s, z = (qp.scale[0], qp.zero_point[0]) if qp.axis is None else (qp.scale, qp.zero_point)
        return ref.dequantize(np.asarray(args[0]).astype(np.int64), s, z, axis=qp.axis,
                              float_type=np.float32)

    def emit(self, em, node, ins):
        y = em.fw.fresh("dq")
        shape = em.shape(node.output)
        em.fw.emit("%s = qc.dequantize %s : %s -> %s" % (
            y, ins[0], quant_tensor_type(shape, node.attrs["qparams"]), em.T(node.output)))
        return y


OPS = {"quantize": Quantize(), "dequantize": Dequantize()}
