# Mixed precision with held-out data, a latency budget and 16-bit layer
# norm / softmax inputs (python/qc/mixed_precision*.py, docs/MixedPrecision.md,
# "Held-out data", "Latency budget", "Layer norm and softmax inputs"):
#  1. split_samples: the held-out batches are deterministic and spread
#     evenly (the last one always held out); bad fractions are errors;
#  2. the digits CNN (4 batches of 16 calibration images: 3 search, 1
#     held out): the table's held-out columns equal a fresh evaluation on
#     the held-out batch, and the joint search's result is, of the Pareto
#     points it measured within the budget, the one of least held-out error;
#  3. a latency cost table: the pick under a latency budget, a size budget
#     and both meets every budget given (and the search's too), and where
#     select refuses a pair of budgets, no choice (all enumerated) meets
#     them; an unknown
#     layer, a missing width, a budget below the fastest configuration are
#     errors naming them;
#  4. the command line: --validation-fraction / --latency-table /
#     --latency-budget print the held-out and latency lines; bad options
#     exit 1 with a clear message and leave the output file untouched;
#  5. the chosen models compiled (fold integer-only, lower, pack) and run on
#     the CPU bit-exact with the numpy interpreter: the digits pick under
#     both budgets, and a BERT-style block (attention with an outlier token,
#     residual add, layer norm) whose softmax input gets 16 bits under an
#     error budget (its Q K^T / 4 chain: calibration_points.scale_chain).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t 2>&1 | FileCheck %s
# CHECK: split: 4 -> [3], 8 -> [3, 7], 2 -> [1], 5 -> [2, 4] (0.4); errors ok
# CHECK: held-out: layer {{.*}}held-out at 4  held-out at 16
# CHECK: held-out: all 8 bits: error {{[0-9.]+}} (held-out {{[0-9.]+}}), 3784 weight + 842 activation bytes
# CHECK: held-out: table == fresh evaluation on the held-out batch
# CHECK: held-out: search: {{[0-9]+}} Pareto point(s), chosen held-out {{[0-9.]+}} = least; fits; deterministic
# CHECK: latency: fastest {{[0-9.]+}} ms, all 8 bits {{[0-9.]+}} ms
# CHECK: latency: budgets met: latency 6, size 6, both 4, search 2; 2 pair(s) that no choice meets refused
# CHECK: latency: errors ok
# CHECK: cli: chosen: error {{[0-9.]+}} on 3 search batch(es), {{[0-9.]+}} on 1 held-out batch(es)
# CHECK: cli: latency (ms): all 8 bits {{[0-9.]+}}, chosen {{[0-9.]+}}, budget {{[0-9.]+}}
# CHECK: cli: chosen by held-out error: error {{.*}}
# CHECK: cli: errors ok, output untouched
# CHECK: compiled: digits cnn under both budgets: 7 integer op(s), 0 op(s) stayed float; cpu == interpreter
# CHECK: bert: rows {{.*}}add_{{[0-9]+}}:out (layer_norm input) div_{{[0-9]+}}:out (softmax input)
# CHECK: bert: softmax input 16 bits (gain {{0\.0[1-9][0-9]*}}), chain of 2 points at 16 bits
# CHECK: bert: 22 integer op(s), 0 op(s) stayed float; cpu == interpreter
import itertools
import json
import os
import subprocess
import sys

import numpy as np

from qc import calibration as cal
from qc import mixed_precision as mp
from qc import mixed_precision_budget as budgets
from qc.graph import Graph
from qc.importers.onnx import import_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from qc_test_util import compile_integer_only  # noqa: E402

work = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
calib = np.load(os.path.join(root, "examples", "digits_calib_x.npy"))
x = np.load(os.path.join(root, "examples", "digits_test_x.npy"))


def expect_error(fn, text):
    try:
        fn()
    except ValueError as e:
        assert text in str(e), (text, str(e))
        return
    raise AssertionError("accepted: " + text)


# 1. The split.
def held(n, fraction=0.25):
    return budgets.split_samples(list(range(n)), fraction)[1]


assert budgets.split_samples(list(range(8)), 0.25) == ([0, 1, 2, 4, 5, 6], [3, 7])
assert budgets.split_samples(list(range(3)), 0) == ([0, 1, 2], None)
for bad, msg in ((lambda: held(1), "needs at least 2 batches of samples, got 1"),
                 (lambda: held(4, 1.0), "--validation-fraction 1: must be at least 0 and below 1"),
                 (lambda: held(4, -0.5), "must be at least 0 and below 1")):
    expect_error(bad, msg)
print("split: 4 -> %s, 8 -> %s, 2 -> %s, 5 -> %s (0.4); errors ok" % (held(4), held(8), held(2), held(5, 0.4)))

# 2. Held-out errors on the digits CNN.
B = 16
g = import_model(os.path.join(root, "examples", "digits_cnn_fp32.onnx"), batch=B)
batches = [calib[i:i + B] for i in range(0, len(calib), B)]
search, valid = mp.split_samples(batches, 0.25)
assert len(search) == 3 and len(valid) == 1 and valid[0] is batches[3]
table = mp.sensitivity(g, search, wide=True, activations="all", validation=valid)
all8 = {r["name"]: 8 for r in table}
for line in mp.format_table(table, all8).splitlines()[:1] + mp.format_table(table, all8).splitlines()[-1:]:
    print("held-out: " + line)
fresh = mp.Evaluator(g, search, validation=valid)
for row in table:
    key = row["name"]
    assert abs(fresh.held_out({key: 4}) - row["held4"]) < 1e-12, row
    assert row["held16"] is None or abs(fresh.held_out({key: 16}) - row["held16"]) < 1e-12, row
    assert abs(fresh({key: 4}) - row["error4"]) < 1e-12, row
# The held-out error is measured on other images than the search error.
assert all(abs(r["held4"] - r["error4"]) > 1e-6 for r in table), table
print("held-out: table == fresh evaluation on the held-out batch")
int8 = mp.total_bytes(table, all8)
budget = 90 * int8 // 100
bits, steps = mp.search(g, search, table, budget, max_evals=30, validation=valid)
again = mp.search(g, search, table, budget, max_evals=30, validation=valid)
assert (bits, steps) == again
last = steps[-1]
assert last["round"] is None and last["pareto"], last
assert mp.total_bytes(table, bits) <= budget and not mp._conflict(table, bits)
assert abs(fresh.held_out(bits) - last["held_out"]) < 1e-12
assert last["held_out"] == min(h for _, h, _, _ in last["pareto"]), last
# Pareto: no point is beaten in error and bytes by another.
pts = [(e, b) for e, _, b, _ in last["pareto"]]
assert not any(q != p and q[0] <= p[0] and q[1] <= p[1] for p in pts for q in pts), pts
print("held-out: search: %d Pareto point(s), chosen held-out %.5f = least; fits; deterministic" % (
    len(pts), last["held_out"]))

# 3. A latency cost table (made up, in the benchmark's format): 16 bits
# cost twice the 8-bit time, packed 4-bit weights 1.2x, activations by
# their bytes.
rows = {}
for r in table:
    unit = r["bytes8"] / 1000.0
    if r["kind"] == "weight":
        rows[r["name"]] = {"4": 1.2 * unit, "8": unit, "16": 2 * unit}
    else:
        rows[r["name"]] = {"4": 0.9 * unit, "8": unit, "16": 1.5 * unit}
cost_path = os.path.join(work, "cost.json")
with open(cost_path, "w") as f:
    json.dump({"unit": "ms", "base": 0.5, "rows": rows}, f)
lat = mp.load_latency_table(cost_path)
fast = budgets.fastest(lat, table)
t8 = mp.latency_of(lat, all8)
print("latency: fastest %.4f ms, all 8 bits %.4f ms" % (fast, t8))
met = {"latency": 0, "size": 0, "both": 0, "search": 0}
infeasible = 0
for frac in (0.8, 0.9, 1.0, 1.1, 1.3, 1.6):
    lb, sb = fast + frac * (t8 - fast) * 0.9, int(frac * int8)
    ok_both = False
    for what, kw in (("latency", dict(latency=lat, latency_budget=lb)), ("size", dict(size_budget=sb)),
                     ("both", dict(size_budget=sb, latency=lat, latency_budget=lb))):
        # Whether any choice meets the budgets: all 3^4 * 3^3 of them.
        feasible = any(
            not mp._conflict(table, c) and mp.total_bytes(table, c) <= kw.get("size_budget", 1 << 60)
            and mp.latency_of(lat, c) <= kw.get("latency_budget", 1e30) + 1e-12
            for c in ({r["name"]: w for r, w in zip(table, combo)}
                      for combo in itertools.product(*[budgets.offered(r) for r in table])))
        try:
            pick = mp.select(table, **kw)
        except ValueError as e:
            assert "no choice of the offered widths meets" in str(e) and not feasible, (e, what, frac)
            infeasible += 1
            continue
        assert kw.get("size_budget") is None or mp.total_bytes(table, pick) <= sb, (what, frac)
        assert kw.get("latency_budget") is None or mp.latency_of(lat, pick) <= lb + 1e-12, (what, frac)
        met[what] += 1
        ok_both = what == "both"
    if ok_both and met["search"] < 2:
        pick, st = mp.search(g, search, table, sb, max_evals=12, latency=lat, latency_budget=lb)
        assert mp.total_bytes(table, pick) <= sb and mp.latency_of(lat, pick) <= lb + 1e-12, frac
        assert st[-1]["error"] <= st[0]["error"], st
        met["search"] += 1
        if met["search"] == 1:
            both_pick, both_budgets = pick, (sb, lb)
# select meets every budget pair that some choice meets, and says so
# where none does (at 80 % and 90 %: 4-bit weights are slower here).
print("latency: budgets met: latency %d, size %d, both %d, search %d; %d pair(s) that no choice "
      "meets refused" % (met["latency"], met["size"], met["both"], met["search"], infeasible))
expect_error(lambda: mp.select(table, latency=lat, latency_budget=fast - 0.01),
             "--latency-budget %g ms is below the fastest configuration of the latency table (%g ms)" % (
                 fast - 0.01, fast))
bad = dict(rows, conv2d_999={"4": 1, "8": 1, "16": 1})
with open(os.path.join(work, "unknown.json"), "w") as f:
    json.dump({"rows": bad}, f)
expect_error(lambda: mp.select(table, latency=mp.load_latency_table(os.path.join(work, "unknown.json")),
                               latency_budget=10), "unknown layer conv2d_999")
no16 = dict(rows, **{table[0]["name"]: {"4": 1, "8": 1}})
with open(os.path.join(work, "no16.json"), "w") as f:
    json.dump({"rows": no16}, f)
expect_error(lambda: mp.select(table, latency=mp.load_latency_table(os.path.join(work, "no16.json")),
                               latency_budget=10), "layer %s has no cost at 16 bits" % table[0]["name"])
expect_error(lambda: mp.select(table, latency_budget=1.0), "--latency-budget needs --latency-table")
expect_error(lambda: mp.load_latency_table(os.path.join(work, "nope.json")), "--latency-table")
print("latency: errors ok")

# 4. The command line.
np.save(os.path.join(work, "calib.npy"), calib)
model = os.path.join(root, "examples", "digits_cnn_fp32.onnx")
out = os.path.join(work, "out.mlir")
cmd = [sys.executable, "-m", "qc.calibration", model, "--samples", os.path.join(work, "calib.npy"),
       "--batch", str(B), "--mixed-precision", "--max-weight-bits", "16", "--mixed-activations=all",
       "-o", out]
sb, lb = both_budgets
r = subprocess.run(cmd + ["--size-budget", str(sb), "--latency-table", cost_path, "--latency-budget",
                          "%.6f" % lb, "--joint-evals", "12"], capture_output=True, text=True)
assert r.returncode == 0 and "func.func" in open(out).read(), r.stderr
lines = r.stderr.splitlines()
for prefix in ("chosen: error", "latency (ms)", "  chosen by held-out error"):
    print("cli: " + next(l for l in lines if l.startswith(prefix)).strip())
with open(out) as f:
    before = f.read()
stamp = os.stat(out).st_mtime_ns
for extra, msg in (
        (["--latency-budget", "1.0"], "--latency-budget needs --latency-table"),
        (["--latency-table", os.path.join(work, "unknown.json"), "--size-budget", "4000"],
         "unknown layer conv2d_999"),
        (["--latency-table", cost_path, "--latency-budget", "%g" % (fast - 0.01)],
         "is below the fastest configuration"),
        (["--latency-table", cost_path, "--latency-budget", "5", "--error-budget", "0.01"],
         "--latency-budget goes with --size-budget or alone, not with --error-budget"),
        (["--size-budget", "4000", "--validation-fraction", "1.5"], "--validation-fraction 1.5"),
        (["--error-budget", "0.01", "--joint-evals", "5"], "--joint-evals goes with --size-budget or --latency-budget")):
    r = subprocess.run(cmd + extra, capture_output=True, text=True)
    assert r.returncode == 1 and msg in r.stderr and "Traceback" not in r.stderr, (extra, r.stderr)
one = cmd[:cmd.index("--batch") + 1] + ["64"] + cmd[cmd.index("--batch") + 2:]
r = subprocess.run(one + ["--size-budget", "4000", "--validation-fraction", "0.25"], capture_output=True, text=True)
assert r.returncode == 1 and "needs at least 2 batches of samples, got 1" in r.stderr, r.stderr
r = subprocess.run(cmd[:-6] + ["--latency-budget", "3", "-o", out], capture_output=True, text=True)
assert r.returncode == 1 and "go with --mixed-precision" in r.stderr, r.stderr
with open(out) as f:
    assert f.read() == before and os.stat(out).st_mtime_ns == stamp
print("cli: errors ok, output untouched")

# 5. Compiled: the digits pick under both budgets, and a BERT-style block.
wbits, abits = mp.split(both_pick)
summary = compile_integer_only(cal.calibrate(g, search, weight_bits=wbits, activation_bits=abits),
                               os.path.join(work, "both"), [x[:B]])
print("compiled: digits cnn under both budgets: %s; cpu == interpreter" % summary)

rng = np.random.default_rng(7)
S, D = 8, 16


def lin(gr, v, din, dout):
    w = gr.add_const((rng.standard_normal((din, dout)) / np.sqrt(din)).astype(np.float32))
    return gr.add("bias_add", [gr.add("batch_matmul", [v, w]),
                               gr.add_const((0.1 * rng.standard_normal(dout)).astype(np.float32))])


gb = Graph("main")
xb = gb.add_input("x", (2, S, D))
q, k, v = lin(gb, xb, D, D), lin(gb, xb, D, D), lin(gb, xb, D, D)
scores = gb.add("batch_matmul", [q, gb.add("transpose", [k], {"perm": [0, 2, 1]})])
logits = gb.add("div", [scores, gb.add_const(np.array(4.0, np.float32))])
probs = gb.add("softmax", [logits], {"axis": -1})
res = gb.add("add", [xb, lin(gb, gb.add("batch_matmul", [probs, v]), D, D)])
norm = gb.add("layer_norm", [res, gb.add_const((1 + 0.1 * rng.standard_normal(D)).astype(np.float32)),
                             gb.add_const((0.1 * rng.standard_normal(D)).astype(np.float32))],
              {"axis": -1, "eps": 1e-5})
gb.outputs = [lin(gb, norm, D, 4)]


def tokens():
    t = rng.standard_normal((2, S, D)).astype(np.float32)
    t[:, 0, :] *= 8.0  # an outlier token: its logits set the softmax input's range
    return t


bsamples = [[tokens()] for _ in range(4)]
btest = tokens()
assert mp.activation_values(gb) == ["x", res, logits], mp.activation_values(gb)
btable = mp.sensitivity(gb, bsamples[:3], wide=True, activations="all", validation=bsamples[3:])
feeds = [r for r in btable if r.get("feeds")]
assert [(r["name"], r["feeds"]) for r in feeds] == [(res + ":out", ["layer_norm"]),
                                                    (logits + ":out", ["softmax"])], feeds
print("bert: rows %s" % " ".join("%s (%s input)" % (r["name"], r["feeds"][0]) for r in feeds))
soft = feeds[1]
assert soft["gain"] > 0.01, soft
bpick = mp.select(btable, error_budget=0.002)
assert bpick[soft["name"]] == 16, bpick
wb, ab = mp.split(bpick)
qb = cal.calibrate(gb, bsamples[:3], weight_bits=wb, activation_bits=ab)
chain = [n.inputs[0] for n in qb.nodes if n.op == "fake_quant" and n.attrs["qparams"].bits == 16
         and n.inputs[0] in (scores, logits)]
assert sorted(chain) == sorted([scores, logits]), chain
print("bert: softmax input 16 bits (gain %.4f), chain of %d points at 16 bits" % (soft["gain"], len(chain)))
print("bert: %s; cpu == interpreter" % compile_integer_only(qb, os.path.join(work, "bert"), [btest]))
