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
huge-shared: the first kernel with workgroup memory gets 1 MiB more of it per
  variable of the grown array type (a
  kernel compiled for a device with more shared memory than this one; the
  runtime reads the size from the SPIR-V, not from the manifest).
wrong-workgroup: kernel 0's manifest workgroup size differs from its shader's
  LocalSize.
"""
import json
import struct
import sys


def grow_workgroup_memory(spv_path):
    """Adds 2^18 i32 elements to the array of a Workgroup variable."""
    with open(spv_path, "rb") as f:
        data = f.read()
    words = list(struct.unpack("<%dI" % (len(data) // 4), data))
    OP_TYPE_INT, OP_TYPE_ARRAY, OP_TYPE_STRUCT = 21, 28, 30
    OP_TYPE_POINTER, OP_CONSTANT, OP_VARIABLE = 32, 43, 59
    WORKGROUP = 4
    defs, constant_at, bound = {}, {}, words[3]
    at = 5
    while at < len(words):
        count, op = words[at] >> 16, words[at] & 0xFFFF
        ops = words[at + 1:at + count]
        if op in (OP_TYPE_INT, OP_TYPE_ARRAY, OP_TYPE_STRUCT, OP_TYPE_POINTER):
            defs[ops[0]] = (op, ops, at)
        elif op == OP_CONSTANT:
            constant_at[ops[1]] = (ops[0], at)
        elif op == OP_VARIABLE and ops[2] == WORKGROUP:
            type_id = defs[ops[0]][1][2]
            while defs[type_id][0] == OP_TYPE_STRUCT:
                type_id = defs[type_id][1][1]
            op_array, array_ops, array_at = defs[type_id]
            assert op_array == OP_TYPE_ARRAY
            # A new length constant (the old one may have other uses),
            # declared right before the array type.
            length_type, length_at = constant_at[array_ops[2]]
            value = words[length_at + 3] + (1 << 18)
            new_id = bound
            words[3] = bound + 1
            words[array_at + 3] = new_id
            new = [(4 << 16) | OP_CONSTANT, length_type, new_id, value]
            words[array_at:array_at] = new
            with open(spv_path, "wb") as f:
                f.write(struct.pack("<%dI" % len(words), *words))
            return True
        at += count
    return False


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
elif mode == "huge-shared":
    if not any(grow_workgroup_memory(sys.argv[1] + "/" + kernel["spirv"])
               for kernel in manifest["kernels"]):
        sys.exit("no kernel with workgroup memory")
elif mode == "wrong-workgroup":
    manifest["kernels"][0]["workgroup_size"][0] *= 2
else:
    sys.exit("unknown mode " + mode)
with open(path, "w") as f:
    json.dump(manifest, f)
