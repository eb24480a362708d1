#!/usr/bin/env bash
# Fuzzes wordmill's parsers of untrusted bytes with libFuzzer (clang, ASan + UBSan).
#   scripts/fuzz.sh                    every target, 60 s each
#   scripts/fuzz.sh TARGET [SECONDS]   one target (e.g. wmv 600); `scripts/fuzz.sh --list`
#   scripts/fuzz.sh --seeds            regenerates the seed inputs in tests/fuzz/corpus/ from
#                                      real outputs of the normal build (build/wordmill)
# The fuzz build lives in build-fuzz/ (CXX=clang++, -DWORDMILL_FUZZ=ON). Each run starts from the
# committed corpus tests/fuzz/corpus/<target>/ (replayed by the ctest fuzz_replay_<target> in
# every build) plus a scratch corpus in build-fuzz/corpus/<target>/; a crashing input is written
# to tests/fuzz/corpus/<target>/crash-<sha1>: fix the bug and commit the input as a regression
# case. tests/README.md records the runs and what they found.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(record_file vocab_records vocab_tsv id_shard cooccur_shard wmv npy embedding_text
  sgns_checkpoint glove_checkpoint tokenizer_model manifest config word_tokenizer analogy
  similarity corpus_plain corpus_zstd corpus_wikiextractor corpus_brown corpus_jsonl)

if [[ "${1:-}" == --list ]]; then
  printf '%s\n' "${TARGETS[@]}"
  exit 0
fi

# ---- seeds: small real outputs of every kind, written by the normal build --------------------
if [[ "${1:-}" == --seeds ]]; then
  BIN=${WORDMILL:-build/wordmill}
  [[ -x "$BIN" ]] || { echo "fuzz.sh: build first (scripts/build.sh): no $BIN" >&2; exit 2; }
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  C=tests/fuzz/corpus
  python3 - "$work" <<'EOF'
import random, sys, json
d = sys.argv[1]
random.seed(7)
words = ["the", "a", "cat", "dog", "sat", "on", "mat", "über", "naïve", "한국어", "x1", "don't"]
lines = [" ".join(random.choice(words) for _ in range(8)) for _ in range(300)]
open(f"{d}/plain.txt", "w").write("\n".join(lines) + "\n")
open(f"{d}/wiki.txt", "w").write("".join(
    f'<doc id="{i}" url="https://x/{i}" title="T{i}">\nT{i}\n\n{lines[i]}\n{lines[i+1]}\n</doc>\n'
    for i in range(20)))
open(f"{d}/brown.txt", "w").write("\n\n".join(
    "\t" + " ".join(f"{w}/nn" for w in l.split()) for l in lines[:20]) + "\n")
open(f"{d}/docs.jsonl", "w").write("".join(json.dumps({"id": i, "text": l}) + "\n"
                                           for i, l in enumerate(lines[:20])))
open(f"{d}/analogy.txt", "w").write(": capital\nathens greece berlin germany\n"
                                    ": gram\ngood better bad worse\n")
open(f"{d}/sim.txt", "w").write("cat\tdog\t7.5\nmat\tsat\t1.0\nthe,a,3\n")
EOF
  zstd -q -f "$work/plain.txt" -o "$work/plain.txt.zst"
  cat >"$work/cfg.textproto" <<EOF
input { input: "$work/plain.txt" }
vocabulary { min_count: 1 }
cooccur { window: 4 memory_mb: 16 }
model { name: "sg" sgns { dim: 8 epochs: 2 sample: 0 } }
model { name: "gl" glove { dim: 8 epochs: 2 } }
runtime { threads: 1 progress_seconds: 0 }
output_dir: "$work/out"
EOF
  "$BIN" run "$work/cfg.textproto" >/dev/null
  W="$work/out/work"
  seed() {  # seed TARGET FILE...
    local t=$1
    shift
    mkdir -p "$C/$t"
    local f
    for f in "$@"; do cp "$f" "$C/$t/seed-$(basename "$f")"; done
  }
  seed record_file "$W/vocab/vocab.wmrec" "$W"/cooccur/cooccur-*.wmrec
  seed vocab_records "$W/vocab/vocab.wmrec"
  seed vocab_tsv "$W/vocab/vocab.tsv"
  seed id_shard "$(find "$W" -name 'ids-*.wmrec' | head -1)"
  seed cooccur_shard "$W"/cooccur/cooccur-00000-*.wmrec
  seed wmv "$work/out/sg/vectors.wmv"
  seed npy "$work/out/sg/vectors.npy"
  seed embedding_text "$work/out/sg/vectors.txt" "$work/out/sg/vectors.bin" \
    "$work/out/gl/vectors.glove.txt"
  seed sgns_checkpoint "$(find "$W" -name model.ckpt | head -1)"
  seed glove_checkpoint "$(find "$W" -name 'glove-checkpoint.wmrec' | head -1)"
  seed manifest "$W/vocab/MANIFEST.textproto" "$W/model-gl/MANIFEST.textproto"
  seed config "$work/cfg.textproto" pipeline/examples/brown.textproto
  for m in bpe wordpiece unigram; do
    "$BIN" tokenizer train --model "$m" --vocab-size 300 --output-dir "$work/tok-$m" \
      "$work/plain.txt" >/dev/null
    cp "$work/tok-$m/tokenizer.wmrec" "$work/tokenizer-$m.wmrec"
    seed tokenizer_model "$work/tokenizer-$m.wmrec"
  done
  seed corpus_plain "$work/plain.txt"
  seed corpus_zstd "$work/plain.txt.zst"
  seed corpus_wikiextractor "$work/wiki.txt"
  seed corpus_brown "$work/brown.txt"
  seed corpus_jsonl "$work/docs.jsonl"
  seed word_tokenizer "$work/plain.txt"
  seed analogy "$work/analogy.txt"
  seed similarity "$work/sim.txt"
  # The corpus targets read their first byte as the split point: prefix one.
  for t in corpus_plain corpus_zstd corpus_wikiextractor corpus_brown corpus_jsonl word_tokenizer; do
    for f in "$C/$t"/seed-*; do
      { printf '\x80'; cat "$f"; } >"$f.tmp" && mv "$f.tmp" "$f"
    done
  done
  du -sh "$C"
  exit 0
fi

# ---- fuzzing -------------------------------------------------------------------------------
SECONDS_EACH=${2:-60}
selected=("${TARGETS[@]}")
if [[ -n "${1:-}" ]]; then selected=("$1"); fi
if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: installing clang (libFuzzer and the sanitizers come with it)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
BUILD=build-fuzz
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DWORDMILL_FUZZ=ON -DWORDMILL_BUILD_TESTS=OFF
fi
cmake --build "$BUILD" -j "$(nproc)" --target "${selected[@]/%/_fuzzer}"
for t in "${selected[@]}"; do
  mkdir -p "$BUILD/corpus/$t" "tests/fuzz/corpus/$t"
  echo "fuzz.sh: $t for ${SECONDS_EACH} s"
  "$BUILD/tests/fuzz/${t}_fuzzer" -max_total_time="$SECONDS_EACH" -timeout=20 \
    -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="tests/fuzz/corpus/$t/" "$BUILD/corpus/$t" "tests/fuzz/corpus/$t" \
    2>&1 | grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|fuzz:|artifact_prefix|Test unit written)' || true
done
