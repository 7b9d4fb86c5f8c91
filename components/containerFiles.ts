import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { resolveDockerHost } from "../config/dockerHost";
import { TLS_PLACEHOLDERS } from "../topology/tls";
import type { PlannedContainer, PlannedFile } from "../topology/types";

/** Fills in a file's placeholders (HostSecrets.content); without secrets, the plan's text as it is. */
export type FileContent = (file: PlannedFile) => pulumi.Input<string>;

/**
 * Who owns a generated file: the user the app runs as — Docker's `user` when the plan sets one, PUID/PGID for
 * LinuxServer.io-style images, else root (the other images here run as root) — so a secret file can be 0600
 * and still readable by the app.
 */
export function fileOwner(c: PlannedContainer): { uid: string; gid: string } {
  const numeric = (v?: string) => (v && /^\d+$/.test(v) ? v : undefined);
  const [uid, gid] = c.user?.split(":") ?? [];
  if (numeric(uid) && numeric(gid)) return { uid, gid };
  return { uid: numeric(c.env.PUID) ?? "0", gid: numeric(c.env.PGID) ?? "0" };
}

/** A secret file is 0600 (the owner reads and writes it; nobody else, on the host's bind mount either); others 0644. */
export const fileMode = (f: PlannedFile) => (f.secret ? "0600" : "0644");

/** The files that are part of a container: Docker uploads, there from its first start, with an explicit mode and owner. */
/** Fills the `{{tls:…}}` placeholders (components/InternalCa.ts), without loading the TLS SDK here. */
export interface TlsMaterial {
  fill(content: pulumi.Input<string>): pulumi.Input<string>;
}

/** A FileContent that also fills the stack CA's placeholders, for the files that have any. */
export function withInternalCa(content: FileContent, ca: TlsMaterial | undefined): FileContent {
  if (!ca) return content;
  return (file) => (Object.values(TLS_PLACEHOLDERS).some((p) => file.content.includes(p)) ? ca.fill(content(file)) : content(file));
}

/** The files that are part of a container: Docker uploads, there from its first start. */
export function containerUploads(c: PlannedContainer, content: FileContent): docker.types.input.ContainerUpload[] {
  const { uid, gid } = fileOwner(c);
  return (c.files ?? []).filter((f) => !f.reload).map((f) => ({ file: f.path, content: content(f), permissions: fileMode(f), owner: uid, group: gid }));
}

/**
 * Copies stdin into the container as one file: a tar holding only that file, so `docker cp` creates
 * missing parent folders and leaves existing ones (and their owners) alone, whether the container runs
 * or not. The file belongs to HOMELAB_FILE_OWNER (uid:gid, numeric), whoever runs Pulumi (GNU and BSD tar
 * spell that differently).
 */
const COPY_IN = `staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
copy_in() {
  relative=\${HOMELAB_FILE#/}
  mkdir -p "$staging/$(dirname "$relative")"
  cat > "$staging/$relative"
  chmod "$HOMELAB_FILE_MODE" "$staging/$relative"
  uid=\${HOMELAB_FILE_OWNER%%:*}; gid=\${HOMELAB_FILE_OWNER#*:}
  if tar --version 2>/dev/null | grep -q 'GNU tar'; then owner="--owner=$uid --group=$gid --numeric-owner"; else owner="--uid $uid --gid $gid"; fi
  tar -C "$staging" $owner -cf - "$relative" | docker cp - "$HOMELAB_CONTAINER:/"
}`;

/** create and update: write the file, then restart the container when the application reads it only at start-up. */
export const WRITE_FILE = `set -eu
${COPY_IN}
copy_in
if [ "$HOMELAB_RELOAD" = restart ]; then docker restart "$HOMELAB_CONTAINER" >/dev/null; fi
`;

/**
 * delete: remove the file. Nothing to do when the container is gone (a destroy, or it was replaced: the
 * new one got its files from the update). A stopped container cannot run `rm`, nor can one built from
 * scratch (the socket proxy): its file is emptied.
 */
export const REMOVE_FILE = `set -eu
${COPY_IN}
docker container inspect "$HOMELAB_CONTAINER" >/dev/null 2>&1 || exit 0
if [ "$(docker container inspect -f '{{.State.Running}}' "$HOMELAB_CONTAINER")" = true ] && docker exec "$HOMELAB_CONTAINER" rm -f "$HOMELAB_FILE" 2>/dev/null; then
  exit 0
fi
copy_in </dev/null
`;

/**
 * The Docker CLI must reach the engine the provider manages, found in the one order (config/dockerHost.ts).
 * Only the stack's own settings are written into the command's inputs: a DOCKER_HOST from the shell is
 * inherited by the CLI anyway, and putting it in would make every shell's value a diff.
 */
function dockerCliEnvironment(): Record<string, string> {
  const config = new pulumi.Config("docker");
  const stack = { host: config.get("host"), certPath: config.get("certPath") };
  const host = resolveDockerHost(stack, process.env);
  return {
    ...(host.source === "docker:host" ? { DOCKER_HOST: host.url } : {}),
    ...(stack.certPath ? { DOCKER_CERT_PATH: stack.certPath, DOCKER_TLS_VERIFY: "1" } : {}),
  };
}

/**
 * The files whose content follows other services (`reload` set in the plan), each written into the
 * running container by its own command: a route added elsewhere updates this resource in place and the
 * container keeps running (restarted if it must), where an upload would recreate it. The container is
 * named by id, so a replaced container gets its files again and a stale delete never touches the new one.
 */
export function deliverLiveFiles(c: PlannedContainer, container: docker.Container, content: FileContent, parent: pulumi.Resource, dockerHost?: string): void {
  const live = (c.files ?? []).filter((f) => f.reload);
  if (live.length === 0) return;
  // On a multi-host stack the container's own host (its provider's URL; the CLI speaks ssh:// too).
  const cli = dockerHost ? { DOCKER_HOST: dockerHost } : dockerCliEnvironment();
  const owner = fileOwner(c);
  for (const f of live) {
    new command.local.Command(
      `${c.name}:${f.path}`,
      {
        create: WRITE_FILE,
        update: WRITE_FILE,
        delete: REMOVE_FILE,
        stdin: content(f),
        environment: {
          ...cli,
          HOMELAB_CONTAINER: container.id,
          HOMELAB_FILE: f.path,
          HOMELAB_FILE_MODE: fileMode(f),
          HOMELAB_FILE_OWNER: `${owner.uid}:${owner.gid}`,
          HOMELAB_RELOAD: f.reload!,
        },
        addPreviousOutputInEnv: false,
      },
      { parent },
    );
  }
}
