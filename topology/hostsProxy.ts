import { yamlFile } from "../config/yaml";
import { AUTHELIA, CROWDSEC } from "../config/catalog";
import { TRAEFIK_API } from "./proxy";
import type { Plan, PlannedContainer, PlannedFile, PlanProblem } from "./types";

/** Routes to containers on other hosts, for Traefik's file provider (it watches /etc/traefik/dynamic). */
export const TRAEFIK_HOSTS_FILE = "/etc/traefik/dynamic/hosts.yml";

const ROUTER_RULE = /^traefik\.http\.routers\.([^.]+)\.rule$/;

/**
 * Traefik's Docker provider reads one engine (its own host's socket proxy), so it never sees the labels of
 * containers on other hosts. Their routes go into a file-provider config instead: the same router (rule,
 * entrypoints, middlewares, read from the labels the planner gave the container) and a service pointing at
 * the route's upstream, reached by name over the vnet-ingress overlay (file provider: Traefik v3.5.3
 * pkg/provider/file, routers/services as in pkg/config/dynamic/http_config.go). Watched: a route that comes
 * or goes never restarts Traefik.
 */
export function remoteTraefikRoutes(plan: Plan, containers: PlannedContainer[]): PlannedFile | undefined {
  const proxy = containers.find((c) => c.service === "traefik" && c.name === `${plan.prefix}traefik`);
  if (plan.proxy !== "traefik" || !proxy) return undefined;
  const routers: Record<string, unknown> = {};
  const services: Record<string, unknown> = {};
  // The container carrying a service's router labels, found once per service (a big stack has hundreds of routes).
  const labelled = new Map<string, PlannedContainer>();
  for (const c of containers)
    if (!labelled.has(c.service) && c.host !== proxy.host && Object.keys(c.labels).some((k) => ROUTER_RULE.test(k))) labelled.set(c.service, c);
  for (const route of plan.routes.filter((r) => r.upstream !== TRAEFIK_API)) {
    const target = labelled.get(route.service);
    if (!target || target.host === proxy.host) continue;
    const router = Object.keys(target.labels)
      .map((k) => ROUTER_RULE.exec(k)?.[1])
      .find(Boolean)!;
    const label = (key: string) => target.labels[`traefik.http.routers.${router}.${key}`];
    routers[router] = {
      rule: label("rule"),
      entryPoints: label("entrypoints").split(","),
      service: router,
      ...(label("middlewares") ? { middlewares: label("middlewares").split(",") } : {}),
    };
    services[router] = { loadBalancer: { servers: [{ url: `http://${route.upstream}` }] } };
  }
  if (Object.keys(routers).length === 0) return undefined;
  return { path: TRAEFIK_HOSTS_FILE, content: yamlFile({ http: { routers, services } }), secret: false, reload: "watched" };
}

/**
 * What must share the proxy's host: CrowdSec reads the proxy's access log from a local volume, and Traefik
 * finds Authelia's forward-auth middleware in Authelia's Docker labels, on the one engine it reads.
 */
export function proxyNeighbourProblems(plan: Plan, containers: PlannedContainer[]): PlanProblem[] {
  const proxy = containers.find((c) => c.name === `${plan.prefix}${plan.proxy}`);
  if (!proxy) return [];
  const needs = [CROWDSEC, ...(plan.proxy === "traefik" ? [AUTHELIA] : [])];
  return needs.flatMap((service) => {
    const c = containers.find((x) => x.name === `${plan.prefix}${service}`);
    if (!c || c.host === proxy.host) return [];
    const why =
      service === CROWDSEC ? "it reads the proxy's access log from a volume on that host" : "Traefik reads its forward-auth middleware from its Docker labels";
    return [{ path: `homelab:services.${service}.host`, message: `${service} must run on the proxy's host '${proxy.host}': ${why}` }];
  });
}
