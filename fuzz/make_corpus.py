"""Writes the seed corpora of qc's fuzz targets from the lit tests.

    make_corpus.py --src SRC --bin BUILD/bin --out DIR

DIR/parse     every .mlir file of test/ split at `// -----`
DIR/pass      each split, once per pass pipeline of qc-pass-fuzzer that its
              RUN lines use (canonicalize, qc-fold-fake-quant and
              qc-lower-to-linalg for files that run no qc pass)
DIR/pipeline  the splits of the pipeline, conversion, fold and execution
              tests, with every choice of qc-pipeline-fuzzer
DIR/npy       numpy-written .npy files of every dtype qc-run takes
DIR/bundle    Vulkan bundles that qc-vulkan-bundle writes for the Vulkan
              execution tests, in the fuzzer's split-file form
The pipeline choices come from the fuzzers themselves (QC_FUZZ_LIST_CHOICES).
"""
import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile

import numpy as np


def write(out_dir, data):
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(out_dir, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)


def mlir_tests(src):
    for root, _, files in os.walk(os.path.join(src, "test")):
        for name in sorted(files):
            if name.endswith(".mlir"):
                path = os.path.join(root, name)
                with open(path) as f:
                    yield path, f.read()


def splits(text):
    return [chunk for chunk in re.split(r"^// -----$", text, flags=re.M) if chunk.strip()]


def choices(fuzzer):
    env = dict(os.environ, QC_FUZZ_LIST_CHOICES="1")
    out = subprocess.run([fuzzer], env=env, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


def pass_name(pipeline):
    """The first qc pass (or canonicalize) a pipeline text names."""
    m = re.search(r"(qc-[a-z0-9-]+|canonicalize)", pipeline)
    return m.group(1) if m else pipeline


def mlir_corpora(src, bindir, out):
    passes = choices(os.path.join(bindir, "qc-pass-fuzzer"))
    pipelines = choices(os.path.join(bindir, "qc-pipeline-fuzzer"))
    pipeline_dirs = ("Pipelines", "QCToLinalg", "Integration", "Conversion")
    for path, text in mlir_tests(src):
        runs = " ".join(re.findall(r"RUN:(.*)", text))
        used = [p for p in passes if "--" + pass_name(p) in runs]
        if not used:
            used = [p for p in passes if pass_name(p) in
                    ("canonicalize", "qc-fold-fake-quant", "qc-lower-to-linalg")]
        wants_pipelines = any(d in path for d in pipeline_dirs) or "fold-fake-quant" in path
        for chunk in splits(text):
            write(os.path.join(out, "parse"), chunk)
            for p in used:
                write(os.path.join(out, "pass"), p + "\n" + chunk)
            if wants_pipelines:
                for p in pipelines:
                    write(os.path.join(out, "pipeline"), p + "\n" + chunk)


def npy_corpus(out):
    rng = np.random.default_rng(0)
    shapes = [(), (0,), (1,), (3,), (2, 3), (1, 4, 4, 3), (2, 0, 5)]
    dtypes = ["i1", "u1", "i2", "u2", "i4", "i8", "f4", "f8", ">i4", "b1", "f2", "c8"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "a.npy")
        for dtype in dtypes:
            for shape in shapes:
                np.save(path, (rng.standard_normal(shape) * 50).astype(dtype))
                with open(path, "rb") as f:
                    write(os.path.join(out, "npy"), f.read())
        np.save(path, np.asfortranarray(np.arange(6, dtype=np.int8).reshape(2, 3)))
        with open(path, "rb") as f:
            write(os.path.join(out, "npy"), f.read())
        for version in ((2, 0), (3, 0)):
            with open(path, "wb") as f:
                np.lib.format.write_array(f, np.arange(5, dtype=np.int32), version=version)
            with open(path, "rb") as f:
                write(os.path.join(out, "npy"), f.read())


def bundle_corpus(src, bindir, out):
    vulkan_tests = os.path.join(src, "test", "Integration", "Vulkan")
    tool = os.path.join(bindir, "qc-vulkan-bundle")
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(vulkan_tests)):
            if not name.endswith(".mlir"):
                continue
            for options in ("", "portable"):
                bundle = os.path.join(tmp, name + options)
                cmd = [tool, os.path.join(vulkan_tests, name), "-o", bundle]
                if options:
                    cmd.append("--options=" + options)
                if subprocess.run(cmd, capture_output=True).returncode != 0:
                    continue
                files = sorted(os.listdir(bundle), key=lambda n: (n != "manifest.json", n))
                sections = []
                for f in files:
                    with open(os.path.join(bundle, f), "rb") as fh:
                        sections.append(b"//--- " + f.encode() + b"\n" + fh.read())
                write(os.path.join(out, "bundle"), b"\n".join(sections))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    mlir_corpora(args.src, args.bin, args.out)
    npy_corpus(args.out)
    bundle_corpus(args.src, args.bin, args.out)
    for target in sorted(os.listdir(args.out)):
        print("%s: %d seeds" % (target, len(os.listdir(os.path.join(args.out, target)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
