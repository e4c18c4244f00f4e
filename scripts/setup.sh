#!/usr/bin/env bash
# Installs the Debian packages qc needs (only those missing), then configures
# and builds qc in build/. Idempotent: a second run with everything present
# does no apt work and only an incremental ninja build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QC_BUILD_DIR:-$root/build}"

packages=(
  # toolchain and MLIR/LLVM 22 (bookworm-security)
  cmake ninja-build make clang-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # numerics reference and Python tests
  python3 python3-numpy
  # python/qc importers, calibration and the digits examples
  python3-onnx python3-torch python3-sklearn
  # `pip install ./python` (test/python/pip-install.test)
  python3-pip python3-setuptools
  # the model zoo (examples/zoo): torchvision architectures with random weights
  python3-torchvision
  # Vulkan: loader, lavapipe CPU device, validation layers, SPIR-V tools
  libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers vulkan-tools spirv-tools
  # SVD for low-rank rewrites; oneDNN as a benchmark peer
  libeigen3-dev libdnnl-dev
  # gemmlowp headers: the reference qc's default profile is checked against
  libgemmlowp-dev
  # libFuzzer and the ASan/UBSan runtimes (scripts/fuzz.sh, scripts/sanitize.sh)
  libclang-rt-22-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "qc setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "qc setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The index of a fresh image may be empty or lack bookworm-security (LLVM 22).
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime (npm onnxruntime-node), the peer of the zoo agreement tests.
"$root/tools/ort/setup.sh"

if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang-22 CXX=clang++-22 cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DQC_PYTHON=/usr/bin/python3
fi
ninja -C "$build"
