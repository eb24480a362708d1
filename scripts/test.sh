#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (GoogleTest and MPI integration tests
# through ctest). Tests that need ../shared skip with a message naming the missing path.
#   scripts/test.sh [CTEST ARGS...]
#   scripts/test.sh --sanitize address,undefined [CTEST ARGS...]
#       builds into build-sanitize/ with -fsanitize=LIST (gcc) and runs the whole suite under
#       the sanitizers; reports inside Open MPI's own libraries are suppressed
#       (tests/sanitizers/lsan.supp, each entry justified there).
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=""
if [[ "${1:-}" == --sanitize ]]; then
  sanitize=${2:?--sanitize takes a list, e.g. address,undefined}
  shift 2
fi
scripts/setup.sh
if [[ -n "$sanitize" ]]; then
  export WORDMILL_BUILD_DIR=${WORDMILL_BUILD_DIR:-build-sanitize}
  if [[ ! -f "$WORDMILL_BUILD_DIR/CMakeCache.txt" ]]; then
    generator=()
    command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
    cmake -S . -B "$WORDMILL_BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DWORDMILL_SANITIZE="$sanitize"
  fi
  supp="$PWD/tests/sanitizers"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0:${ASAN_OPTIONS:-}"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
fi
scripts/build.sh
# MPI refuses to run as root unless told; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
BUILD_DIR=${WORDMILL_BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 "$@"
