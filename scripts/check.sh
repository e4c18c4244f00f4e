#!/usr/bin/env bash
# Runs the whole qc test suite (lit: dialect, passes, pipelines, CPU and Vulkan
# execution, Python and C API tests), then the model zoo (examples/zoo: every
# model and form imported, compiled and run on CPU and Vulkan, compared with
# ONNX Runtime), then the lit suite on an ASan + UBSan build and a short run of
# every fuzz target (docs/Testing.md), and ends with one "N passed, N failed"
# line. QC_CHECK_SANITIZE=0 skips the sanitized suite and the fuzzing.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QC_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ninja -C "$build" check-qc 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [[ "${QC_CHECK_SANITIZE:-1}" != 0 ]]; then
  # One instrumented build serves both: QC_FUZZ=ON compiles qc with
  # ASan + UBSan (and libFuzzer's coverage), so the sanitized suite needs no
  # second build. sanitize.sh prints lit's summary into the same log.
  # CI's budget (docs/Testing.md, "Cost in CI") allows the sanitized suite on
  # the tests that run qc's C++ directly (dialect, passes, pipelines, tools,
  # C API, Vulkan runtime errors, fuzz regressions), not the Python and
  # execution suites; scripts/sanitize.sh with no filter runs them all.
  # Of those, six cheap ones that reach qc's C++ where the rest does not:
  # the random programs through qc.compile (CPU JIT, Vulkan runtime), the C
  # API from threads and printing ops, and the linker paths (a shared
  # library from qc.compile, qc-compile's split object); about 80 s of CPU
  # under ASan + UBSan (docs/Testing.md, "Cost in CI").
  fuzz_build="${QC_FUZZ_BUILD_DIR:-$root/build-fuzz}"
  subset='^QC :: (Dialect|Conversion|Codegen|GPU|Pipelines|Target|Numerics|CAPI|Fuzz|Tools)/|^QC :: Integration/Vulkan/(runtime-errors|bundle-roundtrip)\.mlir$'
  subset+='|^QC :: Integration/(CPU|Vulkan)/random-programs\.test$'
  subset+='|^QC :: python/(compile-threads|nonlinear-models|packed-int4)\.py$'
  subset+='|^QC :: Integration/CPU/single-lane-tail-store\.py$'
  echo "check: sanitized suite on the subset ${QC_CHECK_SANITIZE_FILTER:-$subset}"
  QC_FUZZ=ON QC_SANITIZE_BUILD_DIR="$fuzz_build" "$root/scripts/sanitize.sh" \
    --filter "${QC_CHECK_SANITIZE_FILTER:-$subset}" 2>&1 | tee -a "$log"
  ((PIPESTATUS[0] == 0)) || status=1
  # A fixed number of executions per target (capped at 60 s each): a
  # regression check of the fuzzers and their corpora rather than a search
  # (scripts/fuzz.sh SECONDS for that).
  QC_FUZZ_RUNS="${QC_CHECK_FUZZ_RUNS:-500}" QC_FUZZ_BUILD_DIR="$fuzz_build" \
    "$root/scripts/fuzz.sh" "${QC_CHECK_FUZZ_SECONDS:-60}" || status=1
fi
# lit's summary: "  Passed: 12 (...)" or, with several categories, "  Passed     : 12 (...)".
count() { sed -nE "s/^ *$1 *: +([0-9]+).*/\1/p" "$log" | awk '{ s += $1 } END { print s + 0 }'; }
passed=$(( $(count Passed) + $(count "Expectedly Failed") + 0 ))
failed=$(( $(count Failed) + $(count Unresolved) + $(count "Timed Out") + $(count "Unexpectedly Passed") + 0 ))
if (( status != 0 && failed == 0 )); then failed=1; fi
# The zoo: one check per model and form (no step failing, CPU = Vulkan and
# CPU = the numpy evaluation bit for bit: "ok" in its JSON lines);
# --suite: one form per model, two inputs (the full table is scripts/demo.sh);
# QC_ZOO_MODELS="vgg16 bert_layer" restricts it.
zoo_log=$(mktemp)
/usr/bin/python3 "$root/examples/zoo/run_zoo.py" --build "$build" --suite --json "$zoo_log.json" | tee "$zoo_log"
zoo_status=${PIPESTATUS[0]}
zoo_rows=$(grep -c '^{' "$zoo_log" || true)
zoo_bad=$(grep '^{' "$zoo_log" | grep -c '"ok": false' || true)
if (( zoo_bad > 0 )); then
  echo "check: zoo rows that failed:"
  grep '^{' "$zoo_log" | grep '"ok": false'
fi
if (( zoo_status != 0 && zoo_bad == 0 )); then echo "check: the zoo run failed (exit $zoo_status)"; fi
passed=$(( passed + zoo_rows - zoo_bad ))
failed=$(( failed + zoo_bad ))
if (( zoo_status != 0 )); then status=$zoo_status; (( zoo_bad == 0 )) && failed=$(( failed + 1 )); fi
rm -f "$zoo_log" "$zoo_log.json"
echo "check: $passed passed, $failed failed"
exit "$status"
