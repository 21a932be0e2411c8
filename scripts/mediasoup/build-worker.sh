#!/bin/sh
# npm's postinstall step: builds mediasoup's worker (the optional WebRTC edge, `--webrtc-edge mediasoup`)
# from source against Debian's libraries, since its own install downloads a prebuilt binary or meson's
# subprojects, and neither is reachable offline. Fails soft: without the libraries it says how to get
# them and the install goes on (werift, the default edge, needs nothing).
# PARLEY_MEDIASOUP_BUILD=later skips it (CI installs first, then builds it beside the tests, niced).
# While it builds, node_modules/.mediasoup-build.pid names the build, so that tests needing the
# worker wait for it rather than skip.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/scripts/mediasoup"
MS="$ROOT/node_modules/mediasoup"
[ -d "$MS" ] || exit 0
if [ -n "$MEDIASOUP_WORKER_BIN" ] || [ -x "$MS/worker/out/Release/mediasoup-worker" ]; then exit 0; fi
if [ "$PARLEY_MEDIASOUP_BUILD" = later ]; then
  echo "parley: the mediasoup worker is left for later (PARLEY_MEDIASOUP_BUILD=later): sh scripts/mediasoup/build-worker.sh"
  exit 0
fi
PACKAGES="meson ninja-build pkg-config libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libflatbuffers-dev flatbuffers-compiler libabsl-dev"
missing=""
for lib in libuv libssl libsrtp2 usrsctp flatbuffers absl_base; do pkg-config --exists "$lib" 2>/dev/null || missing="$missing $lib"; done
command -v ninja > /dev/null 2>&1 || missing="$missing ninja"
if [ -n "$missing" ]; then
  echo "parley: the mediasoup WebRTC edge is not built (missing:$missing)."
  echo "parley: to build it: sudo apt-get install -y --no-install-recommends $PACKAGES && npm rebuild parley || sh scripts/mediasoup/build-worker.sh"
  exit 0
fi
echo "parley: building mediasoup's worker against the system's libraries (6 to 8 minutes on 2 cores)"
PIDFILE="$ROOT/node_modules/.mediasoup-build.pid"
echo $$ > "$PIDFILE"
trap 'rm -f "$PIDFILE"' EXIT
sh "$HERE/install-shims.sh" "$MS" > /dev/null
ARGS="--wrap-mode=nodownload"
# bookworm's liburing (2.3) lacks io_uring_prep_sendto, which mediasoup uses where the option exists.
grep -q ms_disable_liburing "$MS/worker/meson_options.txt" && ARGS="$ARGS -Dms_disable_liburing=true"
# mediasoup's build pip-installs meson >= 1.1 (Debian has 1.0); the local package index pip is
# configured with has it, and naming it as the index spares pip's retries of an unreachable PyPI.
LOCAL_INDEX=$(pip config get global.extra-index-url 2>/dev/null | awk '{print $1}')
cd "$MS" && MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD=1 MESON_VERSION="${MESON_VERSION:-1.12.1}" NINJA_VERSION="${NINJA_VERSION:-1.13.2}" \
  PIP_INDEX_URL="${PIP_INDEX_URL:-$LOCAL_INDEX}" MESON_ARGS="$ARGS" node npm-scripts.mjs postinstall > "$ROOT/node_modules/.mediasoup-build.log" 2>&1
status=$?
if [ $status -ne 0 ]; then
  echo "parley: the mediasoup worker failed to build (log: node_modules/.mediasoup-build.log); werift stays the WebRTC edge"
  tail -5 "$ROOT/node_modules/.mediasoup-build.log"
fi
exit 0
