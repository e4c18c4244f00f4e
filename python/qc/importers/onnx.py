"""ONNX QDQ importer: an ONNX model -> qc MLIR (float func + qc.fake_quant).

  python3 -m qc.importers.onnx model.onnx -o model.mlir [--batch N] [--name main]

A QuantizeLinear -> DequantizeLinear pair with the same parameters is
qc.fake_quant to !quant.uniform (ONNX QuantizeLinear divides in f32, rounds
half to even and saturates: exactly qc.fake_quant's half_even form). A Clip
on the integer codes between the two (torch exports its 0..127 activation
range that way) narrows the storage range: u8<0:127>. DequantizeLinear of an
integer initializer is the dequantized float constant under a fake_quant with
those parameters (int32 biases become plain float constants, re-quantized by
--qc-fold-fake-quant). Convolutions and pools run NHWC: see
importers/common.py and docs/Importers.md.

Anything else is an error that names the node: unsupported operators,
quantized tensors read by anything but DequantizeLinear, dynamic shapes.
"""
import argparse
import sys

import numpy as np

from ..graph import GraphError, QParams
from .common import Builder, ImportError_, Tensor

SUPPORTED = sorted([
    "QuantizeLinear", "DequantizeLinear", "MatMul", "Gemm", "Conv", "Relu", "Clip", "Add",
    "Mul", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Transpose",
    "Concat", "Identity", "Constant"])


class _Quantized:
    """The output of QuantizeLinear: integer codes, never materialized."""

    def __init__(self, src, qp, node):
        self.src, self.qp, self.node = src, qp, node


class _IntConst:
    def __init__(self, array):
        self.array = array


def _where(node):
    return "node '%s' (%s)" % (node.name or (node.output[0] if node.output else "?"), node.op_type)


def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _qrange(dtype, where):
    if dtype == np.uint8:
        return 0, 255, False
    if dtype == np.int8:
        return -128, 127, True
    raise ImportError_("%s: quantized type %s is not supported (int8 or uint8)" % (where, dtype))


class OnnxImporter:
    def __init__(self, model, batch=1, name="main"):
        self.model = model
        self.batch = batch
        self.b = Builder(name)
        self.env = {}

    # -- helpers ------------------------------------------------------------
    def _get(self, name, node):
        if name not in self.env:
            raise ImportError_("%s: input '%s' is not defined" % (_where(node), name))
        return self.env[name]

    def _float(self, name, node):
        v = self._get(name, node)
        if isinstance(v, _Quantized):
            raise ImportError_("%s: input '%s' is a quantized tensor (output of QuantizeLinear %s); "
                               "only DequantizeLinear may read quantized tensors (not a QDQ model?)" % (
                                   _where(node), name, _where(v.node)))
        if isinstance(v, _IntConst):
            if v.array.dtype.kind in "iu" and node.op_type in ("Add", "Mul", "MatMul", "Gemm", "Conv", "Concat"):
                raise ImportError_("%s: input '%s' is an integer tensor (%s); only float tensors and "
                                   "DequantizeLinear outputs are supported" % (_where(node), name, v.array.dtype))
            return self.b.const(v.array.astype(np.float32))
        return v

    def _const(self, name, node, what):
        v = self._get(name, node)
        if isinstance(v, _IntConst):
            return v.array
        if isinstance(v, Tensor) and v.const is not None:
            return v.const
        raise ImportError_("%s: %s '%s' must be a constant (initializer or Constant)" % (_where(node), what, name))

    def _qparams(self, node, axis_attr, x_rank):
        where = _where(node)
        scale = np.asarray(self._const(node.input[1], node, "scale"), dtype=np.float32)
        if len(node.input) > 2 and node.input[2]:
            zp = self._const(node.input[2], node, "zero point")
            dtype = zp.dtype
        else:
            zp, dtype = np.zeros(scale.shape, np.uint8), np.dtype(np.uint8)
        qmin, qmax, signed = _qrange(np.dtype(dtype), where)
        axis = None
        if scale.ndim == 1 and scale.size > 1:
            axis = int(axis_attr)
            axis = axis + x_rank if axis < 0 else axis
        elif scale.ndim > 1:
            raise ImportError_("%s: scale of shape %s (blocked quantization) is not supported" % (where, scale.shape))
        if np.asarray(zp).shape != scale.shape:
            raise ImportError_("%s: zero point shape %s differs from scale shape %s" % (
                where, np.asarray(zp).shape, scale.shape))
        try:
            return QParams(scale.astype(np.float64), np.asarray(zp).astype(np.int64), qmin, qmax, 8, signed, axis)
        except GraphError as e:
            raise ImportError_("%s: %s" % (where, e))

    # -- import -------------------------------------------------------------
    def run(self):
        from onnx import numpy_helper
        g = self.model.graph
        inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
        for name, arr in inits.items():
            self.env[name] = self._from_array(arr)
        for inp in g.input:
            if inp.name in inits:
                continue
            tt = inp.type.tensor_type
            if tt.elem_type != 1:
                raise ImportError_("graph input '%s': element type %d is not float32" % (inp.name, tt.elem_type))
            shape = []
            for i, d in enumerate(tt.shape.dim):
                if d.HasField("dim_value"):
                    shape.append(d.dim_value)
                elif i == 0:
                    shape.append(self.batch)
                else:
                    raise ImportError_("graph input '%s': dimension %d is dynamic (%s); only the batch "
                                       "dimension may be (set by --batch)" % (inp.name, i, d.dim_param or "?"))
            self.env[inp.name] = self.b.input(inp.name.replace(".", "_"), shape)
        for node in g.node:
            handler = getattr(self, "_op_" + node.op_type, None)
            if handler is None or node.domain not in ("", "ai.onnx"):
                raise ImportError_("%s: unsupported operator '%s%s' (supported: %s)" % (
                    _where(node), node.domain + "." if node.domain else "", node.op_type, ", ".join(SUPPORTED)))
            out = handler(node, _attrs(node))
            self.env[node.output[0]] = out
        outs = []
        for o in g.output:
            v = self.env.get(o.name)
            if isinstance(v, _Quantized):
                raise ImportError_("graph output '%s' is quantized (QuantizeLinear %s without DequantizeLinear): "
                                   "qc functions return float" % (o.name, _where(v.node)))
            if v is None or isinstance(v, _IntConst):
                raise ImportError_("graph output '%s' is not a float tensor computed by the graph" % o.name)
            outs.append(v)
        return self.b.finish(outs)

    def _from_array(self, arr):
        if arr.dtype == np.float32 or arr.dtype == np.float64 or arr.dtype == np.float16:
            return self.b.const(arr.astype(np.float32))
        return _IntConst(arr)

    # -- QDQ ------------------------------------------------------------------
    def _op_QuantizeLinear(self, node, a):
        x = self._float(node.input[0], node)
        qp = self._qparams(node, a.get("axis", 1), len(x.shape))
        return _Quantized(x, qp, node)

    def _op_DequantizeLinear(self, node, a):
        q = self._get(node.input[0], node)
        where = _where(node)
        rank = len(q.src.shape) if isinstance(q, _Quantized) else (
            q.array.ndim if isinstance(q, _IntConst) else len(q.shape))
        if isinstance(q, _IntConst) and q.array.dtype == np.int32:
            scale = np.asarray(self._const(node.input[1], node, "scale"), dtype=np.float32)
            zp = (np.asarray(self._const(node.input[2], node, "zero point")).astype(np.int64)
                  if len(node.input) > 2 and node.input[2] else np.zeros(scale.shape, np.int64))
            axis = int(a.get("axis", 1))
            if scale.ndim == 1 and scale.size > 1:
                shape = [1] * q.array.ndim
                shape[axis] = -1
                scale, zp = scale.reshape(shape), zp.reshape(shape)
            vals = (q.array.astype(np.int64) - zp).astype(np.float32) * scale
            return self.b.const(vals.astype(np.float32))
        qp = self._qparams(node, a.get("axis", 1), rank)
        if isinstance(q, _Quantized):
            src_qp = q.qp
            if not (np.array_equal(src_qp.scale, qp.scale) and np.array_equal(src_qp.zero_point, qp.zero_point)
                    and src_qp.axis == qp.axis and src_qp.signed == qp.signed):
                raise ImportError_("%s: parameters differ from those of QuantizeLinear %s (%s vs %s); "
                                   "a requantizing QDQ pair is not supported" % (
                                       where, _where(q.node), qp.mlir_type(), src_qp.mlir_type()))
            clamp = getattr(q, "clamp", None)
            qp = src_qp
            y = self.b.fake_quant(q.src, qp, where)
            if clamp is not None:
                y = self.b.clamp(y, *clamp, where=where)
            return y
        if isinstance(q, _IntConst):
            codes = q.array
            if codes.dtype not in (np.int8, np.uint8):
                raise ImportError_("%s: cannot dequantize an initializer of type %s" % (where, codes.dtype))
            shape = [1] * codes.ndim
            s, z = qp.scale, qp.zero_point
            if qp.axis is not None:
                shape[qp.axis] = -1
                s, z = s.reshape(shape), z.reshape(shape)
            else:
                s, z = s[0], z[0]
            vals = (codes.astype(np.int64) - z).astype(np.float32) * np.float32(s) if qp.axis is None else \
                (codes.astype(np.int64) - z).astype(np.float32) * s.astype(np.float32)
            c = self.b.const(vals.astype(np.float32))
            return self.b.fake_quant(c, qp, where)
        raise ImportError_("%s: input '%s' is not quantized (DequantizeLinear of a float tensor)" % (
            where, node.input[0]))

    def _op_Clip(self, node, a):
        x = self._get(node.input[0], node)
        lo = hi = None
        if len(node.input) > 1 and node.input[1]:
            lo = self._const(node.input[1], node, "min")
        elif "min" in a:
            lo = a["min"]
        if len(node.input) > 2 and node.input[2]:
            hi = self._const(node.input[2], node, "max")
        elif "max" in a:
            hi = a["max"]
        if isinstance(x, _Quantized):
            qp = x.qp
            lo_c = qp.qmin if lo is None else max(qp.qmin, int(np.asarray(lo)))
            hi_c = qp.qmax if hi is None else min(qp.qmax, int(np.asarray(hi)))
            if lo_c > hi_c:
                raise ImportError_("%s: empty clip range [%d, %d] on codes" % (_where(node), lo_c, hi_c))
            if qp.axis is None and qp.qmin <= lo_c <= qp.zero_point[0] <= hi_c:
                # Narrowed storage range: exactly sat(round(x/s)+z, lo, hi).
                nq = QParams(qp.scale, qp.zero_point, lo_c, hi_c, qp.bits, qp.signed, None)
                return _Quantized(x.src, nq, x.node)
            # Otherwise: clamp the dequantized values (exact: bounds representable).
            if qp.axis is not None:
                raise ImportError_("%s: Clip on per-axis quantized codes is not supported" % _where(node))
            out = _Quantized(x.src, qp, x.node)
            s, z = qp.scale[0], int(qp.zero_point[0])
            out.clamp = (float(np.float32((lo_c - z) * np.float32(s))), float(np.float32((hi_c - z) * np.float32(s))))
            return out
        x = self._float(node.input[0], node)
        return self.b.clamp(x, -np.inf if lo is None else float(np.asarray(lo)),
                            np.inf if hi is None else float(np.asarray(hi)), _where(node))

    # -- compute ------------------------------------------------------------
    def _op_MatMul(self, node, a):
        return self.b.matmul(self._float(node.input[0], node), self._float(node.input[1], node), _where(node))

    def _op_Gemm(self, node, a):
        where = _where(node)
        A = self._float(node.input[0], node)
        B = self._float(node.input[1], node)
        if a.get("transA", 0):
            A = self.b.transpose(A, (1, 0), where)
        if a.get("transB", 0):
            B = self.b.relayout(B, (1, 0), where) if (B.const is not None or B.fq_const is not None) \
                else self.b.transpose(B, (1, 0), where)
        y = self.b.matmul(A, B, where)
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        if alpha != 1.0:
            y = self.b.binary("mul", y, self.b.const(np.float32(alpha)), where)
        if len(node.input) > 2 and node.input[2]:
            C = self._float(node.input[2], node)
            if beta != 1.0:
                if C.const is not None:
                    C = self.b.const(C.const * np.float32(beta))
                else:
                    C = self.b.binary("mul", C, self.b.const(np.float32(beta)), where)
            if len(C.shape) == 1 and C.shape[0] == y.shape[1]:
                y = self.b.op("bias_add", [y, C], {}, y.shape, False, where)
            else:
                y = self.b.binary("add", y, C, where)
        return y

    def _op_Conv(self, node, a):
        where = _where(node)
        x = self._float(node.input[0], node)
        w = self._float(node.input[1], node)
        bias = self._float(node.input[2], node) if len(node.input) > 2 and node.input[2] else None
        if len(w.shape) != 4:
            raise ImportError_("%s: only 2-D convolutions are supported (weight shape %s)" % (where, w.shape))
        kh, kw = w.shape[2:]
        strides = a.get("strides", [1, 1])
        dil = a.get("dilations", [1, 1])
        pads = self._pads(node, a, x.shape[2:], (kh, kw), strides, dil)
        return self.b.conv2d(x, w, bias, strides, dil, pads, int(a.get("group", 1)), where)

    def _pads(self, node, a, spatial, kernel, strides, dil):
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto in ("NOTSET",):
            p = a.get("pads", [0, 0, 0, 0])
            return [int(p[0]), int(p[1]), int(p[2]), int(p[3])]
        if auto == "VALID":
            return [0, 0, 0, 0]
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            out = []
            for size, k, s, d in zip(spatial, kernel, strides, dil):
                o = -(-size // s)
                total = max(0, (o - 1) * s + (k - 1) * d + 1 - size)
                small = total // 2
                out.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
            return [out[0][0], out[1][0], out[0][1], out[1][1]]
        raise ImportError_("%s: auto_pad %s is not supported" % (_where(node), auto))

    def _op_Relu(self, node, a):
        return self.b.clamp(self._float(node.input[0], node), 0.0, np.inf, _where(node))

    def _op_Add(self, node, a):
        return self.b.binary("add", self._float(node.input[0], node), self._float(node.input[1], node), _where(node))

    def _op_Mul(self, node, a):
        return self.b.binary("mul", self._float(node.input[0], node), self._float(node.input[1], node), _where(node))

    def _pool(self, node, a, op):
        where = _where(node)
        if a.get("ceil_mode", 0):
            raise ImportError_("%s: ceil_mode=1 is not supported" % where)
        if any(d != 1 for d in a.get("dilations", [1, 1])):
            raise ImportError_("%s: dilated pooling is not supported" % where)
        x = self._float(node.input[0], node)
        k = a["kernel_shape"]
        if len(k) != 2:
            raise ImportError_("%s: only 2-D pooling is supported" % where)
        strides = a.get("strides", [1, 1])
        pads = self._pads(node, a, x.shape[2:], k, strides, [1, 1])
        if len(node.output) > 1 and node.output[1]:
            raise ImportError_("%s: the Indices output is not supported" % where)
        return self.b.pool(op, x, k, strides, pads, where, a.get("count_include_pad", 0))

    def _op_MaxPool(self, node, a):
        return self._pool(node, a, "max_pool")

    def _op_AveragePool(self, node, a):
        return self._pool(node, a, "avg_pool")

    def _op_GlobalAveragePool(self, node, a):
        x = self._float(node.input[0], node)
        if len(x.shape) != 4:
            raise ImportError_("%s: only rank-4 inputs are supported" % _where(node))
        return self.b.pool("avg_pool", x, x.shape[2:], (1, 1), (0, 0, 0, 0), _where(node))

    def _op_Flatten(self, node, a):
        x = self._float(node.input[0], node)
        axis = int(a.get("axis", 1))
        axis = axis + len(x.shape) if axis < 0 else axis
        shape = (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))
        return self.b.reshape(x, shape, _where(node))

    def _op_Reshape(self, node, a):
        x = self._float(node.input[0], node)
        target = [int(d) for d in np.asarray(self._const(node.input[1], node, "shape")).reshape(-1)]
        if a.get("allowzero", 0):
            raise ImportError_("%s: allowzero=1 is not supported" % _where(node))
        shape = [x.shape[i] if d == 0 else d for i, d in enumerate(target)]
        if shape.count(-1) > 1:
            raise ImportError_("%s: more than one -1 in shape %s" % (_where(node), target))
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1]))
            shape[shape.index(-1)] = int(np.prod(x.shape)) // max(known, 1)
        return self.b.reshape(x, shape, _where(node))

    def _op_Transpose(self, node, a):
        x = self._float(node.input[0], node)
        perm = a.get("perm", list(reversed(range(len(x.shape)))))
        return self.b.transpose(x, perm, _where(node))

    def _op_Concat(self, node, a):
        xs = [self._float(i, node) for i in node.input]
        return self.b.concat(xs, int(a["axis"]), _where(node))

    def _op_Identity(self, node, a):
        return self._get(node.input[0], node)

    def _op_Constant(self, node, a):
        from onnx import numpy_helper
        if "value" not in a:
            raise ImportError_("%s: only the 'value' form of Constant is supported" % _where(node))
        return self._from_array(numpy_helper.to_array(a["value"]))


def import_model(model, batch=1, name="main"):
    """An onnx.ModelProto (or a path) -> qc.graph.Graph. `batch` sizes the
    leading dimension of the inputs; None makes it dynamic (`?` in the IR,
    shapes traced at batch 1)."""
    import onnx
    if isinstance(model, str):
        try:
            model = onnx.load(model)
        except Exception as e:  # onnx raises DecodeError and others
            raise ImportError_("cannot read ONNX model '%s': %s" % (model, e))
    graph = OnnxImporter(model, 1 if batch is None else batch, name).run()
    graph.dynamic_batch = batch is None
    return graph


def import_to_mlir(model, batch=1, name="main"):
    return import_model(model, batch, name).to_mlir()


def main(argv=None):
    ap = argparse.ArgumentParser(prog="qc-import-onnx",
                                 description="Import an ONNX QDQ model as qc MLIR (float func + qc.fake_quant).")
    ap.add_argument("model", help="the .onnx file")
    ap.add_argument("-o", "--output", default="-", help="output .mlir (default: stdout)")
    ap.add_argument("--batch", default="1",
                    help="size of the batch dimension (default 1); '?' keeps it dynamic")
    ap.add_argument("--name", default="main", help="function name (default main)")
    args = ap.parse_args(argv)
    try:
        batch = None if args.batch == "?" else int(args.batch)
        text = import_to_mlir(args.model, batch, args.name)
    except (ImportError_, GraphError, OSError) as e:
        print("qc-import-onnx: error: %s" % e, file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
