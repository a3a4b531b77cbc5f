#!/usr/bin/env bash
# PostgreSQL 15 (Debian package) on 127.0.0.1:55432, role/password chronicle/chronicle,
# databases `chronicle` and `mlflow`. Usage: postgres.sh install|start|stop|status
#
# initdb refuses to run as root, so the cluster runs as the `postgres` OS user. Its data lives in
# infra/.run/postgres when that user can reach it, else in /var/lib/chronicle-pg (override:
# CHRONICLE_PG_BASE). The `chronicle` role is not a superuser; it may create databases and roles,
# which the tests and benchmarks do.
INFRA_NAME=postgres
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN=/usr/lib/postgresql/15/bin
PG_OS_USER=postgres
PG_ROLE=chronicle
PG_PASSWORD=chronicle
PG_DATABASES=(chronicle mlflow)

as_pg() { (cd / && runuser -u "$PG_OS_USER" -- "$@"); }

# Decide where the cluster lives (prints the base dir; data is BASE/data).
pg_base() {
  if [[ -n ${CHRONICLE_PG_BASE:-} ]]; then
    printf '%s\n' "$CHRONICLE_PG_BASE"
    return
  fi
  local in_repo="$RUN_DIR/postgres"
  if [[ -d $in_repo/data ]]; then
    printf '%s\n' "$in_repo"
    return
  fi
  # Can the postgres user reach infra/.run? (every parent must be traversable)
  if id "$PG_OS_USER" >/dev/null 2>&1 && as_pg test -x "$RUN_DIR"; then
    printf '%s\n' "$in_repo"
  else
    printf '%s\n' /var/lib/chronicle-pg
  fi
}

PG_BASE=$(pg_base)
PGDATA="$PG_BASE/data"
PG_LOG="$PG_BASE/postgres.log"
# Unix socket next to the data (short paths only: sun_path is 108 bytes).
if ((${#PG_BASE} <= 80)); then PG_SOCK_DIR="$PG_BASE"; else PG_SOCK_DIR=/tmp; fi

# Runs the SQL on stdin as the postgres superuser over the Unix socket (local trust).
psql_admin() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK_DIR" -p "$PG_PORT" -U postgres -d postgres
}

pg_running() { [[ -f $PGDATA/PG_VERSION ]] && as_pg "$PG_BIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }

# Can the chronicle role log in over TCP with its password?
pg_ready() {
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -qAt \
    "postgresql://$PG_ROLE@$HOST:$PG_PORT/chronicle" -c 'select 1' >/dev/null 2>&1
}

cmd_install() {
  if [[ ! -x $PG_BIN/postgres ]]; then
    apt_install postgresql-15
  fi
  id "$PG_OS_USER" >/dev/null 2>&1 || die "no '$PG_OS_USER' OS user after installing postgresql-15"
}

parallel_workers() {
  local cores
  cores=$(nproc)
  echo $((cores > 3 ? 2 : cores - 1))
}

write_conf() {
  as_pg tee "$PGDATA/chronicle.conf" >/dev/null <<EOF
# Written by infra/postgres.sh on every start; edit the script, not this file.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK_DIR'
max_connections = 200
# A search scans an experiment's run rows (162 MB for 100,000 runs): at the 128MB default every
# search copied them in again from the OS cache.
shared_buffers = 1GB
work_mem = 8MB
# Workers beside the leader, which runs its share of the plan too: at most one per spare core (and
# Postgres's default 2). On 2 cores a second worker only queued behind the leader: the 100,000-run
# search took 47 ms with two workers, 40 with one.
max_parallel_workers_per_gather = $(parallel_workers)
maintenance_work_mem = 64MB
# Durable commits (the default, stated here): an acknowledged write must survive a crash of any
# process, Postgres included. A WAL flush costs ~0.2 ms on this disk (pg_test_fsync).
fsync = on
synchronous_commit = on
max_wal_size = 1GB
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = -1
timezone = 'UTC'
EOF
  if ! grep -q "^include_if_exists = 'chronicle.conf'" "$PGDATA/postgresql.conf"; then
    printf "\ninclude_if_exists = 'chronicle.conf'\n" | as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null
  fi
}

init_cluster() {
  log "initdb $PGDATA"
  mkdir -p "$PG_BASE"
  chown "$PG_OS_USER:" "$PG_BASE"
  chmod 0700 "$PG_BASE"
  # Collation C: ids and keys compare bytewise (as their C.UTF-8 order does anyway) without a
  # strcoll call per comparison, which made index probes ~20% slower.
  as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 --lc-collate=C \
    --auth-local=trust --auth-host=scram-sha-256 >"$RUN_DIR/postgres-initdb.log" 2>&1 ||
    {
      cat "$RUN_DIR/postgres-initdb.log" >&2
      die "initdb failed"
    }
}

# Role and databases; idempotent, so it runs on every start.
bootstrap_sql() {
  psql_admin <<EOF
SELECT format('CREATE ROLE %I', '$PG_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE') \gexec
ALTER ROLE $PG_ROLE WITH LOGIN NOSUPERUSER CREATEDB CREATEROLE PASSWORD '$PG_PASSWORD';
-- The benchmarks flush the seeding's dirty buffers before they time anything (test/load).
GRANT pg_checkpoint TO $PG_ROLE;
-- Tests and benchmarks drop their databases WITH (FORCE), which also ends an autovacuum worker
-- that happens to be in one. Autovacuum runs as no role, so only this grant (or a superuser) may
-- end it: without it such a drop failed at random (CI, 2026-11-23).
GRANT pg_signal_backend TO $PG_ROLE;
EOF
  local db
  for db in "${PG_DATABASES[@]}"; do
    psql_admin <<EOF
SELECT format('CREATE DATABASE %I OWNER %I', '$db', '$PG_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$db') \gexec
EOF
  done
}

cmd_start() {
  cmd_install
  if pg_running; then
    write_conf
    psql_admin <<<'SELECT pg_reload_conf()' >/dev/null
    bootstrap_sql
    log "already running ($PGDATA)"
    return 0
  fi
  if port_open "$HOST" "$PG_PORT"; then
    pg_ready || die "port $PG_PORT is taken by something that is not our PostgreSQL (cluster $PGDATA is stopped)"
    log "already running, not from $PGDATA (another checkout?); using it"
    return 0
  fi
  [[ -f $PGDATA/PG_VERSION ]] || init_cluster
  write_conf
  log "starting ($PGDATA, log $PG_LOG)"
  if ! as_pg "$PG_BIN/pg_ctl" start -D "$PGDATA" -l "$PG_LOG" -w -t 60 >/dev/null; then
    tail -n 30 "$PG_LOG" >&2
    die "pg_ctl start failed"
  fi
  bootstrap_sql
  wait_for 30 "postgres login as $PG_ROLE" "" pg_ready
}

cmd_stop() {
  if pg_running; then
    log "stopping ($PGDATA)"
    as_pg "$PG_BIN/pg_ctl" stop -D "$PGDATA" -m fast -w -t 60 >/dev/null
  elif port_open "$HOST" "$PG_PORT"; then
    log "port $PG_PORT answers but it is not the cluster in $PGDATA; leaving it alone"
  fi
  cmd_status || (($? == 3)) # 3 = down, which is what stop wants
}

cmd_status() {
  if pg_running; then
    status_line postgres up "$HOST:$PG_PORT pid $(head -n1 "$PGDATA/postmaster.pid") data $PGDATA"
  elif pg_ready; then
    status_line postgres up "$HOST:$PG_PORT (not from $PGDATA)"
  else
    status_line postgres down "$HOST:$PG_PORT"
    return 3
  fi
}

dispatch "$@"
