#!/usr/bin/env bash
# Prepare a real Docker engine for the engine tests (tests/e2e/), idempotently:
#   1. install Debian's docker.io, busybox-static and iproute2 when missing;
#   2. start dockerd in the background when no engine answers (log: $HOMELAB_DOCKERD_LOG);
#   3. wait, bounded, for `docker info`;
#   4. build the local test image homelab-test/busybox:local with `docker import`
#      (no registry is reachable here): a root folder holding /bin/busybox and its applets;
#      and the end-to-end test's image (busybox, nginx, node): tests/e2e/build-image.sh.
# Safe to run any number of times; every step is skipped when already done.
set -euo pipefail

IMAGE="${HOMELAB_TEST_IMAGE:-homelab-test/busybox:local}"
DOCKERD_LOG="${HOMELAB_DOCKERD_LOG:-/tmp/homelab-dockerd.log}"
WAIT_SECONDS="${HOMELAB_DOCKERD_WAIT:-30}"

log() { echo "engine-setup: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# --- 1. packages -------------------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
# The image needs the *static* busybox (Debian's plain `busybox` package is dynamically linked).
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || missing+=(busybox-static)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# nginx goes into the e2e image (tests/e2e/build-image.sh); restic and PostgreSQL serve the backup tests.
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v restic >/dev/null 2>&1 || missing+=(restic)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  # Only the binaries are wanted: keep the packages from starting nginx or a PostgreSQL cluster as services.
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null && as_root chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
fi

# --- 2. dockerd --------------------------------------------------------------------------
# Our daemon is the one answering on the default socket, with the default pidfile. (Other
# dockerd processes may run on this machine with their own sockets: never look them up by name.)
PIDFILE=/var/run/docker.pid
daemon_pid() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }
start_dockerd() {
  log "starting dockerd (log: $DOCKERD_LOG)"
  # setsid + nohup: the daemon must outlive this script and the CI step that called it.
  as_root setsid nohup dockerd --pidfile "$PIDFILE" >>"$DOCKERD_LOG" 2>&1 </dev/null &
}
if ! timeout 10 docker info >/dev/null 2>&1; then
  if pid="$(daemon_pid)"; then
    log "dockerd (pid $pid) is running but not answering yet"
  else
    start_dockerd
  fi
elif ! timeout 10 docker network ls >/dev/null 2>&1; then
  # Debian's docker.io 20.10.24 can deadlock in libnetwork when many containers leave the same
  # network at once (moby/moby#46661, fixed upstream after 20.10.24): `docker info` answers but
  # every network call hangs. Only a restart heals it.
  if pid="$(daemon_pid)"; then
    log "dockerd (pid $pid) answers but its network calls hang (moby/moby#46661): restarting it"
    as_root kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then as_root kill -9 "$pid"; sleep 1; fi
    start_dockerd
  fi
fi

# --- 3. bounded wait ---------------------------------------------------------------------
deadline=$(( $(date +%s) + WAIT_SECONDS ))
until timeout 10 docker info >/dev/null 2>&1; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "docker did not answer within ${WAIT_SECONDS}s; last lines of $DOCKERD_LOG:"
    tail -n 30 "$DOCKERD_LOG" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done
log "docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?') is up"

# --- 4. local images ---------------------------------------------------------------------
bash "$(dirname "$0")/../tests/e2e/build-image.sh"

# --- local busybox image -------------------------------------------------------------------
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "image $IMAGE already present"
  exit 0
fi
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,var/run,srv,data,config}
chmod 1777 "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
# Every applet this busybox offers (at least: sh nc httpd sleep ip ifconfig wget cat ls).
applets="$("$rootfs/bin/busybox" --list 2>/dev/null || true)"
for required in sh nc httpd sleep ip ifconfig wget cat ls; do
  if ! grep -qx "$required" <<<"$applets"; then
    log "busybox lacks the required applet '$required'"
    exit 1
  fi
done
while read -r applet; do
  [ -n "$applet" ] && [ "$applet" != busybox ] && ln -sf busybox "$rootfs/bin/$applet"
done <<<"$applets"
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/bin' \
  --change 'CMD ["/bin/sh"]' \
  --message 'homelab engine-test image (busybox-static)' \
  - "$IMAGE" >/dev/null
log "built $IMAGE"
