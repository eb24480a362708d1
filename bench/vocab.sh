#!/usr/bin/env bash
# Vocabulary benchmark: throughput of `wordmill vocab` (tokenize + count) on ../shared/corpora/enwiki
# for np = 1 and np = 2 (one thread per rank), against gensim's vocabulary scan
# (Word2Vec().build_vocab(corpus_file=...)) run in the same invocation on the same text,
# decompressed and tokenized beforehand by `wordmill tokenize` so gensim only splits on spaces.
#
#   bench/vocab.sh
#   RUNS=5 bench/vocab.sh     best of 5 instead of 3
#   IDLE_WAIT=0 bench/vocab.sh  do not wait for an idle machine before each run (default: up to
#                               300 s in all)
#
# Prints a markdown table and the issue's targets with PASS/FAIL. Figures go to bench/RESULTS.md.
set -euo pipefail

cd "$(dirname "$0")/.."

CORPUS=../shared/corpora/enwiki
RUNS=${RUNS:-3}
PYTHON=/usr/bin/python3 # Debian's python with python3-gensim, not the first python3 on PATH
WORDMILL=${WORDMILL:-build/wordmill}

if [[ ! -d "$CORPUS" ]]; then
  echo "bench/vocab.sh: corpus $(pwd)/$CORPUS not found (expected ../shared/corpora/enwiki next to the repo)" >&2
  exit 1
fi
if ! "$PYTHON" -c "import gensim" 2>/dev/null; then
  echo "bench/vocab.sh: $PYTHON cannot import gensim; run scripts/setup.sh (installs python3-gensim)" >&2
  exit 1
fi
if [[ ! -x "$WORDMILL" ]]; then
  scripts/build.sh --target wordmill
fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wordmill-bench-vocab.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
# min A B (floating point; an empty A means "none yet")
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
# field NAME FILE: the value of a scalar field of a protobuf text file
field() { awk -v name="$1" '$1 == name ":" { print $2; exit }' "$2"; }

# --- Preparation (not timed): gensim's input, exactly wordmill's tokens, one paragraph a line.
TOKENS="$WORK/enwiki.tokens.txt"
echo "preparing $TOKENS (wordmill tokenize, not timed)" >&2
"$WORDMILL" tokenize --output "$TOKENS" "$CORPUS" >&2
TOKENS_BYTES=$(stat -c %s "$TOKENS")

GENSIM_VERSION=$("$PYTHON" -c "import gensim; print(gensim.__version__)")
# Prints: build_vocab seconds, total words, distinct words (raw vocab), vocabulary size (min_count 5).
GENSIM_SCRIPT='
import sys, time
from gensim.models import Word2Vec
m = Word2Vec(min_count=5, workers=1)
t = time.perf_counter()
m.build_vocab(corpus_file=sys.argv[1], keep_raw_vocab=True)
seconds = time.perf_counter() - t
print(seconds, m.corpus_total_words, len(m.raw_vocab), len(m.wv))
'

# CPU time (clock ticks) used by the whole machine, and by this script and its children: their
# difference over the timed runs is what other processes took, which makes the figures noisy.
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
own_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$$/stat"; }

# Before each timed run, waits (at most IDLE_WAIT seconds in all) until the machine has been
# idle for a second, so that runs of other jobs on a shared machine do not land in the figures.
IDLE_WAIT=${IDLE_WAIT:-300}
idle_deadline=$((SECONDS + IDLE_WAIT))
wait_idle() {
  local before after hz told=0
  hz=$(getconf CLK_TCK)
  while ((SECONDS < idle_deadline)); do
    before=$(machine_ticks)
    sleep 1
    after=$(machine_ticks)
    if ((after - before < hz / 10)); then
      warm_up
      return 0
    fi
    ((told++)) || echo "  (machine busy, waiting for it to be idle)" >&2
  done
}
# Every core busy for 0.3 s right before a timed run. After the idle second above, this VM's
# cores wake slowly: a two-rank run of 0.2 s measured 0.22-0.24 s when started cold against
# 0.20-0.22 s started warm (one-rank runs change less), which is the machine's wake-up, not the
# work. Every tool gets the same warm-up.
warm_up() {
  local cores pids=() i
  cores=$(nproc)
  for ((i = 0; i < cores; ++i)); do
    timeout 0.3 sh -c 'while :; do :; done' &
    pids+=($!)
  done
  wait "${pids[@]}" 2>/dev/null || true
}

# measure_begin / measure_end around each timed run: `wall` is the run's wall time; other_ticks
# accumulates the CPU time that processes other than ours took meanwhile.
other_ticks=0
timed_seconds=0
measure_begin() {
  machine_before=$(machine_ticks)
  own_before=$(own_ticks)
  start=$(now)
}
measure_end() {
  wall=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
  other_ticks=$((other_ticks + ($(machine_ticks) - machine_before) - ($(own_ticks) - own_before)))
  timed_seconds=$(awk -v t="$timed_seconds" -v w="$wall" 'BEGIN { print t + w }')
}

# --- Timed runs, interleaved round by round so that drift affects every tool alike.
declare -A best_seconds best_wall tokens bytes distinct vocab_words

# record KEY SECONDS TOKENS BYTES DISTINCT VOCAB_WORDS (after measure_end)
record() {
  local key=$1
  echo "  $key: $2 s in program, $wall s wall" >&2
  best_seconds[$key]=$(min "${best_seconds[$key]:-}" "$2")
  best_wall[$key]=$(min "${best_wall[$key]:-}" "$wall")
  tokens[$key]=$3
  bytes[$key]=$4
  distinct[$key]=$5
  vocab_words[$key]=$6
}

run_gensim() {
  local out seconds words raw_vocab vocab
  wait_idle
  measure_begin
  out=$("$PYTHON" -c "$GENSIM_SCRIPT" "$TOKENS")
  measure_end
  read -r seconds words raw_vocab vocab <<<"$out"
  record gensim "$seconds" "$words" "$TOKENS_BYTES" "$raw_vocab" "$vocab"
}

# run_wordmill KEY NP INPUT
run_wordmill() {
  local key=$1 np=$2 input=$3 out="$WORK/out-$1" stats
  rm -rf "$out"
  wait_idle
  measure_begin
  mpirun --oversubscribe --bind-to none -np "$np" "$WORDMILL" vocab --threads 1 \
    --progress-seconds 0 --output-dir "$out" "$input" >/dev/null
  measure_end
  stats="$out/stats.textproto"
  record "$key" "$(field seconds "$stats")" "$(field tokens "$stats")" \
    "$(field uncompressed_bytes "$stats")" "$(field distinct_words "$stats")" \
    "$(field vocabulary_words "$stats")"
}

for ((round = 1; round <= RUNS; ++round)); do
  echo "round $round/$RUNS: gensim, wordmill np=1, np=2, np=1 on the tokenized file" >&2
  run_gensim
  run_wordmill np1 1 "$CORPUS"
  run_wordmill np2 2 "$CORPUS"
  run_wordmill plain1 1 "$TOKENS"
done
other_cpu_seconds=$(awk -v t="$other_ticks" -v hz="$(getconf CLK_TCK)" \
  'BEGIN { x = t / hz; print (x < 0 ? 0 : x) }')

# --- Report.
row() { # row KEY TOOL LAYOUT INPUT
  local key=$1
  awk -v tool="$2" -v layout="$3" -v input="$4" -v s="${best_seconds[$key]}" \
    -v wall="${best_wall[$key]}" -v bytes="${bytes[$key]}" -v tok="${tokens[$key]}" \
    -v distinct="${distinct[$key]}" -v vocab="${vocab_words[$key]}" -v g="${best_seconds[gensim]}" \
    'BEGIN { printf "| %s | %s | %s | %.1f | %d | %d / %d | %.3f | %.2f | %.1f | %.2f | %.2fx |\n",
             tool, layout, input, bytes / 1e6, tok, distinct, vocab, s, wall,
             bytes / 1e6 / s, tok / 1e6 / s, g / s }'
}

ENWIKI_DESC="enwiki, $(find "$CORPUS" -type f | wc -l) zstd files"
echo
echo "| tool | ranks x threads | input | MB (uncompressed) | tokens | distinct / vocab (min 5) | seconds (in-program) | wall seconds | MB/s | M tokens/s | ratio vs gensim |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
row gensim "gensim $GENSIM_VERSION build_vocab" "1 x 1" "tokenized plain file"
row plain1 wordmill "1 x 1" "tokenized plain file"
row np1 wordmill "1 x 1" "$ENWIKI_DESC"
row np2 wordmill "2 x 1" "$ENWIKI_DESC"
echo
echo "Best of $RUNS runs each (seconds and wall seconds minimised separately). In-program seconds:"
echo "gensim's build_vocab call measured inside python; wordmill's \`seconds\` from stats.textproto."
echo "Wall seconds: the whole process (python start-up and gensim import; mpirun start-up)."
echo "MB/s over the uncompressed bytes each tool reads; ratio vs gensim = gensim seconds / seconds."
awk -v o="$other_cpu_seconds" -v t="$timed_seconds" 'BEGIN {
  printf "Other processes used %.1f CPU-seconds during the %.0f s of timed runs%s\n", o, t,
         (o > 0.05 * t) ? " -- the machine was busy, the figures are not reliable; rerun when idle." : "." }'
echo

target() { # target NAME VALUE THRESHOLD
  awk -v name="$1" -v v="$2" -v t="$3" \
    'BEGIN { printf "target: %s >= %.1fx: %.2fx %s\n", name, t, v, (v >= t) ? "PASS" : "FAIL" }'
}
ratio=$(awk -v g="${best_seconds[gensim]}" -v s="${best_seconds[np1]}" 'BEGIN { print g / s }')
ratio_plain=$(awk -v g="${best_seconds[gensim]}" -v s="${best_seconds[plain1]}" 'BEGIN { print g / s }')
speedup=$(awk -v a="${best_seconds[np1]}" -v b="${best_seconds[np2]}" 'BEGIN { print a / b }')
target "wordmill np=1 on enwiki vs gensim scan (one core)" "$ratio" 5
echo "  (same plain tokenized input: $(awk -v r="$ratio_plain" 'BEGIN { printf "%.2fx", r }'))"
target "wordmill np=2 / np=1 speedup" "$speedup" 1.8
if [[ "${tokens[gensim]}" != "${tokens[np1]}" ]]; then
  echo "note: token counts differ: gensim ${tokens[gensim]}, wordmill ${tokens[np1]}"
fi
