#!/usr/bin/env bash
# Runs the mlflow-client compatibility suite against a freshly started Chronicle.
#   test/compat/run.sh embedded      one process, embedded Postgres (PGlite), local artifacts
#   test/compat/run.sh distributed   gateway + one process per service on the real Postgres, Kafka
#                                    and S3 of infra/up.sh (a fresh database per run)
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-embedded}
python=${CHRONICLE_PYTHON:-infra/.cache/venv/bin/python}
# Below Linux's ephemeral range (32768+), where outgoing connections (Kafka, Postgres clients) take
# their local ports and could hold one of the six ports the distributed mode binds.
port=$((20000 + RANDOM % 12000))
data=$(mktemp -d)
log="$data/server.log"
# Auth is on, as it ships: the suite signs in as the first administrator, created from these.
export CHRONICLE_ADMIN_USERNAME=admin CHRONICLE_ADMIN_PASSWORD="compat-$RANDOM-$RANDOM-$RANDOM"

case "$mode" in
  embedded)
    env -u CHRONICLE_DATABASE_URL CHRONICLE_ARTIFACT_STORE=local CHRONICLE_LOG_LEVEL=warn \
      node dist/services/cli/src/main.js server --port "$port" --data-dir "$data" >"$log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
    for _ in $(seq 1 240); do
      curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
      kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
      sleep 0.25
    done
    ;;
  distributed)
    db="compat_$(date +%s)_$RANDOM"
    PGPASSWORD=chronicle psql -q -h 127.0.0.1 -p 55432 -U chronicle -d chronicle -c "CREATE DATABASE $db"
    export CHRONICLE_DATABASE_URL="postgres://chronicle:chronicle@127.0.0.1:55432/$db" CHRONICLE_PORT=$port \
      CHRONICLE_SERVICE_PORT_BASE=$((port + 1)) CHRONICLE_RUN_DIR="$data" CHRONICLE_LOG_LEVEL=warn
    log="$data/tracking.log"
    trap 'bash infra/distributed.sh stop; rm -rf "$data"; PGPASSWORD=chronicle psql -q -h 127.0.0.1 -p 55432 -U chronicle -d chronicle -c "DROP DATABASE IF EXISTS $db"' EXIT
    bash infra/distributed.sh start
    ;;
  *) echo "usage: $0 embedded|distributed" >&2; exit 2 ;;
esac
echo "compat ($mode): Chronicle on port $port"
if ! CHRONICLE_URL="http://127.0.0.1:$port" CHRONICLE_USERNAME=admin CHRONICLE_PASSWORD="$CHRONICLE_ADMIN_PASSWORD" "$python" -m pytest test/compat -q -p no:cacheprovider; then
  echo "--- server log (last 80 lines) ---"; tail -n 80 "$log"; exit 1
fi
