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


# -- exact integer products (ONNX MatMulInteger / ConvInteger) ---------------
# Their result is the i32 accumulator itself: no scale, no requantization, so
# no float form for --qc-fold-fake-quant to fold. The ops are emitted as the
# integer linalg they mean: each operand's storage codes (quant.scast of a
# !quant.uniform value) minus its zero point widened to i32, or an i32
# constant, then linalg.matmul / linalg.conv_2d_nchw_fchw on i32 (sums wrap
# modulo 2^32, as ONNX Runtime's int32 accumulators). The result type is
# !quant.uniform<i32:f32, 1.0> (zero point 0): the integer value itself, an
# int32 function result. An operand spec is ("input", index into
# node.inputs, QParams of that input, zero points, zero-point axis or None)
# or ("const", centered integer array).

I32_MIN = -(1 << 31)


def i32_params():
    from .graph import QParams
    return QParams(1.0, 0, I32_MIN, -I32_MIN - 1, 32, True)


def _wrap_i32(x):
    return ((np.asarray(x, np.int64) - I32_MIN) % (1 << 32) + I32_MIN).astype(np.int32)


def _centered(spec, args):
    if spec[0] == "const":
        return np.asarray(spec[1], np.int64)
    _, index, _, zp, axis = spec
    x = np.asarray(args[index]).astype(np.int64)
    if isinstance(zp, tuple):       # ("input", index): a run-time rank-0 zero point
        return x - int(np.asarray(args[zp[1]]).astype(np.int64))
    if axis is None:
        return x - int(np.asarray(zp).reshape(-1)[0])
    shape = [1] * x.ndim
    shape[axis] = -1
    return x - np.asarray(zp, np.int64).reshape(shape)


def _emit_centered(em, spec, ins, shape):
    """The i32 tensor `codes - zero point` of an operand spec."""
    fw = em.fw
    i32 = mlir.tensor_type(shape, "i32")
    if spec[0] == "const":
        c = fw.fresh("icst")
        fw.emit("%s = arith.constant %s" % (c, mlir.dense_attr(np.asarray(spec[1], np.int64).astype(np.int32))))
        return c
    _, index, qp, zp, axis = spec
    rank = len(shape)
    storage = "i8" if qp.bits <= 8 else "i16"
    s = fw.fresh("codes")
    fw.emit("%s = quant.scast %s : %s to %s" % (s, ins[index], quant_tensor_type(shape, qp),
                                                mlir.tensor_type(shape, storage)))
    e = fw.fresh("e")
    fw.emit("%s = tensor.empty() : %s" % (e, i32))
    ident = mlir.affine_map(rank, list(range(rank)))
    maps, operands, types = [ident], [s], [mlir.tensor_type(shape, storage)]
    runtime_zp = isinstance(zp, tuple)
    if runtime_zp:
        # A run-time rank-0 zero point (DynamicQuantizeLinear's): its codes,
        # broadcast to every element.
        zc = fw.fresh("zpc")
        fw.emit("%s = quant.scast %s : %s to tensor<%s>" % (zc, ins[zp[1]], quant_tensor_type((), qp), storage))
        maps.append(mlir.affine_map(rank, []))
        operands.append(zc)
        types.append("tensor<%s>" % storage)
    elif axis is not None:
        z = fw.fresh("zp")
        fw.emit("%s = arith.constant %s" % (z, mlir.dense_attr(np.asarray(zp, np.int64).astype(np.int32))))
        maps.append(mlir.affine_map(rank, [axis]))
        operands.append(z)
        types.append(mlir.tensor_type((len(zp),), "i32"))
    y = fw.fresh("ctr")
    fw.emit("%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]}" % (
        y, ", ".join(maps + [ident]), ", ".join(['"parallel"'] * rank)))
    fw.emit("    ins(%s : %s) outs(%s : %s) {" % (", ".join(operands), ", ".join(types), e, i32))
    extra = ", %%zpr: %s" % storage if runtime_zp else ", %zpv: i32" if axis is not None else ""
    fw.emit("^bb0(%%in: %s%s, %%out: i32):" % (storage, extra))
    fw.emit("  %%w = %s %%in : %s to i32" % ("arith.extsi" if qp.signed else "arith.extui", storage))
    if runtime_zp:
        fw.emit("  %%zpv = %s %%zpr : %s to i32" % ("arith.extsi" if qp.signed else "arith.extui", storage))
    elif axis is None:
        fw.emit("  %%zpv = arith.constant %d : i32" % int(np.asarray(zp).reshape(-1)[0]))
    fw.emit("  %r = arith.subi %w, %zpv : i32")
    fw.emit("  linalg.yield %r : i32")
    fw.emit("} -> %s" % i32)
    return y


def _emit_result(em, node, y, shape):
    """quant.scast of the i32 result to the node's !quant.uniform<i32> type."""
    r = em.fw.fresh("acc")
    em.fw.emit("%s = quant.scast %s : %s to %s" % (r, y, mlir.tensor_type(shape, "i32"),
                                                   quant_tensor_type(shape, i32_params())))
    return r


def _zero_init(em, shape):
    fw = em.fw
    t = mlir.tensor_type(shape, "i32")
    e, z, f = fw.fresh("e"), fw.fresh("c0"), fw.fresh("init")
    fw.emit("%s = tensor.empty() : %s" % (e, t))
    fw.emit("%s = arith.constant 0 : i32" % z)
    fw.emit("%s = linalg.fill ins(%s : i32) outs(%s : %s) -> %s" % (f, z, e, t, t))
    return f


class MatmulInteger:
    """attrs: `a`, `b` operand specs, `a_shape` [..., M, K], `b_shape` [K, N]
    (the leading dims of a collapse into M)."""

    def infer(self, shapes, a, fail):
        sa, sb = tuple(a["a_shape"]), tuple(a["b_shape"])
        if len(sa) < 2 or len(sb) != 2 or sa[-1] != sb[0]:
            fail("shapes %s x %s: expected [..., M, K] x [K, N]" % (sa, sb))
        return sa[:-1] + (sb[1],)

    def evaluate(self, args, a):
        return _wrap_i32(np.matmul(_centered(a["a"], args), _centered(a["b"], args)))

    def emit(self, em, node, ins):
        a = node.attrs
        sa, sb = tuple(a["a_shape"]), tuple(a["b_shape"])
        so = em.shape(node.output)
        m = int(np.prod(sa[:-1]))
        k, n = sb
        ca = _emit_centered(em, a["a"], ins, sa)
        cb = _emit_centered(em, a["b"], ins, sb)
        if len(sa) > 2:
            c2 = em.fw.fresh("cl")
            em.fw.emit("%s = tensor.collapse_shape %s [[%s], [%d]] : %s into %s" % (
                c2, ca, ", ".join(str(i) for i in range(len(sa) - 1)), len(sa) - 1,
                mlir.tensor_type(sa, "i32"), mlir.tensor_type((m, k), "i32")))
            ca = c2
        init = _zero_init(em, (m, n))
        t = mlir.tensor_type((m, n), "i32")
        y = em.fw.fresh("imm")
        em.fw.emit("%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
            y, ca, cb, mlir.tensor_type((m, k), "i32"), mlir.tensor_type(sb, "i32"), init, t, t))
        if len(sa) > 2:
            e2 = em.fw.fresh("ex")
            em.fw.emit("%s = tensor.expand_shape %s [[%s], [%d]] output_shape [%s] : %s into %s" % (
                e2, y, ", ".join(str(i) for i in range(len(so) - 1)), len(so) - 1,
                ", ".join(str(d) for d in so), t, mlir.tensor_type(so, "i32")))
            y = e2
        return _emit_result(em, node, y, so)


class ConvInteger:
    """attrs: `x` operand spec ([N, C, H, W]), `w` const spec ([F, C, KH, KW],
    groups already expanded block-diagonally), `x_shape`, `strides`,
    `dilations`, `pads` (top, left, bottom, right); padding is the zero
    point (centered 0), as in ONNX Runtime."""

    def infer(self, shapes, a, fail):
        n, c, h, w = a["x_shape"]
        f, c2, kh, kw = np.shape(a["w"][1])
        if c != c2:
            fail("weight %s for %d input channels" % (np.shape(a["w"][1]), c))
        (sh, sw), (dh, dw), (pt, pl, pb, pr) = a["strides"], a["dilations"], a["pads"]
        oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
        ow = (w + pl + pr - dw * (kw - 1) - 1) // sw + 1
        if oh < 1 or ow < 1:
            fail("the kernel %s is larger than the padded input" % ((kh, kw),))
        return (n, f, oh, ow)

    def evaluate(self, args, a):
        x = _centered(a["x"], args)
        w = np.asarray(a["w"][1], np.int64)
        (sh, sw), (dh, dw), (pt, pl, pb, pr) = a["strides"], a["dilations"], a["pads"]
        x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
        n, f = x.shape[0], w.shape[0]
        kh, kw = w.shape[2:]
        oh = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1
        ow = (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
        out = np.zeros((n, f, oh, ow), np.int64)
        for i in range(kh):
            for j in range(kw):
                win = x[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out += np.einsum("nchw,fc->nfhw", win, w[:, :, i, j])
        return _wrap_i32(out)

    def emit(self, em, node, ins):
        a = node.attrs
        fw = em.fw
        xs = tuple(a["x_shape"])
        so = em.shape(node.output)
        x = _emit_centered(em, a["x"], ins, xs)
        (pt, pl, pb, pr) = a["pads"]
        if any(a["pads"]):
            n, c, h, w = xs
            ps = (n, c, h + pt + pb, w + pl + pr)
            p, z = fw.fresh("ipad"), fw.fresh("c0")
            fw.emit("%s = arith.constant 0 : i32" % z)
            fw.emit("%s = tensor.pad %s low[0, 0, %d, %d] high[0, 0, %d, %d] {" % (p, x, pt, pl, pb, pr))
            fw.emit("^bb0(%i0: index, %i1: index, %i2: index, %i3: index):")
            fw.emit("  tensor.yield %s : i32" % z)
            fw.emit("} : %s to %s" % (mlir.tensor_type(xs, "i32"), mlir.tensor_type(ps, "i32")))
            x, xs = p, ps
        w = _emit_centered(em, a["w"], ins, np.shape(a["w"][1]))
        init = _zero_init(em, so)
        t = mlir.tensor_type(so, "i32")
        y = fw.fresh("iconv")
        fw.emit("%s = linalg.conv_2d_nchw_fchw {dilations = dense<[%d, %d]> : tensor<2xi64>, "
                "strides = dense<[%d, %d]> : tensor<2xi64>}" % ((y,) + tuple(a["dilations"]) + tuple(a["strides"])))
        fw.emit("    ins(%s, %s : %s, %s) outs(%s : %s) -> %s" % (
            x, w, mlir.tensor_type(xs, "i32"), mlir.tensor_type(np.shape(a["w"][1]), "i32"), init, t, t))
        return _emit_result(em, node, y, so)


OPS.update({"matmul_integer": MatmulInteger(), "conv_integer": ConvInteger()})

from .graph_move import OPS as _MOVE_OPS  # noqa: E402  (slice, upsample, pad_codes)

OPS.update(_MOVE_OPS)

from .graph_dynamic import OPS as _DYNAMIC_OPS  # noqa: E402  (dynamic quantization)

OPS.update(_DYNAMIC_OPS)
