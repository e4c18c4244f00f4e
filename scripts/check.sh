#!/usr/bin/env bash
# Runs the whole qc test suite (lit: dialect, passes, pipelines, CPU and Vulkan
# execution, Python and C API tests) and ends with one "N passed, N failed" line.
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
echo "check: $passed passed, $failed failed"
exit "$status"
