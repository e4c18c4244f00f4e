#!/usr/bin/env bash
# The long run of differential testing (docs/Testing.md): random valid qc
# programs compiled for the CPU and Vulkan and compared bit for bit with
# python/qc/reference.py (the suite runs a bounded, seeded part of it).
#
#   scripts/differential.sh [SECONDS_PER_TARGET] [FIRST_SEED]   (default: 600, 1000000)
#
# Uses the build in ${QC_BUILD_DIR:-build} (scripts/setup.sh builds it).
# Failing programs stay in BUILD/differential/TARGET with their inputs,
# expected outputs and a qc-run command that reproduces them. Exits 1 on any
# mismatch that is not a known bug (run_random_programs.py, KNOWN).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QC_BUILD_DIR:-$root/build}"
seconds="${1:-600}"
seed="${2:-1000000}"
[[ -f "$build/lib/libQCCAPI.so" ]] || { echo "differential: build $build first (scripts/setup.sh)" >&2; exit 1; }
status=0
for target in cpu vulkan; do
  work="$build/differential/$target"
  rm -rf "$work"
  QC_BUILD_DIR="$build" PYTHONPATH="$root/python" nice /usr/bin/python3 \
    "$root/test/Integration/Inputs/run_random_programs.py" --target "$target" \
    --seed "$seed" --count 100000000 --seconds "$seconds" --work-dir "$work" \
    --keep-going || status=1
done
exit "$status"
