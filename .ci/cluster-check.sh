#!/usr/bin/env bash
# The cluster check: the quick preset through workflow/profiles/slurm on a real single-node SLURM
# (with accounting), compared byte for byte with a local run, plus one fault. As root on Debian 12.
#
#   .ci/cluster-check.sh          # what .ci/run runs after the tests (about 10 minutes)
#
# 1. brings SLURM up (.ci/slurm/cluster.sh up) and installs the plugin (python3 tasks.py cluster)
# 2. runs the quick preset locally and through SLURM, each in its own copy of the workflow
#    (no shared results/), prints the SLURM job ids (sacct) and the two run times
# 3. compares every table under results/tables with the local run's, byte for byte
# 4. fault: a third copy runs with --slurm-status-command squeue; one simulation job is cancelled
#    (scancel) while it runs; the run must notice, retry it, finish, and give the same tables
# Whatever happens, the trap stops the runs it started, cancels their jobs and brings SLURM down.
# Set KEEP_CLUSTER_CHECK=1 to keep the work directory (it is printed) and leave SLURM up.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/momentumlab-cluster-check.XXXXXX)
PRESET=config/presets/quick.yaml
T0=$(date +%s)
PIDS=()
SUMMARY=()

say() { echo "[cluster-check +$(($(date +%s) - T0))s] $*"; }
note() {
  SUMMARY+=("$*")
  say "$*"
}

cleanup() {
  local rc=$? pid
  set +e
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -INT "$pid" 2>/dev/null
      sleep 5
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  if command -v squeue >/dev/null; then
    squeue -h -u root -o %i 2>/dev/null | xargs -r scancel 2>/dev/null
  fi
  if [ "${KEEP_CLUSTER_CHECK:-0}" = 1 ]; then
    say "kept $WORK; SLURM left up (.ci/slurm/cluster.sh down stops it)"
  else
    "$ROOT/.ci/slurm/cluster.sh" down >/dev/null 2>&1 || say "WARNING: cluster.sh down failed"
    rm -rf "$WORK"
  fi
  echo
  echo "==================== cluster check summary ===================="
  printf '%s\n' "${SUMMARY[@]}"
  if [ "$rc" = 0 ]; then
    echo "CLUSTER CHECK PASSED in $(($(date +%s) - T0)) s"
  else
    echo "CLUSTER CHECK FAILED (exit $rc) after $(($(date +%s) - T0)) s"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  note "FAILED: $*"
  exit 1
}

# copy DIR: the workflow (tracked layout, no results/.snakemake/.venv) into a fresh DIR
copy() {
  mkdir -p "$1"
  (cd "$ROOT" && cp -a Snakefile pyproject.toml config workflow scripts report src "$1/")
}

# seconds since the epoch, with decimals
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# show_jobs LOG: the SLURM job ids a run's Snakemake log names, with sacct's view of them
show_jobs() {
  local ids
  ids=$(grep -o 'SLURM jobid [0-9]*' "$1" | awk '{print $3}' | sort -n | paste -sd, -)
  [ -n "$ids" ] || fail "no SLURM job ids in $1"
  note "SLURM job ids: $ids"
  sacct -X -j "$ids" -P -o JobID,Comment%80,State,Elapsed,AllocCPUS,ReqMem |
    awk -F'|' '{ printf "  %-6s %-58s %-15s %-9s %4s %6s\n", $1, $2, $3, $4, $5, $6 }'
}

# compare A B: every table under results/tables, byte for byte (same set of files too)
compare() {
  local a=$1/results/tables b=$2/results/tables label=$3 f n=0
  [ -d "$a" ] && [ -d "$b" ] || fail "$label: results/tables missing"
  [ "$(cd "$a" && ls)" = "$(cd "$b" && ls)" ] || fail "$label: different sets of tables"
  for f in "$a"/*; do
    if cmp -s "$f" "$b/${f##*/}"; then
      echo "  identical  results/tables/${f##*/}  $(wc -c <"$f") bytes  sha256 $(sha256sum <"$f" | cut -c1-16)"
      n=$((n + 1))
    else
      cmp "$f" "$b/${f##*/}" || true
      fail "$label: results/tables/${f##*/} differs"
    fi
  done
  [ "$n" -gt 0 ] || fail "$label: no tables"
  note "$label: all $n tables under results/tables byte-identical to the local run"
}

SNAKEMAKE="$ROOT/.venv/bin/snakemake"

say "work directory $WORK"
"$ROOT/.ci/slurm/cluster.sh" up
note "SLURM up: $(sinfo -h -o '%P %D node(s) %c CPUs %m MB %T') ($(sinfo -V))"

# the plugin, installed the way users get it (tasks.py cluster installs the [slurm] extra); a
# dry run from the project root checks the command end to end without running anything
python3 "$ROOT/tasks.py" cluster --dry-run --quiet --configfile "$PRESET" >"$WORK/dryrun.log" 2>&1 ||
  { tail -n 20 "$WORK/dryrun.log"; fail "python3 tasks.py cluster --dry-run failed"; }
note "plugin: $("$ROOT/.venv/bin/pip" show snakemake-executor-plugin-slurm 2>/dev/null | sed -n 's/^Version: /snakemake-executor-plugin-slurm /p'), snakemake $("$SNAKEMAKE" --version)"

# --- local run ----------------------------------------------------------------------------
copy "$WORK/local"
t=$(now)
(cd "$WORK/local" && exec "$SNAKEMAKE" --cores 2 --configfile "$PRESET" --quiet) >"$WORK/local.log" 2>&1 ||
  { tail -n 30 "$WORK/local.log"; fail "local run failed"; }
LOCAL_S=$(elapsed "$t" "$(now)")
note "local run (--cores 2): ${LOCAL_S} s"

# --- the same through SLURM ---------------------------------------------------------------
copy "$WORK/slurm"
t=$(now)
(cd "$WORK/slurm" && exec "$SNAKEMAKE" --workflow-profile workflow/profiles/slurm \
  --configfile "$PRESET") >"$WORK/slurm.log" 2>&1 </dev/null &
PIDS+=($!)
wait "${PIDS[-1]}" || { tail -n 40 "$WORK/slurm.log"; fail "SLURM run failed"; }
SLURM_S=$(elapsed "$t" "$(now)")
note "SLURM run (workflow/profiles/slurm): ${SLURM_S} s = $(awk -v a="$SLURM_S" -v b="$LOCAL_S" 'BEGIN { printf "%.1f", a / b }')x the local run"
show_jobs "$WORK/slurm.log"
compare "$WORK/local" "$WORK/slurm" "SLURM run"

# --- fault: a running job cancelled under squeue status -----------------------------------
copy "$WORK/fault"
t=$(now)
(cd "$WORK/fault" && exec "$SNAKEMAKE" --workflow-profile workflow/profiles/slurm \
  --configfile "$PRESET" --slurm-status-command squeue) >"$WORK/fault.log" 2>&1 </dev/null &
FAULT_PID=$!
PIDS+=("$FAULT_PID")
victim=""
for ((i = 0; i < 240; i++)); do
  victim=$(squeue -h -u root -t RUNNING -o '%i %k' | awk '$2 ~ /^rule_simulate/ { print $1; exit }')
  [ -n "$victim" ] && break
  kill -0 "$FAULT_PID" 2>/dev/null || break
  sleep 0.5
done
[ -n "$victim" ] || fail "fault test: no running simulation job to cancel"
what=$(squeue -h -j "$victim" -o %k)
sleep 1 # let it get going (a job takes 10 s or more: two Snakemake start-ups)
scancel "$victim"
note "fault test: scancel $victim ($what) while it ran (run uses --slurm-status-command squeue)"
wait "$FAULT_PID" || { tail -n 40 "$WORK/fault.log"; fail "fault test: the run did not survive the cancel"; }
state=$(sacct -X -n -P -j "$victim" -o State)
[[ "$state" == CANCELLED* ]] || fail "fault test: job $victim is '$state', not CANCELLED"
grep -q "SLURM-job '$victim' failed" "$WORK/fault.log" ||
  fail "fault test: Snakemake did not report job $victim as failed"
retried=$(grep -c "rule_simulate/${what#rule_simulate_wildcards_}/" "$WORK/fault.log" || true)
[ "$retried" -ge 2 ] || fail "fault test: ${what} was not submitted again"
note "fault test: Snakemake saw job $victim $state, resubmitted ${what#rule_simulate_wildcards_}, finished in $(elapsed "$t" "$(now)") s"
show_jobs "$WORK/fault.log"
compare "$WORK/local" "$WORK/fault" "fault run"
