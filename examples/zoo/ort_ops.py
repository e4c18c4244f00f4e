"""Where qc and ONNX Runtime differ, operator by operator (QOperator models).

  python3 examples/zoo/ort_ops.py build/zoo/resnet18_qoperator.onnx build/zoo/resnet18_x.npy

Runs the model in ONNX Runtime with every QLinearConv / QLinearMatMul /
QLinearAdd / QLinearGlobalAveragePool output exposed, then recomputes each
of those operators from ORT's own input codes three ways and counts the
output codes that differ from ORT's:

  double_round, single_round   qc's integer semantics (docs/Numerics.md):
                               the exact i32 accumulator, then the fixed-point
                               requantization of each profile (qc.add: TFLite's
                               20-bit rescaled sum; the average pool: qc's
                               rounded average, then a requantize)
  ort                          ONNX Runtime 1.30's CPU kernels as their source
                               reads: QLinearConv / QLinearMatMul
                               (MlasRequantizeOutput): f32(acc) * f32(s_x s_w / s_y),
                               round half to even; QLinearAdd (qladd_avx2):
                               fma(a, s_a/s_c, fma(b, s_b/s_c, z_c - ...)) in f32;
                               QLinearGlobalAveragePool: the exact sum, one
                               f32 requantization

Every operator sees the same inputs, so a count is the local difference of
one operator, before any compounding through the network. Prints one line per
operator kind and profile: elements, differing elements, largest difference.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "tools", "ort"))

from qc import reference as ref  # noqa: E402

F32 = np.float32


def _attr(node, name, default):
    from onnx import helper
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _ort_requant(acc, scale32, zp, qmin, qmax):
    """MlasRequantizeOutput: f32(acc) * f32 scale, clamp, round half to even, + zp."""
    v = acc.astype(F32) * scale32
    v = np.minimum(np.maximum(v, F32(qmin - zp)), F32(qmax - zp))
    return np.rint(v).astype(np.int64) + zp


def _qc_requant(acc, real, zp, qmin, qmax, profile):
    reals = np.asarray(real, np.float64)
    pairs = [ref.quantize_multiplier(r) for r in reals.reshape(-1)]
    m = np.array([p[0] for p in pairs], np.int64).reshape(reals.shape)
    s = np.array([p[1] for p in pairs], np.int64).reshape(reals.shape)
    return np.clip(ref.apply_multiplier(acc, m, s, profile) + zp, qmin, qmax)


def _range(dtype):
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def conv_variants(node, v):
    """QLinearConv (NCHW) recomputed from ORT's inputs: {variant: codes}."""
    x, xs, xz, w, ws, wz, ys, yz = (v[n] for n in node.input[:8])
    b = v[node.input[8]] if len(node.input) > 8 and node.input[8] else None
    k = w.shape[2:]
    pads = _attr(node, "pads", [0, 0, 0, 0])
    acc = ref.conv2d(np.transpose(x, (0, 2, 3, 1)), int(xz), np.transpose(w, (2, 3, 1, 0)),
                     np.broadcast_to(wz, (w.shape[0],)).astype(np.int64), b,
                     strides=_attr(node, "strides", [1, 1]), padding=(pads[0], pads[2], pads[1], pads[3]),
                     dilations=_attr(node, "dilations", [1, 1]), groups=_attr(node, "group", 1))
    assert k == tuple(w.shape[2:])
    acc = np.transpose(acc, (0, 3, 1, 2))
    chan = (1, -1, 1, 1)
    return _requant_variants(acc, xs, np.broadcast_to(ws, (w.shape[0],)), ys, int(yz), chan, yz.dtype)


def matmul_variants(node, v):
    a, as_, az, b, bs, bz, ys, yz = (v[n] for n in node.input[:8])
    acc = ref.matmul(a.reshape(-1, a.shape[-1]), int(az), b, np.broadcast_to(bz, (b.shape[1],)).astype(np.int64))
    acc = acc.reshape(a.shape[:-1] + (b.shape[1],))
    return _requant_variants(acc, as_, np.broadcast_to(bs, (b.shape[1],)), ys, int(yz), (-1,), yz.dtype)


def _requant_variants(acc, xs, ws, ys, yz, chan, dtype):
    qmin, qmax = _range(dtype)
    real = (np.float64(xs) * ws.astype(np.float64) / np.float64(ys)).reshape(chan)
    scale32 = ((F32(xs) * ws.astype(F32)) / F32(ys)).astype(F32).reshape(chan)
    return {"double_round": _qc_requant(acc, real, yz, qmin, qmax, ref.DOUBLE_ROUND),
            "single_round": _qc_requant(acc, real, yz, qmin, qmax, ref.SINGLE_ROUND),
            "ort": _ort_requant(acc, scale32, yz, qmin, qmax)}


def add_variants(node, v):
    a, as_, az, b, bs, bz, cs, cz = (v[n] for n in node.input[:8])
    qmin, qmax = _range(cz.dtype)
    out = {}
    for profile in (ref.DOUBLE_ROUND, ref.SINGLE_ROUND):
        out[profile] = ref.add(a, float(as_), int(az), b, float(bs), int(bz), float(cs), int(cz), qmin, qmax,
                               profile=profile)
    ra, rb = F32(F32(as_) / F32(cs)), F32(F32(bs) / F32(cs))
    fixed = F32(F32(int(cz)) - F32(F32(ra * F32(int(az))) + F32(rb * F32(int(bz)))))
    from qc.interpreter import fma_f32
    t = fma_f32(b.astype(F32), rb, fixed)
    y = fma_f32(a.astype(F32), ra, t)
    out["ort"] = np.clip(np.rint(y).astype(np.int64), qmin, qmax)
    return out


def gap_variants(node, v):
    x, xs, xz, ys, yz = (v[n] for n in node.input[:5])
    qmin, qmax = _range(yz.dtype)
    n = x.shape[2] * x.shape[3]
    total = x.astype(np.int64).sum(axis=(2, 3), keepdims=True)
    out = {}
    avg = ref.avg_pool2d(np.transpose(x, (0, 2, 3, 1)), (x.shape[2], x.shape[3]))
    avg = np.transpose(avg, (0, 3, 1, 2))
    for profile in (ref.DOUBLE_ROUND, ref.SINGLE_ROUND):
        out[profile] = _qc_requant(avg - int(xz), float(xs) / float(ys), int(yz), qmin, qmax, profile)
    out["ort"] = _ort_requant(total - int(xz) * n, F32(F32(xs) / (F32(ys) * F32(n))), int(yz), qmin, qmax)
    return out


# (data input, its zero point input) per operator, and the output's zero point.
ZERO_POINTS = {"QLinearConv": [(0, 2)], "QLinearMatMul": [(0, 2), (3, 5)], "QLinearAdd": [(0, 2), (3, 5)],
               "QLinearGlobalAveragePool": [(0, 2)]}
OUTPUT_ZP = {"QLinearConv": 7, "QLinearMatMul": 7, "QLinearAdd": 7, "QLinearGlobalAveragePool": 4}

VARIANTS = {"QLinearConv": conv_variants, "QLinearMatMul": matmul_variants, "QLinearAdd": add_variants,
            "QLinearGlobalAveragePool": gap_variants}


def analyze(model_path, x):
    import onnx
    from onnx import helper, numpy_helper
    from ort import ort_compatible, run_ort
    model = ort_compatible(onnx.load(model_path))
    nodes = [n for n in model.graph.node if n.op_type in VARIANTS]
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant":
            inits[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
        elif n.op_type == "Identity" and n.input[0] in inits:
            inits[n.output[0]] = inits[n.input[0]]
    # Each exposed tensor has the element type of its zero point.
    wanted = {}
    for n in nodes:
        for name, zp in [(n.input[d], z) for d, z in ZERO_POINTS[n.op_type]] + [(n.output[0], OUTPUT_ZP[n.op_type])]:
            if name not in inits and name != model.graph.input[0].name:
                wanted[name] = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[inits[n.input[zp]].dtype]
    have = {o.name for o in model.graph.output}
    for name, elem in wanted.items():
        if name not in have:
            model.graph.output.append(helper.make_tensor_value_info(name, elem, None))
    outs = run_ort(model, {model.graph.input[0].name: x})[0]
    values = dict(inits)
    values.update(outs)
    values[model.graph.input[0].name] = x
    stats = {}
    for n in nodes:
        got = values[n.output[0]].astype(np.int64)
        for variant, codes in VARIANTS[n.op_type](n, values).items():
            s = stats.setdefault((n.op_type, variant), [0, 0, 0])
            diff = np.abs(codes.astype(np.int64) - got)
            s[0] += got.size
            s[1] += int(np.count_nonzero(diff))
            s[2] = max(s[2], int(diff.max()))
    return stats


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("inputs", help=".npy of the model's float inputs")
    args = ap.parse_args()
    stats = analyze(args.model, np.load(args.inputs))
    print("| operator | semantics | elements | differ from ORT | max codes |")
    print("|---|---|---|---|---|")
    for (op, variant), (n, bad, worst) in sorted(stats.items()):
        print("| %s | %s | %d | %d (%.3f %%) | %d |" % (op, variant, n, bad, 100.0 * bad / max(n, 1), worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
