"""qc: Python side of the qc quantization compiler.

  qc.reference          numpy golden reference of the integer numerics
  qc.mlir               MLIR text helpers (types, exact constants)
  qc.graph              the importers' float graph with fake quantization
  qc.importers.onnx     ONNX QDQ importer (python3 -m qc.importers.onnx)
  qc.importers.torch    PyTorch FX QAT importer
  qc.calibration        min-max / percentile / entropy / MSE calibration
  qc.compile            compile a model for cpu or vulkan, call it on numpy arrays
                        (qc.compiler, over the C API in libQCCAPI.so); with
                        output=, once to a shared library / Vulkan bundle
  qc.load               load such a file and call it, without recompiling
  qc.pack_int4          i4/u4 codes two per byte, as packed_int4 exchanges them
                        (qc.unpack_int4 the inverse)
  qc.inspect            per-layer quantization parameters and errors

See docs/Importers.md.
"""

# The release; CMake's project(qc VERSION ...) says the same (checked by
# test/Tools/qc-opt/version.test).
__version__ = "0.1.0"

# The compiler proper, through libQCCAPI.so (loaded on first use).
from .compiler import (CompileError, Context, Executable, Module, compile, load,  # noqa: E402,F401
                       pack_int4, unpack_int4)
from .inspection import Inspection, inspect  # noqa: E402,F401
