import { AUTHELIA } from "../config/catalog";
import type { StackConfig } from "../config/schema";
import { secretRefsIn } from "../config/secret";
import type { Plan, PlanProblem } from "./types";

/** Checks of a finished plan, beyond the shared network policy: names, hosts, secret references, the login portal. */

const LOGIN_LEVELS = new Set(["one_factor", "two_factor"]);

/**
 * A route that asks for a login redirects to Authelia's portal: the portal must be served wherever such a
 * route is — on the LAN, and on the tunnel for tunnelled routes Authelia guards (remoteAuth authelia or both).
 * The tunnel case is a warning for now: the shipped home stack has it (its portal is LAN-only).
 */
export function autheliaReachability(plan: Plan, cfg: StackConfig): { problems: PlanProblem[]; warnings: string[] } {
  const none = { problems: [], warnings: [] };
  const needLogin = plan.routes.filter((r) => r.service !== AUTHELIA && LOGIN_LEVELS.has(r.auth));
  if (!needLogin.length) return none;
  const portal = plan.routes.find((r) => r.service === AUTHELIA);
  const path = "homelab:services.authelia.expose";
  const hosts = (routes: typeof needLogin) =>
    `${routes
      .slice(0, 5)
      .map((r) => r.host)
      .join(", ")}${routes.length > 5 ? ` and ${routes.length - 5} more` : ""}`;
  if (!portal)
    return {
      problems: [
        {
          path,
          message: `Authelia's login portal is not served (expose: none), but ${hosts(needLogin)} ask for a login and would redirect to it: expose it, or set those routes' auth to bypass or deny`,
        },
      ],
      warnings: [],
    };
  const remote = needLogin.filter((r) => r.expose === "tunnel" && (cfg.services[r.service]?.remoteAuth ?? "both") !== "access");
  if (remote.length && portal.expose !== "tunnel")
    return {
      problems: [],
      warnings: [
        `${path}: ${hosts(remote)} are reached through the tunnel and guarded by Authelia, whose portal ${portal.host} is only on the LAN: set expose: tunnel for authelia, or remoteAuth: access for them`,
      ],
    };
  return none;
}

/** DNS's limits, for every host the plan serves (routes, the tunnel's public names): 253 characters, 63 per label. */
export function hostNameProblems(plan: Plan, cfg: StackConfig): PlanProblem[] {
  const hosts = [...plan.routes.map((r) => ({ host: r.host, service: r.service })), ...(plan.dns ?? []).map((d) => ({ host: d.name, service: d.service }))];
  const seen = new Set<string>();
  const problems: PlanProblem[] = [];
  for (const { host, service } of hosts) {
    if (seen.has(host)) continue;
    seen.add(host);
    const long = host.split(".").find((label) => label.length > 63);
    if (host.length <= 253 && !long) continue;
    const path = service === AUTHELIA && !cfg.services.authelia?.subdomain ? "homelab:authelia.subdomain" : `homelab:services.${service}.subdomain`;
    problems.push({
      path,
      message: `host ${host.slice(0, 80)}… ${long ? `has a label of ${long.length} characters (DNS allows 63)` : `is ${host.length} characters long (DNS allows 253)`}: shorten the subdomain or homelab:domain`,
    });
  }
  return problems;
}

/** Every secret a generated file refers to must be one the plan declares (bcrypt only of a generated one). */
export function undeclaredSecretRefs(plan: Plan): PlanProblem[] {
  const declared = new Map((plan.secrets ?? []).map((s) => [s.name, s]));
  return plan.containers.flatMap((c) =>
    (c.files ?? []).flatMap((f) =>
      secretRefsIn(f.content)
        .filter((r) => !declared.has(r.name) || (r.form === "bcrypt" && declared.get(r.name)!.source !== "generated"))
        .map((r) => ({
          path: `homelab:services.${c.service}`,
          message: `${c.name}:${f.path} refers to secret '${r.name}' (${r.form}), which the plan does not ${declared.has(r.name) ? "generate" : "declare"}`,
        })),
    ),
  );
}

export function duplicates(names: string[], what: string): PlanProblem[] {
  const seen = new Set<string>();
  const dups = new Set(names.filter((n) => seen.has(n) || !seen.add(n)));
  return [...dups].map((n) => ({ path: "homelab:services", message: `two ${what}s would both be named '${n}'` }));
}
