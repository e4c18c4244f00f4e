"""Edits a bundle so that kernel 1 declares one binding fewer than its shader
uses (descriptor layout and dispatch both shortened): a program the Vulkan
validation layer must reject (VUID-VkComputePipelineCreateInfo-layout-00703)."""
import json
import sys

path = sys.argv[1] + "/manifest.json"
with open(path) as f:
    manifest = json.load(f)
kernel = 1
manifest["kernels"][kernel]["bindings"] -= 1
for step in manifest["steps"]:
    if step["op"] == "dispatch" and step["kernel"] == kernel:
        step["bindings"] = step["bindings"][:-1]
with open(path, "w") as f:
    json.dump(manifest, f)
