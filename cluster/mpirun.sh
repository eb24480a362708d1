#!/bin/bash
# wordmill across hosts with plain Open MPI (no Slurm): RANKS ranks x THREADS threads, each rank
# bound to THREADS cores, ranks filling the hostfile's slots in order.
#
#   cluster/mpirun.sh -f cluster/hostfile -n 4 -t 8 run pipeline.textproto
#   cluster/mpirun.sh -f hosts -n 2 -t 16 sgns --output-dir /shared/out/sgns /shared/corpus
#
# -f HOSTFILE (cluster/hostfile.example), -n RANKS (default: the hostfile's slots), -t THREADS
# (default 1), -i IFACE_OR_CIDR (the network MPI uses, e.g. eth0 or 10.0.0.0/24; default Open
# MPI's choice). The first non-option argument is the wordmill subcommand (a config file means
# `run CONFIG`). THREADS becomes --threads / --set runtime.threads unless the arguments set it.
# Rerunning the same command after a failure continues (cluster/README.md, "Resume").
# Environment: WORDMILL (binary; default build/wordmill next to this script's repository, else
# the installed <prefix>/bin/wordmill, else wordmill on PATH),
# MPIRUN_ARGS (extra mpirun flags).
set -euo pipefail

usage() {
  echo "usage: $0 -f HOSTFILE [-n RANKS] [-t THREADS] [-i IFACE] [SUBCOMMAND] ARGS..." >&2
  exit 2
}
hostfile="" ranks="" threads=1 iface=""
while getopts "f:n:t:i:h" opt; do
  case "$opt" in
    f) hostfile=$OPTARG ;;
    n) ranks=$OPTARG ;;
    t) threads=$OPTARG ;;
    i) iface=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[[ -n "$hostfile" && -r "$hostfile" && $# -gt 0 ]] || usage
if [[ -z "$ranks" ]]; then
  # Sum of slots=N over the hostfile's host lines (a line without slots counts 1).
  ranks=$(awk '!/^[[:space:]]*(#|$)/ { n = 1; for (i = 2; i <= NF; ++i) if ($i ~ /^slots=/) { sub("slots=", "", $i); n = $i } s += n } END { print s + 0 }' "$hostfile")
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
# The binary: $WORDMILL, else build/wordmill of this repository, else the installed one
# (this script installed as <prefix>/share/wordmill/cluster/mpirun.sh: <prefix>/bin/wordmill),
# else `wordmill` on PATH.
wordmill=${WORDMILL:-}
for candidate in "$repo/build/wordmill" "$repo/../../bin/wordmill" "$(command -v wordmill || true)"; do
  if [[ -z "$wordmill" && -n "$candidate" && -x "$candidate" ]]; then wordmill=$candidate; fi
done
[[ -n "$wordmill" ]] || { echo "$0: no wordmill binary (set WORDMILL=/path/to/wordmill)" >&2; exit 2; }
case "$1" in
  run | vocab | cooccur | glove | sgns | tokenize | eval | neighbors | inspect | export | help)
    command=$1
    shift
    ;;
  *) command=run ;;
esac
args=("$@")
set_threads=1
for a in "${args[@]+"${args[@]}"}"; do
  [[ "$a" == --threads* || "$a" == *runtime.threads=* ]] && set_threads=0
done
if ((set_threads)); then
  case "$command" in
    run) args+=(--set "runtime.threads=$threads") ;;
    vocab | cooccur | glove | sgns | tokenize) args+=(--threads "$threads") ;;
  esac
fi

launch=(mpirun --hostfile "$hostfile" -np "$ranks" --map-by "slot:PE=$threads" --bind-to core -x PATH)
if [[ -n "${LD_LIBRARY_PATH:-}" ]]; then launch+=(-x LD_LIBRARY_PATH); fi
if [[ -n "$iface" ]]; then
  launch+=(--mca btl_tcp_if_include "$iface" --mca oob_tcp_if_include "$iface")
fi
# shellcheck disable=SC2206
launch+=(${MPIRUN_ARGS:-})
echo "cluster/mpirun.sh: ${launch[*]} $wordmill $command ${args[*]}" >&2
exec "${launch[@]}" "$wordmill" "$command" "${args[@]+"${args[@]}"}"
