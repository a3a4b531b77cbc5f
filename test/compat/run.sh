#!/usr/bin/env bash
# Runs the mlflow-client compatibility suite against a freshly started Chronicle.
#   test/compat/run.sh embedded     one process, embedded Postgres (PGlite), local artifacts
#   test/compat/run.sh postgres     one process on the real Postgres and S3 started by infra/up.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-embedded}
python=${CHRONICLE_PYTHON:-infra/.cache/venv/bin/python}
port=$((20000 + RANDOM % 20000))
data=$(mktemp -d)
log="$data/server.log"

case "$mode" in
  embedded) env_args=(-u CHRONICLE_DATABASE_URL CHRONICLE_ARTIFACT_STORE=local) ;;
  postgres)
    db="compat_$(date +%s)_$RANDOM"
    PGPASSWORD=chronicle psql -q -h 127.0.0.1 -p 55432 -U chronicle -d chronicle -c "CREATE DATABASE $db"
    env_args=(CHRONICLE_DATABASE_URL="postgres://chronicle:chronicle@127.0.0.1:55432/$db" CHRONICLE_ARTIFACT_STORE=s3)
    ;;
  *) echo "usage: $0 embedded|postgres" >&2; exit 2 ;;
esac

env "${env_args[@]}" CHRONICLE_LOG_LEVEL=warn node dist/services/cli/src/main.js server --port "$port" --data-dir "$data" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
echo "compat ($mode): Chronicle on port $port"
if ! CHRONICLE_URL="http://127.0.0.1:$port" "$python" -m pytest test/compat -q -p no:cacheprovider; then
  echo "--- server log (last 80 lines) ---"; tail -n 80 "$log"; exit 1
fi
