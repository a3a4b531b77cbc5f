#!/usr/bin/env bash
# S3Proxy (org.gaul:s3proxy from Maven Central) on http://127.0.0.1:58080: a real S3 API that
# checks AWS v2/v4 signatures (identity chronicle / credential chronicle-secret), path-style only,
# objects on the local filesystem under infra/.run/s3/data. Bucket `chronicle-artifacts` exists.
# Usage: s3.sh install|start|stop|status
INFRA_NAME=s3
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

S3_POM="$INFRA_DIR/s3/pom.xml"
S3_CACHE="$CACHE_DIR/s3proxy"
S3_JARDIR="$S3_CACHE/jar"
S3_STAMP="$S3_CACHE/jar.sha256"
SDIR="$RUN_DIR/s3"
mkdir -p "$SDIR"
S3_DATA="$SDIR/data"
S3_PROPS="$SDIR/s3proxy.properties"
S3_PIDFILE="$SDIR/s3proxy.pid"
S3_LOG="$SDIR/s3proxy.log"
S3_IDENTITY=chronicle
S3_CREDENTIAL=chronicle-secret
S3_BUCKETS=(chronicle-artifacts)
MAIN_MARK=s3proxy

s3_jar() { compgen -G "$S3_JARDIR/s3proxy-*-jar-with-dependencies.jar" | head -n1; }
s3_pid() { pidfile_pid "$S3_PIDFILE" "$MAIN_MARK" || listener_pid "$S3_PORT" "$MAIN_MARK"; }

# Anonymous GET / must be refused with an S3 XML error: proves it is S3Proxy and that it checks auth.
s3_ready() {
  local body
  body=$(curl -s --max-time 3 "http://$HOST:$S3_PORT/" 2>/dev/null) || return 1
  [[ $body == *"<Error>"* ]]
}

cmd_install() {
  local want
  want=$(hash_of "$S3_POM")
  if [[ -f $S3_STAMP && $(<"$S3_STAMP") == "$want" ]] && [[ -n $(s3_jar) ]]; then
    require_java
    return 0
  fi
  mkdir -p "$S3_CACHE"
  mvn_copy_dependencies "$S3_POM" "$S3_JARDIR" "$S3_CACHE/mvn.log"
  [[ -n $(s3_jar) ]] || die "no s3proxy jar-with-dependencies in $S3_JARDIR"
  printf '%s\n' "$want" >"$S3_STAMP"
  log "installed $(basename "$(s3_jar)")"
}

cmd_start() {
  cmd_install
  command -v curl >/dev/null 2>&1 || apt_install curl
  local pid
  if pid=$(s3_pid); then
    wait_for 60 "s3proxy http" "$pid" s3_ready || die "running s3proxy (pid $pid) does not answer"
    log "already running (pid $pid)"
    return 0
  fi
  if port_open "$HOST" "$S3_PORT"; then
    die "port $S3_PORT is taken by something that is not s3proxy"
  fi
  local bucket
  for bucket in "${S3_BUCKETS[@]}"; do
    mkdir -p "$S3_DATA/$bucket" # the filesystem provider's containers are directories
  done
  cat >"$S3_PROPS" <<EOF
# Written by infra/s3.sh on every start; edit the script, not this file.
s3proxy.endpoint=http://$HOST:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_IDENTITY
s3proxy.credential=$S3_CREDENTIAL
jclouds.provider=filesystem
jclouds.filesystem.basedir=$S3_DATA
jclouds.identity=$S3_IDENTITY
jclouds.credential=$S3_CREDENTIAL
EOF
  rm -f "$S3_PIDFILE"
  log "starting (log $S3_LOG)"
  pid=$(spawn "$S3_PIDFILE" "$S3_LOG" env LOG_LEVEL=warn java -Xmx256m -XX:+UseSerialGC \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -jar "$(s3_jar)" --properties "$S3_PROPS")
  if ! wait_for_port "$HOST" "$S3_PORT" 90 "$pid" || ! wait_for 30 "s3proxy http" "$pid" s3_ready; then
    tail -n 40 "$S3_LOG" >&2
    die "s3proxy did not come up"
  fi
  log "up (pid $pid)"
}

cmd_stop() {
  local pid
  if pid=$(s3_pid); then
    stop_pid "$pid" s3proxy 30
  elif port_open "$HOST" "$S3_PORT"; then
    log "port $S3_PORT answers but not from s3proxy; leaving it alone"
  fi
  rm -f "$S3_PIDFILE"
  cmd_status || (($? == 3)) # 3 = down, which is what stop wants
}

cmd_status() {
  local pid jar
  if pid=$(s3_pid) && s3_ready; then
    jar=$(basename "$(s3_jar)")
    status_line s3 up "http://$HOST:$S3_PORT pid $pid (${jar%-jar-with-dependencies.jar})"
  else
    status_line s3 down "http://$HOST:$S3_PORT"
    return 3
  fi
}

dispatch "$@"
