"""Graph ops of dynamic quantization (ONNX DynamicQuantizeLinear, and the
Cast of an int32 accumulator back to float that ONNX Runtime's
`quantize_dynamic` writes after MatMulInteger / ConvInteger).

DynamicQuantizeLinear computes its scale and zero point at run time from the
tensor it quantizes, so its codes lie on no grid known at compile time: it
is qc's one float step, computed in f32 exactly as ONNX Runtime does
(docs/Numerics.md, "Dynamic quantization"):

  lo = min(0, min x),  hi = max(0, max x)
  s  = (hi - lo) / 255             (f32; 1 when hi == lo, ONNX Runtime's rule)
  z  = roundeven(clamp(0 - lo / s, 0, 255))
  q  = clamp(roundeven(x / s) + z, 0, 255)

  dyn_scale       x -> s, tensor<f32> (rank 0)
  dyn_zero_point  x -> z, rank-0 uint8 codes
  dyn_quantize    x -> q, uint8 codes of x's shape

The codes are !quant.uniform<u8:f32, 1.0> values (scale 1, zero point 0:
the integer itself, as MatMulInteger's integer graph inputs are typed);
each op recomputes lo and hi (two f32 reductions, which CSE may share).

  int_to_float    an i32 accumulator (!quant.uniform<i32:f32, 1.0>) as f32
                  (arith.sitofp, round to nearest even: ONNX Cast)
"""
import numpy as np

from . import mlir

F32 = np.float32


def _locate(em, node, start):
    """Gives the ops emitted since line `start` the node's source location
    (a NameLoc naming the model's node): an integer-only compile that
    refuses this float step names the node (qc.compile keeps locations;
    qc-opt prints them with --mlir-print-debuginfo)."""
    name = (node.name or "DynamicQuantizeLinear").replace("\\", "\\\\").replace('"', '\\"')
    loc = ' loc("%s: dynamic quantization, a float step")' % name
    lines = em.fw.lines
    for i in range(start, len(lines)):
        text = lines[i].strip()
        if text.startswith("} ->") or text.startswith("%") and "linalg.generic" not in text:
            lines[i] += loc


def _u8_params():
    from .graph import QParams
    return QParams(1.0, 0, 0, 255, 8, False)


def dynamic_params(x):
    """(s, z) of DynamicQuantizeLinear in f32 (z an integer-valued f32)."""
    x = np.asarray(x, F32)
    lo = min(F32(0), F32(x.min())) if x.size else F32(0)
    hi = max(F32(0), F32(x.max())) if x.size else F32(0)
    s = F32(1) if hi == lo else F32(F32(hi - lo) / F32(255))
    z = F32(np.rint(np.clip(F32(F32(0) - F32(lo / s)), F32(0), F32(255))))
    return s, z


def dynamic_codes(x, s, z):
    return np.clip(np.rint(np.asarray(x, F32) / s) + z, 0, 255).astype(np.uint8)


def _emit_range(em, x, shape):
    """min(0, min x) and max(0, max x) as tensor<1xf32> (a unit parallel
    dimension: the Vulkan target maps a reduction with one to a kernel, a
    reduction to rank 0 would stay a host loop)."""
    fw = em.fw
    rank = len(shape)
    out = []
    for fn in ("minimumf", "maximumf"):
        e, z, init, r = fw.fresh("e"), fw.fresh("zero"), fw.fresh("init"), fw.fresh(fn[:3])
        fw.emit("%s = tensor.empty() : tensor<1xf32>" % e)
        fw.emit("%s = arith.constant 0.0 : f32" % z)
        fw.emit("%s = linalg.fill ins(%s : f32) outs(%s : tensor<1xf32>) -> tensor<1xf32>" % (init, z, e))
        fw.emit("%s = linalg.generic {indexing_maps = [%s, %s], iterator_types = [%s]}" % (
            r, mlir.affine_map(rank + 1, list(range(1, rank + 1))), mlir.affine_map(rank + 1, [0]),
            ", ".join(['"parallel"'] + ['"reduction"'] * rank)))
        fw.emit("    ins(%s : %s) outs(%s : tensor<1xf32>) {" % (x, mlir.tensor_type(shape), init))
        fw.emit("^bb0(%in: f32, %acc: f32):")
        fw.emit("  %%m = arith.%s %%in, %%acc : f32" % fn)
        fw.emit("  linalg.yield %m : f32")
        fw.emit("} -> tensor<1xf32>")
        out.append(r)
    return out


def _emit_scalar_generic(em, ins, out_elem, body):
    """A linalg.generic over tensor<1xf32> values `ins` giving a
    tensor<1x`out_elem`>; body(args) gives the lines and the yielded value."""
    fw = em.fw
    e, y = fw.fresh("e"), fw.fresh("dq")
    t = "tensor<1x%s>" % out_elem
    fw.emit("%s = tensor.empty() : %s" % (e, t))
    fw.emit("%s = linalg.generic {indexing_maps = [%s], iterator_types = [\"parallel\"]}" % (
        y, ", ".join(["affine_map<(d0) -> (d0)>"] * (len(ins) + 1))))
    fw.emit("    ins(%s : %s) outs(%s : %s) {" % (", ".join(ins), ", ".join(["tensor<1xf32>"] * len(ins)), e, t))
    args = ["%%a%d" % i for i in range(len(ins))]
    fw.emit("^bb0(%s, %%out: %s):" % (", ".join("%s: f32" % a for a in args), out_elem))
    lines, result = body(args)
    for line in lines:
        fw.emit("  " + line)
    fw.emit("  linalg.yield %s : %s" % (result, out_elem))
    fw.emit("} -> %s" % t)
    return y


def _rank0(em, x, elem):
    """tensor<1xT> viewed as tensor<T>."""
    r = em.fw.fresh("r0")
    em.fw.emit("%s = tensor.collapse_shape %s [] : tensor<1x%s> into tensor<%s>" % (r, x, elem, elem))
    return r


def _emit_scale(em, x, shape):
    lo, hi = _emit_range(em, x, shape)
    return _emit_scalar_generic(em, [lo, hi], "f32", lambda a: ([
        "%%d = arith.subf %s, %s : f32" % (a[1], a[0]),
        "%c255 = arith.constant 255.0 : f32",
        "%q = arith.divf %d, %c255 : f32",
        "%one = arith.constant 1.0 : f32",
        "%%eq = arith.cmpf oeq, %s, %s : f32" % (a[1], a[0]),
        "%sc = arith.select %eq, %one, %q : f32"], "%sc"))


def _zero_point_lines(lo, s):
    return ["%zero = arith.constant 0.0 : f32",
            "%c255 = arith.constant 255.0 : f32",
            "%%r = arith.divf %s, %s : f32" % (lo, s),
            "%n = arith.subf %zero, %r : f32",
            "%lo = arith.maximumf %n, %zero : f32",
            "%cl = arith.minimumf %lo, %c255 : f32",
            "%z = math.roundeven %cl : f32"]


class _LocatedFloatStep:
    """A float step's ops carry its node's location (`_locate`)."""

    def emit(self, em, node, ins):
        start = len(em.fw.lines)
        y = self._emit(em, node, ins)
        _locate(em, node, start)
        return y


class DynScale(_LocatedFloatStep):
    def infer(self, shapes, a, fail):
        return ()

    def evaluate(self, args, a):
        return np.asarray(dynamic_params(args[0])[0], F32)

    def _emit(self, em, node, ins):
        return _rank0(em, _emit_scale(em, ins[0], em.shape(node.inputs[0])), "f32")


class DynZeroPoint(_LocatedFloatStep):
    def infer(self, shapes, a, fail):
        return ()

    def evaluate(self, args, a):
        return np.asarray(dynamic_params(args[0])[1]).astype(np.uint8)

    def _emit(self, em, node, ins):
        shape = em.shape(node.inputs[0])
        s = _emit_scale(em, ins[0], shape)
        lo, _ = _emit_range(em, ins[0], shape)
        z = _emit_scalar_generic(em, [lo, s], "i8", lambda a: (
            _zero_point_lines(a[0], a[1]) + ["%i = arith.fptoui %z : f32 to i8"], "%i"))
        r = em.fw.fresh("zp")
        em.fw.emit("%s = quant.scast %s : tensor<i8> to %s" % (r, _rank0(em, z, "i8"),
                                                               mlir.tensor_type((), _u8_params().mlir_type())))
        return r


class DynQuantize(_LocatedFloatStep):
    def infer(self, shapes, a, fail):
        return shapes[0]

    def evaluate(self, args, a):
        s, z = dynamic_params(args[0])
        return dynamic_codes(args[0], s, z)

    def _emit(self, em, node, ins):
        fw = em.fw
        shape = em.shape(node.inputs[0])
        rank = len(shape)
        s = _emit_scale(em, ins[0], shape)
        lo, _ = _emit_range(em, ins[0], shape)
        z = _emit_scalar_generic(em, [lo, s], "f32", lambda a: (_zero_point_lines(a[0], a[1]), "%z"))
        e, y, r = fw.fresh("e"), fw.fresh("dynq"), fw.fresh("codes")
        t = mlir.tensor_type(shape, "i8")
        ident = mlir.affine_map(rank, list(range(rank)))
        fw.emit("%s = tensor.empty() : %s" % (e, t))
        fw.emit("%s = linalg.generic {indexing_maps = [%s, %s, %s, %s], iterator_types = [%s]}" % (
            y, ident, mlir.affine_map(rank, ["0"]), mlir.affine_map(rank, ["0"]), ident,
            ", ".join(['"parallel"'] * rank)))
        fw.emit("    ins(%s, %s, %s : %s, tensor<1xf32>, tensor<1xf32>) outs(%s : %s) {" % (
            ins[0], s, z, mlir.tensor_type(shape), e, t))
        fw.emit("^bb0(%x: f32, %s: f32, %z: f32, %out: i8):")
        for line in ("%d = arith.divf %x, %s : f32", "%r = math.roundeven %d : f32", "%v = arith.addf %r, %z : f32",
                     "%zero = arith.constant 0.0 : f32", "%c255 = arith.constant 255.0 : f32",
                     "%lo = arith.maximumf %v, %zero : f32", "%cl = arith.minimumf %lo, %c255 : f32",
                     "%i = arith.fptoui %cl : f32 to i8"):
            fw.emit("  " + line)
        fw.emit("  linalg.yield %i : i8")
        fw.emit("} -> %s" % t)
        fw.emit("%s = quant.scast %s : %s to %s" % (r, y, t, mlir.tensor_type(shape, _u8_params().mlir_type())))
        return r


class IntToFloat:
    def infer(self, shapes, a, fail):
        return shapes[0]

    def evaluate(self, args, a):
        return np.asarray(args[0]).astype(np.int32).astype(F32)

    def emit(self, em, node, ins):
        from .graph_quant import i32_params
        fw = em.fw
        shape = em.shape(node.output)
        rank = len(shape)
        c, e, y = fw.fresh("acc"), fw.fresh("e"), fw.fresh("fl")
        it, ft = mlir.tensor_type(shape, "i32"), mlir.tensor_type(shape)
        fw.emit("%s = quant.scast %s : %s to %s" % (c, ins[0], mlir.tensor_type(shape, i32_params().mlir_type()), it))
        ident = mlir.affine_map(rank, list(range(rank)))
        fw.emit("%s = tensor.empty() : %s" % (e, ft))
        fw.emit("%s = linalg.generic {indexing_maps = [%s, %s], iterator_types = [%s]}" % (
            y, ident, ident, ", ".join(['"parallel"'] * rank)))
        fw.emit("    ins(%s : %s) outs(%s : %s) {" % (c, it, e, ft))
        fw.emit("^bb0(%in: i32, %out: f32):")
        fw.emit("  %f = arith.sitofp %in : i32 to f32")
        fw.emit("  linalg.yield %f : f32")
        fw.emit("} -> %s" % ft)
        return y


OPS = {"dyn_scale": DynScale(), "dyn_zero_point": DynZeroPoint(), "dyn_quantize": DynQuantize(),
       "int_to_float": IntToFloat()}
