"""Held-out data and the latency budget of mixed precision
(python/qc/mixed_precision.py, docs/MixedPrecision.md, "Held-out data" and
"Latency budget").

Held-out data: `split_samples(samples, fraction)` splits the calibration
batches deterministically (no randomness) into a search part, on which
the widths are measured and chosen, and a validation part, on which the
chosen configuration's error is reported and among whose candidates
(mixed_precision_search.search: the Pareto points it measured) the one
with the least held-out error is kept. With n batches, v = round(n *
fraction) of them (at least 1, at most n - 1) are held out: batch i when
floor((i + 1) v / n) > floor(i v / n), i.e. spread evenly, the last one
always among them.

Latency: a per-row cost table (json, written by
benchmarks/mixed_precision_latency.py --cost-table):

    {"unit": "ms", "base": 0.91,
     "rows": {"conv2d_45": {"4": 0.012, "8": 0.0, "16": 0.031},
              "conv2d_45:out": {"4": 0.004, "8": 0.0, "16": 0.010}, ...}}

The model's latency of a choice {row: bits} is base + the sum over the
table's rows of the row's cost at its width (an additive model: each row's
cost measured with that row alone changed, like the sensitivity). Rows of
the model that the table does not name cost the same at every width
(nothing). A name in the table that is no row of the model, a missing or
non-finite cost, or a latency budget below the fastest
configuration the table allows is an error that names it.
"""
import json
import math

WIDTHS = (4, 8, 16)


def split_samples(samples, fraction):
    """(search part, validation part or None) of a list of sample batches."""
    samples = list(samples)
    if not fraction:
        return samples, None
    if not 0 < fraction < 1:
        raise ValueError("--validation-fraction %g: must be at least 0 and below 1" % fraction)
    n = len(samples)
    if n < 2:
        raise ValueError("--validation-fraction %g: needs at least 2 batches of samples, got %d "
                         "(give more samples or a smaller --batch)" % (fraction, n))
    v = min(n - 1, max(1, int(math.floor(n * fraction + 0.5))))
    held = [i for i in range(n) if ((i + 1) * v) // n > (i * v) // n]
    return ([s for i, s in enumerate(samples) if i not in held],
            [s for i, s in enumerate(samples) if i in held])


def load_latency_table(path):
    """The cost table at `path`: {"unit", "base", "rows": {name: {bits: cost}}},
    checked for form (numbers, widths 4 / 8 / 16)."""
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise ValueError("--latency-table %s: %s" % (path, e.strerror or e))
    except json.JSONDecodeError as e:
        raise ValueError("--latency-table %s: not json: %s" % (path, e))
    if not isinstance(data, dict) or not isinstance(data.get("rows"), dict):
        raise ValueError("--latency-table %s: expected an object with \"rows\": {layer: {bits: cost}}"
                         % path)
    base = data.get("base", 0.0)
    if not _number(base):
        raise ValueError("--latency-table %s: base %r is not a finite number" % (path, base))
    rows = {}
    for name, costs in data["rows"].items():
        if not isinstance(costs, dict):
            raise ValueError("--latency-table %s: layer %s: expected {bits: cost}" % (path, name))
        row = {}
        for bits, cost in costs.items():
            if str(bits) not in ("4", "8", "16"):
                raise ValueError("--latency-table %s: layer %s: width %s (4, 8 or 16)" % (path, name, bits))
            if not _number(cost):
                raise ValueError("--latency-table %s: layer %s: cost %r at %s bits is not a finite "
                                 "number" % (path, name, cost, bits))
            row[int(bits)] = float(cost)
        if 8 not in row:
            raise ValueError("--latency-table %s: layer %s: no cost at 8 bits" % (path, name))
        rows[name] = row
    return {"path": path, "unit": str(data.get("unit", "ms")), "base": float(base), "rows": rows}


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_names(latency, names):
    """A name of the cost table that is not one of `names` (the model's
    rows) is an error naming it."""
    unknown = sorted(set(latency["rows"]) - set(names))
    if unknown:
        raise ValueError("--latency-table %s: unknown layer %s (not a row of this model's "
                         "mixed-precision table; its rows: %s)" % (
                             latency["path"], ", ".join(unknown), ", ".join(sorted(names)[:8]) +
                             (", ..." if len(names) > 8 else "")))


def offered(row):
    """The widths a sensitivity-table row may take."""
    return (4, 8, 16) if row.get("gain") is not None else (4, 8)


def check_table(latency, table):
    """Every offered width of a costed row has a cost."""
    check_names(latency, [r["name"] for r in table])
    for row in table:
        costs = latency["rows"].get(row["name"])
        if costs is None:
            continue
        for bits in offered(row):
            if bits not in costs:
                raise ValueError("--latency-table %s: layer %s has no cost at %d bits" % (
                    latency["path"], row["name"], bits))


def latency_of(latency, bits):
    """The additive latency of a choice {row: bits}."""
    return latency["base"] + sum(costs[bits.get(name, 8)] for name, costs in latency["rows"].items())


def fastest(latency, table):
    """The least latency any choice of the offered widths reaches."""
    rows = {r["name"]: r for r in table}
    return latency["base"] + sum(min(costs[b] for b in offered(rows[name]))
                                 for name, costs in latency["rows"].items() if name in rows)


def check_budget(latency, table, budget):
    if budget is None:
        return
    low = fastest(latency, table)
    if budget < low - 1e-12:
        raise ValueError("--latency-budget %g %s is below the fastest configuration of the latency "
                         "table (%g %s)" % (budget, latency["unit"], low, latency["unit"]))
