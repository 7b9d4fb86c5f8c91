import type { AuthLevel, HealthcheckSpec, HostPortSpec, Role } from "../config/catalog";

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
  /** Set instead of `networks` for containers that share another container's namespace (`container:<name>`). */
  networkMode?: string;
  mounts: PlannedMount[];
  env: Record<string, string>;
  /** Env vars whose values are secrets resolved by the Pulumi layer; the plan only names them. */
  secretEnv: Record<string, string>;
  /** Ports the container listens on inside its namespace. */
  ports: number[];
  hostPorts: HostPortSpec[];
  labels: Record<string, string>;
  healthcheck?: HealthcheckSpec;
  command?: string[];
  devices?: string[];
}

export interface PlannedService {
  name: string;
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
}

export interface Route {
  host: string;
  service: string;
  /** `<container>:<port>` the proxy forwards to. */
  upstream: string;
  auth: AuthLevel;
  expose: "tunnel" | "lan";
}

export interface Plan {
  domain: string;
  prefix: string;
  proxy: "traefik" | "swag";
  networks: PlannedNetwork[];
  containers: PlannedContainer[];
  services: PlannedService[];
  routes: Route[];
  /** Non-fatal findings, e.g. a pinned subnet smaller than the sizing guideline. */
  warnings: string[];
}

export interface PlanProblem {
  /** Config key path the problem is about, e.g. `homelab:services.immich.subnet`. */
  path: string;
  message: string;
}

export type PlanResult = { ok: true; plan: Plan; warnings: string[] } | { ok: false; errors: PlanProblem[]; warnings: string[] };
