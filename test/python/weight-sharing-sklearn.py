# --qc-weight-sharing's clustering error (sum of squared distances to the
# centroids) against scikit-learn's KMeans(n_init=10) on the same weights: it
# must be no worse than 1 % above it, per tensor and per output channel, for
# float weights (Gaussian, heavy-tailed, with outliers, many ties) and for
# quantized codes (clustered with scale^2 sample weights; both sides' centroids
# rounded to codes the same way).
#
# RUN: %python %s | FileCheck %s
# CHECK: gaussian 16/tensor: ratio
# CHECK: all 8 weight sets within 1 % of scikit-learn
import re
import subprocess
import sys

import numpy as np
from sklearn.cluster import KMeans


def clustered(w, options, qtype=None):
    """Runs --qc-weight-sharing on a matmul with constant weight `w` and
    returns the new constant."""
    k, n = w.shape
    if qtype is None:
        data = '"0x' + w.astype(np.float32).tobytes().hex().upper() + '"'
        weight = "%%w = arith.constant dense<%s> : tensor<%dx%dxf32>" % (data, k, n)
        body = ("%%z = arith.constant 0.0 : f32\n%%e = tensor.empty() : tensor<2x%dxf32>\n"
                "%%i = linalg.fill ins(%%z : f32) outs(%%e : tensor<2x%dxf32>) -> tensor<2x%dxf32>\n"
                "%%r = linalg.matmul ins(%%a, %%w : tensor<2x%dxf32>, tensor<%dx%dxf32>) "
                "outs(%%i : tensor<2x%dxf32>) -> tensor<2x%dxf32>" % (n, n, n, k, k, n, n, n))
        sig = "(%%a: tensor<2x%dxf32>) -> tensor<2x%dxf32>" % (k, n)
        ret = "tensor<2x%dxf32>" % n
    else:
        data = '"0x' + w.astype(np.int8).tobytes().hex().upper() + '"'
        weight = ("%%c = arith.constant dense<%s> : tensor<%dx%dxi8>\n"
                  "%%w = quant.scast %%c : tensor<%dx%dxi8> to tensor<%dx%dx%s>" % (
                      data, k, n, k, n, k, n, qtype))
        a, y = "!quant.uniform<i8:f32, 0.1>", "!quant.uniform<i8:f32, 0.5>"
        body = "%%r = qc.matmul %%a, %%w : tensor<2x%dx%s>, tensor<%dx%dx%s> -> tensor<2x%dx%s>" % (
            k, a, k, n, qtype, n, y)
        sig = "(%%a: tensor<2x%dx%s>) -> tensor<2x%dx%s>" % (k, a, n, y)
        ret = "tensor<2x%dx%s>" % (n, y)
    text = "func.func @f%s {\n%s\n%s\nreturn %%r : %s\n}\n" % (sig, weight, body, ret)
    p = subprocess.run(["qc-opt", "--qc-weight-sharing=" + options,
                        "--mlir-print-elementsattrs-with-hex-if-larger=1"],
                       input=text, capture_output=True, text=True)
    if p.returncode:
        sys.exit(p.stderr)
    m = re.search(r'dense<"0x([0-9A-F]+)">', p.stdout)
    dtype = np.float32 if qtype is None else np.int8
    return np.frombuffer(bytes.fromhex(m.group(1)), dtype).reshape(k, n).astype(np.float64)


def sklearn_sse(x, k, weight=None, rounded=False):
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x, sample_weight=weight)
    c = km.cluster_centers_.reshape(-1)
    if not rounded:
        return km.inertia_
    c = np.unique(np.rint(c))
    d = (x - c[None, :]) ** 2
    w = np.ones(len(x)) if weight is None else weight
    return float((d.min(axis=1) * w).sum())


def main():
    rng = np.random.default_rng(7)
    sets = []
    g = rng.standard_normal((64, 48))
    sets.append(("gaussian 16/tensor", g, 16, "tensor"))
    t = rng.standard_t(3, (96, 32))
    sets.append(("student-t 32/tensor", t, 32, "tensor"))
    o = rng.standard_normal((64, 40))
    o[rng.random(o.shape) < 0.01] *= 30
    sets.append(("outliers 8/tensor", o, 8, "tensor"))
    ties = np.round(rng.standard_normal((80, 30)) * 4) / 4
    sets.append(("ties 5/tensor", ties, 5, "tensor"))
    sets.append(("gaussian 4/channel", rng.standard_normal((64, 12)), 4, "channel"))
    sets.append(("laplace 256/tensor", rng.laplace(size=(128, 32)), 256, "tensor"))
    codes = np.clip(np.rint(rng.standard_normal((64, 24)) * 30), -127, 127)
    scales = rng.uniform(0.01, 0.04, 24)
    qt = "!quant.uniform<i8:f32:1, {%s}>" % ", ".join("%.9e" % s for s in scales)
    sets.append(("codes 16/tensor", codes, 16, "tensor", qt, scales))
    sets.append(("codes 6/channel", codes, 6, "channel", qt, scales))
    worst = 0.0
    for entry in sets:
        name, w, k, gran = entry[:4]
        qt = entry[4] if len(entry) > 4 else None
        c = clustered(w, "clusters=%d granularity=%s" % (k, gran), qt)
        if qt is None:
            err = ((w.astype(np.float32).astype(np.float64) - c) ** 2)
            ours = float(err.sum())
            if gran == "tensor":
                theirs = sklearn_sse(w.astype(np.float32), k)
            else:
                theirs = sum(sklearn_sse(w.astype(np.float32)[:, j], k) for j in range(w.shape[1]))
        else:
            s2 = np.broadcast_to(entry[5] ** 2, w.shape)
            ours = float((((w - c) ** 2) * s2).sum())
            if gran == "tensor":
                theirs = sklearn_sse(w, k, s2.reshape(-1), rounded=True)
            else:
                theirs = sum(sklearn_sse(w[:, j], k, s2[:, j], rounded=True) for j in range(w.shape[1]))
        distinct = max(len(np.unique(c[:, j])) for j in range(c.shape[1])) if gran == "channel" \
            else len(np.unique(c))
        assert distinct <= k, (name, distinct)
        ratio = ours / theirs
        worst = max(worst, ratio)
        print("%s: ratio %.4f (qc %.6g, sklearn %.6g)" % (name, ratio, ours, theirs))
        if ratio > 1.01:
            sys.exit("%s: %.4f above scikit-learn" % (name, ratio))
    print("all %d weight sets within 1 %% of scikit-learn (worst ratio %.4f)" % (len(sets), worst))


if __name__ == "__main__":
    main()
