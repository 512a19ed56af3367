#!/usr/bin/env bash
# `npm run quickstart`: set up what is missing, build, and start the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --demo
npm run -s build >/dev/null
exec node dist/apps/transcode-server/main.js
