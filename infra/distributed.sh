#!/usr/bin/env bash
# Distributed mode: every service as its own process on the infrastructure of infra/up.sh.
#   infra/distributed.sh start    build first (npm run build); prints the gateway URL
#   infra/distributed.sh stop
# Env: CHRONICLE_PORT (gateway, default 5000), CHRONICLE_SERVICE_PORT_BASE (default 5100),
# CHRONICLE_DATABASE_URL and the other CHRONICLE_* variables (defaults: infra/env.sh),
# CHRONICLE_RUN_DIR (pids and logs, default infra/.run/services), CHRONICLE_ADMIN_USERNAME and
# CHRONICLE_ADMIN_PASSWORD (the first administrator, needed on a database without users).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# infra/env.sh's values fill in only what the caller did not set.
while read -r _ kv; do
  key=${kv%%=*}
  [[ -n ${!key:-} ]] || eval "export $kv"
done < <(bash "$root/infra/env.sh")
# The gateway signs each caller's principal with it and every service checks the signature.
export CHRONICLE_PRINCIPAL_SECRET=${CHRONICLE_PRINCIPAL_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
run_dir=${CHRONICLE_RUN_DIR:-$root/infra/.run/services}
gateway_port=${CHRONICLE_PORT:-5000}
base=${CHRONICLE_SERVICE_PORT_BASE:-5100}
services=(tracking registry prompts evaluation audit)

port_of() {
  local i
  for i in "${!services[@]}"; do [[ ${services[$i]} == "$1" ]] && echo $((base + i + 1)); done
}

wait_ready() {
  local name=$1 url=$2
  for _ in $(seq 1 240); do
    curl -sf "$url/ready" >/dev/null && return 0
    kill -0 "$(cat "$run_dir/$name.pid")" 2>/dev/null || { echo "$name exited:" >&2; tail -n 40 "$run_dir/$name.log" >&2; return 1; }
    sleep 0.25
  done
  echo "$name not ready after 60 s" >&2
  tail -n 40 "$run_dir/$name.log" >&2
  return 1
}

launch() {
  local name=$1 port=$2
  shift 2
  env "$@" CHRONICLE_PORT="$port" node "$root/dist/services/$name/src/main.js" >"$run_dir/$name.log" 2>&1 &
  echo $! >"$run_dir/$name.pid"
}

start() {
  [[ -f $root/dist/services/gateway/src/main.js ]] || { echo "build first: npm run build" >&2; exit 1; }
  mkdir -p "$run_dir"
  for name in "${services[@]}"; do launch "$name" "$(port_of "$name")"; done
  launch gateway "$gateway_port" CHRONICLE_TRACKING_URL="http://127.0.0.1:$(port_of tracking)"
  for name in "${services[@]}"; do wait_ready "$name" "http://127.0.0.1:$(port_of "$name")"; done
  wait_ready gateway "http://127.0.0.1:$gateway_port"
  echo "Chronicle (distributed) is ready on http://127.0.0.1:$gateway_port"
  for name in "${services[@]}"; do echo "  $name: http://127.0.0.1:$(port_of "$name") (log $run_dir/$name.log)"; done
  echo "  export MLFLOW_TRACKING_URI=http://127.0.0.1:$gateway_port"
}

stop() {
  local name pid
  for name in gateway "${services[@]}"; do
    [[ -f $run_dir/$name.pid ]] || continue
    pid=$(cat "$run_dir/$name.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null && echo "$name did not stop in 10 s: killed" >&2
    fi
    rm -f "$run_dir/$name.pid"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
