#!/usr/bin/env bash
# Install (when missing) and start every server Chronicle's tests use, on loopback; idempotent.
# Prints one status line per server and the total time. Stop them with infra/down.sh.
INFRA_NAME=up
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t0=$(date +%s%N)

# The venv (pip, network-bound) installs in the background while the servers start.
py_log="$RUN_DIR/python-install.log"
setsid bash "$INFRA_DIR/python.sh" install </dev/null >"$py_log" 2>&1 &
py_pid=$!
stop_python_install() {
  if proc_alive "$py_pid"; then kill -TERM -- "-$py_pid" 2>/dev/null; fi
}
trap stop_python_install EXIT

for server in postgres redis kafka s3; do
  bash "$INFRA_DIR/$server.sh" start
done

if ! wait "$py_pid"; then
  cat "$py_log" >&2
  die "python venv install failed (log $py_log)"
fi
trap - EXIT
[[ -s $py_log ]] && cat "$py_log" >&2

failed=0
for server in postgres redis kafka s3 python; do
  bash "$INFRA_DIR/$server.sh" status || failed=1
done
ms=$((($(date +%s%N) - t0) / 1000000))
printf 'infra up in %d.%01ds\n' $((ms / 1000)) $((ms % 1000 / 100))
((failed == 0)) || die "some servers are not up"
