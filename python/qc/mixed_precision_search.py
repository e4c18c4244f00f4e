"""The joint search of mixed precision (docs/MixedPrecision.md, "Joint
search"): whole choices {row: bits} measured as a whole model, under a size
budget and / or a latency budget (mixed_precision_budget), and with held-out
data the choice among the Pareto points it measured by held-out error."""
from . import mixed_precision_budget as budgets

_UP = {4: 8, 8: 16}
_DOWN = {16: 8, 8: 4}


def _conflict(table, bits):
    """A 16-bit activation read by a layer with 16-bit weights (_resolve)."""
    return any(bits.get(row["name"]) == 16 and bits.get(reader) == 16
               for row in table for reader in row.get("readers", []))


def _move(row, bits, up):
    """(new bits, bytes added, error added by the table's isolated
    measures) of one step of `row` up or down, or None where there is none."""
    old = bits[row["name"]]
    new = (_UP if up else _DOWN).get(old)
    if new is None or (new == 16 and row.get("gain") is None):
        return None
    cost = {(8, 4): row["delta"], (16, 8): row.get("gain"), (4, 8): -row["delta"],
            (8, 16): -(row.get("gain") or 0.0)}[(old, new)]
    return new, row["bytes%d" % new] - row["bytes%d" % old], cost


class Budget:
    """The size budget (bytes, or None) and the latency budget (with its
    cost table, or None) a choice must meet."""

    def __init__(self, table, size_budget=None, latency=None, latency_budget=None):
        from .mixed_precision import total_bytes
        self.table, self.size, self.latency, self.limit = table, size_budget, latency, latency_budget
        self._bytes = total_bytes

    def bytes(self, bits):
        return self._bytes(self.table, bits)

    def time(self, bits):
        return budgets.latency_of(self.latency, bits) if self.latency is not None else None

    def fits(self, bits):
        return ((self.size is None or self.bytes(bits) <= self.size) and
                (self.limit is None or self.time(bits) <= self.limit + 1e-12))

    def point(self, bits):
        """(bytes, latency or 0.0): the resources of a choice, for Pareto."""
        t = self.time(bits)
        return self.bytes(bits), t if t is not None else 0.0


def pareto(points):
    """The entries (error, bytes, latency, key, bits) not dominated by
    another (<= in all three, < in one), sorted by error then key."""
    keep = []
    for p in points:
        if not any(q[:3] != p[:3] and q[0] <= p[0] and q[1] <= p[1] and q[2] <= p[2] for q in points):
            keep.append(p)
    return sorted(keep, key=lambda p: (p[0], p[3]))


def search(graph, samples, table, size_budget=None, max_evals=40, width=4, pairs=3, start=None,
           latency=None, latency_budget=None, validation=None, **calibrate_args):
    """A joint search under a size budget and / or a latency budget
    (docs/MixedPrecision.md, "Joint search"): from `start` (default:
    select's greedy pick, itself a candidate) it measures the whole model's
    error of changed choices and keeps the best one found; at most
    max_evals model evaluations on the (search) samples (the start's
    included). A round measures, jointly with every other row at its
    current width, the next `width` rows' steps up (largest isolated gain
    per byte and largest isolated gain, in turn) and down (least isolated
    cost per byte first); then combines each measured step up with steps
    down (measured joint costs per byte, then isolated ones) until the
    budgets are met, and measures the `pairs` combinations whose summed
    measured changes promise the least error. The best measured choice
    within the budgets, if better than the current one, becomes the
    current one; a round without one moves on to the next `width` rows of
    each order. With `validation` (held-out batches) the result is, of the
    Pareto points (search error, bytes, latency) of every measured choice
    within the budgets, the one of least held-out error. Returns (bits,
    steps): steps one dict per round (round, evaluations so far, error,
    bytes, latency, the changes accepted), with validation a last one
    (round None) for the held-out choice, its "pareto" list of (error,
    held-out error, bytes, latency) per point."""
    from .mixed_precision import Evaluator, select
    if size_budget is None and latency_budget is None:
        raise ValueError("mixed precision: the search needs a size budget or a latency budget")
    greedy = select(table, size_budget=size_budget, latency=latency, latency_budget=latency_budget)
    budget = Budget(table, size_budget, latency, latency_budget)
    ev = Evaluator(graph, samples, validation=validation, **calibrate_args)
    best = dict(start if start is not None else greedy)
    if not budget.fits(best) or _conflict(table, best):
        raise ValueError("mixed precision: the search's start does not fit the budget")
    err = ev(best)
    measured_all = {}

    def record(e, trial):
        if budget.fits(trial) and not _conflict(table, trial):
            key = tuple(sorted(trial.items()))
            measured_all[key] = (e,) + budget.point(trial) + (key, dict(trial))

    record(err, best)

    def step(rnd, changes):
        return {"round": rnd, "evals": ev.count, "error": err, "bytes": budget.bytes(best),
                "latency": budget.time(best), "changes": changes}
    steps = [step(0, "start (greedy pick)")]
    skip, rnd = 0, 0
    while ev.count < max_evals:
        rnd += 1
        moves = {True: [], False: []}
        for up in (True, False):
            for row in table:
                m = _move(row, best, up)
                if m is None or m[1] == 0:
                    continue
                trial = dict(best, **{row["name"]: m[0]})
                if up and _conflict(table, trial):
                    continue
                moves[up].append((m[2] / abs(m[1]), row["name"], m))
            moves[up].sort()
        # Steps up: by isolated gain per byte and by isolated gain, in turn
        # (a large layer back from 4 bits gains most but per byte little).
        by_gain = sorted(moves[True], key=lambda t: (t[2][2], t[1]))
        merged, seen = [], set()
        for pair in zip(moves[True], by_gain):
            for t in pair:
                if t[1] not in seen:
                    seen.add(t[1])
                    merged.append(t)
        ups = merged[skip:skip + width]
        downs = moves[False][skip:skip + width]
        if not ups and not downs:
            break
        measured = {}  # row -> (new bits, bytes added, error added jointly)
        found = []  # (error, bits)
        for _, name, (new, added, _) in ups + downs:
            if ev.count >= max_evals:
                break
            trial = dict(best, **{name: new})
            e = ev(trial)
            record(e, trial)
            measured[name] = (new, added, e - err)
            if budget.fits(trial):
                found.append((e, sorted(trial.items()), trial))
        # Each measured step up, with steps down until the budgets are met.
        order = sorted(((measured[n][2] if n in measured else m[2]) / -m[1], n, m)
                       for _, n, m in moves[False])
        combos = []
        for _, name, (new, added, _) in ups:
            trial = dict(best, **{name: new})
            if name not in measured or budget.fits(trial):
                continue
            guess = measured[name][2]
            for _, dn, (dnew, dadded, dcost) in order:
                if budget.fits(trial):
                    break
                if dn == name:
                    continue
                trial[dn] = dnew
                guess += measured[dn][2] if dn in measured else dcost
            if budget.fits(trial) and not _conflict(table, trial):
                combos.append((guess, sorted(trial.items()), trial))
        for _, _, trial in sorted(combos)[:pairs]:
            if ev.count >= max_evals:
                break
            e = ev(trial)
            record(e, trial)
            found.append((e, sorted(trial.items()), trial))
        found.sort(key=lambda f: (f[0], f[1]))
        if found and found[0][0] < err:
            changes = ["%s %d->%d" % (k, best[k], v) for k, v in sorted(found[0][2].items())
                       if best[k] != v]
            best, err, skip = found[0][2], found[0][0], 0
            steps.append(step(rnd, ", ".join(changes)))
        else:
            skip += width
            steps.append(step(rnd, "none better"))
    if validation is None:
        return best, steps
    # The held-out choice among the Pareto points of what was measured.
    points = pareto(list(measured_all.values()))
    scored = [(ev.held_out(p[4]), p) for p in points]
    held, chosen = min(scored, key=lambda s: (s[0], s[1][0], s[1][3]))
    last = {"round": None, "evals": ev.count, "error": chosen[0], "held_out": held,
            "bytes": chosen[1], "latency": budget.time(chosen[4]),
            "changes": "held-out choice among %d Pareto point(s)" % len(points),
            "pareto": [(p[0], h, p[1], budget.time(p[4])) for h, p in scored]}
    steps.append(last)
    return chosen[4], steps


def format_steps(steps, max_evals):
    lines = ["joint search (at most %d model evaluations):" % max_evals]
    for s in steps:
        lat = "" if s.get("latency") is None else ", %.4g latency" % s["latency"]
        if s["round"] is None:
            lines.append("  Pareto points (search error, held-out error, bytes%s):" % (
                ", latency" if s.get("latency") is not None else ""))
            for e, h, b, t in s["pareto"]:
                lines.append("    %.5f %.5f %d%s" % (e, h, b, "" if t is None else " %.4g" % t))
            lines.append("  chosen by held-out error: error %.5f, held-out %.5f, %d bytes%s" % (
                s["error"], s["held_out"], s["bytes"], lat))
            continue
        lines.append("  round %d: %d evaluations, error %.5f, %d bytes%s: %s" % (
            s["round"], s["evals"], s["error"], s["bytes"], lat, s["changes"]))
    return "\n".join(lines)
