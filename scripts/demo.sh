#!/usr/bin/env bash
# qc's main job: install what is missing, build, then compile the bundled
# digits models (ONNX QDQ from PyTorch QAT) through the whole pipeline and run
# them as integer code on the CPU and on Vulkan (lavapipe, or a real GPU).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
build="${QC_BUILD_DIR:-$root/build}"
exec /usr/bin/python3 "$root/examples/demo.py" --build "$build" "$@"
