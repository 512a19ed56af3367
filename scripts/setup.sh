#!/usr/bin/env bash
# Installs what the service and its tests need and is missing: ffmpeg (through apt when
# running as root), the npm dependencies, and, with --demo, demo recordings when none exist.
set -euo pipefail
cd "$(dirname "$0")/.."

want_demo=false
[ "${1:-}" = "--demo" ] && want_demo=true

say() { printf '[setup] %s\n' "$*"; }
fail() { printf '[setup] %s\n' "$*" >&2; exit 1; }

# Node.js 20.19 or newer (Nest 11's and the tooling's floor).
node_version=$(node -p 'process.versions.node' 2>/dev/null) || fail "Node.js is missing: install Node.js 20.19 or newer."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js $node_version is too old: 20.19 or newer is needed."

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    fail "$1 is missing: install it (on Debian or Ubuntu: sudo apt-get install -y $2), then run this again."
  fi
  say "installing $2 with apt-get"
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${@:2}" >/dev/null
}

if ! command -v "${FFMPEG_PATH:-ffmpeg}" >/dev/null || ! command -v "${FFPROBE_PATH:-ffprobe}" >/dev/null; then
  # fonts-dejavu-core: the font the demo recordings draw their clock with.
  apt_install ffmpeg ffmpeg fonts-dejavu-core
fi

# The browser tests drive Debian's Chromium (never a browser downloaded by a test tool).
if [ "${NEEDS_CHROMIUM:-0}" = 1 ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  apt_install chromium chromium
fi

# The cluster tests start their own Redis server on a free loopback port.
if [ "${NEEDS_REDIS:-0}" = 1 ] && ! command -v redis-server >/dev/null; then
  apt_install redis-server redis-server
fi

# The deploy test runs the shipped nginx configuration (deploy/nginx) with the local nginx.
if [ "${NEEDS_NGINX:-0}" = 1 ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  apt_install nginx nginx-light
fi

# The monitoring test checks the shipped alert rules with promtool and runs them, with the
# dashboard's queries, in a Prometheus of its own: Debian's prometheus package has both.
if [ "${NEEDS_PROMETHEUS:-0}" = 1 ] && { ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; }; then
  apt_install prometheus prometheus
  # On a host with systemd the package also starts a server of its own on :9090, which nothing here uses.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

# The load benchmark serves the same segment from nginx beside the service, and loads all of
# them with wrk (a client in C: a Node client would be the bottleneck on 800 KB responses).
if [ "${NEEDS_LOAD_TOOLS:-0}" = 1 ]; then
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then apt_install nginx nginx-light; fi
  if ! command -v wrk >/dev/null; then apt_install wrk wrk; fi
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if $want_demo; then
  recordings_dir="${RECORDINGS_DIR:-./data/recordings}"
  if [ -z "$(find "$recordings_dir" -name '*.mp4' -print -quit 2>/dev/null)" ]; then
    say "no recordings in $recordings_dir: writing one hour of demo recordings (about a minute)"
    npm run -s demo:recordings
  fi
fi
