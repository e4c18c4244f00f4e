#!/usr/bin/env bash
# Installs ONNX Runtime 1.30 (CPU) for node into tools/ort/node_modules, the
# peer qc's zoo agreement tests and benchmarks compare with. Idempotent: does
# nothing when the locked version is already installed. --ignore-scripts: the
# package's install script only fetches GPU extras (and fails offline); the
# CPU library libonnxruntime.so.1 is in the npm tarball itself.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="$here/node_modules/.qc-installed"
if [[ -f "$stamp" && "$stamp" -nt "$here/package-lock.json" ]]; then
  exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "qc setup: installing nodejs and npm (for ONNX Runtime)"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends nodejs npm
fi
echo "qc setup: npm ci onnxruntime-node (tools/ort)"
(cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
node -e "require('$here/node_modules/onnxruntime-node')" # the native binding loads
touch "$stamp"
