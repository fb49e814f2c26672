#!/usr/bin/env bash
# What metrics and tracing cost: the e2e runner's modes A, B and C against the server in its own
# process, with both off and with both on (metrics collected, spans recorded, no exporter attached),
# alternated run by run so that the machine's drift falls on both alike; then the medians and the
# ratio on ÷ off per figure.
#
#   bash benchmarks/telemetry-overhead.sh            # 3 runs of each, N=50,000; about 20 minutes
#   RUNS=1 N=10000 bash benchmarks/telemetry-overhead.sh   # a wiring check
#   CONFIGS="off metrics tracing on" bash benchmarks/telemetry-overhead.sh   # each on its own too
#
# Results (each run's JSON and the table) go to $OUT, default /tmp/actordispatch-telemetry/<timestamp>.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
N=${N:-50000}
FANOUT_N=${FANOUT_N:-20000}
OUT=${OUT:-/tmp/actordispatch-telemetry/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
log() { printf '%s [telemetry] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

dotnet build "$ROOT/benchmarks/ActorDispatch.Benchmarks" -c Release -nologo -clp:ErrorsOnly > "$OUT/build.log" 2>&1 \
  || { log "build failed: see $OUT/build.log"; exit 1; }
RUNNER="$ROOT/benchmarks/ActorDispatch.Benchmarks/bin/Release/net10.0/ActorDispatch.Benchmarks.dll"

CONFIGS=${CONFIGS:-"off on"}
declare -A FLAGS=(
  [off]="--server-config ActorDispatch:Metrics:Enabled=false --server-config ActorDispatch:Tracing:Enabled=false"
  [metrics]="--server-config ActorDispatch:Metrics:Enabled=true --server-config ActorDispatch:Tracing:Enabled=false"
  [tracing]="--server-config ActorDispatch:Metrics:Enabled=false --server-config ActorDispatch:Tracing:Enabled=true"
  [on]="--server-config ActorDispatch:Metrics:Enabled=true --server-config ActorDispatch:Tracing:Enabled=true"
)
for run in $(seq "$RUNS"); do
  for mode in $CONFIGS; do
    log "run $run/$RUNS, telemetry $mode"
    # shellcheck disable=SC2086
    dotnet "$RUNNER" e2e --server process --modes A,B,C --n "$N" --fanout-n "$FANOUT_N" --reps 1 --json ${FLAGS[$mode]} \
      > "$OUT/$mode-$run.out" 2> "$OUT/$mode-$run.err" || { log "run failed: see $OUT/$mode-$run.err"; exit 1; }
    tail -n 1 "$OUT/$mode-$run.out" > "$OUT/$mode-$run.json"
  done
done

value() { grep -o "\"$2\":[^,}]*" "$1" | head -n 1 | cut -d: -f2; }
median() { sort -g | awk '{ v[n++] = $1 } END { if (n == 0) print "null"; else print (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 }'; }
{
  echo "Telemetry $CONFIGS, $(date -u +%Y-%m-%d) UTC, $RUNS alternated runs each, medians; server in its own process (SQLite, full durability)."
  echo "Throughput in events/s; server CPU in µs per event (utime + stime of the server process), which other load disturbs less."
  echo
  header="| |"; rule="|---|"
  for mode in $CONFIGS; do header+=" $mode |"; rule+="---:|"; done
  for mode in $CONFIGS; do [[ $mode == off ]] || { header+=" $mode ÷ off |"; rule+="---:|"; }; done
  echo "$header"; echo "$rule"
  for key in A_append A_consume B_e2e C_deliveries A_cpu_us B_cpu_us C_cpu_us; do
    declare -A med=()
    for mode in $CONFIGS; do med[$mode]=$(for f in "$OUT"/$mode-*.json; do value "$f" "$key"; done | median); done
    line="| $key |"
    for mode in $CONFIGS; do line+=" ${med[$mode]} |"; done
    for mode in $CONFIGS; do
      [[ $mode == off ]] || line+=" $(awk -v a="${med[$mode]}" -v b="${med[off]}" 'BEGIN { printf "%.3f", a / b }') |"
    done
    echo "$line"
  done
} | tee "$OUT/table.md"
