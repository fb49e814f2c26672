#!/usr/bin/env bash
# The broker transports beside the broker itself, in one run: the e2e runner's modes A and B through
# ActorDispatch's amqp transport (RabbitMQ) and its mqtt transport (Mosquitto), and the peer harness
# (benchmarks/ActorDispatch.PeerBench) publishing to and consuming from the same RabbitMQ directly.
# The three alternate, one repetition each per round, in an order that rotates from round to round,
# so that the machine's drift falls on all alike; the table gives the medians over the rounds.
#
#   bash benchmarks/transports.sh                   # N=20000, 3 rounds; about 10 minutes
#   N=100000 RUNS=5 bash benchmarks/transports.sh
#   ACTORDISPATCH_BENCH_AMQP=amqp://guest:guest@127.0.0.1:5672/ ACTORDISPATCH_BENCH_MQTT=127.0.0.1:1883 \
#     bash benchmarks/transports.sh                 # brokers already running (loopback): used as they are
#
# Unless those variables are set, starts a private RabbitMQ (127.0.0.1:56672, distribution 56673,
# epmd 56674) and a private Mosquitto (127.0.0.1:52883, persistence on) with .ci/brokers.sh, clear
# of the test brokers' ports (55672, 51883), and stops them at the end. Other settings: WARMUP_S
# (each invocation's warm-up, default 15 s), QUIET_WAIT_S (wait up to S s for a quiet machine before
# each measurement, default 10), AMQP_PORT, MQTT_PORT. Results (every invocation's output, JSON and
# progress, results.tsv, table.md) go to $OUT, default /tmp/actordispatch-transports/<timestamp>.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
N=${N:-20000}
WARMUP_S=${WARMUP_S:-15}
QUIET_WAIT_S=${QUIET_WAIT_S:-10}
RUN_TIMEOUT_S=${RUN_TIMEOUT_S:-900}   # one invocation
OUT=${OUT:-/tmp/actordispatch-transports/$(date +%Y%m%d-%H%M%S)}
export AMQP_PORT=${AMQP_PORT:-56672} MQTT_PORT=${MQTT_PORT:-52883}

case ${1:-} in
  -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "transports.sh takes no arguments (settings are variables: see --help)" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
log() { printf '%s [transports] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ------------------------------------------------------------------ brokers

BROKER_DIR=$(mktemp -d /tmp/actordispatch-transports-brokers.XXXXXX)
# shellcheck source=../.ci/brokers.sh
source "$ROOT/.ci/brokers.sh"
STARTED=0
cleanup() { ((STARTED)) && { stop_brokers >/dev/null 2>&1 || true; }; rm -rf "$BROKER_DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

RABBITMQ_PID=0 MOSQUITTO_PID=0
if [[ -n ${ACTORDISPATCH_BENCH_AMQP:-} ]]; then
  AMQP_URI=$ACTORDISPATCH_BENCH_AMQP
  [[ $AMQP_URI =~ ^amqp://guest:guest@127\.0\.0\.1:([0-9]+)/?$ ]] \
    || die "ACTORDISPATCH_BENCH_AMQP must be amqp://guest:guest@127.0.0.1:<port>/ (the peer harness logs in as guest on loopback)"
  PEER_PORT=${BASH_REMATCH[1]}
  log "RabbitMQ: reusing $AMQP_URI"
else
  for p in "$AMQP_PORT" $((AMQP_PORT + 1)) $((AMQP_PORT + 2)); do
    ! port_open "$p" || die "127.0.0.1:$p is in use (a broker left from an earlier run? stop it by its pid)"
  done
  STARTED=1
  start_rabbitmq >&2
  AMQP_URI="amqp://guest:guest@127.0.0.1:$AMQP_PORT/" PEER_PORT=$AMQP_PORT
  RABBITMQ_PID=$(tr -dc '0-9' <"$BROKER_DIR/rabbitmq/rabbitmq.pid")
fi
if [[ -n ${ACTORDISPATCH_BENCH_MQTT:-} ]]; then
  MQTT_SERVER=$ACTORDISPATCH_BENCH_MQTT
  log "Mosquitto: reusing $MQTT_SERVER"
else
  ! port_open "$MQTT_PORT" || die "127.0.0.1:$MQTT_PORT is in use (a broker left from an earlier run? stop it by its pid)"
  STARTED=1
  start_mosquitto >&2
  MQTT_SERVER="127.0.0.1:$MQTT_PORT"
  MOSQUITTO_PID=$(tr -dc '0-9' <"$BROKER_DIR/mosquitto/mosquitto.pid")
fi
# The e2e runner reads these; brokers.sh exported the test variables too, which it only falls back on.
export ACTORDISPATCH_BENCH_AMQP=$AMQP_URI ACTORDISPATCH_BENCH_MQTT=$MQTT_SERVER

# ------------------------------------------------------------------ build

for project in ActorDispatch.Benchmarks ActorDispatch.PeerBench; do
  log "building $project (Release)"
  timeout 900 dotnet build "$ROOT/benchmarks/$project" -c Release -nologo -clp:ErrorsOnly >"$OUT/build-$project.log" 2>&1 \
    || { cat "$OUT/build-$project.log" >&2; die "build of $project failed"; }
done
RUNNER=$ROOT/benchmarks/ActorDispatch.Benchmarks/bin/Release/net10.0/ActorDispatch.Benchmarks.dll
PEER=$ROOT/benchmarks/ActorDispatch.PeerBench/bin/Release/net10.0/ActorDispatch.PeerBench.dll
{
  echo "date: $(date -Is); kernel $(uname -r); $(nproc) cores: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "dotnet $(dotnet --version); rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo '?');" \
       "mosquitto $(dpkg-query -W -f='${Version}' mosquitto 2>/dev/null || echo '?'); N=$N, $RUNS rounds, warm-up ${WARMUP_S} s"
} | tee "$OUT/versions.txt" >&2

# ------------------------------------------------------------------ run

COMMON=(--modes A,B --n "$N" --reps 1 --warmup-s "$WARMUP_S" --quiet-wait-s "$QUIET_WAIT_S" --json)
SYSTEMS=(amqp mqtt rabbitmq)
run_one() { # system, round
  local args
  case $1 in
    amqp) args=(dotnet "$RUNNER" e2e --transport amqp --store sqlite "${COMMON[@]}") ;;
    mqtt) args=(dotnet "$RUNNER" e2e --transport mqtt --mqtt-qos 1 --store sqlite "${COMMON[@]}") ;;
    rabbitmq) args=(dotnet "$PEER" --broker rabbitmq --port "$PEER_PORT" --server-pid "$RABBITMQ_PID" "${COMMON[@]}") ;;
  esac
  echo "${args[*]}" >"$OUT/$1-$2.cmd"
  timeout --kill-after=30 "$RUN_TIMEOUT_S" "${args[@]}" >"$OUT/$1-$2.out" 2>"$OUT/$1-$2.err" \
    || die "$1, round $2 failed: see $OUT/$1-$2.err"
  # The e2e runner nests its medians under the variant's key (ra100); the harness does not.
  grep '^{' "$OUT/$1-$2.out" | tail -n 1 | jq -c 'if .broker then . else [.[] | objects][0] end' \
    >"$OUT/$1-$2.json"
}
for round in $(seq "$RUNS"); do
  for i in 0 1 2; do
    system=${SYSTEMS[$(((i + round - 1) % 3))]}
    log "round $round/$RUNS: $system"
    run_one "$system" "$round"
  done
done

# ------------------------------------------------------------------ table

RESULTS=$OUT/results.tsv
KEYS=(A_append A_consume B_e2e B_p50_ms B_p99_ms)
for f in "$OUT"/*-*.json; do
  base=$(basename "$f" .json)
  for key in "${KEYS[@]}"; do printf '%s\t%s\t%s\t%s\n' "${base%-*}" "${base##*-}" "$key" "$(jq -r ".$key // \"null\"" "$f")"; done
done >"$RESULTS"
median() { # system, key
  awk -F'\t' -v s="$1" -v k="$2" '$1 == s && $3 == k && $4 != "null" { print $4 }' "$RESULTS" | sort -g \
    | awk -v k="$2" '{ v[n++] = $1 } END {
        if (n == 0) { print "—"; exit }
        m = (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
        if (k ~ /_ms$/) { printf "%.2f\n", m; exit }
        s = sprintf("%.0f", m); out = ""
        while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
        print s out }'
}
declare -A LABEL=(
  [amqp]="ActorDispatch \`amqp\` → RabbitMQ"
  [mqtt]="ActorDispatch \`mqtt\` → Mosquitto"
  [rabbitmq]="RabbitMQ alone (peer harness)"
)
declare -A DURABILITY=(
  [amqp]="ActorDispatch: full (SQLite, each commit synced before its append is acknowledged); RabbitMQ: durable queue, persistent messages, publisher confirms"
  [mqtt]="ActorDispatch: full (as above); MQTT QoS 1 both ways, Mosquitto persistence on (in memory, saved every autosave_interval, 1800 s, and at shutdown: no write per message)"
  [rabbitmq]="durable queue, persistent messages, publisher confirms (basic.ack once on disk)"
)
{
  echo "Medians of $RUNS alternated rounds, $(date -u +%Y-%m-%d) UTC; N=$N events of 256 B, readAhead/prefetch 100, at most 1000 unconfirmed publishes; events/s unless noted."
  echo "A: publish N with nobody consuming, then consume them all; B: consume live while publishing, latency publish to receipt."
  echo
  echo "| | A publish | A consume | B live e2e | B p50 [ms] | B p99 [ms] | durability |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for s in "${SYSTEMS[@]}"; do
    echo "| ${LABEL[$s]} | $(median "$s" A_append) | $(median "$s" A_consume) | $(median "$s" B_e2e) | $(median "$s" B_p50_ms) | $(median "$s" B_p99_ms) | ${DURABILITY[$s]} |"
  done
  echo
  echo "For ActorDispatch, \"publish\" is the append to its store (IActorDispatch.AppendAsync in process, one event per call) and \"consume\" runs from the store through the transport and the broker to a client of it in the same process;"
  echo "for RabbitMQ alone it is basic.publish with confirms and a consumer acking each delivery."
  echo "RabbitMQ as the peer harness reported it: $(jq -r .durability "$OUT"/rabbitmq-1.json)"
} | tee "$OUT/table.md"
log "results in $OUT"
