#!/usr/bin/env bash
# Redis (Debian redis-server) on 127.0.0.1:56379, daemonized, no persistence.
# Usage: redis.sh install|start|stop|status
INFRA_NAME=redis
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_DIR="$RUN_DIR/redis"
mkdir -p "$REDIS_DIR"
REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

redis_pid() { pidfile_pid "$REDIS_PID" redis-server; }
redis_ping() { [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

cmd_install() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    apt_install redis-server
  fi
}

cmd_start() {
  cmd_install
  if redis_pid >/dev/null; then
    wait_for 10 "redis ping" "" redis_ping
    log "already running"
    return 0
  fi
  if port_open "$HOST" "$REDIS_PORT"; then
    redis_ping || die "port $REDIS_PORT is taken by something that does not answer PING"
    log "already running without our pidfile (another checkout?); using it"
    return 0
  fi
  mkdir -p "$REDIS_DIR"
  cat >"$REDIS_CONF" <<EOF
# Written by infra/redis.sh on every start; edit the script, not this file.
bind $HOST
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile $REDIS_PID
logfile $REDIS_LOG
dir $REDIS_DIR
save ""
appendonly no
databases 16
EOF
  rm -f "$REDIS_PID"
  log "starting (log $REDIS_LOG)"
  redis-server "$REDIS_CONF"
  wait_for 15 "redis ping" "" redis_ping || {
    tail -n 20 "$REDIS_LOG" >&2
    die "redis did not come up"
  }
  wait_for 5 "redis pidfile" "" redis_pid >/dev/null
}

cmd_stop() {
  local pid
  if pid=$(redis_pid); then
    stop_pid "$pid" redis 30
    rm -f "$REDIS_PID"
  elif port_open "$HOST" "$REDIS_PORT"; then
    log "port $REDIS_PORT answers but without our pidfile; leaving it alone"
  fi
  cmd_status || (($? == 3)) # 3 = down, which is what stop wants
}

cmd_status() {
  local pid
  if pid=$(redis_pid) && redis_ping; then
    status_line redis up "$HOST:$REDIS_PORT pid $pid"
  elif redis_ping; then
    status_line redis up "$HOST:$REDIS_PORT (not ours)"
  else
    status_line redis down "$HOST:$REDIS_PORT"
    return 3
  fi
}

dispatch "$@"
