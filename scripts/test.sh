#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (GoogleTest and MPI integration tests
# through ctest). Tests that need ../shared skip with a message naming the missing path.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# MPI refuses to run as root unless told; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
BUILD_DIR=${WORDMILL_BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 "$@"
