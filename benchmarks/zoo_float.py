"""What the benchmarks on examples/zoo's float models share: the import
paths (python/, examples/zoo, benchmarks/; a benchmark imports this module
first), the build the qc package loads, and a zoo model exported to ONNX
and imported."""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "examples", "zoo"))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))


def add_build_arg(parser):
    """--build: the build directory (default $QC_BUILD_DIR, else build)."""
    parser.add_argument("--build", default=os.environ.get("QC_BUILD_DIR", "build"))


def use_build(build):
    """Makes the qc package load `build`'s libraries: call before the first
    import of qc."""
    os.environ["QC_BUILD_DIR"] = build


def import_float_model(name, size, batch, work, stem=None):
    """examples/zoo's float model `name` at `size` (test / full) for `batch`,
    exported to ONNX in `work` as `stem`.onnx (default `name`: the stem names
    the imported function) and imported: a qc graph. Torch runs on one
    thread (the benchmarks time and compare single-threaded)."""
    import onnx
    import torch
    import export
    import models
    from qc.importers.onnx import import_model
    torch.set_num_threads(1)
    path = os.path.join(work, (stem or name) + ".onnx")
    onnx.save(export.to_onnx(models.float_model(name, size), name, size, batch=batch), path)
    return import_model(path, batch=batch)
