#!/usr/bin/env bash
# qc's main job: install what is missing, build, then compile the bundled
# digits models (ONNX QDQ from PyTorch QAT) through the whole pipeline and run
# them as integer code on the CPU and on Vulkan (lavapipe, or a real GPU);
# then the model zoo table (model x form: imports, integer-only, CPU = Vulkan,
# CPU = the numpy evaluation of the folded IR,
# agreement with ONNX Runtime).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
build="${QC_BUILD_DIR:-$root/build}"
/usr/bin/python3 "$root/examples/demo.py" --build "$build" "$@"
# The model zoo: real architectures in three ONNX forms, on CPU and Vulkan,
# against ONNX Runtime (examples/zoo/README.md).
exec /usr/bin/python3 "$root/examples/zoo/run_zoo.py" --build "$build"
