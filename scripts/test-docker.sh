#!/usr/bin/env bash
# npm run test:docker: the image and the compose files in a real Docker engine. Not part of
# `npm test` (it builds an image: minutes). On a fresh machine of this kind it starts dockerd and
# builds the stand-in base images (../shared/docker/stand-in-base-images.sh: there is no container
# registry here), makes the test recordings, builds the image, and runs test/docker/*.docker-spec.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[test:docker] %s\n' "$*"; }

bash scripts/setup.sh
stand_in="${STAND_IN_BASE_IMAGES:-}"
for candidate in "$stand_in" ../shared/docker/stand-in-base-images.sh /work/shared/docker/stand-in-base-images.sh; do
  if [ -n "$candidate" ] && [ -f "$candidate" ]; then stand_in="$candidate"; break; fi
done
if [ -f "$stand_in" ]; then
  bash "$stand_in"
elif ! docker info >/dev/null 2>&1; then
  say "no Docker engine, and no stand-in script to start one (set STAND_IN_BASE_IMAGES)"; exit 1
fi
if ! command -v docker-compose >/dev/null; then
  say "installing docker-compose (v1) with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi

say "making the test recordings"
npx tsx -e "require('./test/support/global-setup').default().catch((e) => { console.error(e); process.exit(1); })"

# The legacy builder with the host's network: no bridge network exists here (BuildKit would want one).
say "building the image"
started=$(date +%s)
DOCKER_BUILDKIT=0 docker build --network host -q -t nvr-transcoder:test . >/dev/null
say "image built in $(( $(date +%s) - started )) s"

npx jest -c test/docker/jest.config.js --runInBand "$@"
