#!/usr/bin/env bash
# Fails when the committed GraphQL SDL is not what the resolvers generate (someone changed a
# resolver or model without running `npm run graphql:schema`). Needs `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
committed=services/tracking/src/api/graphql/schema.graphql
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
node dist/services/tracking/src/api/graphql/print-schema.command.js >"$tmp"
if ! diff -u "$committed" "$tmp"; then
  echo "$committed is stale: run 'npm run graphql:schema' and commit the result." >&2
  exit 1
fi
echo "graphql: the committed schema is up to date"
