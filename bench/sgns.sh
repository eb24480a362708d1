#!/usr/bin/env bash
# Skip-gram / CBOW benchmark on ../shared/corpora/enwiki against gensim and fastText, same
# settings (dim 100, window 5, negative 5, sample 1e-4, min-count 5, 5 epochs, 2 threads),
# all in one invocation so the machine's load is comparable:
#   wordmill sgns skip-gram (2 threads), wordmill CBOW (alpha 0.05), gensim Word2Vec(sg=1),
#   fasttext skipgram -minn 0 -maxn 0, and wordmill at np = 1 and np = 2 with one thread per rank
#   (np = 2 both with the host's ranks sharing one model, the default, and with a replica per
#   rank, --share-model none).
# Every tool reads the same token stream (`wordmill tokenize`: one paragraph per line); wordmill
# reads it too (its tokenizer leaves those tokens unchanged). Each model is evaluated by
# `wordmill eval` (analogy 3CosAdd with restrict-vocab 30000, WS-353 Spearman).
#
#   bench/sgns.sh                 WORDMILL=path/to/wordmill bench/sgns.sh
#   SWEEP=1 bench/sgns.sh         also np = 2 replicas with --sync-words 100000, 500000, 1000000
#                                 and 0 (per epoch)
#   ONLY=wordmill bench/sgns.sh   skip gensim and fastText
#   KEEP=1 bench/sgns.sh          keep the work directory (token file, logs, vectors)
#
# Prints one markdown row per run, then the issue's targets marked PASS or FAIL; figures go to
# bench/RESULTS.md. The machine's load average is printed before and after: on a shared machine
# other processes change every wall time, so compare only rows of one invocation.
set -euo pipefail

cd "$(dirname "$0")/.."

CORPUS=../shared/corpora/enwiki
EVAL=../shared/eval
PYTHON=/usr/bin/python3 # Debian's python with python3-gensim
WORDMILL=${WORDMILL:-build/wordmill}
COMMON="--dim 100 --window 5 --negative 5 --sample 1e-4 --min-count 5 --epochs 5 --progress-seconds 30"

if [[ ! -d "$CORPUS" ]]; then
  echo "bench/sgns.sh: corpus $(pwd)/$CORPUS not found" >&2
  exit 1
fi
[[ -x "$WORDMILL" ]] || scripts/build.sh --target wordmill
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/wordmill-bench-sgns.XXXXXX")}
mkdir -p "$WORK"
[[ -n "${KEEP:-}" ]] || trap 'rm -rf "$WORK"' EXIT
declare -A WALL ANALOGY PROGRAM
TEXT=$WORK/enwiki.txt
[[ -s "$TEXT" ]] || "$WORDMILL" tokenize --output "$TEXT" "$CORPUS" >/dev/null
WORDS=$(wc -w <"$TEXT")
echo "corpus: $TEXT, $WORDS tokens; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# evaluate VECTORS -> "analogy ws353"
evaluate() {
  "$WORDMILL" eval --vectors "$1" --analogy "$EVAL/analogy/questions-words.txt" \
    --similarity "$EVAL/similarity/EN-WS-353-ALL.txt" --restrict-vocab 30000 |
    awk '$1 == "total" { a = $2 } $1 == "EN-WS-353-ALL.txt" { w = $2 } END { print a, w }'
}

# run NAME CORES VECTORS COMMAND...: wall time and peak memory with /usr/bin/time -v.
echo "| run | wall s | words/s/core (5 epochs) | peak MB | analogy | WS-353 |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
run() {
  local name=$1 cores=$2 vectors=$3
  shift 3
  local log=$WORK/$name.log
  /usr/bin/time -v "$@" >"$log" 2>&1 || { echo "$name failed:" >&2; tail -5 "$log" >&2; return 1; }
  local wall peak
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
           for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log")
  peak=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$log")
  read -r analogy ws < <(evaluate "$vectors")
  WALL[$name]=$wall
  ANALOGY[$name]=${analogy%\%}
  printf "| %s | %.1f | %.0fk | %s | %s | %s |\n" "$name" "$wall" \
    "$(awk -v w="$WORDS" -v t="$wall" -v c="$cores" 'BEGIN { print 5 * w / t / c / 1000 }')" \
    "$peak" "$analogy" "$ws"
}

wm() { # wm NAME RANKS THREADS FLAGS...
  local name=$1 ranks=$2 threads=$3
  shift 3
  local launcher=()
  # The scaling rows (names with -np) start np = 1 under mpirun too: the same launcher on both
  # sides of the speed-up.
  if ((ranks > 1)) || [[ "$name" == *-np* ]]; then
    launcher=(mpirun --oversubscribe --bind-to none -np "$ranks")
  fi
  run "$name" $((ranks * threads)) "$WORK/$name/vectors.bin" "${launcher[@]}" "$WORDMILL" sgns \
    --output-dir "$WORK/$name" --threads "$threads" $COMMON "$@" "$TEXT" || return 1
  # In-program figures (not disturbed by the machine's load as much as wall times): training
  # seconds, and per rank its training CPU and what the replica merges cost and moved.
  grep -E "^wordmill sgns:|^sgns: rank" "$WORK/$name.log" | sed "s/^/    $name: /" >&2 || true
  PROGRAM[$name]=$(grep -o ' in [0-9.]* s on' "$WORK/$name.log" | awk '{print $2}')
}

wm wordmill-skipgram 1 2 || true
wm wordmill-cbow 1 2 --model cbow || true
if [[ "${ONLY:-}" != wordmill ]]; then
  cat >"$WORK/train_gensim.py" <<PY
import logging, sys
from gensim.models import Word2Vec
m = Word2Vec(corpus_file="$TEXT", vector_size=100, window=5, negative=5, sample=1e-4,
             min_count=5, epochs=5, sg=1, workers=2)
m.wv.save_word2vec_format("$WORK/gensim.bin", binary=True)
PY
  run gensim-skipgram 2 "$WORK/gensim.bin" "$PYTHON" "$WORK/train_gensim.py" || true
  run fasttext-skipgram 2 "$WORK/fasttext.vec" fasttext skipgram -input "$TEXT" \
    -output "$WORK/fasttext" -dim 100 -ws 5 -neg 5 -t 1e-4 -minCount 5 -epoch 5 -thread 2 \
    -minn 0 -maxn 0 -verbose 0 || true
fi
wm wordmill-np1-t1 1 1 || true
wm wordmill-np2-t1 2 1 || true
# The same with a replica per rank (merged every --sync-words) instead of one shared model.
wm wordmill-np2-t1-replicas 2 1 --share-model none || true
if [[ -n "${SWEEP:-}" ]]; then
  for sync in 100000 500000 1000000 0; do
    wm "wordmill-np2-t1-sync$sync" 2 1 --share-model none --sync-words "$sync" || true
  done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# target DESCRIPTION AWK-CONDITION (variables a, b): PASS/FAIL, or "n/a" when a run is missing.
target() {
  local what=$1 cond=$2 a=$3 b=$4
  if [[ -z "$a" || -z "$b" ]]; then
    echo "n/a   $what"
  else
    awk -v a="$a" -v b="$b" "BEGIN { exit !($cond) }" && echo "PASS  $what ($a vs $b)" ||
      echo "FAIL  $what ($a vs $b)"
  fi
}
echo
target "skip-gram wall time <= 1/2 of gensim's" "a <= b / 2" \
  "${WALL[wordmill-skipgram]:-}" "${WALL[gensim-skipgram]:-}"
target "skip-gram wall time <= 1/5 of fastText's" "a <= b / 5" \
  "${WALL[wordmill-skipgram]:-}" "${WALL[fasttext-skipgram]:-}"
target "skip-gram analogy >= gensim's - 1 point" "a >= b - 1" \
  "${ANALOGY[wordmill-skipgram]:-}" "${ANALOGY[gensim-skipgram]:-}"
target "np = 2 (1 thread each) >= 1.8x np = 1 (wall np1 vs np2)" "a >= 1.8 * b" \
  "${WALL[wordmill-np1-t1]:-}" "${WALL[wordmill-np2-t1]:-}"
target "np = 2 (1 thread each) >= 1.8x np = 1 (in-program training np1 vs np2)" "a >= 1.8 * b" \
  "${PROGRAM[wordmill-np1-t1]:-}" "${PROGRAM[wordmill-np2-t1]:-}"
target "np = 2 analogy >= np = 1's - 1 point" "a >= b - 1" \
  "${ANALOGY[wordmill-np2-t1]:-}" "${ANALOGY[wordmill-np1-t1]:-}"
[[ -n "${KEEP:-}" ]] && echo "logs and vectors: $WORK" >&2
true
