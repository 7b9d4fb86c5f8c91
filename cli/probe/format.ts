import { HOST_DOCKER_API, ProbeReport, reportFindings } from "../../topology/probeVerdict";
import { table } from "../format";

/** The probe report for the terminal: a summary line, the findings and warnings, the VPN egress of every routed service. */
export function formatProbeReport(r: ProbeReport): string {
  const { findings, warnings } = reportFindings(r);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const out = [
    `probe ${r.stack}: ${plural(r.namespaces, "namespace")}, ${plural(r.probes.length, "connection")} tried, ${plural(r.vpn.length, "routed service")} checked in ${(r.durationMs / 1000).toFixed(1)} s — ` +
      `${plural(findings, "finding")}, ${plural(warnings, "warning")}`,
  ];
  const rows = [["KIND", "FROM", "TO", "NETWORK", "ADDRESS", "DETAIL"]];
  for (const p of r.probes.filter((x) => x.verdict === "finding")) {
    rows.push([p.to === HOST_DOCKER_API ? "docker-api" : "reachable", p.from, p.to, p.network, `${p.ip}:${p.port}`, p.reason ?? ""]);
  }
  for (const v of r.vpn.filter((x) => x.verdict === "finding"))
    rows.push(["vpn-leak", v.container, v.gateway, "-", v.observed.egressIp ?? "-", `${v.service} leaks: ${v.problems.join("; ")}`]);
  for (const n of r.neededFailures) rows.push(["needed-path", n.from, n.to, "-", `:${n.port}`, `does not answer (${n.why}); tried ${n.tried.join(", ")}`]);
  for (const v of r.vpn.filter((x) => x.verdict === "warning")) rows.push(["vpn-unknown", v.container, v.gateway, "-", "-", v.problems.join("; ")]);
  if (rows.length > 1) out.push("", table(rows));
  if (r.vpn.length > 0) {
    const egress = [["VPN EGRESS", "DEFAULT ROUTE", "PUBLIC ADDRESS", "DNS", "VERDICT"]];
    const h = r.host;
    if (h) egress.push(["(host)", h.defaultRoute ?? "none", h.egressIp ?? `unknown: ${h.egressError}`, h.nameservers.join(",") || "none", "reference"]);
    for (const v of r.vpn) {
      const o = v.observed;
      egress.push([
        `${v.service} (${v.container})`,
        o.defaultRoute ?? "none",
        o.egressIp ?? "unknown",
        o.nameservers.join(",") || "none",
        v.verdict === "ok" ? "through the tunnel" : v.verdict === "finding" ? "LEAK" : "unknown",
      ]);
    }
    out.push("", table(egress));
  }
  return out.join("\n");
}
