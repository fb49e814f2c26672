# Sourced by .ci/run (and by developers: `source .ci/brokers.sh && start_rabbitmq && start_mosquitto`).
# Starts RabbitMQ and Mosquitto from Debian, each as a private instance on 127.0.0.1 with its own
# port and data directory, and exports for the broker specs:
#   ACTORDISPATCH_TEST_AMQP       amqp://guest:guest@127.0.0.1:<port>/
#   ACTORDISPATCH_TEST_AMQP_CTL   <script> stop|start   (the broker-restart specs)
#   ACTORDISPATCH_TEST_MQTT       127.0.0.1:<port>
#   ACTORDISPATCH_TEST_MQTT_CTL   <script> stop|start
# stop_brokers ends both and removes their directories. Chromium (for the dashboard spec) needs no
# start: ACTORDISPATCH_TEST_CHROMIUM names its executable.

AMQP_PORT=${AMQP_PORT:-55672}
MQTT_PORT=${MQTT_PORT:-51883}
BROKER_DIR=${BROKER_DIR:-$(mktemp -d /tmp/actordispatch-ci-brokers.XXXXXX)}

start_rabbitmq() {
  local dir=$BROKER_DIR/rabbitmq
  mkdir -p "$dir/mnesia" "$dir/log"
  # Every name and port of its own, so that it cannot meet another RabbitMQ or Erlang node here.
  cat >"$dir/env" <<ENV
export HOME="$dir" RABBITMQ_NODENAME=adtest@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
  RABBITMQ_NODE_PORT=$AMQP_PORT RABBITMQ_DIST_PORT=$((AMQP_PORT + 1)) ERL_EPMD_PORT=$((AMQP_PORT + 2)) \
  ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
  RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
ENV
  echo 'listeners.tcp.default = 127.0.0.1:'"$AMQP_PORT" >"$dir/rabbitmq.conf"
  cat >"$dir/ctl" <<CTL
#!/usr/bin/env bash
set -euo pipefail
source "$dir/env"
case "\$1" in
  stop|kill) # SIGTERM is RabbitMQ's graceful shutdown
        if [[ -f \$RABBITMQ_PID_FILE ]]; then kill -\$([[ \$1 == kill ]] && echo KILL || echo TERM) "\$(cat "\$RABBITMQ_PID_FILE")" 2>/dev/null || true; fi
        for _ in \$(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$AMQP_PORT) 2>/dev/null || { rm -f "\$RABBITMQ_PID_FILE"; exit 0; }; sleep 0.1; done
        echo "RabbitMQ did not stop" >&2; exit 1 ;;
  start) nohup /usr/lib/rabbitmq/bin/rabbitmq-server >>"$dir/server.out" 2>&1 &
         timeout 120 /usr/lib/rabbitmq/bin/rabbitmqctl wait --timeout 120 "\$RABBITMQ_PID_FILE" >/dev/null ;;
  *) echo "usage: \$0 stop|kill|start" >&2; exit 2 ;;
esac
CTL
  chmod 755 "$dir/ctl"
  "$dir/ctl" start
  export ACTORDISPATCH_TEST_AMQP="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
  export ACTORDISPATCH_TEST_AMQP_CTL="$dir/ctl"
  echo "RabbitMQ on 127.0.0.1:$AMQP_PORT, data $dir"
}

start_mosquitto() {
  local dir=$BROKER_DIR/mosquitto
  mkdir -p "$dir/data"
  cat >"$dir/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/data/
pid_file $dir/mosquitto.pid
log_dest file $dir/mosquitto.log
max_queued_messages 100000
CONF
  [[ $(id -u) == 0 ]] && echo "user root" >>"$dir/mosquitto.conf"
  cat >"$dir/ctl" <<CTL
#!/usr/bin/env bash
set -euo pipefail
case "\$1" in
  stop|kill) if [[ -f "$dir/mosquitto.pid" ]]; then kill -\$([[ \$1 == kill ]] && echo KILL || echo TERM) "\$(cat "$dir/mosquitto.pid")" 2>/dev/null || true; rm -f "$dir/mosquitto.pid"; fi
        for _ in \$(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$MQTT_PORT) 2>/dev/null || exit 0; sleep 0.1; done ;;
  start) /usr/sbin/mosquitto -d -c "$dir/mosquitto.conf"
         for _ in \$(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$MQTT_PORT) 2>/dev/null && exit 0; sleep 0.1; done; echo "mosquitto did not start" >&2; exit 1 ;;
  *) echo "usage: \$0 stop|kill|start" >&2; exit 2 ;;
esac
CTL
  chmod 755 "$dir/ctl"
  "$dir/ctl" start
  export ACTORDISPATCH_TEST_MQTT="127.0.0.1:$MQTT_PORT"
  export ACTORDISPATCH_TEST_MQTT_CTL="$dir/ctl"
  echo "Mosquitto on 127.0.0.1:$MQTT_PORT, data $dir"
}

stop_brokers() {
  [[ -x $BROKER_DIR/rabbitmq/ctl ]] && "$BROKER_DIR/rabbitmq/ctl" stop
  [[ -x $BROKER_DIR/mosquitto/ctl ]] && "$BROKER_DIR/mosquitto/ctl" stop
  [[ -f $BROKER_DIR/rabbitmq/env ]] && (source "$BROKER_DIR/rabbitmq/env" && epmd -kill >/dev/null 2>&1)
  rm -rf "$BROKER_DIR"
}
