# A numpy model of the AMX int8 kernel (lib/Codegen/CPU/Int8AMX.cpp), run
# on any host: the same packed filter layout, row tiles, column panels,
# reduction steps, tile loads (base, stride, rows x bytes, including the
# bytes read past a row's K and the input padding) and scratch offsets as
# the emitted loop nest, with tdpbusd/tdpbssd as the Intel SDM defines them.
# Checked bit-exact against the plain matmul on odd shapes, both input
# signednesses and the extreme bytes, so the index arithmetic is verified
# on hosts without AMX (the instructions themselves are not: see
# docs/CPUKernels.md, "AMX").
#
# RUN: %python %s | FileCheck %s
# CHECK: amx tile model: 12 shapes x 2 signs bit-exact
import numpy as np

LANES, QUAD = 16, 4          # kLanes, kQuad (Int8Kernels.h)
TILE_ROWS, TILE_BYTES = 16, 64  # AMX palette 1
MAX_BLOCKS = 2               # kMaxBlocks


def pack_filter(w):
    """packFilter for one segment: [ceil(F/16), Q, 16, 4], zero-padded, 1-D."""
    k, f = w.shape
    blocks, quads = -(-f // LANES), -(-k // QUAD)
    padded = np.zeros((quads * QUAD, blocks * LANES), np.int8)
    padded[:k, :f] = w
    # (q, i, b, n) -> (b, q, n, i)
    return padded.reshape(quads, QUAD, blocks, LANES).transpose(2, 0, 3, 1).reshape(-1)


def tile_load(memory, offset, rows, row_bytes, stride):
    """tileloadd: row r is memory[offset + r*stride : + row_bytes]."""
    assert rows <= TILE_ROWS and row_bytes <= TILE_BYTES
    out = np.empty((rows, row_bytes), memory.dtype)
    for r in range(rows):
        start = offset + r * stride
        assert 0 <= start and start + row_bytes <= memory.size, "read out of bounds"
        out[r] = memory[start:start + row_bytes]
    return out


def tdp(c, a, b, a_unsigned):
    """tdpbusd (a u8) / tdpbssd (a s8), b s8: C[m][n] += sum over quads k and
    bytes i of A[m][4k+i] * B[k][4n+i], in i32 (wrapping)."""
    m, kb = a.shape
    k4, nb = b.shape
    assert kb == 4 * k4 and c.shape == (m, nb // 4) and nb // 4 <= 16
    av = (a.view(np.uint8) if a_unsigned else a.view(np.int8)).astype(np.int64)
    bv = b.view(np.int8).astype(np.int64)
    prod = np.einsum("mki,kni->mn", av.reshape(m, k4, 4), bv.reshape(k4, nb // 4, 4))
    return (c.astype(np.int64) + prod).astype(np.int32)


def amx_kernel(x, w, signed_input, init=0):
    """The loop nest Int8AMX.cpp emits, for x [M, K] and w [K, F]."""
    rows, k = x.shape
    cols = w.shape[1]
    quads = -(-k // QUAD)
    flat = x.reshape(-1).view(np.uint8)
    last_read = (rows - 1) * k + quads * QUAD
    if last_read > rows * k:  # tensor.pad with zeros
        flat = np.concatenate([flat, np.zeros(last_read - rows * k, np.uint8)])
    packed = pack_filter(w).view(np.uint8)
    tile_rows = -(-rows // -(-rows // TILE_ROWS))
    total_blocks = -(-cols // LANES)
    blocks = min(total_blocks, MAX_BLOCKS)
    panel_cols = blocks * LANES
    full_row_tiles, rest_rows = rows // tile_rows, rows % tile_rows
    full_panels, rest_cols = cols // panel_cols, cols % panel_cols
    row_parts = ([(0, full_row_tiles, tile_rows)] if full_row_tiles else []) + \
        ([(full_row_tiles * tile_rows, 1, rest_rows)] if rest_rows else [])
    col_parts = ([(0, full_panels, blocks, panel_cols)] if full_panels else []) + \
        ([(full_panels * panel_cols, 1, -(-rest_cols // LANES), rest_cols)] if rest_cols else [])
    out = np.full((rows, cols), 12345, np.int32)  # every element must be written
    written = np.zeros((rows, cols), bool)
    for col_start, panels, nb, valid in col_parts:
        for row_start, row_tiles, r in row_parts:
            for panel in range(panels):
                for row_tile in range(row_tiles):
                    f0 = col_start + panel * nb * LANES
                    p0 = row_start + row_tile * r
                    first_block = f0 // LANES
                    bases = [(first_block + j) * quads * LANES * QUAD for j in range(nb)]
                    accs = [np.zeros((r, LANES), np.int32) for _ in range(nb)]

                    def step(kbyte, bstep, q, accs):
                        a = tile_load(flat, p0 * k + kbyte, r, q * QUAD, k)
                        for j in range(nb):
                            b = tile_load(packed, bases[j] + bstep, q, TILE_BYTES, TILE_BYTES)
                            accs[j] = tdp(accs[j], a, b, not signed_input)
                        return accs

                    full_steps, rest_quads = quads // TILE_ROWS, quads % TILE_ROWS
                    for t in range(full_steps):
                        accs = step(t * TILE_BYTES, t * TILE_ROWS * TILE_BYTES, TILE_ROWS, accs)
                    if rest_quads:
                        accs = step(full_steps * TILE_BYTES, full_steps * TILE_ROWS * TILE_BYTES,
                                    rest_quads, accs)
                    scratch_cols = nb * LANES
                    scratch = np.zeros(r * scratch_cols, np.int32)
                    for j in range(nb):  # tile_store at j*16, stride 16*nb
                        for row in range(r):
                            start = j * LANES + row * scratch_cols
                            scratch[start:start + LANES] = accs[j][row]
                    for j in range(nb):
                        for i in range(r):
                            v = scratch[i * scratch_cols + j * LANES:][:LANES] + np.int32(init)
                            n = min(LANES, valid - j * LANES)
                            assert not written[p0 + i, f0 + j * LANES:f0 + j * LANES + n].any()
                            out[p0 + i, f0 + j * LANES:f0 + j * LANES + n] = v[:n]
                            written[p0 + i, f0 + j * LANES:f0 + j * LANES + n] = True
    assert written.all()
    return out


def main():
    rng = np.random.default_rng(15)
    shapes = [(1, 1, 1), (1, 3, 5), (16, 64, 16), (17, 70, 50), (37, 70, 50),
              (5, 129, 65), (33, 256, 100), (100, 100, 130), (16, 4, 64),
              (31, 67, 17), (48, 1000, 16), (2, 65, 129)]
    for m, k, n in shapes:
        for signed in (False, True):
            dtype = np.int8 if signed else np.uint8
            lo, hi = (-128, 128) if signed else (0, 256)
            x = rng.integers(lo, hi, (m, k)).astype(dtype)
            w = rng.integers(-128, 128, (k, n)).astype(np.int8)
            # Extremes: saturating products in the first row and column.
            x[0, :] = lo if signed else hi - 1
            w[:, 0] = -128
            init = int(rng.integers(-1000, 1000))
            want = (x.astype(np.int64) @ w.astype(np.int64) + init).astype(np.int32)
            got = amx_kernel(x, w, signed, init)
            assert np.array_equal(got, want), (m, k, n, signed)
    print(f"amx tile model: {len(shapes)} shapes x 2 signs bit-exact")


if __name__ == "__main__":
    main()
