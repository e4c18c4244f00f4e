"""An independent numpy evaluator of ONNX graphs (NCHW, the ONNX spec).

Used by the importer tests as the ground truth: it shares no code with
qc.importers or qc.graph. f32 arithmetic throughout; QuantizeLinear divides
in f32, rounds half to even and saturates, as the ONNX specification says.
"""
import numpy as np
import onnx
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _bcast_param(p, x, axis):
    p = np.asarray(p)
    if p.ndim == 0 or p.size == 1 and p.ndim == 1 and x.ndim > 0 and x.shape[axis] != 1:
        return p.reshape(())
    shape = [1] * x.ndim
    shape[axis] = -1
    return p.reshape(shape)


def quantize_linear(x, scale, zp, axis=1):
    zp = np.zeros((), np.uint8) if zp is None else zp
    info = np.iinfo(zp.dtype)
    axis = axis % max(x.ndim, 1)
    s = _bcast_param(scale, x, axis).astype(np.float32)
    z = _bcast_param(zp, x, axis).astype(np.int64)
    q = np.rint(x.astype(np.float32) / s).astype(np.int64) + z
    return np.clip(q, info.min, info.max).astype(zp.dtype)


def dequantize_linear(q, scale, zp, axis=1):
    axis = axis % max(q.ndim, 1)
    s = _bcast_param(scale, q, axis).astype(np.float32)
    z = 0 if zp is None else _bcast_param(zp, q, axis).astype(np.int64)
    return ((q.astype(np.int64) - z).astype(np.float32) * s).astype(np.float32)


def conv(x, w, b, strides, pads, dilations, group):
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    pt, pl, pb, pr = pads
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    sh, sw = strides
    dh, dw = dilations
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, f, oh, ow), np.float32)
    fg = f // group
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                y[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch,
                                                      w[g * fg:(g + 1) * fg, :, i, j]).astype(np.float32)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def pool(x, kind, kernel, strides, pads, count_include_pad=0):
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = strides
    pt, pl, pb, pr = pads
    oh = (h + pt + pb - kh) // sh + 1
    ow = (w + pl + pr - kw) // sw + 1
    y = np.zeros((n, c, oh, ow), np.float32)
    for a in range(oh):
        for b in range(ow):
            r0, c0 = a * sh - pt, b * sw - pl
            rs, cs = max(r0, 0), max(c0, 0)
            re, ce = min(r0 + kh, h), min(c0 + kw, w)
            win = x[:, :, rs:re, cs:ce]
            if kind == "max":
                y[:, :, a, b] = win.max(axis=(2, 3))
            else:
                cnt = kh * kw if count_include_pad else (re - rs) * (ce - cs)
                y[:, :, a, b] = win.sum(axis=(2, 3), dtype=np.float32) / np.float32(cnt)
    return y


def run(model, feeds):
    """Evaluates the graph; returns the list of outputs."""
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        a = _attrs(node)
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "QuantizeLinear":
            out = quantize_linear(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("axis", 1))
        elif op == "DequantizeLinear":
            out = dequantize_linear(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("axis", 1))
        elif op == "MatMul":
            out = np.matmul(ins[0], ins[1]).astype(np.float32)
        elif op == "Gemm":
            A = ins[0].T if a.get("transA", 0) else ins[0]
            B = ins[1].T if a.get("transB", 0) else ins[1]
            out = np.float32(a.get("alpha", 1.0)) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                out = out + np.float32(a.get("beta", 1.0)) * ins[2]
        elif op == "Conv":
            strides, dil = a.get("strides", [1, 1]), a.get("dilations", [1, 1])
            pads = a.get("pads", [0, 0, 0, 0])
            if a.get("auto_pad", b"NOTSET") in (b"SAME_UPPER", "SAME_UPPER"):
                # ONNX: output = ceil(in / stride); extra padding at the end.
                pb = []
                for d in range(2):
                    size, k = ins[0].shape[2 + d], ins[1].shape[2 + d]
                    total = max(0, (-(-size // strides[d]) - 1) * strides[d] + (k - 1) * dil[d] + 1 - size)
                    pb.append((total // 2, total - total // 2))
                pads = [pb[0][0], pb[1][0], pb[0][1], pb[1][1]]
            out = conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, strides, pads, dil, a.get("group", 1))
        elif op == "Relu":
            out = np.maximum(ins[0], np.float32(0))
        elif op == "Clip":
            lo = ins[1] if len(ins) > 1 and ins[1] is not None else None
            hi = ins[2] if len(ins) > 2 and ins[2] is not None else None
            out = ins[0]
            if lo is not None:
                out = np.maximum(out, lo.astype(out.dtype))
            if hi is not None:
                out = np.minimum(out, hi.astype(out.dtype))
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "Mul":
            out = ins[0] * ins[1]
        elif op in ("MaxPool", "AveragePool"):
            out = pool(ins[0], "max" if op == "MaxPool" else "avg", a["kernel_shape"],
                       a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), a.get("count_include_pad", 0))
        elif op == "GlobalAveragePool":
            out = ins[0].mean(axis=(2, 3), keepdims=True, dtype=np.float32)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Reshape":
            shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(ins[1].tolist())]
            out = ins[0].reshape(shape)
        elif op == "Transpose":
            out = np.transpose(ins[0], a.get("perm"))
        elif op == "Concat":
            out = np.concatenate(ins, axis=a["axis"])
        elif op == "Identity":
            out = ins[0]
        elif op == "Constant":
            out = numpy_helper.to_array(a["value"])
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = np.asarray(out).astype(np.asarray(out).dtype)
    return [env[o.name] for o in model.graph.output]
