#!/usr/bin/env bash
# Configures (once) and builds wordmill in build/ (Release, -O3 -march=x86-64-v3).
# Extra arguments go to `cmake --build` (e.g. `--target wordmill`).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${WORDMILL_BUILD_DIR:-build}
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$BUILD_DIR" -j "$(nproc)" "$@"
