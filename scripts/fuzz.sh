#!/usr/bin/env bash
# Runs qc's libFuzzer targets (docs/Testing.md) for a given time each.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default: 60, all)
#
# TARGET is parse, pass, pipeline, npy or bundle. QC_FUZZ_RUNS=N instead
# runs each target on N mutated inputs after its corpus (scripts/check.sh: a
# fixed amount of work, with SECONDS as the cap). Builds the fuzz build
# (QC_FUZZ=ON: libFuzzer + ASan + UBSan, in ${QC_FUZZ_BUILD_DIR:-build-fuzz})
# idempotently, writes the seed corpora from the lit tests, then runs each
# target on its persistent corpus (BUILD/fuzz-corpus/TARGET, grown across
# runs), the seeds and fuzz/regressions/TARGET. Prints executions and crashes
# per target; exits 1 if any target crashed, timed out or ran out of memory
# (the inputs are in BUILD/fuzz-crashes/TARGET: fix the bug, then add the
# input to fuzz/regressions/TARGET so that the suite replays it).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QC_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-60}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(parse pass pipeline npy bundle)

runtime_dir=$(clang++-22 -print-runtime-dir)
if [[ ! -f "$runtime_dir/libclang_rt.fuzzer-x86_64.a" ]]; then
  echo "fuzz: libFuzzer is missing (run scripts/setup.sh: libclang-rt-22-dev)" >&2
  exit 1
fi
if [[ ! -f "$build/build.ninja" ]]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache
                                            -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CC=clang-22 CXX=clang++-22 cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DQC_FUZZ=ON \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DQC_PYTHON=/usr/bin/python3 "${launcher[@]}" >/dev/null || exit 1
fi
fuzzers=()
for t in "${targets[@]}"; do fuzzers+=("qc-$t-fuzzer"); done
nice ninja -C "$build" -j"${QC_FUZZ_JOBS:-2}" "${fuzzers[@]}" qc-vulkan-bundle >/dev/null || {
  echo "fuzz: building $build failed" >&2; exit 1; }

seeds="$build/fuzz-seeds"
rm -rf "$seeds"
# ASan's leak check is for the fuzzers, not for the corpus writer's tools.
ASAN_OPTIONS=detect_leaks=0 /usr/bin/python3 "$root/fuzz/make_corpus.py" --src "$root" \
  --bin "$build/bin" --out "$seeds" >/dev/null || exit 1

status=0
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t" crashes="$build/fuzz-crashes/$t"
  mkdir -p "$corpus" "$crashes"
  before=$(ls "$crashes" | wc -l)
  timeout=10 dict=()
  case $t in
    pipeline) timeout=30 ;;
  esac
  case $t in
    parse|pass|pipeline) dict=(-dict="$root/fuzz/mlir.dict") ;;
  esac
  inputs=("$corpus" "$seeds/$t" "$root/fuzz/regressions/$t")
  if [[ -n "${QC_FUZZ_RUNS:-}" ]]; then
    # A fixed amount of work: -runs counts the inputs' first runs too (and
    # one empty input), and -fork would only check it between its jobs, so
    # one process, which stops at the first crash.
    n=$(find "${inputs[@]}" -type f | wc -l)
    mode=(-runs=$((n + 1 + QC_FUZZ_RUNS)))
  else
    # -fork keeps going after a crash (each crash is saved and counted);
    # -ignore_crashes etc. make the run last the whole time.
    mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  log="$build/fuzz-$t.log"
  start=$(date +%s)
  nice "$build/bin/qc-$t-fuzzer" "${inputs[@]}" "${dict[@]}" "${mode[@]}" \
    -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=4096 \
    -max_len=16384 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(sed -nE 's/.*stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  # With -fork the parent's stat line says 0; its progress lines count.
  [[ -n "$execs" && "$execs" != 0 ]] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  after=$(ls "$crashes" | wc -l)
  new=$((after - before))
  echo "fuzz $t: ${execs:-0} executions in $(( $(date +%s) - start )) s, corpus $(ls "$corpus" | wc -l), $new new crash(es) in $crashes (log $log)"
  ((new == 0 && rc == 0)) || { status=1; ((rc == 0)) || echo "fuzz $t: exit status $rc (log $log)"; }
done
exit "$status"
