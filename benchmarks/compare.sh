#!/usr/bin/env bash
# ActorDispatch beside NATS JetStream, RabbitMQ and Redis Streams on this machine, in one command.
# Runs the peer harness (benchmarks/peers.sh: installs and starts each broker, one at a time) on the
# e2e workload, then the e2e runner on the same workload (in process, paced, over WebSockets with
# the runner's lean client and with .NET's ClientWebSocket), and prints one table of medians with
# ActorDispatch's ratio to each broker. The machine is
# shared and its speed drifts by the hour, so only figures taken in one such run are compared.
#
#   bash benchmarks/compare.sh                   # every broker; 20–30 minutes
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
e2e in-process --modes A,B,C
e2e paced --modes B --live-rate "$LIVE_RATE"
e2e websocket --transport websocket --modes A,B,C
e2e websocket-dotnet --transport websocket --ws-client dotnet --modes A,B,C

# One JSON key of ours (null when absent).
ours() { grep -o "\"$2\":[^,}]*" "$OUT/$1.json" | head -n 1 | cut -d: -f2; }
# The median of a broker's metric over its repetitions (peers.sh's results.tsv: broker, metric, rep, value).
theirs() { # dir, broker, metric
  if [[ ! -f $OUT/$1/results.tsv ]]; then echo null; return; fi
  awk -F '\t' -v b="$2" -v m="$3" '$1 == b && $2 == m && $3 > 0 { v[n++] = $4 }
    END { if (n == 0) { print "null"; exit }
          for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          print (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$OUT/$1/results.tsv"
}

declare -A NAME=([nats]=nats-jetstream [rabbitmq]=rabbitmq [redis]=redis-streams)
ROWS=("A: append, one event per call|A_append|A.publish|brokers|N0"
      "A: backlog consume+ack|A_consume|A.consume|brokers|N0"
      "B: live end-to-end|B_e2e|B.e2e|brokers|N0"
      "B: paced ${LIVE_RATE}/s, p50 [ms]|B_p50_ms|B.p50|brokers-paced|F2"
      "B: paced ${LIVE_RATE}/s, p99 [ms]|B_p99_ms|B.p99|brokers-paced|F2"
      "C: fan-out deliveries|C_deliveries|C.deliver|brokers|N0")

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
  echo "Medians, $(date -u +%Y-%m-%d) UTC, run in $OUT. Events/s unless noted; for latency, lower is better."
  echo "Ratios are ActorDispatch (in process) ÷ the broker; WebSocket is ActorDispatch over /ws (the runner's lean client)."
  echo
  header="| | ActorDispatch | WebSocket"
  rule="|---|---:|---:"
  for b in $BROKERS; do header+=" | ${NAME[$b]} | ratio"; rule+="|---:|---:"; done
  echo "$header |"; echo "$rule|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r label key metric dir format <<< "$row"
    source=in-process
    if [[ $dir == brokers-paced ]]; then source=paced; fi
    mine=$(ours "$source" "$key")
    ws=null
    # Appends are made in process in every run: only what subscriptions receive goes over /ws.
    if [[ $dir == brokers && $key != A_append ]]; then ws=$(ours websocket "$key"); fi
    line="| $label | $(fmt "$mine" "$format") | $(fmt "$ws" "$format")"
    for b in $BROKERS; do
      other=$(theirs "$dir" "${NAME[$b]}" "$metric")
      line+=" | $(fmt "$other" "$format") | $(ratio "$mine" "$other")"
    done
    echo "$line |"
  done
  echo
  for client in websocket websocket-dotnet; do
    label="WebSocket ÷ in process"
    if [[ $client == websocket-dotnet ]]; then
      label="WebSocket with ClientWebSocket ($(fmt "$(ours "$client" A_consume)" N0) / $(fmt "$(ours "$client" B_e2e)" N0) / $(fmt "$(ours "$client" C_deliveries)" N0)) ÷ in process"
    fi
    echo "$label: consume+ack $(ratio "$(ours "$client" A_consume)" "$(ours in-process A_consume)")," \
      "live $(ratio "$(ours "$client" B_e2e)" "$(ours in-process B_e2e)"), fan-out $(ratio "$(ours "$client" C_deliveries)" "$(ours in-process C_deliveries)")"
  done
  echo
  # What each broker's acks promised in this run, as the harness read it back from the broker.
  for b in $BROKERS; do
    echo "- ${NAME[$b]}: $(grep -o '"durability":"[^"]*"' "$OUT/brokers/${NAME[$b]}.json" 2>/dev/null | cut -d'"' -f4)"
  done
} | tee "$OUT/table.md"
