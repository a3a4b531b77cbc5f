#!/usr/bin/env bash
# The whole suite, as CI runs it: real infrastructure, then unit, integration and the
# mlflow-client compatibility suite (embedded mode and on real Postgres + S3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/up.sh
source infra/env.sh
npm run build
npm run typecheck
npm run proto:check
npm run graphql:check
npm run helm:check
npm run lint:deps
npx jest --selectProjects unit
npx jest --selectProjects integration --runInBand
bash test/compat/run.sh embedded
bash test/compat/run.sh distributed
