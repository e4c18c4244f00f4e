"""Shared prelude of the Python Vulkan integration tests (padded-pooling.py,
rank-zero.py, long-reductions.py): run one MLIR program through qc's runners
and compare every output bit for bit with a numpy reference.

    import os, sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
    from vulkan_cases import Cases
    cases = Cases(sys.argv[1])
    cases.run("name", src, [x], want)
    cases.finish("summary")   # prints "summary: N failures", exits non-zero on any

A failure prints a line starting with FAIL (tests check `CHECK-NOT: FAIL` or
the summary line) and the run goes on, so one report shows every case.
"""
import json
import os
import subprocess
import sys

import numpy as np

RUNNERS = {
    "vulkan": ["qc-run", "--target=vulkan"],
    "portable": ["qc-run", "--target=vulkan", "--pipeline-options=portable"],
    "validation": ["qc-vulkan-run", "--validation"],
    "cpu": ["qc-run", "--target=cpu"],
}


class Cases:
    def __init__(self, work, seed=20261207, validate=False):
        self.work = work
        self.validate = validate
        os.makedirs(work, exist_ok=True)
        self.rng = np.random.default_rng(seed)
        self.bad = 0

    def fail(self, message):
        print("FAIL " + message)
        self.bad += 1

    def bundle_kernels(self, name, path, options, envs=("vulkan1.2",)):
        """Kernel names of the bundle of `path` with `options` ("" for the
        device's), after spirv-val on each kernel for every env in `envs`."""
        out = os.path.join(self.work, "%s_bundle_%s" % (name, options or "default"))
        subprocess.run(["qc-vulkan-bundle", path, "-o", out] +
                       (["--options=" + options] if options else []), check=True)
        with open(os.path.join(out, "manifest.json")) as f:
            kernels = json.load(f)["kernels"]
        if not kernels:
            self.fail("%s %s: no kernels" % (name, options or "default"))
        for kernel in kernels:
            spv = os.path.join(out, kernel["spirv"])
            for env in envs:
                proc = subprocess.run(["spirv-val", "--target-env", env, spv],
                                      capture_output=True, text=True)
                if proc.returncode:
                    self.fail("%s spirv-val %s %s: %s%s" % (
                        name, env, spv, proc.stdout, proc.stderr))
        return [k["name"] for k in kernels]

    def run(self, name, src, inputs, want, runners=tuple(RUNNERS),
            validate=None, kernels=None, envs=("vulkan1.2",)):
        """Writes `src`, runs it on `inputs` with every runner and compares
        the output with `want` (shape, dtype and bits). With `validate` (by
        default the constructor's) or an expected kernel count `kernels`, the
        default and portable bundles are built first and their kernels
        checked with spirv-val."""
        if validate is None:
            validate = self.validate
        path = os.path.join(self.work, name + ".mlir")
        with open(path, "w") as f:
            f.write(src)
        if validate or kernels is not None:
            for options in ("", "portable"):
                got = self.bundle_kernels(name, path, options, envs)
                if kernels is not None and len(got) != kernels:
                    self.fail("%s %s: %d kernels, want %d: %s" % (
                        name, options or "default", len(got), kernels, got))
        args = []
        for i, x in enumerate(inputs):
            p = os.path.join(self.work, "%s_in%d.npy" % (name, i))
            np.save(p, x)
            args += ["--input", p]
        for runner in runners:
            out = os.path.join(self.work, "%s_%s.npy" % (name, runner))
            subprocess.run(RUNNERS[runner] + [path] + args + ["--output", out],
                           check=True)
            got = np.load(out)
            if runner == "validation" and got.dtype == np.int8 and want.dtype == np.uint8:
                # qc-vulkan-run writes the kernels' signless i8 as int8: the
                # same bits, reinterpreted.
                got = got.view(np.uint8)
            ok = got.shape == want.shape and got.dtype == want.dtype
            wrong = np.flatnonzero(got.ravel() != want.ravel()) if ok else [0]
            if not ok or len(wrong):
                self.fail("%s %s: %s %s, %d wrong elements, first %s" % (
                    name, runner, got.shape, got.dtype, len(wrong), wrong[:3]))
            else:
                print("ok %s %s %s" % (name, runner, want.shape))

    def finish(self, summary):
        print("%s: %d failures" % (summary, self.bad))
        sys.exit(1 if self.bad else 0)
