"""Inputs and checks of the packed-int4 tests (docs/Numerics.md, "Packed
int4 at the boundary"). Its own numpy packing, independent of qc's.

  int4pack.py make DIR          i4/u4 codes of @codes (2x5, odd) and @even
                                (3x4), unpacked and packed, and bad packed
                                inputs
  int4pack.py check DIR P U     the packed results P*.npy, unpacked here,
                                equal the unpacked run's U*.npy and numpy
"""
import os
import sys

import numpy as np


def pack(codes):
    nibbles = codes.astype(np.int64) & 15
    n = nibbles.shape[-1]
    out = np.zeros(nibbles.shape[:-1] + ((n + 1) // 2,), np.uint8)
    for j in range(n):
        out[..., j // 2] |= (nibbles[..., j] << (4 * (j % 2))).astype(np.uint8)
    return out


def unpack(packed, n, signed):
    assert packed.dtype == np.uint8 and packed.shape[-1] == (n + 1) // 2, (packed.dtype, packed.shape)
    codes = np.zeros(packed.shape[:-1] + (n,), np.int64)
    for j in range(n):
        codes[..., j] = (packed[..., j // 2].astype(np.int64) >> (4 * (j % 2))) & 15
    if n % 2:
        assert not (packed[..., -1] >> 4).any(), "high nibble of an odd row's last byte is not 0"
    if signed:
        codes = np.where(codes >= 8, codes - 16, codes)
    return codes.astype(np.int8 if signed else np.uint8)


def make(d):
    rng = np.random.default_rng(17)
    i4 = rng.integers(-8, 8, size=(2, 5)).astype(np.int8)
    u4 = rng.integers(0, 16, size=(2, 5)).astype(np.uint8)
    # The edges of both ranges in every run.
    i4[0, :2], u4[0, :2] = (-8, 7), (0, 15)
    e4 = rng.integers(0, 16, size=(3, 4)).astype(np.uint8)
    for name, value in (("i4", i4), ("u4", u4), ("e4", e4)):
        np.save(os.path.join(d, name + ".npy"), value)
        np.save(os.path.join(d, name + "p.npy"), pack(value))
    nibble = pack(i4)
    nibble[1, 2] |= 0x30
    np.save(os.path.join(d, "i4p-nibble.npy"), nibble)
    np.save(os.path.join(d, "i4p-int8.npy"), pack(i4).view(np.int8))
    np.save(os.path.join(d, "i4p-wide.npy"), pack(np.concatenate([i4, i4], axis=1)))


def check(d, p, u):
    def load(prefix, name):
        return np.load(os.path.join(d, prefix + name + ".npy"))

    i4, u4 = np.load(os.path.join(d, "i4.npy")), np.load(os.path.join(d, "u4.npy"))
    want = {"a": i4, "b": u4,
            "r": np.clip(2 * (u4.astype(np.int64) - 8), 0, 15).astype(np.uint8)}
    for name, signed in (("a", True), ("b", False), ("r", False)):
        packed, unpacked = load(p, name), load(u, name)
        got = unpack(packed, 5, signed)
        assert got.dtype == unpacked.dtype and got.tobytes() == unpacked.tobytes(), (name, got, unpacked)
        assert got.tobytes() == want[name].tobytes(), (name, got, want[name])
        print("%s: %s%s, %d codes equal the unpacked run and numpy" % (
            name, packed.dtype, list(packed.shape), got.size))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(*sys.argv[2:5])
