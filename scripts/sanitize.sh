#!/usr/bin/env bash
# The whole lit suite on an ASan + UBSan build of qc (docs/Testing.md).
#
#   scripts/sanitize.sh [LIT ARGS...]
#
# Configures ${QC_SANITIZE_BUILD_DIR:-build-san} with
# QC_SANITIZE=address,undefined (idempotent; QC_FUZZ=ON there also builds the
# fuzz targets with libFuzzer: scripts/check.sh shares build-fuzz this way),
# builds it (with the generated docs the suite compares) and runs lit on
# it. Every sanitizer finding fails its test (test/lit.cfg.py);
# suppressions, for third-party code only, are in test/sanitizers/. Ends
# with one "sanitize: N passed, N failed" line.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QC_SANITIZE_BUILD_DIR:-$root/build-san}"
if [[ ! -f "$build/build.ninja" ]]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache
                                            -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CC=clang-22 CXX=clang++-22 cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DQC_SANITIZE=address,undefined \
    -DQC_FUZZ="${QC_FUZZ:-OFF}" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DQC_PYTHON=/usr/bin/python3 "${launcher[@]}" >/dev/null || exit 1
fi
nice ninja -C "$build" -j"${QC_SANITIZE_JOBS:-2}" all mlir-doc || { echo "sanitize: building $build failed" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
/usr/lib/llvm-22/bin/lit -sv "$build/test" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() { sed -nE "s/^ *$1 *: +([0-9]+).*/\1/p" "$log" | tail -1; }
passed=$(( $(count Passed) + $(count "Expectedly Failed") + 0 ))
failed=$(( $(count Failed) + $(count Unresolved) + $(count "Timed Out") + $(count "Unexpectedly Passed") + 0 ))
echo "sanitize: $passed passed, $failed failed"
exit "$status"
