import type { StackConfig } from "../../config/schema";
import { resolveServices } from "../../topology/services";
import { notRoutable, wantsVpn } from "../../topology/vpn";

export interface VpnRouting {
  mode: "full" | "minimal" | "off";
  /** Services whose `vpn` key must say what compose did, because the mode alone would not. */
  overrides: Map<string, boolean>;
  routed: Set<string>;
  /** Services compose routed through Gluetun that homelab cannot route, with the planner's reason. */
  notRoutable: Map<string, string>;
}

/**
 * `homelab:vpn.mode` from what compose routed through Gluetun (`network_mode: service:gluetun`): of *full*
 * (every VPN-capable service) and *minimal* (only the downloaders), the one that needs the fewest per-service
 * `vpn` keys to route exactly the same services; a tie goes to minimal, which routes less by default.
 * The planner's own rules decide what each mode routes (topology/vpn.ts), so the answer follows the catalog.
 */
export function chooseVpnMode(cfg: StackConfig, listed: ReadonlySet<string>, routedInCompose: ReadonlySet<string>): VpnRouting {
  const services = resolveServices(cfg).services.filter((s) => listed.has(s.name));
  const refused = new Map<string, string>();
  const wanted = new Set<string>();
  for (const s of services.filter((s) => routedInCompose.has(s.name))) {
    const reason = notRoutable(s);
    if (reason) refused.set(s.name, reason);
    else wanted.add(s.name);
  }
  if (wanted.size === 0) return { mode: "off", overrides: new Map(), routed: wanted, notRoutable: refused };
  const overridesFor = (mode: "full" | "minimal") =>
    new Map(
      services
        .filter((s) => wantsVpn({ ...s, config: { ...s.config, vpn: undefined } }, mode) !== wanted.has(s.name))
        .map((s) => [s.name, wanted.has(s.name)] as const),
    );
  const minimal = overridesFor("minimal");
  const full = overridesFor("full");
  return full.size < minimal.size
    ? { mode: "full", overrides: full, routed: wanted, notRoutable: refused }
    : { mode: "minimal", overrides: minimal, routed: wanted, notRoutable: refused };
}
