#!/usr/bin/python3
"""Accuracy and weight bytes of the digits models (examples/) calibrated
with mixed 4/8/16-bit weights (python/qc/mixed_precision.py).

Each float model (examples/digits_{mlp,cnn}_fp32.onnx) is calibrated on the
64 saved calibration images (min-max, per-channel weights), with the weight
bits of each layer chosen by the sensitivity rule for several error budgets
(plus all 8 and all 4 bits), folded to integer qc ops
(--qc-fold-fake-quant=allow-float=false), lowered, packed (--qc-pack-weights:
4-bit weights two per byte) and run by qc.compile on the CPU on the 256
saved test images (in 4 batches of 64, the calibration batch); every compiled output is checked bit for bit against
the numpy interpreter of the folded model. Weight bytes: the contraction
weights as stored (R*F for 8 bits, F*ceil(R/2) packed 4 bits).

  benchmarks/mixed_precision_digits.py --build build

A second table chooses the weight widths and the layers' output activation
widths (4, 8 or 16 bits) together (mp.sensitivity(..., activations=True));
its byte counts add one image's activation bytes to the weight bytes, and
every row also runs on Vulkan (lavapipe), bit-exact with the CPU.

Not a test: it measures. docs/MixedPrecision.md holds a table it printed.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "python"))


def compile_mixed(qgraph, build, work, name):
    """Folded text, compiled CPU function, remarks of the fold (report=true:
    its summary "N integer op(s), 0 op(s) stayed float") and of the pack
    pass."""
    import qc
    qc_opt = os.path.join(build, "bin", "qc-opt")
    src = os.path.join(work, name + ".mlir")
    with open(src, "w") as f:
        f.write(qgraph.to_mlir())
    folded = src + ".folded.mlir"
    fold = subprocess.run([qc_opt, src, "--qc-fold-fake-quant=allow-float=false report=true", "-o", folded],
                          capture_output=True, text=True, check=True)
    packed = subprocess.run([qc_opt, folded, "--qc-lower-to-linalg", "--qc-pack-weights"],
                            capture_output=True, text=True, check=True)
    return folded, qc.compile(packed.stdout, pipeline=None), fold.stderr + packed.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.environ.get("QC_BUILD_DIR", "build"))
    parser.add_argument("--work", default="/tmp/qc-mixed-precision")
    parser.add_argument("--joint-only", action="store_true",
                        help="only the third table: greedy against joint search under size budgets")
    parser.add_argument("--joint-evals", type=int, default=40)
    args = parser.parse_args()
    os.environ["QC_BUILD_DIR"] = args.build
    from qc import calibration as cal
    from qc import interpreter
    from qc import mixed_precision as mp
    from qc.importers.onnx import import_model
    os.makedirs(args.work, exist_ok=True)
    calib = np.load(os.path.join(ROOT, "examples", "digits_calib_x.npy"))
    x = np.load(os.path.join(ROOT, "examples", "digits_test_x.npy"))
    labels = np.load(os.path.join(ROOT, "examples", "digits_test_y.npy"))
    if args.joint_only:
        return joint_rows(args, calib, x, labels)
    print("| model | weights | layers at 4 bits | layers at 16 bits | weight bytes | accuracy | agreement with int8 |")
    print("|---|---|---|---|---|---|---|")
    for name in ("mlp", "cnn"):
        g = import_model(os.path.join(ROOT, "examples", "digits_%s_fp32.onnx" % name), batch=len(calib))
        table = mp.sensitivity(g, [calib], wide=True)
        print(mp.format_table(table, {r["name"]: 8 for r in table}), file=sys.stderr)
        float_acc = float(np.mean(np.argmax(import_model(
            os.path.join(ROOT, "examples", "digits_%s_fp32.onnx" % name), batch=len(x)).evaluate([x])[0],
            axis=1) == labels))
        print("| %s | float | - | - | %d | %.2f %% | - |" % (name, 4 * sum(r["bytes8"] for r in table),
                                                     100 * float_acc))
        choices = [("all 8 bits", {r["name"]: 8 for r in table})]
        for budget in (0.02, 0.03, 0.035):
            choices.append(("error budget %g" % budget, mp.select(table, error_budget=budget)))
        choices.append(("error budget 0.0002 (16 bits offered)", mp.select(table, error_budget=0.0002)))
        choices.append(("all 16 bits", {r["name"]: 16 for r in table}))
        choices.append(("all 4 bits", {r["name"]: 4 for r in table}))
        int8_pred = None
        for label, bits in choices:
            q = cal.calibrate(g, [calib], weight_bits=bits)
            folded, exe, remarks = compile_mixed(q, args.build, args.work,
                                                 "%s_%s" % (name, label.replace(" ", "_")))
            # the model's static batch is the calibration batch (64)
            chunks = [x[i:i + len(calib)] for i in range(0, len(x), len(calib))]
            y = np.concatenate([exe(c) for c in chunks])
            want = np.concatenate([interpreter.run_file(folded, [c], args.build)[0][0] for c in chunks])
            assert y.tobytes() == want.tobytes(), (name, label, "not bit-exact")
            packs = remarks.count("int4 weight packed two per byte")
            assert packs == sum(b == 4 for b in bits.values()), (name, label, remarks)
            pred = np.argmax(y, axis=1)
            if int8_pred is None:
                int8_pred = pred
            four = [r["name"] for r in table if bits[r["name"]] == 4]
            wide = [r["name"] for r in table if bits[r["name"]] == 16]
            print("| %s | %s | %s | %s | %d | %.2f %% | %.2f %% |" % (
                name, label, ", ".join(four) or "none", ", ".join(wide) or "none", mp.total_bytes(table, bits),
                100 * float(np.mean(pred == labels)), 100 * float(np.mean(pred == int8_pred))))

    activation_rows(args, calib, x, labels)
    joint_rows(args, calib, x, labels)


def joint_rows(args, calib, x, labels):
    """The third table: under size budgets, select's greedy pick against
    mp.search (at most --joint-evals model evaluations) over weights and
    activations (activations="all": the graph input too), wide; the error
    on the 64 calibration images, accuracy and agreement on the 256 test
    images, CPU bit-exact with the interpreter."""
    from qc import calibration as cal
    from qc import interpreter
    from qc import mixed_precision as mp
    from qc.importers.onnx import import_model
    print()
    print("| model | size budget | search | 4 / 8 / 16-bit rows | weight + activation bytes | "
          "evaluations | error (calibration) | accuracy | agreement with int8 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ("mlp", "cnn"):
        g = import_model(os.path.join(ROOT, "examples", "digits_%s_fp32.onnx" % name), batch=len(calib))
        table = mp.sensitivity(g, [calib], wide=True, activations="all")
        all8 = {r["name"]: 8 for r in table}
        weights = [r for r in table if r["kind"] == "weight"]
        acts = [r for r in table if r["kind"] == "activation"]
        total8 = mp.total_bytes(table, all8)
        chunks = [x[i:i + len(calib)] for i in range(0, len(x), len(calib))]
        int8_pred = None
        for frac in (None, 0.6, 0.75, 0.9, 1.1, 1.3):
            if frac is None:
                runs = [("all 8 bits", all8, 1, None)]
                frac = 1.0
            else:
                budget = int(frac * total8)
                runs = [("greedy", mp.select(table, size_budget=budget), 1, None)]
                bits, steps = mp.search(g, [calib], table, budget, max_evals=args.joint_evals)
                runs.append(("joint", bits, steps[-1]["evals"], steps))
                print("%s, size budget %d %%:\n%s" % (name, 100 * frac, mp.format_steps(
                    steps, args.joint_evals)), file=sys.stderr)
            for label, bits, evals, steps in runs:
                wbits, abits = mp.split(bits)
                q = cal.calibrate(g, [calib], weight_bits=wbits, activation_bits=abits)
                folded, exe, remarks = compile_mixed(q, args.build, args.work, "joint_%s_%d_%s" % (
                    name, 100 * frac, label.replace(" ", "_")))
                assert "0 op(s) stayed float" in remarks, (name, label, remarks)
                y = np.concatenate([exe(c) for c in chunks])
                want = np.concatenate([interpreter.run_file(folded, [c], args.build)[0][0] for c in chunks])
                assert y.tobytes() == want.tobytes(), (name, label, "not bit-exact")
                pred = np.argmax(y, axis=1)
                if int8_pred is None:
                    int8_pred = pred
                err = steps[-1]["error"] if steps else mp.Evaluator(g, [calib])(bits)
                print("| %s | %d %% of int8 | %s | %s | %d + %d | %d | %.5f | %.2f %% | %.2f %% |" % (
                    name, 100 * frac, label, " / ".join(str(sum(b == w for b in bits.values()))
                                                        for w in (4, 8, 16)),
                    mp.total_bytes(weights, bits), mp.total_bytes(acts, bits), evals, err,
                    100 * float(np.mean(pred == labels)), 100 * float(np.mean(pred == int8_pred))), flush=True)


def activation_rows(args, calib, x, labels):
    """The second table: weight and output-activation widths chosen together
    (mp.sensitivity(..., activations=True)); each row also on Vulkan, bit for
    bit equal to the CPU and the interpreter."""
    import qc
    from qc import calibration as cal
    from qc import interpreter
    from qc import mixed_precision as mp
    from qc.importers.onnx import import_model
    print()
    print("| model | choice | 4-bit weights | 16-bit weights | 4-bit activations | 16-bit activations | "
          "weight + activation bytes | accuracy | agreement with int8 | Vulkan |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("mlp", "cnn"):
        g = import_model(os.path.join(ROOT, "examples", "digits_%s_fp32.onnx" % name), batch=len(calib))
        table = mp.sensitivity(g, [calib], wide=True, activations=True)
        all8 = {r["name"]: 8 for r in table}
        print(mp.format_table(table, all8), file=sys.stderr)
        acts = [r for r in table if r["kind"] == "activation"]
        weights = [r for r in table if r["kind"] == "weight"]
        total8 = mp.total_bytes(table, all8)
        choices = [("all 8 bits", all8),
                   ("all 16-bit activations", dict(all8, **{r["name"]: 16 for r in acts})),
                   ("all 4-bit activations", dict(all8, **{r["name"]: 4 for r in acts}))]
        for budget in (0.0002, 0.001, 0.025):
            choices.append(("error budget %g" % budget, mp.select(table, error_budget=budget)))
        for frac in (1.1, 0.75):
            choices.append(("size budget %d %% of int8" % (100 * frac),
                            mp.select(table, size_budget=int(frac * total8))))
        int8_pred = None
        for label, bits in choices:
            wbits, abits = mp.split(bits)
            q = cal.calibrate(g, [calib], weight_bits=wbits, activation_bits=abits)
            folded, exe, remarks = compile_mixed(q, args.build, args.work,
                                                 "act_%s_%s" % (name, label.replace(" ", "_").replace("%", "")))
            assert "0 op(s) stayed float" in remarks, (name, label, remarks)
            chunks = [x[i:i + len(calib)] for i in range(0, len(x), len(calib))]
            y = np.concatenate([exe(c) for c in chunks])
            want = np.concatenate([interpreter.run_file(folded, [c], args.build)[0][0] for c in chunks])
            assert y.tobytes() == want.tobytes(), (name, label, "not bit-exact")
            lowered = subprocess.run([os.path.join(args.build, "bin", "qc-opt"), folded, "--qc-lower-to-linalg",
                                      "--qc-pack-weights"], capture_output=True, text=True, check=True).stdout
            vexe = qc.compile(lowered, pipeline=None, target="vulkan")
            assert np.concatenate([vexe(c) for c in chunks]).tobytes() == y.tobytes(), (name, label, "vulkan")
            pred = np.argmax(y, axis=1)
            if int8_pred is None:
                int8_pred = pred

            def named(rows, width):
                return ", ".join(r["name"] for r in rows if bits[r["name"]] == width) or "none"
            print("| %s | %s | %s | %s | %s | %s | %d + %d | %.2f %% | %.2f %% | bit-exact |" % (
                name, label, named(weights, 4), named(weights, 16), named(acts, 4), named(acts, 16),
                mp.total_bytes(weights, bits), mp.total_bytes(acts, bits),
                100 * float(np.mean(pred == labels)), 100 * float(np.mean(pred == int8_pred))), flush=True)


if __name__ == "__main__":
    main()
