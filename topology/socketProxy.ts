import type { Naming } from "./naming";
import { SOCKET_PROXY_RULES_FILE } from "../policy/networkPolicy";
import { DOZZLE, HOMEPAGE, PORTAINER, SOCKET_PROXY, SOCKET_PROXY_PORT } from "../config/catalog";
import type { PlannedFile, PlanProblem, ResolvedService, SocketProxyConsumer, SocketProxyPlan } from "./types";

/**
 * Where the rules live in the socket proxy, named by CETUSGUARD_RULES_FILE (hectorm/cetusguard
 * cmd/cetusguard/main.go at v1.1.3: `-rules-file`, env CETUSGUARD_RULES_FILE). A file rather than
 * CETUSGUARD_RULES: a consumer that comes or goes changes the file, not the container's environment, so
 * the socket proxy is never recreated for it. Cetusguard builds its rules once at start (same main.go), so
 * the file is delivered with `reload: restart`: the same container restarts, briefly, and nobody loses it.
 */
export { SOCKET_PROXY_RULES_FILE } from "../policy/networkPolicy";

export function socketProxyRulesFile(rules: string[]): PlannedFile {
  return { path: SOCKET_PROXY_RULES_FILE, content: `${rules.join("\n")}\n`, secret: false, reload: "restart" };
}

/**
 * Cetusguard's allow-list (the rules file above), built from the services that read the Docker API.
 * Cetusguard itself always allows ping/version/info; everything else is denied unless a rule here allows it.
 * Syntax: `METHOD[,METHOD] <path regex>`, `%VAR%` from cetusguard's rule.go, `!` starts a comment.
 */
const CAPABILITIES = {
  discover: ["GET %API_PREFIX_EVENTS%", "GET %API_PREFIX_CONTAINERS%/json", "GET %API_PREFIX_CONTAINERS%/%CONTAINER_ID_OR_NAME%/json"],
  logs: ["GET %API_PREFIX_CONTAINERS%/%CONTAINER_ID_OR_NAME%/logs"],
  stats: ["GET %API_PREFIX_CONTAINERS%/%CONTAINER_ID_OR_NAME%/stats"],
  /** Container management (Portainer): the whole API, every method. Only with `homelab:socketProxy.allowWrite`. */
  manage: ["GET,HEAD,POST,PUT,DELETE %API_PREFIX%/.+"],
} as const;
type Capability = keyof typeof CAPABILITIES;

/** What each known consumer needs; custom services get `discover+logs+stats` for read and `manage` for write. */
const NEEDS: Record<string, Capability[]> = {
  traefik: ["discover"],
  [HOMEPAGE]: ["discover", "stats"],
  [DOZZLE]: ["discover", "logs", "stats"],
  [PORTAINER]: ["manage"],
};

/** Consumers that ignore DOCKER_HOST and take the endpoint as arguments instead. */
export const ENDPOINT_ARGS: Record<string, (endpoint: string) => string[]> = {
  [PORTAINER]: (endpoint) => ["-H", endpoint],
};

function needsOf(svc: ResolvedService): Capability[] {
  return NEEDS[svc.catalog ?? ""] ?? (svc.entry.dockerApi === "write" ? ["manage"] : ["discover", "logs", "stats"]);
}

export function planSocketProxy(services: ResolvedService[], allowWrite: boolean, names: Naming): { socketProxy?: SocketProxyPlan; problems: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  const consumers: SocketProxyConsumer[] = services.filter((s) => s.entry.dockerApi).map((s) => ({ service: s.name, access: s.entry.dockerApi! }));
  if (consumers.length === 0 || !services.some((s) => s.name === SOCKET_PROXY)) return { problems };

  const writers = consumers.filter((c) => c.access === "write");
  if (writers.length > 0 && !allowWrite) {
    problems.push({
      path: "homelab:socketProxy.allowWrite",
      message: `${writers.map((w) => w.service).join(", ")} manage${writers.length === 1 ? "s" : ""} containers and need${writers.length === 1 ? "s" : ""} write access to the Docker API (root on the host): set homelab:socketProxy.allowWrite: true to grant it, or disable ${writers.length === 1 ? "it" : "them"}`,
    });
  }
  // One block per consumer with everything it needs, repeats included (an allow-list does not mind): a
  // consumer that comes or goes adds or removes exactly its own block, and the diff names it.
  const rules: string[] = [];
  for (const svc of services.filter((s) => s.entry.dockerApi)) {
    const allowed = needsOf(svc)
      .filter((n) => n !== "manage" || allowWrite)
      .flatMap((n) => CAPABILITIES[n]);
    if (allowed.length) rules.push(`! ${svc.name} (${svc.entry.dockerApi})`, ...allowed);
  }
  return {
    socketProxy: {
      container: names.container(SOCKET_PROXY),
      endpoint: `tcp://${names.container(SOCKET_PROXY)}:${SOCKET_PROXY_PORT}`,
      consumers,
      write: allowWrite && writers.length > 0,
      rules,
    },
    problems,
  };
}
