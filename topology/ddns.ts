import type { StackConfig } from "../config/schema";
import { secretRef } from "../config/secret";
import type { Naming } from "./naming";
import type { ContainerPatch } from "./patch";
import { hostnameProblems } from "./remoteAccess";
import type { DnsRecordPlan, PlannedContainer, PlannedSecret, PlanProblem } from "./types";

export const DDNS_UPDATER = "ddns-updater";
export const DDNS_TOKEN_SECRET = "ddns-cloudflare-api-token";
/** Where the image reads its settings: CONFIG_FILEPATH=/updater/data/config.json (qdm12/ddns-updater@v2.9.0:Dockerfile). */
export const DDNS_CONFIG_FILE = "/updater/data/config.json";

/**
 * ddns-updater's config.json from `homelab:ddns`: one Cloudflare setting per record, in the format of
 * qdm12/ddns-updater@v2.9.0:docs/cloudflare.md (provider, zone_identifier, domain, ttl, token, ip_version, proxied;
 * `settings` is read by internal/params/json.go). The token is a secret, so the file is one (0600, the image's user).
 * A record the tunnel manages (a proxied CNAME to the tunnel) is refused: the updater would turn it into an A record.
 */
export function planDdns(
  cfg: StackConfig,
  containers: PlannedContainer[],
  names: Naming,
  tunnelRecords: DnsRecordPlan[] = [],
): { patches: ContainerPatch[]; secrets: PlannedSecret[]; problems: PlanProblem[]; warnings: string[] } {
  const updater = containers.find((c) => c.name === names.container(DDNS_UPDATER));
  const ddns = cfg.ddns;
  if (!ddns) {
    const warnings = updater ? [`homelab:services.${DDNS_UPDATER}: it has no records to update: set homelab:ddns (records, apiToken)`] : [];
    return { patches: [], secrets: [], problems: [], warnings };
  }
  const problems: PlanProblem[] = [];
  if (!updater) problems.push({ path: "homelab:ddns", message: `${DDNS_UPDATER} is not in homelab:services, so nothing would update these records` });
  const zoneId = ddns.zoneId ?? cfg.cloudflare?.zoneId;
  if (!zoneId) problems.push({ path: "homelab:ddns.zoneId", message: "is required (or homelab:cloudflare.zoneId): the zone the records are in" });
  const zone = cfg.cloudflare?.zone ?? cfg.domain;
  const tunnelled = new Set(tunnelRecords.map((r) => r.name));
  ddns.records.forEach((record, i) => {
    const path = `homelab:ddns.records.${i}`;
    for (const message of hostnameProblems(record.replace(/^\*\./, ""), zone)) problems.push({ path, message });
    if (tunnelled.has(record))
      problems.push({ path, message: `${record} is a tunnel record homelab manages (a proxied CNAME): ddns-updater would replace it with an A record` });
    if (ddns.records.indexOf(record) !== i) problems.push({ path, message: `${record} is listed twice` });
  });
  if (problems.length || !updater) return { patches: [], secrets: [], problems, warnings: [] };

  const settings = ddns.records.map((domain) => ({
    provider: "cloudflare",
    zone_identifier: zoneId,
    domain,
    ttl: ddns.ttl,
    proxied: ddns.proxied,
    token: secretRef(DDNS_TOKEN_SECRET),
    ip_version: ddns.ipVersion,
  }));
  return {
    patches: [{ container: updater.name, files: [{ path: DDNS_CONFIG_FILE, content: `${JSON.stringify({ settings }, null, 2)}\n`, secret: true }] }],
    secrets: [
      { name: DDNS_TOKEN_SECRET, source: "config", path: "homelab:ddns.apiToken", value: ddns.apiToken, purpose: "Cloudflare API token for ddns-updater" },
    ],
    problems,
    warnings: [],
  };
}
