# Sourced by the scripts that measure configurations of the server against each other
# (telemetry-overhead.sh, gc-modes.sh). `alternate_runs` starts the e2e runner against the server
# in its own process once per configuration per run, the configurations alternated run by run so
# that the machine's drift falls on all alike, then prints the medians of each figure and each
# configuration's ratio to the first.
#
# The caller sets, before calling:
#   CONFIGS  configuration names; the first is the baseline of the ratios
#   FLAGS    associative array: name -> the e2e flags of that configuration
#   KEYS     the e2e JSON figures to tabulate
#   TITLE    the table's first line
# and may set RUNS (3), REPS (repetitions within each run, whose median is the run's figure; 1),
# N (50,000), FANOUT_N (20,000), APPEND (stream), OUT and EXTRA (more e2e flags).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-3}
REPS=${REPS:-1}
N=${N:-50000}
FANOUT_N=${FANOUT_N:-20000}
APPEND=${APPEND:-stream}
EXTRA=${EXTRA:-}
log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "$(basename "$0" .sh)" "$*" >&2; }

alternate_runs() {
  mkdir -p "$OUT"
  dotnet build "$ROOT/benchmarks/ActorDispatch.Benchmarks" -c Release -nologo -clp:ErrorsOnly > "$OUT/build.log" 2>&1 \
    || { log "build failed: see $OUT/build.log"; exit 1; }
  local runner="$ROOT/benchmarks/ActorDispatch.Benchmarks/bin/Release/net10.0/ActorDispatch.Benchmarks.dll"
  local run config
  for run in $(seq "$RUNS"); do
    for config in $CONFIGS; do
      log "run $run/$RUNS, $config"
      # shellcheck disable=SC2086
      dotnet "$runner" e2e --server process --append "$APPEND" --modes A,B,C --n "$N" --fanout-n "$FANOUT_N" --reps "$REPS" --json \
        ${FLAGS[$config]} $EXTRA > "$OUT/$config-$run.out" 2> "$OUT/$config-$run.err" \
        || { log "run failed: see $OUT/$config-$run.err"; exit 1; }
      tail -n 1 "$OUT/$config-$run.out" > "$OUT/$config-$run.json"
    done
  done
  alternate_table | tee "$OUT/table.md"
}

alternate_value() { grep -o "\"$2\":[^,}]*" "$1" | head -n 1 | cut -d: -f2; }
alternate_median() { sort -g | awk '{ v[n++] = $1 } END { if (n == 0) print "null"; else print (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 }'; }

alternate_table() {
  local configs=($CONFIGS) base=${CONFIGS%% *} header="| |" rule="|---|" config key line
  echo "$TITLE"
  echo "$(date -u +%Y-%m-%d) UTC, $RUNS alternated runs each ($REPS repetitions per run), medians; N=$N, fan-out $FANOUT_N per subscription, appends: $APPEND."
  echo
  for config in "${configs[@]}"; do header+=" $config |"; rule+="---:|"; done
  for config in "${configs[@]:1}"; do header+=" $config ÷ $base |"; rule+="---:|"; done
  echo "$header"; echo "$rule"
  for key in $KEYS; do
    declare -A med=()
    for config in "${configs[@]}"; do
      med[$config]=$(for f in "$OUT"/"$config"-[0-9]*.json; do alternate_value "$f" "$key"; done | alternate_median)
    done
    line="| $key |"
    for config in "${configs[@]}"; do line+=" ${med[$config]} |"; done
    for config in "${configs[@]:1}"; do
      line+=" $(awk -v a="${med[$config]}" -v b="${med[$base]}" 'BEGIN { if (b == 0 || a == "null" || b == "null") print "—"; else printf "%.3f", a / b }') |"
    done
    echo "$line"
  done
}
