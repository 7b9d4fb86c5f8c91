/**
 * The requests the end-to-end test makes, derived from the plan (routes, auth levels, apiBypass, tunnel), and
 * what each must get. Three vantage points: a LAN client talking TLS to SWAG, the Cloudflare edge (played by
 * the client) handing requests to the cloudflared peer, and an outsider on vnet-ingress spoofing forwarding headers.
 */
import type { Plan, Route } from "../../../topology/types";
import { AUTHELIA } from "../../../config/catalog";

export type Vantage = "lan" | "tunnel" | "outsider";
export type Flow = "protected-anonymous" | "protected-session" | "bypass" | "deny" | "api-bypass" | "portal" | "http-redirect" | "unknown-host";

export interface Probe {
  id: string;
  vantage: Vantage;
  flow: Flow;
  route?: Route;
  url: string;
  session: boolean;
  /** Redirect hops the client may follow (a loop shows as a chain that never settles). */
  follow: number;
  headers: Record<string, string>;
}

/** A visitor address the edge reports (TEST-NET-3, RFC 5737): a header value only, never contacted. */
export const VISITOR_IP = "203.0.113.7";
/** What the outsider claims to be (TEST-NET-2): a header value only. */
export const SPOOFED_IP = "198.51.100.66";
export const API_PATH = "/api/v3/system/status";

/** What the Cloudflare edge adds to every request it proxies (developers.cloudflare.com/fundamentals/reference/http-headers/). */
const edgeHeaders = { "CF-Connecting-IP": VISITOR_IP, "X-Forwarded-For": VISITOR_IP, "X-Forwarded-Proto": "https", "CF-Visitor": '{"scheme":"https"}' };
const spoofedHeaders = {
  "CF-Connecting-IP": SPOOFED_IP,
  "X-Forwarded-For": SPOOFED_IP,
  "X-Real-IP": SPOOFED_IP,
  "X-Forwarded-Proto": "https",
  "True-Client-IP": SPOOFED_IP,
};

export function probesFor(plan: Plan, apiBypass: string[], sessionCookie: string): Probe[] {
  const probes: Probe[] = [];
  const add = (
    vantage: Vantage,
    flow: Flow,
    route: Route | undefined,
    host: string,
    opts: { path?: string; session?: boolean; follow?: number; scheme?: string } = {},
  ) => {
    const id = `${vantage}-${flow}-${route?.service ?? host.split(".")[0]}`;
    const headers: Record<string, string> = {
      "User-Agent": `e2e/${id}`,
      Accept: "text/html",
      ...(vantage === "tunnel" ? edgeHeaders : vantage === "outsider" ? spoofedHeaders : {}),
      ...(opts.session ? { Cookie: `authelia_session=${sessionCookie}` } : {}),
    };
    const url = `${opts.scheme ?? "https"}://${host}${opts.path ?? "/"}?e2e=${id}`;
    probes.push({ id, vantage, flow, route, url, session: !!opts.session, follow: opts.follow ?? 0, headers });
  };
  const apps = plan.routes.filter((r) => r.service !== AUTHELIA);
  const portal = plan.routes.find((r) => r.service === AUTHELIA);
  for (const vantage of ["lan", "tunnel"] as const) {
    const reachable = (r: Route) => vantage === "lan" || r.expose === "tunnel";
    for (const r of apps.filter(reachable)) {
      if (r.auth === "deny") add(vantage, "deny", r, r.host, { session: true });
      else if (r.auth === "bypass") add(vantage, "bypass", r, r.host);
      else {
        add(vantage, "protected-anonymous", r, r.host, { follow: 3 });
        add(vantage, "protected-session", r, r.host, { session: true });
      }
      if (apiBypass.includes(r.service)) add(vantage, "api-bypass", r, r.host, { path: API_PATH });
      if (vantage === "lan") add(vantage, "http-redirect", r, r.host, { scheme: "http" });
    }
    if (portal && reachable(portal)) add(vantage, "portal", portal, portal.host);
  }
  if (plan.tunnel) add("tunnel", "unknown-host", undefined, `not-routed.${plan.domain}`);
  // The outsider talks to SWAG directly, claiming another client address in every forwarding header it knows.
  const bypass = apps.find((r) => r.auth === "bypass");
  const guarded = apps.find((r) => r.auth === "two_factor" || r.auth === "one_factor");
  if (bypass) add("outsider", "bypass", bypass, bypass.host);
  if (guarded) add("outsider", "protected-session", guarded, guarded.host, { session: true });
  if (portal) add("outsider", "portal", portal, portal.host);
  return probes;
}
