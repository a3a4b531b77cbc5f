#!/usr/bin/env bash
# Apache Kafka 3.9.1 broker (KRaft combined mode, one node) from Maven Central jars.
# PLAINTEXT 127.0.0.1:59092, controller 127.0.0.1:59093.
# Usage: kafka.sh install|start|stop|restart|kill|status|ready
#   stop    graceful (SIGTERM, waits for exit)      kill  SIGKILL, no shutdown (crash test)
#   restart stop + start                            ready exit 0 iff a metadata request works
INFRA_NAME=kafka
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_POM="$INFRA_DIR/kafka/pom.xml"
KAFKA_CACHE="$CACHE_DIR/kafka"
KAFKA_JARS="$KAFKA_CACHE/jars"
KAFKA_STAMP="$KAFKA_CACHE/jars.sha256"
KDIR="$RUN_DIR/kafka"
mkdir -p "$KDIR"
KAFKA_PROPS="$KDIR/server.properties"
KAFKA_PIDFILE="$KDIR/kafka.pid"
KAFKA_OUT="$KDIR/kafka.out"        # JVM stdout/stderr (normally empty)
KAFKA_LOG="$KDIR/logs/server.log"  # broker log (log4j)
KAFKA_READY_OUT="$KDIR/ready.out"  # last readiness-check output
KAFKA_HEAP=${CHRONICLE_KAFKA_HEAP:--Xms256m -Xmx512m}
MAIN_CLASS=kafka.Kafka

LOG4J_OPTS=(-Dlog4j.configuration="file:$INFRA_DIR/kafka/log4j.properties" -Dkafka.logs.dir="$KDIR/logs")

kafka_java() { java "${LOG4J_OPTS[@]}" -cp "$KAFKA_JARS/*" "$@"; }

# pid of the running broker: ours (pidfile), else whatever kafka.Kafka listens on the port.
kafka_pid() {
  pidfile_pid "$KAFKA_PIDFILE" "$MAIN_CLASS" || listener_pid "$KAFKA_PORT" "$MAIN_CLASS"
}

kafka_version() {
  local jar
  jar=$(compgen -G "$KAFKA_JARS/kafka_2.13-*.jar" | head -n1) || return 0
  jar=${jar##*/kafka_2.13-}
  printf '%s\n' "${jar%.jar}"
}

ready_mode() {
  if [[ -n ${CHRONICLE_KAFKA_READY:-} ]]; then
    printf '%s\n' "$CHRONICLE_KAFKA_READY"
  elif command -v node >/dev/null 2>&1 && [[ -d $REPO_DIR/node_modules/kafkajs ]]; then
    echo node
  else
    echo java
  fi
}

# A metadata request answers (port open is not enough: KRaft needs the broker registered).
kafka_ready() {
  port_open "$HOST" "$KAFKA_PORT" || return 1
  case $(ready_mode) in
  node) node "$INFRA_DIR/kafka/ready.js" "$HOST:$KAFKA_PORT" >"$KAFKA_READY_OUT" 2>&1 ;;
  java)
    java -Dlog4j.defaultInitOverride=true -cp "$KAFKA_JARS/*" \
      "$INFRA_DIR/kafka/KafkaReady.java" "$HOST:$KAFKA_PORT" >"$KAFKA_READY_OUT" 2>&1
    ;;
  *) die "CHRONICLE_KAFKA_READY must be node or java" ;;
  esac
}

cmd_install() {
  local want
  want=$(hash_of "$KAFKA_POM")
  if [[ -d $KAFKA_JARS && -f $KAFKA_STAMP && $(<"$KAFKA_STAMP") == "$want" ]]; then
    require_java
    return 0
  fi
  mkdir -p "$KAFKA_CACHE"
  mvn_copy_dependencies "$KAFKA_POM" "$KAFKA_JARS" "$KAFKA_CACHE/mvn.log"
  compgen -G "$KAFKA_JARS/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar in $KAFKA_JARS"
  printf '%s\n' "$want" >"$KAFKA_STAMP"
  log "installed $(find "$KAFKA_JARS" -name '*.jar' | wc -l) jars ($(du -sh "$KAFKA_JARS" | cut -f1))"
}

write_props() {
  cat >"$KAFKA_PROPS" <<EOF
# Written by infra/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KDIR/data

# Single node: every internal topic with replication factor 1.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
default.replication.factor=1
min.insync.replicas=1

# Tests: topics appear on first use, consumers join without delay.
auto.create.topics.enable=true
num.partitions=3
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
# After a SIGKILL the restarted controller waits out the dead incarnation's session before the
# broker can register again (DuplicateBrokerRegistrationException); keep that short (default 9s).
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000

num.network.threads=3
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=67108864
EOF
}

format_storage() {
  local id_file="$KDIR/cluster.id" cluster_id
  if [[ ! -s $id_file ]]; then
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_OUT" | tail -n1)
    [[ $cluster_id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed '$cluster_id'"
    printf '%s\n' "$cluster_id" >"$id_file"
  fi
  cluster_id=$(<"$id_file")
  log "formatting storage (cluster id $cluster_id)"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_PROPS" --ignore-formatted \
    >>"$KAFKA_OUT" 2>&1 || {
    tail -n 20 "$KAFKA_OUT" >&2
    die "kafka storage format failed"
  }
}

fail_start() {
  log "last lines of $KAFKA_LOG:"
  tail -n 40 "$KAFKA_LOG" >&2 2>/dev/null || log "(no broker log)"
  [[ -s $KAFKA_OUT ]] && tail -n 20 "$KAFKA_OUT" >&2
  [[ -s $KAFKA_READY_OUT ]] && cat "$KAFKA_READY_OUT" >&2
  die "$1"
}

cmd_start() {
  cmd_install
  local pid
  if pid=$(kafka_pid); then
    wait_for 90 "kafka metadata" "$pid" kafka_ready || fail_start "running broker (pid $pid) does not answer metadata"
    log "already running (pid $pid)"
    return 0
  fi
  if port_open "$HOST" "$KAFKA_PORT" || port_open "$HOST" "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by something that is not a kafka.Kafka broker"
  fi
  mkdir -p "$KDIR/data" "$KDIR/logs"
  write_props
  [[ -f $KDIR/data/meta.properties ]] || format_storage
  rm -f "$KAFKA_PIDFILE"
  log "starting (log $KAFKA_LOG)"
  # shellcheck disable=SC2086 # KAFKA_HEAP holds several options
  pid=$(spawn "$KAFKA_PIDFILE" "$KAFKA_OUT" java $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true "${LOG4J_OPTS[@]}" \
    -cp "$KAFKA_JARS/*" "$MAIN_CLASS" "$KAFKA_PROPS")
  wait_for_port "$HOST" "$KAFKA_PORT" 120 "$pid" || fail_start "broker did not open $HOST:$KAFKA_PORT"
  wait_for 90 "kafka metadata" "$pid" kafka_ready || fail_start "broker does not answer metadata"
  log "up (pid $pid)"
}

cmd_stop() {
  local pid
  if pid=$(kafka_pid); then
    stop_pid "$pid" kafka 120
  elif port_open "$HOST" "$KAFKA_PORT"; then
    log "port $KAFKA_PORT answers but not from a kafka.Kafka process; leaving it alone"
  fi
  rm -f "$KAFKA_PIDFILE"
  cmd_status || (($? == 3)) # 3 = down, which is what stop wants
}

cmd_kill() {
  local pid
  if pid=$(kafka_pid); then
    kill_pid "$pid" kafka
  else
    log "not running"
  fi
  rm -f "$KAFKA_PIDFILE"
  cmd_status || (($? == 3))
}

cmd_restart() {
  cmd_stop
  cmd_start
}

cmd_ready() { kafka_ready; }

cmd_status() {
  local pid
  if pid=$(kafka_pid) && kafka_ready; then
    status_line kafka up "$HOST:$KAFKA_PORT pid $pid ($(kafka_version), KRaft)"
  elif pid=$(kafka_pid); then
    status_line kafka starting "$HOST:$KAFKA_PORT pid $pid (no metadata answer yet)"
    return 3
  else
    status_line kafka down "$HOST:$KAFKA_PORT"
    return 3
  fi
}

dispatch "$@"
