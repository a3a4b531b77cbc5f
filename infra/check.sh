#!/usr/bin/env bash
# Smoke-test the running servers of infra/up.sh with real clients: psql, redis-cli, kafkajs
# produce/consume, minio-js (wrong secret refused, 12 MiB multipart, presigned GET), the venv.
# Needs the repo's node_modules (kafkajs, minio). Usage: infra/check.sh
INFRA_NAME=check
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$INFRA_DIR/env.sh"

PGPASSWORD=chronicle psql -X -qAt -h "$HOST" -p "$PG_PORT" -U chronicle -d chronicle \
  -c "select 'postgres: ' || current_user || '@' || current_database() || ', ' || version()" | cut -c1-80
PGPASSWORD=chronicle psql -X -qAt -h "$HOST" -p "$PG_PORT" -U chronicle -d mlflow \
  -c "select 'postgres: database ' || current_database() || ' reachable'"
echo "redis: PING -> $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping)"
[[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping) == PONG ]] || die "redis ping failed"
node "$INFRA_DIR/check/kafka.js"
node "$INFRA_DIR/check/s3.js"
"$CHRONICLE_PYTHON" -c "import mlflow, sklearn; print('python: mlflow', mlflow.__version__, 'sklearn', sklearn.__version__)"
echo "infra check: all ok"
