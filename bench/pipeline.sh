#!/usr/bin/env bash
# The whole pipeline (`wordmill run pipeline/examples/enwiki.textproto`: vocabulary, skip-gram,
# co-occurrences, GloVe, evaluation, export, report) on ../shared/corpora/enwiki at np = 1 and
# np = 2 (one thread per rank), stage by stage from each run's report.json (wall, CPU, peak
# memory per rank, throughput), then the resume overhead: the same command again with every
# stage complete, which must take under a second plus the time to verify the outputs' checksums.
# Prints a Markdown section for bench/RESULTS.md.
#
#   bench/pipeline.sh [OUT_DIR]    (default out/bench-pipeline; WORDMILL_BIN overrides build/wordmill)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${WORDMILL_BIN:-$ROOT/build/wordmill}
CORPUS=${WORDMILL_CORPUS:-$ROOT/../shared/corpora/enwiki}
EVAL=${WORDMILL_EVAL:-$ROOT/../shared/eval}
OUT=${1:-$ROOT/out/bench-pipeline}
CONFIG=$ROOT/pipeline/examples/enwiki.textproto
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Ranks waiting in a collective yield the core instead of spinning (2 cores, shared machine).
export OMPI_MCA_mpi_yield_when_idle=1
[ -x "$BIN" ] || (cd "$ROOT" && scripts/build.sh --target wordmill)
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS" >&2; exit 2; }
[ -d "$EVAL" ] || { echo "no evaluation sets at $EVAL" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
SETS=(--set "input.input=$CORPUS" --set "evaluation.analogy=$EVAL/analogy/questions-words.txt"
      --set "evaluation.similarity=$EVAL/similarity/EN-WS-353-ALL.txt"
      --set "evaluation.similarity=$EVAL/similarity/EN-RG-65.txt"
      --set "evaluation.similarity=$EVAL/similarity/EN-MC-30.txt")

# run NAME NP: the pipeline into $OUT/npNP; wall seconds in $OUT/NAME.time, output in NAME.log.
run() {
  /usr/bin/time -f "%e" -o "$OUT/$1.time" mpirun --oversubscribe --bind-to none -np "$2" \
    "$BIN" run "$CONFIG" "${SETS[@]}" --set "output_dir=$OUT/np$2" > "$OUT/$1.log" 2>&1 ||
    { cat "$OUT/$1.log" >&2; exit 1; }
  cp "$OUT/np$2/report.json" "$OUT/$1.json"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run full1 1
run full2 2
run again1 1
run again2 2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda name: json.load(open(f"{out}/{name}.json"))
wall = lambda name: float(open(f"{out}/{name}.time").read().split()[0])
one, two = load("full1"), load("full2")
print("| stage | np=1 wall s | np=2 wall s | speed-up | np=1 CPU s | np=2 CPU s (sum) | np=1 peak MiB | np=2 peak MiB (max rank) | np=1 throughput | np=2 throughput |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for a, b in zip(one["stages"], two["stages"]):
    cpu = lambda s: sum(r["cpu_seconds"] for r in s["ranks"])
    peak = lambda s: max(r["peak_rss_bytes"] for r in s["ranks"]) / 2**20
    rate = lambda s: f'{s["per_second"] / 1e6:.2f} M {s["work_unit"]}/s'
    speed = a["wall_seconds"] / b["wall_seconds"] if b["wall_seconds"] > 0 else 0
    print(f'| {a["stage"]} | {a["wall_seconds"]:.2f} | {b["wall_seconds"]:.2f} | {speed:.2f}x | '
          f'{cpu(a):.1f} | {cpu(b):.1f} | {peak(a):.0f} | {peak(b):.0f} | {rate(a)} | {rate(b)} |')
print(f'| **whole run (mpirun to exit)** | {wall("full1"):.1f} | {wall("full2"):.1f} | '
      f'{wall("full1") / wall("full2"):.2f}x | | | | | | |')
print()
print("| model | np | analogy 3CosAdd | semantic | syntactic | WS-353 | RG-65 | MC-30 |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for np_, rep in ((1, one), (2, two)):
    for e in rep["evaluation"]:
        acc = {a["section"]: a["accuracy_3cosadd"] for a in e["analogy"]}
        sim = [f'{s["spearman"]:.3f}' for s in e["similarity"]]
        print(f'| {e["model"]} | {np_} | {100 * acc["total"]:.2f}% | {100 * acc["semantic"]:.2f}% | '
              f'{100 * acc["syntactic"]:.2f}% | ' + " | ".join(sim) + " |")
print()
print("Resume overhead: the same command with every stage complete (all stages skipped after "
      "verifying their manifests and output checksums).")
print()
print("| np | rerun wall s (mpirun to exit) | of which checksum verification s | stages skipped | overhead beyond verification | target < 1 s |")
print("| ---: | ---: | ---: | ---: | ---: | --- |")
for np_, name in ((1, "again1"), (2, "again2")):
    rep = load(name)
    verify = sum(s["verify_seconds"] for s in rep["stages"])
    skipped = sum(s["status"] == "skipped" for s in rep["stages"])
    rest = wall(name) - verify
    print(f'| {np_} | {wall(name):.2f} | {verify:.2f} | {skipped} / {len(rep["stages"])} | '
          f'{rest:.2f} | {"PASS" if rest < 1 and skipped == len(rep["stages"]) else "FAIL"} |')
PY
du -sh "$OUT/np1/work" "$OUT/np2/work" >&2
