import { z } from "zod";

/**
 * Several Docker hosts joined into one Docker Swarm (`homelab:hosts`). Each names the engine the Docker
 * provider talks to: `unix://` (this machine), `tcp://` or `ssh://user@host` (the provider's `host`,
 * www.pulumi.com/registry/packages/docker/api-docs/provider/#host_nodejs). Overlay networks are created
 * through a manager: the hosts marked `manager: true`, else the first one.
 */
export const dockerHostUrl = z
  .string()
  .regex(
    /^(?:unix:\/\/\/[A-Za-z0-9._/-]+|tcp:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?|ssh:\/\/(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(?::\d{1,5})?)$/,
    "must be a Docker host URL like ssh://me@nas, tcp://nas:2376 or unix:///var/run/docker.sock",
  );

export const hostConfig = z.strictObject({
  docker: dockerHostUrl,
  manager: z.boolean().optional(),
});
export type HostConfig = z.infer<typeof hostConfig>;

/** Options for the networks that span hosts (swarm overlays). */
export const overlayConfig = z.strictObject({
  /** IPsec between hosts (Docker's `encrypted` overlay option): on by default; needs the kernel's ESP/xfrm support on every host. */
  encrypted: z.boolean().default(true),
});
export type OverlayConfig = z.infer<typeof overlayConfig>;
