import type { ApiKeySpec, CatalogEntry, ContainerSpec, Evidence, HealthcheckSpec, MountSpec } from "./types";

/** Shared shapes for catalog entries: every entry parameterises these instead of repeating them. */

export const configMount = (target = "/config", subpath?: string): MountSpec => ({ source: { kind: "config", subpath }, target });
export const dataMount: MountSpec = { source: { kind: "data" }, target: "/data" };

/** Durations in Go form ("30s", "1m0s"): the provider normalises other spellings and would diff forever. */
export function httpHealthcheck(port: number, path = "/", client: "curl" | "wget" = "curl"): HealthcheckSpec {
  const probe = client === "curl" ? `curl -fsS -o /dev/null http://127.0.0.1:${port}${path}` : `wget -q --spider http://127.0.0.1:${port}${path}`;
  return { test: ["CMD-SHELL", `${probe} || exit 1`], interval: "30s", timeout: "10s", retries: 3, startPeriod: "1m0s" };
}

/** Where a companion database and cache listen: PostgreSQL and Redis (or Valkey) defaults. */
export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;

export function postgres(image: string, database: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    suffix: "db",
    image,
    role: "database",
    port: POSTGRES_PORT,
    env: () => ({ POSTGRES_DB: database, POSTGRES_USER: database }),
    mounts: [configMount("/var/lib/postgresql/data", "postgres")],
    healthcheck: { test: ["CMD-SHELL", `pg_isready -U ${database} -d ${database}`], interval: "10s", timeout: "5s", retries: 5, startPeriod: "30s" },
    ...extra,
  };
}

export function redis(image: string): ContainerSpec {
  return {
    suffix: "redis",
    image,
    role: "cache",
    port: REDIS_PORT,
    healthcheck: { test: ["CMD-SHELL", "redis-cli ping || valkey-cli ping"], interval: "10s", timeout: "5s", retries: 5 },
  };
}

/** LinuxServer.io base images, as `owner/repo@branch`: every LSIO app image is built FROM one of them. */
export const LSIO_BASES = {
  "alpine-3.21": "linuxserver/docker-baseimage-alpine@3.21",
  "alpine-3.22": "linuxserver/docker-baseimage-alpine@3.22",
  "alpine-edge": "linuxserver/docker-baseimage-alpine@edge",
  "alpine-nginx-3.22": "linuxserver/docker-baseimage-alpine-nginx@3.22",
  "ubuntu-jammy": "linuxserver/docker-baseimage-ubuntu@jammy",
  "ubuntu-noble": "linuxserver/docker-baseimage-ubuntu@noble",
} as const;

/**
 * The facts every LinuxServer.io image shares, read from its repository at the release tag: ports and volumes
 * in readme-vars.yml; curl and the PUID/PGID-mapped `abc` user from the base image it is built FROM; the
 * `X.Y.Z` image tag from the Jenkinsfile, which pushes the release's semver next to `<version>-ls<N>`.
 */
export function linuxserverEvidence(app: string, release: string, base: keyof typeof LSIO_BASES, env?: string): Evidence {
  const repo = `linuxserver/docker-${app}@${release}`;
  const baseRepo = LSIO_BASES[base];
  return {
    tag: `${repo} (release tag; its Jenkinsfile also pushes the X.Y.Z semver tag)`,
    ports: `${repo}:readme-vars.yml (param_ports)`,
    mounts: `${repo}:readme-vars.yml (param_volumes: /config)`,
    healthcheck: `curl: installed by ${baseRepo}:Dockerfile (${repo}:Dockerfile builds FROM it)`,
    user: `PUID/PGID remap user abc: ${baseRepo}:root/etc/s6-overlay/s6-rc.d/init-adduser/run`,
    ...(env ? { env } : {}),
  };
}

interface MediaAppOptions {
  name: string;
  description: string;
  image: string;
  port: number;
  icon?: string;
  group?: string;
  downloader?: boolean;
  extraPorts?: number[];
  healthPath?: string;
  /** Needs the shared media folder (/data) for hardlinks; default true. */
  media?: boolean;
  env?: ContainerSpec["env"];
  /** Replaces the default /config mount (the /data mount is still added unless media is false). */
  configMounts?: MountSpec[];
  portEnv?: string;
  /** Reads PUID/PGID (LinuxServer.io, hotio, Tdarr); default true. */
  linuxserver?: boolean;
  healthcheck?: HealthcheckSpec;
  gpu?: boolean;
  evidence: Evidence;
  /** A Servarr app: its API key is generated and read from `<APP>__AUTH__APIKEY`; names Homepage's widget and Unpackerr's section. */
  servarr?: { app: string; homepageWidget?: boolean; unpackerr?: boolean; prowlarr?: boolean; jellyseerr?: boolean };
}

/** A LinuxServer.io-style media app: /config under paths.config, /data shared, PUID/PGID/TZ, VPN-capable. */
export function mediaApp(o: MediaAppOptions): CatalogEntry {
  return {
    name: o.name,
    description: o.description,
    vpnCapable: true,
    downloader: o.downloader,
    auth: "two_factor",
    evidence: o.evidence,
    ...(o.servarr ? { apiKey: servarrApiKey(o.servarr) } : {}),
    ...(o.gpu ? { gpu: true } : {}),
    dashboard: { group: o.group ?? "Media", icon: o.icon ?? `${o.name}.svg` },
    main: {
      suffix: "",
      image: o.image,
      role: "web",
      port: o.port,
      extraPorts: o.extraPorts,
      linuxserver: o.linuxserver ?? true,
      env: o.env,
      mounts: [...(o.configMounts ?? [configMount()]), ...(o.media === false ? [] : [dataMount])],
      healthcheck: o.healthcheck ?? httpHealthcheck(o.port, o.healthPath),
      ...(o.portEnv ? { portEnv: o.portEnv } : {}),
    },
  };
}

/** Servarr apps bind `<App>:Auth:ApiKey` from the environment (.NET: `__` for `:`), Sonarr/Sonarr@v4.0.15.2941:src/NzbDrone.Host/Bootstrap.cs:178. */
function servarrApiKey(s: NonNullable<MediaAppOptions["servarr"]>): ApiKeySpec {
  const APP = s.app.toUpperCase();
  // Prowlarr's application implementations are named after the app (Prowlarr/Prowlarr@v2.0.5.5160:src/NzbDrone.Core/Applications/<App>/<App>.cs).
  const App = s.app[0].toUpperCase() + s.app.slice(1);
  return {
    env: `${APP}__AUTH__APIKEY`,
    ...(s.homepageWidget ? { homepageWidget: s.app } : {}),
    ...(s.unpackerr ? { unpackerr: APP } : {}),
    ...(s.prowlarr ? { prowlarr: App } : {}),
    ...(s.jellyseerr ? { jellyseerr: s.app as "sonarr" | "radarr" } : {}),
  };
}
