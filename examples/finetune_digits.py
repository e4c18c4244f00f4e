#!/usr/bin/python3
"""Fine-tunes the compressed digits models with qc.training and measures them.

For the QAT models of train_digits.py (the dense int8 teachers) and each
recipe (2:4, 75 % unstructured, channel 50 %, int4 weights, 2:4 + int4):
accuracy on the 256 saved test images before fine-tuning (compressed
only), after fine-tuning without distillation and after fine-tuning with
distillation; then the distilled model exported to ONNX QDQ, imported,
folded and compiled by qc: its weight bytes, and its outputs against
torch's fake-quant model (both requantization profiles) on the CPU and on
Vulkan. Deterministic (fixed seeds, one thread); writes the figures to
digits_finetune.json next to this script (scripts/demo.sh prints them and
re-runs one recipe to check that it reproduces).

Usage: /usr/bin/python3 examples/finetune_digits.py [--build build] [--models mlp cnn]
       [--recipes 2:4 ...] [--json PATH] [--targets cpu vulkan]
"""
import argparse
import json
import os
import re
import sys
import tempfile
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, HERE)

RECIPES = [  # label, recipe (LAST: the layer that produces the logits)
    ("2:4", "pattern=2:4"),
    ("75 % unstructured", "pattern=unstructured sparsity=0.75 scope=global"),
    ("75 % unstructured, per layer", "pattern=unstructured sparsity=0.75"),
    ("channel 50 %", "pattern=channel sparsity=0.5 LAST.pattern=none"),
    ("int4 weights", "bits=4"),
    ("2:4 + int4", "pattern=2:4 bits=4"),
]
LAST = {"mlp": "fc2", "cnn": "fc"}
# One setting for every recipe and model (not tuned per row).
SETTINGS = dict(epochs=150, lr=1e-3, patience=15, batch_size=32, val_fraction=0.1, seed=0,
                temperature=4.0, alpha=0.7)
CONST_RE = re.compile(r"arith\.constant dense<.*?> : tensor<([0-9x]+)x(i4|i8|i16|i32)>")
BYTES = {"i4": 0.5, "i8": 1, "i16": 2, "i32": 4}


def weight_bytes(mlir_text):
    """Bytes of the integer constants (weights, biases) of folded qc IR (as demo.py counts them)."""
    return int(sum(np.prod([int(d) for d in dims.split("x")]) * BYTES[ty]
                   for dims, ty in CONST_RE.findall(mlir_text)))


def recipe_for(name, recipe):
    return recipe.replace("LAST", LAST[name])


def compiled(model_path, x, targets):
    """qc's view of an exported model: weight bytes after folding and
    --qc-remove-zero-channels, and the outputs of both
    requantization profiles on each target."""
    import qc
    from qc.importers.onnx import import_model
    graph = import_model(model_path, batch=len(x))
    module = qc.compiler.to_module(graph)
    folded = module.clone().run_pipeline("qc-fold-fake-quant,qc-remove-zero-channels")
    out = {"weight_bytes": weight_bytes(str(folded)), "outputs": {}}
    for target in targets:
        for profile in ("double_round", "single_round"):
            try:
                y = qc.compile(module, target=target, pipeline="qc-fold-fake-quant{profile=%s}" % profile)(x)
                out["outputs"][(target, profile)] = y
            except qc.CompileError as e:
                out["outputs"][(target, profile)] = str(e).splitlines()[0]
    return out


def measure(name, label, recipe, x_train, y_train, x_test, y_test, targets, work, log):
    from qc.training import accuracy, export_onnx, finetune, predict
    import train_digits
    teacher = train_digits.load_qat(name)
    quiet = lambda _: None  # noqa: E731
    acc = lambda m: round(100.0 * accuracy(m, x_test, y_test), 2)  # noqa: E731
    row = {"model": name, "recipe": label, "recipe_text": recipe}
    row["before"] = acc(finetune(teacher, x_train, y_train, recipe, epochs=0, log=quiet).model)
    plain = finetune(teacher, x_train, y_train, recipe, distill=False, log=quiet, **SETTINGS)
    row["no_distill"], row["no_distill_epoch"] = acc(plain.model), plain.best_epoch
    kd = finetune(teacher, x_train, y_train, recipe, distill=True, log=quiet, **SETTINGS)
    row["distill"], row["distill_epoch"] = acc(kd.model), kd.best_epoch
    kept = sum(int(m.sum()) for m in kd.masks.values())
    total = sum(int(m.numel()) for m in kd.masks.values())
    row["pruned_weights"] = "%d of %d" % (total - kept, total) if total else "-"
    path = os.path.join(work, "digits_%s.%s.onnx" % (name, re.sub(r"[^a-z0-9]+", "_", label)))
    export_onnx(kd.model, path, x_test[:1])
    ref = predict(kd.model, x_test)
    step = float(kd.model.get_submodule(_output_fq(kd.model)).scale)
    qc_view = compiled(path, np.ascontiguousarray(x_test), targets)
    row["weight_bytes"] = qc_view["weight_bytes"]
    row["compiled"] = {}
    for (target, profile), y in qc_view["outputs"].items():
        key = "%s %s" % (target, profile)
        if isinstance(y, str):
            row["compiled"][key] = {"error": y}
            continue
        lsb = np.rint(np.abs(y.astype(np.float64) - ref) / step)
        row["compiled"][key] = {"accuracy": round(100.0 * float(np.mean(y.argmax(1) == y_test)), 2),
                                "exact_percent": round(100.0 * float(np.mean(lsb == 0)), 2),
                                "max_lsb": int(lsb.max()),
                                "argmax_agreement_percent": round(100.0 * float(np.mean(y.argmax(1) == ref.argmax(1))), 2)}
    log("digits_%s %-28s before %6.2f  no KD %6.2f  KD %6.2f  bytes %5d  %s" % (
        name, label, row["before"], row["no_distill"], row["distill"], row["weight_bytes"],
        "  ".join("%s: %s" % (k, "exact %.2f%% max %d LSB argmax %.2f%%" % (
            v["exact_percent"], v["max_lsb"], v["argmax_agreement_percent"]) if "error" not in v else v["error"][:60])
            for k, v in row["compiled"].items())))
    return row


def _output_fq(model):
    """The fake quantization that produces the model's output."""
    out = [n for n in model.graph.nodes if n.op == "output"][0]
    return out.args[0].target


def dense_row(name, x_test, y_test, targets):
    import train_digits
    from qc.training import accuracy
    qat = train_digits.load_qat(name)
    view = compiled(os.path.join(HERE, "digits_%s.onnx" % name), np.ascontiguousarray(x_test), targets[:1])
    return {"model": name, "recipe": "dense int8", "accuracy": round(100.0 * accuracy(qat, x_test, y_test), 2),
            "weight_bytes": view["weight_bytes"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    ap.add_argument("--recipes", nargs="+", default=[label for label, _ in RECIPES])
    ap.add_argument("--targets", nargs="+", default=["cpu", "vulkan"])
    ap.add_argument("--json", default=os.path.join(HERE, "digits_finetune.json"))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    os.environ.setdefault("QC_BUILD_DIR", args.build)
    import torch
    torch.set_num_threads(1)
    import train_digits
    x_train, x_all, y_train, y_all = train_digits.data()
    x_test = np.load(os.path.join(HERE, "digits_test_x.npy"))
    y_test = np.load(os.path.join(HERE, "digits_test_y.npy"))
    recipes = [(label, text) for label, text in RECIPES if label in args.recipes]
    report = {"settings": SETTINGS, "n_train": len(x_train), "n_test": len(x_test), "rows": []}
    with tempfile.TemporaryDirectory(prefix="qc-finetune-") as work:
        for name in args.models:
            report["rows"].append(dense_row(name, x_test, y_test, args.targets))
            for label, text in recipes:
                report["rows"].append(measure(name, label, recipe_for(name, text), x_train, y_train,
                                              x_test, y_test, args.targets, work,
                                              lambda line: print(line, flush=True)))
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    print_table(report)
    return 0


def print_table(report, out=sys.stdout):
    print("fine-tuning the compressed digits models (qc.training; %d test images; accuracy in %%)" % report["n_test"],
          file=out)
    print("| model | recipe | before fine-tuning | fine-tuned | fine-tuned + distillation | vs dense int8 "
          "| pruned weights | weight bytes |", file=out)
    print("|---|---|---|---|---|---|---|---|", file=out)
    dense = {}
    for r in report["rows"]:
        if r["recipe"] == "dense int8":
            dense[r["model"]] = r
            print("| digits_%s | dense int8 (QAT teacher) | %.2f | | | | - | %d |" % (
                r["model"], r["accuracy"], r["weight_bytes"]), file=out)
            continue
        print("| digits_%s | %s | %.2f | %.2f | %.2f | %+.2f | %s | %d |" % (
            r["model"], r["recipe"], r["before"], r["no_distill"], r["distill"],
            r["distill"] - dense[r["model"]]["accuracy"], r["pruned_weights"], r["weight_bytes"]), file=out)


def demo(build, model="mlp", label="2:4 + int4"):
    """scripts/demo.sh's part: the cached table, and one recipe fine-tuned
    again and compiled, which must reproduce its cached accuracy and equal
    torch's fake-quant model bit for bit. Returns a list of problems."""
    path = os.path.join(HERE, "digits_finetune.json")
    if not os.path.exists(path):
        return ["%s is missing: run examples/finetune_digits.py" % path]
    with open(path) as f:
        report = json.load(f)
    print()
    print_table(report)
    warnings.filterwarnings("ignore")
    os.environ.setdefault("QC_BUILD_DIR", build)
    import torch
    torch.set_num_threads(1)
    import qc
    import train_digits
    from qc.importers.onnx import import_model
    from qc.training import accuracy, export_onnx, finetune, predict
    (row,) = [r for r in report["rows"] if r["model"] == model and r["recipe"] == label]
    x_train, _, y_train, _ = train_digits.data()
    x = np.ascontiguousarray(np.load(os.path.join(HERE, "digits_test_x.npy")))
    y = np.load(os.path.join(HERE, "digits_test_y.npy"))
    result = finetune(train_digits.load_qat(model), x_train, y_train, row["recipe_text"], distill=True,
                      log=lambda _: None, **SETTINGS)
    acc = round(100.0 * accuracy(result.model, x, y), 2)
    with tempfile.TemporaryDirectory(prefix="qc-demo-finetune-") as work:
        onnx_path = export_onnx(result.model, os.path.join(work, "model.onnx"), x[:1])
        compiled_y = qc.compile(import_model(onnx_path, batch=len(x)), target="cpu",
                                pipeline="qc-fold-fake-quant{profile=single_round}")(x)
    same = compiled_y.tobytes() == predict(result.model, x).tobytes()
    print("digits_%s %s fine-tuned again (best epoch %d): %.2f %% (table: %.2f %%); compiled by qc "
          "(single_round) %s torch's fake-quant model" % (model, label, result.best_epoch, acc, row["distill"],
                                                          "==" if same else "!=", ))
    problems = []
    if acc != row["distill"]:
        problems.append("fine-tuning digits_%s (%s) gave %.2f %%, the table %.2f %%" % (model, label, acc, row["distill"]))
    if not same:
        problems.append("the compiled fine-tuned digits_%s differs from torch's fake-quant model" % model)
    return problems


if __name__ == "__main__":
    sys.exit(main())
