#!/usr/bin/env bash
# What metrics and tracing cost: the e2e runner's modes A, B and C against the server in its own
# process (SQLite, full durability, publisher on the append stream), with both off and with both on
# (metrics collected, spans recorded, no exporter attached), alternated run by run; then the medians
# and the ratio on ÷ off per figure. Server CPU per event (utime + stime of the server process) is
# disturbed less by other load than the rates are.
#
#   bash benchmarks/telemetry-overhead.sh            # 3 runs of each, N=400,000; about 10 minutes
#   RUNS=1 N=10000 FANOUT_N=2000 bash benchmarks/telemetry-overhead.sh   # a wiring check
#   CONFIGS="off metrics tracing on" bash benchmarks/telemetry-overhead.sh   # each on its own too
#   APPEND=rest bash benchmarks/telemetry-overhead.sh   # appends as REST POSTs
#   REPS=3 bash benchmarks/telemetry-overhead.sh   # each run the median of 3 repetitions; about 22 minutes
#
# Results (each run's JSON and the table) go to $OUT, default /tmp/actordispatch-telemetry/<timestamp>.
set -euo pipefail
# Long enough that each consume phase lasts seconds: in one under a second the JIT's late tier-ups
# and a collection or two move the rate more than telemetry does.
N=${N:-400000}
FANOUT_N=${FANOUT_N:-100000}
source "$(dirname "${BASH_SOURCE[0]}")/lib/alternate.sh"

OUT=${OUT:-/tmp/actordispatch-telemetry/$(date +%Y%m%d-%H%M%S)}
CONFIGS=${CONFIGS:-"off on"}
declare -A FLAGS=(
  [off]="--server-config ActorDispatch:Metrics:Enabled=false --server-config ActorDispatch:Tracing:Enabled=false"
  [metrics]="--server-config ActorDispatch:Metrics:Enabled=true --server-config ActorDispatch:Tracing:Enabled=false"
  [tracing]="--server-config ActorDispatch:Metrics:Enabled=false --server-config ActorDispatch:Tracing:Enabled=true"
  [on]="--server-config ActorDispatch:Metrics:Enabled=true --server-config ActorDispatch:Tracing:Enabled=true"
)
KEYS="A_append A_consume B_e2e C_deliveries A_cpu_us B_cpu_us C_cpu_us"
TITLE="Telemetry $CONFIGS: server in its own process (SQLite, full durability). Throughput in events/s, server CPU in µs per event."
alternate_runs
