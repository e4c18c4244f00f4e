"""Mutation fuzzer for the ONNX importer (qc-import-onnx).

    onnx_mutate.py --count N [--seed S] [--seconds T] [--out DIR] [--models M.onnx ...]

Takes valid QDQ models (the examples' digits models and small models of
every operator the importer knows, built here), applies one to three random
mutations to each copy (dimensions, attributes, element types, initializer
contents, removed nodes/initializers/outputs, renamed edges, opset and
domain, op types, truncated or bit-flipped bytes) and runs the importer's
command line in this process on the result. Every outcome is one of:

  rejected     a clean error: non-zero exit, an "error:" line, no output file
  imported     exit 0 and the output parses and verifies as MLIR in qc
  crash        an exception escaped the importer (a traceback)
  bad-mlir     exit 0 but the output is not valid MLIR
  half-written non-zero exit but an output file was left behind
  hang         no answer within the time limit

The last four are importer bugs. Failures are grouped by failure mode (the
exception type and the innermost importer frame, or the MLIR diagnostic);
with --out, one reproducer per mode is written there. Accepted models that
onnx.checker rejects are counted separately ("imported-invalid"): the
importer should refuse them too, but the checker is not always right about
what qc can run. Exits 1 if any bug was found."""
import argparse
import collections
import contextlib
import copy
import io
import os
import random
import re
import signal
import sys
import tempfile
import traceback

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# --python DIR fuzzes the qc package in DIR (another checkout's importer).
_python = sys.argv[sys.argv.index("--python") + 1] if "--python" in sys.argv else \
    os.path.join(ROOT, "python")
sys.path.insert(0, _python)

import qc  # noqa: E402
from qc.importers import onnx as importer  # noqa: E402

BUGS = ("crash", "bad-mlir", "half-written", "hang")
ELEM_TYPES = [TensorProto.FLOAT, TensorProto.INT8, TensorProto.UINT8, TensorProto.INT32,
              TensorProto.INT64, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BOOL,
              TensorProto.STRING, TensorProto.INT16, TensorProto.UINT16, 0, 99]
SPECIAL_INTS = [0, -1, 1, 2, 3, -2, 7, 100, 2 ** 31 - 1, -2 ** 31, 2 ** 40, -2 ** 63]
SPECIAL_FLOATS = [0.0, -0.0, -1.0, 1e-45, 1e-38, 1e38, float("nan"), float("inf"), float("-inf")]


# --------------------------------------------------------------------------
# Seed models
# --------------------------------------------------------------------------

def _qdq(nodes, inits, x, name, scale, zp, dtype=np.int8):
    """x -> QuantizeLinear -> DequantizeLinear; returns the dequantized name."""
    inits[name + "_s"] = np.float32(scale)
    inits[name + "_z"] = dtype(zp)
    nodes.append(helper.make_node("QuantizeLinear", [x, name + "_s", name + "_z"], [name + "_q"]))
    nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_s", name + "_z"],
                                  [name + "_d"]))
    return name + "_d"


def _weight(nodes, inits, name, shape, rng, axis=None):
    """A quantized constant weight (int8 codes + DequantizeLinear)."""
    inits[name + "_w"] = rng.integers(-127, 128, size=shape).astype(np.int8)
    if axis is None:
        inits[name + "_ws"] = np.float32(0.02)
        inits[name + "_wz"] = np.int8(0)
    else:
        inits[name + "_ws"] = rng.uniform(0.01, 0.03, shape[axis]).astype(np.float32)
        inits[name + "_wz"] = np.zeros(shape[axis], np.int8)
    attrs = {} if axis is None else {"axis": axis}
    nodes.append(helper.make_node("DequantizeLinear", [name + "_w", name + "_ws", name + "_wz"],
                                  [name + "_wd"], **attrs))
    return name + "_wd"


def _model(nodes, inits, x_shape, y_name, y_shape, opset=13):
    graph = helper.make_graph(
        nodes, "seed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info(y_name, TensorProto.FLOAT, y_shape)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def synthetic_seeds(rng):
    """Small QDQ models, one per operator family the importers meet."""
    seeds = {}

    def build(name, body, x_shape, y_shape):
        nodes, inits = [], {}
        x = _qdq(nodes, inits, "x", "in", 0.05, 3)
        y = body(nodes, inits, x)
        y = _qdq(nodes, inits, y, "out", 0.1, -2)
        nodes.append(helper.make_node("Identity", [y], ["y"]))
        seeds[name] = _model(nodes, inits, x_shape, "y", y_shape)

    def matmul(nodes, inits, x):
        w = _weight(nodes, inits, "fc", (8, 5), rng, axis=1)
        nodes.append(helper.make_node("MatMul", [x, w], ["mm"]))
        inits["b"] = rng.standard_normal(5).astype(np.float32)
        nodes.append(helper.make_node("Add", ["mm", "b"], ["mmb"]))
        nodes.append(helper.make_node("Relu", ["mmb"], ["r"]))
        return "r"
    build("matmul", matmul, ["batch", 8], ["batch", 5])

    def gemm(nodes, inits, x):
        w = _weight(nodes, inits, "g", (5, 8), rng)
        inits["gb"] = rng.standard_normal(5).astype(np.float32)
        nodes.append(helper.make_node("Gemm", [x, w, "gb"], ["gm"], transB=1))
        return "gm"
    build("gemm", gemm, [1, 8], [1, 5])

    def conv(nodes, inits, x):
        w = _weight(nodes, inits, "c", (4, 3, 3, 3), rng, axis=0)
        inits["cb"] = rng.standard_normal(4).astype(np.float32)
        nodes.append(helper.make_node("Conv", [x, w, "cb"], ["cv"], kernel_shape=[3, 3],
                                      pads=[1, 1, 1, 1], strides=[2, 2]))
        nodes.append(helper.make_node("Clip", ["cv", "lo", "hi"], ["cl"]))
        inits["lo"], inits["hi"] = np.float32(0), np.float32(6)
        return "cl"
    build("conv", conv, [1, 3, 8, 8], [1, 4, 4, 4])

    def depthwise(nodes, inits, x):
        w = _weight(nodes, inits, "dw", (3, 1, 3, 3), rng)
        nodes.append(helper.make_node("Conv", [x, w], ["dc"], kernel_shape=[3, 3],
                                      pads=[1, 1, 1, 1], group=3))
        return "dc"
    build("depthwise", depthwise, [1, 3, 6, 6], [1, 3, 6, 6])

    def pools(nodes, inits, x):
        nodes.append(helper.make_node("MaxPool", [x], ["mp"], kernel_shape=[2, 2], strides=[2, 2]))
        nodes.append(helper.make_node("AveragePool", ["mp"], ["ap"], kernel_shape=[2, 2],
                                      pads=[0, 0, 1, 1]))
        nodes.append(helper.make_node("GlobalAveragePool", ["ap"], ["gp"]))
        return "gp"
    build("pools", pools, [1, 2, 8, 8], [1, 2, 1, 1])

    def shapes(nodes, inits, x):
        inits["shape"] = np.array([1, -1], np.int64)
        nodes.append(helper.make_node("Transpose", [x], ["t"], perm=[0, 2, 3, 1]))
        nodes.append(helper.make_node("Reshape", ["t", "shape"], ["rs"]))
        nodes.append(helper.make_node("Concat", ["rs", "rs"], ["cc"], axis=1))
        nodes.append(helper.make_node("Flatten", ["cc"], ["fl"], axis=1))
        return "fl"
    build("shapes", shapes, [1, 2, 3, 3], [1, 36])

    def elementwise(nodes, inits, x):
        y = _qdq(nodes, inits, x, "branch", 0.07, 1)
        nodes.append(helper.make_node("Add", [x, y], ["sum"]))
        nodes.append(helper.make_node("Mul", ["sum", y], ["prod"]))
        return "prod"
    build("elementwise", elementwise, [2, 6], [2, 6])
    return seeds


def load_seeds(paths, rng):
    seeds = synthetic_seeds(rng)
    for path in paths:
        seeds[os.path.basename(path)] = onnx.load(path)
    return seeds


# --------------------------------------------------------------------------
# Mutations: each takes (model, rng) and returns a description, or None when
# it does not apply. Byte mutations return (description, bytes).
# --------------------------------------------------------------------------

def _value_infos(m):
    return list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info)


def mutate_dim(m, r):
    vis = [v for v in _value_infos(m) if v.type.tensor_type.shape.dim]
    if not vis:
        return None
    v = r.choice(vis)
    dims = v.type.tensor_type.shape.dim
    d = r.randrange(len(dims))
    kind = r.choice(["value", "param", "drop", "add", "clear"])
    if kind == "value":
        dims[d].Clear()
        dims[d].dim_value = r.choice([0, 1, 2, 3, 5, 1000, 2 ** 31, 2 ** 62, -1, -7])
    elif kind == "param":
        dims[d].Clear()
        dims[d].dim_param = r.choice(["N", "", "batch", "?"])
    elif kind == "drop":
        del dims[d]
    elif kind == "add":
        dims.add().dim_value = r.choice([1, 2, 7])
    else:
        v.type.tensor_type.ClearField("shape")
    return "dim %s of '%s'" % (kind, v.name)


def mutate_elem_type(m, r):
    vis = _value_infos(m)
    if not vis:
        return None
    v = r.choice(vis)
    v.type.tensor_type.elem_type = r.choice(ELEM_TYPES)
    return "elem_type of '%s' -> %d" % (v.name, v.type.tensor_type.elem_type)


def mutate_attribute(m, r):
    nodes = [n for n in m.graph.node if n.attribute] or list(m.graph.node)
    if not nodes:
        return None
    n = r.choice(nodes)
    kind = r.choice(["value", "value", "delete", "add", "type"])
    if kind == "add" or not n.attribute:
        name = r.choice(["axis", "perm", "pads", "strides", "group", "kernel_shape", "dilations",
                         "auto_pad", "ceil_mode", "transA", "transB", "alpha", "bogus"])
        n.attribute.append(helper.make_attribute(name, r.choice(SPECIAL_INTS)))
        return "add attribute %s to '%s'" % (name, n.op_type)
    a = r.choice(list(n.attribute))
    if kind == "delete":
        n.attribute.remove(a)
        return "delete attribute %s of %s" % (a.name, n.op_type)
    if kind == "type":
        new = helper.make_attribute(a.name, r.choice([1.5, "SAME_UPPER", [1, 2], [0.5], b"x"]))
        n.attribute.remove(a)
        n.attribute.append(new)
        return "attribute %s of %s retyped" % (a.name, n.op_type)
    if a.type == onnx.AttributeProto.INT:
        a.i = r.choice(SPECIAL_INTS)
    elif a.type == onnx.AttributeProto.INTS and len(a.ints):
        ints = list(a.ints)
        if r.random() < 0.3:
            ints = ints[:-1] if r.random() < 0.5 else ints + [r.choice(SPECIAL_INTS)]
        else:
            ints[r.randrange(len(ints))] = r.choice(SPECIAL_INTS)
        del a.ints[:]
        a.ints.extend(ints)
    elif a.type == onnx.AttributeProto.FLOAT:
        a.f = r.choice(SPECIAL_FLOATS)
    elif a.type == onnx.AttributeProto.STRING:
        a.s = r.choice([b"", b"SAME_LOWER", b"VALID", b"NOTSET", b"\xff"])
    else:
        return None
    return "attribute %s of %s changed" % (a.name, n.op_type)


def mutate_initializer(m, r):
    if not m.graph.initializer:
        return None
    t = r.choice(list(m.graph.initializer))
    arr = numpy_helper.to_array(t)
    kind = r.choice(["special", "dtype", "shape", "empty", "raw", "scale"])
    if kind == "special" and arr.size:
        arr = arr.copy()
        flat = arr.reshape(-1)
        i = r.randrange(flat.size)
        if np.issubdtype(arr.dtype, np.floating):
            flat[i] = r.choice(SPECIAL_FLOATS)
        else:
            info = np.iinfo(arr.dtype)
            flat[i] = r.choice([info.min, info.max, 0, -1 if info.min < 0 else 1])
        new = numpy_helper.from_array(arr, t.name)
    elif kind == "dtype":
        dtype = r.choice([np.float32, np.float64, np.int8, np.uint8, np.int32, np.int64, np.float16,
                          np.bool_, np.int16])
        new = numpy_helper.from_array(arr.astype(dtype), t.name)
    elif kind == "shape":
        shape = r.choice([(arr.size,), (1,) + arr.shape, arr.shape[:-1], (0,), (arr.size, 1)])
        try:
            new = numpy_helper.from_array(np.resize(arr, shape) if 0 not in shape
                                          else np.zeros(shape, arr.dtype), t.name)
        except ValueError:
            return None
    elif kind == "empty":
        new = numpy_helper.from_array(np.zeros((0,), arr.dtype), t.name)
    elif kind == "raw":
        new = copy.deepcopy(t)
        raw = new.raw_data or numpy_helper.from_array(arr).raw_data
        new.ClearField("float_data")
        new.ClearField("int32_data")
        new.ClearField("int64_data")
        new.raw_data = raw[:r.randrange(len(raw) + 1)] if raw and r.random() < 0.7 else raw + b"\x01"
    else:
        if not np.issubdtype(arr.dtype, np.floating):
            return None
        new = numpy_helper.from_array((arr * r.choice([0.0, -1.0, 1e-30, 1e30])).astype(arr.dtype),
                                      t.name)
    t.CopyFrom(new)
    return "initializer '%s': %s" % (t.name, kind)


def mutate_remove(m, r):
    kind = r.choice(["node", "node", "initializer", "output", "input", "all-outputs"])
    g = m.graph
    if kind == "node" and g.node:
        n = r.choice(list(g.node))
        g.node.remove(n)
        return "remove node %s" % n.op_type
    if kind == "initializer" and g.initializer:
        t = r.choice(list(g.initializer))
        g.initializer.remove(t)
        return "remove initializer '%s'" % t.name
    if kind == "output" and g.output:
        g.output.remove(r.choice(list(g.output)))
        return "remove a graph output"
    if kind == "input" and g.input:
        g.input.remove(r.choice(list(g.input)))
        return "remove a graph input"
    if kind == "all-outputs":
        del g.output[:]
        return "remove every graph output"
    return None


def mutate_edge(m, r):
    nodes = [n for n in m.graph.node if n.input]
    if not nodes:
        return None
    n = r.choice(nodes)
    kind = r.choice(["rename", "drop", "duplicate", "empty", "self", "output"])
    i = r.randrange(len(n.input))
    if kind == "rename":
        n.input[i] = "undefined_%d" % r.randrange(10)
    elif kind == "drop":
        del n.input[i]
    elif kind == "duplicate":
        n.input.append(n.input[i])
    elif kind == "empty":
        n.input[i] = ""
    elif kind == "self" and n.output:
        n.input[i] = n.output[0]
    else:
        other = r.choice(list(m.graph.node))
        if other.output:
            other.output[0] = n.output[0] if n.output else "dup"
    return "edge %s of %s" % (kind, n.op_type)


def mutate_op(m, r):
    if not m.graph.node:
        return None
    n = r.choice(list(m.graph.node))
    kind = r.choice(["type", "domain", "opset", "opset"])
    if kind == "type":
        n.op_type = r.choice(["MatMul", "Conv", "Add", "Mul", "Relu", "Clip", "Reshape", "Transpose",
                              "Concat", "MaxPool", "AveragePool", "QuantizeLinear",
                              "DequantizeLinear", "Gemm", "Flatten", "Identity", "Softmax", "Nope"])
        return "op type -> %s" % n.op_type
    if kind == "domain":
        n.domain = r.choice(["com.microsoft", "ai.onnx.ml", "bogus"])
        return "domain -> %s" % n.domain
    m.opset_import[0].version = r.choice([1, 7, 10, 11, 19, 21, 99, 0, -1])
    return "opset -> %d" % m.opset_import[0].version


MODEL_MUTATIONS = [mutate_dim, mutate_elem_type, mutate_attribute, mutate_attribute,
                   mutate_initializer, mutate_initializer, mutate_remove, mutate_edge, mutate_op]


def mutate_bytes(data, r):
    kind = r.choice(["truncate", "flip", "empty", "garbage"])
    if kind == "truncate":
        return "truncate", data[:r.randrange(len(data))]
    if kind == "flip":
        b = bytearray(data)
        for _ in range(r.randint(1, 8)):
            b[r.randrange(len(b))] ^= 1 << r.randrange(8)
        return "flip bits", bytes(b)
    if kind == "empty":
        return "empty file", b""
    return "garbage", bytes(r.randrange(256) for _ in range(r.randint(1, 64)))


def mutant(seeds, r):
    """(description, bytes of the .onnx file)."""
    name = r.choice(sorted(seeds))
    m = copy.deepcopy(seeds[name])
    done = []
    for _ in range(r.choice([1, 1, 2, 3])):
        for _ in range(5):
            try:
                what = r.choice(MODEL_MUTATIONS)(m, r)
            except (ValueError, TypeError, IndexError):
                # An earlier mutation left the model unreadable to the
                # mutator itself (e.g. truncated raw data).
                what = None
            if what:
                done.append(what)
                break
    data = m.SerializeToString()
    if r.random() < 0.1:
        what, data = mutate_bytes(data, r)
        done.append(what)
    return "%s: %s" % (name, "; ".join(done) or "unchanged"), data


# --------------------------------------------------------------------------
# Running the importer
# --------------------------------------------------------------------------

class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def _innermost_importer_frame(tb):
    frames = traceback.extract_tb(tb)
    mine = [f for f in frames if os.sep + "qc" + os.sep in f.filename]
    f = (mine or frames)[-1]
    return "%s:%d (%s)" % (os.path.relpath(f.filename, _python), f.lineno, f.name)


def run_importer(path, out, seconds):
    """(outcome, failure mode or None, detail)."""
    stderr = io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            rc = importer.main([path, "-o", out])
    except Timeout:
        return "hang", "hang", ""
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    except RecursionError as e:
        return "crash", "RecursionError", str(e)
    except Exception as e:  # noqa: BLE001 - every escaping exception is the finding
        mode = "%s at %s" % (type(e).__name__, _innermost_importer_frame(e.__traceback__))
        return "crash", mode, "%s: %s" % (type(e).__name__, str(e)[:300])
    finally:
        signal.alarm(0)
    if rc != 0:
        message = stderr.getvalue()
        if os.path.exists(out):
            return "half-written", "output file left behind on error", message[:300]
        if "error:" not in message:
            return "crash", "non-zero exit without an error message", message[:300]
        return "rejected", None, message.strip().splitlines()[-1][:300] if message.strip() else ""
    if not os.path.exists(out):
        return "bad-mlir", "exit 0 without an output file", ""
    with open(out) as f:
        text = f.read()
    try:
        qc.Module.parse(text, "<import>")
    except qc.CompileError as e:
        diag = e.message.splitlines()[0]
        mode = re.sub(r"^.*?error: ", "", diag)
        mode = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?|'[^']*'|\"[^\"]*\"", "#", mode)[:120]
        return "bad-mlir", "invalid MLIR: " + mode, diag[:300]
    return "imported", None, ""


def onnx_valid(data):
    try:
        m = onnx.load_from_string(data)
        onnx.checker.check_model(m, full_check=True)
        return True
    except Exception:  # noqa: BLE001 - any checker complaint
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    ap.add_argument("--timeout", type=int, default=20, help="per model, seconds")
    ap.add_argument("--models", nargs="*", default=[os.path.join(ROOT, "examples", f) for f in (
        "digits_mlp.onnx", "digits_cnn.onnx", "digits_mlp_fp32.onnx", "digits_cnn_fp32.onnx")])
    ap.add_argument("--out", help="directory for one reproducer per failure mode")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--python", help="directory holding the qc package to fuzz")
    args = ap.parse_args()
    r = random.Random(args.seed)
    seeds = load_seeds(args.models, np.random.default_rng(args.seed))
    outcomes = collections.Counter()
    modes = collections.OrderedDict()
    imported_invalid = 0
    import time
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        path, out = os.path.join(tmp, "m.onnx"), os.path.join(tmp, "m.mlir")
        tried = 0
        for i in range(args.count):
            if args.seconds is not None and time.time() - start > args.seconds:
                break
            what, data = mutant(seeds, r)
            with open(path, "wb") as f:
                f.write(data)
            if os.path.exists(out):
                os.remove(out)
            outcome, mode, detail = run_importer(path, out, args.timeout)
            tried += 1
            outcomes[outcome] += 1
            if outcome == "imported" and not onnx_valid(data):
                imported_invalid += 1
            if args.verbose:
                print("%5d %-12s %s | %s" % (i, outcome, what, detail))
            if mode and mode not in modes:
                modes[mode] = (outcome, what, detail, i)
                if args.out:
                    os.makedirs(args.out, exist_ok=True)
                    with open(os.path.join(args.out, "onnx-%d.onnx" % i), "wb") as f:
                        f.write(data)
    for mode, (outcome, what, detail, i) in modes.items():
        print("BUG %s: %s\n  mutant %d (%s)\n  %s" % (outcome, mode, i, what, detail))
    print("%d mutated ONNX models: %s; %d imported although onnx.checker rejects them; "
          "%d failure modes" % (tried, ", ".join("%s %d" % kv for kv in sorted(outcomes.items())),
                                imported_invalid, len(modes)))
    return 1 if any(outcomes[b] for b in BUGS) else 0


if __name__ == "__main__":
    sys.exit(main())
