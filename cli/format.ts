import { problemLine, visible } from "../config/echo";
import type { Plan, PlanProblem } from "../topology/types";

/** Text renderings of a plan for the terminal. JSON output is the plan itself (secrets are never in it). */

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n");
}

export function formatNetworkTable(plan: Plan): string {
  if (plan.hosts) return formatMultiHostNetworkTable(plan);
  const rows = [["NETWORK", "SUBNET", "HOSTS", "ORIGIN", "MEMBERS"]];
  for (const n of plan.networks) rows.push([n.name, n.subnet, String(n.usableHosts), n.origin, n.members.join(", ") || "-"]);
  return table(rows);
}

/** A multi-host stack's networks: where each lives (one overlay across hosts, or a bridge per host) and its members by host. */
function formatMultiHostNetworkTable(plan: Plan): string {
  const hostOf = new Map(plan.containers.map((c) => [c.name, c.host]));
  const rows = [["NETWORK", "SUBNET", "ADDRESSES", "ORIGIN", "ON", "MEMBERS"]];
  for (const n of plan.networks) {
    const on = n.driver === "overlay" ? `overlay: ${n.hosts!.join(" + ")}${n.encrypted ? " (encrypted)" : ""}` : `bridge on ${n.hosts!.join(", ")}`;
    rows.push([n.name, n.subnet, String(n.usableHosts), n.origin, on, n.members.map((m) => `${m}@${hostOf.get(m)}`).join(", ") || "-"]);
  }
  const hosts = table([
    ["HOST", "DOCKER", "ROLE", "CONTAINERS"],
    ...plan.hosts!.map((h) => [h.name, h.docker, h.manager ? "manager" : "worker", String(plan.containers.filter((c) => c.host === h.name).length)]),
  ]);
  return `${hosts}

${table(rows)}`;
}

export function formatPlan(stack: string, plan: Plan): string {
  const out: string[] = [];
  out.push(
    `Stack ${stack}: ${plan.services.length} services, ${plan.containers.length} containers, ${plan.networks.length} networks, proxy ${plan.proxy}, domain ${plan.domain}`,
  );
  out.push("", formatNetworkTable(plan), "");
  const rows = [["CONTAINER", "ROLE", "IMAGE", "NETWORKS"]];
  for (const c of plan.containers) rows.push([c.name, c.role, c.image, c.networkMode ?? c.networks.join(", ")]);
  out.push(table(rows));
  if (plan.routes.length) {
    out.push("", table([["HOST", "UPSTREAM", "AUTH", "EXPOSE"], ...plan.routes.map((r) => [`https://${r.host}`, r.upstream, r.auth, r.expose])]));
    out.push(
      plan.tls.mode === "acme"
        ? `HTTPS: Let's Encrypt wildcard certificate for ${plan.tls.domain}${plan.tls.staging ? " (staging)" : ""}`
        : `HTTPS: the stack's own CA, wildcard certificate for ${plan.tls.domain} (trust it on your devices: homelab ca ${stack})`,
    );
  }
  const lanPorts = plan.containers.filter((c) => c.role !== "proxy" && c.hostPorts.length > 0);
  if (lanPorts.length)
    out.push(
      "",
      table([
        ["LAN PORT", "CONTAINER", "FOR"],
        ...lanPorts.flatMap((c) => c.hostPorts.map((p) => [`:${p.external}`, c.name, c.role === "vpn-gateway" ? "routed services (publish)" : "publish"])),
      ]),
    );
  if (plan.tunnel) out.push("", formatPublicUrls(plan));
  return out.join("\n");
}

/** What the Internet sees: each tunnelled host, what guards it, and where the tunnel hands it over. */
export function formatPublicUrls(plan: Plan): string {
  const rules = plan.tunnel?.ingress.filter((r) => r.hostname) ?? [];
  if (!rules.length) return `Tunnel ${plan.tunnel?.name}: no public URLs (no service has expose: tunnel)`;
  const guarded = new Set(plan.access?.map((a) => a.domain));
  const auth = new Map(plan.routes.map((r) => [r.host, r.auth]));
  const rows = [["PUBLIC URL", "CLOUDFLARE ACCESS", "AUTHELIA", "ORIGIN"]];
  for (const r of rules) rows.push([`https://${r.hostname}`, guarded.has(r.hostname!) ? "yes" : "no", auth.get(r.hostname!) ?? "-", r.service]);
  return `Tunnel ${plan.tunnel?.name} (catch-all ${plan.tunnel?.ingress.at(-1)?.service}):\n${table(rows)}`;
}

export function formatProblems(stack: string, errors: PlanProblem[]): string {
  return [`homelab: stack ${stack} has ${errors.length} configuration error${errors.length === 1 ? "" : "s"}:`, ...errors.map(problemLine)].join("\n");
}

export function formatWarnings(warnings: string[]): string {
  return warnings.map((w) => `warning: ${visible(w, 600)}`).join("\n");
}
