import { planAppSync, type ApiTarget, type KeySource } from "../../topology/appSync";
import type { Plan } from "../../topology/types";
import type { Io } from "../io";
import { ApiClient, DEFAULT_API_OPTIONS, WireError, type ApiClientOptions } from "./http";
import { syncJellyseerr } from "./jellyseerr";
import { PLEX_PREFERENCES, plexToken, syncPlex } from "./plex";
import { syncPortainer } from "./portainer";
import { syncProwlarr } from "./prowlarr";

/** Where the running containers are: the env each was started with (its API keys) and the URL of a web port. */
export interface ContainerLocator {
  env(container: string): Promise<Record<string, string>>;
  url(container: string, port: number): Promise<string>;
  /** A text file inside the running container. */
  readFile(container: string, path: string): Promise<string>;
}

/**
 * `homelab wire <stack>` (also run by `up` after it applied): Prowlarr's applications and Jellyseerr's
 * Sonarr/Radarr servers from the generated API keys, Plex's custom server access URLs and, on several hosts,
 * Portainer's environments for the other hosts (signed in with the generated admin password). Idempotent: it lists what each app has and adds only
 * what is missing. 0 when everything planned is there (or waits for the owner, said in one line), 1 on a failure.
 */
export async function wire(stack: string, plan: Plan, locator: ContainerLocator, io: Io, options: ApiClientOptions = DEFAULT_API_OPTIONS): Promise<number> {
  const sync = planAppSync(plan);
  for (const line of sync.skipped) io.err(`homelab wire: skipped: ${line}`);
  if (!sync.prowlarr && !sync.jellyseerr && !sync.plex && !sync.portainer) return 0;
  const rerun = `homelab wire ${stack}`;
  const keyOf = async (source: KeySource) => {
    const value = (await locator.env(source.container))[source.env];
    if (!value) throw new WireError(`${source.container} has no ${source.env}: run 'homelab up ${stack}' first`);
    return value;
  };
  const client = async (target: ApiTarget) =>
    new ApiClient(target.service, await locator.url(target.addressOf, target.port), { "X-Api-Key": await keyOf(target.key) }, options);

  let failed = false;
  const run = async (what: string, step: () => Promise<string[]>) => {
    io.err(`homelab wire: ${what} …`);
    try {
      for (const line of await step()) io.out(line);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      io.err(`homelab wire: ${e.message}`);
      failed = true;
    }
  };
  const { prowlarr, jellyseerr, plex, portainer } = sync;
  if (prowlarr) {
    const keys = new Map<string, string>();
    await run("Prowlarr's applications", async () => {
      for (const app of prowlarr.applications) keys.set(app.service, await keyOf(app.key));
      return syncProwlarr(await client(prowlarr), prowlarr.applications, (a) => keys.get(a.service)!);
    });
  }
  if (jellyseerr) {
    const keys = new Map<string, string>();
    await run("Jellyseerr's servers", async () => {
      for (const server of jellyseerr.servers) keys.set(server.service, await keyOf(server.key));
      return syncJellyseerr(await client(jellyseerr), jellyseerr.servers, (s) => keys.get(s.service)!, rerun);
    });
  }
  if (plex)
    await run("Plex's custom server access URLs", async () => {
      const token = plexToken(await locator.readFile(plex.container, PLEX_PREFERENCES));
      if (!token) return [`plex: not claimed yet: sign in to it once (or set homelab:plex.claim), then run '${rerun}'`];
      const url = await locator.url(plex.addressOf, plex.port);
      return syncPlex(new ApiClient(plex.service, url, { "X-Plex-Token": token }, options), plex.customConnections);
    });
  if (portainer)
    await run("Portainer's environments", async () => {
      // Portainer itself cuts one trailing newline from the file (api/cmd/portainer/main.go).
      const password = (await locator.readFile(portainer.password.container, portainer.password.path)).replace(/\n$/, "");
      const url = await locator.url(portainer.addressOf, portainer.port);
      const connect = (credentials: Record<string, string>) => new ApiClient(portainer.service, url, credentials, options);
      return syncPortainer(connect, password, portainer.environments, { key: portainer.password.key, stack });
    });
  if (failed) io.err(`homelab wire: not everything is wired; fix the above and run '${rerun}' again`);
  return failed ? 1 : 0;
}
