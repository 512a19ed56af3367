#!/usr/bin/env bash
# `npm test`: set up what is missing, type-check, build, and run every unit and e2e test.
set -euo pipefail
cd "$(dirname "$0")/.."
NEEDS_CHROMIUM=1 NEEDS_REDIS=1 NEEDS_NGINX=1 NEEDS_PROMETHEUS=1 bash scripts/setup.sh
echo "[test] type-checking"
npx tsc --noEmit -p tsconfig.json
echo "[test] linting (ESLint, Prettier)"
npm run -s lint
echo "[test] building"
npm run -s build >/dev/null
echo "[test] running the test suite"
npx jest "$@"
