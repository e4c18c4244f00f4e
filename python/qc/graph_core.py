"""The core ops of `qc.graph.Graph`: shape inference and numpy meaning.

The ops whose MLIR forms graph.py's docstring lists (fake_quant, matmul,
conv2d, depthwise_conv2d, bias_add, add, mul, clamp, max_pool, avg_pool,
transpose, reshape, concat); graph_emit.py writes those forms. The numpy
helpers (`fake_quant_values`, `exact_codes`, `conv2d_nhwc`, `pool_nhwc`,
`pool_counts`) are importable from `qc.graph` too.
"""
import numpy as np

from . import reference as ref

# The ops this module gives the shape and the meaning of.
OPS = frozenset(("fake_quant", "clamp", "matmul", "conv2d", "depthwise_conv2d", "bias_add",
                 "add", "mul", "max_pool", "avg_pool", "transpose", "reshape", "concat"))


def fake_quant_values(x, qp, constant=False):
    """The numpy meaning of qc.fake_quant (half_even, saturating)."""
    x = np.asarray(x, dtype=np.float32)
    scale, zp = qp.scale, qp.zero_point
    axis = qp.axis
    if axis is None:
        scale, zp = scale[0], zp[0]
    q = ref.quantize(x, scale, zp, qp.qmin, qp.qmax, ref.HALF_EVEN, axis=axis,
                     float_type=np.float64 if constant else np.float32)
    return ref.dequantize(q, scale, zp, axis=axis, float_type=np.float32)


def exact_codes(values, qp):
    """The 8-bit codes of a constant when qc.fake_quant leaves it unchanged
    (every value is `(q - z) * s` in f32 for a code q in range), as the i8
    storage array (u8 codes reinterpreted); else None. Such a fake-quantized
    constant is written as `quant.dcast(quant.scast(codes))`: the same
    values, and the codes --qc-fold-fake-quant would compute (the quotient
    of an exact value by its scale is within |q - z| * 2^-23 of the code)."""
    if qp.bits != 8 or values.size == 0:
        return None
    # ref.quantize and ref.dequantize, without their saturation and NaN
    # handling: a value they would change is not exact and fails the test.
    shape = [1] * values.ndim
    if qp.axis is not None:
        shape[qp.axis] = -1
    scale = np.asarray(qp.scale, np.float64).reshape(shape)
    zp = np.asarray(qp.zero_point, np.int32).reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        q = np.rint(values / scale)
        if not (np.all(q >= qp.qmin - zp) and np.all(q <= qp.qmax - zp)):
            return None
        q = q.astype(np.int32)
    if not np.array_equal(q.astype(np.float32) * scale.astype(np.float32), values):
        return None
    return (q + zp).astype(np.int8 if qp.signed else np.uint8).view(np.int8)


def _conv_out(size, k, stride, dilation, pad_lo, pad_hi):
    return (size + pad_lo + pad_hi - dilation * (k - 1) - 1) // stride + 1


def infer(op, shapes, a, fail):
    """The output shape of core op `op` (in OPS) with input `shapes` and
    attributes `a`; `fail(msg)` raises the graph's error."""
    if op in ("fake_quant", "clamp"):
        if op == "fake_quant":
            qp = a["qparams"]
            if qp.axis is not None:
                if not 0 <= qp.axis < len(shapes[0]):
                    fail("axis %d outside rank %d" % (qp.axis, len(shapes[0])))
                if shapes[0][qp.axis] != qp.scale.size:
                    fail("%d scales for axis %d of size %d" % (qp.scale.size, qp.axis,
                                                              shapes[0][qp.axis]))
        return shapes[0]
    if op == "matmul":
        (m, k), (k2, n) = shapes
        if k != k2:
            fail("inner dimensions %d and %d differ" % (k, k2))
        return (m, n)
    if op in ("conv2d", "depthwise_conv2d"):
        n, h, w, c = shapes[0]
        if op == "conv2d":
            kh, kw, cg, f = shapes[1]
            if cg != c:
                fail("filter has %d input channels, input %d" % (cg, c))
        else:
            kh, kw, cf = shapes[1]
            f = c
            if cf != c:
                fail("depthwise filter has %d channels, input %d" % (cf, c))
        (sh, sw), (dh, dw), (pt, pb, pl, pr) = a["strides"], a["dilations"], a["pads"]
        oh, ow = _conv_out(h, kh, sh, dh, pt, pb), _conv_out(w, kw, sw, dw, pl, pr)
        if oh <= 0 or ow <= 0:
            fail("empty output")
        return (n, oh, ow, f)
    if op == "bias_add":
        if shapes[1] != (shapes[0][-1],):
            fail("bias of shape %s for %s" % (shapes[1], shapes[0]))
        return shapes[0]
    if op in ("add", "mul"):
        try:
            return tuple(np.broadcast_shapes(shapes[0], shapes[1]))
        except ValueError:
            fail("shapes %s and %s do not broadcast" % (shapes[0], shapes[1]))
    if op in ("max_pool", "avg_pool"):
        n, h, w, c = shapes[0]
        (kh, kw), (sh, sw), (pt, pb, pl, pr) = a["kernel"], a["strides"], a["pads"]
        if min(kh, kw, sh, sw) < 1 or min(pt, pb, pl, pr) < 0:
            fail("kernel %s, strides %s, pads %s out of range" % (a["kernel"], a["strides"], a["pads"]))
        oh, ow = _conv_out(h, kh, sh, 1, pt, pb), _conv_out(w, kw, sw, 1, pl, pr)
        if oh <= 0 or ow <= 0:
            fail("empty output")
        return (n, oh, ow, c)
    if op == "transpose":
        perm = a["perm"]
        if sorted(perm) != list(range(len(shapes[0]))):
            fail("bad permutation %s" % (perm,))
        return tuple(shapes[0][p] for p in perm)
    if op == "reshape":
        if int(np.prod(a["shape"])) != int(np.prod(shapes[0])):
            fail("cannot reshape %s to %s" % (shapes[0], a["shape"]))
        return tuple(int(d) for d in a["shape"])
    if op == "concat":
        axis = a["axis"]
        base = list(shapes[0])
        for s in shapes[1:]:
            if len(s) != len(base) or any(s[i] != base[i] for i in range(len(s)) if i != axis):
                fail("shapes %s do not concatenate on axis %d" % (shapes, axis))
        base[axis] = sum(s[axis] for s in shapes)
        return tuple(base)


def evaluate(node, args, consts):
    """The numpy value of core `node` (its op in OPS) on `args`; `consts`:
    the graph's constants (a fake-quantized constant is quantized in f64)."""
    a = node.attrs
    op = node.op
    f32 = np.float32
    if op == "fake_quant":
        return fake_quant_values(args[0], a["qparams"], constant=node.inputs[0] in consts)
    if op == "matmul":
        return np.matmul(args[0].astype(f32), args[1].astype(f32))
    if op in ("conv2d", "depthwise_conv2d"):
        x, w = args
        if op == "depthwise_conv2d":
            w = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2])
            groups = x.shape[3]
        else:
            groups = 1
        return conv2d_nhwc(x, w, a["strides"], a["dilations"], a["pads"], groups)
    if op == "bias_add":
        return args[0] + args[1]
    if op == "add":
        return args[0] + args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "clamp":
        y = args[0]
        if a["lo"] > -np.inf:
            y = np.maximum(y, f32(a["lo"]))
        if a["hi"] < np.inf:
            y = np.minimum(y, f32(a["hi"]))
        return y
    if op in ("max_pool", "avg_pool"):
        return pool_nhwc(args[0], op, a["kernel"], a["strides"], a["pads"],
                         a.get("count_include_pad", False))
    if op == "transpose":
        return np.transpose(args[0], a["perm"])
    if op == "reshape":
        return args[0].reshape(a["shape"])
    if op == "concat":
        return np.concatenate(args, axis=a["axis"])


def conv2d_nhwc(x, w, strides, dilations, pads, groups):
    """Float NHWC x HWCF grouped convolution (f32 products, f32 sums)."""
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    n, h, wd, c = x.shape
    kh, kw, cg, f = w.shape
    pt, pb, pl, pr = pads
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    sh, sw = strides
    dh, dw = dilations
    oh = _conv_out(h, kh, sh, dh, pt, pb)
    ow = _conv_out(wd, kw, sw, dw, pl, pr)
    fg = f // groups
    out = np.zeros((n, oh, ow, f), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw, :]
            for g in range(groups):
                out[..., g * fg:(g + 1) * fg] += patch[..., g * cg:(g + 1) * cg] @ w[i, j, :, g * fg:(g + 1) * fg]
    return out


def pool_counts(in_shape, kernel, strides, pads, count_include_pad):
    n, h, w, c = in_shape
    kh, kw = kernel
    sh, sw = strides
    pt, pb, pl, pr = pads
    oh, ow = _conv_out(h, kh, sh, 1, pt, pb), _conv_out(w, kw, sw, 1, pl, pr)
    valid = np.pad(np.ones((h, w), dtype=np.float32), ((pt, pb), (pl, pr)),
                   constant_values=1.0 if count_include_pad else 0.0)
    counts = np.zeros((oh, ow), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            counts += valid[i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
    return counts


def pool_nhwc(x, op, kernel, strides, pads, count_include_pad=False):
    x = np.asarray(x, dtype=np.float32)
    n, h, w, c = x.shape
    kh, kw = kernel
    sh, sw = strides
    pt, pb, pl, pr = pads
    oh, ow = _conv_out(h, kh, sh, 1, pt, pb), _conv_out(w, kw, sw, 1, pl, pr)
    fillv = -np.inf if op == "max_pool" else 0.0
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fillv)
    out = np.full((n, oh, ow, c), fillv, dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            win = xp[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]
            out = np.maximum(out, win) if op == "max_pool" else out + win
    if op == "avg_pool":
        counts = pool_counts(x.shape, kernel, strides, pads, count_include_pad)
        out = out / counts[None, :, :, None]
    return out.astype(np.float32)
