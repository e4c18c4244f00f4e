"""Makes and checks the .npy files of the qc-run tests (numpy decides)."""
import os
import sys

import numpy as np


def rand(path, dtype, shape, seed):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(int(seed))
    dims = tuple(int(d) for d in shape.split("x")) if shape else ()
    np.save(path, rng.integers(info.min, info.max, dims, endpoint=True, dtype=dtype))


def check_matmul_bias(a, b, bias, out):
    a, b, bias, out = (np.load(p) for p in (a, b, bias, out))
    expected = a.astype(np.int32) @ b.astype(np.int32) + bias
    assert out.dtype == np.int32, out.dtype
    assert out.shape == expected.shape, (out.shape, expected.shape)
    assert (out == expected).all(), "mismatch"
    print("matmul-bias ok")


def check_scaled(m, f):
    m, f = np.load(m), np.load(f)
    assert f.dtype == np.float32
    assert (f == (m.astype(np.float32) * np.float32(0.5))).all(), "mismatch"
    print("scaled ok")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "rand":
        rand(args[0], np.dtype(args[1]), args[2], args[3])
    elif command == "check-matmul-bias":
        check_matmul_bias(*args)
    elif command == "check-scaled":
        check_scaled(*args)
    elif command == "save":
        # save PATH DTYPE PYTHON-LITERAL [fortran]
        array = np.array(eval(args[2]), dtype=args[1])
        if len(args) > 3 and args[3] == "fortran":
            array = np.asfortranarray(array)
        np.save(args[0], array)
    elif command == "truncate":
        data = open(args[0], "rb").read()
        open(args[0], "wb").write(data[: int(args[1])])
    else:
        sys.exit("unknown command " + command)
