import { TUNNEL_CONNECTOR } from "../config/catalog";
import type { CloudflareConfig, StackConfig } from "../config/schema";
import { SecretEnvRef } from "../config/secret";
import type { Naming } from "./naming";
import type { ContainerPatch } from "./patch";
import { TLS_PLACEHOLDERS, tunnelPeerAddress, type TlsPlan } from "./tls";
import type { AccessAppPlan, AccessPolicyPlan, CloudflarePlan, DnsRecordPlan, IngressRule, PlanProblem, ResolvedService, Route, TunnelPlan } from "./types";

/** Stands in for the tunnel's id in planned DNS content until the tunnel exists. */
export const TUNNEL_ID = "<tunnel-id>";
const TUNNEL_TOKEN_ENV = "TUNNEL_TOKEN";
export const CATCH_ALL: IngressRule = { service: "http_status:404" };
const ALLOW_POLICY = "allow";

/** Where cloudflared hands traffic to: the proxy's HTTPS port, which routes by Host header (and to Gluetun for VPN-routed services). */
const PROXY_ORIGIN_PORT = 443;
/** The stack CA inside the cloudflared container, for verifying the proxy's internal certificate. */
export const TUNNEL_CA_FILE = "/etc/cloudflared/homelab-ca.pem";

const cnameTarget = (tunnelId: string) => `${tunnelId}.cfargotunnel.com`;

export interface RemoteAccessPlan {
  cloudflare?: CloudflarePlan;
  tunnel?: TunnelPlan;
  dns?: DnsRecordPlan[];
  access?: AccessAppPlan[];
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `host` cannot be a public hostname in `zone`; empty when it can. */
export function hostnameProblems(host: string, zone: string): string[] {
  const problems: string[] = [];
  if (host.length > 253) problems.push(`host ${host} is longer than 253 characters`);
  const bad = host.split(".").filter((label) => !LABEL.test(label));
  if (bad.length)
    problems.push(
      `host ${host} has invalid DNS label(s) ${bad.map((l) => JSON.stringify(l)).join(", ")}: a-z, 0-9 and '-', 1–63 characters, not starting or ending with '-'`,
    );
  if (host !== zone && !host.endsWith(`.${zone}`)) problems.push(`host ${host} is not inside the Cloudflare zone ${zone}`);
  return problems;
}

/** The tunnel's ingress invariants: valid, unique hostnames, and exactly one catch-all, last. */
export function ingressProblems(rules: IngressRule[], zone: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    if (rule.hostname === undefined) {
      if (i !== rules.length - 1) problems.push(`rule ${i + 1} (${rule.service}) has no hostname: only the last rule may be a catch-all`);
      return;
    }
    problems.push(...hostnameProblems(rule.hostname, zone));
    if (seen.has(rule.hostname)) problems.push(`host ${rule.hostname} has more than one ingress rule`);
    seen.add(rule.hostname);
  });
  const last = rules[rules.length - 1];
  if (!last || last.hostname !== undefined || last.service !== CATCH_ALL.service) problems.push(`the last rule must be the catch-all ${CATCH_ALL.service}`);
  return problems;
}

/**
 * The tunnel's origin for one host: the proxy's HTTPS entrypoint, the same one LAN clients use, so the
 * scheme stays https end to end (Authelia answers 400 to anything else) and no http→https redirect can
 * loop. cloudflared verifies the proxy's certificate for the host it asks for (SNI = originServerName,
 * cloudflare/cloudflared@2025.10.0 ingress/origin_service.go newHTTPTransport): against the stack CA
 * (caPool, added to the system roots by tlsconfig.LoadOriginCA) or, with ACME, the system roots; only a
 * Let's Encrypt *staging* certificate, which nothing trusts, needs noTlsVerify.
 * The proxy trusts the forwarded headers of this connection because it comes from cloudflared's fixed
 * address (see topology/tls.ts tunnelPeerAddress).
 */
function originFor(proxy: StackConfig["proxy"], names: Naming, host: string, tls: TlsPlan): IngressRule {
  return {
    hostname: host,
    service: `https://${names.container(proxy)}:${PROXY_ORIGIN_PORT}`,
    originRequest: {
      httpHostHeader: host,
      originServerName: host,
      ...(tls.mode === "internal" ? { caPool: TUNNEL_CA_FILE } : {}),
      ...(tls.mode === "acme" && tls.staging ? { noTlsVerify: true } : {}),
    },
  };
}

interface RemoteAccessSlice {
  remote: RemoteAccessPlan;
  /** The connector's token, fixed address and (with the stack CA) the CA file. */
  patches: ContainerPatch[];
  problems: PlanProblem[];
  warnings: string[];
}

/**
 * Tunnel ingress, DNS records and Access applications for every `expose: tunnel` route, plus every
 * problem with them, and the connector's secret token env for the planned cloudflared container.
 */
export function planRemoteAccess(cfg: StackConfig, services: ResolvedService[], routes: Route[], names: Naming, tls: TlsPlan): RemoteAccessSlice {
  const tunnelled = routes.filter((r) => r.expose === "tunnel");
  const misplaced = tunnelOnlySettings(services, new Set(tunnelled.map((r) => r.service)));
  const cf = cfg.cloudflare;
  if (cf?.enabled !== true) return { remote: {}, patches: [], problems: [...misplaced, ...remoteAccessOff(cfg, tunnelled)], warnings: [] };

  const problems: PlanProblem[] = [...misplaced];
  if (!cf.accountId) problems.push({ path: "homelab:cloudflare.accountId", message: "is required when homelab:cloudflare.enabled is true" });
  if (!cf.zoneId) problems.push({ path: "homelab:cloudflare.zoneId", message: "is required when homelab:cloudflare.enabled is true" });
  const zone = cf.zone ?? cfg.domain;
  const published = publishRoutes(cfg, cf, services, tunnelled, names, tls, zone);
  problems.push(...published.problems);
  const { ingress, dns, access } = published;
  const warnings = [...published.warnings, ...deepHostWarnings(dns, zone)];
  ingress.push({ ...CATCH_ALL });
  problems.push(...ingressProblems(ingress, zone).map((message) => ({ path: "homelab:cloudflare", message })));
  const policies = accessPolicies(cf, access);
  problems.push(...policies.problems);

  const connector = names.container(TUNNEL_CONNECTOR);
  const patch: ContainerPatch = {
    container: connector,
    secretEnv: { [TUNNEL_TOKEN_ENV]: SecretEnvRef.tunnelToken },
    addresses: { [names.ingress]: tunnelPeerAddress(cfg.network.ingress) },
    ...(tls.mode === "internal" ? { files: [{ path: TUNNEL_CA_FILE, content: TLS_PLACEHOLDERS.ca, secret: false }] } : {}),
  };
  return {
    remote: {
      cloudflare: {
        accountId: cf.accountId ?? "",
        zoneId: cf.zoneId ?? "",
        zone,
        oneTimePin: cf.login.oneTimePin,
        identityProviderIds: cf.login.identityProviderIds,
        policies: policies.policies,
      },
      tunnel: { name: cf.tunnelName ?? `${cfg.network.prefix}homelab`, connector, ingress },
      dns,
      access,
    },
    patches: [patch],
    problems,
    warnings,
  };
}

/** `public` and `remoteAuth` only mean something on a tunnelled route. */
function tunnelOnlySettings(services: ResolvedService[], tunnelled: Set<string>): PlanProblem[] {
  return services
    .filter((svc) => !tunnelled.has(svc.name))
    .flatMap((svc) => [
      ...(svc.config.public !== undefined ? [{ path: `homelab:services.${svc.name}.public`, message: `only applies to services with expose: tunnel` }] : []),
      ...(svc.config.remoteAuth !== undefined
        ? [{ path: `homelab:services.${svc.name}.remoteAuth`, message: `only applies to services with expose: tunnel` }]
        : []),
    ]);
}

/** With remote access off, nothing may ask for the tunnel, and cloudflared is not listed by hand. */
function remoteAccessOff(cfg: StackConfig, tunnelled: Route[]): PlanProblem[] {
  const problems: PlanProblem[] = tunnelled.map((r) => ({
    path: `homelab:services.${r.service}.expose`,
    message: `is tunnel but Cloudflare remote access is off: set homelab:cloudflare.enabled: true (with accountId and zoneId)`,
  }));
  const listed = cfg.services[TUNNEL_CONNECTOR];
  if (listed && listed.enabled !== false)
    problems.push({
      path: `homelab:services.${TUNNEL_CONNECTOR}`,
      message: `cloudflared runs the Cloudflare tunnel: enable homelab:cloudflare instead of listing it`,
    });
  return problems;
}

/** One ingress rule, DNS record and (unless Authelia alone guards it) Access application per tunnelled route. */
function publishRoutes(
  cfg: StackConfig,
  cf: CloudflareConfig,
  services: ResolvedService[],
  tunnelled: Route[],
  names: Naming,
  tls: TlsPlan,
  zone: string,
): { ingress: IngressRule[]; dns: DnsRecordPlan[]; access: AccessAppPlan[]; problems: PlanProblem[]; warnings: string[] } {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const byName = new Map(services.map((s) => [s.name, s]));
  const ingress: IngressRule[] = [];
  const dns: DnsRecordPlan[] = [];
  const access: AccessAppPlan[] = [];
  for (const route of tunnelled) {
    const svc = byName.get(route.service)!;
    const path = `homelab:services.${svc.name}`;
    const hostProblems = hostnameProblems(route.host, zone);
    problems.push(...hostProblems.map((message) => ({ path: `${path}.subdomain`, message })));
    if (hostProblems.length) continue;

    const isPublic = svc.config.public === true;
    const remoteAuth = svc.config.remoteAuth ?? (isPublic ? "authelia" : "both");
    if (isPublic && remoteAuth !== "authelia")
      problems.push({ path: `${path}.public`, message: `public: true means no Cloudflare Access application, but remoteAuth is ${remoteAuth}` });
    const guardedByAccess = remoteAuth !== "authelia";
    if (!guardedByAccess && route.auth === "bypass" && !isPublic)
      problems.push({
        path: `${path}.auth`,
        message: `${route.host} would be on the Internet with no login at all (auth: bypass, remoteAuth: authelia): use remoteAuth access or both, an Authelia level, or acknowledge it with public: true`,
      });
    if (guardedByAccess && remoteAuth === "both" && route.auth === "bypass")
      warnings.push(`${route.host} asks for remoteAuth: both but its Authelia level is bypass: only Cloudflare Access guards it`);

    ingress.push(originFor(cfg.proxy, names, route.host, tls));
    dns.push({ name: route.host, type: "CNAME", content: cnameTarget(TUNNEL_ID), proxied: true, ttl: 1, service: svc.name });
    if (guardedByAccess) access.push({ domain: route.host, service: svc.name, policies: [ALLOW_POLICY], sessionDuration: cf.sessionDuration });
  }
  return { ingress, dns, access, problems, warnings };
}

/** Cloudflare's free Universal SSL certificate covers the zone and one level below it. */
function deepHostWarnings(dns: DnsRecordPlan[], zone: string): string[] {
  const deep = dns.map((r) => r.name).filter((host) => host.split(".").length - zone.split(".").length > 1);
  return deep.length
    ? [
        `${deep.join(", ")} lie more than one level below the zone ${zone}: Cloudflare's free Universal SSL certificate does not cover them (an advanced certificate does)`,
      ]
    : [];
}

/** The one reusable allow policy the Access applications name, when there are any; someone must be able to pass it. */
function accessPolicies(cf: CloudflareConfig, access: AccessAppPlan[]): { policies: AccessPolicyPlan[]; problems: PlanProblem[] } {
  if (!access.length) return { policies: [], problems: [] };
  const problems: PlanProblem[] =
    cf.allow.emails.length + cf.allow.emailDomains.length === 0
      ? [
          {
            path: "homelab:cloudflare.allow",
            message: `nobody could pass Cloudflare Access to ${access.map((a) => a.domain).join(", ")}: list emails or emailDomains`,
          },
        ]
      : [];
  const policy: AccessPolicyPlan = {
    name: ALLOW_POLICY,
    decision: "allow",
    emails: cf.allow.emails,
    emailDomains: cf.allow.emailDomains,
    sessionDuration: cf.sessionDuration,
  };
  return { policies: [policy], problems };
}
