"""Graph ops that move values without computing: slice, nearest upsampling
(integer scales) and a constant pad, on f32 values or on the storage codes
of a !quant.uniform value.

On codes they are integer code (quant.scast to the storage type, the
movement, quant.scast back), so a quantized tensor that goes through them
stays integer: the importer emits `dequantize(move(quantize(x)))` for an x
on a per-tensor grid, and --qc-fold-fake-quant folds the quantize into its
producer and the dequantize into its consumer (no float op in between,
which the fold could not make integer: it does not sink dequantize through
tensor.extract_slice, an upsampling copy or a pad whose consumer is not a
convolution or average pool).

  slice     tensor.extract_slice (static offsets, sizes, strides >= 1);
            attrs `offsets`, `sizes`, `strides`, and `reverse` (axes read
            back to front after the slice: ONNX's negative steps), a
            linalg.generic copy reading index `n - 1 - i` on those axes
  upsample  y[..., i, ...] = x[..., i // s, ...]; attr `scales` (ints >= 1):
            tensor.expand_shape to [..., d, 1, ...], a broadcasting
            linalg.generic copy to [..., d, s, ...], tensor.collapse_shape.
            (Two other forms of the same copy fail in today's CPU pipeline:
            linalg.broadcast after a fused elementwise producer leaves an
            'unrealized_conversion_cast' with x86-vnni; a generic reading
            `d floordiv s` vectorizes to wrong values.)
  pad_codes tensor.pad of codes with the code `code`; attr `pads`
            ((low, high) per dimension); on a per-axis tensor `code` may
            be a list, one code per channel of the quantized axis (not
            padded itself): the pad, then a linalg.generic that writes
            each padded position's channel code

attrs `qparams`: the QParams of a codes value, None for f32;
`out_qparams`: the result's, when they differ (a per-axis tensor sliced or
upsampled along its quantized axis keeps the scales of the channels it
moves; default `qparams`).
"""
import numpy as np

from . import mlir


def _types(shape, qp):
    """(computation element type, type of the graph value)."""
    if qp is None:
        return "f32", mlir.tensor_type(shape)
    return ("i8" if qp.bits <= 8 else "i16"), mlir.tensor_type(shape, qp.mlir_type())


def _in(em, x, shape, qp):
    elem, t = _types(shape, qp)
    if qp is None:
        return x, elem
    s = em.fw.fresh("codes")
    em.fw.emit("%s = quant.scast %s : %s to %s" % (s, x, t, mlir.tensor_type(shape, elem)))
    return s, elem


def _out(em, y, shape, qp):
    elem, t = _types(shape, qp)
    if qp is None:
        return y
    r = em.fw.fresh("q")
    em.fw.emit("%s = quant.scast %s : %s to %s" % (r, y, mlir.tensor_type(shape, elem), t))
    return r


class Slice:
    def infer(self, shapes, a, fail):
        for d, o, n, s in zip(shapes[0], a["offsets"], a["sizes"], a["strides"]):
            if s < 1 or n < 1 or o < 0 or o + (n - 1) * s >= d:
                fail("slice offsets %s sizes %s strides %s outside shape %s" % (
                    a["offsets"], a["sizes"], a["strides"], shapes[0]))
        if any(not 0 <= ax < len(shapes[0]) for ax in a.get("reverse", [])):
            fail("reverse axes %s for rank %d" % (a["reverse"], len(shapes[0])))
        return tuple(a["sizes"])

    def evaluate(self, args, a):
        y = args[0][tuple(slice(o, o + (n - 1) * s + 1, s)
                          for o, n, s in zip(a["offsets"], a["sizes"], a["strides"]))]
        return np.flip(y, tuple(a.get("reverse", []))) if a.get("reverse") else y

    def emit(self, em, node, ins):
        a, qp = node.attrs, node.attrs["qparams"]
        si, so = em.shape(node.inputs[0]), em.shape(node.output)
        x, elem = _in(em, ins[0], si, qp)
        y = em.fw.fresh("slice")
        em.fw.emit("%s = tensor.extract_slice %s[%s] [%s] [%s] : %s to %s" % (
            y, x, ", ".join(map(str, a["offsets"])), ", ".join(map(str, a["sizes"])),
            ", ".join(map(str, a["strides"])), mlir.tensor_type(si, elem), mlir.tensor_type(so, elem)))
        if a.get("reverse"):
            y = _reverse(em, y, so, elem, a["reverse"])
        return _out(em, y, so, node.attrs.get("out_qparams") or qp)


def _reverse(em, x, shape, elem, axes):
    """A copy of x with `axes` read back to front: a linalg.generic that
    reads x[..., n - 1 - i, ...] with tensor.extract. (An input indexing map
    `n - 1 - d` is correct linalg but today's CPU tiling computes the
    operand's tile from it wrongly: a verifier error after tiling.)"""
    rank, t = len(shape), mlir.tensor_type(shape, elem)
    e, y = em.fw.fresh("e"), em.fw.fresh("rev")
    em.fw.emit("%s = tensor.empty() : %s" % (e, t))
    em.fw.emit("%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]}" % (
        y, mlir.affine_map(rank, list(range(rank))), ", ".join(['"parallel"'] * rank)))
    em.fw.emit("    outs(%s : %s) {" % (e, t))
    em.fw.emit("^bb0(%%out: %s):" % elem)
    idx = []
    for i in range(rank):
        em.fw.emit("  %%i%d = linalg.index %d : index" % (i, i))
        if i in axes:
            em.fw.emit("  %%n%d = arith.constant %d : index" % (i, shape[i] - 1))
            em.fw.emit("  %%r%d = arith.subi %%n%d, %%i%d : index" % (i, i, i))
            idx.append("%%r%d" % i)
        else:
            idx.append("%%i%d" % i)
    em.fw.emit("  %%v = tensor.extract %s[%s] : %s" % (x, ", ".join(idx), t))
    em.fw.emit("  linalg.yield %%v : %s" % elem)
    em.fw.emit("} -> %s" % t)
    return y


class Upsample:
    def infer(self, shapes, a, fail):
        if len(a["scales"]) != len(shapes[0]) or any(s < 1 for s in a["scales"]):
            fail("scales %s for rank %d" % (a["scales"], len(shapes[0])))
        return tuple(d * s for d, s in zip(shapes[0], a["scales"]))

    def evaluate(self, args, a):
        y = args[0]
        for axis, s in enumerate(a["scales"]):
            y = np.repeat(y, s, axis=axis)
        return y

    def emit(self, em, node, ins):
        qp, scales = node.attrs["qparams"], node.attrs["scales"]
        si, so = em.shape(node.inputs[0]), em.shape(node.output)
        x, elem = _in(em, ins[0], si, qp)
        # x expanded to [..., d, 1, ...] (a unit dim after each scaled
        # one), broadcast along the unit dims to [..., d, s, ...], collapsed.
        unit, wide, maps, groups = [], [], [], []
        for d, k in zip(si, scales):
            groups.append([len(wide)] + ([len(wide) + 1] if k > 1 else []))
            unit.append(d)
            wide.append(d)
            maps.append(len(wide) - 1)
            if k > 1:
                unit.append(1)
                wide.append(k)
                maps.append("0")
        fmt = lambda gs: "[%s]" % ", ".join("[%s]" % ", ".join(map(str, g)) for g in gs)
        ut, wt = mlir.tensor_type(unit, elem), mlir.tensor_type(wide, elem)
        u, e, b, y = em.fw.fresh("ex"), em.fw.fresh("e"), em.fw.fresh("bc"), em.fw.fresh("up")
        em.fw.emit("%s = tensor.expand_shape %s %s output_shape [%s] : %s into %s" % (
            u, x, fmt(groups), ", ".join(map(str, unit)), mlir.tensor_type(si, elem), ut))
        em.fw.emit("%s = tensor.empty() : %s" % (e, wt))
        em.fw.emit("%s = linalg.generic {indexing_maps = [%s, %s], iterator_types = [%s]}" % (
            b, mlir.affine_map(len(wide), maps), mlir.affine_map(len(wide), list(range(len(wide)))),
            ", ".join(['"parallel"'] * len(wide))))
        em.fw.emit("    ins(%s : %s) outs(%s : %s) {" % (u, ut, e, wt))
        em.fw.emit("^bb0(%%in: %s, %%out: %s):" % (elem, elem))
        em.fw.emit("  linalg.yield %%in : %s" % elem)
        em.fw.emit("} -> %s" % wt)
        em.fw.emit("%s = tensor.collapse_shape %s %s : %s into %s" % (y, b, fmt(groups), wt,
                                                                     mlir.tensor_type(so, elem)))
        return _out(em, y, so, node.attrs.get("out_qparams") or qp)


class PadCodes:
    def infer(self, shapes, a, fail):
        if len(a["pads"]) != len(shapes[0]) or any(lo < 0 or hi < 0 for lo, hi in a["pads"]):
            fail("pads %s for rank %d" % (a["pads"], len(shapes[0])))
        if isinstance(a["code"], list):
            axis = a["qparams"].axis if a.get("qparams") is not None else None
            if axis is None or len(a["code"]) != shapes[0][axis] or tuple(a["pads"][axis]) != (0, 0):
                fail("per-channel pad codes need a per-axis tensor not padded along its axis")
        return tuple(d + lo + hi for d, (lo, hi) in zip(shapes[0], a["pads"]))

    def evaluate(self, args, a):
        x = args[0]
        if not isinstance(a["code"], list):
            return np.pad(x, a["pads"], constant_values=np.asarray(a["code"]).astype(x.dtype))
        axis = a["qparams"].axis
        shape = [d + lo + hi for d, (lo, hi) in zip(x.shape, a["pads"])]
        bshape = [1] * x.ndim
        bshape[axis] = -1
        y = np.empty(shape, x.dtype)
        y[...] = np.asarray(a["code"]).reshape(bshape).astype(x.dtype)
        y[tuple(slice(lo, lo + d) for d, (lo, _) in zip(x.shape, a["pads"]))] = x
        return y

    def emit(self, em, node, ins):
        a, qp = node.attrs, node.attrs["qparams"]
        si, so = em.shape(node.inputs[0]), em.shape(node.output)
        x, elem = _in(em, ins[0], si, qp)
        bits = 8 if elem == "i8" else 16
        # an unsigned code as the signless storage value
        signless = lambda code: code - (1 << bits) if code >= 1 << (bits - 1) else code
        codes = a["code"] if isinstance(a["code"], list) else [a["code"]]
        c, y = em.fw.fresh("code"), em.fw.fresh("pad")
        em.fw.emit("%s = arith.constant %d : %s" % (c, signless(int(codes[0])), elem))
        em.fw.emit("%s = tensor.pad %s low[%s] high[%s] {" % (
            y, x, ", ".join(str(lo) for lo, _ in a["pads"]), ", ".join(str(hi) for _, hi in a["pads"])))
        em.fw.emit("^bb0(%s):" % ", ".join("%%i%d: index" % i for i in range(len(si))))
        em.fw.emit("  tensor.yield %s : %s" % (c, elem))
        em.fw.emit("} : %s to %s" % (mlir.tensor_type(si, elem), mlir.tensor_type(so, elem)))
        if isinstance(a["code"], list):
            y = _channel_codes(em, y, si, so, elem, a["pads"], qp.axis, [signless(int(k)) for k in codes])
        return _out(em, y, so, node.attrs.get("out_qparams") or qp)


def _channel_codes(em, padded, si, so, elem, pads, axis, codes):
    """`padded` with every padded position set to its channel's code: a
    linalg.generic that reads the codes along `axis` (a broadcasting map) and
    selects by the position (inside the input's box on every padded dim)."""
    rank, t = len(so), mlir.tensor_type(so, elem)
    ct = mlir.tensor_type([len(codes)], elem)
    cv, e, y = em.fw.fresh("codes"), em.fw.fresh("e"), em.fw.fresh("chpad")
    em.fw.emit("%s = arith.constant dense<[%s]> : %s" % (cv, ", ".join(map(str, codes)), ct))
    em.fw.emit("%s = tensor.empty() : %s" % (e, t))
    em.fw.emit("%s = linalg.generic {indexing_maps = [%s, %s, %s], iterator_types = [%s]}" % (
        y, mlir.affine_map(rank, list(range(rank))), mlir.affine_map(rank, [axis]),
        mlir.affine_map(rank, list(range(rank))), ", ".join(['"parallel"'] * rank)))
    em.fw.emit("    ins(%s, %s : %s, %s) outs(%s : %s) {" % (padded, cv, t, ct, e, t))
    em.fw.emit("^bb0(%%in: %s, %%c: %s, %%out: %s):" % (elem, elem, elem))
    inside = None
    for i, (d, (lo, hi)) in enumerate(zip(si, pads)):
        if not lo and not hi:
            continue
        em.fw.emit("  %%i%d = linalg.index %d : index" % (i, i))
        em.fw.emit("  %%lo%d = arith.constant %d : index" % (i, lo))
        em.fw.emit("  %%hi%d = arith.constant %d : index" % (i, lo + d))
        em.fw.emit("  %%a%d = arith.cmpi uge, %%i%d, %%lo%d : index" % (i, i, i))
        em.fw.emit("  %%b%d = arith.cmpi ult, %%i%d, %%hi%d : index" % (i, i, i))
        em.fw.emit("  %%in%d = arith.andi %%a%d, %%b%d : i1" % (i, i, i))
        if inside is not None:
            em.fw.emit("  %%all%d = arith.andi %s, %%in%d : i1" % (i, inside, i))
            inside = "%%all%d" % i
        else:
            inside = "%%in%d" % i
    if inside is None:
        em.fw.emit("  linalg.yield %%in : %s" % elem)
    else:
        em.fw.emit("  %%v = arith.select %s, %%in, %%c : %s" % (inside, elem))
        em.fw.emit("  linalg.yield %%v : %s" % elem)
    em.fw.emit("} -> %s" % t)
    return y


OPS = {"slice": Slice(), "upsample": Upsample(), "pad_codes": PadCodes()}
