import type { StackConfig } from "../config/schema";
import { SecretEnvRef, secretRef } from "../config/secret";
import type { PlannedFile, PlannedSecret, PlanProblem } from "./types";

export type AcmeDnsProvider = "cloudflare" | "duckdns";

/**
 * The ACME DNS-01 providers: which secret holds the token, the env var Traefik's lego reads it from, and the
 * dns-conf file SWAG's certbot plugin reads.
 * - Cloudflare: lego CF_DNS_API_TOKEN (https://go-acme.github.io/lego/dns/cloudflare/); certbot-dns-cloudflare's
 *   dns_cloudflare_api_token (linuxserver/docker-swag@5.1.0-ls421:root/defaults/dns-conf/cloudflare.ini).
 * - DuckDNS: lego DUCKDNS_TOKEN, one TXT record at a time, so names are solved in sequence
 *   (https://go-acme.github.io/lego/dns/duckdns/, DUCKDNS_SEQUENCE_INTERVAL); certbot-dns-duckdns's dns_duckdns_token
 *   (linuxserver/docker-swag@5.1.0-ls421:root/defaults/dns-conf/duckdns.ini).
 */
const PROVIDERS = {
  cloudflare: {
    key: "cloudflareApiToken",
    secret: "acme-cloudflare-api-token",
    env: "CF_DNS_API_TOKEN",
    ini: "cloudflare.ini",
    line: "dns_cloudflare_api_token = ",
  },
  duckdns: { key: "duckdnsToken", secret: "acme-duckdns-token", env: "DUCKDNS_TOKEN", ini: "duckdns.ini", line: "dns_duckdns_token=" },
} as const;

/** A DuckDNS name: one label under duckdns.org (DuckDNS hands out `<name>.duckdns.org` and sets records only there). */
const DUCKDNS_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.duckdns\.org$/;

/** What the chosen provider needs: its token (and not the other's), and for DuckDNS a `<name>.duckdns.org` domain with no extra names. */
export function acmeDnsProblems(cfg: StackConfig): PlanProblem[] {
  const acme = cfg.acme;
  if (!acme) return [];
  const problems: PlanProblem[] = [];
  const chosen = PROVIDERS[acme.provider];
  if (!acme[chosen.key]) problems.push({ path: `homelab:acme.${chosen.key}`, message: `is required with homelab:acme.provider ${acme.provider} (a secret)` });
  for (const [name, other] of Object.entries(PROVIDERS))
    if (name !== acme.provider && acme[other.key])
      problems.push({ path: `homelab:acme.${other.key}`, message: `is for provider ${name}, but homelab:acme.provider is ${acme.provider}: remove it` });
  if (acme.provider === "duckdns") {
    if (!DUCKDNS_DOMAIN.test(cfg.domain))
      problems.push({
        path: "homelab:domain",
        message: `must be <name>.duckdns.org with homelab:acme.provider duckdns (DuckDNS sets records only on its own names; got ${cfg.domain})`,
      });
    // SWAG clears EXTRA_DOMAINS with duckdns (linuxserver/docker-swag@5.1.0-ls421:root/etc/s6-overlay/s6-rc.d/init-certbot-config/run).
    if (acme.extraDomains?.length)
      problems.push({
        path: "homelab:acme.extraDomains",
        message: "DuckDNS certificates cover the DuckDNS name and its subdomains only: remove the extra names",
      });
  }
  return problems;
}

/** The token as a planned secret, from its config key. */
export function acmeDnsSecret(cfg: StackConfig): PlannedSecret | undefined {
  const provider = cfg.acme && PROVIDERS[cfg.acme.provider];
  const value = provider && cfg.acme![provider.key];
  if (!provider || !value) return undefined;
  return {
    name: provider.secret,
    source: "config",
    path: `homelab:acme.${provider.key}`,
    value,
    purpose: `${cfg.acme!.provider} API token for the ACME DNS challenge`,
  };
}

/** Traefik: the env var lego reads the token from, as secret env. */
export function traefikAcmeSecretEnv(provider: AcmeDnsProvider): Record<string, SecretEnvRef> {
  return { [PROVIDERS[provider].env]: SecretEnvRef.secret(PROVIDERS[provider].secret) };
}

/** SWAG: the certbot plugin's credentials file under /config/dns-conf (a secret file). */
export function swagDnsConf(provider: AcmeDnsProvider): PlannedFile {
  const p = PROVIDERS[provider];
  return { path: `/config/dns-conf/${p.ini}`, content: `${p.line}${secretRef(p.secret)}\n`, secret: true };
}
