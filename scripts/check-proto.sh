#!/usr/bin/env bash
# Fails when libs/contracts/src/generated is not what proto/ generates (someone edited generated
# code, or changed a .proto without running `npm run proto`).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npx --no-install buf lint proto
npx --no-install buf generate proto --template proto/buf.gen.yaml -o "$tmp"
if ! diff -r "$tmp/libs/contracts/src/generated" libs/contracts/src/generated; then
  echo "libs/contracts is stale: run 'npm run proto' and commit the result." >&2
  exit 1
fi
echo "proto: generated contracts are up to date"
