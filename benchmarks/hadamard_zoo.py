#!/usr/bin/python3
"""qc.calibration --rotate=hadamard on float zoo models (examples/zoo,
random weights, `test` size, batch 4): the relative error of the calibrated
model's output against the float model, without and with rotation, in
numpy (fake quantization) and compiled integer-only on the CPU (checked bit
for bit against the numpy interpreter).

Inputs: the zoo's N(0, 1) inputs (seed 1), calibrated and evaluated on the
same batch; for the BERT layer also the same inputs with 1 % of the
embedding channels 50x larger (LLM-style outlier channels).

  benchmarks/hadamard_zoo.py --build build [--models bert_layer resnet18]

Not a test: it measures. docs/Hadamard.md holds a table it printed.
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np

import zoo_float


def main():
    parser = argparse.ArgumentParser()
    zoo_float.add_build_arg(parser)
    parser.add_argument("--models", nargs="*", default=["bert_layer", "resnet18", "mobilenet_v2"])
    args = parser.parse_args()
    zoo_float.use_build(args.build)
    import torch
    import models
    import qc
    from qc import calibration as cal
    from qc import interpreter
    torch.set_num_threads(1)
    work = tempfile.mkdtemp(prefix="qc-hadamard-zoo-")
    print("| model | inputs | layers rotated | numpy plain | numpy rotated | gain | compiled plain | compiled rotated | gain |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.models:
        g = zoo_float.import_float_model(name, "test", 4, work)
        xs = models.random_inputs(name, "test", 4, 1).numpy()
        variants = [("N(0, 1)", xs)]
        if name == "bert_layer":
            xo = xs.copy()
            d = xo.shape[-1]
            xo[..., np.random.default_rng(0).choice(d, max(1, d // 100), replace=False)] *= 50
            variants.append(("1 % channels x50", xo))
        for label, x in variants:
            y = g.evaluate([x])[0].astype(np.float64)
            rel = lambda out: float(np.linalg.norm(out - y) / np.linalg.norm(y))  # noqa: E731
            row, rotated = [], ""
            for rot in ("none", "hadamard"):
                q = cal.calibrate(g, [x], rotate=rot)
                if rot == "hadamard":
                    rotated = "%d of %d" % (sum("rotated in blocks" in n for n in q.rotation_notes),
                                            len(q.rotation_notes))
                src = os.path.join(work, "%s_%s.mlir" % (name, rot))
                with open(src, "w") as f:
                    f.write(q.to_mlir())
                folded = src + ".folded.mlir"
                subprocess.run([os.path.join(args.build, "bin", "qc-opt"), src,
                                "--qc-fold-fake-quant=allow-float=false", "-o", folded], check=True)
                got = qc.compile(open(folded).read(), pipeline=None)(x)
                want = interpreter.run_file(folded, [x], args.build)[0][0]
                assert got.tobytes() == want.tobytes(), (name, rot, "not bit-exact")
                row.append((rel(q.evaluate([x])[0]), rel(got)))
            (np_plain, c_plain), (np_rot, c_rot) = row
            print("| %s | %s | %s | %.4f | %.4f | %.2fx | %.4f | %.4f | %.2fx |" % (
                name, label, rotated, np_plain, np_rot, np_plain / np_rot, c_plain, c_rot, c_plain / c_rot),
                flush=True)


if __name__ == "__main__":
    main()
