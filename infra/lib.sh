# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts that source it
# Shared helpers for infra/*.sh: paths, fixed loopback ports, logging, waiting, pidfiles.
# Sourced, never run. Every script works from any cwd: paths come from this file's location.

set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$INFRA_DIR/.." && pwd)"
CACHE_DIR="$INFRA_DIR/.cache" # downloads and installs (gitignored)
RUN_DIR="$INFRA_DIR/.run"     # data, logs, pidfiles (gitignored)
mkdir -p "$CACHE_DIR" "$RUN_DIR"

# Fixed loopback endpoints; libs/config/src/index.ts `infraDefaults` uses the same values.
readonly HOST=127.0.0.1
readonly PG_PORT=55432
readonly REDIS_PORT=56379
readonly KAFKA_PORT=59092
readonly KAFKA_CONTROLLER_PORT=59093
readonly S3_PORT=58080

export DEBIAN_FRONTEND=noninteractive

log() { printf '[infra:%s] %s\n' "${INFRA_NAME:-infra}" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# status_line NAME STATE DETAIL: the one-line status that up.sh/down.sh print per server.
status_line() { printf '%-9s %-8s %s\n' "$1" "$2" "$3"; }

# apt_install PKG...: apt-get install, refreshing the package lists first (once per process).
_APT_UPDATED=0
apt_install() {
  [[ $(id -u) -eq 0 ]] || die "need root to apt-get install $*"
  if [[ $_APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    apt-get update -qq
    _APT_UPDATED=1
  fi
  log "apt-get install $*"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# A JDK, not a JRE: kafka/KafkaReady.java runs in source-file mode (needs jdk.compiler).
require_java() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless
}

require_maven() {
  require_java
  command -v mvn >/dev/null 2>&1 || apt_install maven
}

# hash_of FILE...: sha256 of the files' contents.
hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# mvn_copy_dependencies POM OUTDIR LOGFILE: fetch a pom's runtime dependencies into OUTDIR,
# atomically (a temp dir renamed at the end), with Maven's local repository under .cache.
mvn_copy_dependencies() {
  local pom=$1 out=$2 logfile=$3 tmp="$2.tmp"
  require_maven
  rm -rf "$tmp"
  log "mvn dependency:copy-dependencies ($pom) -> $out"
  if ! mvn -B -q -Dstyle.color=never -f "$pom" \
    -Dmaven.repo.local="$CACHE_DIR/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
    >"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    die "maven failed, see $logfile"
  fi
  rm -rf "$out"
  mv "$tmp" "$out"
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# proc_alive PID: true when PID exists and is not a zombie.
proc_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# proc_matches PID PATTERN: true when the process is alive and its command line contains PATTERN
# (guards against a stale pidfile whose pid was reused).
proc_matches() {
  proc_alive "$1" || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# pidfile_pid PIDFILE PATTERN: print the pid recorded in PIDFILE if that process runs PATTERN.
pidfile_pid() {
  local pidfile=$1 pattern=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  proc_matches "$pid" "$pattern" || return 1
  printf '%s\n' "$pid"
}

# listener_pid PORT PATTERN: pid of the process listening on HOST:PORT if it runs PATTERN
# (used when a server runs without our pidfile, e.g. started by another checkout).
listener_pid() {
  local port=$1 pattern=$2 pid
  pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)
  [[ -n $pid ]] || return 1
  proc_matches "$pid" "$pattern" || return 1
  printf '%s\n' "$pid"
}

# wait_for SECONDS WHAT PID CMD...: run CMD until it succeeds. Fails after SECONDS, or as soon
# as PID (if not empty) has exited.
wait_for() {
  local timeout=$1 what=$2 pid=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if [[ -n $pid ]] && ! proc_alive "$pid"; then
      log "process $pid exited while waiting for $what"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.2
  done
}

wait_for_port() { wait_for "$3" "$1:$2" "${4:-}" port_open "$1" "$2"; }

# wait_gone PID SECONDS: true once PID has exited.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while proc_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# stop_pid PID NAME SECONDS: SIGTERM, wait up to SECONDS; if still alive, warn and SIGKILL.
stop_pid() {
  local pid=$1 name=$2 timeout=$3
  log "stopping $name (pid $pid, SIGTERM)"
  if ! kill -TERM "$pid" 2>/dev/null; then
    if proc_alive "$pid"; then die "cannot signal $name pid $pid"; fi
    return 0 # already gone
  fi
  if ! wait_gone "$pid" "$timeout"; then
    log "WARNING: $name pid $pid still alive after ${timeout}s; sending SIGKILL"
    kill_pid "$pid" "$name"
  fi
}

# kill_pid PID NAME: SIGKILL and wait until it is gone.
kill_pid() {
  local pid=$1 name=$2
  log "killing $name (pid $pid, SIGKILL)"
  if ! kill -KILL "$pid" 2>/dev/null; then
    if proc_alive "$pid"; then die "cannot signal $name pid $pid"; fi
    return 0 # already gone
  fi
  wait_gone "$pid" 30 || die "$name pid $pid survived SIGKILL"
}

# spawn PIDFILE LOGFILE CMD...: start CMD detached (own session, stdin from /dev/null, output to
# LOGFILE) and record its pid. setsid execs in place (we are not a process-group leader), so the
# recorded pid is CMD's own.
spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  local pid=$!
  printf '%s\n' "$pid" >"$pidfile"
  printf '%s\n' "$pid"
}

# dispatch NAME "$@": run subcommand function cmd_<sub> of the calling script.
dispatch() {
  local sub=${1:-}
  if (($#)); then shift; fi
  if [[ -z $sub ]] || ! declare -F "cmd_$sub" >/dev/null; then
    local subs
    subs=$(declare -F | awk '{print $3}' | grep '^cmd_' | sed 's/^cmd_//' | paste -sd'|')
    echo "usage: $(basename "$0") {$subs}" >&2
    exit 2
  fi
  "cmd_$sub" "$@"
}
