#!/usr/bin/env bash
# The install as a downstream user sees it: `cmake --install` into a fresh prefix, the expected
# files there, then a tiny CMake project (packaging/downstream) configured with
# find_package(wordmill CONFIG) against that prefix, built, and run on a .wmv and a .npy that
# the installed wordmill wrote; the same program built with pkg-config only; the installed
# launch script finds the installed binary. ctest runs it (tests/CMakeLists.txt).
#   packaging/install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
if grep -q '^WORDMILL_SANITIZE:STRING=.\+' "$build/CMakeCache.txt"; then
  echo "install_test: SKIPPED: a sanitizer build (its library needs the sanitizer runtime preloaded); the normal build runs this test"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/wordmill_install_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "install_test: FAILED: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
libdir=$(cd "$prefix" && ls -d lib*/libwordmill_vectors.so | xargs dirname)
for f in bin/wordmill "$libdir/libwordmill_vectors.so" include/wordmill/formats/vectors.h \
    include/wordmill/formats/embedding_file.h "$libdir/cmake/wordmill/wordmillConfig.cmake" \
    "$libdir/cmake/wordmill/wordmillConfigVersion.cmake" "$libdir/cmake/wordmill/wordmillTargets.cmake" \
    "$libdir/pkgconfig/wordmill-vectors.pc" share/wordmill/cluster/mpirun.sh \
    share/wordmill/cluster/slurm/wordmill.sbatch share/wordmill/scripts/wmv.py \
    share/wordmill/wordmill.proto share/wordmill/examples/brown.textproto \
    share/doc/wordmill/README.md; do
  [[ -e "$prefix/$f" ]] || fail "$f is not installed"
done
# The public headers pull in neither MPI nor protobuf.
if grep -rlE '#include [<"](mpi|google/protobuf|formats/wordmill\.pb)' "$prefix/include/wordmill"; then
  fail "a public header includes MPI or protobuf"
fi

# Vectors written by the installed binary.
printf 'king 1 1 0.5\nqueen 1 -1 0.5\nman 0.25 1 -0.5\n' >"$work/in.txt"
"$prefix/bin/wordmill" export --input "$work/in.txt" --output-dir "$work/vec" --formats wmv \
  --formats numpy >"$work/export.log" || { cat "$work/export.log"; fail "installed wordmill export"; }

expect() {  # expect PROGRAM: its output on the .wmv and the .npy
  local program=$1
  for file in vectors.wmv vectors.npy; do
    local format=${file#vectors.}
    local got
    got=$("$program" "$work/vec/$file" queen nope) || fail "$program $file"
    local want="$format: 3 x 3
queen: 1 -1 0.5
nope: missing"
    [[ "$got" == "$want" ]] || fail "$program $file printed:
$got
expected:
$want"
  done
}

# A CMake project: find_package(wordmill CONFIG) -> wordmill::vectors.
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S "$source/packaging/downstream" -B "$work/downstream" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; fail "configuring the downstream project"; }
cmake --build "$work/downstream" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "building it"; }
expect "$work/downstream/read_vectors"

# pkg-config only.
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
[[ "$(pkg-config --modversion wordmill-vectors)" == "$("$prefix/bin/wordmill" --version | sed -n '1s/^wordmill \([^ ]*\).*/\1/p')" ]] \
  || fail "pkg-config version differs from wordmill --version"
# shellcheck disable=SC2046
c++ -std=c++17 -O1 "$source/packaging/downstream/read_vectors.cc" -o "$work/pc_read_vectors" \
  $(pkg-config --cflags --libs wordmill-vectors) || fail "building with pkg-config"
LD_LIBRARY_PATH="$prefix/$libdir" expect "$work/pc_read_vectors"

# The installed launch script runs the installed binary.
printf 'localhost slots=1\n' >"$work/hostfile"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PATH=/usr/bin:/bin \
  "$prefix/share/wordmill/cluster/mpirun.sh" -f "$work/hostfile" -n 1 neighbors \
  --vectors "$work/vec/vectors.wmv" --k 1 king >"$work/mpirun.log" 2>&1 \
  || { cat "$work/mpirun.log"; fail "installed cluster/mpirun.sh"; }
grep -qF "$prefix/share/wordmill/../../bin/wordmill" "$work/mpirun.log" \
  || { cat "$work/mpirun.log"; fail "mpirun.sh did not run the installed binary"; }
echo "install_test: OK (prefix layout, find_package and pkg-config consumers read .wmv and .npy)"
