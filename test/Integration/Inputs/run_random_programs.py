"""Differential testing: random qc programs (random_programs.py) compiled with
qc.compile for a target and compared bit for bit with python/qc/reference.py.

    run_random_programs.py --target cpu|vulkan --seed S --count N --work-dir D
                           [--seconds T] [--keep-going]

Each program is written to D/<seed>.mlir (with its inputs and expected
outputs as .npy) before it is compiled, so a crash leaves its reproducer
behind; a mismatch or a compile failure prints the reproducing qc-run command.
Ends with one summary line."""
import argparse
import collections
import json
import os
import shlex
import signal
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random_programs  # noqa: E402

import qc  # noqa: E402


# Known bugs, reported and being fixed elsewhere: (target, predicate, check,
# reason). A failing program the predicate selects counts as a known failure
# (listed with its reason, never silently) when `check` confirms that the
# failure is that bug; any other failure is a mismatch. None open: the two
# i4 entries (refused on Vulkan; CPU vector/scalar layout) were fixed by
# --qc-widen-narrow-integers.
KNOWN = []


def run_program(program, target, options=""):
    """None if bit-exact, else a description of the failure."""
    inputs, expected = program.inputs(), program.expected()
    try:
        run = qc.compile(program.text(), pipeline="", target=target, pipeline_options=options)
        got = run(*inputs)
    except qc.CompileError as e:
        return "compile/run failed: %s" % e.message.splitlines()[0][:300]
    got = got if isinstance(got, tuple) else (got,)
    for i, (g, w) in enumerate(zip(got, expected)):
        if g.dtype != w.dtype or g.shape != w.shape:
            return "result %d is %s%s, expected %s%s" % (i, g.dtype, g.shape, w.dtype, w.shape)
        if g.tobytes() != w.tobytes():
            bits = "u%d" % g.itemsize
            bad = np.argwhere(g.view(bits) != w.view(bits))
            at = tuple(int(j) for j in bad[0])
            return "result %d: %d of %d elements differ, first at %s: got %r, want %r" % (
                i, len(bad), w.size, at, g[at], w[at])
    return None


def classify(program, target):
    """(failure or None, reason of the known bug it is, or None)."""
    failure = isolated(lambda: run_program(program, target))
    if failure:
        for known_target, selects, check, reason in KNOWN:
            if known_target == target and selects(program) and check(program, failure):
                return failure, reason
    return failure, None


def isolated(job, timeout=600):
    """job() (None or a failure description) run in a child process, so
    that a crash of the compiler or of the compiled code is reported as a
    failure of this program instead of ending the run. The parent never
    loads qc's library (each child's MLIR context and threads are its own)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            result = job()
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            result = "exception %s: %s" % (type(e).__name__, e)
        with os.fdopen(write_end, "w") as f:
            json.dump(result, f)
        os._exit(0)
    os.close(write_end)
    deadline = time.time() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.time() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            return "no result after %d s (hang)" % timeout
        time.sleep(0.01)
    with os.fdopen(read_end) as f:
        text = f.read()
    if os.WIFSIGNALED(status):
        return "crashed with signal %d (%s)" % (
            os.WTERMSIG(status), signal.Signals(os.WTERMSIG(status)).name)
    return json.loads(text) if text else "child exited without a result"


def reproducer(target, base, program):
    cmd = ["qc-run", "--target=" + target, base + ".mlir"]
    for i in range(len(program.args)):
        cmd += ["--input", "%s.in%d.npy" % (base, i)]
    for i in range(len(program.results)):
        cmd += ["--output", "%s.got%d.npy" % (base, i)]
    return " ".join(shlex.quote(c) for c in cmd)


def run_one(target, seed, work_dir, storage):
    """(program, failure or None, known reason or None)."""
    program = random_programs.generate(seed, storage=storage)
    base = os.path.join(work_dir, str(seed))
    with open(base + ".mlir", "w") as f:
        f.write(program.text())
    for i, a in enumerate(program.inputs()):
        np.save("%s.in%d.npy" % (base, i), a)
    for i, e in enumerate(program.expected()):
        np.save("%s.want%d.npy" % (base, i), e)
    failure, reason = classify(program, target)
    if failure:
        return program, failure, reason
    for path in os.listdir(work_dir):
        if path.startswith(str(seed) + "."):
            os.remove(os.path.join(work_dir, path))
    return program, None, None


def known_but_passed(target, program):
    """The reasons of KNOWN entries that select `program` (which passed)."""
    return [reason for known_target, selects, _, reason in KNOWN
            if known_target == target and selects(program)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True, choices=["cpu", "vulkan"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=None,
                        help="stop starting new programs after this many seconds")
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--keep-going", action="store_true")
    parser.add_argument("--storage", default="i8,u8,i4,i16",
                        help="storage types of the programs' quantized values")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    storage = [(int(t[1:]), t[0] == "i") for t in args.storage.split(",")]
    # i8 twice: the most common storage type in real models.
    storage += [s for s in storage if s == (8, True)]
    start = time.time()
    ops = collections.Counter()
    known = collections.Counter()
    passed_anyway = collections.Counter()
    failures, ran = [], 0
    for seed in range(args.seed, args.seed + args.count):
        if args.seconds is not None and time.time() - start > args.seconds:
            break
        program, failure, reason = run_one(args.target, seed, args.work_dir, storage)
        ran += 1
        ops.update(program.ops)
        if reason:
            known[reason] += 1
        elif not failure:
            for r in known_but_passed(args.target, program):
                passed_anyway[r] += 1
        else:
            base = os.path.join(args.work_dir, str(seed))
            failures.append(seed)
            print("MISMATCH seed %d on %s (%s): %s\n  %s" % (
                seed, args.target, " ".join(program.ops), failure,
                reproducer(args.target, base, program)), flush=True)
            if not args.keep_going:
                break
    print("ops: " + ", ".join("%s %d" % kv for kv in sorted(ops.items())))
    for reason, n in sorted(known.items()):
        print("known failure (%d programs): %s" % (n, reason))
    for reason, n in sorted(passed_anyway.items()):
        print("passed although a known bug could affect them (%d programs): %s" % (n, reason))
    summary = "%d random programs (%d ops) on %s in %.0f s: %d mismatches, %d known failures" % (
        ran, sum(ops.values()), args.target, time.time() - start, len(failures),
        sum(known.values()))
    print(summary)
    if failures:
        sys.exit("failing seeds: %s" % " ".join(map(str, failures)))


if __name__ == "__main__":
    main()
