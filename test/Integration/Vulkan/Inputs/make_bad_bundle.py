"""Corrupts a bundle's manifest so that it disagrees with its SPIR-V.

usage: make_bad_bundle.py DIR drop-binding|drop-capabilities|duplicate-kernel|outside-path
drop-binding: the last kernel declares one binding fewer than its shader uses (the
  runtime's own SPIR-V interface check must refuse it).
drop-capabilities: every kernel claims only Shader, hiding Int8 and 8-bit
  storage from the runtime's feature check (only the validation layer can see
  that the shader needs a feature that is not enabled).
duplicate-kernel: kernel 1 takes kernel 0's name (a rewrite of the bundle
  would write both to one .spv file; found by qc-bundle-fuzzer).
outside-path: kernel 0's SPIR-V file is a path out of the bundle directory.
"""
import json
import sys

path = sys.argv[1] + "/manifest.json"
mode = sys.argv[2]
with open(path) as f:
    manifest = json.load(f)
if mode == "drop-binding":
    kernel = len(manifest["kernels"]) - 1
    manifest["kernels"][kernel]["bindings"] -= 1
    for step in manifest["steps"]:
        if step["op"] == "dispatch" and step["kernel"] == kernel:
            step["bindings"] = step["bindings"][:-1]
elif mode == "drop-capabilities":
    for kernel in manifest["kernels"]:
        kernel["capabilities"] = ["Shader"]
elif mode == "duplicate-kernel":
    manifest["kernels"][1]["name"] = manifest["kernels"][0]["name"]
elif mode == "outside-path":
    manifest["kernels"][0]["spirv"] = "../" + manifest["kernels"][0]["spirv"]
else:
    sys.exit("unknown mode " + mode)
with open(path, "w") as f:
    json.dump(manifest, f)
