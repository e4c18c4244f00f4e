"""Float models rotated by --qc-hadamard-rotate, executed by a runner
(qc-run --target=cpu or qc-vulkan-run) next to the unrotated model: the
rotation alone must not change the float result (relative difference
<= 1e-5, docs/Hadamard.md). The models: a matmul chain with an outlier
channel (the second rotation folds into the first weight), a 1x1 convolution
over 24 channels (one block H_12 (x) H_2), matmuls whose reduction dimension is 96
(one block H_12 (x) H_8, Paley; and block=32: three Sylvester blocks) or
768 (H_12 (x) H_64, a transformer width) and a plain one with
fold-producers=false (two online transforms). Odd reduction dimensions are
zero-padded to the smallest supported block: matmuls with K = 5 (-> 8) and
27 (-> 28, Paley II), a 1x1 convolution over 3 channels (-> 4), and a chain
whose hidden width 7 (-> 8) is not absorbed by the producer.

Usage: hadamard_float_check.py --work-dir DIR -- RUNNER [RUNNER FLAGS]
"""
import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from upstream_cpu import run  # noqa: E402

MAX_REL_DIFF = 1e-5


def hex_dense(array):
    return '"0x' + np.ascontiguousarray(array, dtype=np.float32).tobytes().hex().upper() + '"'


def fill(name, shape):
    dims = "x".join(str(d) for d in shape)
    return (f"  %{name}_e = tensor.empty() : tensor<{dims}xf32>\n"
            f"  %{name} = linalg.fill ins(%zero : f32) outs(%{name}_e : tensor<{dims}xf32>) -> tensor<{dims}xf32>\n")


def matmul(out, x, w, m, k, n):
    return (f"  %{out} = linalg.matmul ins(%{x}, %{w} : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>)"
            f" outs(%{out}_i : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>\n")


def const(name, w):
    dims = "x".join(str(d) for d in w.shape)
    return f"  %{name} = arith.constant dense<{hex_dense(w)}> : tensor<{dims}xf32>\n"


def chain_model(rng, name, options, m=5, k=64, h=32, n=16):
    w1 = rng.standard_normal((k, h)).astype(np.float32)
    w2 = rng.standard_normal((h, n)).astype(np.float32)
    body = (const("w1", w1) + const("w2", w2) + "  %zero = arith.constant 0.0 : f32\n" +
            fill("y_i", (m, h)) + matmul("y", "x", "w1", m, k, h) +
            fill("r_i", (m, n)) + matmul("r", "y", "w2", m, h, n))
    x = rng.standard_normal((m, k)).astype(np.float32)
    x[:, 3] *= 50.0  # an outlier channel
    return (name, f"func.func @model(%x: tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32> {{\n"
            f"{body}  return %r : tensor<{m}x{n}xf32>\n}}\n", x, options)


def conv_model(rng, c=24, name="conv1x1"):
    w = rng.standard_normal((1, 1, c, 6)).astype(np.float32)
    body = (const("w", w) + "  %zero = arith.constant 0.0 : f32\n" + fill("r_i", (2, 3, 5, 6)) +
            "  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, "
            f"strides = dense<1> : tensor<2xi64>}} ins(%x, %w : tensor<2x3x5x{c}xf32>, "
            f"tensor<1x1x{c}x6xf32>) outs(%r_i : tensor<2x3x5x6xf32>) -> tensor<2x3x5x6xf32>\n")
    x = rng.standard_normal((2, 3, 5, c)).astype(np.float32)
    return (name, f"func.func @model(%x: tensor<2x3x5x{c}xf32>) -> tensor<2x3x5x6xf32> {{\n"
            f"{body}  return %r : tensor<2x3x5x6xf32>\n}}\n", x, "")


def block_model(rng, m=3, k=96, n=7, name="k96", options=""):
    w = rng.standard_normal((k, n)).astype(np.float32)
    body = (const("w", w) + "  %zero = arith.constant 0.0 : f32\n" + fill("r_i", (m, n)) +
            matmul("r", "x", "w", m, k, n))
    x = rng.standard_normal((m, k)).astype(np.float32)
    return (name, f"func.func @model(%x: tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32> {{\n"
            f"{body}  return %r : tensor<{m}x{n}xf32>\n}}\n", x, options)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("runner", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    runner = [a for a in args.runner if a != "--"]
    os.makedirs(args.work_dir, exist_ok=True)
    rng = np.random.default_rng(7)
    models = [chain_model(rng, "chain", ""),
              chain_model(rng, "chain_nofold", "fold-producers=false"),
              conv_model(rng), block_model(rng),
              block_model(rng, name="k96_blocks32", options="block=32"),
              block_model(rng, m=5, k=768, name="k768"),
              block_model(rng, m=3, k=5, name="k5_padded"),
              block_model(rng, m=4, k=27, name="k27_padded"),
              conv_model(rng, c=3, name="conv1x1_c3_padded"),
              chain_model(rng, "chain_h7_padded", "", k=16, h=7)]
    failures = 0
    for name, text, x, options in models:
        base = os.path.join(args.work_dir, name)
        with open(base + ".mlir", "w") as f:
            f.write(text)
        flag = "--qc-hadamard-rotate" + ("=" + options if options else "")
        rotated = run(["qc-opt", base + ".mlir", flag, "-o", base + ".rot.mlir"])
        rotated_text = open(base + ".rot.mlir").read()
        online = rotated_text.count("qc.hadamard")
        blocks = sorted(set(int(b) for b in re.findall(r"qc\.hadamard %\S+ block (\d+)", rotated_text)))
        pads = rotated_text.count("tensor.pad")
        np.save(base + ".x.npy", x)
        outputs = []
        for path in (base + ".mlir", base + ".rot.mlir"):
            run([*runner, path, "--entry", "model", "--input", base + ".x.npy",
                 "--output", path + ".y.npy"])
            outputs.append(np.load(path + ".y.npy").astype(np.float64))
        plain, rot = outputs
        diff = np.linalg.norm(rot - plain) / np.linalg.norm(plain)
        ok = diff <= MAX_REL_DIFF
        failures += not ok
        print("%s: %d online qc.hadamard (blocks %s), %d zero-padded, %d remarks, "
              "relative difference %s" % (
            name, online, ", ".join(map(str, blocks)), pads,
            rotated.stderr.count("qc-hadamard-rotate: reduction dimension"),
            "<= 1e-5" if ok else "%.3g (too large)" % diff))
    if failures:
        sys.exit("%d rotated models differ" % failures)


if __name__ == "__main__":
    main()
