#!/usr/bin/env bash
# Python virtualenv at infra/.cache/venv with the pins of infra/requirements.txt (mlflow client
# and server, scikit-learn, pytest, requests, psycopg2-binary), constrained by the full lock
# infra/requirements.lock. Packages are installed with uv (pinned below; pip needs minutes to
# resolve mlflow's ~90 dependencies, uv ~20 s). No server: start = install.
# Usage: python.sh install|start|stop|status|lock
# The venv records a hash of requirements.txt + requirements.lock + the base interpreter; a match
# skips the install entirely.
INFRA_NAME=python
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV="$CACHE_DIR/venv"
VENV_PY="$VENV/bin/python"
REQ="$INFRA_DIR/requirements.txt"
LOCK="$INFRA_DIR/requirements.lock"
STAMP="$VENV/.chronicle-requirements.sha256"
PIP_LOG="$CACHE_DIR/pip.log"
UV_VERSION=0.13.9
UV="$VENV/bin/uv"
BASE_PY=${CHRONICLE_BASE_PYTHON:-python3}
PY_ID_CODE='import sys; print(sys.version.split()[0], sys.implementation.name)'

export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
export UV_CACHE_DIR="$CACHE_DIR/uv" UV_NO_PROGRESS=1 UV_NATIVE_TLS=${UV_NATIVE_TLS:-1}

venv_current() {
  [[ -x $VENV_PY && -f $STAMP ]] || return 1
  [[ $(<"$STAMP") == "$(printf '%s\n%s\n' "$(hash_of "$REQ" "$LOCK")" "$("$VENV_PY" -c "$PY_ID_CODE")")" ]]
}

ensure_uv() {
  if [[ -x $UV && $("$UV" --version 2>/dev/null) == "uv $UV_VERSION"* ]]; then
    return 0
  fi
  log "pip install uv==$UV_VERSION"
  if ! "$VENV_PY" -m pip install -q "uv==$UV_VERSION" >"$PIP_LOG" 2>&1; then
    tail -n 20 "$PIP_LOG" >&2
    die "pip install uv failed, see $PIP_LOG"
  fi
}

cmd_install() {
  if venv_current; then
    return 0
  fi
  command -v "$BASE_PY" >/dev/null 2>&1 || apt_install python3 python3-venv
  local base_id
  base_id=$("$BASE_PY" -c "$PY_ID_CODE")
  if [[ -x $VENV_PY && $("$VENV_PY" -c "$PY_ID_CODE" 2>/dev/null) == "$base_id" ]]; then
    log "requirements.txt changed: updating $VENV"
  else
    log "creating $VENV with $BASE_PY ($base_id)"
    rm -rf "$VENV"
    "$BASE_PY" -m venv "$VENV"
  fi
  rm -f "$STAMP"
  ensure_uv
  log "uv pip install -r requirements.txt -c requirements.lock (log $PIP_LOG)"
  if ! "$UV" pip install --python "$VENV_PY" -r "$REQ" -c "$LOCK" >"$PIP_LOG" 2>&1; then
    tail -n 40 "$PIP_LOG" >&2
    die "package install failed, see $PIP_LOG"
  fi
  "$VENV_PY" -c 'import mlflow, sklearn, pytest, requests, psycopg2' || die "venv imports fail"
  printf '%s\n%s\n' "$(hash_of "$REQ" "$LOCK")" "$base_id" >"$STAMP"
  log "installed mlflow $("$VENV_PY" -c 'import importlib.metadata as m; print(m.version("mlflow"))')"
}

# Re-resolve requirements.txt into requirements.lock (newest versions matching the pins).
cmd_lock() {
  [[ -x $VENV_PY ]] || cmd_install
  ensure_uv
  local tmp
  tmp=$(mktemp)
  "$UV" pip compile --quiet --python "$VENV_PY" --no-header --annotation-style line \
    "$REQ" -o "$tmp"
  {
    sed -n '1,2p' "$LOCK"
    cat "$tmp"
  } >"$LOCK.new"
  rm -f "$tmp"
  mv "$LOCK.new" "$LOCK"
  log "wrote $LOCK; run infra/python.sh install to apply it"
}

cmd_start() { cmd_install; }
cmd_stop() { cmd_status || (($? == 3)); }

cmd_status() {
  if venv_current; then
    status_line python ready "$VENV_PY (mlflow $("$VENV_PY" -c 'import importlib.metadata as m; print(m.version("mlflow"))'))"
  else
    status_line python missing "$VENV_PY (run infra/python.sh install)"
    return 3
  fi
}

dispatch "$@"
