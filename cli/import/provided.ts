import type { CatalogEntry } from "../../config/catalog";
import type { ComposeService } from "./compose";
import { acmeSettings, dropUndefined, gluetunSettings, tunnelAccount } from "./settings";
import type { Context } from "./types";

/** Roles of catalog entries the planner adds by itself when the stack needs them. */
export const PROVIDED_ROLES = new Set(["proxy", "auth", "ips", "socket-proxy", "vpn-gateway", "tunnel"]);

/** The proxy, Gluetun, cloudflared, Authelia, CrowdSec, the socket proxy: settings, not services. */
export function provided(svc: ComposeService, entry: CatalogEntry, stack: Record<string, unknown>, ctx: Context): void {
  const line = (text: string) => ctx.report.provided.push({ service: svc.name, text, at: svc.image!.at });
  switch (entry.main.role) {
    case "proxy": {
      if (stack.proxy && stack.proxy !== entry.name)
        ctx.report.warnings.push(`${svc.image!.at}: two reverse proxies (${stack.proxy} and ${entry.name}); homelab runs one: ${stack.proxy}`);
      stack.proxy ??= entry.name;
      line(`homelab:proxy: ${entry.name}`);
      const acme = acmeSettings(svc);
      if (acme.token && acme.email) {
        stack.acme = { email: acme.email };
        ctx.secrets.push({ path: ["acme", "cloudflareApiToken"], value: acme.token.value, at: acme.token.at });
        line(`homelab:acme (Let's Encrypt through Cloudflare DNS, e-mail ${acme.email})`);
      } else if (acme.token)
        ctx.report.dropped.push({
          service: svc.name,
          text: "the Cloudflare DNS token: no ACME e-mail found; set homelab:acme.email and homelab:acme.cloudflareApiToken (secret) for HTTPS certificates",
          at: acme.token.at,
        });
      break;
    }
    case "vpn-gateway": {
      const g = gluetunSettings(svc);
      stack.vpn = g.vpn;
      if (g.lan) stack.lan = g.lan;
      ctx.secrets.push(...g.secrets);
      line(
        `homelab:vpn: provider ${String(g.vpn.provider ?? "?")}, ${String(g.vpn.type ?? "wireguard")}${g.vpn.countries ? `, ${(g.vpn.countries as string[]).join(", ")}` : ""}`,
      );
      for (const v of g.ignored)
        ctx.report.dropped.push({ service: svc.name, text: `env ${v.value}: Gluetun's other settings are decided by homelab`, at: v.at });
      break;
    }
    case "tunnel": {
      const { accountId, tunnelId } = tunnelAccount(svc);
      stack.cloudflare = dropUndefined({ enabled: false, accountId });
      line(`homelab:cloudflare${accountId ? ` (account ${accountId})` : ""}`);
      ctx.report.changes.push(
        `Cloudflare: homelab creates and configures its own tunnel${tunnelId ? ` (the tunnel ${tunnelId} is not reused; its token is not written anywhere)` : ""}; to turn it on set homelab:cloudflare.zoneId, enabled: true, allow, and cloudflare:apiToken (secret)`,
      );
      break;
    }
    case "auth":
      line("Authelia: the stack runs it for every protected route; add its users under homelab:authelia.users (its users file is not imported)");
      break;
    default:
      line(`${entry.name} (the stack runs it by itself)`);
  }
  ctx.report.changes.push(...publishedPorts(svc, `${svc.name}'s`));
  // its files and options are homelab's to generate: the owner should know which of theirs are not read
  const socketWhy =
    entry.main.role === "socket-proxy"
      ? `${entry.name} mounts it read-only in its place`
      : "only the socket proxy mounts the Docker socket; the others read the API through it";
  for (const v of svc.volumes) {
    const why = /(^|\/)docker\.sock$/.test(v.value.source ?? "") ? socketWhy : `homelab generates ${entry.name}'s configuration`;
    ctx.report.dropped.push({ service: svc.name, text: `volume ${v.value.source ?? "(anonymous)"}:${v.value.target}: ${why}`, at: v.at });
  }
  for (const n of svc.notCarried) ctx.report.dropped.push({ service: svc.name, text: n.value, at: n.at });
  // the proxy's, Gluetun's and the tunnel's env were read above; the others' settings and secrets homelab makes
  if (!ENV_READ_ROLES.has(entry.main.role)) {
    for (const [key, v] of svc.environment)
      if (!["TZ", "PUID", "PGID"].includes(key))
        ctx.report.dropped.push({ service: svc.name, text: `env ${key}: homelab generates ${entry.name}'s settings and secrets`, at: v.at });
  }
}

const ENV_READ_ROLES = new Set(["proxy", "vpn-gateway", "tunnel"]);

function publishedPorts(svc: ComposeService, whose: string): string[] {
  return svc.ports
    .filter((p) => p.value.published)
    .map((p) => `${p.at}: ${whose} host port ${p.value.published}:${p.value.target} is not published; homelab publishes only the proxy's 80/443`);
}
