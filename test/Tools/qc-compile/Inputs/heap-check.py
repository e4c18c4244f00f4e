"""Where glibc puts a 24 MiB block after qc compiled (qc.compile) or loaded
(qc.load) a model, or with no qc call ("none"): "heap" when qc's heap
setting is in effect, "mmap" with glibc's defaults (heap-check.c)."""
import ctypes
import os
import sys

import qc

mode, path = sys.argv[1], sys.argv[2]
if mode == "compile":
    qc.compile(open(path).read())
elif mode == "load":
    qc.load(path)


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
before = libc.mallinfo2().hblkhd
block = libc.malloc(24 << 20)
print("mmap" if libc.mallinfo2().hblkhd > before else "heap")
libc.free(block)
