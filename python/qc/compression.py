"""Compression recipes for qc.training: parsing, per-layer resolution, masks,
clusters and low-rank factorization of torch models.

A recipe is written like qc-opt pass options, model-wide keys first and
per-layer overrides as LAYER.key=value:

    pattern=2:4 bits=4                     2:4 pruning, int4 weights
    pattern=channel sparsity=0.5 fc2.pattern=none
    pattern=unstructured sparsity=0.75 scope=global clusters=16 fc1.rank=8

Keys: pattern (unstructured, N:M, RxC, channel, none), sparsity, scope
(layer, global), bits (8, 4), clusters (k-means centroids per layer, >= 2),
rank (low-rank factorization, >= 1; float models only). The pruning rule is
--qc-prune's (docs/Sparsity.md), computed by python/qc/prune.py on each
weight laid out as qc lays it out: [K, F] for a linear layer, HWCF for a
convolution, HWC for a depthwise one. As with --qc-prune, a model-wide
pattern that does not fit a layer skips it (with a note); a pattern asked
for by name that does not fit is an error.
"""
import copy

import numpy as np
import torch

from .prune import prune_masks

KEYS = ("pattern", "sparsity", "scope", "bits", "clusters", "rank")
LAYER_KEYS = ("pattern", "sparsity", "bits", "clusters", "rank")


class RecipeError(ValueError):
    """A recipe that is malformed or that the model cannot take."""


def _pattern(value, where):
    value = str(value)
    if value in ("unstructured", "channel", "none"):
        return value
    for sep in (":", "x"):
        if sep in value:
            parts = value.split(sep)
            try:
                a, b = (int(p) for p in parts)
            except ValueError:
                break
            if a <= 0 or b <= 0:
                raise RecipeError("%s: pattern %s has a zero or negative side" % (where, value))
            if sep == ":" and a >= b:
                raise RecipeError("%s: pattern %s needs N < M" % (where, value))
            return value
    raise RecipeError("%s: unknown pattern '%s' (unstructured, N:M, RxC, channel or none)" % (where, value))


def _number(key, value, where):
    try:
        v = float(value) if key == "sparsity" else int(value)
    except (TypeError, ValueError):
        raise RecipeError("%s: %s=%r is not a number" % (where, key, value))
    if key == "sparsity":
        if not 0.0 <= v < 1.0:
            raise RecipeError("%s: sparsity %s outside [0, 1)" % (where, value))
        return v
    if key == "bits" and v not in (4, 8):
        raise RecipeError("%s: bits=%d: weight bit widths are 8 or 4" % (where, v))
    if key == "clusters" and v < 2:
        raise RecipeError("%s: clusters=%d: at least 2 centroids" % (where, v))
    if key == "rank" and v < 1:
        raise RecipeError("%s: rank=%d: must be >= 1" % (where, v))
    return v


def _check(key, value, where):
    if key == "pattern":
        return _pattern(value, where)
    if key == "scope":
        if value not in ("layer", "global"):
            raise RecipeError("%s: scope '%s' (layer or global)" % (where, value))
        return value
    return _number(key, value, where)


class Recipe:
    """Model-wide settings plus per-layer overrides ({layer: {key: value}})."""

    def __init__(self, pattern="none", sparsity=None, scope="layer", bits=8, clusters=None,
                 rank=None, layers=None):
        self.pattern = _check("pattern", pattern, "recipe")
        self.sparsity = None if sparsity is None else _check("sparsity", sparsity, "recipe")
        self.scope = _check("scope", scope, "recipe")
        self.bits = _check("bits", bits, "recipe")
        self.clusters = None if clusters is None else _check("clusters", clusters, "recipe")
        self.rank = None if rank is None else _check("rank", rank, "recipe")
        self.layers = {}
        for name, over in (layers or {}).items():
            for key, value in over.items():
                if key not in LAYER_KEYS:
                    raise RecipeError("recipe: layer '%s': unknown key '%s' (%s)" % (
                        name, key, ", ".join(LAYER_KEYS)))
                where = "recipe: layer '%s'" % name
                self.layers.setdefault(name, {})[key] = None if value is None else _check(key, value, where)
        _sparsity_for(self.pattern, self.sparsity, "recipe")
        for name, over in self.layers.items():
            if "pattern" in over or "sparsity" in over:
                _sparsity_for(over.get("pattern", self.pattern), over.get("sparsity"), "recipe: layer '%s'" % name)

    @staticmethod
    def parse(text):
        """'key=value ... layer.key=value' -> Recipe."""
        top, layers = {}, {}
        for item in str(text).split():
            if "=" not in item:
                raise RecipeError("recipe: '%s' is not key=value" % item)
            key, value = item.split("=", 1)
            if "." in key:
                layer, key = key.rsplit(".", 1)
                layers.setdefault(layer, {})[key] = value
            elif key in KEYS:
                top[key] = value
            else:
                raise RecipeError("recipe: unknown key '%s' (%s, or LAYER.key)" % (key, ", ".join(KEYS)))
        return Recipe(layers=layers, **top)

    def __str__(self):
        parts = ["pattern=%s" % self.pattern]
        if self.sparsity is not None:
            parts.append("sparsity=%g" % self.sparsity)
        if self.scope != "layer":
            parts.append("scope=%s" % self.scope)
        parts.append("bits=%d" % self.bits)
        for key in ("clusters", "rank"):
            if getattr(self, key) is not None:
                parts.append("%s=%d" % (key, getattr(self, key)))
        for name in sorted(self.layers):
            parts += ["%s.%s=%s" % (name, k, v) for k, v in sorted(self.layers[name].items())]
        return " ".join(parts)


def _sparsity_for(pattern, sparsity, where):
    """The sparsity a pattern prunes to: N:M fixes it, the others default to 0.5."""
    if ":" in pattern:
        n, m = (int(v) for v in pattern.split(":"))
        fixed = (m - n) / m
        if sparsity is not None and abs(sparsity - fixed) > 1e-9:
            raise RecipeError("%s: sparsity %g contradicts pattern %s (%g)" % (where, sparsity, pattern, fixed))
        return fixed
    return 0.5 if sparsity is None else sparsity


# -- layers as qc sees them ---------------------------------------------------

def is_layer(module):
    import torch.nn as nn
    return isinstance(module, (nn.Linear, nn.Conv2d))


def compressible_layers(model):
    """[(name, module)] of the linear and convolution layers, in model order."""
    return [(n, m) for n, m in model.named_modules() if n and is_layer(m)]


class Layout:
    """How qc lays out a torch weight: the [R, F] view --qc-prune ranks."""

    def __init__(self, name, module):
        import torch.nn as nn
        w = module.weight
        self.name = name
        if isinstance(module, nn.Linear):
            self.kind, self.perm = "linear", (1, 0)            # [F, K] -> [K, F]
        elif module.groups == 1:
            self.kind, self.perm = "conv", (2, 3, 1, 0)        # [F, C, KH, KW] -> HWCF
        elif module.groups == module.in_channels == module.out_channels and w.shape[1] == 1:
            self.kind, self.perm = "depthwise", (2, 3, 0, 1)   # [C, 1, KH, KW] -> HWC (+ 1)
        else:
            self.kind, self.perm = "grouped", None
        self.shape = tuple(w.shape)

    def to_qc(self, array):
        """Torch weight (numpy) -> qc's layout."""
        if self.perm is None:
            raise RecipeError("layer '%s': grouped convolution: no qc layout" % self.name)
        a = np.transpose(array, self.perm)
        return a[..., 0] if self.kind == "depthwise" else a

    def from_qc(self, array):
        if self.kind == "depthwise":
            array = array[..., None]
        return np.transpose(array, np.argsort(self.perm))

    def rows_cols(self):
        a = self.to_qc(np.zeros(self.shape))
        return int(np.prod(a.shape[:-1])), int(a.shape[-1])

    def fits(self, pattern):
        """None when `pattern` fits this weight, else the reason it does not."""
        if pattern in ("unstructured", "channel", "none"):
            return None
        qc_shape = self.to_qc(np.zeros(self.shape)).shape
        rows, cols = self.rows_cols()
        if ":" in pattern:
            m = int(pattern.split(":")[1])
            inner = qc_shape[-2]
            what = {"linear": "input features", "conv": "input channels", "depthwise": "kernel width"}[self.kind]
            if inner % m:
                return "%s needs M = %d to divide the innermost reduction dimension (%s = %d)" % (
                    pattern, m, what, inner)
            return None
        r, c = (int(v) for v in pattern.split("x"))
        if rows % r or cols % c:
            return "%s blocks do not tile the [%d, %d] weight" % (pattern, rows, cols)
        return None


def resolve(recipe, model, log=print, factored=()):
    """{layer name: settings} for every compressible layer of `model`, with
    the model-wide settings and the layer's overrides; checks that every
    override names a layer and that every asked-for pattern fits. Layers in
    `factored` were factorized already: their factors NAME.u and NAME.v take
    NAME's overrides, without the rank."""
    layers = compressible_layers(model)
    names = [n for n, _ in layers]
    for name in recipe.layers:
        if name not in names and name not in factored:
            raise RecipeError("recipe: unknown layer '%s' (layers: %s)" % (name, ", ".join(names) or "none"))
    out, fitting = {}, 0
    for name, module in layers:
        parent, _, leaf = name.rpartition(".")
        factor = parent in factored and leaf in ("u", "v")
        over = dict(recipe.layers.get(parent if factor else name, {}))
        layout = Layout(name, module)
        pattern = over.get("pattern", recipe.pattern)
        s = {"pattern": pattern, "bits": over.get("bits", recipe.bits), "scope": recipe.scope,
             "clusters": over.get("clusters", recipe.clusters),
             "rank": None if factor else over.get("rank", recipe.rank),
             "own_target": "pattern" in over or "sparsity" in over, "layout": layout}
        s["sparsity"] = _sparsity_for(pattern, over.get("sparsity", None if "pattern" in over else recipe.sparsity),
                                      "recipe: layer '%s'" % name)
        if layout.kind == "grouped":
            if over:
                raise RecipeError("recipe: layer '%s': grouped convolution (groups=%d, not depthwise) cannot be "
                                  "compressed: qc imports only groups=1 and depthwise" % (name, module.groups))
            log("note: layer '%s': grouped convolution left as it is" % name)
            s.update(pattern="none", rank=None, clusters=None, bits=8)
        if s["pattern"] != "none":
            why = layout.fits(pattern)
            if why is not None:
                if "pattern" in over:
                    raise RecipeError("recipe: layer '%s' (weight %s): %s" % (name, list(layout.shape), why))
                log("note: layer '%s' (weight %s): %s; not pruned" % (name, list(layout.shape), why))
                s["pattern"] = "none"
            else:
                fitting += 1
        if s["rank"] is not None:
            rows, cols = layout.rows_cols()
            why = None
            if layout.kind == "depthwise":
                why = "depthwise convolutions are not factorized"
            elif s["rank"] >= min(rows, cols):
                why = "rank %d is not below min(%d, %d)" % (s["rank"], rows, cols)
            if why is not None:
                if "rank" in over:
                    raise RecipeError("recipe: layer '%s': %s" % (name, why))
                log("note: layer '%s': %s; not factorized" % (name, why))
                s["rank"] = None
        out[name] = s
    if recipe.pattern != "none" and fitting == 0:
        raise RecipeError("recipe: pattern %s fits no layer of the model" % recipe.pattern)
    return out


# -- masks ----------------------------------------------------------------------

def compute_masks(settings, model):
    """{layer: bool tensor, True where the weight is kept} by --qc-prune's
    rule on the current float weights. Layers under a model-wide target
    with scope=global are ranked together."""
    modules = dict(model.named_modules())
    groups = {}
    for name, s in settings.items():
        if s["pattern"] == "none":
            continue
        key = (s["pattern"], s["sparsity"]) if s["scope"] == "global" and not s["own_target"] else name
        groups.setdefault(key, []).append(name)
    masks = {}
    for group in groups.values():
        s = settings[group[0]]
        mags = [np.abs(s_["layout"].to_qc(modules[n].weight.detach().cpu().numpy().astype(np.float64)))
                for n, s_ in ((n, settings[n]) for n in group)]
        pruned = prune_masks(mags, s["pattern"], s["sparsity"], "global" if len(group) > 1 else "layer")
        for name, p in zip(group, pruned):
            keep = ~settings[name]["layout"].from_qc(p)
            masks[name] = torch.from_numpy(np.ascontiguousarray(keep))
    return masks


def channel_keep(mask):
    """Output channels (dim 0 of the torch weight) with any kept weight."""
    return mask.reshape(mask.shape[0], -1).any(dim=1)


# -- clusters -------------------------------------------------------------------

def kmeans_assign(values, k, iterations=30):
    """Deterministic 1-D k-means (linear initialization between min and max,
    as in Deep Compression; ties to the lower centroid): (centroids, index)."""
    values = np.asarray(values, dtype=np.float64)
    lo, hi = float(values.min()), float(values.max())
    centroids = np.linspace(lo, hi, k) if hi > lo else np.full(k, lo)
    index = np.zeros(values.shape, dtype=np.int64)
    for _ in range(iterations):
        index = np.argmin(np.abs(values[:, None] - centroids[None, :]), axis=1)
        new = centroids.copy()
        for j in range(k):
            sel = values[index == j]
            if sel.size:
                new[j] = sel.mean()
        if np.array_equal(new, centroids):
            break
        centroids = new
    return centroids, index


class Clusters:
    """Weight sharing of one layer: the kept weights are assigned once to k
    centroids; after every step each centroid becomes the mean of its
    weights (the projection onto fixed assignments: the centroid moves by
    the mean of its members' updates) and every weight is set to it."""

    def __init__(self, weight, keep, k):
        self.keep = keep
        values = weight.detach().cpu().numpy()[keep.numpy()]
        if values.size < k:
            raise RecipeError("clusters=%d but only %d weights are kept" % (k, values.size))
        _, index = kmeans_assign(values, k)
        self.index = torch.from_numpy(index)
        self.k = k

    def apply(self, weight):
        with torch.no_grad():
            kept = weight[self.keep]
            sums = torch.zeros(self.k, dtype=kept.dtype).index_add_(0, self.index, kept)
            counts = torch.bincount(self.index, minlength=self.k).clamp(min=1).to(kept.dtype)
            weight[self.keep] = (sums / counts)[self.index]


# -- low rank -------------------------------------------------------------------

class LowRank(torch.nn.Module):
    """y = v(u(x)): a layer factorized as qc's --qc-low-rank factorizes it
    (balanced split of the singular values; a KxK convolution becomes a KxK
    convolution to `rank` channels and a 1x1 convolution)."""

    def __init__(self, u, v):
        super().__init__()
        self.u, self.v = u, v

    def forward(self, x):
        return self.v(self.u(x))


def factorize(module, rank, layout):
    import torch.nn as nn
    w = layout.to_qc(module.weight.detach().cpu().numpy().astype(np.float64))
    mat = w.reshape(-1, w.shape[-1])
    U, S, Vt = np.linalg.svd(mat, full_matrices=False)
    root = np.sqrt(S[:rank])
    A, B = U[:, :rank] * root, root[:, None] * Vt[:rank]
    bias = module.bias is not None
    if layout.kind == "linear":
        u = nn.Linear(module.in_features, rank, bias=False)
        v = nn.Linear(rank, module.out_features, bias=bias)
        u.weight.data = torch.from_numpy(A.T.astype(np.float32).copy())
        v.weight.data = torch.from_numpy(B.T.astype(np.float32).copy())
    else:
        kh, kw, c, f = w.shape
        u = nn.Conv2d(c, rank, (kh, kw), module.stride, module.padding, module.dilation, bias=False)
        v = nn.Conv2d(rank, f, 1, bias=bias)
        u.weight.data = torch.from_numpy(np.transpose(A.reshape(kh, kw, c, rank), (3, 2, 0, 1)).astype(np.float32).copy())
        v.weight.data = torch.from_numpy(np.transpose(B.reshape(1, 1, rank, f), (3, 2, 0, 1)).astype(np.float32).copy())
    if bias:
        v.bias.data = module.bias.detach().clone()
    return LowRank(u, v)


def apply_low_rank(model, settings):
    """Replaces every layer with a rank by its LowRank factorization (in a
    copy); the factors are layers NAME.u and NAME.v."""
    model = copy.deepcopy(model)
    for name, s in settings.items():
        if s["rank"] is None:
            continue
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, factorize(getattr(parent, child), s["rank"], s["layout"]))
    return model
