# nvr-transcoder: on-demand H.265 -> H.264 HLS transcoding of Frigate recordings.
#
#   docker build -t nvr-transcoder .
#   docker run --init -p 3000:3000 \
#     -v /path/to/frigate/recordings:/media/frigate/recordings:ro \
#     --tmpfs /tmp/stream/transcode:size=2g,mode=1777 nvr-transcoder
#
# Or use docker-compose.yml, which sets all of this up.

# Node 22 is the current LTS; the app itself supports Node >= 20.19 (package.json "engines").
ARG NODE_IMAGE=node:22-bookworm-slim
# The same Node.js with Debian's build tools, for native addons (same major version: same ABI).
ARG NODE_BUILD_IMAGE=node:22-bookworm

# ---------------------------------------------------------------------------------------------
# Build stage: full dependency tree (Nest CLI, webpack, TypeScript) to produce dist/.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Manifests first, so the dependency layer is reused until package*.json change.
# --ignore-scripts: the build needs no install script (the only ones are esbuild's binary check,
# @parcel/watcher's source-build fallback, both only used by tests/tsx, and @scarf/scarf's
# install telemetry pulled in by swagger-ui-dist).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

# Only what `nest build` reads, so edits to tests or scripts do not invalidate the build layer.
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# ---------------------------------------------------------------------------------------------
# Production dependencies. better-sqlite3 (the frigate-db source) is a native addon: its install
# script fetches a prebuilt binary or compiles one, which needs the full image's python3, make
# and g++. Everything else installs without scripts, as above.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_BUILD_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Then what the runtime never reads goes (about 40 MB): better-sqlite3's sources, the SQLite
# amalgamation and the compiler's objects (only build/Release/better_sqlite3.node is loaded), and
# every hls.js build but the one the player page serves (dist/hls.min.js).
RUN npm ci --omit=dev --ignore-scripts \
    && npm rebuild better-sqlite3 \
    && npm cache clean --force \
    && cd node_modules/better-sqlite3 \
    && rm -rf deps src build/Release/obj build/Release/obj.target build/Release/sqlite3.a build/Release/test_extension.node build/deps \
    && cd ../hls.js \
    && find dist -type f ! -name hls.min.js -delete \
    && rm -rf src

# ---------------------------------------------------------------------------------------------
# Runtime stage: ffmpeg + production dependencies + the webpack bundle.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# ffmpeg (the Debian package also ships ffprobe; libx264 comes in through libavcodec, and it is
# built with VAAPI, QSV, NVENC/CUDA and V4L2 support). The VAAPI drivers make FFMPEG_HWACCEL=vaapi
# work on Intel (intel-media-va-driver: Broadwell and newer) and AMD (mesa-va-drivers) GPUs;
# NVIDIA's libraries come from the NVIDIA container toolkit at run time (see docker-compose.frigate.yml).
# Debian's ffmpeg has no Rockchip (rkmpp) or AMF support: use an ffmpeg that has (FFMPEG_PATH).
# --no-install-recommends keeps the image free of X11/GUI extras; lists are removed to keep the layer small.
ARG GPU_DRIVERS="intel-media-va-driver mesa-va-drivers"
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg ${GPU_DRIVERS} \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# NODE_ENV=production also makes npm omit devDependencies by default.
# RECORDINGS_DIR is where Frigate's own container keeps recordings, so the same host folder can be
# mounted at the same path. TRANSCODE_DIR is scratch space (mount a tmpfs there; see below).
ENV NODE_ENV=production \
    PORT=3000 \
    RECORDINGS_DIR=/media/frigate/recordings \
    TRANSCODE_DIR=/tmp/stream/transcode \
    DATA_DIR=/data

# webpack keeps node_modules external, so the bundle needs the production dependencies at runtime.
COPY package.json package-lock.json ./
COPY --from=production-deps /app/node_modules ./node_modules

# Root-owned and so read-only for the app user: the service writes only under TRANSCODE_DIR.
COPY --from=build /app/dist ./dist

# TRANSCODE_DIR is deliberately NOT created in the image. A tmpfs mounted on a path the image
# already has gets that folder's owner and mode copied onto it (Docker's tmpcopyup), and its own
# `mode=1777` is lost: the documented `--tmpfs /tmp/stream/transcode:size=2g,mode=1777` then gave a
# root-owned 755 folder the app user cannot write to, and the container exited at once. On a path
# the image lacks, Docker makes the mount point and the tmpfs gets the mode asked for; without any
# mount, the app makes the folder itself under /tmp.
# RECORDINGS_DIR is not created either: when the recordings are not mounted, /health answers 503
# ("recordings directory ... is not readable") instead of silently serving an empty folder.
# DATA_DIR (the generated keys) is the app user's, and a volume: a `docker run` without `-v` still
# keeps them apart from the container's own layer, which the app never writes to.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

# Unprivileged user that the official Node image provides (uid/gid 1000). The recordings only need
# to be readable by it (Frigate runs as root with the usual umask, so its files are normally
# world-readable).
USER node

EXPOSE 3000

# No curl/wget in the slim image, so node's built-in fetch does the probe. /health answers 200 when
# ffmpeg runs, TRANSCODE_DIR is writable with free space and the recordings are readable, 503 otherwise.
# start-period covers Nest's start-up and the first ffmpeg probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

# Exec form, so node is PID 1 and receives SIGTERM directly from `docker stop`; the app handles it
# by stopping every ffmpeg child before it exits. (npm would not forward the signal reliably, hence
# not `npm run start:prod`.) Add `--init` / compose `init: true` for zombie reaping as well.
CMD ["node", "dist/apps/transcode-server/main.js"]
