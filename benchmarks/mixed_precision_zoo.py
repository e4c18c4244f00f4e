#!/usr/bin/python3
"""Mixed 4/8/16-bit weights (python/qc/mixed_precision.py) on a float zoo
model (examples/zoo, random weights, `test` size, batch 4): weight bytes,
the relative error of the compiled integer model's output against the
float model, and the agreement of the argmax over the last axis (per
image; per token for BERT's [batch, seq, d]) with the float model and with
the all-8-bit model. ResNet-18's 11.7 M weights take minutes per compile on
a loaded 2-core machine; bert_layer (the default) runs in a few minutes.

Calibration: 2 batches of the zoo's N(0, 1) inputs (seeds 1, 2), min-max,
per-channel weights; the sensitivity table (wide=True: 4- and 16-bit rows)
on them. Evaluation: 4 other batches (seeds 3..6, 16 inputs). Each choice
is folded integer-only, lowered, packed (--qc-pack-weights: the 4-bit
weights two per byte) and run by qc.compile on the CPU, checked bit for bit
against the numpy interpreter; with --vulkan the first row that mixes
widths also on Vulkan (lavapipe), bit for bit too. --table FILE keeps the
sensitivity table (json) between runs (it is the slow part: two
calibrations and evaluations per layer). --activations: each layer's
output activation gets a row too (4 / 8 / 16 bits, mixed_precision's
`activations=True`), the choices then mix activation widths too and the
byte counts add one sample's activation bytes (weight + activation);
--all-activations: the graph input's and the add and average pool outputs'
too. --joint-evals N: after each size budget row, the joint search's
choice (mp.search, at most N model evaluations on the calibration batches).

  benchmarks/mixed_precision_zoo.py --build build [--model bert_layer] [--vulkan] [--table t.json]
      [--activations [--all-activations]] [--joint-evals N] [--rows size,error]

Not a test: it measures. docs/MixedPrecision.md holds a table it printed.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

import zoo_float


def main():
    parser = argparse.ArgumentParser()
    zoo_float.add_build_arg(parser)
    parser.add_argument("--model", default="bert_layer")
    parser.add_argument("--vulkan", action="store_true")
    parser.add_argument("--activations", action="store_true",
                        help="choose the layers' output activation widths too")
    parser.add_argument("--all-activations", action="store_true",
                        help="with --activations: the graph input's and the add and average pool "
                             "outputs' widths too (activations=\"all\")")
    parser.add_argument("--joint-evals", type=int, default=0,
                        help="add a row of mp.search (at most this many model evaluations) after "
                             "each size budget row")
    parser.add_argument("--rows", help="comma-separated: only the rows whose label contains one "
                                       "of these (the all-8-bit row always)")
    parser.add_argument("--table", help="json file: read the sensitivity table from it if it exists, "
                                        "else write it there")
    args = parser.parse_args()
    zoo_float.use_build(args.build)
    import models
    import qc
    from mixed_precision_digits import compile_mixed
    from qc import calibration as cal
    from qc import interpreter
    from qc import mixed_precision as mp
    work = tempfile.mkdtemp(prefix="qc-mixed-zoo-")
    name = args.model
    g = zoo_float.import_float_model(name, "test", 4, work)
    calib = [models.random_inputs(name, "test", 4, s).numpy() for s in (1, 2)]
    evals = [models.random_inputs(name, "test", 4, s).numpy() for s in (3, 4, 5, 6)]
    y = np.concatenate([g.evaluate([x])[0] for x in evals]).astype(np.float64)
    if args.table and os.path.exists(args.table):
        table = json.load(open(args.table))
    else:
        table = mp.sensitivity(g, [[x] for x in calib], wide=True,
                               activations="all" if args.all_activations else args.activations)
        if args.table:
            json.dump(table, open(args.table, "w"))
    all8 = {r["name"]: 8 for r in table}
    print(mp.format_table(table, all8), file=sys.stderr)
    b8 = mp.total_bytes(table, all8)
    choices = [("all 8 bits", all8)]
    for budget in (0.0001, 0.001):
        choices.append(("error budget %g" % budget, mp.select(table, error_budget=budget)))
    for frac in (2.0, 0.75):
        choices.append(("size budget %d %% of int8" % (100 * frac),
                        mp.select(table, size_budget=int(frac * b8))))
        if args.joint_evals:
            bits, steps = mp.search(g, [[x] for x in calib], table, int(frac * b8),
                                    max_evals=args.joint_evals)
            print(mp.format_steps(steps, args.joint_evals), file=sys.stderr, flush=True)
            choices.append(("size budget %d %% of int8, joint (%d evaluations)" % (
                100 * frac, steps[-1]["evals"]), bits))
    weights = [r for r in table if r.get("kind", "weight") == "weight"]
    acts = [r for r in table if r.get("kind") == "activation"]
    if acts:
        choices.append(("all 4-bit weights", dict(all8, **{r["name"]: 4 for r in weights})))
        choices.append(("all 16-bit activations", dict(all8, **{r["name"]: 16 for r in acts
                                                                if r["gain"] is not None})))
        choices.append(("all 4-bit activations", dict(all8, **{r["name"]: 4 for r in acts})))
        choices.append(("all 4 bits", {r["name"]: 4 for r in table}))
    else:
        choices.append(("all 4 bits", {r["name"]: 4 for r in table}))
    if args.rows:
        keep = args.rows.split(",")
        choices = [c for c in choices if c[0] == "all 8 bits" or any(k in c[0] for k in keep)]
    header = "| %s | 4 / 8 / 16-bit weights |%s %s | error vs float | argmax = float | " \
             "argmax = int8 |%s" % (name, " 4 / 8 / 16-bit activations |" if acts else "",
                                    "weight + activation bytes" if acts else "weight bytes",
                                    " Vulkan |" if args.vulkan else "")
    print(header)
    print("|---|---|%s---|---|---|---|%s" % ("---|" if acts else "", "---|" if args.vulkan else ""))
    float_bytes = ("%d + %d" % (4 * mp.total_bytes(weights, all8), 4 * mp.total_bytes(acts, all8)) if acts
                   else "%d" % (4 * b8))
    print("| float | - |%s %s | - | - | - |%s" % (" - |" if acts else "", float_bytes,
                                                  " - |" if args.vulkan else ""))
    int8_pred = None
    for label, bits in choices:
        wbits, abits = mp.split(bits)
        q = cal.calibrate(g, [[x] for x in calib], weight_bits=wbits, activation_bits=abits)
        folded, exe, remarks = compile_mixed(q, args.build, work, label.replace(" ", "_").replace("%", ""))
        assert "0 op(s) stayed float" in remarks, (label, remarks)
        got = np.concatenate([exe(x) for x in evals])
        want = np.concatenate([interpreter.run_file(folded, [x], args.build)[0][0] for x in evals])
        assert got.tobytes() == want.tobytes(), (label, "not bit-exact")
        vk = ""
        if args.vulkan and len(set(bits.values())) > 1:
            args.vulkan = False
            import subprocess
            lowered = subprocess.run([os.path.join(args.build, "bin", "qc-opt"), folded, "--qc-lower-to-linalg",
                                      "--qc-pack-weights"], capture_output=True, text=True, check=True).stdout
            vexe = qc.compile(lowered, pipeline=None, target="vulkan")
            assert np.concatenate([vexe(x) for x in evals]).tobytes() == want.tobytes(), (label, "vulkan")
            vk = " bit-exact |"
        elif "Vulkan" in header:
            vk = " - |"
        pred = np.argmax(got, axis=-1).reshape(-1)
        if int8_pred is None:
            int8_pred = pred
        counts = "%d / %d / %d" % tuple(sum(b == w for b in wbits.values()) for w in (4, 8, 16))
        if acts:
            counts += " | %d / %d / %d" % tuple(sum(b == w for b in abits.values()) for w in (4, 8, 16))
        size = ("%d + %d" % (mp.total_bytes(weights, bits), mp.total_bytes(acts, bits)) if acts
                else "%d" % mp.total_bytes(table, bits))
        print("| %s | %s | %s | %.4f | %.1f %% | %.1f %% |%s" % (
            label, counts, size, np.linalg.norm(got - y) / np.linalg.norm(y),
            100 * np.mean(pred == np.argmax(y, axis=-1).reshape(-1)),
            100 * np.mean(pred == int8_pred), vk), flush=True)


if __name__ == "__main__":
    main()
