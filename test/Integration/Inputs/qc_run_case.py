"""Runs one lowering_cases case through qc-run (the drivers' shared step)."""
import shlex
import subprocess

import numpy as np


def run_case(qc_run, target, source, case, base, pipeline_options=None):
    """Runs `case`'s entry in the module `source` with qc-run on `target`
    on the case's storage inputs (saved as `base`.inN.npy). Returns (the
    output, None), or (None, a failure message with the command) where
    qc-run failed."""
    cmd = [qc_run, "--target=" + target, source, "--entry", case.name,
           "--output", base + ".out.npy"]
    if pipeline_options:
        cmd.append("--pipeline-options=" + pipeline_options)
    for i, values in enumerate(case.storage_inputs()):
        path = "%s.in%d.npy" % (base, i)
        np.save(path, np.ascontiguousarray(values))
        cmd += ["--input", path]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        return None, "%s: qc-run failed:\n  %s\n%s" % (
            case.name, " ".join(shlex.quote(c) for c in cmd), result.stderr[-2000:])
    return np.load(base + ".out.npy"), None
