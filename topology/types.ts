import type { AuthLevel, CatalogEntry, HealthcheckSpec, HostPortSpec, Role } from "../config/catalog";
import type { ServiceConfig } from "../config/schema";
import type { SecretEnvRef, SecretValue } from "../config/secret";
import type { TlsPlan } from "./tls";

/** A service the stack runs, with its catalog entry (or one built for a custom service) and the owner's config. */
export interface ResolvedService {
  name: string;
  entry: CatalogEntry;
  config: ServiceConfig;
  /** Catalog entry name, undefined for a custom service. */
  catalog?: string;
  implicit: boolean;
}

export type NetworkKind = "ingress" | "socket" | "service" | "link";

export interface PlannedNetwork {
  /** Docker name, prefixed: `lab-vnet-jellyfin`. */
  name: string;
  kind: NetworkKind;
  subnet: string;
  gateway: string;
  usableHosts: number;
  /** The service that owns a `service` network, or the link's name for a `link` network. */
  service?: string;
  /** Where the subnet came from: the owner's config, the allocation lock, or the automatic allocator. */
  origin: "shared" | "pinned" | "locked" | "allocated";
  /** Names of the containers attached to it. */
  members: string[];
  /** Where Docker allocates container addresses from, when not the whole subnet (keeps fixed addresses free). */
  ipRange?: string;
  /** With `homelab:hosts`: the hosts it exists on (one local bridge on each, or one overlay spanning them). */
  hosts?: string[];
  /** `overlay`: a swarm-scoped attachable network spanning `hosts`, created through a manager. Absent: a local bridge. */
  driver?: "overlay";
  /** An overlay's traffic between hosts is IPsec-encrypted (Docker's `encrypted` option). */
  encrypted?: boolean;
  /** A `socket` network that carries reads of this host's engine to dashboards on other hosts (an overlay). */
  remoteEngine?: string;
}

export interface PlannedMount {
  /** A host path, a named volume, or the Docker socket path. */
  source: string;
  target: string;
  readOnly: boolean;
  type: "bind" | "volume";
}

export interface PlannedContainer {
  /** Docker name, prefixed: `lab-immich-db`. */
  name: string;
  service: string;
  image: string;
  role: Role;
  /** Docker network names, in a stable order (the first one is Docker's default route). */
  networks: string[];
  /** Fixed addresses by network name (cloudflared on vnet-ingress: the one peer whose forwarded headers are trusted). */
  addresses?: Record<string, string>;
  /** Set instead of `networks` for containers that share another container's namespace (`container:<name>`). */
  networkMode?: string;
  mounts: PlannedMount[];
  env: Record<string, string>;
  /** Env vars whose values are secrets resolved by the Pulumi layer; the plan only names them. */
  secretEnv: Record<string, SecretEnvRef>;
  /** Ports the container listens on inside its namespace. */
  ports: number[];
  hostPorts: HostPortSpec[];
  labels: Record<string, string>;
  healthcheck?: HealthcheckSpec;
  command?: string[];
  /** Replaces the image's entrypoint (the backup containers run a schedule loop instead of restic / postgres). */
  entrypoint?: string[];
  devices?: string[];
  /** Docker's GPU request (`all`): a device request with the gpu capability, for `gpu: nvidia`. */
  gpus?: string;
  /** `uid:gid` to run as, for images that do not map PUID/PGID themselves. */
  user?: string;
  /** Generated config files: part of the container, or delivered next to it (see PlannedFile.reload). */
  files?: PlannedFile[];
  /** Linux capabilities to add, in Docker's `CAP_*` spelling. */
  capabilities?: string[];
  /** On the VPN gateway: the services routed through it (sharing its namespace) and the ports they listen on there. */
  vpnClients?: VpnClient[];
  /** With `homelab:hosts`: the Docker host it runs on. */
  host?: string;
  /** Further names it answers to, by network (a host's own socket proxy answers to the proxy's name on its vnet-socket only). */
  networkAliases?: Record<string, string[]>;
}

export interface VpnClient {
  service: string;
  container: string;
  ports: number[];
}

/**
 * A generated file. `content` may hold secret references the Pulumi layer fills in, made only by
 * `secretRef(name, form)` (config/secret.ts) — never from config text; a file holding one is a Pulumi secret.
 */
export interface PlannedFile {
  path: string;
  content: string;
  secret: boolean;
  /**
   * Absent: the file is part of its container (a Docker upload, there from the first start; changing it
   * recreates the container). Files whose content follows *other* services (routes, the service list) are
   * delivered next to the container instead, so adding or removing a service never recreates the proxy,
   * Authelia or the dashboard: `watched` when the application re-reads the file by itself, `restart`
   * when the container must be restarted after the write.
   */
  reload?: FileReload;
}

export type FileReload = "watched" | "restart";

/** A secret the Pulumi layer provides: generated with @pulumi/random, or read from a secret config key. Only named here. */
export type PlannedSecret =
  | { name: string; source: "generated"; length: number; purpose: string; guardsData?: boolean; format?: "alnum" | "hex" }
  | {
      name: string;
      source: "config";
      path: string;
      value: SecretValue;
      purpose: string;
      /**
       * A data-guarding key held in `homelab:keys`: how it was generated before `homelab up` stored it there. The
       * Pulumi layer keeps that generator registered (its value unused), so holding the key changes nothing in the state.
       */
      heldFrom?: { length: number; format?: "alnum" | "hex" };
    };

export interface SocketProxyConsumer {
  service: string;
  access: "read" | "write";
}

export interface SocketProxyPlan {
  container: string;
  endpoint: string;
  consumers: SocketProxyConsumer[];
  /** True when a consumer (Portainer) got write rules; only with `homelab:socketProxy.allowWrite: true`. */
  write: boolean;
  rules: string[];
}

export interface AccessRule {
  domain: string[];
  policy: AuthLevel;
  resources?: string[];
}

export interface AutheliaPlan {
  url: string;
  /** Authelia's access_control rules, in order; default policy deny. */
  rules: AccessRule[];
  users: string[];
  /** Users without a configured password get a generated one: secret name per user. */
  generatedPasswords: Record<string, string>;
}

/**
 * The Pulumi component that creates a service: most are a `ServiceStack`; Gluetun is the `VpnGateway`
 * (others share its namespace), cloudflared belongs to `RemoteAccess` (it runs the tunnel it creates).
 */
export type ServiceComponent = "service" | "vpn-gateway" | "remote-access";

export interface PlannedService {
  name: string;
  component: ServiceComponent;
  /** Catalog entry name, or undefined for a custom service. */
  catalog?: string;
  /** Added by the planner because something needs it (proxy, socket proxy). */
  implicit: boolean;
  /** Its own `vnet-<service>` network, if it has one (the socket proxy lives on vnet-socket only). */
  network?: string;
  containers: string[];
  port?: number;
  expose: "tunnel" | "lan" | "none";
  subdomain: string;
  auth: AuthLevel;
  dockerApi?: "read" | "write";
  /** Host ports the owner asked to publish (`publish`), the only ones the policy allows outside the proxy and the VPN gateway. */
  publish?: number[];
  /** With `homelab:hosts`: the Docker host it runs on. */
  host?: string;
}

export interface Route {
  host: string;
  service: string;
  /** `<container>:<port>` the proxy forwards to (`api@internal` for Traefik's own dashboard). */
  upstream: string;
  auth: AuthLevel;
  expose: "tunnel" | "lan";
  /** The proxy middlewares this route passes through (topology/middlewares.ts), set by the host stack's planner. */
  middlewares?: RouteMiddlewares;
}

/** A route's middleware chain, resolved from homelab:middlewares and the service's own `middlewares`. */
export interface RouteMiddlewares {
  secureHeaders: boolean;
  compression: boolean;
  /** Per client: requests a second on average, and how many more at once before 429. */
  rateLimit?: { average: number; burst: number };
  /** LAN only: the source ranges let through (everyone else gets 403). */
  lanOnly?: string[];
  /** CrowdSec's AppSec WAF judges every request (a stack-wide setting, homelab:crowdsec.appsec). */
  appsec: boolean;
}

/** One Docker engine of a multi-host stack (`homelab:hosts`). */
export interface PlannedHost {
  name: string;
  /** The Docker host URL the provider talks to (`ssh://me@nas`, `tcp://…`, `unix://…`). */
  docker: string;
  /** A swarm manager: overlays are created through the first one. */
  manager: boolean;
}

export interface Plan {
  domain: string;
  prefix: string;
  proxy: "traefik" | "swag";
  networks: PlannedNetwork[];
  containers: PlannedContainer[];
  services: PlannedService[];
  routes: Route[];
  /** How every route gets HTTPS: Let's Encrypt, or the stack's own CA. */
  tls: TlsPlan;
  /** Secrets the Pulumi layer must provide, by name (values never appear in the plan). */
  secrets?: PlannedSecret[];
  socketProxy?: SocketProxyPlan;
  authelia?: AutheliaPlan;
  /** Non-fatal findings, e.g. a pinned subnet smaller than the sizing guideline. */
  warnings: string[];
  /** Cloudflare remote access; all four are absent when homelab:cloudflare is not enabled. */
  cloudflare?: CloudflarePlan;
  tunnel?: TunnelPlan;
  dns?: DnsRecordPlan[];
  access?: AccessAppPlan[];
  /** restic backups (homelab:backup): what each stateful service's snapshot holds. */
  backup?: BackupPlan;
  /** With `homelab:hosts`: the swarm's Docker hosts, in config order (the first is every service's default). */
  hosts?: PlannedHost[];
  /** Plex settings `homelab wire` applies through its API (homelab:plex). */
  plex?: PlexPlan;
}

export interface PlexPlan {
  /** Plex's `customConnections`: the URLs it advertises to clients. */
  customConnections: string[];
}

export interface CloudflarePlan {
  accountId: string;
  zoneId: string;
  zone: string;
  /** Create the account's one-time-PIN login method. */
  oneTimePin: boolean;
  /** Identity providers that already exist in the account, by id. */
  identityProviderIds: string[];
  /** Reusable Access policies, referenced by name from `access[].policies`. */
  policies: AccessPolicyPlan[];
}

export interface IngressRule {
  /** Absent only on the catch-all, which must be the last rule. */
  hostname?: string;
  /** `https://<proxy>:443` or `http_status:404`. */
  service: string;
  originRequest?: { httpHostHeader?: string; originServerName?: string; caPool?: string; noTlsVerify?: boolean };
}

export interface TunnelPlan {
  name: string;
  /** The cloudflared container that runs the tunnel. */
  connector: string;
  ingress: IngressRule[];
}

export interface DnsRecordPlan {
  /** Full hostname. */
  name: string;
  type: "CNAME";
  /** `<tunnelId>.cfargotunnel.com`, with TUNNEL_ID standing in for the id until the tunnel exists. */
  content: string;
  proxied: true;
  /** 1 means automatic, the only TTL a proxied record has. */
  ttl: 1;
  service: string;
}

export interface AccessPolicyPlan {
  name: string;
  decision: "allow";
  emails: string[];
  emailDomains: string[];
  sessionDuration: string;
}

export interface AccessAppPlan {
  /** The hostname Access guards. */
  domain: string;
  service: string;
  /** Names of reusable policies (from `cloudflare.policies`), in precedence order. */
  policies: string[];
  sessionDuration: string;
}

export interface PlanProblem {
  /** Config key path the problem is about, e.g. `homelab:services.immich.subnet`. */
  path: string;
  message: string;
}

export type PlanResult = { ok: true; plan: Plan; warnings: string[] } | { ok: false; errors: PlanProblem[]; warnings: string[] };

export interface BackupDatabase {
  container: string;
  user: string;
  database: string;
  /** Env var of the dump container holding this database's password. */
  passwordEnv: string;
}

/** One service whose state is backed up: its config folder (minus live database files) and its database dumps. */
export interface BackupTarget {
  service: string;
  /** Host folders in the snapshot: the service's config folder, its dump folder when it has databases (and /data with includeMedia). */
  paths: string[];
  configDir: string;
  /** Where its database dumps are written before a run. */
  dumpDir: string;
  /** Host folders inside configDir restic never copies (a database's live files; they come back from the dump). */
  liveDataDirs: string[];
  databases: BackupDatabase[];
  /** Its containers, in plan order: all are stopped for a restore and started again after it. */
  containers: string[];
  /** Those that hold state (a config folder or a database): replacing one of these is a risky change. */
  stateful: string[];
}

export interface BackupPlan {
  repository: string;
  schedule: string;
  keep: { daily: number; weekly: number; monthly: number };
  exclude: string[];
  /** restic's `--host` for every snapshot: the backup container's name, so scheduled and CLI runs share parents. */
  host: string;
  dumpRoot: string;
  targets: BackupTarget[];
  /** Credential field → env var, for the fields the owner set (the password always). */
  credentialEnv: Record<string, string>;
}
