#!/usr/bin/env bash
# ActorDispatch beside NATS JetStream, RabbitMQ and Redis Streams on this machine, in one command.
# Runs the peer harness (benchmarks/peers.sh: installs and starts each broker, one at a time) on the
# e2e workload, then the e2e runner on the same workload (the server as its own process at full and
# at process durability, flat out and paced; in process; over WebSockets in process), and prints one
# table of medians with ActorDispatch's ratio to each broker. The machine is
# shared and its speed drifts by the hour, so only figures taken in one such run are compared.
#
#   bash benchmarks/compare.sh                   # every broker; 40–50 minutes
#   BROKERS="nats" bash benchmarks/compare.sh    # a subset
#   bash benchmarks/compare.sh --quick           # wiring check: N=20000, 1 repetition, 8 s warm-up
#
# Everything (the brokers' results, ours, the table) goes to $OUT, default
# /tmp/actordispatch-compare/<timestamp>; the table is also printed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BROKERS=${BROKERS:-"nats rabbitmq redis"}
WARMUP_S=${WARMUP_S:-60}
LIVE_RATE=${LIVE_RATE:-5000}
DURABILITIES=${DURABILITIES:-"full process"}
# How the server's publisher appends: over its append stream (one WebSocket, answered in order, as a
# broker's client publishes) or as REST POSTs.
APPEND=${APPEND:-stream}
OUT=${OUT:-/tmp/actordispatch-compare/$(date +%Y%m%d-%H%M%S)}

WORKLOAD=()
case "${1:-}" in
  "") ;;
  --quick) WORKLOAD=(--n 20000 --fanout-n 5000 --reps 1); WARMUP_S=8 ;;
  *) echo "usage: bash benchmarks/compare.sh [--quick]" >&2; exit 2 ;;
esac

log() { printf '%s [compare] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$OUT"

log "brokers ($BROKERS), then ActorDispatch; results in $OUT"
peers() { # out dir, harness flags...
  local dir=$1; shift
  OUT="$OUT/$dir" BROKERS="$BROKERS" bash "$ROOT/benchmarks/peers.sh" --warmup-s "$WARMUP_S" "${WORKLOAD[@]}" "$@" > "$OUT/$dir.log" 2>&1 \
    || { log "peers.sh failed: see $OUT/$dir.log"; exit 1; }
}
peers brokers --modes A,B,C
peers brokers-paced --modes B --live-rate "$LIVE_RATE"

dotnet build "$ROOT/benchmarks/ActorDispatch.Benchmarks" -c Release -nologo -clp:ErrorsOnly > "$OUT/build.log" 2>&1 \
  || { log "build failed: see $OUT/build.log"; exit 1; }
e2e() { # name, flags...
  local name=$1; shift
  log "ActorDispatch: $name"
  (cd "$ROOT" && dotnet run -c Release --no-build --project benchmarks/ActorDispatch.Benchmarks -- \
    e2e --warmup-s "$WARMUP_S" "${WORKLOAD[@]}" --json "$@") > "$OUT/$name.out" 2> "$OUT/$name.err" \
    || { log "e2e $name failed: see $OUT/$name.err"; exit 1; }
  tail -n 1 "$OUT/$name.out" > "$OUT/$name.json"
}
# The server as its own process, as a user runs it beside brokers: at full durability (each commit
# synced, as RabbitMQ's confirms) and at process durability (the class of JetStream's page-cache
# writes and Redis's fsync every second).
for d in $DURABILITIES; do
  e2e "server-$d" --server process --append "$APPEND" --durability "$d" --modes A,B,C
  e2e "server-$d-paced" --server process --append "$APPEND" --durability "$d" --modes B --live-rate "$LIVE_RATE"
done
e2e in-process --modes A,B,C
e2e paced --modes B --live-rate "$LIVE_RATE"
e2e websocket --transport websocket --modes A,B,C

# One JSON key of ours (null when absent).
ours() { [[ -f $OUT/$1.json ]] || { echo null; return; }; grep -o "\"$2\":[^,}]*" "$OUT/$1.json" | head -n 1 | cut -d: -f2; }
# The median of a broker's metric over its repetitions (peers.sh's results.tsv: broker, metric, rep, value).
theirs() { # dir, broker, metric
  if [[ ! -f $OUT/$1/results.tsv ]]; then echo null; return; fi
  awk -F '\t' -v b="$2" -v m="$3" '$1 == b && $2 == m && $3 > 0 { v[n++] = $4 }
    END { if (n == 0) { print "null"; exit }
          for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          print (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$OUT/$1/results.tsv"
}
# A broker's JSON key (its RSS after a mode).
their_key() { grep -o "\"$3\":[^,}]*" "$OUT/$1/$2.json" 2>/dev/null | head -n 1 | cut -d: -f2 || echo null; }

declare -A NAME=([nats]=nats-jetstream [rabbitmq]=rabbitmq [redis]=redis-streams)
# Which of our durabilities a broker's acks compare with: JetStream and Redis do not sync each write.
declare -A CLASS=([nats]=process [rabbitmq]=full [redis]=process)
ROWS=("A: append, one event per call|A_append|A.publish|brokers|N0"
      "A: backlog consume+ack|A_consume|A.consume|brokers|N0"
      "B: live end-to-end|B_e2e|B.e2e|brokers|N0"
      "B: paced ${LIVE_RATE}/s, p50 [ms]|B_p50_ms|B.p50|brokers-paced|F2"
      "B: paced ${LIVE_RATE}/s, p99 [ms]|B_p99_ms|B.p99|brokers-paced|F2"
      "C: fan-out deliveries|C_deliveries|C.deliver|brokers|N0"
      "RSS after C [MiB]|C_server_rss_mib|C_rss_mib|brokers|N0")

fmt() { # value, N0 (thousands separated) | F2
  if [[ $1 == null || -z $1 ]]; then echo "—"; return; fi
  awk -v x="$1" -v f="$2" 'BEGIN {
    if (f == "F2") { printf "%.2f\n", x; exit }
    s = sprintf("%.0f", x); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    print s out }'
}
ratio() {
  if [[ $1 == null || $2 == null || -z $1 || -z $2 ]]; then echo "—"; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×\n", a / b }'
}

{
  echo "Medians, $(date -u +%Y-%m-%d) UTC, run in $OUT. Events/s unless noted; for latency and memory, lower is better."
  echo "\"server, full/process\": ActorDispatch.Server in its own process (SQLite), appends over $([[ $APPEND == stream ]] && echo "its append stream" || echo REST), consumption over /ws,"
  echo "at each durability. Ratios are ActorDispatch's server at the broker's durability class ÷ the broker."
  echo
  header="|"; rule="|---"
  for d in $DURABILITIES; do header+=" | server, $d"; rule+="|---:"; done
  header+=" | in process | WebSocket in process"; rule+="|---:|---:"
  for b in $BROKERS; do header+=" | ${NAME[$b]} | ratio"; rule+="|---:|---:"; done
  echo "$header |"; echo "$rule|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r label key metric dir format <<< "$row"
    suffix=""
    if [[ $dir == brokers-paced ]]; then suffix="-paced"; fi
    line="| $label"
    declare -A mine=()
    for d in $DURABILITIES; do mine[$d]=$(ours "server-$d$suffix" "$key"); line+=" | $(fmt "${mine[$d]}" "$format")"; done
    inkey=$key; [[ $key == C_server_rss_mib ]] && inkey=rss_mib
    inproc=null; ws=null
    if [[ $dir == brokers ]]; then inproc=$(ours in-process "$inkey"); [[ $key == A_append ]] || ws=$(ours websocket "$inkey"); fi
    [[ $dir == brokers-paced ]] && inproc=$(ours paced "$key")
    line+=" | $(fmt "$inproc" "$format") | $(fmt "$ws" "$format")"
    for b in $BROKERS; do
      if [[ $key == C_server_rss_mib ]]; then other=$(their_key brokers "${NAME[$b]}" C_rss_mib)
      else other=$(theirs "$dir" "${NAME[$b]}" "$metric"); fi
      line+=" | $(fmt "$other" "$format") | $(ratio "${mine[${CLASS[$b]}]:-null}" "$other")"
    done
    echo "$line |"
  done
  echo
  echo "WebSocket in process ÷ in process: consume+ack $(ratio "$(ours websocket A_consume)" "$(ours in-process A_consume)")," \
    "live $(ratio "$(ours websocket B_e2e)" "$(ours in-process B_e2e)"), fan-out $(ratio "$(ours websocket C_deliveries)" "$(ours in-process C_deliveries)")"
  echo
  for d in $DURABILITIES; do
    echo "- ActorDispatch, $d: $(grep -o '"durability":"[^"]*"' "$OUT/server-$d.json" 2>/dev/null | cut -d'"' -f4), GC $(grep -o '"gc":"[^"]*"' "$OUT/server-$d.json" 2>/dev/null | cut -d'"' -f4)"
  done
  # What each broker's acks promised in this run, as the harness read it back from the broker.
  for b in $BROKERS; do
    echo "- ${NAME[$b]}: $(grep -o '"durability":"[^"]*"' "$OUT/brokers/${NAME[$b]}.json" 2>/dev/null | cut -d'"' -f4)"
  done
} | tee "$OUT/table.md"
