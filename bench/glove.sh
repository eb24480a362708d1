#!/usr/bin/env bash
# GloVe pipeline benchmark on ../shared/corpora/enwiki (issue #3): vocabulary (min-count 5),
# co-occurrences (window 10), shuffle and training (dim 100, 15 epochs, 2 threads), with the
# wall time and peak memory of each stage, analogy and WS-353 scores (`wordmill eval`), the
# np = 2 speed-up of the co-occurrence and training stages (1 thread per rank), and the quality
# at np = 2 and 4. Prints a Markdown section for bench/RESULTS.md.
#
#   bench/glove.sh [OUT_DIR]      (default out/bench-glove; WORDMILL_BIN overrides build/wordmill)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${WORDMILL_BIN:-$ROOT/build/wordmill}
CORPUS=${WORDMILL_CORPUS:-$ROOT/../shared/corpora/enwiki}
EVAL=$ROOT/../shared/eval
OUT=${1:-$ROOT/out/bench-glove}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Ranks waiting in a collective yield the core instead of spinning (2 cores, shared machine).
export OMPI_MCA_mpi_yield_when_idle=1
[ -x "$BIN" ] || { echo "no binary at $BIN (scripts/build.sh)" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"

# run NAME NP CMD...: runs the command (under mpirun when NP > 1), keeps its output in
# $OUT/NAME.log and its wall seconds, peak RSS (MB, largest process) and CPU seconds (user +
# system, all processes) in $OUT/NAME.time.
run() {
  local name=$1 np=$2
  shift 2
  local launcher=()
  # Scaling runs (names with _np) start np = 1 under mpirun too, so both sides of a speed-up
  # pay the same launcher start-up.
  if [ "$np" -gt 1 ] || [[ "$name" == *_np* ]]; then launcher=(mpirun --oversubscribe -np "$np"); fi
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/$name.time" "${launcher[@]}" "$BIN" "$@" \
    --progress-seconds 0 > "$OUT/$name.log" 2>&1 || { cat "$OUT/$name.log" >&2; exit 1; }
}
wall() { awk '{printf "%.1f", $1}' "$OUT/$1.time"; }
peak() { awk '{printf "%.0f", $2 / 1024}' "$OUT/$1.time"; }
cpu() { awk '{printf "%.1f", $3 + $4}' "$OUT/$1.time"; }
# A "label value" figure from a log, e.g. field glove1 "shuffle" -> seconds after "shuffle ".
after() { grep -o "$2 [0-9.]*" "$OUT/$1.log" | head -1 | awk '{print $NF}'; }
epoch_mean() { grep -o 'in [0-9.]* s (sync' "$OUT/$1.log" | awk '{s += $2; n++} END {printf "%.2f", s / n}'; }
scores() {  # analogy total 3CosAdd, semantic, syntactic, coverage, WS-353 rho
  "$BIN" eval --vectors "$OUT/$1/vectors.bin" --analogy "$EVAL/analogy/questions-words.txt" \
    --similarity "$EVAL/similarity/EN-WS-353-ALL.txt" > "$OUT/$1.eval" 2>&1
  local total sem syn cov ws
  total=$(awk '$1 == "total" {print $2}' "$OUT/$1.eval")
  sem=$(awk '$1 == "semantic" {print $2}' "$OUT/$1.eval")
  syn=$(awk '$1 == "syntactic" {print $2}' "$OUT/$1.eval")
  cov=$(grep -o 'coverage [0-9.]*%' "$OUT/$1.eval" | awk '{print $2}')
  ws=$(awk '$1 == "EN-WS-353-ALL.txt" {print $2}' "$OUT/$1.eval")
  echo "$total | $sem | $syn | $cov | $ws"
}

G="--dim 100 --epochs 15 --x-max 10 --alpha 0.75 --eta 0.05 --seed 1"
# The main run: one rank, 2 threads.
run vocab 1 vocab --min-count 5 --threads 2 --output-dir "$OUT/vocab" "$CORPUS"
V=$OUT/vocab/vocab.tsv
run cooccur 1 cooccur --vocab "$V" --window 10 --threads 2 --output-dir "$OUT/c1" "$CORPUS"
run glove 1 glove $G --threads 2 --cooccur-dir "$OUT/c1" --vocab "$V" --output-dir "$OUT/g1"
# Scaling on 2 cores: 1 thread per rank, np = 1 and 2 (training: 3 epochs, seconds per epoch).
# Co-occurrence: RUNS (default 3) alternating pairs; the medians are reported.
RUNS=${RUNS:-3}
for i in $(seq 1 "$RUNS"); do
  rm -rf "$OUT/s1" "$OUT/c2"
  run cooccur_np1_$i 1 cooccur --vocab "$V" --window 10 --threads 1 --output-dir "$OUT/s1" "$CORPUS"
  run cooccur_np2_$i 2 cooccur --vocab "$V" --window 10 --threads 1 --output-dir "$OUT/c2" "$CORPUS"
done
# median NAME_PREFIX FIELD: median over the runs of wall seconds ("wall") or of the in-program
# seconds of the "... in S s on" summary line ("program").
median() {
  for i in $(seq 1 "$RUNS"); do
    if [ "$2" = wall ]; then wall "$1_$i"; echo; else
      grep -o ' in [0-9.]* s on' "$OUT/$1_$i.log" | awk '{print $2}'; fi
  done | sort -g | awk '{v[NR] = $1} END {printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
list() { for i in $(seq 1 "$RUNS"); do printf "%s " "$(grep -o ' in [0-9.]* s on' "$OUT/$1_$i.log" | awk '{print $2}')/$(wall "$1_$i")"; done; }
run glove_np1_3 1 glove ${G/--epochs 15/--epochs 3} --threads 1 --cooccur-dir "$OUT/s1" \
  --vocab "$V" --output-dir "$OUT/t1"
run glove_np2_3 2 glove ${G/--epochs 15/--epochs 3} --threads 1 --cooccur-dir "$OUT/c2" \
  --vocab "$V" --output-dir "$OUT/t2"
# Quality across ranks: the full 15 epochs at np = 2 and 4 (1 thread per rank).
run glove_np2 2 glove $G --threads 1 --cooccur-dir "$OUT/c2" --vocab "$V" --output-dir "$OUT/g2"
run cooccur_np4 4 cooccur --vocab "$V" --window 10 --threads 1 --output-dir "$OUT/c4" "$CORPUS"
run glove_np4 4 glove $G --threads 1 --cooccur-dir "$OUT/c4" --vocab "$V" --output-dir "$OUT/g4"

shuffle=$(after glove shuffle)
training=$(after glove training)
total=$(awk -v a="$(wall vocab)" -v b="$(wall cooccur)" -v c="$(wall glove)" \
  'BEGIN {printf "%.1f", a + b + c}')
cat <<MD
## GloVe pipeline on enwiki ($(date -u +%Y-%m-%d), bench/glove.sh)

Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo).
Settings: min-count 5, window 10, dim 100, 15 epochs, x_max 10, alpha 0.75, eta 0.05; one rank
with 2 threads. GloVe C figures are the issue's reference (same machine kind, same settings).

| stage | wordmill wall (s) | CPU (s) | peak RSS (MB) | GloVe C wall (s) | GloVe C peak |
| --- | ---: | ---: | ---: | ---: | ---: |
| vocabulary | $(wall vocab) | $(cpu vocab) | $(peak vocab) | 0.5 | |
| co-occurrence (memory 1024 MB) | $(wall cooccur) | $(cpu cooccur) | $(peak cooccur) | 8.9 | 1.16 GB |
| shuffle | $shuffle | (in glove) | (in glove) | 8.8 | |
| training (15 epochs, incl. checkpoints) | $training | $(cpu glove) | $(peak glove) | 247 | 0.21 GB |
| **total** | **$total** | | | **265** | |

Load average when the run ended: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share the 2 cores).

Per-epoch cost: $(grep -o 'cost [0-9.]* in' "$OUT/glove.log" | awk '{printf "%s ", $2}')

| vectors | analogy 3CosAdd | semantic | syntactic | coverage | WS-353 rho |
| --- | ---: | ---: | ---: | ---: | ---: |
| GloVe C (reference) | 28.4% | 47.1% | 14.0% | 62.6% | 0.349 |
| wordmill np=1 x 2 threads | $(scores g1) |
| wordmill np=2 x 1 thread | $(scores g2) |
| wordmill np=4 x 1 thread | $(scores g4) |

Scaling, 1 thread per rank, both under mpirun, $RUNS alternating pairs (in-program / wall s per run):
co-occurrence np=1 $(list cooccur_np1), np=2 $(list cooccur_np2);
medians in-program np=1 $(median cooccur_np1 program) s, np=2 $(median cooccur_np2 program) s
(speed-up $(awk -v a="$(median cooccur_np1 program)" -v b="$(median cooccur_np2 program)" 'BEGIN {printf "%.2f", a / b}')x),
wall np=1 $(median cooccur_np1 wall) s, np=2 $(median cooccur_np2 wall) s
(speed-up $(awk -v a="$(median cooccur_np1 wall)" -v b="$(median cooccur_np2 wall)" 'BEGIN {printf "%.2f", a / b}')x);
training seconds per epoch np=1 $(epoch_mean glove_np1_3), np=2 $(epoch_mean glove_np2_3)
(speed-up $(awk -v a="$(epoch_mean glove_np1_3)" -v b="$(epoch_mean glove_np2_3)" 'BEGIN {printf "%.2f", a / b}')x).
Final cost after 15 epochs: np=1 $(after glove "final cost"), np=2 $(after glove_np2 "final cost"),
np=4 $(after glove_np4 "final cost").
MD
