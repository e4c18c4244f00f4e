"""Generates the model zoo into a directory (never committed: the tests and
benchmarks that need it generate it into the build directory).

  python3 examples/zoo/generate.py --out build/zoo [--size test|full]
      [--models resnet18 ...] [--forms qat_qdq ptq_qdq qoperator] [--batch 4]

Writes <model>_<form>.onnx and <model>_x.npy (deterministic inputs,
`--batch` samples) per model. Cached: a model is regenerated only when its
files are missing or the generator sources, size, batch or torch/torchvision
versions changed (a stamp file records the hash). See models.py and export.py.
"""
import argparse
import hashlib
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

FORMS = ["qat_qdq", "ptq_qdq", "qoperator"]


def _fingerprint(size, batch):
    import torch
    import torchvision
    h = hashlib.sha256()
    for f in ("models.py", "export.py", "qoperator.py", "generate.py"):
        with open(os.path.join(HERE, f), "rb") as fh:
            h.update(fh.read())
    h.update(("%s %s %s %s" % (size, batch, torch.__version__, torchvision.__version__)).encode())
    return h.hexdigest()


def generate(out, models, forms, size="test", batch=4, log=print):
    """Generates what is missing or stale; returns {(model, form): path}."""
    import numpy as np
    import onnx
    from export import export
    from models import random_inputs
    os.makedirs(out, exist_ok=True)
    stamp_path = os.path.join(out, "stamp.json")
    stamps = {}
    if os.path.exists(stamp_path):
        with open(stamp_path) as f:
            stamps = json.load(f)
    key = _fingerprint(size, batch)
    paths = {}
    for model in models:
        x_path = os.path.join(out, "%s_x.npy" % model)
        for form in forms:
            path = os.path.join(out, "%s_%s.onnx" % (model, form))
            paths[(model, form)] = path
            tag = "%s_%s" % (model, form)
            if os.path.exists(path) and stamps.get(tag) == key:
                continue
            log("zoo: generating %s (%s, %s size)" % (tag, form, size))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                onnx.save(export(model, form, size), path)
            stamps[tag] = key
            with open(stamp_path, "w") as f:
                json.dump(stamps, f, indent=1)
        if not os.path.exists(x_path) or stamps.get(model + "_x") != key:
            np.save(x_path, random_inputs(model, size, batch, 7).numpy())
            stamps[model + "_x"] = key
            with open(stamp_path, "w") as f:
                json.dump(stamps, f, indent=1)
    return paths


def main():
    from models import MODELS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", choices=["test", "full"], default="test")
    ap.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    ap.add_argument("--forms", nargs="+", default=FORMS, choices=FORMS)
    ap.add_argument("--batch", type=int, default=4)
    args = ap.parse_args()
    generate(args.out, args.models, args.forms, args.size, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
