import { NETWORK_POLICY, ROUTABLE_ROLES as ROUTE_ALLOWED } from "../policy/networkPolicy";
import type { StackConfig } from "../config/schema";
import type { Naming } from "./naming";
import type { PlannedService, PlanProblem, ResolvedService, Route } from "./types";

/** Roles routed by default when they have a web port; the policy allows routes to a few more when asked. */
const ROUTED_BY_DEFAULT = new Set(["web", "monitoring", "auth"]);

/** A service gets a route by default when its main container is a web UI; the owner can say otherwise. */
export function exposureOf(svc: ResolvedService): PlannedService["expose"] {
  return svc.config.expose ?? (svc.entry.main.port && ROUTED_BY_DEFAULT.has(svc.entry.main.role) ? "lan" : "none");
}

/** One route per exposed service: `<subdomain>.<domain>` → `<container>:<port>`, hosts unique. */
export function planRoutes(services: ResolvedService[], cfg: StackConfig, names: Naming): { routes: Route[]; problems: PlanProblem[] } {
  const routes: Route[] = [];
  const problems: PlanProblem[] = [];
  const hosts = new Map<string, string>();
  for (const svc of services) {
    const expose = exposureOf(svc);
    if (expose === "none") continue;
    const path = `homelab:services.${svc.name}`;
    const port = svc.entry.main.port;
    const role = svc.entry.main.role;
    if (!NETWORK_POLICY[role].route) {
      problems.push({
        path: `${path}.expose`,
        message: `'${svc.name}' (${role}) may never have a route (only ${ROUTE_ALLOWED.join(", ")} may): set expose: none`,
      });
      continue;
    }
    if (!port) {
      problems.push({ path: `${path}.expose`, message: `'${svc.name}' is exposed (${expose}) but has no web port to route to` });
      continue;
    }
    const host = `${svc.config.subdomain ?? svc.name}.${cfg.domain}`;
    const owner = hosts.get(host);
    if (owner) {
      problems.push({ path: `${path}.subdomain`, message: `host ${host} is already routed to '${owner}'` });
      continue;
    }
    hosts.set(host, svc.name);
    routes.push({ host, service: svc.name, upstream: `${names.container(svc.name)}:${port}`, auth: svc.config.auth ?? svc.entry.auth, expose });
  }
  return { routes, problems };
}
