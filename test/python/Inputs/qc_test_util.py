"""Shared helpers of the Python lit tests (not a test: lives in Inputs/)."""
import os
import subprocess
import tempfile

import numpy as np


def qc_opt(text, *flags):
    """Runs qc-opt (from PATH, as lit sets it) on MLIR text; returns stdout.
    Raises with the diagnostics if qc-opt fails."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        r = subprocess.run(["qc-opt", path] + list(flags), capture_output=True, text=True)
    finally:
        os.unlink(path)
    if r.returncode != 0:
        raise AssertionError("qc-opt %s failed:\n%s" % (" ".join(flags), r.stderr[:4000]))
    return r.stdout


def compare(name, got, want, step=None):
    """Asserts that the imported graph computes what the ONNX/torch reference
    does. With `step` (the output quantization step), a rare off-by-one step
    is allowed (f32 sums in another order can move a value across a rounding
    boundary), on at most 1% of the elements; otherwise float closeness."""
    got = np.asarray(got, dtype=np.float32)
    want = np.asarray(want, dtype=np.float32)
    assert got.shape == want.shape, "%s: shape %s != %s" % (name, got.shape, want.shape)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if step is None:
        tol = 1e-5 + 1e-5 * np.abs(want)
        assert np.all(diff <= tol), "%s: max difference %g" % (name, diff.max())
        print("%s: ok (max diff %.3g)" % (name, diff.max()))
        return
    exact = float(np.mean(diff <= 1e-6 * max(1.0, float(np.abs(want).max()))))
    assert diff.max() <= step * 1.0001, "%s: max difference %g > one step %g" % (name, diff.max(), step)
    assert exact >= 0.99, "%s: only %.2f%% exact" % (name, 100 * exact)
    print("%s: ok (exact %.1f%%, max %d step)" % (name, 100 * exact, int(round(diff.max() / step))))
