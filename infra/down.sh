#!/usr/bin/env bash
# Stop every server infra/up.sh started (Kafka gracefully). Data stays in infra/.run.
INFRA_NAME=down
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for server in kafka s3 redis postgres; do
  bash "$INFRA_DIR/$server.sh" stop
done
