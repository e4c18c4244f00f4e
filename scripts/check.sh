#!/usr/bin/env bash
# Runs the whole qc test suite (lit: dialect, passes, pipelines, CPU and Vulkan
# execution, Python and C API tests), then the model zoo (examples/zoo: every
# model and form imported, compiled and run on CPU and Vulkan, compared with
# ONNX Runtime), and ends with one "N passed, N failed" line.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QC_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ninja -C "$build" check-qc 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# lit's summary: "  Passed: 12 (...)" or, with several categories, "  Passed     : 12 (...)".
count() { sed -nE "s/^ *$1 *: +([0-9]+).*/\1/p" "$log" | tail -1; }
passed=$(( $(count Passed) + $(count "Expectedly Failed") + 0 ))
failed=$(( $(count Failed) + $(count Unresolved) + $(count "Timed Out") + $(count "Unexpectedly Passed") + 0 ))
if (( status != 0 && failed == 0 )); then failed=1; fi
# The zoo: one check per model and form (CPU = Vulkan bit for bit, no step
# failing); QC_ZOO_MODELS="vgg16 bert_layer" restricts it.
zoo_log=$(mktemp)
/usr/bin/python3 "$root/examples/zoo/run_zoo.py" --build "$build" --json "$zoo_log.json" | tee "$zoo_log"
zoo_status=${PIPESTATUS[0]}
zoo_rows=$(grep -c '^{' "$zoo_log" || true)
zoo_bad=$(grep '^{' "$zoo_log" | grep -v '"expected_failure": true' | grep -c -e '"error"' -e '"cpu_eq_vulkan": false' || true)
if (( zoo_bad > 0 )); then
  echo "check: zoo rows that failed:"
  grep '^{' "$zoo_log" | grep -v '"expected_failure": true' | grep -e '"error"' -e '"cpu_eq_vulkan": false'
fi
if (( zoo_status != 0 && zoo_bad == 0 )); then echo "check: the zoo run failed (exit $zoo_status)"; fi
passed=$(( passed + zoo_rows - zoo_bad ))
failed=$(( failed + zoo_bad ))
if (( zoo_status != 0 )); then status=$zoo_status; (( zoo_bad == 0 )) && failed=$(( failed + 1 )); fi
rm -f "$zoo_log" "$zoo_log.json"
echo "check: $passed passed, $failed failed"
exit "$status"
