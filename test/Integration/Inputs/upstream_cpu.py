"""Runs lowered linalg through upstream MLIR's plain CPU lowering and
mlir-runner: the scalar reference path the execution tests compare qc's own
pipelines against (no qc-run, no vectorization)."""
import os
import shlex
import subprocess
import sys

CPU_PIPELINE = (
    "builtin.module(one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map}, buffer-deallocation-pipeline, "
    "convert-bufferization-to-memref, "
    "convert-linalg-to-loops, expand-strided-metadata, lower-affine, convert-scf-to-cf, "
    "convert-to-llvm, reconcile-unrealized-casts)")


def run(cmd):
    """Runs cmd; on failure prints its stderr and exits with a reproducer."""
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit("FAILED (exit %d), reproduce with:\n  %s" % (
            result.returncode, " ".join(shlex.quote(c) for c in cmd)))
    return result


def execute(mlir_opt, mlir_runner, linalg_path, llvm_path):
    """Lowers linalg_path to LLVM (llvm_path), runs its @main, returns stdout."""
    # The runtime support libraries live next to the runner's own libraries.
    lib_dir = os.path.join(os.path.dirname(os.path.realpath(mlir_runner)), "..", "lib")
    libs = ",".join(os.path.join(lib_dir, l)
                    for l in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))
    run([mlir_opt, linalg_path, "--pass-pipeline=" + CPU_PIPELINE, "-o", llvm_path])
    return run([mlir_runner, llvm_path, "-e", "main", "-entry-point-result=void",
                "-shared-libs=" + libs]).stdout
