#!/usr/bin/env bash
# The e2e runner's workload on NATS JetStream, Redis Streams and RabbitMQ, one broker at a time, with
# the project's peer harness (benchmarks/ActorDispatch.PeerBench, each broker's official .NET client).
#
#   bash benchmarks/peers.sh                        # every broker, default workload; 5–10 min each
#   bash benchmarks/peers.sh --quick                # wiring check: N=20000, fan-out 5000, 1 repetition, 8 s warm-up
#   BROKERS="nats redis" bash benchmarks/peers.sh   # a subset
#   bash benchmarks/peers.sh --modes B --live-rate 5000   # any other flags go to the harness (--help lists them)
#   REDIS_APPENDFSYNC=always bash benchmarks/peers.sh     # Redis fsyncing before every reply
#   RABBITMQ_QUEUE=quorum bash benchmarks/peers.sh        # RabbitMQ quorum queues, not classic ones
#
# Installs the servers Debian has (nats-server, redis-server, rabbitmq-server) if missing, without
# starting their system services. Starts each broker as a private instance: 127.0.0.1 only, on ports
# clear of the test brokers' (NATS 54222; Redis 56379; RabbitMQ 55772, distribution 55773, its own
# epmd 55774), a fresh data directory. The harness records the broker process's VmRSS
# (/proc/<pid>/status) after each repetition and its CPU-seconds (utime + stime of /proc/<pid>/stat)
# during it; this script adds its total CPU and peak RSS when it stops it, by its pid.
# Results go to $OUT (default /tmp/actordispatch-peers/<timestamp>): results.tsv (broker, metric,
# repetition, value), per broker the table with its durability (<broker>.out), its JSON medians
# (<broker>.json), progress (<broker>.err) and the broker's own log; a summary is printed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BROKERS=${BROKERS:-"nats redis rabbitmq"}
NATS_PORT=${NATS_PORT:-54222}
REDIS_PORT=${REDIS_PORT:-56379}
RABBITMQ_PORT=${RABBITMQ_PORT:-55772}
REDIS_APPENDFSYNC=${REDIS_APPENDFSYNC:-everysec}
RABBITMQ_QUEUE=${RABBITMQ_QUEUE:-classic}
BENCH_TIMEOUT_S=${BENCH_TIMEOUT_S:-2400}   # one broker's whole run
OUT=${OUT:-/tmp/actordispatch-peers/$(date +%Y%m%d-%H%M%S)}
PROJECT=$ROOT/benchmarks/ActorDispatch.PeerBench
DLL=$PROJECT/bin/Release/net10.0/ActorDispatch.PeerBench.dll

ARGS=()
for arg in "$@"; do
  case $arg in
    --quick) ARGS+=(--n 20000 --fanout-n 5000 --reps 1 --warmup-s 8) ;;
    # Without starting any broker: this header, and the harness's flags if it is built.
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
               [[ -f $DLL ]] && dotnet "$DLL" --help; exit 0 ;;
    *) ARGS+=("$arg") ;;
  esac
done

log() { printf '%s [peers] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

declare -A NAME=([nats]=nats-jetstream [redis]=redis-streams [rabbitmq]=rabbitmq)
for b in $BROKERS; do [[ -n ${NAME[$b]:-} ]] || die "unknown broker '$b' in BROKERS (nats redis rabbitmq)"; done

DATA=$(mktemp -d /tmp/actordispatch-peers.XXXXXX)
SERVER_PID=""   # the broker's process: the one measured, and stopped
CHILD_PID=""    # the process this script started for it (RabbitMQ's is a wrapper script), reaped
STOP_EXTRA=""   # what else its stop needs (RabbitMQ's epmd)

alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null && [[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]]; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
require_free() { ! port_open "$1" || die "127.0.0.1:$1 is in use (a broker left from an earlier run? stop it by its pid)"; }

wait_port() { # port, seconds, pid that must stay alive, name
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    port_open "$1" && return 0
    alive "$3" || die "$4 exited while starting: see $OUT/$4.log"
    sleep 0.25
  done
  die "$4 did not open 127.0.0.1:$1 within $2 s"
}

# ------------------------------------------------------------------ install

install_missing() {
  local wanted=() b
  for b in $BROKERS; do
    case $b in
      nats) command -v nats-server >/dev/null || wanted+=(nats-server) ;;
      redis) command -v redis-server >/dev/null || wanted+=(redis-server) ;;
      rabbitmq) [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || wanted+=(rabbitmq-server) ;;
    esac
  done
  ((${#wanted[@]})) || return 0
  log "installing ${wanted[*]} from Debian"
  local made_policy=0 rc=0
  # Keep the packages' own services (default ports, all interfaces) from starting.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  { timeout 600 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 \
      apt-get install -y -qq --no-install-recommends "${wanted[@]}"; } || rc=$?
  ((made_policy)) && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die "apt-get failed ($rc)"
}

# ------------------------------------------------------------------ brokers

start_nats() {
  local dir=$DATA/nats
  require_free "$NATS_PORT"
  mkdir -p "$dir"
  cat >"$dir/nats.conf" <<CONF
listen: 127.0.0.1:$NATS_PORT
server_name: peerbench
jetstream {
  store_dir: "$dir/jetstream"
  max_memory_store: 1GB
  max_file_store: 20GB
}
CONF
  nats-server -c "$dir/nats.conf" -l "$OUT/nats.log" &
  SERVER_PID=$! CHILD_PID=$!
  wait_port "$NATS_PORT" 30 "$SERVER_PID" nats
  log "$(nats-server --version) pid $SERVER_PID on 127.0.0.1:$NATS_PORT: JetStream file store in $dir/jetstream"
}

start_redis() {
  local dir=$DATA/redis
  require_free "$REDIS_PORT"
  mkdir -p "$dir"
  # AOF on, RDB snapshots off: the AOF is what an acked XADD survives a crash in.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --daemonize no --dir "$dir" \
    --logfile "$OUT/redis.log" --appendonly yes --appendfsync "$REDIS_APPENDFSYNC" --save '' &
  SERVER_PID=$! CHILD_PID=$!
  wait_port "$REDIS_PORT" 30 "$SERVER_PID" redis
  log "redis-server $(redis-server --version | grep -o 'v=[^ ]*' | cut -c3-) pid $SERVER_PID on 127.0.0.1:$REDIS_PORT: appendonly yes, appendfsync $REDIS_APPENDFSYNC, data $dir"
}

# As .ci/brokers.sh: a node name, ports and an epmd of its own, all on loopback, so that it cannot
# meet the test broker or any other Erlang node on this machine.
start_rabbitmq() {
  local dir=$DATA/rabbitmq i
  require_free "$RABBITMQ_PORT"; require_free $((RABBITMQ_PORT + 1)); require_free $((RABBITMQ_PORT + 2))
  mkdir -p "$dir/mnesia" "$dir/log"
  cat >"$dir/env" <<ENV
export HOME="$dir" RABBITMQ_NODENAME=peerbench@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
  RABBITMQ_NODE_PORT=$RABBITMQ_PORT RABBITMQ_DIST_PORT=$((RABBITMQ_PORT + 1)) ERL_EPMD_PORT=$((RABBITMQ_PORT + 2)) \
  ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
  RABBITMQ_PID_FILE="$dir/rabbitmq.pid" RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
ENV
  printf 'listeners.tcp.default = 127.0.0.1:%s\nlog.file.level = warning\n' "$RABBITMQ_PORT" >"$dir/rabbitmq.conf"
  echo '[].' >"$dir/enabled_plugins"   # no management plugin: no other listener
  : >"$dir/rabbitmq-env.conf"          # not the system's /etc/rabbitmq/rabbitmq-env.conf
  (source "$dir/env" && exec /usr/lib/rabbitmq/bin/rabbitmq-server) >"$OUT/rabbitmq.log" 2>&1 &
  CHILD_PID=$!
  (source "$dir/env" && timeout 150 /usr/lib/rabbitmq/bin/rabbitmqctl wait --timeout 120 "$RABBITMQ_PID_FILE" >/dev/null) \
    || die "RabbitMQ did not start: see $OUT/rabbitmq.log and $dir/log"
  # The script started above is a wrapper: the Erlang VM is the broker.
  SERVER_PID=$(tr -dc '0-9' <"$dir/rabbitmq.pid")
  alive "$SERVER_PID" || die "RabbitMQ's pid file names no live process"
  STOP_EXTRA=rabbitmq
  wait_port "$RABBITMQ_PORT" 30 "$SERVER_PID" rabbitmq
  log "rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null) VM pid $SERVER_PID (wrapper $CHILD_PID) on 127.0.0.1:$RABBITMQ_PORT" \
      "(distribution $((RABBITMQ_PORT + 1)), epmd $((RABBITMQ_PORT + 2))): $RABBITMQ_QUEUE queues, data $dir"
}

# The broker's own totals, read before it stops: CPU over its whole life (warm-up included) and peak RSS.
server_totals() { # name
  local stat hwm
  stat=$(cat "/proc/$SERVER_PID/stat" 2>/dev/null) || return 0
  hwm=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null)
  # Fields after the ")" that closes the command name: utime is the 12th, stime the 13th.
  echo "${stat##*) }" | awk -v name="$1" -v hwm="$hwm" '{ printf "%s: the broker used %.1f CPU-s in all (warm-up included); peak VmRSS (VmHWM) %s MiB\n", name, ($12 + $13) / 100, hwm }'
}

stop_broker() {
  local i
  if alive "$SERVER_PID"; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true   # SIGTERM is a graceful stop for all three
    for ((i = 0; i < 120; i++)); do alive "$SERVER_PID" || break; sleep 0.25; done
    if alive "$SERVER_PID"; then log "pid $SERVER_PID ignored SIGTERM for 30 s: SIGKILL"; kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  fi
  [[ -n $CHILD_PID ]] && { wait "$CHILD_PID" 2>/dev/null || true; }
  if [[ $STOP_EXTRA == rabbitmq ]]; then (source "$DATA/rabbitmq/env" && epmd -kill >/dev/null 2>&1) || true; fi
  SERVER_PID="" CHILD_PID="" STOP_EXTRA=""
}

cleanup() { stop_broker; rm -rf "$DATA"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ run

mkdir -p "$OUT"
install_missing
log "building the harness (Release)"
timeout 900 dotnet build "$PROJECT" -c Release -nologo -clp:ErrorsOnly >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; die "build failed"; }
{
  echo "date: $(date -Is); kernel $(uname -r); $(nproc) cores: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "dotnet $(dotnet --version); clients: $(grep -oE 'Include="(NATS.Net|RabbitMQ.Client|StackExchange.Redis)" Version="[^"]*"' \
    "$ROOT/Directory.Packages.props" | sed -E 's/Include="([^"]*)" Version="([^"]*)"/\1 \2/' | paste -sd, -)"
  echo "harness flags: ${ARGS[*]:-(defaults)}"
} | tee "$OUT/versions.txt" >&2

RESULTS=$OUT/results.tsv
: >"$RESULTS"
failed=0
for b in $BROKERS; do
  name=${NAME[$b]}
  log "=== $name ==="
  "start_$b"
  port_var=${b^^}_PORT
  extra=(--port "${!port_var}")
  [[ $b == rabbitmq ]] && extra+=(--rabbitmq-queue "$RABBITMQ_QUEUE")
  rc=0
  timeout --kill-after=30 "$BENCH_TIMEOUT_S" dotnet "$DLL" --broker "$b" "${extra[@]}" --server-pid "$SERVER_PID" \
    --tsv "$RESULTS" --json "${ARGS[@]}" >"$OUT/$name.out" 2> >(tee "$OUT/$name.err" >&2) || rc=$?
  server_totals "$name" | tee -a "$OUT/$name.out" >&2
  stop_broker
  grep '^{' "$OUT/$name.out" | tail -n 1 >"$OUT/$name.json" || true
  grep -v '^{' "$OUT/$name.out" >&2 || true
  ((rc == 0)) || { log "$name: the harness exited with $rc (see $OUT/$name.err)"; failed=1; }
done

# One key of a broker's JSON medians, rates with thousands separated ("—" when absent).
key() {
  local v; v=$(grep -o "\"$2\":[^,}]*" "$OUT/$1.json" 2>/dev/null | head -n 1 | cut -d: -f2-)
  if [[ -z $v || $v == null ]]; then echo "—"; return; fi
  awk -v x="$v" -v k="$2" 'BEGIN {
    if (k ~ /_ms$/) { printf "%.2f\n", x; exit }
    if (k !~ /^(A_append|A_consume|B_e2e|C_deliveries)$/) { print x; exit }
    s = sprintf("%.0f", x); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    print s out }'
}
{
  echo
  echo "Medians, $(date -u +%Y-%m-%d) UTC, in $OUT. Events/s unless noted; CPU-s is the broker process's during each mode's repetition."
  echo
  echo "| | A append | A consume+ack | B live e2e | B p50 [ms] | B p99 [ms] | C deliveries | VmRSS [MiB] A/B/C | CPU-s A/B/C |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for b in $BROKERS; do
    n=${NAME[$b]}
    echo "| $n | $(key "$n" A_append) | $(key "$n" A_consume) | $(key "$n" B_e2e) | $(key "$n" B_p50_ms) | $(key "$n" B_p99_ms) | $(key "$n" C_deliveries) |" \
         "$(key "$n" A_rss_mib)/$(key "$n" B_rss_mib)/$(key "$n" C_rss_mib) | $(key "$n" A_cpu_s)/$(key "$n" B_cpu_s)/$(key "$n" C_cpu_s) |"
  done
  echo
  for b in $BROKERS; do
    n=${NAME[$b]}
    echo "- $n durability: $(grep -o '"durability":"[^"]*"' "$OUT/$n.json" 2>/dev/null | cut -d'"' -f4)"
  done
} | tee "$OUT/summary.md"
exit $failed
