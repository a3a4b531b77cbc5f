#!/usr/bin/env bash
# The environment that points Chronicle at the servers of infra/up.sh (same values as
# libs/config/src/index.ts `infraDefaults`, plus the venv's python).
#   source infra/env.sh          export into the current shell
#   eval "$(infra/env.sh)"       same, from a script
#   bash infra/env.sh            print the export lines
_chronicle_infra_env() {
  local infra_dir
  infra_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  local -a vars=(
    CHRONICLE_DATABASE_URL=postgres://chronicle:chronicle@127.0.0.1:55432/chronicle
    CHRONICLE_KAFKA_BROKERS=127.0.0.1:59092
    CHRONICLE_REDIS_URL=redis://127.0.0.1:56379
    CHRONICLE_S3_ENDPOINT=http://127.0.0.1:58080
    CHRONICLE_S3_ACCESS_KEY=chronicle
    CHRONICLE_S3_SECRET_KEY=chronicle-secret
    CHRONICLE_S3_BUCKET=chronicle-artifacts
    "CHRONICLE_PYTHON=$infra_dir/.cache/venv/bin/python"
  )
  local kv
  for kv in "${vars[@]}"; do
    printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
  done
}

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
  eval "$(_chronicle_infra_env)" # sourced: no set -e, it would leak into the caller's shell
  unset -f _chronicle_infra_env
else
  set -euo pipefail
  _chronicle_infra_env
fi
