"""Numpy reference of --qc-prune's selection rule (docs/Sparsity.md).

A weight is an array whose last dimension holds the F output channels; the
other dimensions, row major, are the R reduction positions, so it is viewed as
an [R, F] matrix. `magnitude` is |real value| (|code| * scale for quantized
weights with zero point 0). Every function returns a boolean mask of the
pruned elements with the shape of the weight.

The rule, identical in lib/Dialect/QC/Transforms/Prune.cpp:
* units: single elements (unstructured), RxC blocks, whole channels;
* a unit's score is the mean magnitude of its elements, summed in increasing
  element order (row major inside the unit) and divided by the unit size;
* units are ranked by (score, weight index, unit index) ascending and pruned
  until at least rint(sparsity * elements) elements are pruned (rint: ties to
  even); under global scope the ranking and the element count span all
  weights;
* N:M: in each group of M consecutive reduction positions of one channel the
  M - N smallest magnitudes are pruned, the lower position first on ties.
"""
import numpy as np


def _matrix(magnitude):
    magnitude = np.asarray(magnitude, dtype=np.float64)
    return magnitude.reshape(-1, magnitude.shape[-1])


def _units(mat, rows, cols):
    """(score, unit index, size) for every rows x cols unit of an [R, F] matrix."""
    nr, nc = mat.shape
    out = []
    for br in range(nr // rows):
        for bc in range(nc // cols):
            total = 0.0
            for r in range(br * rows, (br + 1) * rows):
                for c in range(bc * cols, (bc + 1) * cols):
                    total += float(mat[r, c])
            out.append((total / float(rows * cols), br * (nc // cols) + bc, rows * cols))
    return out


def _unit_shape(pattern, mat):
    if pattern == "unstructured":
        return 1, 1
    if pattern == "channel":
        return mat.shape[0], 1
    r, c = pattern.split("x")
    return int(r), int(c)


def prune_masks(magnitudes, pattern="unstructured", sparsity=0.5, scope="layer"):
    """Masks of pruned elements for a list of weights' magnitudes."""
    mats = [_matrix(m) for m in magnitudes]
    masks = [np.zeros(m.shape, dtype=bool) for m in mats]
    if ":" in pattern:
        n, m = (int(v) for v in pattern.split(":"))
        for mat, mask in zip(mats, masks):
            for g in range(mat.shape[0] // m):
                for c in range(mat.shape[1]):
                    vals = [(float(mat[g * m + j, c]), j) for j in range(m)]
                    for _, j in sorted(vals)[: m - n]:
                        mask[g * m + j, c] = True
        return [k.reshape(np.shape(x)) for k, x in zip(masks, magnitudes)]

    def prune(units, target):
        done = 0
        for _, site, index, size in sorted(units):
            if done >= target:
                break
            mat, mask = mats[site], masks[site]
            rows, cols = _unit_shape(pattern, mat)
            grid_cols = mat.shape[1] // cols
            br, bc = divmod(index, grid_cols)
            mask[br * rows:(br + 1) * rows, bc * cols:(bc + 1) * cols] = True
            done += size

    groups = [list(range(len(mats)))] if scope == "global" else [[i] for i in range(len(mats))]
    for group in groups:
        units, elements = [], 0
        for i in group:
            rows, cols = _unit_shape(pattern, mats[i])
            units += [(s, i, idx, size) for s, idx, size in _units(mats[i], rows, cols)]
            elements += mats[i].size
        prune(units, int(np.rint(sparsity * elements)))
    return [k.reshape(np.shape(x)) for k, x in zip(masks, magnitudes)]
