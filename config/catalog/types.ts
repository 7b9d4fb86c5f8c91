import type { Role } from "../../policy/networkPolicy";
import type { AUTH_LEVELS } from "../schema";

export type AuthLevel = (typeof AUTH_LEVELS)[number];

/** What a container is for; the network policy (policy/networkPolicy.ts) is written in these terms. */
export { ROLES } from "../../policy/networkPolicy";
export type { Role } from "../../policy/networkPolicy";

/**
 * Where a mount comes from: the service's folder under `paths.config`, the shared media folder
 * (`paths.data`, one mount for every media app so hardlinks work), a named Docker volume, or the
 * Docker socket (only the socket proxy may ask for it; the planner enforces that).
 */
export type MountSource =
  { kind: "config"; subpath?: string } | { kind: "data"; subpath?: string } | { kind: "volume"; name: string } | { kind: "docker-socket" };

export interface MountSpec {
  source: MountSource;
  target: string;
  readOnly?: boolean;
}

export interface HealthcheckSpec {
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  startPeriod?: string;
}

export interface HostPortSpec {
  internal: number;
  external: number;
  protocol?: "tcp" | "udp";
}

/** Names the planner resolves for env templates (prefix applied), so entries never spell out container names. */
export interface NameContext {
  /** Container name of this service's main container, or of a companion by suffix. */
  container(suffix?: string): string;
  /** Container name of another service's main container (reached over a link network). */
  service(name: string): string;
  domain: string;
}

export interface ContainerSpec {
  /** "" for the service's main container; e.g. "db", "redis", "ml" for companions (name becomes `<service>-<suffix>`). */
  suffix: string;
  image: string;
  role: Role;
  /** The port its web UI / API listens on inside the container. */
  port?: number;
  /** Other ports it listens on inside the container (e.g. a torrent port), for healthchecks, VPN clash checks and tests. */
  extraPorts?: number[];
  /** LinuxServer.io-style images read PUID/PGID/TZ. */
  linuxserver?: boolean;
  env?: (names: NameContext) => Record<string, string>;
  mounts?: MountSpec[];
  healthcheck?: HealthcheckSpec;
  command?: string[];
  /** Host ports this container truly needs (only the proxy's 80/443 by default). */
  hostPorts?: HostPortSpec[];
  devices?: string[];
  /**
   * `puid`: run as homelab:puid/pgid through Docker's `user`, for images without PUID handling; `uid:gid`: the
   * fixed user the image was built to run as, said here so generated files belong to it.
   */
  user?: "puid" | `${number}:${number}`;
  /** The container that gets the service's GPU when the owner gives it one (default: the main container only). */
  gpu?: boolean;
  /** Env vars holding secrets the stack generates for this container (an API key, an encryption key); see GeneratedEnvSpec. */
  generatedEnv?: Record<string, GeneratedEnvSpec>;
  /**
   * Where the app reads its first administrator's password from a file (the entry's `command` names it): the stack
   * generates it (`<service>-admin-password`), delivers it there as a 0600 file and holds it like a data key (it
   * guards the app's own user database); `homelab wire` reads it back to sign in.
   */
  adminPasswordFile?: string;
  /** Env var that moves its web port (LinuxServer qBittorrent: WEBUI_PORT), so a port clash inside Gluetun's namespace can be remapped. */
  portEnv?: string;
}

/** A secret generated once (kept in Pulumi state) and handed to the container as an env var. */
export interface GeneratedEnvSpec {
  purpose: string;
  /** `alnum`: letters and digits; `hex`: lower-case hex digits (encryption keys that must parse as hex). */
  format: "alnum" | "hex";
  length: number;
  /**
   * The value encrypts what the app stores (Homarr's SECRET_ENCRYPTION_KEY): held like a data key (topology/plan.ts),
   * since a new value would leave the stored data unreadable.
   */
  guardsData?: true;
}

/**
 * Where each fact of an entry was read upstream at its pinned tag: `owner/repo@tag:path` (a file in the
 * image's source at that tag, read with `git show`) or a documentation URL. `docs/catalog.md` is generated from it.
 */
export interface Evidence {
  /** That the pinned tag is published. */
  tag: string;
  /** The port(s) the app listens on inside the container. */
  ports: string;
  /** Where the app keeps its config and data inside the container. */
  mounts: string;
  /** That the healthcheck's command and its binary are in the image (or why there is no healthcheck). */
  healthcheck: string;
  /** How the image chooses its user: PUID/PGID, a fixed USER, or root. */
  user: string;
  /** Env the entry sets or the image needs. */
  env?: string;
}

/**
 * A generated API key the app reads from `env`. The other settings name who else is handed the key after
 * `up` (`homelab wire`, cli/wire/): Homepage's widget, Unpackerr's section, the Prowlarr application
 * (Prowlarr's implementation name, e.g. `Sonarr`) and the Jellyseerr server kind that manage this app.
 */
export interface ApiKeySpec {
  env: string;
  homepageWidget?: string;
  unpackerr?: string;
  prowlarr?: string;
  jellyseerr?: "sonarr" | "radarr";
}

/** An image its maintainers no longer update: planning it gives a warning naming a maintained replacement. */
export interface Deprecation {
  since: string;
  replacement: string;
  source: string;
}

export interface CatalogEntry {
  name: string;
  description: string;
  main: ContainerSpec;
  companions?: ContainerSpec[];
  /** Needs the Docker API: joins vnet-socket and gets DOCKER_HOST pointing at the socket proxy. */
  dockerApi?: "read" | "write";
  /** May be routed through Gluetun. Proxies, SSO, tunnels, databases and the socket proxy never are. */
  vpnCapable: boolean;
  /** Part of the downloader set that `vpn.mode: minimal` routes through the VPN. */
  downloader?: boolean;
  /**
   * The command Gluetun runs (from inside the shared namespace) when the VPN provider forwards a port
   * (`{{PORTS}}`), so the app listens on it; given the app's web port. Only for apps routed through Gluetun.
   */
  forwardedPortCommand?: (webPort: number) => string;
  auth: AuthLevel;
  dashboard?: { group: string; icon: string };
  /** Env var the main container reads its private database's password from (the password is generated). */
  dbPasswordEnv?: string;
  /** The upstream source of each fact above. */
  evidence: Evidence;
  deprecated?: Deprecation;
  /**
   * A generated API key the app reads from `env` (Servarr: `<APP>__AUTH__APIKEY`); Homepage's widget of that
   * type and Unpackerr's `UN_<unpackerr>_0_*` settings get the same key.
   */
  apiKey?: ApiKeySpec;
  /** Services it talks to and must share a link network with (`homelab:links`). */
  linksTo?: string[];
  /** May be given a GPU (`homelab:services.<name>.gpu`): media servers, transcoders, machine learning. */
  gpu?: boolean;
}
