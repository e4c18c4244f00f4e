"""Validates every kernel of a qc Vulkan bundle with spirv-val.

usage: validate_bundle.py BUNDLE_DIR SPIRV_VAL ENV...
Checks that manifest.json lists at least one kernel, that each .spv exists
and passes `spirv-val --target-env ENV` for every ENV, then prints a summary.
"""
import json
import os
import subprocess
import sys

bundle, spirv_val, envs = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(os.path.join(bundle, "manifest.json")) as f:
    manifest = json.load(f)
kernels = manifest["kernels"]
if not kernels:
    sys.exit("FAIL: no kernels in %s" % bundle)
for kernel in kernels:
    path = os.path.join(bundle, kernel["spirv"])
    for env in envs:
        proc = subprocess.run([spirv_val, "--target-env", env, path],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit("FAIL: %s (%s):\n%s%s" % (path, env, proc.stdout,
                                               proc.stderr))
print("validated %d kernels: %s" % (len(kernels),
                                    " ".join(k["name"] for k in kernels)))
