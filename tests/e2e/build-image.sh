#!/usr/bin/env bash
# Builds the local image the end-to-end HTTP test (tests/e2e/) runs every container from, idempotently:
# busybox-static and its applets (app stand-ins, shell), Debian's nginx (the proxy SWAG runs) and the
# host's node (the Authelia double, the cloudflared-like peer, the HTTP client), each binary with the
# shared libraries `ldd` lists. No registry is reachable here, so it is a root folder fed to `docker import`,
# the way .ci/engine-setup.sh builds homelab-test/busybox:local.
# Bump IMAGE's tag when the contents change, so a machine holding the old image builds the new one.
set -euo pipefail

IMAGE="${HOMELAB_E2E_IMAGE:-homelab-test/e2e:1}"
log() { echo "e2e-image: $*" >&2; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "image $IMAGE already present"
  exit 0
fi
for bin in /bin/busybox nginx node; do
  command -v "$bin" >/dev/null 2>&1 || { log "missing $bin on this host (apt-get install -y busybox-static nginx; node >= 20)"; exit 1; }
done

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,etc/nginx,tmp,proc,sys,dev,run,var/log/nginx,var/lib/nginx,config,srv}
chmod 1777 "$rootfs/tmp"

cp /bin/busybox "$rootfs/bin/busybox"
while read -r applet; do
  [ -n "$applet" ] && [ "$applet" != busybox ] && ln -sf busybox "$rootfs/bin/$applet"
done < <("$rootfs/bin/busybox" --list)

# A binary plus every shared library it links, at the same paths (the dynamic loader included).
copy_with_libs() {
  local binary target="$rootfs$2"
  binary="$(readlink -f "$(command -v "$1")")"
  mkdir -p "$(dirname "$target")"
  cp "$binary" "$target"
  ldd "$binary" | grep -o '/[^ ]*' | while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}
copy_with_libs nginx /usr/sbin/nginx
copy_with_libs node /usr/bin/node
cp /etc/nginx/mime.types "$rootfs/etc/nginx/mime.types"

# nginx's workers run as nobody (Debian's build default when no `user` is set).
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/sbin:/usr/bin:/bin' \
  --change 'CMD ["/bin/sh"]' \
  --message 'homelab e2e test image (busybox, nginx, node)' \
  - "$IMAGE" >/dev/null
log "built $IMAGE"
