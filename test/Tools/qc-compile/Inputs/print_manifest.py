"""Prints the manifest a qc-compile library carries (its qc_model_manifest
string) for manifest-requires.test."""
import sys

data = open(sys.argv[1], "rb").read()
start = data.find(b"qc-model 1\n")
assert start >= 0, "no manifest"
print(data[start:data.find(b"\0", start)].decode())
