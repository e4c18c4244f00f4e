"""ONNX importer: an ONNX model -> qc MLIR (float func + qc.fake_quant).

  python3 -m qc.importers.onnx model.onnx -o model.mlir [--batch N] [--name NAME]

Reads the QDQ form (QuantizeLinear -> DequantizeLinear pairs, as torch's QAT
and PTQ exports and ONNX Runtime's quantizer write them) and the QOperator
form (QLinearConv, QLinearMatMul, QLinearAdd, ...): both become float ops
between qc.fake_quant ops, the form --qc-fold-fake-quant turns into integer
qc ops. Integer (uint8/int8) graph inputs become !quant.uniform function
arguments and quantized graph outputs qc.quantize results. Before the import,
onnx_rewrite fuses the decompositions exporters write (LayerNorm, Erf-GELU,
hardswish) and folds BatchNormalization into the convolution before it.

Handlers: onnx_ops.py (float operators), onnx_quant.py (quantization),
onnx_integer.py (MatMulInteger, ConvInteger: exact int32 results).
Convolutions and pools run NHWC: see importers/common.py and
docs/Importers.md. Anything the importer cannot represent is an error that
names the node and says what to do; never a traceback.
"""
import argparse
import os
import sys

import numpy as np

from ..graph import GraphError
from .common import FALLBACK_NAME, Builder, ImportError_, Tensor, entry_name
from .onnx_integer import IntegerOps, _Int32
from .onnx_move import MoveOps
from .onnx_ops import FloatOps, fold_constant
from .onnx_read import read_attrs, read_tensor
from .onnx_quant import QuantOps, _IntConst, _IntInput, _NonFinite, _Quantized, where as _where

# Opsets whose semantics of the supported operators this importer follows.
MIN_OPSET, MAX_OPSET = 10, 17
# Non-default domains and the operators taken from them.
DOMAIN_OPS = {"com.microsoft": {"QLinearAdd", "QLinearMul", "QLinearGlobalAveragePool", "QLinearAveragePool",
                                "QLinearConcat",
                                "QLinearSigmoid", "Gelu"},
              "ai.qc": {"Gelu"}}
# Operators refused with the reason and what to do instead.
REFUSED = {}


def check_model(model):
    """Structural checks before importing; returns the default-domain opset."""
    import onnx
    if not model.HasField("graph") or not (model.graph.node or model.graph.output):
        raise ImportError_("the model has no graph (an empty or truncated file?)")
    if not model.graph.output:
        raise ImportError_("graph '%s' has no outputs: nothing to compute" % model.graph.name)
    opsets = {o.domain: o.version for o in model.opset_import}
    opset = opsets.get("", opsets.get("ai.onnx"))
    if opset is None:
        raise ImportError_("the model imports no opset of the default ONNX domain")
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ImportError_("opset %d is not supported: qc imports opsets %d to %d (re-export the model, "
                           "e.g. torch.onnx.export(..., opset_version=13))" % (opset, MIN_OPSET, MAX_OPSET))
    try:
        onnx.checker.check_model(model)
    except Exception as e:  # onnx.checker.ValidationError and protobuf errors
        raise ImportError_("invalid ONNX model: %s" % " ".join(str(e).split()))
    for node in model.graph.node:
        if not node.output or not node.output[0]:
            raise ImportError_("%s: the node has no output" % _where(node))
    return opset


def _declared_shapes(g):
    """value name -> declared static dims (None for a symbolic dim) of graph
    outputs and value_info entries that have a shape."""
    out = {}
    for vi in list(g.value_info) + list(g.output):
        tt = vi.type.tensor_type
        if vi.type.HasField("tensor_type") and tt.HasField("shape"):
            out[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
    return out


def _shape_of(value):
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, _Quantized):
        return value.src.shape
    if isinstance(value, (_IntInput, _Int32)):
        return value.shape
    return None


def _check_declared(node, name, value, declared):
    """The computed shape of `name` must match the shape the model declares."""
    shape = _shape_of(value)
    if shape is None or name not in declared:
        return
    want = declared[name]
    if len(want) == len(shape) and all(w is None or w == d for w, d in zip(want, shape)):
        return
    raise ImportError_("%s'%s' has shape %s, but the model declares %s; the model is inconsistent (re-export "
                       "it or run onnx.shape_inference on it)" % (
                           _where(node) + ": output " if node is not None else "graph output ", name,
                           list(shape), ["?" if w is None else w for w in want]))


def _type_name(elem_type):
    import onnx
    return onnx.TensorProto.DataType.Name(elem_type) if elem_type in onnx.TensorProto.DataType.values() \
        else str(elem_type)


class OnnxImporter(FloatOps, QuantOps, IntegerOps, MoveOps):
    def __init__(self, model, batch=1, name=None, quantized_io=False):
        self.model = model
        self.quantized_io = quantized_io
        self.batch = batch
        self.b = Builder(entry_name(model.graph.name) if name is None else name)
        self.env = {}

    # -- values -------------------------------------------------------------
    def _get(self, name, node):
        if name not in self.env:
            raise ImportError_("%s: input '%s' is not defined" % (_where(node), name))
        return self.env[name]

    def _float(self, name, node):
        """A float input: a graph tensor, a float constant, or the
        dequantized value of a quantized tensor read by a QOperator model's
        shape op (see QuantOps._passthrough)."""
        v = self._get(name, node)
        if isinstance(v, _NonFinite):
            bad = np.argwhere(~np.isfinite(v.array))[0]
            raise ImportError_("%s: initializer '%s' holds %s at index %s; qc needs finite weights and "
                               "constants (fix the model: a diverged training run or a corrupted file?)" % (
                                   _where(node), name, v.array[tuple(bad)], tuple(int(i) for i in bad)))
        if isinstance(v, _Quantized):
            raise ImportError_("%s: input '%s' is a quantized tensor (output of %s); only DequantizeLinear and "
                               "QLinear operators may read quantized tensors (not a QDQ model?)" % (
                                   _where(node), name, _where(v.node)))
        if isinstance(v, _IntInput):
            raise ImportError_("%s: input '%s' is an integer graph input (%s); only DequantizeLinear and "
                               "QLinear/integer operators may read it" % (_where(node), name, v.dtype))
        if isinstance(v, _Int32):
            raise ImportError_("%s: input '%s' is the integer result of %s; qc reads it as a graph output, "
                               "by MatMulInteger / ConvInteger (codes) or by a Cast to float" % (
                                   _where(node), name, _where(v.node)))
        if isinstance(v, _IntConst):
            if v.array.dtype.kind in "iub" and node.op_type in ("Add", "Mul", "Sub", "Div", "MatMul", "Gemm",
                                                               "Conv", "Concat"):
                raise ImportError_("%s: input '%s' is an integer tensor (%s); only float tensors and "
                                   "DequantizeLinear outputs are supported" % (_where(node), name, v.array.dtype))
            return self.b.const(v.array.astype(np.float32))
        return v

    def _const(self, name, node, what):
        v = self._get(name, node)
        if isinstance(v, (_IntConst, _NonFinite)):
            return v.array
        if isinstance(v, Tensor) and v.const is not None:
            return v.const
        raise ImportError_("%s: %s '%s' must be a constant (initializer or Constant)" % (_where(node), what, name))

    def _from_array(self, arr, name="Constant"):
        if arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)):
                return _NonFinite(name, arr)
            return self.b.const(arr.astype(np.float32))
        return _IntConst(arr)

    # -- import -------------------------------------------------------------
    def run(self):
        import onnx
        from .onnx_rewrite import fold_batchnorm, fuse_decompositions, quantized_io
        self.opset = check_model(self.model)
        self.model = fold_batchnorm(fuse_decompositions(self.model), copy=False)
        if self.quantized_io:
            self.model = quantized_io(self.model)
        g = self.model.graph
        self.consumers, self.graph_outputs = {}, {o.name for o in g.output}
        for node in g.node:
            for i in node.input:
                self.consumers.setdefault(i, []).append(node)
        declared = _declared_shapes(g)
        for i in g.initializer:
            self.env[i.name] = self._from_array(read_tensor(i, "initializer '%s'" % i.name), i.name)
        inits = {i.name for i in g.initializer}
        self.input_order = []
        for inp in g.input:
            if inp.name in inits:
                continue
            self.env[inp.name] = self._graph_input(inp, onnx)
            self.input_order.append(inp.name.replace(".", "_"))
        for node in g.node:
            allowed = DOMAIN_OPS.get(node.domain, set()) if node.domain not in ("", "ai.onnx") else None
            handler = getattr(self, "_op_" + node.op_type, None)
            if node.op_type in REFUSED and allowed is None:
                raise ImportError_("%s: unsupported operator '%s': %s" % (_where(node), node.op_type,
                                                                          REFUSED[node.op_type]))
            if handler is None or (allowed is not None and node.op_type not in allowed):
                raise ImportError_("%s: unsupported operator '%s%s' (supported: %s)" % (
                    _where(node), node.domain + "." if node.domain else "", node.op_type, ", ".join(supported())))
            try:
                out = self._dispatch(node, handler)
            except (ImportError_, GraphError) as e:
                raise ImportError_(str(e) if isinstance(e, ImportError_) else "%s: %s" % (_where(node), e))
            except Exception as e:  # a check this importer lacks: still name the node, never a traceback
                raise ImportError_("%s: cannot import this node (%s: %s); the model is malformed or uses the "
                                   "operator in a way qc does not support" % (_where(node), type(e).__name__, e)) from e
            outs = out if isinstance(out, tuple) else (out,)
            for name, value in zip(node.output, outs):
                if name:
                    self.env[name] = value
                    _check_declared(node, name, value, declared)
        outs = []
        for o in g.output:
            v = self.env.get(o.name)
            if isinstance(v, _Quantized):
                outs.append(self._quantized_output(o.name, v))
                continue
            if isinstance(v, _Int32):
                outs.append(v.tensor)
                continue
            if v is None or isinstance(v, (_IntConst, _NonFinite, _IntInput)):
                raise ImportError_("graph output '%s' is not a tensor computed by the graph" % o.name)
            _check_declared(None, o.name, v, declared)
            outs.append(v)
        unbound = [n for n, v in self.env.items() if isinstance(v, _IntInput) and not v.bound]
        if unbound:
            raise ImportError_("graph input '%s' (%s) is never dequantized: qc needs its scale and zero point "
                               "from a DequantizeLinear or QLinear operator that reads it" % (
                                   unbound[0], self.env[unbound[0]].dtype))
        graph = self.b.finish(outs)
        graph.inputs.sort(key=self.input_order.index)
        return graph

    def _dispatch(self, node, handler):
        a = read_attrs(node, _where(node))
        folded = fold_constant(self, node, a)
        if folded is not None:
            return folded
        return self._passthrough(node, handler, a)

    def _graph_input(self, inp, onnx):
        tt = inp.type.tensor_type
        shape = []
        for i, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value") and d.dim_value <= 0:
                raise ImportError_("graph input '%s': dimension %d is %d; qc needs sizes >= 1 (%s)" % (
                    inp.name, i, d.dim_value, "zero-size tensors are not supported" if d.dim_value == 0
                    else "a negative size is invalid ONNX"))
            if d.HasField("dim_value"):
                shape.append(d.dim_value)
            elif i == 0:
                shape.append(self.batch)
            else:
                raise ImportError_("graph input '%s': dimension %d is dynamic (%s); only the batch "
                                   "dimension may be (set by --batch)" % (inp.name, i, d.dim_param or "?"))
        name = inp.name.replace(".", "_")
        if tt.elem_type == onnx.TensorProto.FLOAT:
            return self.b.input(name, shape)
        if tt.elem_type in (onnx.TensorProto.UINT8, onnx.TensorProto.INT8):
            return _IntInput(name, shape, np.dtype(np.uint8 if tt.elem_type == onnx.TensorProto.UINT8 else np.int8))
        raise ImportError_("graph input '%s' is %s: qc functions take float32 inputs and uint8/int8 inputs that "
                           "a DequantizeLinear or QLinear operator reads (make shapes and other integer "
                           "operands initializers)" % (inp.name, _type_name(tt.elem_type)))


def supported():
    ops = {n[4:] for n in dir(OnnxImporter) if n.startswith("_op_")}
    return sorted(ops)


def import_model(model, batch=1, name=None, quantized_io=False):
    """An onnx.ModelProto (or a path) -> qc.graph.Graph. `name` names the
    function; by default the model's name: the file's stem for a path, else
    the graph's name, made a C identifier (common.entry_name; `model` when
    neither says anything, e.g. torch's `torch_jit`). With quantized_io,
    inputs that the model only quantizes take the integer codes and outputs
    that it dequantizes return them (onnx_rewrite.quantized_io). `batch`
    sizes the leading dimension of the inputs; None makes it dynamic (`?` in
    the IR, shapes traced at batch 1)."""
    import onnx
    if isinstance(model, str):
        path = model
        try:
            model = onnx.load(path)
        except OSError as e:
            raise ImportError_("cannot read ONNX model '%s': %s" % (model, e.strerror or e))
        except Exception as e:  # onnx raises DecodeError and others
            raise ImportError_("cannot read ONNX model '%s': %s" % (model, e))
        stem = entry_name(os.path.splitext(os.path.basename(path))[0])
        if name is None and stem != FALLBACK_NAME:
            name = stem
    graph = OnnxImporter(model, 1 if batch is None else batch, name, quantized_io).run()
    graph.dynamic_batch = batch is None
    return graph


def import_to_mlir(model, batch=1, name=None, quantized_io=False):
    return import_model(model, batch, name, quantized_io).to_mlir()


def write_output(path, text):
    """Writes `text` to `path` ("-" is stdout) completely or not at all: a
    regular file goes through a temporary file in the same directory that
    replaces it only once fully written. Returns an error message or None."""
    import os
    import tempfile
    if path == "-":
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError as e:
            # Nothing more can reach stdout; keep the interpreter's final flush quiet.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return "cannot write the output to stdout: %s" % (e.strerror or e)
        return None
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        return "cannot write '%s': directory '%s' does not exist" % (path, directory)
    if os.path.exists(path) and not os.path.isfile(path):
        # A device or pipe cannot be replaced atomically: write to it directly.
        try:
            with open(path, "w") as f:
                f.write(text)
        except OSError as e:
            return "cannot write '%s': %s" % (path, e.strerror or e)
        return None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        return "cannot write '%s': %s (nothing was written)" % (path, e.strerror or e)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="qc-import-onnx",
                                 description="Import an ONNX QDQ or QOperator model as qc MLIR "
                                             "(float func + qc.fake_quant).")
    ap.add_argument("model", help="the .onnx file")
    ap.add_argument("-o", "--output", default="-", help="output .mlir (default: stdout)")
    ap.add_argument("--batch", default="1",
                    help="size of the batch dimension (default 1); '?' keeps it dynamic")
    ap.add_argument("--name", default=None,
                    help="function name (default: the file's stem as a C identifier, else the graph's "
                         "name, else 'model')")
    ap.add_argument("--quantized-io", action="store_true",
                    help="inputs the model only quantizes take the integer codes, dequantized outputs return "
                         "them (no float step at the boundary: for integer-only compilation)")
    args = ap.parse_args(argv)
    try:
        batch = None if args.batch == "?" else int(args.batch) if args.batch.isdigit() else 0
        if batch is not None and batch < 1:
            raise ImportError_("--batch %s: the batch size must be at least 1 (or '?')" % args.batch)
        text = import_to_mlir(args.model, batch, args.name, args.quantized_io)
    except (ImportError_, GraphError) as e:
        print("qc-import-onnx: error: %s" % e, file=sys.stderr)
        return 1
    error = write_output(args.output, text)
    if error:
        print("qc-import-onnx: error: %s" % error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
